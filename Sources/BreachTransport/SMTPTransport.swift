public import BreachCore
public import BreachCurl
public import Logging
import Foundation
import Synchronization

/// SMTP to one relay over N connections in parallel, each owned by a thread of its own:
/// libcurl's blocking `curl_easy_perform` never runs on Swift's cooperative pool.
///
/// Callers `await send`; the message waits for the rate limit, then for a free connection.
/// Each connection is reused message after message, up to its cap.
public final class SMTPTransport: MailTransport {
    private let queue: JobQueue
    private let waitForTurn: @Sendable () async throws -> Void
    /// The rate limit for ``deliver(_:)``: how long the connection's thread is to wait.
    private let waitOnThread: @Sendable () -> Duration
    private let connections: Int

    /// Starts `connections` worker threads; each connects on its first message.
    ///
    /// - Parameters:
    ///   - messagesPerSecond: a limit over all connections, or `nil` for none.
    ///   - clock: the clock the rate limit waits on (replaceable in tests).
    ///   - sharedTurns: where the turns of ``deliver(_:)`` (a campaign) are taken when other
    ///     processes send to the same relay under the same limit; nil for this process's own.
    public init<C: Clock>(
        options: SMTPSessionOptions, connections: Int, messagesPerSecond: Double?, logger: Logger,
        clock: C = ContinuousClock(), sharedTurns: (any SharedSendTurns)? = nil
    ) where C.Duration == Duration {
        queue = JobQueue(workers: connections)
        self.connections = connections
        if let messagesPerSecond {
            // One bucket for both paths: `send` and `deliver` share the relay's limit.
            let limiter = RateLimiter(rate: messagesPerSecond, clock: clock)
            waitForTurn = { try await limiter.waitForTurn() }
            if let sharedTurns {
                let shared = SharedRateLimiter(turns: sharedTurns, rate: messagesPerSecond, logger: logger)
                waitOnThread = { shared.reserve() }
            } else {
                waitOnThread = { limiter.reserve() }
            }
        } else {
            waitForTurn = {}
            waitOnThread = { .zero }
        }
        for index in 0..<connections {
            let thread = Thread { [queue, waitOnThread] in
                Self.work(index: index, queue: queue, options: options, logger: logger, waitForTurn: waitOnThread)
            }
            thread.name = "breachmail-smtp-\(index)"
            thread.start()
        }
    }

    deinit { queue.close() }

    public func send(_ message: OutgoingMessage) async -> SendOutcome {
        do {
            try await waitForTurn()
        } catch {
            return .transient(SendFailure(step: nil, reply: nil, reason: "cancelled before sending"))
        }
        return await withCheckedContinuation { continuation in
            if !queue.enqueue(.message(message, continuation)) {
                continuation.resume(returning: .localError(SendFailure(step: nil, reply: nil, reason: "the transport was shut down")))
            }
        }
    }

    public func deliver(_ feed: any DeliveryFeed) async {
        await withCheckedContinuation { continuation in
            let drain = Drain(feed: feed, connections: connections, continuation: continuation)
            for _ in 0..<connections where !queue.enqueue(.drain(drain)) { drain.finished() }
        }
    }

    public func shutdown() async {
        await withCheckedContinuation { continuation in queue.close(then: continuation) }
    }

    /// One worker: one connection, messages one after the other, until the queue closes.
    private static func work(
        index: Int, queue: JobQueue, options: SMTPSessionOptions, logger: Logger, waitForTurn: @Sendable () -> Duration
    ) {
        var connection: SMTPConnection?
        func send(_ message: OutgoingMessage, meanwhile: SMTPConnection.Meanwhile? = nil) -> SendOutcome {
            let outcome: SendOutcome
            do {
                if connection == nil { connection = try SMTPConnection(options: options) }
                outcome = connection?.send(message, meanwhile: meanwhile)
                    ?? .localError(SendFailure(step: nil, reply: nil, reason: "no connection"))
            } catch {
                outcome = .localError(SendFailure(step: nil, reply: nil, reason: error.description))
            }
            logger.log(outcome, id: message.id)
            return outcome
        }
        while let job = queue.next() {
            switch job {
            case .message(let message, let continuation):
                continuation.resume(returning: send(message))
            case .drain(let drain):
                while let message = drain.feed.next(connection: index) {
                    let wait = waitForTurn()
                    if wait > .zero { Thread.sleep(forTimeInterval: wait.timeInterval) }
                    // The feed composes the next messages while the relay answers this one.
                    let outcome = send(message) { answered in drain.feed.prepareNext(connection: index, answered: answered) }
                    drain.feed.delivered(message, outcome, connection: index)
                }
                drain.finished()
            }
        }
        connection = nil  // QUIT, then close, before the worker counts itself out.
        queue.workerFinished()
    }
}

/// Work for a connection's thread.
enum Job: Sendable {
    /// One message, and the caller waiting for its outcome.
    case message(OutgoingMessage, CheckedContinuation<SendOutcome, Never>)
    /// Take messages from a feed until it has no more.
    case drain(Drain)
}

/// One ``SMTPTransport/deliver(_:)``: its feed, and the caller waiting until every connection
/// has left it.
final class Drain: Sendable {
    let feed: any DeliveryFeed
    private let remaining: Mutex<(count: Int, continuation: CheckedContinuation<Void, Never>?)>

    init(feed: any DeliveryFeed, connections: Int, continuation: CheckedContinuation<Void, Never>) {
        self.feed = feed
        remaining = Mutex((connections, continuation))
    }

    /// One connection is done with the feed; the last one resumes the caller.
    func finished() {
        let done = remaining.withLock { state -> CheckedContinuation<Void, Never>? in
            state.count -= 1
            guard state.count == 0 else { return nil }
            defer { state.continuation = nil }
            return state.continuation
        }
        done?.resume()
    }
}

/// The jobs between async callers and the worker threads. Workers block on a condition
/// variable, which is why they are threads of their own.
final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var workers: Int
    private var whenFinished: [CheckedContinuation<Void, Never>] = []

    init(workers: Int) { self.workers = workers }

    /// Adds a job; `false` once the queue is closed.
    func enqueue(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job, blocking until there is one; `nil` when closed and drained.
    func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }

    /// No more jobs; the workers finish those queued and stop.
    func close(then continuation: CheckedContinuation<Void, Never>? = nil) {
        condition.lock()
        closed = true
        let done = workers == 0
        if let continuation, !done { whenFinished.append(continuation) }
        condition.broadcast()
        condition.unlock()
        if done { continuation?.resume() }
    }

    func workerFinished() {
        condition.lock()
        workers -= 1
        let waiting = workers == 0 ? whenFinished : []
        if workers == 0 { whenFinished = [] }
        condition.unlock()
        for continuation in waiting { continuation.resume() }
    }
}

/// The token bucket behind a lock, with the waiting done on the caller's task.
final class RateLimiter<C: Clock>: Sendable where C.Duration == Duration {
    private let clock: C
    private let bucket: Mutex<TokenBucket<C.Instant>>

    init(rate: Double, clock: C) {
        self.clock = clock
        bucket = Mutex(TokenBucket(rate: rate, start: clock.now))
    }

    func waitForTurn() async throws {
        let wait = reserve()
        if wait > .zero { try await clock.sleep(for: wait, tolerance: nil) }
    }

    /// Takes the next turn and says how long to wait for it.
    func reserve() -> Duration {
        let now = clock.now
        return bucket.withLock { $0.reserve(at: now) }
    }
}

/// The limit shared with other processes (``SharedSendTurns``): turns reserved a quarter of a
/// second's worth at a time and handed out one per message, on the connections' threads.
final class SharedRateLimiter: Sendable {
    private let turns: any SharedSendTurns
    private let interval: Double
    private let batch: Int
    private let logger: Logger
    /// The next turn of the batch reserved, and how many are left.
    private let state = Mutex<(next: ContinuousClock.Instant, left: Int)>((ContinuousClock.now, 0))

    init(turns: any SharedSendTurns, rate: Double, logger: Logger) {
        self.turns = turns
        self.interval = 1 / rate
        self.batch = max(1, Int(rate / 4))
        self.logger = logger
    }

    /// Takes the next turn; how long to wait for it. When the turns cannot be reserved (the
    /// register unreachable for a moment), a second, and the next message asks again: never
    /// faster than the shared limit.
    func reserve() -> Duration {
        state.withLock { state in
            let now = ContinuousClock.now
            if state.left == 0 {
                do {
                    let wait = try turns.reserve(count: batch, interval: interval)
                    state = (now + .seconds(max(0, wait)), batch)
                } catch {
                    logger.warning("the shared sending rate could not be reserved; waiting a second", metadata: ["error": "\(error)"])
                    return .seconds(1)
                }
            }
            let turn = state.next
            state.next = turn + .seconds(interval)
            state.left -= 1
            return turn > now ? turn - now : .zero
        }
    }
}
