import BreachApp
import ArgumentParser
import Foundation

/// The command line. Every command gives its `commandName`: without one, swift-argument-parser
/// derives it at each start from `String(describing:)` of the type, a search of every protocol
/// conformance of the binary (5 ms of a 30 ms command, for the 33 that had none).
@main
struct Breachmail: AsyncParsableCommand {
    static let release = "0.1.0"
    /// `0.1.0 (commit 1a2b3c4d5e6f)` when the commit is known.
    static let version = release + (BuildInfo.commit.map { " (commit \($0))" } ?? "")

    static let configuration = CommandConfiguration(
        commandName: "breachmail",
        abstract: "Handle a personal-data breach under the GDPR: register, 72-hour clock, notifications.",
        discussion: """
            Every command works in a working directory made by `breachmail init` (the configuration \
            breachmail.yaml, the register, the keyring). Pass it with --dir or BREACHMAIL_DIR; \
            the default is the current directory.

            Messages are in English or French, from the locale (LC_ALL, LC_MESSAGES, LANG) or from \
            --lang before the command: breachmail --lang fr status BR-2026-0001.

            Example:
              breachmail init ./breach-work
              breachmail incident template --lang en > incident.yaml
              breachmail incident open --dir ./breach-work incident.yaml
            """,
        version: version,
        subcommands: [Init.self, IncidentCommand.self, SubjectsCommand.self, Status.self, RegisterCommand.self,
                      TemplatesCommand.self, AuthorityCommand.self, ControllerCommand.self, DemoCommand.self, BouncesCommand.self, PublicNotice.self,
                      ServeCommand.self, TokenCommand.self, SchedulerCommand.self]
    )

    static func main() async {
        // Everything breachmail creates holds personal data: owner-only from the first byte.
        umask(0o077)
        var command: any ParsableCommand
        do {
            // `--lang` before the command is breachmail's own (the language of its messages).
            let arguments = try GlobalLanguage.split(Array(CommandLine.arguments.dropFirst())).rest
            command = try parseAsRoot(arguments)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("\(Message.errorPrefix.text)\(error)\n".utf8))
            Foundation.exit(error.status.rawValue)
        } catch {
            // ArgumentParser's own: help, version, usage errors (64).
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // `ExitCode`, `CleanExit` and `ValidationError` stay ArgumentParser's; every other error
            // is said the same way and exits with the status of the table (``ExitStatus``).
            guard let status = ExitStatus(error) else { exit(withError: error) }
            FileHandle.standardError.write(Data("\(Message.errorPrefix.text)\(error)\n".utf8))
            Foundation.exit(status.rawValue)
        }
    }
}
