public import ArgumentParser
import BreachApp
import BreachConfig
public import BreachCore
import BreachRegister
import Foundation

struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Open, update, list and show the incidents of the register.",
        discussion: """
            Example:
              breachmail incident template --lang fr > incident.yaml
              breachmail incident open incident.yaml
              breachmail incident show BR-2026-0001
            """,
        subcommands: [Template.self, Open.self, Update.self, List.self, Show.self, Assess.self])
}

extension IncidentField.Language: ExpressibleByArgument {
    /// The language of the messages (the incident's labels exist in each of them).
    static var messages: Self { Self(rawValue: UILanguage.current.rawValue) ?? .en }
}

extension IncidentCommand {
    struct Template: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "template",
            abstract: "Print a commented incident file to fill in.",
            discussion: "Example:\n  breachmail incident template --lang fr > incident.yaml")

        @Option(name: .customLong("lang"), help: "Language of the comments: en, fr or de (default: the language of the messages, `breachmail --lang` or the locale).")
        var chosenLanguage: IncidentField.Language?
        var lang: IncidentField.Language { chosenLanguage ?? .messages }

        func run() { print(IncidentFile.template(language: lang), terminator: "") }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open",
            abstract: "Record a new incident from an incident file; its awareness time starts the 72-hour clock.",
            discussion: "Example:\n  breachmail incident open incident.yaml")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident file (YAML; see `breachmail incident template`), or - for standard input.")
        var file: String

        func run() throws {
            let ws = try workspace.open()
            let input = try InputFile(file, what: .incidentFile)
            let incident = try IncidentFile.parse(input.text, file: input.name, defaultLanguage: ws.defaultLanguage)
            let record = try ws.register.openIncident(incident, actor: ws.actor, at: try Clock.now())
            print(Message.opened(id: record.id, title: incident.title).text)
            print(Message.notifyBy(due: TimeText.local(incident.deadline.due, ws.zone(for: incident))).text)
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Record a new version of an incident; earlier versions stay in the register.",
            discussion: "Example:\n  breachmail incident update BR-2026-0001 incident.yaml")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Argument(help: "The incident file with the new content, or - for standard input.")
        var file: String

        func run() throws {
            let ws = try workspace.open()
            let input = try InputFile(file, what: .incidentFile)
            let incident = try IncidentFile.parse(input.text, file: input.name, defaultLanguage: ws.defaultLanguage)
            let current = try ws.register.incident(id)
            if current.incident == incident {
                print("\(id) is unchanged (version \(current.version)); nothing recorded.")
                return
            }
            let record = try ws.register.updateIncident(id, to: incident, actor: ws.actor, at: try Clock.now())
            print("Updated \(record.id) to version \(record.version).")
            if current.incident.awareness != incident.awareness {
                print("The awareness time changed: the deadline is now \(TimeText.local(incident.deadline.due, ws.zone(for: incident))).")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the incidents with their 72-hour clock.",
            discussion: "Example:\n  breachmail incident list\n  breachmail incident list --json")

        @OptionGroup var workspace: WorkspaceOptions
        @Flag(help: "Print the incidents as one JSON array (snake_case keys, times in RFC 3339).")
        var json = false

        func run() throws {
            let ws = try workspace.openForReading()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(try Incidents.summaries(ws, at: try Clock.now())), as: UTF8.self))
                return
            }
            let records = try ws.register.incidents()
            if records.isEmpty {
                print("The register holds no incident yet. Record one with `breachmail incident open FILE`.")
                return
            }
            let now = try Clock.now()
            for r in records {
                print("\(r.id)  v\(r.version)  \(ClockText.short(try ws.clock(of: r, at: now)))  \(r.incident.title)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show an incident, its current version or an earlier one.",
            discussion: "Example:\n  breachmail incident show BR-2026-0001 --version 1")

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Option(help: "An earlier version to show.")
        var version: Int?
        @Option(name: .customLong("lang"), help: "Language of the labels: en, fr or de (default: the language of the messages, `breachmail --lang` or the locale).")
        var chosenLanguage: IncidentField.Language?
        var lang: IncidentField.Language { chosenLanguage ?? .messages }
        @Flag(help: "Print the incident as JSON (the register's own form).")
        var json = false

        func run() throws {
            let ws = try workspace.openForReading()
            let record = try version.map { try ws.register.incident(id, version: $0) } ?? ws.register.incident(id)
            let inForce = try ws.register.decisionInForce(incidentID: record.id)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let document = try Incidents.document(ws, id: id, version: version)
                print(String(decoding: try encoder.encode(document), as: UTF8.self))
                return
            }
            print(lang.pick("\(record.id), version \(record.version) (recorded \(record.updatedAt))",
                            "\(record.id), version \(record.version) (recorded \(record.updatedAt))",
                            "\(record.id), Version \(record.version) (eingetragen \(record.updatedAt))"))
            for field in record.incident.presentedFields(lang) where !field.text.isEmpty {
                let lines = field.text.split(separator: "\n", omittingEmptySubsequences: false)
                print("\(field.label):" + (lines.count > 1 ? "" : " \(field.text)"))
                if lines.count > 1 { lines.forEach { print("    \($0)") } }
            }
            let language = AssessmentLanguage(rawValue: lang.rawValue) ?? .en
            if let inForce {
                print(AssessmentText.inForce(inForce, language: language))
            } else {
                print(lang.pick("Decision in force: none yet (breachmail incident assess \(record.id))",
                                "Décision en vigueur : aucune (breachmail incident assess \(record.id))",
                                "Geltende Entscheidung: noch keine (breachmail incident assess \(record.id))"))
            }
        }
    }
}
