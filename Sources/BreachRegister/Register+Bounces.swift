public import BreachCore
public import Foundation
import GRDB

/// Bounces as the register keeps them: one row per message received at the bounce address,
/// unique by the message's SHA-256, so that ingesting the same bounce twice counts it once.
///
/// Subject states stay the campaign's; reach is derived from them and these rows.
extension Register {
    static func registerBounceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-bounces") { db in
            try db.execute(sql: """
                CREATE TABLE bounce (
                    id INTEGER PRIMARY KEY,
                    message_sha256 TEXT NOT NULL UNIQUE,
                    incident_id TEXT REFERENCES incident(id),
                    subject_id INTEGER REFERENCES subject(id),
                    matched_by TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    class TEXT,
                    reason TEXT,
                    status TEXT,
                    diagnostic TEXT,
                    report TEXT NOT NULL
                );
                CREATE INDEX bounce_subject ON bounce(incident_id, subject_id);
                """)
        }
    }

    /// Records bounces and one `bounces.ingested` history entry with the counts, in one
    /// transaction: when this returns, the rows are durable and the messages may be moved.
    ///
    /// Each bounce is credited to a subject by its verified VERP key, else by the Message-ID of
    /// the returned notice when the address the bounce names (its returned `To`, else its failed
    /// recipient) is the one that notice went to, or it names none. Anything else that names
    /// one submitted subject's address goes to review (``BounceReviewState``): anyone can send
    /// a bounce to the plain bounce address, so such a bounce counts only once the DPO confirms
    /// it. A forged token is never tied to anyone, whatever else the message says.
    /// - Throws: ``RegisterError`` (`.locked` when another process holds the register).
    /// How long after a transient bounce the person is sent the notice again.
    public static let resendAfterTransientBounce: TimeInterval = 3600

    public func recordBounces(_ bounces: [NewBounce], actor: String, at now: Date) throws(RegisterError) -> [BounceRecording] {
        guard !bounces.isEmpty else { return [] }
        return try write { db in
            var results: [BounceRecording] = []
            var counts = BounceIngestCounts()
            var incidents = Set<String>()
            var transient: [(subject: Int64, status: String?, reason: String?)] = []
            for b in bounces {
                let match = try Self.match(db, b)
                try db.execute(sql: """
                    INSERT INTO bounce (message_sha256, incident_id, subject_id, matched_by, received_at, kind, class,
                                        reason, status, diagnostic, report, review, candidate_incident_id, candidate_subject_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_sha256) DO NOTHING
                    """, arguments: [b.sha256, match.incidentID, match.subjectID, match.by.rawValue, RFC3339UTC.format(now),
                                     b.kind.rawValue, b.outcome?.rawValue, b.reason, b.status, b.diagnostic, b.report,
                                     match.candidate == nil ? nil : BounceReviewState.pending.rawValue,
                                     match.candidate?.incidentID, match.candidate?.subjectID])
                let recording = BounceRecording(duplicate: db.changesCount == 0, matchedBy: match.by,
                                                incidentID: match.incidentID, subjectID: match.subjectID,
                                                underReview: match.candidate != nil)
                counts.add(b, recording)
                if !recording.duplicate, let id = match.incidentID { incidents.insert(id) }
                // A transient failure (mailbox full…) means the notice did not arrive: the person
                // goes back to the campaign, which sends again once the back-off has passed, until
                // the retry window counted from the first attempt ends.
                if !recording.duplicate, b.outcome == .transient, let subject = match.subjectID {
                    transient.append((subject, b.status, b.reason))
                }
                results.append(recording)
            }
            if !transient.isEmpty {
                try Self.changingSubjects(db, ids: transient.map(\.subject), actor: actor, at: now) {
                    for t in transient { try Self.sendAgainAfterTransientBounce(db, subject: t.subject, status: t.status, reason: t.reason, at: now) }
                }
            }
            // One entry per run, with counts only (no address, no diagnostic): on the incident
            // when the run concerned exactly one, else on no incident.
            try Self.append(db, kind: HistoryEntry.Kind.bouncesIngested, incidentID: incidents.count == 1 ? incidents.first : nil,
                            version: nil, payload: Self.json(counts), actor: actor, at: now)
            return results
        }
    }

    /// The bounces credited to subjects of an incident, by subject id, oldest first.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func creditedBounces(incidentID: String) throws(RegisterError) -> [Int64: [CreditedBounce]] {
        try read { db in
            var out: [Int64: [CreditedBounce]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT subject_id, received_at, kind, class, reason, status, diagnostic FROM bounce
                WHERE incident_id = ? AND subject_id IS NOT NULL ORDER BY received_at, id
                """, arguments: [incidentID]) {
                let b = CreditedBounce(
                    receivedAt: ZonedTime(rfc3339: row["received_at"])?.instant ?? .distantPast, kind: BounceKind(rawValue: row["kind"]) ?? .unparsable,
                    outcome: (row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)),
                    reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"])
                out[row["subject_id"], default: []].append(b)
            }
            return out
        }
    }

    /// Bounces that could not be credited to anyone: forged tokens and unknown keys, all incidents.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func uncreditedBounceCounts() throws(RegisterError) -> (forged: Int, unknown: Int) {
        try read { db in
            let forged = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bounce WHERE matched_by = 'forged'") ?? 0
            let unknown = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bounce WHERE matched_by = 'unknown' AND kind IN ('failure', 'delay', 'autoReply')") ?? 0
            return (forged, unknown)
        }
    }

    /// A transient failure (mailbox full…): the person goes back to the campaign.
    static func sendAgainAfterTransientBounce(_ db: Database, subject: Int64, status: String?, reason: String?, at now: Date) throws {
        try db.execute(sql: """
            UPDATE subject SET state = 'deferred', state_reason = ?, next_attempt_at = ?, updated_at = ?
            WHERE id = ? AND state = 'submitted'
            """, arguments: ["transient bounce \(status ?? "") \(reason ?? "")".trimmingCharacters(in: .whitespaces),
                             RFC3339UTC.format(now.addingTimeInterval(Self.resendAfterTransientBounce)),
                             RFC3339UTC.format(now), subject])
    }

    private struct Match {
        var by: BounceMatch
        var incidentID: String?
        var subjectID: Int64?
        /// The subject a bounce under review would be credited to once confirmed.
        var candidate: (incidentID: String, subjectID: Int64)?
    }

    private static func match(_ db: Database, _ b: NewBounce) throws -> Match {
        switch b.token {
        case .forged:
            return Match(by: .forged)
        case .valid(let incident, let subject):
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM subject WHERE id = ? AND incident_id = ?", arguments: [subject, incident]) {
                return Match(by: .token, incidentID: incident, subjectID: id)
            }
            // A token we made, for a subject this register does not hold (another working directory?).
            return Match(by: .unknown)
        case .none:
            break
        }
        // The address the bounce says failed: anyone can write it, so alone it credits no one.
        let named = (b.returnedTo ?? b.recipient).map(Self.bareAddress).flatMap { $0.isEmpty ? nil : $0 }
        if let messageID = b.originalMessageID.map(Self.bareMessageID), !messageID.isEmpty,
           let row = try Row.fetchOne(db, sql: "SELECT id, incident_id, email FROM subject WHERE message_id IN (?, ?) LIMIT 1",
                                      arguments: [messageID, "<\(messageID)>"]) {
            // A Message-ID breachmail sent, and to the address the bounce names (when it names one).
            if named == nil || named == (row["email"] as String?)?.lowercased() {
                return Match(by: .messageID, incidentID: row["incident_id"], subjectID: row["id"])
            }
            return Match(by: .review, candidate: (row["incident_id"], row["id"]))
        }
        if let named {
            // Incident by incident (a handful), each looked up by its (incident, address) index.
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, s.incident_id FROM incident i CROSS JOIN subject s ON s.incident_id = i.id
                WHERE s.email = ? AND s.state = ? LIMIT 2
                """, arguments: [named, SubjectState.submitted.rawValue])
            if rows.count == 1 { return Match(by: .review, candidate: (rows[0]["incident_id"], rows[0]["id"])) }
        }
        return Match(by: .unknown)
    }

    /// `Name <a@b>` or `<a@b>` or `a@b` → `a@b`, lower case.
    package static func bareAddress(_ text: String) -> String {
        var s = Substring(text)
        if let open = s.lastIndex(of: "<"), let close = s.lastIndex(of: ">"), open < close { s = s[s.index(after: open)..<close] }
        return s.trimmingCharacters(in: .whitespaces).lowercased()
    }

    package static func bareMessageID(_ id: String) -> String {
        var s = Substring(id.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        return String(s)
    }
}

extension HistoryEntry.Kind {
    /// Bounces were ingested; the payload has counts only.
    public static let bouncesIngested = "bounces.ingested"
}

/// The kind of message received at the bounce address (the bounce reader's kinds).
public enum BounceKind: String, Sendable, Codable {
    case failure, delay, autoReply, notABounce, unparsable
}

/// What a message's VERP token is worth, as the register needs it.
public enum BounceTokenCheck: Sendable, Equatable {
    /// No token, or one that could not be checked: fall back to the other keys.
    case none
    /// Made by us with the secret: this incident and subject.
    case valid(incidentID: String, subjectID: Int64)
    /// Under our bounce address but not made by us: never credited.
    case forged
}

/// How a bounce was tied to a subject, or why it was not. `returned-to` is kept for rows of
/// before review existed: no bounce is credited by its returned address alone any more.
public enum BounceMatch: String, Sendable, Codable {
    case token, messageID = "message-id", returnedTo = "returned-to", review, forged, unknown
}

/// One message received at the bounce address, read and ready to record.
public struct NewBounce: Sendable, Equatable {
    /// SHA-256 of the message's bytes, hex: the same message ingested twice counts once.
    public var sha256: String
    public var kind: BounceKind
    /// hard / transient / sender-side for a failure; delay or auto-reply for those kinds.
    public var outcome: BounceOutcome?
    public var token: BounceTokenCheck
    public var originalMessageID: String?
    public var returnedTo: String?
    /// The failed recipient the report names (`Final-Recipient`…), when it names one.
    public var recipient: String?
    public var reason: String?
    public var status: String?
    /// The remote server's reply, as given.
    public var diagnostic: String?
    /// The whole report, JSON, so that a bounce can be classified again later.
    public var report: String

    public init(sha256: String, kind: BounceKind, outcome: BounceOutcome?, token: BounceTokenCheck,
                originalMessageID: String?, returnedTo: String?, reason: String?, status: String?,
                diagnostic: String?, report: String, recipient: String? = nil) {
        self.sha256 = sha256
        self.kind = kind
        self.outcome = outcome
        self.token = token
        self.originalMessageID = originalMessageID
        self.returnedTo = returnedTo
        self.recipient = recipient
        self.reason = reason
        self.status = status
        self.diagnostic = diagnostic
        self.report = report
    }
}

/// What became of one ``NewBounce``.
public struct BounceRecording: Sendable, Equatable {
    /// Already in the register (same SHA-256): nothing counted again.
    public var duplicate: Bool
    public var matchedBy: BounceMatch
    public var incidentID: String?
    public var subjectID: Int64?
    /// Tied to no one until the DPO confirms it (no verified token; see ``Register/decideBounce(_:_:actor:at:)``).
    public var underReview = false
}

/// A bounce credited to a subject, as reach and the evidence read it.
public struct CreditedBounce: Sendable, Equatable {
    public var receivedAt: Date
    public var kind: BounceKind
    public var outcome: BounceOutcome?
    public var reason: String?
    public var status: String?
    public var diagnostic: String?
}

/// The counts of one ingestion run, as the history records them (no address, no reply text).
public struct BounceIngestCounts: Sendable, Codable, Equatable {
    public var messages = 0
    public var duplicates = 0
    public var hard = 0
    public var transient = 0
    public var senderSide = 0
    public var delay = 0
    public var autoReply = 0
    public var notABounce = 0
    public var unparsable = 0
    /// Failures, delays and auto-replies with a forged token, or tied to no subject we know.
    public var forgedOrUnknown = 0
    /// Failures, delays and auto-replies without a verified token that name someone: they wait
    /// for the DPO's review and count for no one until confirmed.
    public var review = 0

    public init() {}

    package mutating func add(_ b: NewBounce, _ r: BounceRecording) {
        messages += 1
        if r.duplicate { duplicates += 1; return }
        switch b.kind {
        case .notABounce: notABounce += 1; return
        case .unparsable: unparsable += 1; return
        case .failure, .delay, .autoReply: break
        }
        if r.underReview { review += 1; return }
        guard r.subjectID != nil else { forgedOrUnknown += 1; return }
        switch b.outcome {
        case .hard: hard += 1
        case .transient: transient += 1
        case .senderSide: senderSide += 1
        case .delay: delay += 1
        case .autoReply: autoReply += 1
        case nil: break
        }
    }

    /// The counts of several results (for a run made of several transactions).
    public static func tally(_ bounces: [NewBounce], _ results: [BounceRecording]) -> BounceIngestCounts {
        var c = BounceIngestCounts()
        for (b, r) in zip(bounces, results) { c.add(b, r) }
        return c
    }
}
