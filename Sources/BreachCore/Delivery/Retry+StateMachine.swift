public import Foundation

/// Where one subject stands in its retries. The campaign keeps it (durably) per subject and
/// hands it back with every outcome.
public struct RetryState: Sendable, Hashable, Codable {
    /// When the first attempt was made; the retry window counts from here.
    public var firstAttempt: Date?
    /// Attempts made so far.
    public var attempts: Int

    /// A subject never tried.
    public init(firstAttempt: Date? = nil, attempts: Int = 0) {
        self.firstAttempt = firstAttempt
        self.attempts = attempts
    }
}

/// What to do with one subject after an attempt.
public enum SubjectAction: Sendable, Hashable {
    /// The relay accepted the message: the subject is submitted.
    case submitted(SMTPReply)
    /// Try again at this time.
    case retry(at: Date, SendFailure)
    /// Stop trying: the failure is permanent.
    case failedPermanently(SendFailure)
    /// Stop trying: the retry window has passed with transient failures only.
    case retriesExhausted(SendFailure)
    /// Do not count this attempt against the subject: our set-up failed; keep the subject
    /// waiting until an operator has fixed it.
    case holdForOperator(SendFailure)
}

/// What to do with the whole relay after an attempt.
public enum RelayAction: Sendable, Hashable {
    /// Keep sending.
    case proceed
    /// A wave of relay-level refusals: send nothing to this relay before this time.
    case pause(until: Date)
    /// Our own set-up is broken (TLS verification, login, return path): stop and alert the
    /// operator; retrying will not help.
    case halt(SendFailure)
}

/// The decision for one outcome: one action for the subject, one for the relay.
public struct RetryDecision: Sendable, Hashable {
    public let subject: SubjectAction
    public let relay: RelayAction
}

/// The retry logic as a pure state machine: it takes outcomes and returns actions; the I/O code
/// performs them. It keeps only relay-level state; each subject's ``RetryState`` is the caller's.
///
/// - Transient failures are retried with exponential back-off and jitter, or at the time the
///   server asked for ("try again in 5 minutes"), until ``RetryPolicy/window`` has passed.
/// - Permanent failures are never retried.
/// - 421, 451, 452 and lost connections, several in a row, pause the whole relay.
///
/// ```swift
/// var retries = RetryStateMachine(policy: RetryPolicy(), clock: SystemDeliveryClock())
/// let decision = retries.record(outcome, for: &state)
/// ```
public struct RetryStateMachine: Sendable {
    public let policy: RetryPolicy
    private let clock: any DeliveryClock
    private var random: any RandomNumberGenerator & Sendable
    private var relaySignalsInARow = 0
    private var wavesInARow = 0
    private var pausedUntil: Date?

    /// A machine with a clock and a random source (both replaceable in tests).
    public init(
        policy: RetryPolicy,
        clock: any DeliveryClock,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.policy = policy
        self.clock = clock
        self.random = random
    }

    /// When the relay may be used again, or `nil` when it may be used now.
    public var relayPausedUntil: Date? {
        guard let pausedUntil, pausedUntil > clock.now() else { return nil }
        return pausedUntil
    }

    /// Records the outcome of one attempt for one subject, updates its state and the relay's,
    /// and says what to do next.
    public mutating func record(_ outcome: SendOutcome, for state: inout RetryState) -> RetryDecision {
        let now = clock.now()
        switch outcome {
        case .accepted(let reply):
            state.attempts += 1
            relaySignalsInARow = 0
            wavesInARow = 0
            return RetryDecision(subject: .submitted(reply), relay: .proceed)
        case .localError(let failure):
            // Not the subject's attempt: it keeps its window and its count.
            return RetryDecision(subject: .holdForOperator(failure), relay: .halt(failure))
        case .permanent(let failure):
            state.attempts += 1
            state.firstAttempt = state.firstAttempt ?? now
            relaySignalsInARow = 0
            return RetryDecision(subject: .failedPermanently(failure), relay: .proceed)
        case .transient(let failure):
            state.attempts += 1
            let first = state.firstAttempt ?? now
            state.firstAttempt = first
            let relay = relayAction(after: failure, now: now)
            let deadline = first.addingTimeInterval(policy.window)
            guard now < deadline else {
                return RetryDecision(subject: .retriesExhausted(failure), relay: relay)
            }
            var next = now.addingTimeInterval(delay(after: failure, attempts: state.attempts))
            if case .pause(let until) = relay, until > next { next = until }
            // One last attempt at the end of the window rather than none.
            return RetryDecision(subject: .retry(at: min(next, deadline), failure), relay: relay)
        }
    }

    /// The server's hint if it gave one, else the back-off for this attempt with jitter.
    mutating func delay(after failure: SendFailure, attempts: Int) -> TimeInterval {
        if let hint = failure.reply.flatMap({ Self.serverHint(in: $0.text) }) {
            return min(hint, policy.maximumServerHint)
        }
        let growth = pow(policy.multiplier, Double(max(attempts - 1, 0)))
        let base = min(policy.initialDelay * growth, policy.maximumDelay)
        // A uniform number in [0, 1) from the top 53 bits, the precision of a Double.
        let unit = Double(random.next() >> 11) * 0x1p-53
        return base * (1 - policy.jitter + 2 * policy.jitter * unit)
    }

    private mutating func relayAction(after failure: SendFailure, now: Date) -> RelayAction {
        guard Self.isRelaySignal(failure) else {
            relaySignalsInARow = 0
            return .proceed
        }
        relaySignalsInARow += 1
        guard relaySignalsInARow >= policy.relayWaveThreshold else { return .proceed }
        relaySignalsInARow = 0
        wavesInARow += 1
        let doubled = policy.relayPause * pow(2, Double(wavesInARow - 1))
        var pause = min(doubled, policy.maximumDelay)
        if let hint = failure.reply.flatMap({ Self.serverHint(in: $0.text) }) {
            pause = max(pause, min(hint, policy.maximumServerHint))
        }
        let until = now.addingTimeInterval(pause)
        pausedUntil = max(pausedUntil ?? until, until)
        return .pause(until: pausedUntil ?? until)
    }

    /// 421 (service closing), 451 (local error), 452 (insufficient storage / too many
    /// recipients) and replies lost with the connection speak about the relay, not the subject.
    static func isRelaySignal(_ failure: SendFailure) -> Bool {
        guard let reply = failure.reply, reply.isTransient || reply.isPermanent else { return true }
        return [421, 451, 452].contains(reply.code)
    }

    /// Reads "try again in 5 minutes", "retry in 30 seconds", "try again later (in 2 hours)".
    ///
    /// Returns the delay in seconds, or `nil` when the text names none.
    public static func serverHint(in text: String) -> TimeInterval? {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard let start = words.firstIndex(where: { $0 == "retry" || $0 == "again" }) else { return nil }
        var index = words.index(after: start)
        // Look a few words ahead only: "try again in 5 minutes", not a number further on.
        while index < words.endIndex, index - start <= 4 {
            if let amount = Double(words[index]), words.index(after: index) < words.endIndex {
                return Self.seconds(per: words[words.index(after: index)]).map { amount * $0 }
            }
            index = words.index(after: index)
        }
        return nil
    }

    private static func seconds(per unit: Substring) -> TimeInterval? {
        switch unit {
        case "s", "sec", "secs", "second", "seconds": 1
        case "m", "min", "mins", "minute", "minutes": 60
        case "h", "hr", "hrs", "hour", "hours": 3600
        default: nil
        }
    }
}
