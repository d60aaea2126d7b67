public import BreachCore
public import Foundation
import GRDB

/// Reach and the people a public notice may be for, read without a walk of every person: the
/// counts per state come from the state index, the open retry windows from the index of
/// submitted people, and only the people with bounces are read one by one.
extension Register {
    /// The reach of an incident at `now` (see ``Reach/init(stateCounts:openSubmissions:lastSubmission:window:)``),
    /// every figure of the same moment: from the incident's figures (read in one read transaction,
    /// and kept until the register changes, see `Register+Figures.swift`), with `now` applied.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func reach(incidentID: String, now: Date, window: TimeInterval) throws(RegisterError) -> Reach {
        let figures = try subjectFigures(incidentID: incidentID)
        // Stamps are whole seconds in one fixed-width UTC form, so text order is time order; a
        // window is open when `now < submitted + window`, i.e. `submitted > now - window`, and
        // for whole seconds that is `submitted > floor(now - window)`, which the form floors to.
        let since = RFC3339UTC.format(now.addingTimeInterval(-window))
        var open = 0
        for second in figures.submissions.reversed() {
            guard since.utf8.lexicographicallyPrecedes(second.stamp.utf8) else { break }
            open += second.count
        }
        var reach = Reach(stateCounts: figures.stateCounts, openSubmissions: open,
                          lastSubmission: figures.submissions.last.flatMap { ZonedTime(rfc3339: $0.stamp)?.instant }, window: window)
        for subject in figures.bounced { reach.correct(for: subject, now: now, window: window) }
        return reach
    }

    /// Every person of the incident who may be unreachable one by one (no address, retries
    /// exhausted, or submitted and bounced), in id order, with the bounces credited to them,
    /// oldest first; everyone else is reached or may still be (``ReachCategory/of(_:now:window:)``
    /// gives none of them an unreachable category). Reads those people only, in one read
    /// transaction, without holding them all in memory.
    /// - Throws: ``RegisterError`` when the register cannot be read; whatever `body` throws.
    public func forEachPossiblyUnreachable(incidentID: String, _ body: (Subject, ReachSubject, [CreditedBounce]) throws -> Void) throws {
        var bodyError: (any Error)?
        do {
            try pool.read { db in
                // Two streams in id order: people in a state that is unreachable by itself, and
                // people with bounces; merged, each person once.
                let stated = try Row.fetchCursor(db, sql: Self.unreachableStatesSQL, arguments: [incidentID, incidentID])
                let bounced = try Row.fetchCursor(db, sql: Self.creditedBouncesSQL, arguments: [incidentID])
                var nextStated = try stated.next().map(Subject.init(row:))
                var nextBounce = try bounced.next()
                while nextStated != nil || nextBounce != nil {
                    let bounceID: Int64? = nextBounce?["subject_id"]
                    let id = min(nextStated?.id ?? .max, bounceID ?? .max)
                    var credited: [CreditedBounce] = []
                    while let row = nextBounce, row["subject_id"] as Int64 == id {
                        credited.append(Self.creditedBounce(row))
                        nextBounce = try bounced.next()
                    }
                    let subject: Subject?
                    if let s = nextStated, s.id == id {
                        subject = s
                        nextStated = try stated.next().map(Subject.init(row:))
                    } else {
                        // Bounced and not in an unreachable state: only a submitted person's bounces
                        // can make them unreachable (a deferred one is sent again).
                        subject = try Row.fetchOne(db.cachedStatement(sql: Self.subjectByIDSQL),
                                                   arguments: [id, incidentID, SubjectState.submitted.rawValue]).map(Subject.init(row:))
                    }
                    guard let subject else { continue }
                    do {
                        try body(subject, ReachSubject(subject, credited: credited), credited)
                    } catch {
                        bodyError = error
                        throw error
                    }
                }
            }
        } catch {
            if let bodyError { throw bodyError }
            throw Self.map(error, path)
        }
    }

    /// Each person of the incident with at least one credited bounce, as reach sees them.
    static func forEachBouncedSubject(_ db: Database, incidentID: String, _ body: (ReachSubject) -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: bouncedSubjectsSQL, arguments: [incidentID])
        var current: ReachSubject?
        while let row = try cursor.next() {
            let id: Int64 = row["subject_id"]
            if let c = current, c.id != id {
                body(c)
                current = nil
            }
            if current == nil {
                current = ReachSubject(id: id, state: row["state"], updatedAt: row["updated_at"], credited: [])
            }
            if let outcome = (row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)) {
                current?.bounces.append(ReachBounce(receivedAt: ZonedTime(rfc3339: row["received_at"])?.instant ?? .distantPast, outcome: outcome))
            }
        }
        if let current { body(current) }
    }

    static func creditedBounce(_ row: Row) -> CreditedBounce {
        CreditedBounce(
            receivedAt: ZonedTime(rfc3339: row["received_at"])?.instant ?? .distantPast, kind: BounceKind(rawValue: row["kind"]) ?? .unparsable,
            outcome: (row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)),
            reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"])
    }

    static let stateCountsSQL = "SELECT state, COUNT(*) FROM subject WHERE incident_id = ? GROUP BY state"
    static let bouncedSubjectsSQL = """
        SELECT b.subject_id, b.received_at, b.class, s.state, s.updated_at
        FROM bounce b JOIN subject s ON s.id = b.subject_id AND s.incident_id = b.incident_id
        WHERE b.incident_id = ? AND b.subject_id IS NOT NULL ORDER BY b.subject_id, b.received_at, b.id
        """
    static let creditedBouncesSQL = """
        SELECT subject_id, received_at, kind, class, reason, status, diagnostic FROM bounce
        WHERE incident_id = ? AND subject_id IS NOT NULL ORDER BY subject_id, received_at, id
        """
    static let unreachableStatesSQL = """
        SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND state = 'no_address'
        UNION ALL SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND state = 'failed_permanent'
        ORDER BY id
        """
    static let subjectByIDSQL = "SELECT \(Subject.columns) FROM subject WHERE id = ? AND incident_id = ? AND state = ?"
}

extension ReachSubject {
    /// A person as reach sees them, from the register's columns: the notice was submitted at the
    /// last change of a person in state `submitted` (their `updated_at`); bounces without a class
    /// (not a bounce, unreadable) say nothing about reach.
    package init(id: Int64, state: String, updatedAt: String, credited: [CreditedBounce]) {
        self.init(id: id, state: state,
                  submittedAt: state == SubjectState.submitted.rawValue ? ZonedTime(rfc3339: updatedAt)?.instant : nil,
                  bounces: credited.compactMap { b in b.outcome.map { ReachBounce(receivedAt: b.receivedAt, outcome: $0) } })
    }

    /// `subject` as reach sees it, with the bounces credited to it.
    public init(_ subject: Subject, credited: [CreditedBounce]) {
        self.init(id: subject.id, state: subject.state, updatedAt: subject.updatedAt, credited: credited)
    }
}
