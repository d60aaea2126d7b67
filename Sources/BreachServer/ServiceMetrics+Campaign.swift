public import BreachApp
import BreachCore
import Foundation
import Prometheus
import Synchronization

/// The campaigns' figures as metrics: messages by outcome (counted from each run's progress, so
/// a scrape during a run sees them move), the rate of each running campaign, and how many people
/// wait (queued or deferred) — labelled by incident id, never by anything about a person.
extension ServiceMetrics {
    /// Hears one event of the campaign of `incident`.
    public func observe(_ incident: String, _ event: CampaignRun.Event) {
        switch event {
        case .started(let toSend, _, _):
            campaignState.withLock { $0[incident] = CampaignTally(started: Date()) }
            queueDepth(incident).set(to: Double(toSend))
        case .progress(let figures, _):
            record(incident, figures)
        case .paused: break
        case .finished(let outcome):
            record(incident, outcome.figures)
            rate(incident).set(to: 0)
            let waiting = (outcome.states[SubjectState.queued.rawValue] ?? 0) + (outcome.states[SubjectState.deferred.rawValue] ?? 0)
            queueDepth(incident).set(to: Double(waiting))
            campaignState.withLock { $0[incident] = nil }
        }
    }

    private func record(_ incident: String, _ f: Campaign.Figures) {
        let (delta, perSecond) = campaignState.withLock { states -> (Campaign.Figures, Double) in
            var tally = states[incident] ?? CampaignTally(started: Date())
            var d = Campaign.Figures()
            d.submitted = f.submitted - tally.counted.submitted
            d.deferred = f.deferred - tally.counted.deferred
            d.failedPermanent = f.failedPermanent - tally.counted.failedPermanent
            d.renderFailed = f.renderFailed - tally.counted.renderFailed
            tally.counted = f
            states[incident] = tally
            let elapsed = max(Date().timeIntervalSince(tally.started), 0.001)
            return (d, Double(f.done) / elapsed)
        }
        countMessages(.submitted, delta.submitted)
        countMessages(.deferred, delta.deferred)
        countMessages(.failedPermanent, delta.failedPermanent)
        countMessages(.renderFailed, delta.renderFailed)
        rate(incident).set(to: perSecond)
    }

    private func rate(_ incident: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "campaign_rate", unitName: "messages_per_second",
                                                            helpText: "Messages per second of the running campaign, since its start."),
                           labels: [("incident", incident)])
    }

    func queueDepth(_ incident: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "queue_depth", unitName: "",
                                                            helpText: "People queued or deferred, by incident."),
                           labels: [("incident", incident)])
    }

    func timeLeft(_ incident: String, authority: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "breachmail", metricName: "deadline_seconds_left", unitName: "",
                                                            helpText: "Seconds until the 72-hour deadline of an authority not yet notified (negative: overdue)."),
                           labels: [("incident", incident), ("authority", authority)])
    }
}

/// What has been counted of one running campaign.
struct CampaignTally: Sendable {
    let started: Date
    var counted = Campaign.Figures()
}
