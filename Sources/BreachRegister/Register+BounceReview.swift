public import BreachCore
public import Foundation
import GRDB

/// Bounces that wait for the DPO: they carry no verified VERP token, and name a subject only by
/// an address (or by a Message-ID breachmail sent to another address). Anyone who can send mail
/// can write such a bounce, so it is kept with its evidence, tied to no one, and counts only
/// once the DPO confirms it; the decision and who took it go into the history.
extension Register {
    static func registerBounceReviewMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-bounce-review") { db in
            try db.execute(sql: """
                ALTER TABLE bounce ADD COLUMN review TEXT;
                ALTER TABLE bounce ADD COLUMN candidate_incident_id TEXT REFERENCES incident(id);
                ALTER TABLE bounce ADD COLUMN candidate_subject_id INTEGER REFERENCES subject(id);
                CREATE INDEX bounce_review ON bounce(review, candidate_incident_id);
                """)
        }
    }

    /// The bounces under review, oldest first: only those waiting, unless `decided` is set; of
    /// one incident when `incidentID` is given.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func bouncesUnderReview(incidentID: String? = nil, decided: Bool = false) throws(RegisterError) -> [BounceUnderReview] {
        try read { db in
            // One arm per review state, merged in id order by SQLite from the indexes (no sort).
            let states: [BounceReviewState] = decided ? [.pending, .confirmed, .rejected] : [.pending]
            var arms: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            for state in states {
                arms.append("\(Self.reviewSelect) WHERE b.review = ?" + (incidentID == nil ? "" : " AND b.candidate_incident_id = ?"))
                arguments.append(state.rawValue)
                if let incidentID { arguments.append(incidentID) }
            }
            return try Row.fetchAll(db, sql: arms.joined(separator: " UNION ALL ") + " ORDER BY 1", arguments: StatementArguments(arguments))
                .map(Self.underReview)
        }
    }

    /// One bounce that is or was under review; nil when there is none with that id.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func bounceUnderReview(_ id: Int64) throws(RegisterError) -> BounceUnderReview? {
        try read { db in
            try Row.fetchOne(db, sql: "\(Self.reviewSelect) WHERE b.id = ? AND b.review IS NOT NULL", arguments: [id]).map(Self.underReview)
        }
    }

    /// How many bounces of an incident wait for review.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func bouncesAwaitingReview(incidentID: String) throws(RegisterError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bounce WHERE review = ? AND candidate_incident_id = ?",
                             arguments: [BounceReviewState.pending.rawValue, incidentID]) ?? 0
        }
    }

    /// The DPO's decision on a bounce under review, with a `bounce.confirmed` or `bounce.rejected`
    /// history entry (bounce and subject ids, no address) in the same transaction. Confirmed,
    /// the bounce is credited to its subject as if its token had been valid (a transient one
    /// sends the notice again); rejected, it stays tied to no one.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func decideBounce(_ id: Int64, _ decision: BounceReviewDecision, actor: String, at now: Date)
        throws(RegisterError) -> BounceDecisionResult {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "\(Self.reviewSelect) WHERE b.id = ?", arguments: [id]) else { return .notFound }
            guard row["review"] as String? != nil else { return .notUnderReview }
            let bounce = Self.underReview(row)
            guard bounce.review == .pending else { return .alreadyDecided(bounce) }
            switch decision {
            case .confirm:
                try db.execute(sql: "UPDATE bounce SET review = ?, incident_id = ?, subject_id = ? WHERE id = ?",
                               arguments: [BounceReviewState.confirmed.rawValue, bounce.incidentID, bounce.subjectID, id])
                if bounce.outcome == .transient {
                    try Self.changingSubjects(db, ids: [bounce.subjectID], actor: actor, at: now) {
                        try Self.sendAgainAfterTransientBounce(db, subject: bounce.subjectID, status: bounce.status, reason: bounce.reason, at: now)
                    }
                }
            case .reject:
                try db.execute(sql: "UPDATE bounce SET review = ? WHERE id = ?", arguments: [BounceReviewState.rejected.rawValue, id])
            }
            let payload = BounceDecisionPayload(bounce: id, subject: bounce.subjectID, outcome: bounce.outcome?.rawValue ?? bounce.kind.rawValue)
            try Self.append(db, kind: decision == .confirm ? HistoryEntry.Kind.bounceConfirmed : HistoryEntry.Kind.bounceRejected,
                            incidentID: bounce.incidentID, version: nil, payload: Self.json(payload), actor: actor, at: now)
            var decided = bounce
            decided.review = decision == .confirm ? .confirmed : .rejected
            return .decided(decided)
        }
    }

    private static let reviewSelect = """
        SELECT b.id, b.message_sha256, b.received_at, b.kind, b.class, b.reason, b.status, b.diagnostic, b.report, b.review,
               b.candidate_incident_id, b.candidate_subject_id, s.line, s.message_id
        FROM bounce b LEFT JOIN subject s ON s.id = b.candidate_subject_id
        """

    private static func underReview(_ row: Row) -> BounceUnderReview {
        BounceUnderReview(
            id: row["id"], sha256: row["message_sha256"], receivedAt: row["received_at"],
            kind: BounceKind(rawValue: row["kind"]) ?? .unparsable, outcome: (row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)),
            reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"], report: row["report"],
            review: (row["review"] as String?).flatMap(BounceReviewState.init(rawValue:)) ?? .pending,
            incidentID: row["candidate_incident_id"] ?? "", subjectID: row["candidate_subject_id"] ?? 0,
            subjectLine: row["line"], sentMessageID: row["message_id"])
    }
}

extension HistoryEntry.Kind {
    /// The DPO confirmed a bounce under review: it now counts for its subject.
    public static let bounceConfirmed = "bounce.confirmed"
    /// The DPO rejected a bounce under review: it counts for no one.
    public static let bounceRejected = "bounce.rejected"
}

/// Where a bounce under review stands.
public enum BounceReviewState: String, Sendable, Codable {
    case pending, confirmed, rejected
}

/// What the DPO decides about a bounce under review.
public enum BounceReviewDecision: Sendable, Equatable {
    case confirm, reject
}

/// What became of a decision.
public enum BounceDecisionResult: Sendable, Equatable {
    case decided(BounceUnderReview)
    case notFound
    /// The bounce was credited or ignored at ingestion (it had a token): nothing to decide.
    case notUnderReview
    case alreadyDecided(BounceUnderReview)
}

/// A bounce under review and its evidence.
public struct BounceUnderReview: Sendable, Equatable {
    public var id: Int64
    /// SHA-256 of the message as received (its file name in a Maildir's `.review` folder is unchanged).
    public var sha256: String
    public var receivedAt: String
    public var kind: BounceKind
    public var outcome: BounceOutcome?
    public var reason: String?
    public var status: String?
    public var diagnostic: String?
    /// The whole report as the bounce reader made it (JSON).
    public var report: String
    public var review: BounceReviewState
    /// The incident and subject it would count for once confirmed.
    public var incidentID: String
    public var subjectID: Int64
    /// That subject's line in its import file.
    public var subjectLine: Int?
    /// The Message-ID of the notice breachmail sent that subject, if any.
    public var sentMessageID: String?
}

/// The history payload of a decision: ids only.
package struct BounceDecisionPayload: Encodable {
    let bounce: Int64
    let subject: Int64
    let outcome: String

    package init(bounce: Int64, subject: Int64, outcome: String) {
        self.bounce = bounce
        self.subject = subject
        self.outcome = outcome
    }
}
