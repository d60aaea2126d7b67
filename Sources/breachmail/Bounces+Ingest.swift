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
                  breachmail bounces ingest /var/mail/bounces
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A Maildir, an mbox file, or `-` for one message on standard input.")
        var source: String

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
            }
        }

        /// Exit 75 (EX_TEMPFAIL, sysexits.h): the MTA keeps the message and tries again later.
        static func tempFail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("Error: \(message) (exit 75: try again later)\n".utf8))
            return ExitCode(75)
        }

        private func ingest() throws {
            let ws = try workspace.open()
            let parser = BounceParser(verp: try BounceSetup.verp(ws))
            let now = try Clock.now()
            var ingest = BounceIngestion(parser: parser, register: ws.register, actor: ws.actor, now: now)

            if source == "-" {
                try ingest.record([InboundMessage(bytes: Array(FileHandle.standardInput.readDataToEndOfFile()), file: nil)])
                print(ingest.summary(source: "standard input"))
                return
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw CLIError("\(source) does not exist: give a Maildir (with new/ and cur/), an mbox file, or - for standard input")
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
                print(ingest.summary(source: "\(source) (Maildir)"))
                print("Moved \(moved.processed) to \(Maildir.processed)/cur and \(moved.review) to \(Maildir.review)/cur (nothing deleted).")
            } else {
                let data = try Data(contentsOf: URL(fileURLWithPath: source), options: .alwaysMapped)
                let messages = Mbox.split(Array(data))
                for start in stride(from: 0, to: messages.count, by: 500) {
                    try ingest.record(messages[start..<min(start + 500, messages.count)].map { InboundMessage(bytes: $0, file: nil) })
                }
                print(ingest.summary(source: "\(source) (mbox, left in place)"))
            }
        }
    }
}

/// The VERP set-up of a working directory, from `mail.bounces`.
enum BounceSetup {
    static func verp(_ ws: Workspace) throws -> VERP {
        let mail = ws.configuration.mail
        guard !mail.bounceDomain.isEmpty else {
            throw CLIError("mail.bounces.domain is not set in \(Configuration.fileName): set the domain of the VERP return path, e.g. bounces.exemple.lu")
        }
        guard let reference = mail.bounceSecret else {
            throw CLIError("mail.bounces.secret is not set in \(Configuration.fileName): give {file: secrets/verp.key} or {env: VARIABLE} holding at least 16 random bytes")
        }
        let secret: String
        do { secret = try reference.resolve(relativeTo: ws.directory) } catch {
            throw CLIError("mail.bounces.secret: \(error)")
        }
        do {
            return try VERP(prefix: mail.bouncePrefix, domain: mail.bounceDomain, secret: Array(secret.utf8))
        } catch {
            throw CLIError("mail.bounces in \(Configuration.fileName): \(error)")
        }
    }
}

/// One message to ingest, and the file it came from (Maildir only).
struct InboundMessage {
    let bytes: [UInt8]
    let file: URL?
}

/// Reads messages, records them in batches, and keeps the counts of the whole run.
struct BounceIngestion {
    let parser: BounceParser
    let register: Register
    let actor: String
    let now: Date
    private(set) var counts = BounceIngestCounts()

    init(parser: BounceParser, register: Register, actor: String, now: Date) {
        self.parser = parser
        self.register = register
        self.actor = actor
        self.now = now
    }

    /// Records `messages` in one transaction and returns each one's kind, and whether it waits
    /// for the DPO's review.
    @discardableResult
    mutating func record(_ messages: [InboundMessage]) throws -> [(BounceKind, Bool)] {
        let bounces = messages.map { Self.newBounce($0.bytes, parser.parse($0.bytes)) }
        let results = try register.recordBounces(bounces, actor: actor, at: now)
        let c = BounceIngestCounts.tally(bounces, results)
        counts.messages += c.messages
        counts.duplicates += c.duplicates
        counts.hard += c.hard
        counts.transient += c.transient
        counts.senderSide += c.senderSide
        counts.delay += c.delay
        counts.autoReply += c.autoReply
        counts.notABounce += c.notABounce
        counts.unparsable += c.unparsable
        counts.forgedOrUnknown += c.forgedOrUnknown
        counts.review += c.review
        return zip(bounces, results).map { ($0.kind, $1.underReview) }
    }

    static func newBounce(_ bytes: [UInt8], _ report: BounceReport) -> NewBounce {
        let kind: BounceKind = switch report.kind {
        case .failure: .failure
        case .delay: .delay
        case .autoReply: .autoReply
        case .notABounce: .notABounce
        case .unparsable: .unparsable
        }
        // One recipient per SMTP transaction: a bounce is about one notice. Take the failure.
        let r = report.recipients.first { $0.action == .failed && $0.bounceClass != nil }
            ?? report.recipients.first { $0.bounceClass != nil } ?? report.recipients.first
        let outcome: BounceOutcome? = switch kind {
        case .failure: r?.bounceClass.map { c in
            switch c {
            case .hard: .hard
            case .transient: .transient
            case .senderSide: .senderSide
            }
        } ?? .transient
        case .delay: .delay
        case .autoReply: .autoReply
        case .notABounce, .unparsable: nil
        }
        let token: BounceTokenCheck = switch report.token.status {
        case .forged: .forged
        case .valid: report.token.verifiedKey.map { .valid(incidentID: $0.incident.description, subjectID: Int64($0.subject)) } ?? .forged
        case .none, .unverified: .none
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return NewBounce(
            sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), kind: kind, outcome: outcome,
            token: token, originalMessageID: report.originalMessageID, returnedTo: report.returnedTo,
            reason: r?.reason.rawValue, status: r?.status, diagnostic: r?.diagnostic, report: json,
            recipient: r.map(\.address).flatMap { $0.isEmpty ? nil : $0 })
    }

    func summary(source: String) -> String {
        let c = counts
        let fresh = c.messages - c.duplicates
        return """
            Read \(c.messages) message\(c.messages == 1 ? "" : "s") from \(source): \(fresh) new, \(c.duplicates) already ingested (counted once).
              hard bounces       \(c.hard)  (the address does not work: unreachable)
              transient          \(c.transient)  (mailbox full, greylisted…: pending until the retry window ends)
              sender-side        \(c.senderSide)  (our sending set-up was refused: never counted against the person)
              delays             \(c.delay)  (still being tried: not failures)
              auto-replies       \(c.autoReply)  (the notice arrived)
              not a bounce       \(c.notABounce)
              unparsable         \(c.unparsable)
              forged or unknown  \(c.forgedOrUnknown)  (ignored: never credited to anyone)
              awaiting review    \(c.review)  (no verified token: counted only once confirmed, `breachmail bounces review`)
            """
    }
}

/// A Maildir and its Maildir++ subfolders for what was read.
struct Maildir {
    static let processed = ".processed"
    static let review = ".review"
    let root: URL

    init(_ root: URL) { self.root = root }

    /// The messages in new/ and cur/, in name order (delivery order for Maildir names).
    func messages() throws -> [URL] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.appendingPathComponent("new").path, isDirectory: &isDirectory), isDirectory.boolValue,
              fm.fileExists(atPath: root.appendingPathComponent("cur").path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(root.path) is not a Maildir: it must have new/ and cur/ folders (or give an mbox file)")
        }
        var out: [URL] = []
        for sub in ["new", "cur"] {
            let dir = root.appendingPathComponent(sub, isDirectory: true)
            for name in try fm.contentsOfDirectory(atPath: dir.path).sorted() where !name.hasPrefix(".") {
                out.append(dir.appendingPathComponent(name))
            }
        }
        return out
    }

    /// Moves a message into the subfolder's cur/, marked seen; makes the subfolder (0700) if needed.
    func move(_ file: URL, to folder: String) throws {
        let fm = FileManager.default
        let sub = root.appendingPathComponent(folder, isDirectory: true)
        if !fm.fileExists(atPath: sub.appendingPathComponent("cur").path) {
            for d in ["tmp", "new", "cur"] {
                try fm.createDirectory(at: sub.appendingPathComponent(d), withIntermediateDirectories: true,
                                       attributes: [.posixPermissions: 0o700])
            }
            _ = fm.createFile(atPath: sub.appendingPathComponent("maildirfolder").path, contents: Data(), attributes: [.posixPermissions: 0o600])
        }
        var name = file.lastPathComponent
        if !name.contains(":2,") { name += ":2,S" }
        let target = sub.appendingPathComponent("cur").appendingPathComponent(name)
        guard rename(file.path, target.path) == 0 else {
            throw CLIError("cannot move \(file.path) to \(target.path): \(String(cString: strerror(errno))); it stays where it is and was recorded")
        }
    }
}

/// mbox (mboxrd/mboxo): messages start at lines beginning with `From `; `>From ` lines in a
/// body lose one `>`.
enum Mbox {
    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var current: [UInt8]?
        var i = 0
        let from = Array("From ".utf8)
        while i < bytes.count {
            var end = i
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let line = bytes[i..<end]
            let next = min(end + 1, bytes.count)
            if line.starts(with: from) {
                if let c = current { messages.append(trimmed(c)) }
                current = []
            } else if current != nil {
                var start = i
                if bytes[i] == UInt8(ascii: ">") {
                    var j = i
                    while j < end, bytes[j] == UInt8(ascii: ">") { j += 1 }
                    if bytes[j..<end].starts(with: from) { start = i + 1 }
                }
                current!.append(contentsOf: bytes[start..<next])
            }
            i = next
        }
        if let c = current { messages.append(trimmed(c)) }
        return messages
    }

    /// Drops the blank line that separates a message from the next `From ` line.
    private static func trimmed(_ m: [UInt8]) -> [UInt8] {
        var m = m
        if m.last == 0x0A { m.removeLast() }
        if m.last == 0x0D { m.removeLast() }
        if m.last != 0x0A { m.append(0x0A) }
        return m
    }
}
