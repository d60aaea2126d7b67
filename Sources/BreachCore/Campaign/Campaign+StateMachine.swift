public import Foundation

/// One subject as the campaign sees it: its durable state and what its retries have used.
/// No address, no name: the machine decides from states and times only.
public struct CampaignSubject: Sendable, Hashable {
    public let id: Int64
    public let state: SubjectState
    /// Attempts so far and the first attempt's time (the retry window counts from there).
    public let retry: RetryState
    /// When a deferred subject may be tried again.
    public let nextAttemptAt: Date?

    public init(id: Int64, state: SubjectState, retry: RetryState = RetryState(), nextAttemptAt: Date? = nil) {
        self.id = id
        self.state = state
        self.retry = retry
        self.nextAttemptAt = nextAttemptAt
    }
}

/// A durable change of one subject's state, applied only while the subject is still in one of
/// `from` (so that a change decided on stale data is never applied).
public struct CampaignTransition: Sendable, Hashable {
    public let subject: Int64
    public let from: Set<SubjectState>
    public let to: SubjectState
    /// Short and groupable (`550 5.1.1 at rcpt-to`, a composition error); never an address.
    public let reason: String?
    /// Whether an SMTP transaction (or outbox write) was tried.
    public let countsAsAttempt: Bool
    public let nextAttemptAt: Date?
    /// Set on the first attempt; kept afterwards.
    public let firstAttemptAt: Date?
    /// The server's whole reply, for the record of who was told.
    public let reply: String?

    public init(subject: Int64, from: Set<SubjectState>, to: SubjectState, reason: String? = nil, countsAsAttempt: Bool = false,
                nextAttemptAt: Date? = nil, firstAttemptAt: Date? = nil, reply: String? = nil) {
        self.subject = subject
        self.from = from
        self.to = to
        self.reason = reason
        self.countsAsAttempt = countsAsAttempt
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.reply = reply
    }
}

/// What to do with a subject read from the register.
public enum CampaignStep: Sendable, Hashable {
    /// Compose its message; then ``CampaignStateMachine/claim(_:)`` before the transaction.
    case send
    /// A deferred subject whose next attempt is later: leave it for a later run.
    case notYet(Date)
    /// Nothing to do (terminal, or in a state this run does not handle).
    case skip
}

/// What the run as a whole must do after an outcome.
public enum CampaignRelayAction: Sendable, Hashable {
    case proceed
    /// Send nothing before this time (a wave of relay-level refusals).
    case pause(until: Date)
    /// Our set-up is broken: take no new subject, finish those in flight, tell the operator.
    case halt(SendFailure)
}

/// The campaign's decisions as a pure state machine: the driver reads subjects, asks what to do,
/// performs the transport call and writes the returned transitions. Time comes from the injected
/// clock; retries and back-off from ``RetryStateMachine``.
///
/// The durable protocol (DESIGN §4): `sending` is written before the transaction and the outcome
/// after it. A subject found in `sending` when a run starts was in flight when a run died: it
/// goes back to `queued` and is sent again. A duplicate is better than a notice never sent, and
/// duplicates are bounded by the messages in flight.
///
/// ```swift
/// var machine = CampaignStateMachine(policy: RetryPolicy(), clock: SystemDeliveryClock())
/// if case .send = machine.step(for: subject) { write(machine.claim(subject)); … }
/// let (transition, relay) = machine.record(outcome, for: subject)
/// ```
public struct CampaignStateMachine: Sendable {
    private var retries: RetryStateMachine
    private let clock: any DeliveryClock

    public init(policy: RetryPolicy, clock: any DeliveryClock,
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.retries = RetryStateMachine(policy: policy, clock: clock, random: random)
        self.clock = clock
    }

    /// Reason written on a subject put back to `queued` after a run died while sending it.
    public static let interruptedReason = "interrupted while sending: sent again"

    /// When the relay may be used again, or nil.
    public var relayPausedUntil: Date? { retries.relayPausedUntil }

    /// At the start of a run: a subject left in `sending` goes back to `queued`; nil for others.
    public func recover(_ subject: CampaignSubject) -> CampaignTransition? {
        guard subject.state == .sending else { return nil }
        return CampaignTransition(subject: subject.id, from: Self.fromSending, to: .queued, reason: Self.interruptedReason)
    }

    /// Whether this run sends to `subject` now.
    public func step(for subject: CampaignSubject) -> CampaignStep {
        switch subject.state {
        case .queued: return .send
        case .deferred:
            if let next = subject.nextAttemptAt, next > clock.now() { return .notYet(next) }
            return .send
        case .sending, .submitted, .failedPermanent, .renderFailed, .noAddress: return .skip
        }
    }

    /// The states transitions start from, made once: a set literal is built anew at each use,
    /// and a campaign makes two transitions a person.
    private static let fromSending: Set<SubjectState> = [.sending]
    private static let fromClaimable: Set<SubjectState> = [.queued, .deferred]
    private static let fromComposable: Set<SubjectState> = [.queued, .deferred, .sending]

    /// Written (durably) just before the transaction.
    public func claim(_ subject: CampaignSubject) -> CampaignTransition {
        CampaignTransition(subject: subject.id, from: Self.fromClaimable, to: .sending)
    }

    /// The subject's message cannot be composed: its own terminal failure, with the reason.
    public func renderFailed(_ subject: CampaignSubject, reason: String) -> CampaignTransition {
        CampaignTransition(subject: subject.id, from: Self.fromComposable, to: .renderFailed, reason: reason)
    }

    /// The outcome of the transaction for a subject claimed in `sending`.
    public mutating func record(_ outcome: SendOutcome, for subject: CampaignSubject) -> (CampaignTransition, CampaignRelayAction) {
        var state = subject.retry
        let first = state.firstAttempt
        let decision = retries.record(outcome, for: &state)
        let firstAttemptAt = first == nil ? (state.firstAttempt ?? clock.now()) : nil
        let relay: CampaignRelayAction
        switch decision.relay {
        case .proceed: relay = .proceed
        case .pause(let until): relay = .pause(until: until)
        case .halt(let failure): relay = .halt(failure)
        }
        let t: CampaignTransition
        switch decision.subject {
        case .submitted(let reply):
            t = CampaignTransition(subject: subject.id, from: Self.fromSending, to: .submitted, countsAsAttempt: true,
                                   firstAttemptAt: firstAttemptAt, reply: reply.description)
        case .retry(let at, let failure):
            t = CampaignTransition(subject: subject.id, from: Self.fromSending, to: .deferred, reason: Self.reason(failure),
                                   countsAsAttempt: true, nextAttemptAt: at, firstAttemptAt: firstAttemptAt,
                                   reply: failure.reply?.description)
        case .failedPermanently(let failure):
            t = CampaignTransition(subject: subject.id, from: Self.fromSending, to: .failedPermanent, reason: Self.reason(failure),
                                   countsAsAttempt: true, firstAttemptAt: firstAttemptAt, reply: failure.reply?.description)
        case .retriesExhausted(let failure):
            t = CampaignTransition(subject: subject.id, from: Self.fromSending, to: .failedPermanent,
                                   reason: "retry window exhausted: \(Self.reason(failure))", countsAsAttempt: true,
                                   firstAttemptAt: firstAttemptAt, reply: failure.reply?.description)
        case .holdForOperator:
            // Not the subject's attempt: it waits, queued, until the operator fixes the set-up.
            t = CampaignTransition(subject: subject.id, from: Self.fromSending, to: .queued, reason: "held: the sending set-up failed")
        }
        return (t, relay)
    }

    /// A reason that groups: the reply's codes and the step, or the library's words; the
    /// server's text (which may echo the address) goes to the reply, not here.
    static func reason(_ failure: SendFailure) -> String {
        let at = failure.step.map { " at \($0.rawValue)" } ?? ""
        guard let reply = failure.reply else { return "\(failure.reason)\(at)" }
        return [String(reply.code), reply.enhancedCode?.description].compactMap { $0 }.joined(separator: " ") + at
    }
}
