public import Foundation

/// The scheduler's pure decisions: which reminder is due, which reach recommendation is a
/// decision worth recording. Time in, a name out; the I/O code records and performs it.
public enum SchedulerDecision {
    /// The reminder to send the DPO about a deadline `due` at `now`, named as its duty key:
    /// `passed` once the deadline is behind (at the deadline itself it is still in time),
    /// else `before-6h` within 6 hours of it for `hoursBefore` [24, 6], `before-24h` within 24
    /// hours; nil earlier. Only the most urgent stage is named: a scheduler started 5 hours
    /// before the deadline sends the 6-hour reminder, not the 24-hour one as well.
    public static func deadlineReminder(due: Date, now: Date, hoursBefore: [Int]) -> String? {
        if now > due { return "passed" }
        let left = due.timeIntervalSince(now)
        guard let hours = hoursBefore.filter({ left <= TimeInterval($0) * 3600 }).min() else { return nil }
        return "before-\(hours)h"
    }

    /// The name of a recommendation that decides (recorded in the history as `reach.decided`),
    /// nil while nothing is decided yet (nobody imported, the campaign running, the retry window open).
    public static func reachDecision(_ recommendation: EscalationRecommendation) -> String? {
        switch recommendation {
        case .nobodyImported, .campaignUnfinished, .decideAt: nil
        case .fixSendingSetup: "fix_sending_setup"
        case .publicCommunication: "public_communication"
        case .individualNoticesSuffice: "individual_notices_suffice"
        }
    }
}
