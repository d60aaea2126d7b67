import Foundation

/// The report of an import: one CSV row per data row that is not a clean subject (line, outcome,
/// reason, the raw line), written as the import goes so that memory does not grow with it.
///
/// It holds personal data (the raw lines): created 0600 in a 0700 directory beside the register.
/// UTF-8 with a BOM and the input's separator, so that the spreadsheet that made the file opens it.
final class Report {
    let url: URL
    private(set) var rows = 0
    private let fd: Int32
    private let delimiter: UInt8
    private var buffer: [UInt8] = []
    private var closed = false

    private init(url: URL, fd: Int32, delimiter: UInt8) {
        self.url = url
        self.fd = fd
        self.delimiter = delimiter
    }

    deinit { if !closed { close(fd) } }

    static func create(in directory: URL, incidentID: String, at now: Date, delimiter: UInt8) throws -> Report {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stem = "\(incidentID)-\(formatter.string(from: now))"
        for attempt in 1...1000 {
            let url = directory.appendingPathComponent(attempt == 1 ? "\(stem)-rejected.csv" : "\(stem)-\(attempt)-rejected.csv")
            let fd = open(url.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            if fd >= 0 {
                let report = Report(url: url, fd: fd, delimiter: delimiter)
                report.buffer = [0xEF, 0xBB, 0xBF]
                report.field("line", first: true); report.field("outcome"); report.field("reason"); report.field("raw")
                report.buffer += [13, 10]
                return report
            }
            guard errno == EEXIST else { break }
        }
        throw ImportError(file: directory.path, .unreadable("cannot create the report: \(String(cString: strerror(errno)))"))
    }

    func add(_ record: CSVRecord, outcome: String, reason: String) throws {
        rows += 1
        field(String(record.line), first: true)
        field(outcome)
        field(reason)
        // A NUL would make the report itself a broken CSV: show it as ␀.
        let raw = record.raw.contains("\u{0}") ? record.raw.replacingOccurrences(of: "\u{0}", with: "␀") : record.raw
        field(Self.inert(record.rawTruncated ? raw + "…" : raw))
        buffer += [13, 10]
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func finish() throws {
        try flush()
        guard fsync(fd) == 0 else { throw error("sync") }
    }

    /// Removes the report: after a failed import (nothing was recorded), or when it has no row.
    func discard() {
        if !closed { close(fd); closed = true }
        unlink(url.path)
    }

    /// A cell a spreadsheet would evaluate (`=`, `+`, `-`, `@` first) gets a `'` before it, as
    /// the register's exports do: the report shows the line, it never runs it.
    static func inert(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) else { return text }
        return "'" + text
    }

    private func field(_ text: String, first: Bool = false) {
        if !first { buffer.append(delimiter) }
        let bytes = Array(text.utf8)
        if bytes.contains(where: { $0 == delimiter || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
            buffer.append(UInt8(ascii: "\""))
            for b in bytes {
                buffer.append(b)
                if b == UInt8(ascii: "\"") { buffer.append(b) }
            }
            buffer.append(UInt8(ascii: "\""))
        } else {
            buffer += bytes
        }
    }

    private func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, buffer.count - offset) }
            if n < 0 { if errno == EINTR { continue }; throw error("write") }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func error(_ what: String) -> ImportError {
        ImportError(file: url.path, .unreadable("cannot \(what) the report: \(String(cString: strerror(errno)))"))
    }
}
