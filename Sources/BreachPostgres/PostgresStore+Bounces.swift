public import BreachCore
public import BreachRegister
public import Foundation
import PostgresNIO

// Bounces and reach in PostgreSQL: the SQLite register's statements (`Register+Bounces.swift`,
// `Register+BounceReview.swift`, `Register+Reach.swift`, `Register+Person.swift`).

extension PostgresStore: BounceStore {
    public func recordBounces(_ bounces: [NewBounce], actor: String, at now: Date) throws(RegisterError) -> [BounceRecording] {
        guard !bounces.isEmpty else { return [] }
        return try session.write {
            var results: [BounceRecording] = []
            var counts = BounceIngestCounts()
            var incidents = Set<String>()
            var transient: [(subject: Int64, status: String?, reason: String?)] = []
            for b in bounces {
                let match = try match(b)
                let inserted = try session.execute("""
                    INSERT INTO bounce (message_sha256, incident_id, subject_id, matched_by, received_at, kind, class,
                                        reason, status, diagnostic, report, review, candidate_incident_id, candidate_subject_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (message_sha256) DO NOTHING
                    """, [b.sha256, match.incidentID, match.subjectID, match.by.rawValue, RFC3339UTC.format(now),
                          b.kind.rawValue, b.outcome?.rawValue, b.reason, b.status, b.diagnostic, b.report,
                          match.candidate == nil ? nil : BounceReviewState.pending.rawValue,
                          match.candidate?.incidentID, match.candidate?.subjectID])
                let recording = BounceRecording(duplicate: inserted == 0, matchedBy: match.by, incidentID: match.incidentID,
                                                subjectID: match.subjectID, underReview: match.candidate != nil)
                counts.add(b, recording)
                if !recording.duplicate, let id = match.incidentID { incidents.insert(id) }
                if !recording.duplicate, b.outcome == .transient, let subject = match.subjectID {
                    transient.append((subject, b.status, b.reason))
                }
                results.append(recording)
            }
            if !transient.isEmpty {
                try changingSubjects(ids: transient.map(\.subject), actor: actor, at: now) {
                    for t in transient { try sendAgainAfterTransientBounce(subject: t.subject, status: t.status, reason: t.reason, at: now) }
                }
            }
            try append(kind: HistoryEntry.Kind.bouncesIngested, incidentID: incidents.count == 1 ? incidents.first : nil,
                       version: nil, payload: Register.json(counts), actor: actor, at: now)
            return results
        }
    }

    private func sendAgainAfterTransientBounce(subject: Int64, status: String?, reason: String?, at now: Date) throws {
        try session.execute("""
            UPDATE subject SET state = 'deferred', state_reason = $1, next_attempt_at = $2, updated_at = $3
            WHERE id = $4 AND state = 'submitted'
            """, ["transient bounce \(status ?? "") \(reason ?? "")".trimmingCharacters(in: .whitespaces),
                  RFC3339UTC.format(now.addingTimeInterval(Register.resendAfterTransientBounce)), RFC3339UTC.format(now), subject])
    }

    private struct Match {
        var by: BounceMatch
        var incidentID: String?
        var subjectID: Int64?
        var candidate: (incidentID: String, subjectID: Int64)?
    }

    private func match(_ b: NewBounce) throws -> Match {
        switch b.token {
        case .forged:
            return Match(by: .forged)
        case .valid(let incident, let subject):
            if let id = try session.value("SELECT id FROM subject WHERE id = $1 AND incident_id = $2", [subject, incident], as: Int64.self) {
                return Match(by: .token, incidentID: incident, subjectID: id)
            }
            return Match(by: .unknown)
        case .none:
            break
        }
        let named = (b.returnedTo ?? b.recipient).map(Register.bareAddress).flatMap { $0.isEmpty ? nil : $0 }
        if let messageID = b.originalMessageID.map(Register.bareMessageID), !messageID.isEmpty,
           let row = try session.query("SELECT id, incident_id, email FROM subject WHERE message_id IN ($1, $2) LIMIT 1",
                                       [messageID, "<\(messageID)>"]).first {
            if try named == nil || named == (row["email"] as String?)?.lowercased() {
                return Match(by: .messageID, incidentID: try row["incident_id"], subjectID: try row["id"])
            }
            return Match(by: .review, candidate: (try row["incident_id"], try row["id"]))
        }
        if let named {
            let rows = try session.query("""
                SELECT s.id, s.incident_id FROM incident i JOIN subject s ON s.incident_id = i.id
                WHERE s.email = $1 AND s.state = $2 LIMIT 2
                """, [named, SubjectState.submitted.rawValue])
            if rows.count == 1 { return Match(by: .review, candidate: (try rows[0]["incident_id"], try rows[0]["id"])) }
        }
        return Match(by: .unknown)
    }

    private static let creditedColumns = "received_at, kind, class, reason, status, diagnostic"

    static func creditedBounce(_ row: PostgresRecord) throws -> CreditedBounce {
        try CreditedBounce(receivedAt: row["received_at"] as String, kind: row["kind"] as String, outcome: row["class"],
                           reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"])
    }

    public func creditedBounces(incidentID: String) throws(RegisterError) -> [Int64: [CreditedBounce]] {
        try session.read {
            var out: [Int64: [CreditedBounce]] = [:]
            for row in try session.query("""
                SELECT subject_id, \(Self.creditedColumns) FROM bounce WHERE incident_id = $1 AND subject_id IS NOT NULL ORDER BY received_at, id
                """, [incidentID]) {
                out[try row["subject_id"], default: []].append(try Self.creditedBounce(row))
            }
            return out
        }
    }

    public func creditedBounces(incidentID: String, subjectID: Int64) throws(RegisterError) -> [CreditedBounce] {
        try session.read {
            try session.query("""
                SELECT \(Self.creditedColumns) FROM bounce WHERE incident_id = $1 AND subject_id = $2 ORDER BY received_at, id
                """, [incidentID, subjectID]).map(Self.creditedBounce)
        }
    }

    public func uncreditedBounceCounts() throws(RegisterError) -> (forged: Int, unknown: Int) {
        try session.read {
            let forged = try session.value("SELECT COUNT(*) FROM bounce WHERE matched_by = 'forged'", as: Int64.self) ?? 0
            let unknown = try session.value("""
                SELECT COUNT(*) FROM bounce WHERE matched_by = 'unknown' AND kind IN ('failure', 'delay', 'autoReply')
                """, as: Int64.self) ?? 0
            return (Int(forged), Int(unknown))
        }
    }

    private static let reviewSelect = """
        SELECT b.id, b.message_sha256, b.received_at, b.kind, b.class, b.reason, b.status, b.diagnostic, b.report, b.review,
               b.candidate_incident_id, b.candidate_subject_id, s.line, s.message_id
        FROM bounce b LEFT JOIN subject s ON s.id = b.candidate_subject_id
        """

    private static func underReview(_ row: PostgresRecord) throws -> BounceUnderReview {
        try BounceUnderReview(id: row["id"], sha256: row["message_sha256"], receivedAt: row["received_at"], kind: row["kind"],
                              outcome: row["class"], reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"],
                              report: row["report"], review: row["review"], incidentID: row["candidate_incident_id"],
                              subjectID: row["candidate_subject_id"], subjectLine: (row["line"] as Int64?).map(Int.init),
                              sentMessageID: row["message_id"])
    }

    public func bouncesUnderReview(incidentID: String?, decided: Bool) throws(RegisterError) -> [BounceUnderReview] {
        try session.read {
            let states: [BounceReviewState] = decided ? [.pending, .confirmed, .rejected] : [.pending]
            let states2 = states.map(\.rawValue)
            if let incidentID {
                return try session.query("\(Self.reviewSelect) WHERE b.review = ANY($1) AND b.candidate_incident_id = $2 ORDER BY b.id",
                                         [states2, incidentID]).map(Self.underReview)
            }
            return try session.query("\(Self.reviewSelect) WHERE b.review = ANY($1) ORDER BY b.id", [states2]).map(Self.underReview)
        }
    }

    public func bounceUnderReview(_ id: Int64) throws(RegisterError) -> BounceUnderReview? {
        try session.read {
            try session.query("\(Self.reviewSelect) WHERE b.id = $1 AND b.review IS NOT NULL", [id]).first.map(Self.underReview)
        }
    }

    public func bouncesAwaitingReview(incidentID: String) throws(RegisterError) -> Int {
        try session.read {
            Int(try session.value("SELECT COUNT(*) FROM bounce WHERE review = $1 AND candidate_incident_id = $2",
                                  [BounceReviewState.pending.rawValue, incidentID], as: Int64.self) ?? 0)
        }
    }

    public func decideBounce(_ id: Int64, _ decision: BounceReviewDecision, actor: String, at now: Date) throws(RegisterError) -> BounceDecisionResult {
        try session.write {
            guard let row = try session.query("\(Self.reviewSelect) WHERE b.id = $1 FOR UPDATE OF b", [id]).first else { return .notFound }
            guard (try row["review"] as String?) != nil else { return .notUnderReview }
            let bounce = try Self.underReview(row)
            guard bounce.review == .pending else { return .alreadyDecided(bounce) }
            switch decision {
            case .confirm:
                try session.execute("UPDATE bounce SET review = $1, incident_id = $2, subject_id = $3 WHERE id = $4",
                                    [BounceReviewState.confirmed.rawValue, bounce.incidentID, bounce.subjectID, id])
                if bounce.outcome == .transient {
                    try changingSubjects(ids: [bounce.subjectID], actor: actor, at: now) {
                        try sendAgainAfterTransientBounce(subject: bounce.subjectID, status: bounce.status, reason: bounce.reason, at: now)
                    }
                }
            case .reject:
                try session.execute("UPDATE bounce SET review = $1 WHERE id = $2", [BounceReviewState.rejected.rawValue, id])
            }
            let payload = BounceDecisionPayload(bounce: id, subject: bounce.subjectID, outcome: bounce.outcome?.rawValue ?? bounce.kind.rawValue)
            try append(kind: decision == .confirm ? HistoryEntry.Kind.bounceConfirmed : HistoryEntry.Kind.bounceRejected,
                       incidentID: bounce.incidentID, version: nil, payload: Register.json(payload), actor: actor, at: now)
            var decided = bounce
            decided.review = decision == .confirm ? .confirmed : .rejected
            return .decided(decided)
        }
    }
}

extension PostgresStore {
    public func reach(incidentID: String, now: Date, window: TimeInterval) throws(RegisterError) -> Reach {
        try session.read {
            var states: [String: Int] = [:]
            for row in try session.query("SELECT state, COUNT(*) AS n FROM subject WHERE incident_id = $1 GROUP BY state", [incidentID]) {
                states[try row["state"]] = Int(try row["n"] as Int64)
            }
            let since = RFC3339UTC.format(now.addingTimeInterval(-window))
            let open = try session.value("""
                SELECT COUNT(*) FROM subject WHERE incident_id = $1 AND state = 'submitted' AND updated_at > $2
                """, [incidentID, since], as: Int64.self) ?? 0
            let last = try session.value("SELECT MAX(updated_at) FROM subject WHERE incident_id = $1 AND state = 'submitted'",
                                         [incidentID], as: String.self)
            var reach = Reach(stateCounts: states, openSubmissions: Int(open),
                              lastSubmission: last.flatMap { ZonedTime(rfc3339: $0)?.instant }, window: window)
            var current: ReachSubject?
            for row in try session.query("""
                SELECT b.subject_id, b.received_at, b.class, s.state, s.updated_at
                FROM bounce b JOIN subject s ON s.id = b.subject_id AND s.incident_id = b.incident_id
                WHERE b.incident_id = $1 AND b.subject_id IS NOT NULL ORDER BY b.subject_id, b.received_at, b.id
                """, [incidentID]) {
                let id: Int64 = try row["subject_id"]
                if let c = current, c.id != id {
                    reach.correct(for: c, now: now, window: window)
                    current = nil
                }
                if current == nil {
                    current = ReachSubject(id: id, state: try row["state"], updatedAt: try row["updated_at"], credited: [])
                }
                if let outcome = (try row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)) {
                    current?.bounces.append(ReachBounce(receivedAt: ZonedTime(rfc3339: try row["received_at"])?.instant ?? .distantPast,
                                                        outcome: outcome))
                }
            }
            if let current { reach.correct(for: current, now: now, window: window) }
            return reach
        }
    }

    public func forEachPossiblyUnreachable(incidentID: String, _ body: (Subject, ReachSubject, [CreditedBounce]) throws -> Void) throws {
        // Read in one transaction, then handed over: the people who may be unreachable (a state
        // unreachable by itself, or submitted with bounces), with their bounces, in id order.
        let (people, credited) = try session.read { () -> ([Subject], [Int64: [CreditedBounce]]) in
            var credited: [Int64: [CreditedBounce]] = [:]
            for row in try session.query("""
                SELECT subject_id, received_at, kind, class, reason, status, diagnostic FROM bounce
                WHERE incident_id = $1 AND subject_id IS NOT NULL ORDER BY subject_id, received_at, id
                """, [incidentID]) {
                credited[try row["subject_id"], default: []].append(try Self.creditedBounce(row))
            }
            let people = try session.query("""
                SELECT \(Self.subjectColumns) FROM subject WHERE incident_id = $1
                  AND (state IN ('no_address', 'failed_permanent') OR (state = 'submitted' AND id = ANY($2)))
                ORDER BY id
                """, [incidentID, Array(credited.keys)]).map(Self.subject)
            return (people, credited)
        }
        for subject in people {
            let bounces = credited[subject.id] ?? []
            try body(subject, ReachSubject(subject, credited: bounces), bounces)
        }
    }
}
