import ArgumentParser
import BreachCore
import BreachRegister
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show where an incident stands: the 72-hour clock and what is still to do.",
        discussion: "Example:\n  breachmail status BR-2026-0001")

    @OptionGroup var workspace: WorkspaceOptions
    @Argument(help: "The incident id, e.g. BR-2026-0001.")
    var id: String

    func run() throws {
        let ws = try workspace.open()
        let record = try ws.register.incident(id)
        let incident = record.incident
        let zone = ws.zone(for: incident)
        let now = try Clock.now()
        let deadline = incident.deadline
        print("\(record.id)  \(incident.title)  (version \(record.version))")
        print("Awareness   \(TimeText.local(incident.awareness.instant, zone))")
        print("Deadline    \(TimeText.local(deadline.due, zone))  (72 h, GDPR Art. 33(1))")
        switch deadline.state(at: now) {
        case .running(let left):
            print("Clock       \(DurationText.hoursAndMinutes(left)) left")
        case .overdue(let by):
            print("Clock       OVERDUE by \(DurationText.hoursAndMinutes(by))")
            if incident.delayReasons.isBlank {
                print("            A notification now must give the reasons for the delay (recital 85): fill in delay_reasons and run `breachmail incident update`.")
            } else {
                print("            Reasons for the delay are recorded; they go with the notification.")
            }
        }
        try printAssessment(ws)
        try printNotifications(ws, incidentID: record.id, zone: zone)
        try printSubjects(ws, incidentID: record.id)
        try printReach(ws, incidentID: record.id, zone: zone, now: now)
    }
}

extension Status {
    /// The people concerned (Art. 34): how many are in each state, and why those who failed did.
    func printSubjects(_ ws: Workspace, incidentID: String) throws {
        let counts = try ws.register.subjectCounts(incidentID: incidentID)
        guard !counts.isEmpty else { return }
        print("Subjects    \(counts.values.reduce(0, +)) people")
        StateCounts.print(counts, indent: "            ")
        let reasons = try ws.register.subjectReasons(incidentID: incidentID,
                                                     states: [.deferred, .failedPermanent, .renderFailed, .noAddress])
        guard !reasons.isEmpty else { return }
        print("Failures by reason")
        for r in reasons { print("            \(r.count)  \(r.state): \(r.reason.isEmpty ? "no reason recorded" : r.reason)") }
    }
}

extension Status {
    /// The assessment in force: the last `assessment.recorded` entry of the incident's history.
    func printAssessment(_ ws: Workspace) throws {
        guard let entry = try ws.register.history(incidentID: id).last(where: { $0.kind == AssessmentRecord.kind }) else {
            print("Assessment  none yet: run `breachmail incident assess \(id)`")
            return
        }
        guard let record = try? JSONDecoder().decode(AssessmentRecord.self, from: Data(entry.payload.utf8)) else {
            print("Assessment  entry \(entry.sequence) cannot be read by this version of breachmail")
            return
        }
        let decision = record.decision
        let severity = record.assessment.severity
        print("Assessment  ENISA \(severity.score) (\(severity.band.name(language: .en))), \(AssessmentText.decisions(decision, language: .en))")
        print("            \(AssessmentText.status(decision.status, by: entry.actor, language: .en)) at \(entry.recordedAt) (entry \(entry.sequence))")
        if let reason = decision.reason { print("            Reason: \(reason)") }
    }
}
