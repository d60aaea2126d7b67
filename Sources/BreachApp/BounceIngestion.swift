public import BreachBounces
import BreachConfig
import BreachCore
public import BreachRegister
import Crypto
public import Foundation

/// The VERP set-up of a working directory, from `mail.bounces`.
public enum BounceSetup {
    public static func verp(_ ws: Workspace) throws -> VERP {
        let mail = ws.configuration.mail
        guard !mail.bounceDomain.isEmpty else {
            throw AppError(.configuration, "mail.bounces.domain is not set in \(Configuration.fileName): set the domain of the VERP return path, e.g. bounces.exemple.lu")
        }
        guard let reference = mail.bounceSecret else {
            throw AppError(.configuration, "mail.bounces.secret is not set in \(Configuration.fileName): give {file: secrets/verp.key} or {env: VARIABLE} holding at least 16 random bytes")
        }
        let secret: String
        do { secret = try reference.resolve(relativeTo: ws.directory) } catch {
            throw AppError(.configuration, "mail.bounces.secret: \(error)")
        }
        do {
            return try VERP(prefix: mail.bouncePrefix, domain: mail.bounceDomain, secret: Array(secret.utf8))
        } catch {
            throw AppError(.configuration, "mail.bounces in \(Configuration.fileName): \(error)")
        }
    }
}

/// One message to ingest, and the file it came from (Maildir only).
public struct InboundMessage: Sendable {
    public let bytes: [UInt8]
    public let file: URL?

    public init(bytes: [UInt8], file: URL?) {
        self.bytes = bytes
        self.file = file
    }
}

/// Reads messages, records them in batches, and keeps the counts of the whole run.
public struct BounceIngestion {
    public let parser: BounceParser
    public let register: any RegisterStore
    public let actor: String
    public let now: Date
    public private(set) var counts = BounceIngestCounts()

    public init(parser: BounceParser, register: any RegisterStore, actor: String, now: Date) {
        self.parser = parser
        self.register = register
        self.actor = actor
        self.now = now
    }

    /// Records `messages` in one transaction and returns each one's kind, and whether it waits
    /// for the DPO's review.
    @discardableResult
    public mutating func record(_ messages: [InboundMessage]) throws -> [(BounceKind, Bool)] {
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

    public static func newBounce(_ bytes: [UInt8], _ report: BounceReport) -> NewBounce {
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

    public func summary(source: String) -> String {
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
public struct Maildir {
    public static let processed = ".processed"
    public static let review = ".review"
    public let root: URL

    public init(_ root: URL) { self.root = root }

    /// The messages in new/ and cur/, in name order (delivery order for Maildir names).
    public func messages() throws -> [URL] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.appendingPathComponent("new").path, isDirectory: &isDirectory), isDirectory.boolValue,
              fm.fileExists(atPath: root.appendingPathComponent("cur").path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AppError(.invalidInput, "\(root.path) is not a Maildir: it must have new/ and cur/ folders (or give an mbox file)")
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
    public func move(_ file: URL, to folder: String) throws {
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
            throw AppError(.unavailable, "cannot move \(file.path) to \(target.path): \(String(cString: strerror(errno))); it stays where it is and was recorded")
        }
    }
}

/// mbox (mboxrd/mboxo): messages start at lines beginning with `From `; `>From ` lines in a
/// body lose one `>`.
public enum Mbox {
    public static func split(_ bytes: [UInt8]) -> [[UInt8]] {
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
