import BreachApp
import ArgumentParser
import BreachCore
import BreachRegister
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show where an incident stands: the 72-hour clock and what is still to do.",
        discussion: "Example:\n  breachmail status BR-2026-0001")

    @OptionGroup var workspace: WorkspaceOptions
    @Argument(help: "The incident id, e.g. BR-2026-0001.")
    var id: String

    @Flag(help: "Print the status as JSON (snake_case keys; times in RFC 3339).")
    var json = false

    func run() throws {
        let ws = try workspace.openForReading()
        let record = try ws.register.incident(id)
        let incident = record.incident
        let zone = ws.zone(for: incident)
        let now = try Clock.now()
        let clock = try ws.clock(of: record, at: now)
        if json {
            print(try StatusJSON.render(ws, record: record, clock: clock, now: now))
            return
        }
        print("\(record.id)  \(incident.title)  (version \(record.version))")
        print(Message.awareness.heading + TimeText.local(incident.awareness.instant, zone))
        print(Message.deadline.heading + "\(TimeText.local(clock.deadline.due, zone))  (72 h, GDPR Art. 33(1))")
        for (n, line) in ClockText.lines(clock, incidentID: record.id, zone: zone).enumerated() {
            print((n == 0 ? Message.clock.heading : Message.headingIndent) + line)
        }
        try printAssessment(ws, zone: zone)
        try printNotifications(ws, incidentID: record.id, zone: zone)
        try printControllerNotices(ws, record: record, zone: zone, now: now)
        let reach = try ReachReport(ws, incidentID: record.id, now: now)
        try printSubjects(ws, incidentID: record.id, reach: reach.reach)
        try printReach(ws, report: reach, incidentID: record.id, zone: zone)
    }
}

extension Status {
    /// The people concerned (Art. 34): how many are in each state, and why those who failed did:
    /// refused for good or retries exhausted, not composed, no address, and the bounces that came
    /// back after submission (hard, or because of our sending set-up).
    func printSubjects(_ ws: Workspace, incidentID: String, reach: Reach) throws {
        let counts = try ws.register.subjectCounts(incidentID: incidentID)
        guard !counts.isEmpty else { return }
        print(Message.subjects.heading + Message.people(counts.values.reduce(0, +)).text)
        StateCounts.print(counts, indent: Message.headingIndent)
        let reasons = try ws.register.subjectReasons(incidentID: incidentID,
                                                     states: [.deferred, .failedPermanent, .renderFailed, .noAddress])
        var rows = reasons.map { ["\($0.count)", StatusText.failure(state: $0.state, reason: $0.reason), StatusText.reason($0.reason)] }
        if reach[.hardBounced] > 0 {
            rows.append(["\(reach[.hardBounced])", "hard bounce", "the address does not work (a bounce after the relay accepted the notice)"])
        }
        if reach[.senderSide] > 0 {
            rows.append(["\(reach[.senderSide])", "sender-side bounce", "refused because of our sending set-up; not counted against the person"])
        }
        guard !rows.isEmpty else { return }
        print(Message.failuresByReason.text)
        StatusText.columns(rows, indent: Message.headingIndent, right: [0]).forEach { print($0) }
    }
}

extension Status {
    /// The decision in force: the last assessment the DPO confirmed or overrode.
    func printAssessment(_ ws: Workspace, zone: TimeZone) throws {
        let (shown, unreadable) = try ws.register.assessmentToShow(incidentID: id)
        guard let shown else {
            print(Message.assessment.heading + (unreadable > 0
                ? "\(unreadable) entries cannot be read by this version of breachmail"
                : "none yet: run `breachmail incident assess \(id)`"))
            return
        }
        let decision = shown.record.decision
        let severity = shown.record.assessment.severity
        print(Message.assessment.heading + "ENISA \(severity.score) (\(severity.band.name(language: .en))), \(AssessmentText.decisions(decision, language: .en))")
        print(Message.headingIndent + "\(AssessmentText.status(decision.status, by: shown.entry.actor, language: .en)) at \(StatusText.local(shown.entry.recordedAt, zone)) (entry \(shown.entry.sequence))")
        if let reason = decision.reason { print(Message.headingIndent + "Reason: \(reason)") }
    }
}
