public import Foundation
import Crypto

/// A streaming RFC 4180 reader for the CSV files real exports produce: `,` `;` or TAB,
/// UTF-8 with or without BOM or Windows-1252, CRLF, LF or CR line ends, quoted fields with
/// `""` escapes and line breaks.
///
/// The file is read in chunks of 64 KiB; memory does not grow with the file. A problem in one
/// record (a NUL byte, a field over ``CSVOptions/fieldLimit``, bytes that are not text in the
/// file's encoding) comes back on that record as ``CSVRecord/problem``; a problem with the
/// whole file (empty, not CSV, an unclosed quote) is thrown as ``ImportError``.
///
/// ```swift
/// let reader = try CSVReader(file: url)
/// while let record = try reader.next() { … record.fields … }
/// ```
public final class CSVReader {
    /// The file, as named in errors.
    public let file: String
    /// The separator in use (sniffed from the header line, or as given).
    public private(set) var delimiter: UInt8
    /// The encoding, once known: UTF-8 as soon as a BOM or a non-ASCII UTF-8 sequence is seen,
    /// Windows-1252 as soon as a byte sequence is not UTF-8 (earlier records were ASCII, the same
    /// text in both).
    public private(set) var encoding: CSVEncoding?
    /// Records returned so far, the header included.
    public private(set) var recordsRead = 0
    /// Blank lines and lines of empty fields skipped (they carry no one).
    public private(set) var blankLines = 0
    /// Bytes read from the file so far (in chunks: ahead of the record returned by up to 64 KiB).
    public private(set) var bytesRead: Int64 = 0
    /// The file's size when it is a regular file; nil for a pipe (standard input).
    public let size: Int64?

    private let options: CSVOptions
    private let fd: Int32
    private var chunk: [UInt8]
    private var position = 0
    private var end = 0
    private var atEOF = false
    private var hasher = SHA256()
    private var hasBOM = false

    // Parser state, kept between records.
    private var line = 1
    private var skipLF = false
    /// The file's lines end with a lone CR (old Mac exports): a CR inside a quoted field is then
    /// a physical line; in an LF or CRLF file it is not, and line numbers count LFs.
    private var crLines = false

    // The record being built: every field's bytes one after the other, and where each ends.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var raw: [UInt8] = []
    private var problem: CSVRecord.Problem?
    private var fieldLength = 0

    /// Whether plain text is taken a run at a time (false: byte by byte, the reference the
    /// differential test compares the runs with).
    package var takesPlainRuns = true

    static let chunkSize = 64 * 1024
    static let rawLimit = 2048

    /// Opens `file`, checks that it is text and CSV, and sniffs its separator from the header.
    /// `name` is what errors call the file (`standard input` for `/dev/stdin`); its path by default.
    /// - Throws: ``ImportError`` when the file cannot be read, is empty, is not text or not CSV.
    public init(file url: URL, name: String? = nil, options: CSVOptions = CSVOptions()) throws(ImportError) {
        file = name ?? url.path
        self.options = options
        fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw ImportError(file: name ?? url.path, .unreadable(String(cString: strerror(errno)))) }
        var info = stat()
        size = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        delimiter = options.delimiter ?? UInt8(ascii: ",")
        encoding = options.encoding
        bytes.reserveCapacity(1024)
        raw.reserveCapacity(Self.rawLimit)
        do {
            try fill()
            try sniff()
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// SHA-256 of the bytes read so far, hex: of the whole file once ``next()`` returned nil.
    public var sha256: String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The next record, or nil at the end of the file.
    /// - Throws: ``ImportError`` for a quote never closed, or a read error.
    public func next() throws(ImportError) -> CSVRecord? {
        while true {
            guard let record = try parseRecord() else { return nil }
            if record.problem == nil, record.fields.allSatisfy(\.isEmpty) {
                blankLines += 1
                continue
            }
            recordsRead += 1
            return record
        }
    }

    // MARK: Reading

    private func fill() throws(ImportError) {
        position = 0
        end = 0
        while end == 0 && !atEOF {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, Self.chunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImportError(file: file, .unreadable(String(cString: strerror(errno))))
            }
            if n == 0 { atEOF = true } else {
                end = n
                bytesRead += Int64(n)
                chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
    }

    /// Looks at the start of the file: BOMs, binary formats, the header's separator.
    private func sniff() throws(ImportError) {
        let head = chunk[0..<end]
        if head.isEmpty { throw ImportError(file: file, .empty) }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            hasBOM = true
            position = 3
            if encoding == nil { encoding = .utf8 }
        } else if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            throw ImportError(file: file, .utf16)
        } else if head.starts(with: Array("PK\u{3}\u{4}".utf8)) || head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw ImportError(file: file, .spreadsheet)
        }
        // The header line: up to the first line break outside quotes, within the first chunk.
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, 9: 0]
        var quoted = false
        var sawText = false
        for (index, b) in head.enumerated().dropFirst(position) {
            if b == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if quoted { continue }
            if b == 10 || b == 13 {
                if sawText {
                    crLines = b == 13 && index + 1 < head.count && head[index + 1] != 10
                    break
                } else { continue }
            }
            if b == 0 || (b < 0x20 && b != 9) || b == 0x7F { throw ImportError(file: file, .binary) }
            sawText = true
            if counts[b] != nil { counts[b]! += 1 }
        }
        if !sawText { throw ImportError(file: file, .empty) }
        // Binary formats carry NUL and control bytes everywhere; a CSV may have a stray one in a
        // row (refused with that row), not dozens in its first 64 KiB.
        let controls = head.reduce(0) { $0 + (($1 < 0x20 && $1 != 9 && $1 != 10 && $1 != 13) || $1 == 0x7F ? 1 : 0) }
        if controls >= 8 && controls * 100 >= head.count { throw ImportError(file: file, .binary) }
        if options.delimiter == nil {
            // Prefer `;` then TAB then `,` on a tie: a French header rarely has semicolons inside.
            let best = [UInt8(ascii: ";"), 9, UInt8(ascii: ",")].max { counts[$0]! < counts[$1]! }!
            if counts[best]! > 0 { delimiter = best }
        }
        if position >= end { try fill() }
    }

    // MARK: Parsing

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    private func parseRecord() throws(ImportError) -> CSVRecord? {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        raw.removeAll(keepingCapacity: true)
        problem = nil
        fieldLength = 0
        var state = State.fieldStart
        var started = false
        var startLine = line
        var lastWasCR = false
        let quote = UInt8(ascii: "\"")
        let delimiter = delimiter
        // The header is bounded like a field: a huge first line is not a header (and its
        // millions of columns would all be kept in memory).
        let headerLimit = recordsRead == 0 ? options.fieldLimit : Int.max
        var recordBytes = 0

        while true {
            if position >= end {
                try fill()
                if end == 0 {
                    // End of file.
                    if state == .quoted {
                        throw ImportError(file: file, line: startLine, .unclosedQuote(field: ends.count + 1))
                    }
                    if !started { return nil }
                    ends.append(bytes.count)
                    return makeRecord(startLine)
                }
            }
            if takesPlainRuns, state == .unquoted || state == .fieldStart, let run = plainRun(delimiter: delimiter, quote: quote) {
                // The bytes up to the next separator, line end, quote or NUL, taken at once: byte
                // by byte, the reader's own fields cost more than the parsing (each access
                // checked). What the byte-by-byte path below would do with each of them.
                skipLF = false
                if !started {
                    startLine = line
                    started = true
                }
                let rawRoom = max(0, min(run, Self.rawLimit - raw.count))
                let fieldRoom = max(0, min(run, options.fieldLimit - fieldLength))
                chunk.withUnsafeBufferPointer { buffer in
                    if rawRoom > 0 { raw.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<position + rawRoom])) }
                    if fieldRoom > 0 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<position + fieldRoom])) }
                }
                recordBytes += run
                if recordBytes > headerLimit { throw ImportError(file: file, line: startLine, .headerTooLong(limit: headerLimit)) }
                fieldLength += run
                if fieldLength > options.fieldLimit, problem == nil {
                    problem = .fieldTooLong(field: ends.count + 1, limit: options.fieldLimit)
                }
                position += run
                state = .unquoted
                continue
            }
            let b = chunk[position]
            position += 1

            if skipLF {
                skipLF = false
                if b == 10 { continue }
            }
            if !started {
                startLine = line
                started = true
            }
            if raw.count < Self.rawLimit { raw.append(b) }
            recordBytes += 1
            if recordBytes > headerLimit { throw ImportError(file: file, line: startLine, .headerTooLong(limit: headerLimit)) }

            switch state {
            case .quoted:
                if b == quote { state = .quoteInQuoted; continue }
                // Physical lines: LFs (a CRLF once), or lone CRs in a file whose lines end with them.
                if b == 10 { if !(crLines && lastWasCR) { line += 1 } } else if b == 13, crLines { line += 1 }
                lastWasCR = b == 13
                append(b)
            case .quoteInQuoted:
                if b == quote { append(b); state = .quoted; continue }
                if b == delimiter { endField(); state = .fieldStart; continue }
                if b == 10 || b == 13 { return endRecord(b, startLine) }
                // `"abc"def`: text after the closing quote; Excel would keep it, but it usually
                // means a quote that was meant literally. The row is refused rather than guessed.
                if problem == nil { problem = .textAfterQuote(field: ends.count + 1) }
                append(b)
                state = .unquoted
            case .fieldStart:
                if b == quote { state = .quoted; lastWasCR = false; continue }
                if b == delimiter { endField(); continue }
                if b == 10 || b == 13 { return endRecord(b, startLine) }
                append(b)
                state = .unquoted
            case .unquoted:
                if b == delimiter { endField(); state = .fieldStart; continue }
                if b == 10 || b == 13 { return endRecord(b, startLine) }
                append(b)
            }
        }
    }

    /// How many bytes from `position` are plain field text (none of separator, quote, CR, LF or
    /// NUL), or nil when the next byte is not. Quotes end the run even inside an unquoted field,
    /// where they are text: the byte-by-byte path decides what they are.
    private func plainRun(delimiter: UInt8, quote: UInt8) -> Int? {
        let start = position, end = end
        let stop = chunk.withUnsafeBufferPointer { buffer -> Int in
            var i = start
            while i < end {
                let c = buffer[i]
                if c == delimiter || c == quote || c == 10 || c == 13 || c == 0 { break }
                i += 1
            }
            return i
        }
        return stop > start ? stop - start : nil
    }

    @inline(__always)
    private func append(_ b: UInt8) {
        if b == 0 {
            if problem == nil { problem = .nul(field: ends.count + 1) }
            return
        }
        fieldLength += 1
        if fieldLength > options.fieldLimit {
            if problem == nil { problem = .fieldTooLong(field: ends.count + 1, limit: options.fieldLimit) }
            return
        }
        bytes.append(b)
    }

    @inline(__always)
    private func endField() {
        ends.append(bytes.count)
        fieldLength = 0
    }

    private func endRecord(_ b: UInt8, _ startLine: Int) -> CSVRecord {
        line += 1
        if b == 13 { skipLF = true }
        // The raw line in the report is the record without its line end.
        if let last = raw.last, last == b { raw.removeLast() }
        ends.append(bytes.count)
        return makeRecord(startLine)
    }

    private func makeRecord(_ startLine: Int) -> CSVRecord {
        var fields: [String] = []
        fields.reserveCapacity(ends.count)
        var start = 0
        var problem = problem
        for (index, fieldEnd) in ends.enumerated() {
            let text = bytes.withUnsafeBufferPointer { buffer in
                decode(UnsafeBufferPointer(rebasing: buffer[start..<fieldEnd]))
            }
            if let text {
                fields.append(text)
            } else {
                if problem == nil { problem = .notText(field: index + 1, encoding: encoding ?? .utf8) }
                fields.append(String(decoding: bytes[start..<fieldEnd], as: UTF8.self))
            }
            start = fieldEnd
        }
        // The raw text is decoded only if asked for (the report's rows): most records never are.
        // Its bytes may still settle the encoding, as its decoding would have.
        if encoding == nil, raw.contains(where: { $0 >= 0x80 }) { _ = decode(raw[...]) }
        return CSVRecord(line: startLine, fields: fields, rawBytes: Array(raw[...]), rawEncoding: encoding, rawTruncated: raw.count >= Self.rawLimit,
                         problem: problem)
    }

    /// Decodes a field in the file's encoding, settling the encoding on the first non-ASCII text.
    private func decode(_ field: UnsafeBufferPointer<UInt8>) -> String? {
        if !field.contains(where: { $0 >= 0x80 }) { return String(decoding: field, as: UTF8.self) }
        switch encoding {
        case .windows1252?: return Windows1252.decode(field)
        case .utf8?: return String(validating: field, as: UTF8.self)
        case nil:
            if let text = String(validating: field, as: UTF8.self) {
                encoding = .utf8
                return text
            }
            encoding = .windows1252
            return Windows1252.decode(field)
        }
    }

    private func decode(_ slice: ArraySlice<UInt8>) -> String? {
        slice.withUnsafeBufferPointer { decode($0) }
    }
}

/// What a ``CSVReader`` is told, every field optional.
public struct CSVOptions: Sendable, Equatable {
    /// The separator; nil: sniffed among `,` `;` TAB from the header line.
    public var delimiter: UInt8?
    /// The encoding; nil: UTF-8, or Windows-1252 when the bytes are not UTF-8.
    public var encoding: CSVEncoding?
    /// The longest field accepted, in bytes; a longer one refuses its row.
    public var fieldLimit: Int

    public init(delimiter: UInt8? = nil, encoding: CSVEncoding? = nil, fieldLimit: Int = 64 * 1024) {
        self.delimiter = delimiter
        self.encoding = encoding
        self.fieldLimit = fieldLimit
    }
}

/// The text encodings of real CSV exports.
public enum CSVEncoding: String, Sendable, Equatable, CaseIterable {
    case utf8 = "utf-8"
    /// Excel's "CSV (separator: semicolon)" on Windows in Western Europe.
    case windows1252 = "windows-1252"

    /// `UTF-8` or `Windows-1252`.
    public var displayName: String { self == .utf8 ? "UTF-8" : "Windows-1252" }
}

/// One record of a CSV file.
public struct CSVRecord: Sendable, Equatable {
    /// A problem that refuses this record alone.
    public enum Problem: Sendable, Equatable {
        case nul(field: Int)
        case fieldTooLong(field: Int, limit: Int)
        case notText(field: Int, encoding: CSVEncoding)
        case textAfterQuote(field: Int)
    }

    /// The physical line where the record starts (1 for the header).
    public let line: Int
    public let fields: [String]
    /// The record as written, without its line end (at most 2 KiB), for the report.
    public var raw: String {
        rawBytes.withUnsafeBufferPointer { bytes in
            if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            switch rawEncoding {
            case .windows1252?: return Windows1252.decode(bytes)
            case .utf8?: return String(validating: bytes, as: UTF8.self) ?? String(decoding: bytes, as: UTF8.self)
            case nil: return String(validating: bytes, as: UTF8.self) ?? Windows1252.decode(bytes)
            }
        }
    }
    public let rawTruncated: Bool
    public let problem: Problem?
    /// The bytes of ``raw`` (a copy of their own: records wait in batches, and sharing the
    /// reader's 2 KiB buffer would give each a buffer of that size), and the file's encoding as
    /// known when the record was read.
    let rawBytes: [UInt8]
    let rawEncoding: CSVEncoding?

    init(line: Int, fields: [String], rawBytes: [UInt8], rawEncoding: CSVEncoding?, rawTruncated: Bool, problem: Problem?) {
        self.line = line
        self.fields = fields
        self.rawBytes = rawBytes
        self.rawEncoding = rawEncoding
        self.rawTruncated = rawTruncated
        self.problem = problem
    }
}

enum Windows1252 {
    // 0x80…0x9F; the five bytes Windows leaves undefined map to the C1 controls, as Windows does.
    static let high: [Unicode.Scalar] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ].map { Unicode.Scalar(UInt32($0))! }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes {
            s.append(b >= 0x80 && b < 0xA0 ? high[Int(b) - 0x80] : Unicode.Scalar(b))
        }
        return String(s)
    }
}
