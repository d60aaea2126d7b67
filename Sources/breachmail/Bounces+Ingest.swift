import BreachApp
import ArgumentParser
import BreachBounces
import BreachConfig
import BreachCore
import BreachRegister
import Crypto
import Foundation

extension BouncesCommand {
    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ingest",
            abstract: "Record the bounces in a Maildir, an mbox file or on standard input.",
            discussion: """
                Each message is read, tied to the person it is about by its VERP token (else by the \
                Message-ID of the returned notice, when the bounce names the address that notice went \
                to or none), and recorded once: the same message ingested twice counts once (by its \
                SHA-256). A forged or unknown token is ignored and counted, never credited to anyone. \
                A bounce without a verified token that names someone only by an address goes to \
                review: it counts for no one until the DPO confirms it (`breachmail bounces review`).

                Maildir (a directory with new/ and cur/): after the register write is durable, each \
                message read is moved to DIR/.processed/cur/, and unparsable messages, messages that \
                are not bounces (a person's reply deserves a human) and bounces under review to \
                DIR/.review/cur/. Nothing is deleted. An mbox file is read and left in place. `-` reads one message on standard \
                input, for an MTA pipe (Postfix: `bounces unix - n n - - pipe argv=breachmail bounces \
                ingest --dir /srv/breach -`).

                Exit status: 0 when recorded; 75 (EX_TEMPFAIL, the MTA will try again) when the \
                register is locked by another command or, on standard input, cannot be written.

                Example:
                  breachmail bounces ingest ~/Maildir/.bounces
                  breachmail bounces ingest /var/mail/bounces --json
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A Maildir, an mbox file, or `-` for one message on standard input.")
        var source: String
        @Flag(help: "Print the counts as one JSON object (snake_case keys) instead of the text.")
        var json = false

        func run() throws {
            let fromStdin = source == "-"
            do {
                try ingest()
            } catch let error as RegisterError {
                if error.code == .locked { throw Self.tempFail("\(error)") }
                if fromStdin { throw Self.tempFail("\(error)") }
                throw error
            } catch let error as CLIError where fromStdin {
                // Better that the MTA keeps the bounce and tries again than that it bounces a bounce.
                throw Self.tempFail(error.description)
            } catch let error as AppError where fromStdin {
                throw Self.tempFail(error.description)
            }
        }

        /// Exit 75 (EX_TEMPFAIL, sysexits.h): the MTA keeps the message and tries again later.
        static func tempFail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("Error: \(message) (exit 75: try again later)\n".utf8))
            return ExitCode(ExitStatus.temporary.rawValue)
        }

        private func ingest() throws {
            let ws = try workspace.open()
            let parser = BounceParser(verp: try BounceSetup.verp(ws))
            let now = try Clock.now()
            var ingest = BounceIngestion(parser: parser, register: ws.register, actor: ws.actor, now: now)

            if source == "-" {
                try ingest.record([InboundMessage(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()), file: nil)])
                if json { return try JSONOutput.print(BounceRunJSON(source: "standard input", format: "stdin", counts: ingest.counts)) }
                print(ingest.summary(source: "standard input"))
                return
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw CLIError("\(source) does not exist: give a Maildir (with new/ and cur/), an mbox file, or - for standard input", .noInput)
            }
            if isDirectory.boolValue {
                let maildir = Maildir(URL(fileURLWithPath: source, isDirectory: true))
                let files = try maildir.messages()
                var moved = (processed: 0, review: 0)
                for start in stride(from: 0, to: files.count, by: 500) {
                    let batch = try files[start..<min(start + 500, files.count)].map { url in
                        InboundMessage(bytes: Array(try Data(contentsOf: url)), file: url)
                    }
                    let kinds = try ingest.record(batch)
                    // The rows are committed: moving the messages now loses nothing.
                    for (message, (kind, underReview)) in zip(batch, kinds) {
                        guard let file = message.file else { continue }
                        if kind == .unparsable || kind == .notABounce || underReview {
                            try maildir.move(file, to: Maildir.review)
                            moved.review += 1
                        } else {
                            try maildir.move(file, to: Maildir.processed)
                            moved.processed += 1
                        }
                    }
                }
                if json {
                    return try JSONOutput.print(BounceRunJSON(source: source, format: "maildir", counts: ingest.counts,
                                                              moved: .init(processed: moved.processed, review: moved.review,
                                                                           processedFolder: Maildir.processed + "/cur", reviewFolder: Maildir.review + "/cur")))
                }
                print(ingest.summary(source: "\(source) (Maildir)"))
                print("Moved \(moved.processed) to \(Maildir.processed)/cur and \(moved.review) to \(Maildir.review)/cur (nothing deleted).")
            } else {
                let data = try Data(contentsOf: URL(fileURLWithPath: source), options: .alwaysMapped)
                let messages = Mbox.split(Array(data))
                for start in stride(from: 0, to: messages.count, by: 500) {
                    try ingest.record(messages[start..<min(start + 500, messages.count)].map { InboundMessage(bytes: $0, file: nil) })
                }
                if json { return try JSONOutput.print(BounceRunJSON(source: source, format: "mbox", counts: ingest.counts)) }
                print(ingest.summary(source: "\(source) (mbox, left in place)"))
            }
        }
    }
}


/// `bounces ingest --json` and `bounces fetch --json`: where the messages came from, the counts of
/// the run (as the text's, `new` = messages less duplicates), and what was moved where, if anything.
struct BounceRunJSON: Encodable {
    /// The path, `standard input`, or the IMAP mailbox's URL.
    let source: String
    /// `maildir`, `mbox`, `stdin` or `imap`.
    let format: String
    let counts: BounceIngestCounts
    let new: Int
    let moved: Moved?

    struct Moved: Encodable {
        let processed: Int
        let review: Int
        let processedFolder: String
        let reviewFolder: String
    }

    init(source: String, format: String, counts: BounceIngestCounts, moved: Moved? = nil) {
        self.source = source
        self.format = format
        self.counts = counts
        new = counts.messages - counts.duplicates
        self.moved = moved
    }
}
