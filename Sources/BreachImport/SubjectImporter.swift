public import Foundation
public import BreachRegister
import BreachCompose
public import BreachCore
import Crypto

/// Imports the data subjects of an incident from a CSV file into the register.
///
/// Every data row ends in exactly one of: accepted (state `queued`, or `no_address` when its
/// address is missing or invalid: still recorded, never dropped), duplicate (the incident already
/// has that address) or rejected (the row cannot be trusted: NUL byte, oversized field, not text,
/// a line break or a mail header inside a name…). Rows read = accepted + duplicates + rejected.
/// Everything but the clean rows goes to a report beside the register. The rows are read and
/// checked on a thread of their own (``RowPipeline``) while they are written in batches; the
/// import becomes visible in one final step, or not at all (see `Register+Import.swift`).
public enum SubjectImporter {
    /// What to import and how.
    public struct Options: Sendable {
        public var csv: CSVOptions
        /// `COLUMN=FIELD` texts from `--map`.
        public var maps: [String]
        /// For rows whose language is empty or not fr, en or de.
        public var defaultLanguage: Language

        public init(csv: CSVOptions = CSVOptions(), maps: [String] = [], defaultLanguage: Language = .fr) {
            self.csv = csv
            self.maps = maps
            self.defaultLanguage = defaultLanguage
        }
    }

    /// The counts of one import, as printed and recorded in the history (never a name or an address).
    public struct Summary: Sendable, Equatable, Encodable {
        public var file: String
        public var sha256 = ""
        public var encoding = CSVEncoding.utf8.rawValue
        public var delimiter = ""
        public var rows = 0
        public var accepted = 0
        public var queued = 0
        public var noAddress = 0
        public var duplicates = 0
        public var rejected = 0
        /// Accepted rows whose language was empty or unknown and got the default.
        public var languageDefaulted = 0
        /// Accepted rows whose names had a TAB, replaced by a space (each in the report).
        public var normalised = 0
        public var blankLines = 0
        /// The report, relative to the register's directory; nil when every row was clean.
        public var report: String?

        enum CodingKeys: String, CodingKey {
            case file, sha256, encoding, delimiter, rows, accepted, queued, noAddress = "no_address", duplicates, rejected
            case languageDefaulted = "language_defaulted", blankLines = "blank_lines", report, normalised
        }
    }

    /// How far an import has gone: for a progress line while a large file is read.
    public struct Progress: Sendable {
        /// Data rows read so far (the header and blank lines not counted).
        public let rows: Int
        public let bytesRead: Int64
        /// The file's size, nil when it is read from a pipe.
        public let size: Int64?
    }

    /// How many rows between two calls of the progress closure of ``run(file:name:into:incidentID:options:reportDirectory:actor:at:progress:)``.
    public static let progressEvery = 1000

    /// Reads `file` and records its subjects in `incidentID`, writing the report of the rows to
    /// look at under `reportDirectory` (mode 0600). `name` is what the summary and errors call the
    /// file (`standard input`); `progress` is called every ``progressEvery`` rows and at the end.
    ///
    /// - Throws: ``ImportError`` for a file that cannot be imported at all, ``RegisterError`` for
    ///   an unknown incident or a register failure. Nothing is recorded then, and no report is left.
    public static func run(file: URL, name: String? = nil, into register: any SubjectStore, incidentID: String, options: Options,
                           reportDirectory: URL, actor: String, at now: Date,
                           progress: ((Progress) -> Void)? = nil) throws -> Summary {
        let reader = try CSVReader(file: file, name: name, options: options.csv)
        var summary = Summary(file: name ?? file.lastPathComponent)
        let report = try Report.create(in: reportDirectory, incidentID: incidentID, at: now, delimiter: reader.delimiter)
        do {
            _ = try register.importSubjects(incidentID: incidentID, actor: actor, at: now) { writer in
                try importRows(reader, writer, options, report, &summary, progress)
                summary.sha256 = reader.sha256
                summary.encoding = (reader.encoding ?? .utf8).rawValue
                summary.delimiter = reader.delimiter == 9 ? "tab" : String(UnicodeScalar(reader.delimiter))
                summary.blankLines = reader.blankLines
                try report.finish()
                if report.rows > 0 {
                    summary.report = reportDirectory.lastPathComponent + "/" + report.url.lastPathComponent
                }
                return summary
            }
        } catch {
            report.discard()
            throw error
        }
        if report.rows == 0 { report.discard() }
        return summary
    }

    /// Where the report of an import into `register` goes: `imports/` beside the register file.
    public static func reportDirectory(for register: Register) -> URL {
        URL(fileURLWithPath: register.path).deletingLastPathComponent().appendingPathComponent("imports", isDirectory: true)
    }

    /// Where the report of an import into `store` goes: `imports/` beside an SQLite register's
    /// file, else (a register without a file) in the working directory `directory`.
    public static func reportDirectory(for store: any RegisterStore, workingDirectory directory: URL) -> URL {
        if let register = store as? Register { return reportDirectory(for: register) }
        return directory.appendingPathComponent("imports", isDirectory: true)
    }

    private static func importRows(_ reader: CSVReader, _ writer: some SubjectInserting, _ options: Options, _ report: Report,
                                   _ summary: inout Summary, _ progress: ((Progress) -> Void)?) throws {
        guard let header = try reader.next() else { throw ImportError(file: reader.file, .empty) }
        if header.problem != nil { throw ImportError(file: reader.file, line: header.line, .binary) }
        let mapping = try ColumnMapping(header: header.fields, maps: options.maps, file: reader.file, singleColumn: header.fields.count == 1)
        // The rows are read and classified on a thread of their own while they are written here.
        let pipeline = RowPipeline(reader: reader, mapping: mapping, options: options)
        pipeline.start()
        defer { pipeline.finish() }
        while let batch = try pipeline.next() {
            // The batch's people recorded at once (one statement on PostgreSQL), then each row
            // counted and reported in order; the batch then goes back to be freed by the thread.
            let inserted = try writer.insert(batch.people)
            precondition(inserted.count == batch.people.count, "the register answered \(inserted.count) insertions for \(batch.people.count) people")
            // Read in place through buffers: a person or a row passed from an array subscript is
            // copied (its texts retained and released), a tenth of the writing thread's time.
            var person = 0
            try batch.rows.withUnsafeBufferPointer { rows in
                try batch.people.withUnsafeBufferPointer { people in
                    for index in rows.indices {
                        summary.rows += 1
                        if let progress, summary.rows % progressEvery == 0 {
                            progress(Progress(rows: summary.rows, bytesRead: batch.bytesRead, size: reader.size))
                        }
                        switch rows[index].outcome {
                        case .rejected(let reason):
                            summary.rejected += 1
                            try report.add(rows[index].record, outcome: "rejected", reason: reason)
                        case .subject(let languageDefaulted, let normalised):
                            try write(people, person, languageDefaulted: languageDefaulted, normalised: normalised, inserted[person],
                                      rows, index, report, &summary)
                            person += 1
                        }
                    }
                }
            }
            pipeline.recycle(batch)
        }
        // The last batch came: the thread is done with the reader.
        progress?(Progress(rows: summary.rows, bytesRead: reader.bytesRead, size: reader.size))
    }

    /// Counts and reports one person, `people[person]` from `rows[row]`: inserted, or merged as a
    /// duplicate (`insertion`, what the register did with it). Read in place; the row's record
    /// only when it is reported.
    private static func write(_ people: UnsafeBufferPointer<NewSubject>, _ person: Int, languageDefaulted: Bool, normalised: String?,
                              _ insertion: SubjectInsertion, _ rows: UnsafeBufferPointer<RowPipeline.Row>, _ row: Int,
                              _ report: Report, _ summary: inout Summary) throws {
        switch insertion {
        case .inserted:
            summary.accepted += 1
            if languageDefaulted { summary.languageDefaulted += 1 }
            if normalised != nil { summary.normalised += 1 }
            if people[person].state == .noAddress {
                summary.noAddress += 1
                try report.add(rows[row].record, outcome: "no_address",
                               reason: [people[person].reason, normalised].compactMap { $0 }.joined(separator: "; "))
            } else {
                summary.queued += 1
                if let normalised { try report.add(rows[row].record, outcome: "normalised", reason: normalised) }
            }
        case .duplicate(let line, let earlier):
            summary.duplicates += 1
            try report.add(rows[row].record, outcome: "duplicate", reason: earlier
                ? "already recorded from line \(line) by an earlier import"
                : "same \(people[person].email == nil ? "row" : "address") as line \(line); merged")
        }
    }

    /// What a row became.
    enum Outcome {
        /// A person, appended to the people ``classify(_:_:_:into:)`` was given; `normalised`:
        /// what was changed in the row to accept it (for the report), if anything.
        case subject(languageDefaulted: Bool, normalised: String?)
        case rejected(String)
    }

    /// Turns one record into a subject, appended to `people`, or the reason it is refused (which
    /// names the field and the fix).
    static func classify(_ record: CSVRecord, _ mapping: ColumnMapping, _ options: Options, into people: inout [NewSubject]) -> Outcome {
        let headers = mapping.headers
        func name(_ field: Int) -> String { field <= headers.count ? "field \(field) (\(ImportError.short(headers[field - 1])))" : "field \(field)" }
        if let problem = record.problem {
            switch problem {
            case .nul(let f): return .rejected("\(name(f)) contains a NUL byte; remove it")
            case .fieldTooLong(let f, let limit): return .rejected("\(name(f)) is longer than \(limit) bytes; shorten it or check the quoting")
            case .notText(let f, let encoding):
                return .rejected(encoding == .utf8
                    ? "\(name(f)) is not valid UTF-8 text; save the file as CSV UTF-8, or pass --encoding windows-1252"
                    : "\(name(f)) is not valid \(encoding.displayName) text; pass the right --encoding")
            case .textAfterQuote(let f):
                return .rejected("\(name(f)) has text after its closing quote; write a quote inside a quoted field as \"\"")
            }
        }
        let fields = record.fields
        if fields.count > headers.count, fields[headers.count...].contains(where: { !$0.isEmpty }) {
            return .rejected("has \(fields.count) fields but the header has \(headers.count); check the quoting and separators of this line")
        }
        func value(_ field: ColumnMapping.Field) -> String {
            guard let i = mapping.column(field), i < fields.count else { return "" }
            return fields[i].trimmingASCIISpaces()
        }

        // Names reach a header (To: "Marie Dupont" <…>): refuse anything that could break out of it.
        // A TAB is harmless there once replaced by a space (as header folding would); it is recorded.
        var names: (first: String?, last: String?) = (nil, nil)
        var tabs: [String] = []
        for field in ColumnMapping.Field.names {
            var text = value(field)
            guard !text.isEmpty, let column = mapping.column(field) else { continue }
            if text.utf8.contains(9) {
                text = text.replacingOccurrences(of: "\t", with: " ")
                tabs.append(name(column + 1))
            }
            if text.unicodeScalars.contains(where: isControl) {
                return .rejected("\(name(column + 1)) contains a line break or control character, which could inject mail headers; remove it")
            }
            if looksLikeHeader(text) {
                return .rejected("\(name(column + 1)) contains a mail header field (such as Bcc:); correct the name")
            }
            if field == .firstName { names.first = text } else { names.last = text }
        }
        var extras: [String: String] = [:]
        for (index, header) in mapping.extras where index < fields.count {
            var text = fields[index]
            if text.utf8.contains(13) {
                text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            }
            if text.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && isControl($0) }) {
                return .rejected("\(name(index + 1)) contains a control character; remove it")
            }
            if !text.isEmpty { extras[header] = text }
        }

        let languageText = value(.language)
        let language = languageOf(languageText)
        var subject = NewSubject(line: record.line, email: nil, firstName: names.first, lastName: names.last,
                                 language: (language ?? options.defaultLanguage).rawValue, fields: extras,
                                 state: .queued, reason: nil, rowKey: nil)
        let address = value(.email)
        let emailColumn = mapping.emailColumn
        let emailHeader = headers[emailColumn]
        do {
            let parsed = try MailAddress(fields[safe: emailColumn] ?? "")
            subject.email = parsed.localPart.lowercased() + "@" + parsed.domain
        } catch {
            subject.state = .noAddress
            if case .idna = error.problem {
                // IDNA's refusal names the field too: the column is not always called email.
                subject.reason = "invalid address in \(name(emailColumn + 1)): " + addressReason(error)
            } else {
                subject.reason = address.isEmpty ? "no address" : "invalid address: " + addressReason(error)
            }
            // Keep what was written, so that the person can still be reached another way.
            if !address.isEmpty { subject.fields[emailHeader] = address }
            var hasher = SHA256()
            for f in fields { hasher.update(data: Data(f.utf8)); hasher.update(data: [0x1F]) }
            subject.rowKey = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        let normalised = tabs.isEmpty ? nil : "TAB replaced by a space in \(tabs.joined(separator: " and "))"
        people.append(subject)
        return .subject(languageDefaulted: language == nil, normalised: normalised)
    }

    /// `fr`, `FR`, `fr-BE`, `français`, `Deutsch`, `anglais`… → the language; nil when empty or unknown.
    static func languageOf(_ text: String) -> Language? {
        if text.isEmpty { return nil }
        if let language = Language(rawValue: text) { return language }  // the common case, without Foundation
        let folded = ColumnMapping.fold(text)
        if folded.isEmpty { return nil }
        if let language = languageNames[folded] { return language }
        // A locale: fr_FR, de-CH, en-GB…
        if folded.count == 4, let language = Language(rawValue: String(folded.prefix(2))),
           text.contains(where: { $0 == "-" || $0 == "_" }) {
            return language
        }
        return nil
    }

    static let languageNames: [String: Language] = [
        "fr": .fr, "fra": .fr, "fre": .fr, "french": .fr, "francais": .fr, "franzosisch": .fr,
        "en": .en, "eng": .en, "english": .en, "anglais": .en, "englisch": .en,
        "de": .de, "deu": .de, "ger": .de, "german": .de, "deutsch": .de, "allemand": .de,
    ]

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }

    static let headerNames = ["bcc", "cc", "to", "from", "sender", "reply-to", "subject", "return-path", "received",
                              "mime-version", "content-type", "content-transfer-encoding", "message-id", "date"]

    /// `Bcc: someone@…` or `x-anything:` inside a name: harmless once encoded, but never a name.
    static func looksLikeHeader(_ text: String) -> Bool {
        guard text.utf8.contains(UInt8(ascii: ":")) else { return false }
        let lower = text.lowercased()
        for name in headerNames {
            var search = lower[...]
            while let range = search.range(of: name) {
                let before = range.lowerBound == lower.startIndex ? nil : lower[lower.index(before: range.lowerBound)]
                let after = lower[range.upperBound...].drop { $0 == " " || $0 == "\t" }
                if (before == nil || !(before!.isLetter || before!.isNumber || before == "-")), after.first == ":" { return true }
                search = lower[range.upperBound...]
            }
        }
        return false
    }

    /// The address error without the address (it goes to the register, which must not repeat it).
    static func addressReason(_ error: AddressError) -> String {
        let text = error.description
        guard let range = text.range(of: "\": it ") else { return text }
        return String(text[range.upperBound...])
    }
}

extension String {
    /// Spaces and tabs off both ends, without Foundation (this runs for every field of every row).
    func trimmingASCIISpaces() -> String {
        let u = utf8
        guard let first = u.first, let last = u.last,
              first == 32 || first == 9 || last == 32 || last == 9 else { return self }
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

extension ColumnMapping.Field {
    /// The fields that reach a header, in the order they are checked.
    static let names: [ColumnMapping.Field] = [.firstName, .lastName]
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
