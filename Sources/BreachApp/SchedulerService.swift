import BreachConfig
import BreachCore
import Foundation

/// The scheduler as a long-running service: one tick every `scheduler.interval_seconds`
/// (default 60) until its task is cancelled, which ends it after the current tick (a campaign
/// run in it stops after its messages in flight, recorded). Nothing starts in the initialiser;
/// ``run()`` is what a swift-service-lifecycle `Service` calls.
///
/// ```swift
/// let service = SchedulerService(scheduler: Scheduler(ws, clock: SystemDeliveryClock()))
/// try await service.run()
/// ```
public struct SchedulerService: Sendable {
    public let scheduler: Scheduler
    /// Time between two ticks; by default the configuration's `scheduler.interval_seconds`.
    public let interval: Duration
    /// Hears each tick's report (metrics, logs): counts only.
    public let onTick: @Sendable (SchedulerReport) -> Void
    /// Whether to tick now (a service standing by while another runs the scheduler skips its ticks).
    public let isDue: @Sendable () -> Bool

    public init(scheduler: Scheduler, interval: Duration? = nil, onTick: @escaping @Sendable (SchedulerReport) -> Void = { _ in },
                isDue: @escaping @Sendable () -> Bool = { true }) {
        self.scheduler = scheduler
        self.interval = interval ?? .seconds(scheduler.ws.configuration.scheduler.intervalSeconds)
        self.isDue = isDue
        self.onTick = onTick
    }

    /// Ticks until cancelled. A tick that fails as a whole (the register locked for long) is
    /// reported as a problem and the next tick comes as usual.
    ///
    /// - Throws: nothing but cancellation's own end: it returns normally when cancelled.
    public func run() async throws {
        while !Task.isCancelled {
            guard isDue() else {
                do { try await Task.sleep(for: min(interval, .seconds(1))) } catch { return }
                continue
            }
            let now = scheduler.clock.now()
            do {
                onTick(try await scheduler.runOnce(now: now))
            } catch {
                var report = SchedulerReport()
                report.problems.append("tick: \(error)")
                onTick(report)
            }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
