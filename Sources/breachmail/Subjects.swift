import BreachApp
import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachImport
import BreachRegister
import Foundation

struct SubjectsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subjects",
        abstract: "The people affected by an incident (Art. 34): import, preview, notify, look one up.",
        discussion: """
            Example:
              breachmail subjects import BR-2026-0001 members.csv
              breachmail subjects preview BR-2026-0001 --row 12
              breachmail subjects notify BR-2026-0001
              breachmail subjects show BR-2026-0001 --subject 12
            """,
        subcommands: [Import.self, Preview.self, Notify.self, Show.self])
}

extension SubjectsCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Record the people of a CSV file as subjects of an incident, each with a state.",
            discussion: """
                The file needs a header row. Recognised columns (any case, with or without accents, in \
                English, French or German): email (E-mail, Courriel, Mail), first_name (Prénom, Vorname), \
                last_name (Nom, Nachname), language (Langue, Sprache: fr, en or de). Every other column is \
                kept for the templates as subject.fields.COLUMN; --map 'COLUMN=-' leaves one out.

                A row without a valid address is still recorded, in state no_address. A row that is broken \
                (NUL byte, field over 64 KiB, not text, a line break or a mail header inside a name) is \
                rejected. Every row that is not a clean subject is listed, with its line and the reason, in \
                a report under imports/ beside the register. Importing again merges: people already \
                recorded count as duplicates, so a corrected file adds only who was missing.

                `-` reads the CSV from standard input. On a terminal, the rows read, the rate and the \
                share of the file read so far are shown on standard error while the file is read.

                Example:
                  breachmail subjects import BR-2026-0001 members.csv
                  breachmail subjects import BR-2026-0001 members.csv --json
                  export-members | breachmail subjects import BR-2026-0001 -
                  breachmail subjects import BR-2026-0001 export.csv --delimiter tab \\
                      --encoding windows-1252 --map 'Adresse mail=email' --map 'IBAN=-'
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Argument(help: "The CSV file, with a header row, or - for standard input.")
        var file: String
        @Option(help: ArgumentHelp("The separator: , ; or tab (default: sniffed from the header line).", valueName: "separator"))
        var delimiter: String?
        @Option(help: ArgumentHelp("utf-8 or windows-1252 (default: UTF-8, or Windows-1252 when the bytes are not UTF-8).", valueName: "encoding"))
        var encoding: String?
        @Option(help: ArgumentHelp("Map a column to a field: email, first_name, last_name, language, a template name, or - to leave it out. Repeatable.", valueName: "column=field"))
        var map: [String] = []
        @Option(help: ArgumentHelp("The language of rows whose language is empty or unknown: fr, en or de (default: the first authority's first language, else fr).", valueName: "lang"))
        var defaultLanguage: String?
        @Flag(help: "Print the summary as one JSON object (snake_case keys) instead of the text.")
        var json = false

        /// `--json`: the import's figures, where its report is, and the language warnings.
        struct ImportJSON: Encodable {
            let incident: String
            let summary: SubjectImporter.Summary
            let reportPath: String?
            let warnings: [String]
        }

        func run() throws {
            var csv = CSVOptions()
            if let delimiter {
                switch delimiter.lowercased() {
                case ",", "comma": csv.delimiter = UInt8(ascii: ",")
                case ";", "semicolon": csv.delimiter = UInt8(ascii: ";")
                case "tab", "\t", "\\t": csv.delimiter = 9
                default: throw CLIError(Message.badDelimiter(delimiter).text, .usage)
                }
            }
            if let encoding {
                guard let e = CSVEncoding(rawValue: encoding.lowercased().replacingOccurrences(of: "cp1252", with: "windows-1252")
                    .replacingOccurrences(of: "utf8", with: "utf-8")) else {
                    throw CLIError(Message.badEncoding(encoding).text, .usage)
                }
                csv.encoding = e
            }
            let stdin = file == "-"
            let url = URL(fileURLWithPath: stdin ? "/dev/stdin" : file)
            let ws = try workspace.open()
            let language: Language
            if let defaultLanguage {
                guard let l = Language(rawValue: defaultLanguage.lowercased()) else {
                    throw CLIError(Message.badDefaultLanguage(defaultLanguage).text, .usage)
                }
                language = l
            } else {
                language = ws.defaultLanguage
            }
            let options = SubjectImporter.Options(csv: csv, maps: map, defaultLanguage: language)
            let reports = SubjectImporter.reportDirectory(for: ws.register, workingDirectory: ws.directory)
            let meter = ImportProgressLine()
            let s = try SubjectImporter.run(file: url, name: stdin ? "standard input" : nil, into: ws.register, incidentID: id,
                                            options: options, reportDirectory: reports, actor: ws.actor, at: try Clock.now(),
                                            progress: meter.map { m in { m.show($0) } })
            meter?.finish()
            if json {
                let gaps = try LanguageGaps(ws, record: try ws.register.incident(id))
                try JSONOutput.print(ImportJSON(incident: id, summary: s,
                                          reportPath: s.report.map { reports.deletingLastPathComponent().appendingPathComponent($0).path },
                                          warnings: gaps.lines(csv: file) + (gaps.fix.map { ["`breachmail subjects notify \(id)` would refuse to start. \($0)"] } ?? [])))
                return
            }
            let width = String(s.rows).count
            func n(_ v: Int) -> String { String(repeating: " ", count: max(0, width - String(v).count)) + String(v) }
            print(Message.imported(file: s.file, id: id, encoding: CSVEncoding(rawValue: s.encoding)?.displayName ?? s.encoding,
                                   separator: s.delimiter == "tab" ? "TAB" : "'\(s.delimiter)'").text)
            print(Message.rowsRead.text + n(s.rows))
            print(Message.accepted.text + n(s.accepted) + "  " + Message.acceptedDetail(queued: s.queued, noAddress: s.noAddress).text)
            print(Message.duplicates.text + n(s.duplicates))
            print(Message.rejected.text + n(s.rejected))
            if s.languageDefaulted > 0 {
                print("\(s.languageDefaulted) accepted rows had no language or an unknown one: they will be written to in \(language.rawValue).")
            }
            if s.normalised > 0 {
                print("\(s.normalised) accepted rows had a TAB in a name, replaced by a space (listed in the report as normalised).")
            }
            if s.blankLines > 0 { print("\(s.blankLines) blank lines skipped.") }
            if let report = s.report {
                print(Message.rowsToLookAt(path: reports.deletingLastPathComponent().appendingPathComponent(report).path).text)
            } else {
                print(Message.everyRowClean.text)
            }
            print(Message.importHistory(sha256: s.sha256).text)
            let gaps = try LanguageGaps(ws, record: try ws.register.incident(id))
            for line in gaps.lines(csv: file) { print("Warning: \(line)") }
            if let fix = gaps.fix { print("`breachmail subjects notify \(id)` would refuse to start. \(fix)") }
        }
    }
}

extension SubjectsCommand {
    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Print one subject's message (Art. 34) as it would be sent, without sending or recording anything.",
            discussion: """
                The subject is chosen by the line of the imported CSV (--row); without it, the first \
                subject that has an address.

                Example:
                  breachmail subjects preview BR-2026-0001 --row 12 --text
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Option(help: "The line of the imported CSV where the subject's row starts.")
        var row: Int?
        @Flag(help: "Print only the plain-text body, decoded, instead of the whole MIME message.")
        var text = false

        func run() throws {
            let ws = try workspace.open()
            let record = try ws.register.incident(id)
            guard let subject = try find(ws) else {
                throw CLIError(row.map { "no subject of \(id) comes from line \($0) of the imported CSV; `breachmail status \(id)` shows the counts." }
                               ?? "\(id) has no subject with an address yet; import them with `breachmail subjects import \(id) FILE.csv`.", .noInput)
            }
            guard subject.email != nil else {
                throw CLIError("the subject of line \(subject.line) has no usable address (state no_address: \(subject.stateReason ?? "missing")); nothing to preview.")
            }
            let messages = try SubjectMessages(ws, record: record, at: try Clock.now())
            do {
                if text {
                    let rendered = try messages.rendered(for: subject)
                    print("Subject: \(rendered.subject)\n")
                    print(rendered.text)
                } else {
                    print(String(decoding: try messages.message(for: subject).bytes, as: UTF8.self), terminator: "")
                }
            } catch {
                throw CLIError("the message for the subject of line \(subject.line) cannot be composed (it would be render_failed): \(error)")
            }
        }

        private func find(_ ws: Workspace) throws -> Subject? {
            var after: Int64 = 0
            while true {
                let page = try ws.register.subjects(incidentID: id, after: after, limit: 1000)
                guard let last = page.last else { return nil }
                if let hit = page.first(where: { row == nil ? $0.email != nil : $0.line == row }) { return hit }
                after = last.id
            }
        }
    }
}
