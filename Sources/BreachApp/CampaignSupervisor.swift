public import BreachCore
public import BreachRegister
public import BreachTransport
import Foundation

/// The campaigns a long-running process (the service) runs in the background: at most one per
/// incident, started, paused (the messages in flight finish and are recorded) and resumed on
/// request, with their events fanned out to whoever follows them (the progress stream).
///
/// A pause is recorded in the register's history (`campaign.paused` / `campaign.resumed`), so that
/// the scheduler does not restart a campaign the DPO paused, across restarts too.
public actor CampaignSupervisor {
    /// Makes the transport of a run (one per run: it is shut down at the run's end).
    public typealias TransportFactory = @Sendable (Workspace) throws -> any MailTransport

    private struct Running {
        let task: Task<CampaignRun.Outcome, any Error>
        var followers: [UUID: AsyncStream<CampaignRun.Event>.Continuation]
        var last: CampaignRun.Event?
    }

    private var running: [String: Running] = [:]
    private let transport: TransportFactory
    private let clock: any DeliveryClock
    private let options: CampaignRun.Options
    /// Hears every event of every run, with its incident (the service's metrics).
    private let observer: @Sendable (String, CampaignRun.Event) -> Void

    public init(transport: @escaping TransportFactory, clock: any DeliveryClock, options: CampaignRun.Options = CampaignRun.Options(),
                observer: @escaping @Sendable (String, CampaignRun.Event) -> Void = { _, _ in }) {
        self.transport = transport
        self.clock = clock
        self.options = options
        self.observer = observer
    }

    /// The history kinds of a pause and its end.
    public static let pausedKind = "campaign.paused"
    public static let resumedKind = "campaign.resumed"

    /// Whether a run of `incidentID` is going in this process.
    public func isRunning(_ incidentID: String) -> Bool { running[incidentID] != nil }

    /// Starts the campaign of `ws`'s incident in the background.
    ///
    /// - Throws: ``AppError`` (`conflict`) when one is already running here or the DPO paused it
    ///   (resume it instead); what ``CampaignRun/prepare(_:incidentID:at:)`` refuses.
    public func start(_ ws: Workspace, incidentID: String, resuming: Bool = false) throws {
        guard running[incidentID] == nil else {
            throw AppError(.conflict, "the campaign of \(incidentID) is already running; follow it with its events, or pause it first.",
                           facts: ["incident": incidentID])
        }
        let now = clock.now()
        if !resuming, try Self.isPaused(ws.register, incidentID: incidentID) {
            throw AppError(.conflict, "the campaign of \(incidentID) was paused by the DPO; resume it to carry on.",
                           facts: ["incident": incidentID])
        }
        let run = try CampaignRun.prepare(ws, incidentID: incidentID, at: now)
        if let refusal = run.gaps.refusal {
            throw AppError(.invalidInput, refusal, facts: ["incident": incidentID, "field": "language"])
        }
        let transport = try transport(ws)
        if resuming {
            _ = try ws.register.append(kind: Self.resumedKind, incidentID: incidentID, payload: [String: String](),
                                       actor: ws.actor, at: now)
        }
        let clock = clock, options = options, observer = observer
        let task = Task {
            do {
                let outcome = try await run.run(transport: transport, clock: clock, options: options) { event in
                    observer(incidentID, event)
                    if case .finished = event { return }  // published below, last
                    Task { await self.publish(incidentID, event) }
                }
                self.ended(incidentID, .finished(outcome))
                return outcome
            } catch {
                self.ended(incidentID, nil)
                throw error
            }
        }
        running[incidentID] = Running(task: task, followers: [:], last: nil)
    }

    /// Pauses the campaign: no new person is taken, the messages in flight finish and are
    /// recorded; the pause is recorded so that nothing restarts it but a resume. Returns the
    /// run's outcome when one was running here.
    public func pause(_ ws: Workspace, incidentID: String) async throws -> CampaignRun.Outcome? {
        _ = try ws.register.incident(incidentID)
        _ = try ws.register.append(kind: Self.pausedKind, incidentID: incidentID, payload: [String: String](),
                                   actor: ws.actor, at: clock.now())
        guard let run = running[incidentID] else { return nil }
        run.task.cancel()
        return try await run.task.value
    }

    /// Resumes a paused campaign (or starts it).
    public func resume(_ ws: Workspace, incidentID: String) throws {
        try start(ws, incidentID: incidentID, resuming: true)
    }

    /// Whether the last pause or resume of the incident's campaign is a pause.
    public static func isPaused(_ register: any RegisterStore, incidentID: String) throws -> Bool {
        let last = try register.history(incidentID: incidentID).last { $0.kind == pausedKind || $0.kind == resumedKind }
        return last?.kind == pausedKind
    }

    /// The events of the running campaign, from the latest one on; nil when none runs here.
    public func follow(_ incidentID: String) -> AsyncStream<CampaignRun.Event>? {
        guard running[incidentID] != nil else { return nil }
        let id = UUID()
        let (stream, continuation) = AsyncStream<CampaignRun.Event>.makeStream(bufferingPolicy: .bufferingNewest(64))
        if let last = running[incidentID]?.last { continuation.yield(last) }
        running[incidentID]?.followers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unfollow(incidentID, id) } }
        return stream
    }

    /// Stops every campaign (the process is stopping): each records the messages in flight.
    public func stopAll() async {
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
    }

    private func unfollow(_ incidentID: String, _ id: UUID) { running[incidentID]?.followers[id] = nil }

    private func publish(_ incidentID: String, _ event: CampaignRun.Event) {
        guard var run = running[incidentID] else { return }
        run.last = event
        for follower in run.followers.values { follower.yield(event) }
        running[incidentID] = run
    }

    private func ended(_ incidentID: String, _ last: CampaignRun.Event?) {
        if let last { running[incidentID]?.followers.values.forEach { $0.yield(last) } }
        running[incidentID]?.followers.values.forEach { $0.finish() }
        running[incidentID] = nil
    }
}
