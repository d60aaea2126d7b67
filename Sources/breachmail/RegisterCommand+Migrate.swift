import ArgumentParser
import BreachApp
import BreachConfig
import BreachPostgres
import BreachRegister
import Foundation

extension RegisterCommand {
    /// `register migrate --to postgres://…`: the SQLite register copied into PostgreSQL.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Copy the SQLite register into an empty PostgreSQL database, check the copy, and say what to change in breachmail.yaml.",
            discussion: """
                Every table is copied in one transaction, the history verbatim; the copy is then \
                checked as `register verify` does and must end on the same head hash. The SQLite \
                register is left as it was. Stop every breachmail of the working directory first.

                Exit status: 0 copied and verified; 2 the copy does not verify to the same head.

                Example:
                  breachmail register migrate --to postgres://bm@db.example.lu/bm \\
                      --password env:BREACHMAIL_DB_PASSWORD
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "The empty PostgreSQL database to copy into: postgres://USER@HOST:PORT/DATABASE[?sslmode=verify-full].")
        var to: String
        @Option(help: "The database's password, by reference: env:NAME or file:PATH.")
        var password: String?

        func run() throws {
            let ws = try workspace.openForReading()
            guard let sqlite = ws.register as? Register else {
                throw CLIError("the register of this working directory is already in PostgreSQL (\(ws.register.location)); nothing to migrate.", .usage)
            }
            let reference = try password.map { text throws(CLIError) -> SecretReference in
                guard let reference = SecretReference(argument: text) else {
                    throw CLIError("--password takes env:NAME or file:PATH, never the password itself.", .usage)
                }
                return reference
            }
            let location = try PostgresLocation(to, password: reference?.resolve(relativeTo: ws.directory))
            let store = try PostgresStore(location)
            let copy = try store.copy(from: sqlite)
            for (table, count) in copy.rows { print("\(table): \(count) rows") }
            print("SQLite register: \(copy.source.entries) entries, head \(copy.source.head)")
            print("PostgreSQL copy: \(copy.copy.entries) entries, head \(copy.copy.head)\(copy.copy.firstProblem.map { ", \($0)" } ?? "")")
            guard copy.matches else {
                print("The copy does not verify to the same head: keep the SQLite register (storage.register unchanged).")
                throw ExitCode(2)
            }
            print("""
                The copy verifies. To use it, change storage in \(ws.directory.appendingPathComponent(Configuration.fileName).path):
                storage:
                  register: "\(location)"
                """ + (reference.map { "\n  password: \($0.yaml)" } ?? ""))
        }
    }
}
