import BreachBounces
import BreachConfig
import BreachCore
import BreachCurl
public import BreachRegister
public import Foundation

/// Reads the authorities' acknowledgements from the mailbox of `scheduler.acknowledgements` (the
/// DPO's: a notification answers to `dpo.email`, and the CNPD "sends an electronic
/// acknowledgement to the address that sent the notification") and records them.
///
/// Only the authority's answers are fetched: the server searches for messages from the
/// authority's domain that name a sent notification's Message-ID in `In-Reply-To` or
/// `References`, or the incident's number in the subject. A reply that labels one value as the
/// authority's reference is recorded as `authority record` records it (`notification.recorded`);
/// otherwise an `authority.acknowledged` entry says that the acknowledgement arrived and that its
/// reference is to be confirmed with `authority record`. Nothing in the mailbox is moved, deleted
/// or left marked read: it is a person's mailbox. Each message is handled once (its Message-ID's
/// digest is recorded), whatever the number of ticks and restarts. libcurl blocks: the whole read
/// runs on a thread of its own.
public enum AcknowledgementFetch {
    /// The history kind of an acknowledgement whose reference the DPO is to confirm.
    public static let kind = "authority.acknowledged"

    /// What one read did: counts only.
    public struct Result: Sendable, Equatable {
        /// Messages fetched (new or handled before).
        public var read = 0
        /// References recorded from an acknowledgement.
        public var referencesRecorded = 0
        /// Acknowledgements recorded for the DPO to confirm their reference.
        public var toConfirm = 0
    }

    /// An acknowledgement recorded without a reference, and not confirmed since.
    public struct Pending: Sendable, Equatable, Codable {
        public let authority: String
        public let phase: String
        /// When it was recorded (RFC 3339, UTC).
        public let receivedAt: String
        /// The authority's Message-ID, for finding the mail in the mailbox.
        public let messageID: String

        enum CodingKeys: String, CodingKey {
            case authority, phase
            case receivedAt = "received_at"
            case messageID = "message_id"
        }
    }

    /// The acknowledgements of an incident whose reference is still to be confirmed: recorded
    /// without one, and no reference recorded for that authority and phase since.
    ///
    /// - Throws: the register's errors.
    public static func pending(_ register: any RegisterStore, incidentID: String) throws -> [Pending] {
        let entries = try register.entries(kind: kind, incidentID: incidentID)
        guard !entries.isEmpty else { return [] }
        let recorded = try register.notifications(incidentID: incidentID).filter { $0.status == .recorded }
        return entries.compactMap { entry -> Pending? in
            guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(entry.payload.utf8)) else { return nil }
            if recorded.contains(where: { $0.authorityID == payload.authority && $0.phase.rawValue == payload.phase }) { return nil }
            return Pending(authority: payload.authority, phase: payload.phase, receivedAt: entry.recordedAt, messageID: payload.messageID)
        }
    }

    /// The command that records the reference of a reply awaiting confirmation.
    public static func recordCommand(incidentID: String, _ pending: Pending) -> String {
        "breachmail authority record \(incidentID) --authority \(pending.authority) --reference REF"
            + (pending.phase == "complementary" ? " --complementary" : "")
    }

    /// The payload of `authority.acknowledged`: which notification was answered, by which
    /// message; never the reply's text or its sender's address.
    struct Payload: Codable {
        let authority: String
        let phase: String
        let messageID: String
        let answers: String
        let reference: String?

        enum CodingKeys: String, CodingKey {
            case authority, phase, answers, reference
            case messageID = "message_id"
        }
    }

    /// One notification sent by mail, which an acknowledgement may answer.
    struct Sent: Sendable {
        let incidentID: String
        let authority: Configuration.Authority
        let record: NotificationRecord
    }

    /// Reads and records what the authorities answered.
    ///
    /// - Throws: ``AppError`` (`configuration`) when the mailbox is not configured or its login is
    ///   refused; (`unavailable`) when the server cannot be reached; the register's errors.
    public static func run(_ ws: Workspace, at now: Date) async throws -> Result {
        guard let imap = ws.configuration.scheduler.acknowledgements else {
            throw AppError(.configuration, "scheduler.acknowledgements is not set in \(Configuration.fileName): give url (imaps://host/INBOX), username and password ({env: VARIABLE} or {file: path})",
                           facts: ["field": "scheduler.acknowledgements"])
        }
        // Only notifications sent by mail are answered by mail; no search when there is none.
        var sent: [Sent] = []
        for record in try ws.register.incidents() {
            for n in try ws.register.notifications(incidentID: record.id) where n.status == .sent && !n.messageID.isEmpty {
                if let authority = ws.configuration.authorities.first(where: { $0.id == n.authorityID }), authority.channel != .portal {
                    sent.append(Sent(incidentID: record.id, authority: authority, record: n))
                }
            }
        }
        guard !sent.isEmpty else { return Result() }
        let notifications = sent
        return try await ConfiguredMailbox.read(ws, imap, field: "scheduler.acknowledgements", thread: "imap-acknowledgements") { box in
            try fetch(ws, sent: notifications, box: box, now: now)
        }
    }

    private static func fetch(_ ws: Workspace, sent: [Sent], box: IMAPMailbox, now: Date) throws -> Result {
        var result = Result()
        let byDomain = Dictionary(grouping: sent) { domain(of: $0.authority.address) }
        for (domain, notifications) in byDomain.sorted(by: { $0.key < $1.key }) where !domain.isEmpty {
            let keys = searchKeys(domain: domain, notifications)
            let uids = try box.uids(matching: keys)
            guard !uids.isEmpty else { continue }
            let unseen = Set(try box.uids(matching: "UNSEEN " + keys))
            var fetched: [UInt64] = []
            // A fetch marks the message read: the DPO's mailbox gets back the flag it had, even
            // when recording fails half-way.
            defer { _ = try? box.markUnseen(uids: fetched.filter(unseen.contains)) }
            for uid in uids {
                let bytes = try box.fetch(uid: uid)
                fetched.append(uid)
                result.read += 1
                try handle(ws, AuthorityReply(bytes: bytes), bytes: bytes, domain: domain, notifications, now: now, into: &result)
            }
        }
        return result
    }

    /// `FROM "domain"` and any of: a sent Message-ID in In-Reply-To or References, an incident's
    /// number in the subject. Message-IDs and incident numbers hold no quote or backslash; quoted anyway.
    static func searchKeys(domain: String, _ notifications: [Sent]) -> String {
        var alternatives: [String] = []
        for n in notifications {
            alternatives.append("HEADER In-Reply-To \(quoted(n.record.messageID))")
            alternatives.append("HEADER References \(quoted(n.record.messageID))")
        }
        for id in Set(notifications.map(\.incidentID)).sorted() { alternatives.append("SUBJECT \(quoted(id))") }
        // IMAP's OR takes two keys: nested, `OR a (OR b c)`.
        func either(_ keys: ArraySlice<String>) -> String {
            guard let first = keys.first else { return "ALL" }
            return keys.count == 1 ? first : "OR \(first) (\(either(keys.dropFirst())))"
        }
        return "FROM \(quoted(domain)) \(either(alternatives[...]))"
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...].trimmingCharacters(in: CharacterSet(charactersIn: " >")).lowercased()
    }

    /// Matches one message to the notification it answers and records it, once.
    private static func handle(_ ws: Workspace, _ reply: AuthorityReply, bytes: [UInt8], domain: String, _ notifications: [Sent],
                               now: Date, into result: inout Result) throws {
        let key = reply.messageID.isEmpty ? NoticeDelivery.sha256(bytes) : NoticeDelivery.sha256(Array("<\(reply.messageID.lowercased())>".utf8))
        if try ws.register.acknowledgementHandled(key: key) { return }
        // The answered notification: by its Message-ID (the latest answered: a complementary one
        // beats the initial it completes), else by the incident's number in the subject.
        var match = notifications.last { reply.answers(messageID: $0.record.messageID) }
        if match == nil {
            let subject = reply.subject.lowercased()
            match = notifications.last { subject.contains($0.incidentID.lowercased()) }
        }
        guard let match, !reply.isDeliveryReport, reply.isFrom(domain: domain) else {
            try ws.register.recordAcknowledgement(key: key, incidentID: nil, value: "", outcome: "not-matched",
                                                  kind: nil, payload: nil as Payload?, actor: ws.actor, at: now)
            return
        }
        let value = "\(match.incidentID) \(match.authority.id) \(match.record.phase.rawValue)"
        let recorded = try ws.register.notifications(incidentID: match.incidentID, authorityID: match.authority.id)
            .contains { $0.status == .recorded && $0.phase == match.record.phase }
        if recorded {
            try ws.register.recordAcknowledgement(key: key, incidentID: nil, value: value, outcome: "already-recorded",
                                                  kind: nil, payload: nil as Payload?, actor: ws.actor, at: now)
            return
        }
        let incidentIDs = try ws.register.incidents().map(\.id)
        if let reference = reply.reference(excluding: incidentIDs) {
            // The same use case as `authority record`, then the message marked handled: a crash
            // between the two finds the reference recorded and records nothing twice.
            let notification = try AuthorityNotification(ws, incidentID: match.incidentID, authority: match.authority.id, language: nil,
                                                         complementary: match.record.phase == .complementary)
            try notification.recordReference(reference)
            try ws.register.recordAcknowledgement(key: key, incidentID: nil, value: value, outcome: "reference",
                                                  kind: nil, payload: nil as Payload?, actor: ws.actor, at: now)
            result.referencesRecorded += 1
        } else {
            let payload = Payload(authority: match.authority.id, phase: match.record.phase.rawValue, messageID: reply.messageID,
                                  answers: match.record.messageID, reference: nil)
            if try ws.register.recordAcknowledgement(key: key, incidentID: match.incidentID, value: value, outcome: "to-confirm",
                                                     kind: kind, payload: payload, actor: ws.actor, at: now) {
                result.toConfirm += 1
            }
        }
    }
}
