public import Foundation

/// How long a run waits for a relay that refuses everything (421, 451, 452, lost connections
/// in waves), on a monotonic clock that the caller reads: a pause ends when its time has passed
/// even if the wall clock is fixed (`BREACHMAIL_NOW`) or jumps, every pause is bounded, and a
/// relay unusable for longer than ``giveUpAfter`` ends the run instead of holding it forever.
///
/// Times are seconds on the caller's monotonic clock (any origin).
///
/// ```swift
/// var outage = RelayOutage()
/// switch outage.pause(for: 300, at: monotonicSeconds()) {
/// case .wait(let resumeAt): sleepUntil(resumeAt)
/// case .giveUp(let unusableFor): stop(after: unusableFor)
/// }
/// ```
public struct RelayOutage: Sendable, Hashable {
    /// Longest single pause, whatever the policy or the server asked. Default 1 hour.
    public let maximumPause: TimeInterval
    /// How long the relay may stay unusable (from the first pause, with no message accepted
    /// since) before the run gives up. Default 2 hours.
    public let giveUpAfter: TimeInterval
    private var since: TimeInterval?
    /// When sending may resume, or nil when it is not paused.
    public private(set) var resumeAt: TimeInterval?

    public init(maximumPause: TimeInterval = 3600, giveUpAfter: TimeInterval = 2 * 3600) {
        self.maximumPause = maximumPause
        self.giveUpAfter = giveUpAfter
    }

    /// What the run does after a wave.
    public enum Decision: Sendable, Hashable {
        /// Send nothing before this time (monotonic seconds).
        case wait(resumeAt: TimeInterval)
        /// The relay has been unusable too long: stop the run.
        case giveUp(unusableFor: TimeInterval)
    }

    /// The relay asked (through a wave of refusals) for a pause of `seconds`, at `now`.
    public mutating func pause(for seconds: TimeInterval, at now: TimeInterval) -> Decision {
        let start = since ?? now
        since = start
        let pause = min(max(seconds, 0), maximumPause)
        if now + pause - start > giveUpAfter { return .giveUp(unusableFor: now - start) }
        let end = max(resumeAt ?? now, now + pause)
        resumeAt = end
        return .wait(resumeAt: end)
    }

    /// The relay answered a message (accepted or refused it for good): it is usable again.
    public mutating func answered() {
        since = nil
    }

    /// Seconds left before sending may resume at `now`, or nil when it may resume now.
    public func remaining(at now: TimeInterval) -> TimeInterval? {
        guard let resumeAt, resumeAt > now else { return nil }
        return resumeAt - now
    }
}
