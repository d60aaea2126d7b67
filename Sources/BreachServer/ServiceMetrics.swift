public import BreachCore
public import Prometheus
import Synchronization

/// The service's Prometheus metrics, served at `/metrics`. One instance per service, with a
/// registry of its own (no global metrics bootstrap, so tests may build several).
///
/// The counters of the campaign, the bounces and the scheduler are registered now with every
/// label value at zero, so that dashboards and alerts see them before the first event:
///
/// ```swift
/// environment.metrics.countMessage(.submitted)
/// environment.metrics.countBounce(class: "hard")
/// environment.metrics.countSchedulerRun(.pollBounces)
/// ```
public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// What has been counted of each running campaign (``observe(_:_:)``).
    let campaignState = Mutex<[String: CampaignTally]>([:])

    /// The outcomes of one send attempt, the values of `breachmail_messages_total{outcome}`.
    public static let messageOutcomes: [SubjectState] = [.submitted, .deferred, .failedPermanent, .renderFailed]
    /// The bounce classes (BreachBounces' `BounceClass` raw values), for `breachmail_bounces_total{class}`.
    public static let bounceClasses = ["hard", "transient", "sender-side"]

    /// What the scheduler does by itself (issue 13 §1), for `breachmail_scheduler_runs_total{duty}`.
    public enum SchedulerDuty: String, Sendable, CaseIterable {
        case retryDeferred = "retry_deferred"
        case pollBounces = "poll_bounces"
        case evaluateReach = "evaluate_reach"
        case remindDeadline = "remind_deadline"
        case notifyTeam = "notify_team"
        case readAcknowledgement = "read_acknowledgement"
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        for outcome in Self.messageOutcomes { _ = messages(outcome.rawValue) }
        for bounceClass in Self.bounceClasses { _ = bounces(bounceClass) }
        for duty in SchedulerDuty.allCases { _ = schedulerRuns(duty) }
    }

    /// One message handed to the transport, with what came of it.
    public func countMessage(_ outcome: SubjectState) { countMessages(outcome, 1) }

    /// `count` messages with the same outcome (a campaign's progress since the last report).
    public func countMessages(_ outcome: SubjectState, _ count: Int) {
        if count > 0 { messages(outcome.rawValue).increment(by: Int64(count)) }
    }

    /// One bounce ingested, by class (`hard`, `transient`, `sender-side`).
    public func countBounce(class bounceClass: String) { bounces(bounceClass).increment() }

    /// One run of a scheduler duty.
    public func countSchedulerRun(_ duty: SchedulerDuty) { schedulerRuns(duty).increment() }

    /// One HTTP request answered. `route` is the route's pattern (`/v1/incidents/{id}`), never the path
    /// as sent: the label set stays bounded and no id or address becomes a label.
    public func countRequest(method: String, route: String, status: Int) {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by method, route pattern and status."),
                             labels: [("method", method), ("route", route), ("status", String(status))]).increment()
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        registry.emitToString()
    }

    private func messages(_ outcome: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "messages", unitName: "total", helpText: "Messages handed to the transport, by outcome."),
                             labels: [("outcome", outcome)])
    }

    private func bounces(_ bounceClass: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "bounces", unitName: "total", helpText: "Bounces ingested, by class."),
                             labels: [("class", bounceClass)])
    }

    private func schedulerRuns(_ duty: SchedulerDuty) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "scheduler_runs", unitName: "total", helpText: "Runs of the scheduler's duties."),
                             labels: [("duty", duty.rawValue)])
    }
}
