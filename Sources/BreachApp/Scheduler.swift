import BreachConfig
public import BreachCore
import BreachRegister
public import Foundation

/// The duties nobody should have to type during a breach, done in one tick: deferred people sent
/// again when due, the bounce mailbox read, reach decided when the retry window ends, the DPO
/// reminded of the 72-hour deadline, the response team told. The service calls
/// ``runOnce(now:)`` every `scheduler.interval_seconds`; `breachmail scheduler tick` calls it once.
///
/// Every duty is recorded in the register before or with its effect (``Register/claimDuty(incidentID:duty:key:value:at:staleAfter:)``),
/// so that a restart, a second process or a cron job repeats none: a mail is claimed, sent, then
/// marked done; a claim its process left undone is taken again after
/// `scheduler.claim_timeout_seconds`, so a crash loses no mail and sends one at most once more.
///
/// ```swift
/// let scheduler = Scheduler(ws, clock: SystemDeliveryClock())
/// let report = try await scheduler.runOnce(now: Date())
/// ```
public struct Scheduler: Sendable {
    public let ws: Workspace
    /// The clock the campaign runs read (the retry state machine's `now`).
    public let clock: any DeliveryClock
    /// Tuning of the campaign runs the scheduler starts.
    public var campaignOptions = CampaignRun.Options()

    /// Duty names, as the register's `scheduled_duty` table holds them.
    public enum Duty {
        public static let deadlineReminder = "dpo.deadline"
        public static let reachDecided = "reach.decided"
        public static let reachReminder = "dpo.reach"
        public static let decisionSeen = "decision.seen"
        public static let teamOpened = "team.opened"
        public static let teamDecision = "team.decision"
    }

    /// The history kind of a reach decision; its payload holds counts and the recommendation only.
    public static let reachDecidedKind = "reach.decided"
    static let bouncePollMark = "bounces.poll"
    static let acknowledgementPollMark = "acknowledgements.poll"

    public init(_ ws: Workspace, clock: any DeliveryClock) {
        self.ws = ws
        self.clock = clock
    }

    /// Does every duty due at `now`, once. A duty that fails (the relay refuses a reminder, the
    /// IMAP server is down) is reported in ``SchedulerReport/problems`` and tried again at the
    /// next tick; the others go on. Cancelling the task stops it after the current duty (a
    /// campaign run stops after its messages in flight, recorded).
    ///
    /// - Throws: the register's error when it cannot be read at all.
    public func runOnce(now: Date) async throws -> SchedulerReport {
        var report = SchedulerReport()
        await pollBounces(now: now, into: &report)
        await pollAcknowledgements(now: now, into: &report)
        for record in try ws.register.incidents() {
            if Task.isCancelled { break }
            report.incidents += 1
            await step(record.id, "retry", into: &report) { try await retry(record, now: now, into: &$0) }
            await step(record.id, "reach", into: &report) { try await reach(record, now: now, into: &$0) }
            await step(record.id, "deadline", into: &report) { try await deadlineReminder(record, now: now, into: &$0) }
            await step(record.id, "team", into: &report) { try await tellTeam(record, now: now, into: &$0) }
        }
        return report
    }

    /// Runs one duty of one incident; its failure is reported, not thrown, so that the other
    /// incidents and duties still get their turn.
    private func step(_ incidentID: String, _ name: String, into report: inout SchedulerReport,
                      _ body: (inout SchedulerReport) async throws -> Void) async {
        if Task.isCancelled { return }
        do { try await body(&report) } catch {
            report.problems.append("\(incidentID) \(name): \(error)")
        }
    }

    // MARK: a. Retries

    /// Sends due deferred people again. Queued people and people a dead run left `sending` are
    /// sent too, but only once a campaign was started for the incident (a `campaign.run` entry,
    /// or someone `sending`): importing people never starts a campaign by itself — that is the
    /// DPO's `subjects notify`. A run going elsewhere (the lock) is left to finish.
    private func retry(_ record: IncidentRecord, now: Date, into report: inout SchedulerReport) async throws {
        let due = try ws.register.sendableSubjects(incidentID: record.id, at: now)
        let left = try due.queued > 0 && ws.register.hasEntry(kind: "campaign.run", incidentID: record.id)
        guard due.dueDeferred > 0 || due.sending > 0 || left else { return }
        // The DPO paused it (through the service): nothing but a resume restarts it.
        if try CampaignSupervisor.isPaused(ws.register, incidentID: record.id) {
            report.campaignsSkipped += 1
            return
        }
        let run = try CampaignRun.prepare(ws, incidentID: record.id, at: now)
        let outcome: CampaignRun.Outcome
        do {
            outcome = try await run.run(transport: try MailSetup.transport(ws), clock: clock, options: campaignOptions)
        } catch let error as AppError where error.code == .conflict {
            report.campaignsSkipped += 1
            return
        }
        report.campaignsRun += 1
        report.messagesSubmitted += outcome.figures.submitted
        report.messagesDeferred += outcome.figures.deferred
    }

    // MARK: b. Bounces

    private func pollBounces(now: Date, into report: inout SchedulerReport) async {
        guard ws.configuration.mail.bounceIMAP != nil else { return }
        do {
            guard try ws.register.takeSchedulerMark(Self.bouncePollMark, at: now,
                                                   every: TimeInterval(ws.configuration.scheduler.bouncePollSeconds)) else { return }
            let result = try await BounceFetch.run(ws, at: now)
            report.bounceMessagesRead = result.movedToProcessed + result.movedToReview
        } catch {
            report.problems.append("bounces: \(error)")
        }
    }

    /// The authorities' acknowledgements, from `scheduler.acknowledgements`, at the bounces' pace.
    private func pollAcknowledgements(now: Date, into report: inout SchedulerReport) async {
        guard ws.configuration.scheduler.acknowledgements != nil else { return }
        do {
            guard try ws.register.takeSchedulerMark(Self.acknowledgementPollMark, at: now,
                                                   every: TimeInterval(ws.configuration.scheduler.bouncePollSeconds)) else { return }
            let result = try await AcknowledgementFetch.run(ws, at: now)
            report.acknowledgementsRead = result.read
            report.referencesRecorded = result.referencesRecorded
            report.acknowledgementsToConfirm = result.toConfirm
        } catch {
            report.problems.append("acknowledgements: \(error)")
        }
    }

    // MARK: c. Reach, and the DPO told of each decision

    /// Records the recommendation once the campaign has finished and the retry window has
    /// ended (`reach.decided`, counts only), and again only when it changes; mails the DPO each
    /// recorded one. Read only when nobody is left queued, sending or deferred: until then the
    /// recommendation is "campaign unfinished" and reading every person each tick would be waste.
    private func reach(_ record: IncidentRecord, now: Date, into report: inout SchedulerReport) async throws {
        let counts = try ws.register.subjectCounts(incidentID: record.id)
        let waiting = [SubjectState.queued, .sending, .deferred].reduce(0) { $0 + (counts[$1.rawValue] ?? 0) }
        if !counts.isEmpty, waiting == 0 {
            let reach = try ReachReport(ws, incidentID: record.id, now: now)
            if let value = SchedulerDecision.reachDecision(reach.recommendation) {
                let last = try ws.register.lastDutyValue(incidentID: record.id, duty: Duty.reachDecided)
                if last?.value != value {
                    let r = reach.reach
                    let payload = ReachDecidedPayload(recommendation: value, previous: last?.value, total: r.total, unreachable: r.unreachable,
                                                      submitted: r.submitted, senderSide: r[.senderSide], windowHours: ws.configuration.escalation.windowHours)
                    if try ws.register.recordDutyChange(incidentID: record.id, duty: Duty.reachDecided, generation: (last?.generation ?? 0) + 1,
                                                        value: value, kind: Self.reachDecidedKind, payload: payload, actor: ws.actor, at: now) {
                        report.reachRecorded += 1
                    }
                }
            }
        }
        // The DPO hears of every recorded decision once, even if the process died right after recording it.
        guard let decided = try ws.register.lastDutyValue(incidentID: record.id, duty: Duty.reachDecided) else { return }
        let mail = SchedulerMail(ws: ws, now: now)
        if try await perform(record.id, Duty.reachReminder, key: String(decided.generation), value: decided.value, now: now, {
            try await mail.send(to: ws.configuration.dpo.name, address: ws.configuration.dpo.email, duty: Duty.reachReminder,
                                mail.reachDecided(record, recommendation: decided.value, counts: try ReachReport(ws, incidentID: record.id, now: now).reach))
        }) { report.remindersSent += 1 }
    }

    // MARK: d. The 72-hour deadline

    private func deadlineReminder(_ record: IncidentRecord, now: Date, into report: inout SchedulerReport) async throws {
        let clock = try ws.clock(of: record, at: now)
        let pending = clock.authorities.filter(\.isPending).map(\.authorityID)
        guard !pending.isEmpty,
              let stage = SchedulerDecision.deadlineReminder(due: clock.deadline.due, now: now, hoursBefore: ws.configuration.scheduler.reminderHours)
        else { return }
        let mail = SchedulerMail(ws: ws, now: now)
        if try await perform(record.id, Duty.deadlineReminder, key: stage, now: now, {
            try await mail.send(to: ws.configuration.dpo.name, address: ws.configuration.dpo.email, duty: Duty.deadlineReminder,
                                mail.deadline(record, stage: stage, due: clock.deadline.due, pending: pending))
        }) { report.remindersSent += 1 }
    }

    // MARK: e. The response team

    /// Tells each member when the incident is opened and when its decision in force changes
    /// (whether to notify the authority, whether to tell the people), once each.
    private func tellTeam(_ record: IncidentRecord, now: Date, into report: inout SchedulerReport) async throws {
        let team = ws.configuration.responseTeam
        guard !team.isEmpty else { return }
        let mail = SchedulerMail(ws: ws, now: now)
        for member in team {
            if Task.isCancelled { return }
            if try await perform(record.id, Duty.teamOpened, key: member.email.lowercased(), now: now, {
                try await mail.send(to: member.name, address: member.email, duty: Duty.teamOpened, mail.opened(record, role: member.role))
            }) { report.teamMessagesSent += 1 }
        }
        guard let decision = try ws.register.decisionInForce(incidentID: record.id)?.record.decision else { return }
        let value = "authority=\(decision.notifyAuthority ? "yes" : "no");subjects=\(decision.communicateToSubjects ? "yes" : "no")"
        let last = try ws.register.lastDutyValue(incidentID: record.id, duty: Duty.decisionSeen)
        if last?.value != value {
            _ = try ws.register.recordDutyChange(incidentID: record.id, duty: Duty.decisionSeen, generation: (last?.generation ?? 0) + 1,
                                                 value: value, kind: nil, payload: nil as String?, actor: ws.actor, at: now)
        }
        guard let seen = try ws.register.lastDutyValue(incidentID: record.id, duty: Duty.decisionSeen) else { return }
        for member in team {
            if Task.isCancelled { return }
            if try await perform(record.id, Duty.teamDecision, key: "\(seen.generation):\(member.email.lowercased())", value: seen.value, now: now, {
                try await mail.send(to: member.name, address: member.email, duty: Duty.teamDecision,
                                    mail.decision(record, notifyAuthority: decision.notifyAuthority,
                                                  communicateToSubjects: decision.communicateToSubjects, role: member.role))
            }) { report.teamMessagesSent += 1 }
        }
    }

    // MARK: Claim, perform, mark

    /// Claims the duty, performs `effect`, marks it done: true when this call performed it. A
    /// failed effect gives the claim back, so the next tick tries again.
    private func perform(_ incidentID: String, _ duty: String, key: String, value: String = "", now: Date,
                         _ effect: () async throws -> Void) async throws -> Bool {
        let timeout = TimeInterval(ws.configuration.scheduler.claimTimeoutSeconds)
        guard try ws.register.claimDuty(incidentID: incidentID, duty: duty, key: key, value: value, at: now, staleAfter: timeout) else { return false }
        do {
            try await effect()
        } catch {
            try ws.register.releaseDuty(incidentID: incidentID, duty: duty, key: key)
            throw error
        }
        try ws.register.completeDuty(incidentID: incidentID, duty: duty, key: key, outcome: "sent", at: now)
        return true
    }
}

/// What one tick did, counts only: no address, no name.
public struct SchedulerReport: Sendable, Codable, Equatable {
    /// Incidents looked at.
    public var incidents = 0
    /// Campaign runs started for due deferred people (or people a run left).
    public var campaignsRun = 0
    /// Incidents whose campaign was already running elsewhere: left to it.
    public var campaignsSkipped = 0
    /// Messages the runs handed to the relay, and deferred again.
    public var messagesSubmitted = 0
    public var messagesDeferred = 0
    /// Messages read from the bounce mailbox; nil when it was not read this tick.
    public var bounceMessagesRead: Int?
    /// Messages read from the acknowledgements mailbox; nil when it was not read this tick.
    public var acknowledgementsRead: Int?
    /// Authority references recorded from acknowledgements, and acknowledgements left for the DPO to confirm.
    public var referencesRecorded = 0
    public var acknowledgementsToConfirm = 0
    /// `reach.decided` entries recorded.
    public var reachRecorded = 0
    /// Mails to the DPO: deadline reminders and reach decisions.
    public var remindersSent = 0
    /// Mails to members of the response team.
    public var teamMessagesSent = 0
    /// Duties that failed, to try again at the next tick: the incident, the duty and the reason.
    public var problems: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case incidents
        case campaignsRun = "campaigns_run"
        case campaignsSkipped = "campaigns_skipped"
        case messagesSubmitted = "messages_submitted"
        case messagesDeferred = "messages_deferred"
        case bounceMessagesRead = "bounce_messages_read"
        case acknowledgementsRead = "acknowledgements_read"
        case referencesRecorded = "references_recorded"
        case acknowledgementsToConfirm = "acknowledgements_to_confirm"
        case reachRecorded = "reach_recorded"
        case remindersSent = "reminders_sent"
        case teamMessagesSent = "team_messages_sent"
        case problems
    }
}

/// The history payload of `reach.decided`: the recommendation and counts, no personal data.
struct ReachDecidedPayload: Encodable {
    let recommendation: String
    let previous: String?
    let total: Int
    let unreachable: Int
    let submitted: Int
    let senderSide: Int
    let windowHours: Int

    enum CodingKeys: String, CodingKey {
        case recommendation, previous, total, unreachable, submitted
        case senderSide = "sender_side"
        case windowHours = "window_hours"
    }
}
