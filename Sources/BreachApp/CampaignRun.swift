import BreachBounces
import BreachCompose
import BreachConfig
public import BreachCore
public import BreachRegister
public import BreachTransport
public import Foundation

/// The Art. 34 campaign of one incident as a use case: checked and prepared once
/// (``CampaignRun/prepare(_:incidentID:at:)``), then run as a stream of ``CampaignRun/Event``s,
/// for the command line's progress and the service's alike. Cancelling the task that reads the
/// stream stops the campaign after the messages in flight, which are recorded.
public struct CampaignRun: Sendable {
    public let ws: Workspace
    public let record: IncidentRecord
    public let messages: SubjectMessages
    public let gaps: LanguageGaps
    let verp: VERP
    let incident: IncidentNumber

    /// What a run reports while it goes.
    public enum Event: Sendable {
        /// The run starts: how many people are queued or deferred, over how many connections,
        /// and how many a dead run had left in `sending` (put back in the queue).
        case started(toSend: Int, workers: Int, recovered: Int)
        /// Figures so far (about five times a second), and the relay's pause in force if any.
        case progress(Campaign.Figures, RelayPause?)
        /// The relay refused several messages in a row: nothing is sent until the pause ends.
        case paused(RelayPause)
        /// The run ended; the outcome is recorded in the register's history.
        case finished(Outcome)
    }

    /// How a run ended, with its figures and the states of the incident's people after it.
    public struct Outcome: Sendable {
        public let end: Campaign.End
        public let figures: Campaign.Figures
        public let states: [String: Int]
        /// When the first person left deferred is due again (nil when nobody is deferred): the
        /// time to run the campaign again, or that `serve`'s scheduler will.
        public let nextRetry: Date?

        /// `finished`, `interrupted`, `halted` or `relay_unusable`: the name in the history.
        public var endName: String {
            switch end {
            case .finished: "finished"
            case .interrupted: "interrupted"
            case .halted: "halted"
            case .relayUnusable: "relay_unusable"
            }
        }
    }

    /// Test hooks and tuning of one run.
    public struct Options: Sendable {
        /// A pause after each delivery, before it is recorded (tests: the worst moment to die).
        public var delayAfterSend: Duration = .zero
        /// How long the relay may pause, and after how long of refusals the run gives up.
        public var outage = RelayOutage()
        public init() {}
    }

    /// Checks everything a run needs before anything is sent: the VERP set-up, the incident
    /// number, the templates, and the texts of every language the people speak.
    ///
    /// - Throws: ``AppError`` naming what to fix; the register's error for an unknown incident.
    public static func prepare(_ ws: Workspace, incidentID: String, at now: Date) throws -> CampaignRun {
        let record = try ws.register.incident(incidentID)
        let verp = try verp(ws)
        guard let incident = IncidentNumber(record.id) else {
            throw AppError(.invalidInput, "\(record.id) is not an incident number of the form BR-YEAR-NNNN; VERP tokens need one.",
                           facts: ["incident": record.id])
        }
        let messages = try SubjectMessages(ws, record: record, at: now)
        let gaps = try LanguageGaps(register: ws.register, record: record, composer: messages.composer)
        return CampaignRun(ws: ws, record: record, messages: messages, gaps: gaps, verp: verp, incident: incident)
    }

    /// What a dry run finds: people it would send to, failures by reason, without address, done.
    public struct DryRun: Sendable {
        public var wouldSend = 0
        public var noAddress = 0
        public var done = 0
        public var failures: [String: Int] = [:]
        public var failed: Int { failures.values.reduce(0, +) }
    }

    /// Composes every pending message and counts what would fail; sends and records nothing.
    public func dryRun() throws -> DryRun {
        var result = DryRun()
        var after: Int64 = 0
        while case let page = try ws.register.subjects(incidentID: record.id, after: after, limit: 1000), !page.isEmpty {
            for subject in page {
                switch subject.knownState {
                case .noAddress: result.noAddress += 1
                case .queued, .deferred, .sending:
                    do {
                        _ = try messages.message(for: subject)
                        result.wouldSend += 1
                    } catch { result.failures[error.description, default: 0] += 1 }
                default: result.done += 1
                }
            }
            after = page.last!.id
        }
        return result
    }

    /// Runs the campaign: every queued person, and every deferred person whose next attempt is
    /// due, is sent their notice through `transport`; `onEvent` hears how it goes (from other
    /// threads). One run per incident at a time (a lock the kernel drops when the process dies).
    ///
    /// Cancelling the calling task takes no new person, records the messages in flight and
    /// returns with ``Campaign/End/interrupted``: nothing sent is left unrecorded.
    ///
    /// - Throws: ``AppError`` (`conflict`) when a run of the incident is already going; the
    ///   register's errors.
    public func run(transport: any MailTransport, clock: any DeliveryClock, options: Options = Options(),
                    onEvent emit: @escaping @Sendable (Event) -> Void = { _ in }) async throws -> Outcome {
        let lock = try CampaignLock(ws, incidentID: record.id)
        defer { lock.release() }
        // An import into the incident that died after this register was opened (by a service
        // running for days) left rows nobody recorded: no import runs now that we hold the lock.
        try ws.register.removeUnfinishedImports(incidentID: record.id)
        let machine = CampaignStateMachine(policy: RetryPolicy(), clock: clock)
        let stop = StopFlag()
        let campaign = Campaign(register: ws.register, incidentID: record.id, transport: transport,
                                workers: ws.configuration.mail.connections, delayAfterSend: options.delayAfterSend, stop: stop,
                                clock: clock)
        // Whatever a dead run left in its ledger is applied first, then a new one starts.
        let ledger = try ws.register.openOutcomeLedger()
        // On a store shared by several workers, the people in `sending` are other workers' (or a
        // dead one's, claimed again when its lease runs out): none is put back.
        let recovered = ws.register.sharedByWorkers ? 0 : try campaign.recover(machine: machine)
        let before = try ws.register.subjectCounts(incidentID: record.id)
        let total = (before[SubjectState.queued.rawValue] ?? 0) + (before[SubjectState.deferred.rawValue] ?? 0)
        emit(.started(toSend: total, workers: campaign.workers, recovered: recovered))
        let feed = CampaignFeed(register: ws.register, incidentID: record.id, messages: messages, verp: verp, incident: incident,
                                machine: machine, clock: clock, stop: stop, delayAfterSend: options.delayAfterSend,
                                connections: campaign.workers, ledger: ledger, recovered: recovered, outage: options.outage,
                                onPause: { emit(.paused($0)) })
        let (end, figures) = try await withTaskCancellationHandler {
            let result = try await campaign.run(feed: feed) { emit(.progress($0, $1)) }
            await transport.shutdown()
            return result
        } onCancel: {
            stop.set()
        }
        let after = try ws.register.subjectCounts(incidentID: record.id)
        let outcome = Outcome(end: end, figures: figures, states: after,
                              nextRetry: (after[SubjectState.deferred.rawValue] ?? 0) > 0
                                  ? try Self.nextRetry(ws.register, incidentID: record.id, now: clock.now()) : nil)
        _ = try ws.register.append(kind: "campaign.run", incidentID: record.id,
                                   payload: CampaignRunPayload(end: outcome.endName, run: figures, states: after),
                                   actor: ws.actor, at: clock.now())
        emit(.finished(outcome))
        return outcome
    }

    /// When the first deferred person of the incident is due again (`now` for one without a time),
    /// or nil when nobody is deferred. Reads the deferred people page by page.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public static func nextRetry(_ register: any RegisterStore, incidentID: String, now: Date) throws -> Date? {
        var after: Int64 = 0
        var earliest: Date?
        while case let page = try register.subjects(incidentID: incidentID, states: [.deferred], after: after, limit: 1000), let last = page.last {
            for subject in page {
                let due = subject.nextAttemptAt.flatMap { ZonedTime(rfc3339: $0)?.instant } ?? now
                if earliest.map({ due < $0 }) ?? true { earliest = due }
            }
            after = last.id
        }
        return earliest
    }

    /// The same run as a stream of events, ending with ``Event/finished(_:)``: for a reader that
    /// follows a run (the service's progress). Ending the stream early cancels the run, which
    /// then stops after the messages in flight, recorded.
    public func events(transport: any MailTransport, clock: any DeliveryClock, options: Options = Options())
        -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await run(transport: transport, clock: clock, options: options) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The VERP set-up the campaign signs every return path with.
    static func verp(_ ws: Workspace) throws -> VERP {
        let mail = ws.configuration.mail
        guard !mail.bounceDomain.isEmpty, let reference = mail.bounceSecret else {
            throw AppError(.configuration, "mail.bounces.domain and mail.bounces.secret must be set in \(Configuration.fileName): every message carries a VERP return path.",
                           facts: ["field": "mail.bounces"])
        }
        let secret: String
        do { secret = try reference.resolve(relativeTo: ws.directory) } catch {
            if case .file(let path) = reference {
                throw AppError(.configuration, "the VERP secret file \(ws.path(path).path) cannot be read. Create one: mkdir -p \(ws.path(path).deletingLastPathComponent().path) && head -c 32 /dev/urandom | base64 > \(ws.path(path).path) && chmod 600 \(ws.path(path).path)",
                               facts: ["field": "mail.bounces.secret"])
            }
            throw AppError(.configuration, "mail.bounces.secret: \(error)", facts: ["field": "mail.bounces.secret"])
        }
        do { return try VERP(prefix: mail.bouncePrefix, domain: mail.bounceDomain, secret: Array(secret.utf8)) } catch {
            throw AppError(.configuration, "mail.bounces: \(error)", facts: ["field": "mail.bounces"])
        }
    }
}
