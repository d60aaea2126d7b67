import ArgumentParser
import BreachBounces
import BreachConfig
import BreachCurl
import BreachRegister
import Foundation

extension BouncesCommand {
    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
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
                server cannot be reached, so that a timer simply tries again; 1 when the login is refused.

                Example:
                  breachmail bounces fetch
                """)

        static let processedFolder = "breachmail-processed"
        static let reviewFolder = "breachmail-review"
        /// Messages fetched, recorded and moved together: a crash loses at most one batch's moves
        /// (and the next run finds those messages already recorded).
        static let batchSize = 100

        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            do {
                try fetch()
            } catch let error as RegisterError where error.code == .locked {
                throw Ingest.tempFail("\(error)")
            } catch let error as CurlError where error.isLoginDenied {
                // A wrong login will not mend itself: an operator must act.
                throw CLIError("IMAP: \(error); check mail.bounces.imap.username and password")
            } catch let error as CurlError {
                throw Ingest.tempFail("IMAP: \(error)")
            }
        }

        private func fetch() throws {
            let ws = try workspace.open()
            guard let imap = ws.configuration.mail.bounceIMAP else {
                throw CLIError("mail.bounces.imap is not set in \(Configuration.fileName): give url (imaps://host/INBOX), username and password ({env: VARIABLE} or {file: path})")
            }
            let password: String
            do { password = try (imap.password ?? .environment("BREACHMAIL_IMAP_PASSWORD")).resolve(relativeTo: ws.directory) } catch {
                throw CLIError("mail.bounces.imap.password: \(error)")
            }
            let parser = BounceParser(verp: try BounceSetup.verp(ws))
            var ingest = BounceIngestion(parser: parser, register: ws.register, actor: ws.actor, now: try Clock.now())
            let box: IMAPMailbox
            do {
                box = try IMAPMailbox(options: IMAPOptions(
                    url: imap.url, username: imap.username, password: password, allowPlaintextLoopback: imap.allowPlaintextLoopback,
                    caFile: imap.caFile.isEmpty ? nil : ws.path(imap.caFile).path))
            } catch {
                throw CLIError("mail.bounces.imap.url: \(error)")
            }
            let uids = try box.uids()
            var moved = (processed: 0, review: 0)
            if !uids.isEmpty {
                try box.ensureFolder(Self.processedFolder)
                try box.ensureFolder(Self.reviewFolder)
            }
            for start in stride(from: 0, to: uids.count, by: Self.batchSize) {
                let batchUIDs = Array(uids[start..<min(start + Self.batchSize, uids.count)])
                var batch: [InboundMessage] = []
                for uid in batchUIDs { batch.append(InboundMessage(bytes: try box.fetch(uid: uid), file: nil)) }
                let kinds = try ingest.record(batch)
                // The rows are committed: moving the messages now loses nothing.
                var processed: [UInt64] = [], review: [UInt64] = []
                for (uid, (kind, underReview)) in zip(batchUIDs, kinds) {
                    if kind == .unparsable || kind == .notABounce || underReview { review.append(uid) } else { processed.append(uid) }
                }
                try box.move(uids: processed, to: Self.processedFolder)
                try box.move(uids: review, to: Self.reviewFolder)
                moved.processed += processed.count
                moved.review += review.count
            }
            print(ingest.summary(source: "\(box.server)\(box.mailbox) (IMAP)"))
            print("Moved \(moved.processed) to \(Self.processedFolder) and \(moved.review) to \(Self.reviewFolder) (nothing deleted).")
        }
    }
}
