import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

/// The DPO's decision on an incident's risk assessment, recorded: the answers give the
/// recommendation (ENISA method), and only a confirmation or an override with a written reason
/// becomes the decision in force.
public enum Assessments {
    /// What the DPO makes of the recommendation.
    public enum Choice: Sendable {
        case confirm
        /// Another decision than the recommended one; nil keeps the recommended one for that side.
        case override(notifyAuthority: Bool?, communicateToSubjects: Bool?, reason: String)
    }

    /// What recording did: the entry, the decision, and the one it replaces (if any).
    public struct Recorded: Sendable {
        public let entry: HistoryEntry
        public let record: AssessmentRecord
        public let replaced: RecordedAssessment?
    }

    /// The recommendation for the answers (YAML or JSON text), recorded nowhere.
    ///
    /// - Throws: the answers' problems, each with its line and field.
    public static func recommend(_ ws: Workspace, incidentID: String, answers: String, name: String) throws -> Assessment {
        let record = try ws.register.incident(incidentID)
        return try AssessmentFile.parse(answers, file: name).assess(against: IncidentFacts(record.incident))
    }

    /// The DPO's decision on `assessment`.
    ///
    /// - Throws: ``AppError`` (`invalidInput`, field `reason`) for an override without a reason
    ///   or that decides what was recommended anyway.
    public static func decision(on assessment: Assessment, _ choice: Choice) throws -> DPODecision {
        switch choice {
        case .confirm: return .confirmed(assessment)
        case .override(let authority, let subjects, let reason):
            do {
                return try DPODecision.overriding(assessment, notifyAuthority: authority, communicateToSubjects: subjects,
                                                  reason: reason)
            } catch {
                throw AppError(.invalidInput, "\(error) Nothing was recorded.", facts: ["field": "reason"])
            }
        }
    }

    /// Records the DPO's `decision` on `assessment` in the history; it becomes the decision in force.
    public static func record(_ ws: Workspace, incidentID: String, assessment: Assessment, decision: DPODecision, source: String,
                              language: AssessmentLanguage, at now: Date) throws -> Recorded {
        let replaced = try ws.register.decisionInForce(incidentID: incidentID)
        let payload = AssessmentRecord(language: language, source: source, assessment: assessment, decision: decision)
        let entry = try ws.register.append(kind: AssessmentRecord.kind, incidentID: incidentID, payload: payload,
                                           actor: ws.actor, at: now)
        return Recorded(entry: entry, record: payload, replaced: replaced)
    }
}
