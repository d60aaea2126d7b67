import ArgumentParser
import Foundation

@main
struct Breachmail: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "breachmail",
        abstract: "Handle a personal-data breach under the GDPR: register, 72-hour clock, notifications.",
        discussion: """
            Every command works in a working directory made by `breachmail init` (the configuration \
            breachmail.yaml, the register, the keyring). Pass it with --dir or BREACHMAIL_DIR; \
            the default is the current directory.

            Example:
              breachmail init ./breach-work
              breachmail incident template --lang en > incident.yaml
              breachmail incident open --dir ./breach-work incident.yaml
            """,
        version: version,
        subcommands: [Init.self, IncidentCommand.self, SubjectsCommand.self, Status.self, RegisterCommand.self,
                      TemplatesCommand.self, AuthorityCommand.self, ControllerCommand.self, DemoCommand.self, BouncesCommand.self, PublicNotice.self]
    )

    static func main() {
        // Everything breachmail creates holds personal data: owner-only from the first byte.
        umask(0o077)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
