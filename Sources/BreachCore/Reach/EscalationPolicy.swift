public import Foundation

/// When a public communication (GDPR Art. 34(3)(c)) is recommended instead of, or beside, the
/// individual notices. Pure: thresholds in, figures and `now` in, a recommendation out.
///
/// The rule, in this order:
/// 1. Sender-side failures above `senderSideShare` of the submitted notices: our sending set-up
///    is broken. Fix it and send again first; no public notice on that basis, and none decided
///    while the figures are distorted by it.
/// 2. People still queued, sending or deferred: the campaign has not finished; nothing decided.
/// 3. Before the retry window of the last submitted notice ends: decided at that time.
/// 4. Unreachable people (no address + hard bounces + retries exhausted) more than
///    `unreachableShare` of all the people concerned, or more than `unreachableCount`:
///    recommend a public communication, for those people only.
/// 5. Otherwise the individual notices suffice.
///
/// "More than" is strict: 5 of 100 at 0.05 is not more than 5 %, 6 is; 100 at a count of 100
/// is not more than 100, 101 is.
public struct EscalationPolicy: Sendable, Equatable {
    public var window: TimeInterval
    public var unreachableShare: Double
    public var unreachableCount: Int
    public var senderSideShare: Double

    public init(windowHours: Int, unreachableShare: Double, unreachableCount: Int, senderSideShare: Double) {
        window = TimeInterval(windowHours) * 3600
        self.unreachableShare = unreachableShare
        self.unreachableCount = unreachableCount
        self.senderSideShare = senderSideShare
    }

    /// What to do about `reach` at `now`.
    public func recommend(_ reach: Reach, now: Date) -> EscalationRecommendation {
        let total = reach.total
        if total == 0 { return .nobodyImported }
        let senderSide = reach[.senderSide]
        if senderSide > 0, reach.submitted > 0, Double(senderSide) / Double(reach.submitted) > senderSideShare {
            return .fixSendingSetup(senderSide: senderSide, submitted: reach.submitted)
        }
        if reach[.inProgress] > 0 { return .campaignUnfinished(inProgress: reach[.inProgress]) }
        if let end = reach.windowEnds, now < end { return .decideAt(end) }
        let unreachable = reach.unreachable
        let overShare = Double(unreachable) / Double(total) > unreachableShare
        let overCount = unreachable > unreachableCount
        if overShare || overCount {
            return .publicCommunication(unreachable: unreachable, total: total, overShare: overShare, overCount: overCount)
        }
        return .individualNoticesSuffice(unreachable: unreachable, total: total)
    }
}

/// The outcome of ``EscalationPolicy/recommend(_:now:)``.
public enum EscalationRecommendation: Sendable, Equatable {
    /// No subjects imported: nothing to decide.
    case nobodyImported
    /// Sender-side failures passed their share: fix the sending set-up, then send again.
    case fixSendingSetup(senderSide: Int, submitted: Int)
    /// Some people are still queued, sending or deferred.
    case campaignUnfinished(inProgress: Int)
    /// The retry window is open until this time; decided then.
    case decideAt(Date)
    /// A public communication under Art. 34(3)(c), for the `unreachable` people only.
    case publicCommunication(unreachable: Int, total: Int, overShare: Bool, overCount: Bool)
    /// Unreachable people within the thresholds: the individual notices suffice.
    case individualNoticesSuffice(unreachable: Int, total: Int)

    /// Whether `public-notice` may write a draft without `--force`.
    public var recommendsPublicCommunication: Bool {
        if case .publicCommunication = self { return true }
        return false
    }
}
