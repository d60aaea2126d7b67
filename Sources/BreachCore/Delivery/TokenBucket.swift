/// A token bucket for a rate limit, reserving rather than refusing: each caller learns how long
/// to wait for its turn, so that waiting callers keep their order and the rate holds on average.
///
/// Pure: the caller passes the instant and does the waiting.
public struct TokenBucket<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Tokens added per second.
    public let rate: Double
    /// Most tokens saved up while idle (the burst).
    public let capacity: Double
    private var tokens: Double
    private var last: Instant

    /// A full bucket at `start`.
    ///
    /// - Parameters:
    ///   - rate: messages per second, > 0.
    ///   - burst: how many may go at once after a pause; at least 1.
    public init(rate: Double, burst: Double = 1, start: Instant) {
        precondition(rate > 0, "a token bucket needs a positive rate")
        self.rate = rate
        self.capacity = max(burst, 1)
        self.tokens = self.capacity
        self.last = start
    }

    /// Takes one token at `now` and returns how long the caller must wait before using it
    /// (`.zero` when a token was there).
    public mutating func reserve(at now: Instant) -> Duration {
        if now > last {
            let elapsed = last.duration(to: now)
            tokens = min(capacity, tokens + elapsed.timeInterval * rate)
            last = now
        }
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64((-tokens / rate * 1e9).rounded(.up)))
    }
}

extension Duration {
    /// The duration in seconds, for APIs that take a `TimeInterval` (`Thread.sleep`).
    public var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
