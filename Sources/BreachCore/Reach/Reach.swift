public import Foundation

/// What a bounce recorded for a subject says about the notice, as far as reach is concerned.
///
/// The bounce reader's classes (hard, transient, sender-side) plus the two kinds of return that
/// are not failures. Kept here, in the core, so that reach is computed without the bounce reader.
public enum BounceOutcome: String, Sendable, Codable, CaseIterable {
    /// Address-level and permanent: the person cannot be reached at this address.
    case hard
    /// Temporary (mailbox full, greylisted…): the notice may still arrive until the window ends.
    case transient
    /// Our sending set-up was refused (block, spam, policy, authentication, rate limit).
    case senderSide = "sender-side"
    /// A delay notice: the remote server is still trying. Noted, not a failure.
    case delay
    /// An out-of-office reply: the notice reached the person.
    case autoReply = "auto-reply"
}

/// One bounce credited to a subject: when it arrived and what it says.
public struct ReachBounce: Sendable, Equatable {
    public var receivedAt: Date
    public var outcome: BounceOutcome

    public init(receivedAt: Date, outcome: BounceOutcome) {
        self.receivedAt = receivedAt
        self.outcome = outcome
    }
}

/// One subject as reach sees it: its campaign state, when its notice was submitted, its bounces.
public struct ReachSubject: Sendable, Equatable {
    public var id: Int64
    /// The raw state (a ``SubjectState`` raw value; an unknown one counts as in progress).
    public var state: String
    /// When the server accepted the notice (the subject's last change in state `submitted`).
    public var submittedAt: Date?
    public var bounces: [ReachBounce]

    public init(id: Int64, state: String, submittedAt: Date?, bounces: [ReachBounce] = []) {
        self.id = id
        self.state = state
        self.submittedAt = submittedAt
        self.bounces = bounces
    }
}

/// Where one person stands: reached, not reached (and why), or not known yet.
public enum ReachCategory: String, Sendable, Codable, CaseIterable {
    /// Not sent yet, being sent, or deferred by the campaign (`queued`, `sending`, `deferred`).
    case inProgress = "in-progress"
    /// Submitted, no failure so far, the window still open.
    case awaitingWindow = "awaiting-window"
    /// Submitted and no failure within the window, or an auto-reply proved it arrived.
    case delivered
    /// Submitted, then a transient bounce (mailbox full…): sent again by the campaign, pending
    /// while the window is open.
    case transientPending = "transient-pending"
    /// Submitted, then a hard bounce: the address does not work.
    case hardBounced = "hard-bounced"
    /// The campaign gave up (`failed_permanent`), or a transient failure outlived the window.
    case retriesExhausted = "retries-exhausted"
    /// No usable address in the import.
    case noAddress = "no-address"
    /// The message could not be composed for this person (our template or data).
    case renderFailed = "render-failed"
    /// Refused because of our sending set-up: never counted against the person.
    case senderSide = "sender-side"

    /// Whether this person counts as unreachable one by one, toward a public communication
    /// (Art. 34(3)(c)): no address, hard bounce, retries exhausted.
    ///
    /// `render-failed` does not count: we hold a working address and the fault is our template,
    /// which we can fix and send again. `sender-side` does not count either (DESIGN §4). A public
    /// notice for people we could still write to is what the CNIL sanctioned.
    public var isUnreachable: Bool {
        switch self {
        case .noAddress, .hardBounced, .retriesExhausted: true
        default: false
        }
    }

    /// The category of one subject at `now`, given the retry window after submission.
    ///
    /// A hard bounce wins over everything that came after submission; an auto-reply proves
    /// delivery; a transient or sender-side failure counts only when received after the
    /// (latest) submission, because the campaign re-submits after those; after the window,
    /// a transient failure with nothing better means the person was not reached.
    public static func of(_ s: ReachSubject, now: Date, window: TimeInterval) -> ReachCategory {
        switch SubjectState(rawValue: s.state) {
        case .noAddress: return .noAddress
        case .renderFailed: return .renderFailed
        case .failedPermanent: return .retriesExhausted
        case .deferred:
            // Deferred after a transient bounce: the notice was sent and did not arrive; the
            // campaign sends it again. Deferred after an SMTP 4xx: not sent yet.
            return s.bounces.contains { $0.outcome == .transient } ? .transientPending : .inProgress
        case .queued, .sending, nil: return .inProgress
        case .submitted: break
        }
        if s.bounces.contains(where: { $0.outcome == .hard }) { return .hardBounced }
        if s.bounces.contains(where: { $0.outcome == .autoReply }) { return .delivered }
        let submitted = s.submittedAt ?? .distantPast
        let windowOpen = now < submitted.addingTimeInterval(window)
        let last = s.bounces.filter { $0.receivedAt >= submitted && ($0.outcome == .transient || $0.outcome == .senderSide) }
            .max { $0.receivedAt < $1.receivedAt }
        switch last?.outcome {
        case .senderSide: return .senderSide
        case .transient: return windowOpen ? .transientPending : .retriesExhausted
        default: return windowOpen ? .awaitingWindow : .delivered
        }
    }
}

/// Per incident: how many people are in each ``ReachCategory``, and when the retry window of
/// the last submitted notice ends.
public struct Reach: Sendable, Equatable {
    public internal(set) var counts: [ReachCategory: Int] = [:]
    /// Subjects whose notice the server accepted (whatever happened next).
    public internal(set) var submitted = 0
    /// Delay notices received for submitted subjects (noted, not failures).
    public internal(set) var delayNotices = 0
    /// The end of the retry window of the latest submission; nil when nothing was submitted.
    public internal(set) var windowEnds: Date?

    public init() {}

    /// Reach of `subjects` at `now`.
    public init(_ subjects: some Sequence<ReachSubject>, now: Date, window: TimeInterval) {
        for s in subjects { add(s, now: now, window: window) }
    }

    /// Adds one subject (for callers that read the register a page at a time).
    @discardableResult
    public mutating func add(_ s: ReachSubject, now: Date, window: TimeInterval) -> ReachCategory {
        let category = ReachCategory.of(s, now: now, window: window)
        counts[category, default: 0] += 1
        if s.state == SubjectState.submitted.rawValue || category == .transientPending {
            submitted += 1
            delayNotices += s.bounces.filter { $0.outcome == .delay }.count
            if let at = s.submittedAt {
                let end = at.addingTimeInterval(window)
                windowEnds = max(windowEnds ?? end, end)
            }
        }
        return category
    }

    public subscript(_ category: ReachCategory) -> Int { counts[category] ?? 0 }

    /// Every subject of the incident.
    public var total: Int { counts.values.reduce(0, +) }
    /// No address + hard bounces + retries exhausted.
    public var unreachable: Int { ReachCategory.allCases.filter(\.isUnreachable).reduce(0) { $0 + self[$1] } }
}
