import BreachCore
import Foundation
import GRDB

extension Register {
    /// One person of an incident, by subject id; nil when the incident has no such subject.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subject(incidentID: String, id: Int64) throws(RegisterError) -> Subject? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND id = ?", arguments: [incidentID, id])
                .map(Subject.init(row:))
        }
    }

    /// One person of an incident, by address (in the form the import stored it: see `SubjectImporter`); nil when none.
    /// The `(incident_id, email)` unique index finds it.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subject(incidentID: String, email: String) throws(RegisterError) -> Subject? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND email = ?",
                             arguments: [incidentID, email])
                .map(Subject.init(row:))
        }
    }

    /// The bounces credited to one person, oldest first.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func creditedBounces(incidentID: String, subjectID: Int64) throws(RegisterError) -> [CreditedBounce] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT received_at, kind, class, reason, status, diagnostic FROM bounce
                WHERE incident_id = ? AND subject_id = ? ORDER BY received_at, id
                """, arguments: [incidentID, subjectID]).map { row in
                CreditedBounce(
                    receivedAt: ZonedTime(rfc3339: row["received_at"])?.instant ?? .distantPast,
                    kind: BounceKind(rawValue: row["kind"]) ?? .unparsable,
                    outcome: (row["class"] as String?).flatMap(BounceOutcome.init(rawValue:)),
                    reason: row["reason"], status: row["status"], diagnostic: row["diagnostic"])
            }
        }
    }
}
