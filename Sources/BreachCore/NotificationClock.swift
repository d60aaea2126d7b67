public import Foundation

/// One notification to an authority, as the 72-hour clock reads it.
public struct NotificationFact: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable { case initial, complementary }
    public enum Outcome: String, Sendable, Equatable {
        /// Handed to the relay (250 after DATA) or to the outbox.
        case sent
        /// Written for a portal, not submitted yet.
        case prepared
        /// A submission (or the authority's acknowledgement) recorded by a person.
        case recorded
        /// Stopped before anything left.
        case refused
    }

    public var authorityID: String
    public var phase: Phase
    public var outcome: Outcome
    public var at: Date
    /// The authority's own reference, empty until it gave one.
    public var reference: String

    public init(authorityID: String, phase: Phase, outcome: Outcome, at: Date, reference: String = "") {
        self.authorityID = authorityID
        self.phase = phase
        self.outcome = outcome
        self.at = at
        self.reference = reference
    }

    /// Whether the authority has it: sent to it, or its submission recorded.
    public var reachedAuthority: Bool { outcome == .sent || outcome == .recorded }
}

/// The decision in force on notifying the authority (Art. 33(1)): what the DPO confirmed or
/// decided, and the history entry that says so.
public struct NotificationDecision: Sendable, Equatable {
    public var notifyAuthority: Bool
    /// The `assessment.recorded` entry holding the decision.
    public var entry: Int64
    public var actor: String
    /// True when the DPO decided against the recommendation.
    public var overridden: Bool

    public init(notifyAuthority: Bool, entry: Int64, actor: String, overridden: Bool) {
        self.notifyAuthority = notifyAuthority
        self.entry = entry
        self.actor = actor
        self.overridden = overridden
    }
}

/// The 72-hour clock of one authority for one incident (Art. 33(1)).
///
/// The clock stops at the initial notification that reached the authority; a complementary
/// notification (Art. 33(4)) has its own state and never reopens it.
public struct AuthorityClock: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// The decision in force says this authority need not be notified.
        case notRequired(NotificationDecision)
        /// Notified at `at`; `lateBy` is nil when in time (at the deadline itself is in time).
        case notified(NotificationFact, lateBy: TimeInterval?)
        /// Not notified yet; time left before the deadline.
        case running(remaining: TimeInterval)
        /// Not notified yet; the deadline passed this long ago.
        case overdue(by: TimeInterval)
    }

    public let authorityID: String
    public let state: State
    /// The form content written for a portal, waiting for `authority record` (the clock runs on).
    public let prepared: NotificationFact?
    /// Complementary notifications that reached the authority, and one prepared but not recorded.
    public let complementary: [NotificationFact]
    /// The last reference the authority gave, empty when none.
    public let reference: String

    /// Whether this authority still has to be notified.
    public var isPending: Bool {
        switch state {
        case .running, .overdue: true
        case .notRequired, .notified: false
        }
    }
}

/// Every authority's clock for one incident, and the incident's clock in one line.
public struct IncidentClock: Sendable, Equatable {
    public let deadline: Deadline
    /// Whether the incident holds reasons for a delay (recital 85).
    public let reasonsRecorded: Bool
    public let decision: NotificationDecision?
    /// One clock per authority, in the order of the configuration, then any other authority
    /// a notification was made to.
    public let authorities: [AuthorityClock]
    public let now: Date

    /// Reads the clocks at `now`.
    ///
    /// - Parameters:
    ///   - authorityIDs: the authorities the controller notifies (the configuration's).
    ///   - facts: every notification of the incident, in the order they were recorded.
    public init(deadline: Deadline, delayReasons: String, decision: NotificationDecision?,
                authorityIDs: [String], facts: [NotificationFact], now: Date) {
        self.deadline = deadline
        self.reasonsRecorded = !delayReasons.allSatisfy(\.isWhitespace)
        self.decision = decision
        self.now = now
        var ids = authorityIDs
        for fact in facts where !ids.contains(fact.authorityID) { ids.append(fact.authorityID) }
        authorities = ids.map { id in
            let own = facts.filter { $0.authorityID == id }
            let reference = own.last { $0.reachedAuthority && !$0.reference.isEmpty }?.reference ?? ""
            let initial = own.first { $0.phase == .initial && $0.reachedAuthority }
            let state: AuthorityClock.State
            if let initial {
                let late = initial.at.timeIntervalSince(deadline.due)
                state = .notified(initial, lateBy: late > 0 ? late : nil)
            } else if let decision, !decision.notifyAuthority {
                state = .notRequired(decision)
            } else {
                switch deadline.state(at: now) {
                case .running(let left): state = .running(remaining: left)
                case .overdue(let by): state = .overdue(by: by)
                }
            }
            // A portal's content waits for its submission to be recorded.
            func waiting(_ phase: NotificationFact.Phase) -> NotificationFact? {
                guard let last = own.last(where: { $0.phase == phase && $0.outcome != .refused }),
                      last.outcome == .prepared else { return nil }
                return last
            }
            var complementary = own.filter { $0.phase == .complementary && $0.reachedAuthority }
            if let pending = waiting(.complementary) { complementary.append(pending) }
            return AuthorityClock(authorityID: id, state: state, prepared: initial == nil ? waiting(.initial) : nil,
                                  complementary: complementary, reference: reference)
        }
    }

    /// The incident's clock in one line, as `incident list` shows it.
    public var summary: Summary {
        guard !authorities.isEmpty else {
            switch deadline.state(at: now) {
            case .running(let left): return .running(remaining: left, authorities: [])
            case .overdue(let by): return .overdue(by: by, authorities: [])
            }
        }
        let pending = authorities.filter(\.isPending).map(\.authorityID)
        if !pending.isEmpty {
            switch deadline.state(at: now) {
            case .running(let left): return .running(remaining: left, authorities: pending)
            case .overdue(let by): return .overdue(by: by, authorities: pending)
            }
        }
        var latest: TimeInterval?
        var notified: [String] = []
        for clock in authorities {
            if case .notified(_, let late) = clock.state {
                notified.append(clock.authorityID)
                if let late { latest = max(latest ?? 0, late) }
            }
        }
        if notified.isEmpty, let decision { return .notRequired(decision) }
        if let latest { return .notifiedLate(by: latest, authorities: notified) }
        return .notifiedInTime(authorities: notified)
    }

    public enum Summary: Sendable, Equatable {
        /// Still to notify (those authorities), time left.
        case running(remaining: TimeInterval, authorities: [String])
        /// Still to notify (those authorities), deadline passed.
        case overdue(by: TimeInterval, authorities: [String])
        /// Every authority notified within 72 hours (or not required).
        case notifiedInTime(authorities: [String])
        /// Every authority notified (or not required), the last one this late.
        case notifiedLate(by: TimeInterval, authorities: [String])
        /// The decision in force: no authority need be notified.
        case notRequired(NotificationDecision)
    }
}
