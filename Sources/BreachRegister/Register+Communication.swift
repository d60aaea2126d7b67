public import Foundation
import BreachCore
import GRDB

extension Register {
    /// When the first notice of the incident that the relay accepted was sent (the earliest
    /// first attempt of a submitted person), nil before any.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func firstSubmission(incidentID: String) throws(RegisterError) -> Date? {
        let text = try read { db in
            try String.fetchOne(db, sql: "SELECT MIN(first_attempt_at) FROM subject WHERE incident_id = ? AND state = ?",
                                arguments: [incidentID, SubjectState.submitted.rawValue])
        }
        return text.flatMap { ZonedTime(rfc3339: $0)?.instant }
    }
}
