public import Foundation

/// The numbers behind retries; the defaults follow RFC 5321 §4.5.4.1 (keep trying 4-5 days)
/// and what mature senders do (Postal, Mailman).
public struct RetryPolicy: Sendable, Equatable {
    /// Delay before the first retry. Default 10 minutes.
    public var initialDelay: TimeInterval = 10 * 60
    /// Growth of the delay per failed attempt. Default 2.
    public var multiplier: Double = 2
    /// Longest delay between two attempts of one subject. Default 4 hours.
    public var maximumDelay: TimeInterval = 4 * 3600
    /// Each back-off is multiplied by a random factor in `1 ± jitter`, so that a wave of failures
    /// does not come back as a wave. Default 0.2.
    public var jitter: Double = 0.2
    /// How long after its first attempt a subject's retries are exhausted. Default 5 days.
    public var window: TimeInterval = 5 * 86400
    /// Longest "try again in N" from a server that is obeyed as such. Default 6 hours.
    public var maximumServerHint: TimeInterval = 6 * 3600
    /// How many relay-level signals (421, 451, 452, lost or refused connections) in a row,
    /// without an accepted message in between, make a wave. Default 3.
    public var relayWaveThreshold: Int = 3
    /// First pause of the whole relay after a wave; doubles with each wave in a row, up to
    /// `maximumDelay`. Default 5 minutes.
    public var relayPause: TimeInterval = 5 * 60

    /// The defaults.
    public init() {}
}
