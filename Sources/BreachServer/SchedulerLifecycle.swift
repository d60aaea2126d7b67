public import BreachApp
public import Logging
public import ServiceLifecycle

/// The scheduler in the service's `ServiceGroup`: it ticks until the group shuts down (SIGTERM),
/// finishing the tick in progress; each tick's counts go to the metrics and the log (counts only).
public struct SchedulerLifecycle: Service {
    let service: SchedulerService

    /// - Parameter leadership: the scheduler ticks only while this service holds the register's lease.
    public init(scheduler: Scheduler, metrics: ServiceMetrics, logger: Logger, leadership: SchedulerLeadership) {
        service = SchedulerService(scheduler: scheduler, onTick: { report in
            if report.campaignsRun > 0 { metrics.countSchedulerRun(.retryDeferred) }
            if report.bounceMessagesRead != nil { metrics.countSchedulerRun(.pollBounces) }
            if report.acknowledgementsRead != nil { metrics.countSchedulerRun(.readAcknowledgement) }
            if report.reachRecorded > 0 { metrics.countSchedulerRun(.evaluateReach) }
            if report.remindersSent > 0 { metrics.countSchedulerRun(.remindDeadline) }
            if report.teamMessagesSent > 0 { metrics.countSchedulerRun(.notifyTeam) }
            var entry = logger
            entry[metadataKey: "campaigns_run"] = "\(report.campaignsRun)"
            entry[metadataKey: "reminders_sent"] = "\(report.remindersSent)"
            entry[metadataKey: "problems"] = "\(report.problems.count)"
            if report.problems.isEmpty {
                entry.debug("scheduler tick")
            } else {
                // The problems name duties and settings, never a person.
                entry.warning("scheduler tick with problems: \(report.problems.joined(separator: "; "))")
            }
        }, isDue: { leadership.isLeading })
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await service.run() }
    }
}
