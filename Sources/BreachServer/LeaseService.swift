public import BreachRegister
public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Whether this `breachmail serve` runs the scheduler now: it holds the register's lease.
public final class SchedulerLeadership: Sendable {
    private let leading = Atomic<Bool>(false)

    public init() {}

    public var isLeading: Bool { leading.load(ordering: .acquiring) }

    func set(_ value: Bool) { leading.store(value, ordering: .releasing) }
}

/// The register's lease, in one of two ways:
///
/// - **Exclusive** (the SQLite register: one process at a time may run campaigns on it): one
///   `breachmail serve` per register. The lease is taken before the server starts, renewed every
///   ``ServerSettings/leaseRenewal`` while the service runs, and given up on a clean shutdown; a
///   second service finds it held and refuses to start; a holder that stopped renewing loses it
///   when it expires.
/// - **Elected** (a register shared by several workers, PostgreSQL): any number of services run
///   on the register, each serving the API and working on campaigns through its claims; the one
///   holding the lease runs the scheduler's duties (``SchedulerLeadership``). The others stand by
///   and try to take it at each renewal: when the holder dies, its lease expires and one of them
///   takes the scheduler over.
public struct LeaseService: Service {
    public let register: any RegisterStore
    /// This process's id in the lease row.
    public let holder: String
    public let duration: TimeInterval
    public let renewal: TimeInterval
    /// Whether several services share the register, the lease electing the scheduler's.
    public let elected: Bool
    public let leadership: SchedulerLeadership
    let now: @Sendable () -> Date
    let sleep: @Sendable (TimeInterval) async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - elected: nil for the register's own choice (``RegisterStore/sharedByWorkers``).
    ///   - now: the clock the lease's times come from.
    ///   - sleep: waits between renewals (tests pass a shorter one).
    public init(register: any RegisterStore, duration: TimeInterval, renewal: TimeInterval, logger: Logger,
                holder: String = UUID().uuidString, elected: Bool? = nil, leadership: SchedulerLeadership = SchedulerLeadership(),
                now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }) {
        self.register = register
        self.holder = holder
        self.duration = duration
        self.renewal = renewal
        self.elected = elected ?? register.sharedByWorkers
        self.leadership = leadership
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// Takes the lease; an elected service that finds it held stands by.
    ///
    /// - Returns: the expired lease taken over, if any.
    /// - Throws: ``ServerError/Code/leaseHeld`` naming the holder (host, pid, since) when the lease
    ///   is exclusive and held, or the register's error.
    @discardableResult
    public func acquire() throws -> ServiceLease? {
        switch try register.acquireServiceLease(holder: holder, host: ProcessInfo.processInfo.hostName, pid: getpid(),
                                                at: now(), duration: duration) {
        case .acquired(let replaced):
            leadership.set(true)
            if let replaced {
                logger.notice(elected ? "scheduler taken over" : "lease taken over",
                              metadata: ["previous_host": .string(replaced.host), "previous_pid": .stringConvertible(replaced.pid),
                                         "expired_at": .string(Self.stamp(replaced.expiresAt))])
            } else if elected {
                logger.info("this service runs the scheduler")
            }
            return replaced
        case .held(let lease):
            guard elected else {
                throw ServerError(.leaseHeld, "\(register.location) is already served by breachmail serve on host \(lease.host), pid \(lease.pid), "
                    + "since \(Self.stamp(lease.acquiredAt)) (lease renewed \(Self.stamp(lease.renewedAt)), valid until \(Self.stamp(lease.expiresAt))). "
                    + "Stop that one first; if it died, this one can start once its lease expires (service.lease_seconds).")
            }
            if leadership.isLeading {
                leadership.set(false)
                logger.warning("scheduler lease lost; standing by", metadata: ["holder_host": .string(lease.host), "holder_pid": .stringConvertible(lease.pid)])
            } else {
                logger.debug("another service runs the scheduler; standing by", metadata: ["holder_host": .string(lease.host),
                                                                                           "holder_pid": .stringConvertible(lease.pid)])
            }
            return nil
        }
    }

    public func run() async throws {
        let register = register, holder = holder, duration = duration, now = now
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await sleep(renewal) }
            } catch is CancellationError {
                break
            }
            if elected && !leadership.isLeading {
                // Standing by: the holder's lease may have expired (it died).
                do {
                    try await blocking { _ = try acquire() }
                } catch let error as RegisterError {
                    logger.warning("scheduler lease not checked, retrying", metadata: ["error": .string("\(error)")])
                }
                continue
            }
            let renewed: Bool
            do {
                renewed = try await blocking { try register.renewServiceLease(holder: holder, at: now(), duration: duration) }
            } catch let error as RegisterError {
                // A busy register now and then is no reason to stop: the lease lasts three renewals.
                logger.warning("lease not renewed, retrying", metadata: ["error": .string("\(error)")])
                continue
            }
            guard renewed else {
                guard elected else {
                    throw ServerError(.leaseLost, "this service's lease on \(register.location) expired and another breachmail serve took it over; "
                        + "stopping so that two services never run the same campaign. Check that the machine is not overloaded "
                        + "(renewal every \(renewal) s), or raise service.lease_seconds.")
                }
                // Another service runs the scheduler now; this one goes on serving and stands by.
                leadership.set(false)
                logger.warning("scheduler lease expired and taken by another service; standing by")
                continue
            }
        }
        // A clean shutdown (the HTTP server has finished first: the group stops services in reverse order).
        guard !elected || leadership.isLeading else { return }
        do {
            try await blocking { try register.releaseServiceLease(holder: holder) }
            leadership.set(false)
        } catch {
            logger.error("lease not released; the next serve takes it over when it expires", metadata: ["error": .string("\(error)")])
        }
    }

    /// Whether this service holds an unexpired lease now (for `/ready`; an elected service
    /// standing by is ready too).
    public func isHeld() throws -> Bool {
        guard let lease = try register.serviceLease() else { return false }
        return lease.holder == holder && lease.expiresAt > now()
    }

    static func stamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
