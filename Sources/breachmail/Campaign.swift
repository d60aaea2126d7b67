import BreachBounces
import BreachCompose
import BreachCore
import BreachRegister
import BreachTransport
import Foundation

/// The campaign's I/O: reads subjects a page at a time, composes each message, and runs
/// `workers` concurrent senders through a ``MailTransport``. The decisions are
/// ``CampaignStateMachine``'s; this file only performs them.
///
/// Each worker writes `sending` for its next subject in the same transaction as the outcome of
/// its previous one, and waits for that transaction before sending: so at any moment a worker
/// holds at most one message delivered but not yet recorded, and a crash duplicates at most
/// `workers` messages.
struct Campaign: Sendable {
    let register: Register
    let incidentID: String
    let transport: any MailTransport
    let workers: Int
    let ratePerSecond: Double
    /// Test hook: a pause after each delivery, before it is recorded (the worst moment to die).
    let delayAfterSend: Duration
    let stop: StopFlag
    /// The campaign's clock (`BREACHMAIL_NOW` when set): every state change is stamped with it.
    let clock: any DeliveryClock

    /// Figures of one run: subjects moved by this run, per outcome.
    struct Figures: Sendable, Codable, Equatable {
        var recovered = 0
        var submitted = 0
        var deferred = 0
        var failedPermanent = 0
        var renderFailed = 0
        var held = 0
        /// Deferred subjects whose next attempt is after this run.
        var notYetDue = 0
        var done: Int { submitted + deferred + failedPermanent + renderFailed + held + notYetDue }
    }

    enum End: Sendable {
        case finished
        case interrupted
        case halted(SendFailure)
    }

    /// Puts back to `queued` the subjects a dead run left in `sending`; returns how many.
    func recover(machine: CampaignStateMachine) throws -> Int {
        var after: Int64 = 0
        var count = 0
        while case let page = try register.subjects(incidentID: incidentID, states: [.sending], after: after, limit: 1000), !page.isEmpty {
            let updates = page.compactMap { machine.recover(CampaignSubject($0)) }.map(SubjectUpdate.init)
            count += try register.updateSubjects(updates, at: clock.now())
            after = page.last!.id
        }
        return count
    }

    func run(feed: CampaignFeed, progress: @escaping @Sendable (Figures) -> Void) async throws -> (End, Figures) {
        let recorder = Recorder(register: register, clock: clock)
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                progress(await feed.figures)
            }
        }
        defer { reporter.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var pending: [SubjectUpdate] = []
                    while let job = try await feed.next(recorder: recorder, stop: stop) {
                        try await recorder.commit(pending + [job.claim])
                        pending = []
                        if job.wait > .zero { try? await Task.sleep(for: job.wait) }
                        let outcome = await transport.send(job.message)
                        if delayAfterSend > .zero { try? await Task.sleep(for: delayAfterSend) }
                        pending = [await feed.record(outcome, for: job)]
                    }
                    if !pending.isEmpty { try await recorder.commit(pending) }
                }
            }
            try await group.waitForAll()
        }
        let figures = await feed.figures
        progress(figures)
        if let failure = await feed.halt { return (.halted(failure), figures) }
        return (stop.isSet ? .interrupted : .finished, figures)
    }
}

/// One message ready to go: the subject, its claim, the message, how long to wait for the rate.
struct CampaignJob: Sendable {
    let subject: CampaignSubject
    let claim: SubjectUpdate
    let message: BreachCore.OutgoingMessage
    let messageID: String
    let wait: Duration
}

/// Hands out subjects to workers in id order, composing each message; keeps the state machine.
actor CampaignFeed {
    private let register: Register
    private let incidentID: String
    private let messages: SubjectMessages
    private let verp: VERP
    private let incident: IncidentNumber
    private var machine: CampaignStateMachine
    private var bucket: TokenBucket<ContinuousClock.Instant>?
    private var page: [Subject] = []
    private var after: Int64 = 0
    private var exhausted = false
    private(set) var figures = Campaign.Figures()
    private(set) var halt: SendFailure?
    private var pausedUntil: Date?
    private let clock: any DeliveryClock

    init(register: Register, incidentID: String, messages: SubjectMessages, verp: VERP, incident: IncidentNumber,
         machine: CampaignStateMachine, clock: any DeliveryClock, ratePerSecond: Double, recovered: Int) {
        self.register = register
        self.incidentID = incidentID
        self.messages = messages
        self.verp = verp
        self.incident = incident
        self.machine = machine
        self.clock = clock
        self.bucket = ratePerSecond > 0 ? TokenBucket(rate: ratePerSecond, start: ContinuousClock.now) : nil
        self.figures.recovered = recovered
    }

    /// The next subject to send to, or nil when there is none left, the run was stopped or halted.
    func next(recorder: Recorder, stop: StopFlag) async throws -> CampaignJob? {
        while true {
            if stop.isSet || halt != nil { return nil }
            if let until = pausedUntil, until > clock.now() {
                try? await Task.sleep(for: .seconds(until.timeIntervalSince(clock.now())))
                continue
            }
            if page.isEmpty {
                if exhausted { return nil }
                page = try register.subjects(incidentID: incidentID, states: [.queued, .deferred], after: after, limit: 500)
                if page.isEmpty { exhausted = true; return nil }
                after = page.last!.id
                page.reverse()
            }
            let row = page.removeLast()
            let subject = CampaignSubject(row)
            switch machine.step(for: subject) {
            case .skip: continue
            case .notYet:
                figures.notYetDue += 1
                continue
            case .send: break
            }
            do {
                let built = try compose(row)
                let wait = bucket?.reserve(at: ContinuousClock.now) ?? .zero
                return CampaignJob(subject: subject, claim: SubjectUpdate(machine.claim(subject)), message: built.0,
                                   messageID: built.1, wait: wait)
            } catch {
                figures.renderFailed += 1
                try await recorder.commit([SubjectUpdate(machine.renderFailed(subject, reason: error.description))])
            }
        }
    }

    /// The message for one subject, with its VERP return path in the envelope.
    private func compose(_ row: Subject) throws(CampaignComposeError) -> (BreachCore.OutgoingMessage, String) {
        let built: BuiltMessage
        do { built = try messages.message(for: row) } catch { throw CampaignComposeError(description: error.description) }
        do {
            let envelope = try Envelope(returnPath: verp.make(VERPKey(incident: incident, subject: UInt64(row.id))),
                                        recipient: row.email ?? "")
            return (BreachCore.OutgoingMessage(id: "subject-\(row.id)", envelope: envelope, bytes: built.bytes), built.messageID)
        } catch {
            throw CampaignComposeError(description: error.description)
        }
    }

    /// Records an outcome in the machine and returns the change to write.
    func record(_ outcome: SendOutcome, for job: CampaignJob) -> SubjectUpdate {
        let (transition, relay) = machine.record(outcome, for: job.subject)
        switch relay {
        case .proceed: break
        case .pause(let until): pausedUntil = until
        case .halt(let failure): halt = halt ?? failure
        }
        switch transition.to {
        case .submitted: figures.submitted += 1
        case .deferred: figures.deferred += 1
        case .failedPermanent: figures.failedPermanent += 1
        default: figures.held += 1
        }
        var update = SubjectUpdate(transition)
        update.messageID = job.messageID
        return update
    }
}

struct CampaignComposeError: Error, CustomStringConvertible {
    let description: String
}

/// Writes state changes in group commits: changes that arrive while a transaction runs go
/// together in the next one. Each caller resumes once its own changes are durable. The
/// register's blocking writes run on a thread of their own, not on the cooperative pool.
actor Recorder {
    private let register: Register
    private let clock: any DeliveryClock
    private let queue = DispatchQueue(label: "breachmail.campaign.recorder")
    private var pending: [SubjectUpdate] = []
    private var waiters: [CheckedContinuation<Void, any Error>] = []
    private var flushing = false

    init(register: Register, clock: any DeliveryClock) {
        self.register = register
        self.clock = clock
    }

    func commit(_ updates: [SubjectUpdate]) async throws {
        if updates.isEmpty { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending += updates
            waiters.append(continuation)
            if !flushing { flush() }
        }
    }

    private func flush() {
        flushing = true
        let batch = pending, resumed = waiters
        pending = []
        waiters = []
        let register = register, now = clock.now()
        queue.async {
            let result = Result<Void, any Error> { _ = try register.updateSubjects(batch, at: now) }
            Task { await self.finished(result, resumed) }
        }
    }

    private func finished(_ result: Result<Void, any Error>, _ resumed: [CheckedContinuation<Void, any Error>]) {
        for waiter in resumed { waiter.resume(with: result) }
        if pending.isEmpty { flushing = false } else { flush() }
    }
}

/// Set once, from the SIGINT handler; read by the feed.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// The clock of the campaign: `BREACHMAIL_NOW` when set, else the system's.
struct CLIDeliveryClock: DeliveryClock {
    let fixed: Date?
    init() throws {
        fixed = ProcessInfo.processInfo.environment["BREACHMAIL_NOW"] == nil ? nil : try Clock.now()
    }
    func now() -> Date { fixed ?? Date() }
}

extension CampaignSubject {
    init(_ s: Subject) {
        func date(_ text: String?) -> Date? { text.flatMap { ZonedTime(rfc3339: $0)?.instant } }
        self.init(id: s.id, state: s.knownState ?? .queued,
                  retry: RetryState(firstAttempt: date(s.firstAttemptAt), attempts: s.attempts),
                  nextAttemptAt: date(s.nextAttemptAt))
    }
}

extension SubjectUpdate {
    init(_ t: CampaignTransition) {
        self.init(id: t.subject, from: t.from, to: t.to, reason: t.reason, countsAsAttempt: t.countsAsAttempt,
                  nextAttemptAt: t.nextAttemptAt, lastReply: t.reply, firstAttemptAt: t.firstAttemptAt)
    }
}
