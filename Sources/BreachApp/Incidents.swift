import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

/// The incidents of the register as the command line's `--json` and the service show them:
/// snake_case keys, times in RFC 3339, nothing of the affected people.
public enum Incidents {
    /// One incident in a list: its clock and decision at a glance.
    public struct Summary: Encodable, Sendable {
        public let id: String
        public let version: Int
        public let title: String
        public let awareness: String
        public let deadline: String
        /// `running`, `overdue`, `notified_in_time`, `notified_late` or `not_required`.
        public let clock: String
        public let clock_text: String
        /// Whether the decision in force says the authority is notified / the people told; nil: none yet.
        public let notify_authority: Bool?
        public let communicate_to_subjects: Bool?
    }

    /// One incident: the current (or an earlier) version, and the decision in force.
    public struct Document: Encodable, Sendable {
        public let id: String
        public let version: Int
        public let recorded_at: String
        public let incident: Incident
        public let assessment: StatusJSON.AssessmentJSON?
    }

    public static func summaries(_ ws: Workspace, at now: Date) throws -> [Summary] {
        try ws.register.incidents().map { r in
            let clock = try ws.clock(of: r, at: now)
            let decision = try ws.register.decisionInForce(incidentID: r.id)?.record.decision
            return Summary(id: r.id, version: r.version, title: r.incident.title, awareness: r.incident.awareness.description,
                           deadline: StatusJSON.utc(clock.deadline.due), clock: StatusJSON.clockJSON(clock).state,
                           clock_text: ClockText.short(clock), notify_authority: decision?.notifyAuthority,
                           communicate_to_subjects: decision?.communicateToSubjects)
        }
    }

    public static func document(_ ws: Workspace, id: String, version: Int? = nil) throws -> Document {
        let record = try version.map { try ws.register.incident(id, version: $0) } ?? ws.register.incident(id)
        let inForce = try ws.register.decisionInForce(incidentID: record.id)
        return Document(
            id: record.id, version: record.version, recorded_at: record.updatedAt, incident: record.incident,
            assessment: inForce.map(StatusJSON.AssessmentJSON.init(inForce:)))
    }

    /// Records a new incident from the text of an incident file (YAML, or JSON, which is YAML);
    /// `name` names the source in errors (a file name, or `request body`).
    ///
    /// - Throws: the file's problems, each with its line and field; the register's errors.
    public static func open(_ ws: Workspace, text: String, name: String, at now: Date) throws -> IncidentRecord {
        let incident = try IncidentFile.parse(text, file: name, defaultLanguage: ws.defaultLanguage)
        return try ws.register.openIncident(incident, actor: ws.actor, at: now)
    }

    /// Records a new version of an incident; nil when the text says nothing new (nothing recorded).
    public static func update(_ ws: Workspace, id: String, text: String, name: String, at now: Date) throws -> IncidentRecord? {
        let incident = try IncidentFile.parse(text, file: name, defaultLanguage: ws.defaultLanguage)
        let current = try ws.register.incident(id)
        if current.incident == incident { return nil }
        return try ws.register.updateIncident(id, to: incident, actor: ws.actor, at: now)
    }
}
