import BreachApp
import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Check the message templates of a working directory or of a folder.",
        discussion: """
            Example:
              breachmail templates check
              breachmail templates check ./my-templates
            """,
        subcommands: [Check.self])
}

extension TemplatesCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Report Mustache syntax errors, unknown variables and missing mandatory sections, with file and line.",
            discussion: """
                Exits with status 65 (EX_DATAERR) when there is any problem. With --incident, also warns about the languages \
                in which that incident lacks a text the subject notice shows, and how many people it concerns.

                Example:
                  breachmail templates check ./my-templates
                  breachmail templates check --incident BR-2026-0001
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The templates directory (default: the working directory's storage.templates).")
        var directory: String?
        @Option(help: ArgumentHelp("Also check that this incident has, in each of its people's languages, every text the subject notice shows.", valueName: "id"))
        var incident: String?

        func run() throws {
            let url: URL
            if let directory {
                url = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
            } else {
                let dir = workspace.directory
                let configuration = try Configuration.load(dir.appendingPathComponent(Configuration.fileName))
                url = URL(fileURLWithPath: configuration.storage.templates, relativeTo: dir).standardizedFileURL
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("\(url.path) is not a directory; give the templates directory (one folder per language: fr, en, de).")
            }
            let problems = TemplateSet.check(directory: url)
            if problems.isEmpty {
                print("The templates in \(url.path) are fine: \(MessageKind.allCases.count) kinds in \(Language.allCases.count) languages.")
                if let incident {
                    let ws = try workspace.open()
                    let gaps = try LanguageGaps(ws, record: try ws.register.incident(incident), templates: url)
                    for line in gaps.lines() { print("Warning: \(incident): \(line)") }
                    if gaps.gaps.isEmpty { print("\(incident) has every text its people's notices show, in each of their languages.") }
                }
                return
            }
            for problem in problems { print("\(url.path)/\(problem)") }
            print("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(url.path); fix them and run `breachmail templates check` again.")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }
}
