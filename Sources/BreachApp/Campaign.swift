public import BreachBounces
import BreachCompose
public import BreachCore
public import BreachRegister
public import BreachTransport
public import Foundation

/// The campaign's I/O: reads subjects a page at a time and hands them to the transport's
/// connections (``DeliveryFeed``); each connection's thread composes its next message, records,
/// and sends. The decisions are ``CampaignStateMachine``'s; this file only performs them.
///
/// Each connection appends `sending` for its next subject to the register's outcome ledger in
/// the same write as the outcome of its previous one, before it hands the next message over: so
/// at any moment a connection holds at most one message delivered but not yet recorded, and a
/// crash duplicates at most as many messages as there are connections.
public struct Campaign: Sendable {
    public let register: any RegisterStore
    public let incidentID: String
    public let transport: any MailTransport
    public let workers: Int
    /// Test hook: a pause after each delivery, before it is recorded (the worst moment to die).
    public let delayAfterSend: Duration
    public let stop: StopFlag
    /// The campaign's clock (`BREACHMAIL_NOW` when set): every state change is stamped with it.
    public let clock: any DeliveryClock

    /// Figures of one run: subjects moved by this run, per outcome.
    public struct Figures: Sendable, Codable, Equatable {
        public var recovered = 0
        public var submitted = 0
        public var deferred = 0
        public var failedPermanent = 0
        public var renderFailed = 0
        public var held = 0
        /// Deferred subjects whose next attempt is after this run.
        public var notYetDue = 0
        public var done: Int { submitted + deferred + failedPermanent + renderFailed + held + notYetDue }

        public init() {}
    }

    public enum End: Sendable {
        case finished
        case interrupted
        case halted(SendFailure)
        /// The relay refused everything for too long (``RelayOutage``): the run stopped.
        case relayUnusable(RelayPause)
    }

    /// Puts back to `queued` the subjects a dead run left in `sending`; returns how many.
    public func recover(machine: CampaignStateMachine) throws -> Int {
        var after: Int64 = 0
        var count = 0
        while case let page = try register.subjects(incidentID: incidentID, states: [.sending], after: after, limit: 1000), !page.isEmpty {
            let updates = page.compactMap { machine.recover(CampaignSubject($0)) }.map(SubjectUpdate.init)
            count += try register.updateSubjects(updates, at: clock.now())
            after = page.last!.id
        }
        return count
    }

    public func run(feed: CampaignFeed, progress: @escaping @Sendable (Figures, RelayPause?) -> Void) async throws -> (End, Figures) {
        let reporter = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                progress(feed.figures, feed.pause)
            }
        }
        defer { reporter.cancel() }
        await transport.deliver(feed)
        try feed.finish()
        let figures = feed.figures
        progress(figures, nil)
        if let failure = feed.halt { return (.halted(failure), figures) }
        if let gaveUp = feed.gaveUp { return (.relayUnusable(gaveUp), figures) }
        return (stop.isSet ? .interrupted : .finished, figures)
    }
}

/// Hands out subjects to the connections in id order and keeps the state machine; each
/// connection composes and records on its own thread.
///
/// A subject's path: taken from the page under the lock, and composed outside it — while the
/// relay answers the connection's previous message, with up to seven others
/// (``prepareNext(connection:answered:)``), or when
/// the connection asks for it; `sending` appended to the ``SubjectOutcomeLedger`` together with
/// the connection's previous outcome; sent; its outcome kept for the connection's next append
/// (or the last one, when the connection stops). A subject composed ahead and not sent (the run
/// stops) was never claimed: it stays as it was. Once a second a thread of its own flushes the ledger to the disk and folds it into
/// the register (``SubjectOutcomeLedger/fold()``).
public final class CampaignFeed: DeliveryFeed, @unchecked Sendable {
    // `@unchecked`: every mutable field is behind `lock`, except `slots[i]`'s, touched only by connection i.
    private let register: any RegisterStore
    private let incidentID: String
    private let messages: SubjectMessages
    private let verp: VERP
    private let incident: IncidentNumber
    private let clock: any DeliveryClock
    private let stop: StopFlag
    private let delayAfterSend: Duration
    /// Test hook (`BREACHMAIL_TEST_HOLD_AFTER_CLAIMS=N`): each connection that claims a person
    /// after the first N claims stays between the claim and the delivery until the process is
    /// killed, so that a crash test kills it exactly where a person is `sending` and not sent.
    private let holdAfterClaims = ProcessInfo.processInfo.environment["BREACHMAIL_TEST_HOLD_AFTER_CLAIMS"].flatMap(Int.init)
    private var claims = 0
    private let lock = NSLock()
    private var machine: CampaignStateMachine
    private var page: [Subject] = []
    private var after: Int64 = 0
    private var exhausted = false
    /// A shared store's next claim, made by a connection while the others go on with the page:
    /// whether one runs, and whether the last one found nobody (then no other until the page is empty).
    private var claiming = false
    private var claimedNobody = false
    /// People handed to the connections, and the moment and count of the last claim: the next
    /// claim's size (``nextClaimSize()``).
    private var handedOut = 0
    private var lastClaim: (at: ContinuousClock.Instant, handedOut: Int)?
    private var claimSize: Int
    private var state = Figures()
    private var halted: SendFailure?
    private var failed: (any Error)?
    /// The relay's pauses, on the monotonic clock (`monotonic`), never on the campaign's.
    private var outage: RelayOutage
    private var lastPause: RelayPause?
    private var relayGaveUp: RelayPause?
    private let monotonic = ContinuousClock()
    private let origin: ContinuousClock.Instant
    /// Called once when a pause starts (the progress tells people why nothing moves).
    private let onPause: @Sendable (RelayPause) -> Void
    private let ledger: any SubjectOutcomeLedger
    /// The folder's: whether to stop.
    private let folding = NSCondition()
    private var folderStopped = false
    private var folderDone = false
    /// Per connection: the message in flight and the changes waiting for its next append.
    private let slots: [Slot]

    public typealias Figures = Campaign.Figures

    private final class Slot {
        public var subject: CampaignSubject?
        public var messageID: String?
        public var pending: [SubjectUpdate] = []
        /// The connection's last changes submitted and perhaps not yet recorded (a shared store's
        /// outcome, written while the next message goes), waited for before its next append.
        public var submitted: LedgerReceipt?
        /// The next messages, composed while the relay answered the one before
        /// (``prepareNext(connection:answered:)``), the next one last.
        var prepared: [Prepared] = []
        /// The connection's random numbers (its messages' MIME boundaries and Message-IDs).
        var random = BufferedSystemRandom()
    }

    public init(register: any RegisterStore, incidentID: String, messages: SubjectMessages, verp: VERP, incident: IncidentNumber,
         machine: CampaignStateMachine, clock: any DeliveryClock, stop: StopFlag, delayAfterSend: Duration, connections: Int,
         ledger: any SubjectOutcomeLedger, recovered: Int, outage: RelayOutage = RelayOutage(),
         onPause: @escaping @Sendable (RelayPause) -> Void = { _ in }) {
        self.outage = outage
        self.onPause = onPause
        self.origin = monotonic.now
        self.slots = (0..<max(connections, 1)).map { _ in Slot() }
        self.claimSize = max(connections, 1) * 25
        self.ledger = ledger
        self.register = register
        self.incidentID = incidentID
        self.messages = messages
        self.verp = verp
        self.incident = incident
        self.machine = machine
        self.clock = clock
        self.stop = stop
        self.delayAfterSend = delayAfterSend
        self.state.recovered = recovered
        let folder = Thread { [self] in fold() }
        folder.name = "breachmail-journal"
        folder.start()
    }

    public var figures: Figures { lock.withLock { state } }
    public var halt: SendFailure? { lock.withLock { halted } }
    /// The relay stayed unusable too long: the run stopped there.
    public var gaveUp: RelayPause? { lock.withLock { relayGaveUp } }
    /// The pause in force, if any.
    public var pause: RelayPause? {
        lock.withLock { outage.remaining(at: seconds()) == nil ? nil : lastPause }
    }

    /// Seconds on the monotonic clock since the feed began.
    private func seconds() -> TimeInterval {
        let elapsed = monotonic.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
    /// A register read or write that failed: the run stopped there.
    public var failure: (any Error)? { lock.withLock { failed } }

    /// After the last connection: the ledger flushed, folded and closed; or the failure that
    /// stopped the run (the ledger then stays, to be folded when the register is next opened).
    public func finish() throws {
        folding.withLock {
            folderStopped = true
            folding.broadcast()
            while !folderDone { folding.wait() }
        }
        // Composed ahead and never sent (a connection that ended on a relay failure): back in
        // the page, released with it. The connections have ended.
        for slot in slots { putBack(slot) }
        releaseClaimed()
        if let error = failure { throw error }
        try ledger.close()
    }

    /// The folder thread: once a second, flush the ledger to the disk and fold it into the
    /// register, beside the connections (which only append to the ledger and read pages).
    private func fold() {
        folding.lock()
        defer {
            folderDone = true
            folding.broadcast()
            folding.unlock()
        }
        while !folderStopped {
            _ = folding.wait(until: Date().addingTimeInterval(1))
            if folderStopped { return }
            do {
                try ledger.sync()
                try ledger.fold()
            } catch {
                lock.withLock { failed = failed ?? error }
                return
            }
        }
    }

    /// Appends the connection's waiting changes and `more`, after its previous append is
    /// recorded; recorded when this returns unless `ahead` (then by its next append); on failure
    /// the run stops.
    private func append(_ slot: Slot, _ more: [SubjectUpdate], ahead: Bool = false) -> Bool {
        do {
            if let previous = slot.submitted {
                try ledger.awaitRecorded(previous)
                slot.submitted = nil
            }
            let updates = slot.pending + more
            guard !updates.isEmpty else { return true }
            let receipt = try ledger.submit(updates, at: clock.now())
            slot.pending = []
            if ahead { slot.submitted = receipt } else { try ledger.awaitRecorded(receipt) }
            return true
        } catch {
            lock.withLock { failed = failed ?? error }
            return false
        }
    }

    public func next(connection: Int) -> BreachCore.OutgoingMessage? {
        let slot = slots[connection]
        while true {
            let ready: Prepared
            if let prepared = slot.prepared.last {
                // Composed while the previous message went: sent unless its outcome (or
                // anything else) stops or pauses the run.
                switch lock.withLock({ stopOrPause() }) {
                case .stop?:
                    putBack(slot)
                    _ = append(slot, [])
                    return nil
                case .pause(let seconds)?:
                    if !pause(slot, seconds: seconds) { return nil }
                    continue
                default:
                    slot.prepared.removeLast()
                    ready = prepared
                }
            } else {
                switch takeAndCompose(slot) {
                case .ready(let prepared): ready = prepared
                case .renderFailed: continue
                case .stop:
                    _ = append(slot, [])
                    return nil
                case .pause(let seconds):
                    if !pause(slot, seconds: seconds) { return nil }
                    continue
                case .claimRunning:
                    Thread.sleep(forTimeInterval: 0.001)  // another connection's claim ends in milliseconds
                    continue
                }
            }
            // `sending`, with the previous outcome, recorded before the message goes. A shared
            // store's claim wrote `sending` already, with this worker's lease: journalled, it
            // would only be folded as a change whose `from` no longer holds (a round trip each);
            // only the previous outcome is appended, and written while this message goes (at
            // most two messages per connection whose outcome is not in the register: this one
            // and the one before).
            guard register.sharedByWorkers ? append(slot, [], ahead: true) : append(slot, [ready.claim]) else { return nil }
            if let hold = holdAfterClaims, lock.withLock({ claims += 1; return claims }) > hold {
                while true { Thread.sleep(forTimeInterval: 3600) }  // until SIGKILL: the test hook above
            }
            slot.subject = ready.subject
            slot.messageID = ready.messageID
            return ready.message
        }
    }

    /// While the relay answers the connection's message: its next subjects taken and composed
    /// (``ahead``; not claimed: `next(connection:)` records each claim, after the previous
    /// message's outcome).
    /// A subject whose notice cannot be composed is recorded as such, and the next one taken.
    /// Only from the page in memory, or a page read from an SQLite register: a shared store's
    /// claim is a round trip to a server that may be slow or gone, and the SMTP transaction's
    /// time-out runs meanwhile.
    public func prepareNext(connection: Int, answered: () -> Bool) {
        let slot = slots[connection]
        guard slot.prepared.isEmpty else { return }
        var batch: [Prepared] = []
        batch.reserveCapacity(Self.ahead)
        var bytes = 0
        // At least one; more while the relay has not answered (on a busy machine, replies are
        // slow and composing in a row is what saves; on an idle one, the connection goes on at once).
        compose: while batch.count < Self.ahead, bytes < Self.aheadBytes, batch.isEmpty || !answered() {
            switch takeAndCompose(slot, claiming: false) {
            case .ready(let prepared):
                batch.append(prepared)
                bytes += prepared.message.bytes.count
            case .renderFailed: continue
            case .stop, .pause, .claimRunning: break compose  // `next(connection:)` sees to it
            }
        }
        slot.prepared = batch.reversed()
    }

    /// The slot's messages composed ahead and not sent, back in the page (next one last, as
    /// taken): never claimed; a shared store's people left there are released at the end
    /// (`releaseClaimed`).
    private func putBack(_ slot: Slot) {
        guard !slot.prepared.isEmpty else { return }
        let rows = slot.prepared.map(\.row)
        slot.prepared = []
        lock.withLock { page.append(contentsOf: rows) }
    }

    /// How many messages a connection composes at once, while the relay answers (at most; fewer
    /// once they hold `aheadBytes`, or once the relay has answered): composing a few in a row,
    /// with the composing code and the templates' bytes still in the processor's caches, costs
    /// about a tenth less of the campaign's CPU than composing one between each two SMTP
    /// transactions. Not claimed: a run that stops puts them back (``finish()``).
    static let ahead = 8
    static let aheadBytes = 256 << 10

    /// A subject taken, composed and ready to be claimed and sent. A class: handed from the
    /// composing to the sending with one reference, not a copy of every field.
    private final class Prepared {
        let row: Subject
        let subject: CampaignSubject
        let claim: SubjectUpdate
        let message: BreachCore.OutgoingMessage
        let messageID: String

        init(row: Subject, subject: CampaignSubject, claim: SubjectUpdate, message: BreachCore.OutgoingMessage, messageID: String) {
            self.row = row
            self.subject = subject
            self.claim = claim
            self.message = message
            self.messageID = messageID
        }
    }

    private enum Prepare {
        case ready(Prepared)
        /// The subject taken could not be composed: recorded in the slot's pending changes.
        case renderFailed
        case pause(seconds: Double)
        case claimRunning
        case stop
    }

    /// Whether the run is to stop or pause (under `lock`).
    private func stopOrPause() -> Prepare? {
        if stop.isSet || halted != nil || failed != nil || relayGaveUp != nil { return .stop }
        // The clock is read only when the relay ever asked for a pause (most runs: never).
        if outage.resumeAt != nil, let left = outage.remaining(at: seconds()) { return .pause(seconds: left) }
        return nil
    }

    /// A pause of the relay: a shared store's claim waits for the people still `sending`, so
    /// this connection's last outcome among them is recorded first; false when that fails.
    private func pause(_ slot: Slot, seconds: Double) -> Bool {
        if register.sharedByWorkers, !slot.pending.isEmpty, !append(slot, []) { return false }
        Thread.sleep(forTimeInterval: min(seconds, 1))  // a second at most: Ctrl-C is heard
        return true
    }

    /// The next subject to send, taken from the page and composed. With `claiming` false, a
    /// shared store is not asked for people (`.claimRunning` when its page is empty).
    private func takeAndCompose(_ slot: Slot, claiming mayClaim: Bool = true) -> Prepare {
        // Take a subject and decide its claim, under the lock.
        let row: Subject, subject: CampaignSubject, claim: SubjectUpdate
        let take: Take = lock.withLock {
            if let other = stopOrPause() { return .other(other) }
            while true {
                if page.isEmpty {
                    if exhausted { return .other(.stop) }
                    if register.sharedByWorkers {
                        if claiming || !mayClaim { return .other(.claimRunning) }
                        if let other = claimShared() { return .other(other) }
                    } else {
                        do {
                            page = try register.subjects(incidentID: incidentID, states: [.queued, .deferred], after: after, limit: 500)
                        } catch {
                            failed = error
                            return .other(.stop)
                        }
                        if page.isEmpty { exhausted = true; return .other(.stop) }
                        after = page.last!.id
                    }
                    page.reverse()
                }
                let row = page.removeLast()
                // A person claimed from a shared store is `sending` already, held by this worker.
                var subject = CampaignSubject(row)
                if register.sharedByWorkers {
                    subject = CampaignSubject(id: subject.id, state: .queued, retry: subject.retry, nextAttemptAt: nil)
                }
                switch machine.step(for: subject) {
                case .skip: continue
                case .notYet: state.notYetDue += 1; continue
                case .send:
                    handedOut += 1
                    // The next claim before the page runs out, made by this connection
                    // outside the lock (the others send meanwhile).
                    let claimAhead = mayClaim && register.sharedByWorkers && !claiming && !claimedNobody && page.count < claimSize
                    if claimAhead { claiming = true }
                    return .subject(row, subject, SubjectUpdate(machine.claim(subject)), claimAhead: claimAhead)
                }
            }
        }
        switch take {
        case .other(let other): return other
        case .subject(let r, let s, let c, let claimAhead):
            (row, subject, claim) = (r, s, c)
            if claimAhead { claimNext() }
        }
        // Compose outside the lock: the connections compose in parallel.
        do throws(CampaignComposeError) {
            let (message, messageID) = try compose(row, using: &slot.random)
            return .ready(Prepared(row: row, subject: subject, claim: claim, message: message, messageID: messageID))
        } catch {
            let update = lock.withLock {
                state.renderFailed += 1
                return SubjectUpdate(machine.renderFailed(subject, reason: error.description))
            }
            slot.pending.append(update)
            return .renderFailed
        }
    }

    public func delivered(_ message: BreachCore.OutgoingMessage, _ outcome: SendOutcome, connection: Int) {
        if delayAfterSend > .zero { Thread.sleep(forTimeInterval: delayAfterSend.timeInterval) }
        let slot = slots[connection]
        guard let subject = slot.subject else { return }
        var started: RelayPause?
        var update = lock.withLock {
            let now = clock.now()
            let (transition, relay) = machine.record(outcome, for: subject)
            switch outcome {
            case .accepted, .permanent: outage.answered()
            case .transient, .localError: break
            }
            switch relay {
            case .proceed: break
            case .pause(let until):
                // The machine's pause, as a duration: on a fixed or jumping wall clock the end
                // is still reached, on the monotonic one.
                let at = seconds()
                let reply = TextFormat.withoutAddresses(outcome.failure.map { $0.reply?.description ?? $0.reason } ?? "")
                switch outage.pause(for: until.timeIntervalSince(now), at: at) {
                case .wait(let resumeAt):
                    let pause = RelayPause(reply: reply, seconds: resumeAt - at, ends: Date().addingTimeInterval(resumeAt - at))
                    if lastPause.map({ $0.ends < pause.ends }) ?? true { started = pause }
                    lastPause = pause
                case .giveUp(let unusableFor):
                    relayGaveUp = relayGaveUp ?? RelayPause(reply: reply, seconds: unusableFor, ends: Date())
                }
            case .halt(let failure): halted = halted ?? failure
            }
            switch transition.to {
            case .submitted: state.submitted += 1
            case .deferred: state.deferred += 1
            case .failedPermanent: state.failedPermanent += 1
            default: state.held += 1
            }
            return SubjectUpdate(transition)
        }
        update.messageID = slot.messageID
        slot.pending.append(update)
        slot.subject = nil
        if let started { onPause(started) }
    }

    /// What the lock gives ``takeAndCompose(_:claiming:)``: a subject to compose and its claim,
    /// or what to do instead (stop, pause, wait for another connection's claim).
    private enum Take {
        case subject(Subject, CampaignSubject, SubjectUpdate, claimAhead: Bool)
        case other(Prepare)
    }

    /// How many people a shared store's next claim takes (under `lock`): about what the worker
    /// sent in the last second, between 25 and 100 per connection. The next claim is made when
    /// fewer are left (a claim may wait for the worker's fold of its outcomes, a fifth of a second
    /// at times: the connections send meanwhile); a slow campaign (a rate limit, a slow relay)
    /// claims little, so that the other workers have their share.
    private func nextClaimSize() -> Int {
        let least = max(slots.count, 1) * 25, most = max(slots.count, 1) * 100
        let now = monotonic.now
        defer { lastClaim = (now, handedOut) }
        guard let last = lastClaim else { return least }
        let elapsed = now - last.at
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        guard seconds > 0 else { return claimSize }
        claimSize = min(most, max(least, Int(Double(handedOut - last.handedOut) / seconds)))
        return claimSize
    }

    /// A claim made ahead (outside `lock`): its people go after those left in the page.
    private func claimNext() {
        let more: [Subject]
        do {
            let size = lock.withLock { nextClaimSize() }
            more = try register.claimSubjects(incidentID: incidentID, due: clock.now(), limit: size)
        } catch {
            lock.withLock {
                failed = failed ?? error
                claiming = false
            }
            return
        }
        lock.withLock {
            page.insert(contentsOf: more.reversed(), at: 0)  // the page is taken from its end
            claimedNobody = more.isEmpty
            claiming = false
        }
    }

    /// Claims the next people from a store shared by several workers (under `lock`), when the
    /// page ran out before a claim made ahead filled it: ``nextClaimSize()`` at a time (a dead worker's
    /// people not yet sent are claimed again once its lease ends, and sent once; only its messages
    /// in flight may go twice). When none is left to claim but others' people are still `sending`,
    /// waits for them: their worker may die, and its people are claimed again once its lease has
    /// run out.
    /// Nil when `page` holds the people claimed; else whether to stop or wait.
    private func claimShared() -> Prepare? {
        do {
            let now = clock.now()
            page = try register.claimSubjects(incidentID: incidentID, due: now, limit: nextClaimSize())
            claimedNobody = page.isEmpty
            if !page.isEmpty { return nil }
            if try register.sendableSubjects(incidentID: incidentID, at: now).sending > 0 { return .pause(seconds: 1) }
            exhausted = true
            return .stop
        } catch {
            failed = error
            return .stop
        }
    }

    /// The people claimed and not sent when the run stops: back to the queue, for the next run
    /// or another worker.
    private func releaseClaimed() {
        let left = lock.withLock { () -> [Int64] in
            let ids = page.map(\.id)
            page = []
            return ids
        }
        guard register.sharedByWorkers, !left.isEmpty else { return }
        _ = try? ledger.append(left.map { SubjectUpdate(id: $0, from: [.sending], to: .queued) }, at: clock.now())
    }

    /// The message for one subject, with its VERP return path in the envelope.
    private func compose(_ row: Subject, using random: inout BufferedSystemRandom) throws(CampaignComposeError) -> (BreachCore.OutgoingMessage, String) {
        let built: BuiltMessage
        do { built = try messages.message(for: row, using: &random) } catch { throw CampaignComposeError(description: error.description) }
        do {
            let envelope = try Envelope(returnPath: verp.make(VERPKey(incident: incident, subject: UInt64(row.id))),
                                        recipient: row.email ?? "")
            return (BreachCore.OutgoingMessage(id: "subject-\(row.id)", envelope: envelope, bytes: built.bytes), built.messageID)
        } catch {
            throw CampaignComposeError(description: error.description)
        }
    }
}

/// A pause of the relay, as people are told: the reply that caused it (addresses masked), how
/// long, and when it ends on the wall clock.
public struct RelayPause: Sendable {
    public let reply: String
    public let seconds: TimeInterval
    public let ends: Date
}

public struct CampaignComposeError: Error, CustomStringConvertible {
    public let description: String
}

/// Set once, from the SIGINT handler; read by the feed.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}

/// The clock of the campaign: `BREACHMAIL_NOW` when set, else the system's.
public struct WorkspaceClock: DeliveryClock {
    public let fixed: Date?
    public init() throws {
        fixed = ProcessInfo.processInfo.environment["BREACHMAIL_NOW"] == nil ? nil : try Clock.now()
    }
    public func now() -> Date { fixed ?? Date() }
}

extension CampaignSubject {
    public init(_ s: Subject) {
        func date(_ text: String?) -> Date? { text.flatMap { ZonedTime(rfc3339: $0)?.instant } }
        self.init(id: s.id, state: s.knownState ?? .queued,
                  retry: RetryState(firstAttempt: date(s.firstAttemptAt), attempts: s.attempts),
                  nextAttemptAt: date(s.nextAttemptAt))
    }
}

extension SubjectUpdate {
    public init(_ t: CampaignTransition) {
        self.init(id: t.subject, from: t.from, to: t.to, reason: t.reason, countsAsAttempt: t.countsAsAttempt,
                  nextAttemptAt: t.nextAttemptAt, lastReply: t.reply, firstAttemptAt: t.firstAttemptAt)
    }
}
