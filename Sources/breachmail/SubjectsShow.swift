import ArgumentParser
import BreachApp
import Foundation

extension SubjectsCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "One person's record: the state of their notice, attempts, the server's last reply, bounces.",
            discussion: """
                For the DPO answering "was I told?". Find the person by subject id (status and the \
                import report give them) or by address; `--email -` reads the address on standard \
                input, so that it stays out of the shell's history and the process list.

                Example:
                  breachmail subjects show BR-2026-0001 --subject 42
                  echo 'anais@example.lu' | breachmail subjects show BR-2026-0001 --email -
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Option(help: "The subject id.")
        var subject: Int64?
        @Option(help: ArgumentHelp("The person's address, or - to read it on standard input.", valueName: "address"))
        var email: String?
        @Flag(help: "Print the record as JSON.")
        var json = false

        func validate() throws {
            guard (subject == nil) != (email == nil) else {
                throw ValidationError("give either --subject ID or --email ADDRESS (or --email - to read it on standard input).")
            }
        }

        func run() throws {
            let ws = try workspace.open()
            var address = email
            if email == "-" {
                address = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let record = try People.find(ws, incidentID: id, subjectID: subject, email: address) else {
                throw CLIError(subject.map { "\(id) has no subject \($0); `breachmail status \(id)` shows the counts." }
                               ?? "\(id) has no person with that address (as imported: the local part without case, the domain in ASCII).", .noInput)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(record), as: UTF8.self))
                return
            }
            print("Subject \(record.subject_id) of \(record.incident), line \(record.csv_line) of the imported CSV, language \(record.language)")
            print("State       \(record.state)\(record.state_reason.map { " (\($0))" } ?? "")")
            print("Attempts    \(record.attempts)\(record.first_attempt_at.map { ", first at \($0)" } ?? "")\(record.next_attempt_at.map { ", next at \($0)" } ?? "")")
            if let reply = record.last_reply { print("Last reply  \(TextFormat.withoutAddresses(reply))") }
            if let messageID = record.message_id { print("Message-ID  <\(messageID)>") }
            print("Updated     \(record.updated_at)")
            if record.bounces.isEmpty {
                print("Bounces     none")
            } else {
                print("Bounces")
                for b in record.bounces {
                    print("  \(b.received_at)  \(b.kind)\(b.class.map { " \($0)" } ?? "")  \(b.status ?? "")  \(b.reason ?? "")")
                }
            }
        }
    }
}
