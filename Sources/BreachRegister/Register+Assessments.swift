public import BreachCore
import Foundation

/// An assessment as the history holds it: the entry and what it recorded.
public struct RecordedAssessment: Sendable, Equatable {
    /// The `assessment.recorded` history entry.
    public let entry: HistoryEntry
    /// Its payload: the answers, the recommendation and the DPO's decision.
    public let record: AssessmentRecord
}

extension NotificationStore where Self: HistoryStore {
    /// The assessments recorded for an incident, oldest first. An entry this version of
    /// breachmail cannot read is skipped; `unreadable` counts them.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func assessments(incidentID: String) throws(RegisterError) -> (assessments: [RecordedAssessment], unreadable: Int) {
        var found: [RecordedAssessment] = []
        var unreadable = 0
        for entry in try history(incidentID: incidentID) where entry.kind == AssessmentRecord.kind {
            if let record = try? JSONDecoder().decode(AssessmentRecord.self, from: Data(entry.payload.utf8)) {
                found.append(RecordedAssessment(entry: entry, record: record))
            } else {
                unreadable += 1
            }
        }
        return (found, unreadable)
    }

    /// The decision in force: the last assessment the DPO confirmed or overrode.
    ///
    /// A recommendation left unconfirmed (which earlier versions of breachmail recorded) never
    /// replaces a decision: it is not one.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func decisionInForce(incidentID: String) throws(RegisterError) -> RecordedAssessment? {
        try assessments(incidentID: incidentID).assessments.last { $0.record.decision.status != .recommended }
    }

    /// What `status` shows of the assessment: the decision in force, else the last recommendation
    /// an earlier version recorded unconfirmed; and how many entries could not be read.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func assessmentToShow(incidentID: String) throws(RegisterError) -> (shown: RecordedAssessment?, unreadable: Int) {
        let (all, unreadable) = try assessments(incidentID: incidentID)
        return (all.last { $0.record.decision.status != .recommended } ?? all.last, unreadable)
    }
}
