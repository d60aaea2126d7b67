public import BreachCore
public import Foundation

// The register behind storage protocols: what the use cases, the service and the command line
// ask of a register, with no SQL, no file path and no database type in it, so that a second
// back-end (PostgreSQL) plugs in without touching them. ``Register`` (GRDB/SQLite, the embedded
// default) is the first implementation (`Register+Store.swift`).
//
// The methods are synchronous, as the use cases call the register today; a store on an
// asynchronous driver bridges on threads of its own, never on the cooperative pool. Every
// method throws ``RegisterError``, whose codes are the same whatever the store.

/// Incidents and their versions (Art. 33(5)): each change is a new version, recorded in the
/// history in the same transaction.
public protocol IncidentStore: Sendable {
    /// Records a new incident; its id is `BR-YEAR-NNNN`, numbered within the year of opening.
    func openIncident(_ incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord
    /// Records a new version of an incident; earlier versions stay in the history.
    /// - Throws: ``RegisterError`` `notFound` for an unknown incident.
    func updateIncident(_ id: String, to incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord
    /// Every incident, oldest first.
    func incidents() throws(RegisterError) -> [IncidentRecord]
    /// The current version of an incident.
    /// - Throws: ``RegisterError`` `notFound` for an unknown incident.
    func incident(_ id: String) throws(RegisterError) -> IncidentRecord
    /// One version of an incident, from the history.
    /// - Throws: ``RegisterError`` `noVersion` when the incident never had it.
    func incident(_ id: String, version: Int) throws(RegisterError) -> IncidentRecord
}

/// The append-only, hash-chained history and what is read from it alone.
///
/// Appends are serialised across every process that writes the register: each entry's
/// `previousHash` is the entry before it, whoever wrote that one.
public protocol HistoryStore: Sendable {
    /// Appends an entry about an incident (a decision, a notice…), its payload as sorted JSON.
    func append<Payload: Encodable>(kind: String, incidentID: String?, payload: Payload, actor: String,
                                    at now: Date) throws(RegisterError) -> HistoryEntry
    /// The history, oldest first; of one incident when `incidentID` is given.
    func history(incidentID: String?) throws(RegisterError) -> [HistoryEntry]
    /// Checks the whole chain, and that every row the chain covers (incidents, notifications,
    /// people) is as its last entry recorded it.
    func verify() throws(RegisterError) -> ChainVerification
    /// Whether the incident has at least one entry of `kind`.
    func hasEntry(kind: String, incidentID: String) throws(RegisterError) -> Bool
    /// The history entries of one kind about an incident, oldest first.
    func entries(kind: String, incidentID: String) throws(RegisterError) -> [HistoryEntry]
    /// Entries dated before the entry preceding them.
    func timeRegressions() throws(RegisterError) -> [TimeRegression]
    /// Whether this register takes the injected clock (`BREACHMAIL_NOW`): a test or demo register.
    func takesInjectedClock() throws(RegisterError) -> Bool
    /// Makes an empty register take the injected clock, for good.
    func takeInjectedClock() throws(RegisterError)
}

extension HistoryStore {
    /// The whole history, oldest first.
    public func history() throws(RegisterError) -> [HistoryEntry] { try history(incidentID: nil) }
}

/// Inserts the people of one import, inside ``SubjectStore/importSubjects(incidentID:actor:at:_:)``.
public protocol SubjectInserting {
    /// Records `subject` unless the incident already has it (same address, or same row without one).
    /// - Throws: a storage error, which rolls the whole import back.
    func insert(_ subject: NewSubject) throws -> SubjectInsertion
    /// Records `subjects` in order, as many calls of ``insert(_:)`` would (a later one of two with
    /// the same address is the duplicate); what became of each, in order.
    func insert(_ subjects: [NewSubject]) throws -> [SubjectInsertion]
}

extension SubjectInserting {
    public func insert(_ subjects: [NewSubject]) throws -> [SubjectInsertion] {
        try subjects.map { try insert($0) }
    }
}

/// The data subjects of the incidents (Art. 34): import, pages, counts, reach aggregates,
/// state changes, and the atomic claim of the people to send to.
public protocol SubjectStore: Sendable {
    /// What inserts the rows of one import (valid only inside ``importSubjects(incidentID:actor:at:_:)``).
    associatedtype Inserter: SubjectInserting

    /// Imports people into `incidentID` in one transaction: either every row `body` inserts and
    /// the `subjects.imported` history entry (with the payload `body` returns) are recorded, or
    /// nothing is. An error thrown by `body` is rethrown unchanged after the rollback.
    /// - Throws: ``RegisterError`` when the incident does not exist or the store fails; whatever `body` throws.
    func importSubjects<Payload: Encodable>(incidentID: String, actor: String, at now: Date,
                                            _ body: (Inserter) throws -> Payload) throws -> HistoryEntry
    /// People of an incident in id order, a page at a time: pass the last id seen as `after`.
    func subjects(incidentID: String, states: Set<SubjectState>?, after: Int64, limit: Int) throws(RegisterError) -> [Subject]
    /// One person of an incident, by subject id; nil when the incident has no such person.
    func subject(incidentID: String, id: Int64) throws(RegisterError) -> Subject?
    /// One person of an incident, by address as the import stored it; nil when none.
    func subject(incidentID: String, email: String) throws(RegisterError) -> Subject?
    /// How many people of an incident are in each state (states with none are absent).
    func subjectCounts(incidentID: String) throws(RegisterError) -> [String: Int]
    /// How many people in `states` are written to in each language, and the first CSV line of each.
    func subjectLanguages(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [String: (count: Int, firstLine: Int)]
    /// How many people are in each (state, reason) among `states`, most first.
    func subjectReasons(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [(state: String, reason: String, count: Int)]
    /// People the campaign would send to now: queued, left in `sending`, deferred and due.
    func sendableSubjects(incidentID: String, at now: Date) throws(RegisterError) -> (queued: Int, sending: Int, dueDeferred: Int)
    /// When the first notice the relay accepted was sent (nil before any).
    func firstSubmission(incidentID: String) throws(RegisterError) -> Date?
    /// The reach of an incident at `now`, every figure of the same moment.
    func reach(incidentID: String, now: Date, window: TimeInterval) throws(RegisterError) -> Reach
    /// Every person who may be unreachable, in id order, with the bounces credited to them.
    /// - Throws: ``RegisterError`` when the store cannot be read; whatever `body` throws.
    func forEachPossiblyUnreachable(incidentID: String, _ body: (Subject, ReachSubject, [CreditedBounce]) throws -> Void) throws
    /// Applies state changes in one transaction and returns how many people changed; a change
    /// with `from` applies only when the person is still in one of those states.
    @discardableResult
    func updateSubjects(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> Int
    /// Claims up to `limit` people of the incident who are due — queued, or deferred whose next
    /// attempt is at or before `now` — moving them to `sending` in one transaction, and returns
    /// them as claimed (state `sending`), in id order. Atomic across processes: two callers never
    /// claim the same person, and a person held by another caller's claim is skipped, not waited for.
    func claimSubjects(incidentID: String, due now: Date, limit: Int) throws(RegisterError) -> [Subject]
    /// Opens the ledger a campaign run records its outcomes in (see ``SubjectOutcomeLedger``),
    /// after applying whatever a dead run left in its own.
    func openOutcomeLedger() throws(RegisterError) -> any SubjectOutcomeLedger
    /// Whether several processes may run a campaign of the same incident at once, each taking
    /// its people by ``claimSubjects(incidentID:due:limit:)`` under a lease (PostgreSQL); false
    /// when one run per incident holds a lock and reads the people in pages (SQLite).
    var sharedByWorkers: Bool { get }
    /// On a store shared by workers: reserves `count` turns to send to `relay`, `interval`
    /// seconds apart, after every turn any worker reserved before (the relay's rate limit, shared);
    /// in how many seconds the first turn is. Nil on a store of one process (its own limit holds).
    func reserveSendTurns(relay: String, count: Int, interval: TimeInterval) throws(RegisterError) -> TimeInterval?
    /// Removes the rows of an import of `incidentID` that never finished (a killed `subjects import`),
    /// before a campaign reads the incident's people; the number of rows removed.
    @discardableResult
    func removeUnfinishedImports(incidentID: String) throws(RegisterError) -> Int
}

extension SubjectStore {
    public var sharedByWorkers: Bool { false }

    public func reserveSendTurns(relay: String, count: Int, interval: TimeInterval) throws(RegisterError) -> TimeInterval? { nil }

    /// People of an incident in id order, a page at a time (at most 1,000 by default).
    public func subjects(incidentID: String, states: Set<SubjectState>? = nil, after: Int64 = 0) throws(RegisterError) -> [Subject] {
        try subjects(incidentID: incidentID, states: states, after: after, limit: 1000)
    }

    /// The first `limit` people of an incident in `states`, in id order.
    public func subjects(incidentID: String, states: Set<SubjectState>?, limit: Int) throws(RegisterError) -> [Subject] {
        try subjects(incidentID: incidentID, states: states, after: 0, limit: limit)
    }

    /// People of an incident in id order, whatever their state, a page of `limit` at a time.
    public func subjects(incidentID: String, after: Int64, limit: Int) throws(RegisterError) -> [Subject] {
        try subjects(incidentID: incidentID, states: nil, after: after, limit: limit)
    }
}

/// Where a campaign run records each person's changes (`sending` before a message goes, the
/// outcome after) as fast as a message goes, and from which the people are brought up to date.
///
/// Once ``append(_:at:)`` returns, the changes survive the process being killed; after
/// ``fold()`` every reader of the store sees them; ``close()`` ends the run (everything applied).
/// A store may apply each append directly (``DirectOutcomeLedger``), or keep a journal of its
/// own and apply it in bulk (``Register``'s subject journal file).
public protocol SubjectOutcomeLedger: AnyObject, Sendable {
    /// Records `updates`, in order, as one write.
    func append(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError)
    /// Makes what was appended durable on the disk (called about once a second).
    func sync() throws(RegisterError)
    /// Applies what was appended to the people, each change once, in order.
    func fold() throws(RegisterError)
    /// Syncs, folds and ends the ledger: the run is over. Not called when the run failed: what
    /// the ledger holds is then applied when the store next opens a ledger or is opened.
    func close() throws(RegisterError)
    /// Starts recording `updates` as ``append(_:at:)`` does, and may return before they are
    /// recorded: ``awaitRecorded(_:)`` waits until they are (what was submitted before is
    /// recorded first). A ledger without a writer of its own records them before returning.
    func submit(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> LedgerReceipt
    /// Waits until what `receipt` was given for is recorded (its error when it could not be).
    func awaitRecorded(_ receipt: LedgerReceipt) throws(RegisterError)
}

/// What ``SubjectOutcomeLedger/submit(_:at:)`` was given for: its place in the ledger's order.
public struct LedgerReceipt: Sendable {
    public let ticket: UInt64
    public init(ticket: UInt64) { self.ticket = ticket }
}

extension SubjectOutcomeLedger {
    public func submit(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> LedgerReceipt {
        try append(updates, at: now)
        return LedgerReceipt(ticket: 0)
    }

    public func awaitRecorded(_ receipt: LedgerReceipt) throws(RegisterError) {}
}

/// A ledger that applies each append to the people at once (``SubjectStore/updateSubjects(_:at:)``):
/// for a store without files, whose every transaction is durable when it commits.
public final class DirectOutcomeLedger: SubjectOutcomeLedger {
    private let store: any SubjectStore

    public init(store: any SubjectStore) { self.store = store }

    public func append(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) {
        guard !updates.isEmpty else { return }
        _ = try store.updateSubjects(updates, at: now)
    }

    public func sync() throws(RegisterError) {}
    public func fold() throws(RegisterError) {}
    public func close() throws(RegisterError) {}
}

/// Bounces received at the bounce address, credited to people or kept for review.
public protocol BounceStore: Sendable {
    /// Records bounces and one `bounces.ingested` history entry with the counts, in one transaction.
    func recordBounces(_ bounces: [NewBounce], actor: String, at now: Date) throws(RegisterError) -> [BounceRecording]
    /// The bounces credited to people of an incident, by subject id, oldest first.
    func creditedBounces(incidentID: String) throws(RegisterError) -> [Int64: [CreditedBounce]]
    /// The bounces credited to one person, oldest first.
    func creditedBounces(incidentID: String, subjectID: Int64) throws(RegisterError) -> [CreditedBounce]
    /// Bounces credited to no one: forged tokens and unknown keys, all incidents.
    func uncreditedBounceCounts() throws(RegisterError) -> (forged: Int, unknown: Int)
    /// The bounces under review, oldest first: only those waiting unless `decided`; of one incident when given.
    func bouncesUnderReview(incidentID: String?, decided: Bool) throws(RegisterError) -> [BounceUnderReview]
    /// One bounce that is or was under review; nil when there is none with that id.
    func bounceUnderReview(_ id: Int64) throws(RegisterError) -> BounceUnderReview?
    /// How many bounces of an incident wait for review.
    func bouncesAwaitingReview(incidentID: String) throws(RegisterError) -> Int
    /// The DPO's decision on a bounce under review, with its history entry in the same transaction.
    func decideBounce(_ id: Int64, _ decision: BounceReviewDecision, actor: String, at now: Date) throws(RegisterError) -> BounceDecisionResult
}

extension BounceStore {
    /// The bounces waiting for review, oldest first; of one incident when given.
    public func bouncesUnderReview(incidentID: String? = nil) throws(RegisterError) -> [BounceUnderReview] {
        try bouncesUnderReview(incidentID: incidentID, decided: false)
    }
}

/// What was told to whom: notifications to the authorities, a processor's notices to its
/// controllers, and the assessments read from the history.
public protocol NotificationStore: Sendable {
    /// Stores `notification` and its history entry in one transaction.
    @discardableResult
    func recordNotification(_ notification: NotificationRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry
    /// The notifications of an incident, oldest first; to one authority when `authorityID` is given.
    func notifications(incidentID: String, authorityID: String?) throws(RegisterError) -> [NotificationRecord]
    /// The initial notification that reached `authorityID`, if any.
    func initialNotification(incidentID: String, authorityID: String) throws(RegisterError) -> NotificationRecord?
    /// The incident as the last notification that reached `authorityID` described it, and when.
    func incidentAsLastNotified(incidentID: String, authorityID: String) throws(RegisterError) -> (incident: IncidentRecord, date: Date)?
    /// The last reference `authorityID` gave for this incident, empty when none is recorded.
    func authorityReference(incidentID: String, authorityID: String) throws(RegisterError) -> String
    /// Stores a processor's notice to its controller and its history entry in one transaction.
    @discardableResult
    func recordControllerNotice(_ notice: ControllerNoticeRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry
    /// The processor's notices of an incident, oldest first; to one controller when given.
    func controllerNotices(incidentID: String, controllerID: String?) throws(RegisterError) -> [ControllerNoticeRecord]
    /// The assessments recorded for an incident, oldest first, and how many could not be read.
    func assessments(incidentID: String) throws(RegisterError) -> (assessments: [RecordedAssessment], unreadable: Int)
    /// The decision in force: the last assessment the DPO confirmed or overrode.
    func decisionInForce(incidentID: String) throws(RegisterError) -> RecordedAssessment?
    /// What `status` shows of the assessment, and how many entries could not be read.
    func assessmentToShow(incidentID: String) throws(RegisterError) -> (shown: RecordedAssessment?, unreadable: Int)
}

extension NotificationStore {
    /// The notifications of an incident, to every authority, oldest first.
    public func notifications(incidentID: String) throws(RegisterError) -> [NotificationRecord] {
        try notifications(incidentID: incidentID, authorityID: nil)
    }

    /// The processor's notices of an incident, to every controller, oldest first.
    public func controllerNotices(incidentID: String) throws(RegisterError) -> [ControllerNoticeRecord] {
        try controllerNotices(incidentID: incidentID, controllerID: nil)
    }
}

/// The service's own state: API tokens (hashed), the one-instance lease, and what the scheduler did.
public protocol ServiceStateStore: Sendable {
    @discardableResult
    func createToken(name: String, role: String, secretSHA256: String, actor: String, at now: Date) throws(RegisterError) -> TokenRecord
    func revokeToken(name: String, actor: String, at now: Date) throws(RegisterError)
    func tokens() throws(RegisterError) -> [TokenRecord]
    func touchToken(name: String, at now: Date) throws(RegisterError)

    func acquireServiceLease(holder: String, host: String, pid: Int32, at now: Date,
                             duration: TimeInterval) throws(RegisterError) -> LeaseAcquisition
    func renewServiceLease(holder: String, at now: Date, duration: TimeInterval) throws(RegisterError) -> Bool
    func releaseServiceLease(holder: String) throws(RegisterError)
    func serviceLease() throws(RegisterError) -> ServiceLease?

    /// Claims the duty `(incidentID, duty, key)` before its effect: true when this caller is to perform it.
    func claimDuty(incidentID: String, duty: String, key: String, value: String, at now: Date,
                   staleAfter: TimeInterval) throws(RegisterError) -> Bool
    func completeDuty(incidentID: String, duty: String, key: String, outcome: String, at now: Date) throws(RegisterError)
    func releaseDuty(incidentID: String, duty: String, key: String) throws(RegisterError)
    func lastDutyValue(incidentID: String, duty: String) throws(RegisterError) -> (generation: Int, value: String)?
    /// Records the next generation of a duty and its history entry (when `kind` is given), both or neither.
    func recordDutyChange<Payload: Encodable>(incidentID: String, duty: String, generation: Int, value: String,
                                              kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool
    /// When the scheduler last did `name`, across processes.
    func schedulerMark(_ name: String) throws(RegisterError) -> Date?
    /// Sets `name` to `now` when unset or older than `interval`: true when this caller is to do it now.
    func takeSchedulerMark(_ name: String, at now: Date, every interval: TimeInterval) throws(RegisterError) -> Bool
    /// Whether the authority's reply with this key was handled already.
    func acknowledgementHandled(key: String) throws(RegisterError) -> Bool
    /// Marks the authority's reply with this key handled, with the history entry `kind` in the same
    /// transaction when given; false when another process handled it first (nothing written then).
    @discardableResult
    func recordAcknowledgement<Payload: Encodable>(key: String, incidentID: String?, value: String, outcome: String,
                                                   kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool
}

extension ServiceStateStore {
    /// Claims a duty that follows no value (see ``claimDuty(incidentID:duty:key:value:at:staleAfter:)``).
    public func claimDuty(incidentID: String, duty: String, key: String, at now: Date,
                          staleAfter: TimeInterval) throws(RegisterError) -> Bool {
        try claimDuty(incidentID: incidentID, duty: duty, key: key, value: "", at: now, staleAfter: staleAfter)
    }
}

/// The whole register, as the use cases, the service and the command line hold it.
public protocol RegisterStore: IncidentStore, HistoryStore, SubjectStore, BounceStore, NotificationStore, ServiceStateStore {
    /// Where the register is, for the messages people read: the SQLite file, or the database's
    /// address without its password.
    var location: String { get }
}
