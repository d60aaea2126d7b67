import ArgumentParser
import BreachApp
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Check and export the breach register (GDPR Art. 33(5)).",
        discussion: """
            Example:
              breachmail register verify
              breachmail register export --format html --output register.html
              breachmail register seal --output /media/usb/register-seal.txt
              breachmail register migrate --to postgres://bm@db.example.lu/bm \\
                  --password env:BREACHMAIL_DB_PASSWORD
            """,
        subcommands: [Verify.self, Export.self, Seal.self, Migrate.self])
}

extension RegisterCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the history chain; report the first entry that was altered or removed.",
            discussion: """
                Exit status: 0 intact; 2 the chain is broken (an entry altered, removed or rewritten, a \
                notification row or a person's state edited outside it, or a seal that does not match); \
                3 the chain is intact but an entry is dated before the one preceding it (a clock set \
                back, or a back-dated entry) in a register that takes the system clock.

                Example:
                  breachmail register verify
                  breachmail register verify --seal register-seal-42.txt
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "Also check the register against this seal (`breachmail register seal`): nothing up to the sealed entry rewritten or cut.")
        var seal: String?
        @Flag(help: "Print the result as one JSON object (snake_case keys); the exit status is the same.")
        var json = false

        func run() throws {
            let ws = try workspace.openForReading()
            let result = try ws.register.verify()
            var report = Report(intact: result.firstProblem == nil, entries: result.entries, head: result.head,
                                problem: result.firstProblem.map { ProblemJSON(sequence: $0.sequence, message: $0.message) })
            if report.intact, let seal {
                let sealed = try RegisterSeal.check(ws, path: seal)
                report.seal = SealJSON(file: seal, intact: sealed.problem == nil, summary: sealed.problem == nil ? sealed.summary : nil,
                                       problem: sealed.problem.map { "\($0)" })
            }
            if report.intact && report.seal?.intact != false {
                report.injected_clock = try ws.register.takesInjectedClock()
                report.time_regressions = try ws.register.timeRegressions().map(\.description)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                printText(report)
            }
            if !report.intact || report.seal?.intact == false { throw ExitCode(2) }
            if !report.time_regressions.isEmpty && report.injected_clock == false { throw ExitCode(3) }
        }

        struct Report: Encodable {
            var intact: Bool
            var entries: Int
            var head: String
            var problem: ProblemJSON?
            var seal: SealJSON?
            var injected_clock: Bool?
            var time_regressions: [String] = []
        }
        struct ProblemJSON: Encodable {
            let sequence: Int64
            let message: String
        }
        struct SealJSON: Encodable {
            let file: String
            let intact: Bool
            let summary: String?
            let problem: String?
        }

        private func printText(_ report: Report) {
            if let problem = report.problem {
                print(Message.historyNotIntact(sequence: problem.sequence, message: problem.message).text)
                print(Message.checkedEntries(report.entries).text)
                return
            }
            print(Message.historyIntact(entries: report.entries, head: report.head).text)
            if let seal = report.seal {
                if let problem = seal.problem {
                    print("The register history is NOT intact: \(problem).")
                    return
                }
                if let summary = seal.summary { print(summary) }
            } else {
                print(Message.keepTheHead.text)
            }
            let injected = report.injected_clock == true
            if injected {
                print(Message.injectedClock.text)
            }
            let regressions = report.time_regressions
            guard !regressions.isEmpty else { return }
            print("\(injected ? "Note" : "WARNING"): \(regressions.count) entr\(regressions.count == 1 ? "y is" : "ies are") dated before the entry preceding "
                + "\(regressions.count == 1 ? "it" : "them") (a clock set back, or a back-dated entry):")
            for r in regressions.prefix(20) { print("  \(r)") }
            if regressions.count > 20 { print("  … and \(regressions.count - 20) more") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export every incident with its history, as CSV, JSON, an HTML report or a PDF of it.",
            discussion: """
                html: the report to hand to the supervisory authority, from the templates of templates/report/ \
                (adapt them there): per incident the facts in words, dates in the incident's time zone, every \
                assessment and decision with its reason, every notification with its reference, the campaign's \
                figures and charts, the history with its head hash and the result of `register verify`. \
                Self-contained (no script, nothing remote), printable. pdf: the same report printed by Debian's \
                headless Chromium (package chromium); needs --output.

                Example:
                  breachmail register export --format html --lang fr --output registre.html
                  breachmail register export --format pdf --lang de --output verzeichnis.pdf
                  breachmail register export --format csv --output register.csv
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, html, pdf }

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "csv, json, html or pdf.")
        var format: Format = .json
        @Option(help: "Language of the labels: fr, en or de (csv and json: fr or en; de gives English labels there).")
        var lang: ReportLanguage = .en
        @Option(help: "Write to this file (mode 0600) instead of standard output (required for pdf).")
        var output: String?

        enum ReportLanguage: String, ExpressibleByArgument, CaseIterable { case fr, en, de }

        func validate() throws {
            if format == .pdf && output == nil {
                throw ValidationError("--format pdf writes a file: give it with --output, e.g. --output register.pdf.")
            }
        }

        func run() throws {
            let ws = try workspace.openForReading()
            let now = try Clock.now()
            let language = Language(rawValue: lang.rawValue) ?? .en
            let text: String, incidents: Int, entries: Int
            switch format {
            case .csv, .json:
                let export = RegisterExport(
                    controller: ws.configuration.controller, incidents: try ws.register.incidents(),
                    history: try ws.register.history(), verification: try ws.register.verify(),
                    generatedAt: now, language: lang == .fr ? .fr : .en)  // de: English labels in csv and json, as documented
                text = try export.render(format == .csv ? .csv : .json)
                (incidents, entries) = (export.incidents.count, export.history.count)
            case .html, .pdf:
                let report = try RegisterReport(ws, language: language, now: now).html()
                text = report.html
                (incidents, entries) = (report.counts.incidents, report.counts.entries)
            }
            if let output {
                let url = URL(fileURLWithPath: output)
                if format == .pdf {
                    try ReportPDF.print(text, to: url)
                } else {
                    try writePrivate(text, to: url)
                }
                print("Wrote \(output) (\(incidents) incidents, \(entries) history entries).")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
