import BreachApp
import ArgumentParser
import BreachBounces
import BreachConfig
import BreachCurl
import BreachRegister
import Foundation

extension BouncesCommand {
    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Record the bounces waiting in the IMAP mailbox of mail.bounces.imap.",
            discussion: """
                Reads every message of the mailbox (imaps://host/INBOX by default) through libcurl, \
                records them as `bounces ingest` does (once each, by SHA-256; forged tokens ignored and \
                counted), and only when the register write is durable moves them on the server: read \
                messages to the folder breachmail-processed, unparsable messages and messages that are \
                not bounces to breachmail-review (both made if missing, with CREATE). Nothing is \
                deleted; the move is IMAP's UID MOVE (RFC 6851).

                Configuration (breachmail.yaml):
                  mail:
                    bounces:
                      imap:
                        url: imaps://imap.exemple.lu/INBOX
                        username: bounces
                        password: {env: BREACHMAIL_IMAP_PASSWORD}   # or {file: secrets/imap.pass}

                Exit status: 0 when recorded; 75 (EX_TEMPFAIL) when the register is locked or the \
                server cannot be reached, so that a timer simply tries again; 78 (EX_CONFIG) when the login is refused.

                Example:
                  breachmail bounces fetch
                  breachmail bounces fetch --json
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Flag(help: "Print the counts as one JSON object (snake_case keys) instead of the text.")
        var json = false

        func run() async throws {
            let result: BounceFetch.Result
            do {
                let ws = try workspace.open()
                result = try await BounceFetch.run(ws, at: try Clock.now())
            } catch let error as RegisterError where error.code == .locked {
                throw Ingest.tempFail("\(error)")
            } catch let error as AppError where error.code == .unavailable {
                throw Ingest.tempFail(error.description)
            }
            if json {
                return try JSONOutput.print(BounceRunJSON(
                    source: result.source, format: "imap", counts: result.counts,
                    moved: .init(processed: result.movedToProcessed, review: result.movedToReview,
                                 processedFolder: BounceFetch.processedFolder, reviewFolder: BounceFetch.reviewFolder)))
            }
            print(result.summary)
            print("Moved \(result.movedToProcessed) to \(BounceFetch.processedFolder) and \(result.movedToReview) to \(BounceFetch.reviewFolder) (nothing deleted).")
        }
    }
}
