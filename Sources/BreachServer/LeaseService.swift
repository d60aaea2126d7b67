public import BreachRegister
public import Foundation
public import Logging
public import ServiceLifecycle

/// One `breachmail serve` per register: takes the register's lease before the server starts,
/// renews it every ``ServerSettings/leaseRenewal`` while the service runs, and gives it up on a
/// clean shutdown. A second service finds it held and refuses to start; a holder that stopped
/// renewing loses it when it expires.
public struct LeaseService: Service {
    public let register: any RegisterStore
    /// This process's id in the lease row.
    public let holder: String
    public let duration: TimeInterval
    public let renewal: TimeInterval
    let now: @Sendable () -> Date
    let sleep: @Sendable (TimeInterval) async throws -> Void
    let logger: Logger

    /// - Parameters:
    ///   - now: the clock the lease's times come from.
    ///   - sleep: waits between renewals (tests pass a shorter one).
    public init(register: any RegisterStore, duration: TimeInterval, renewal: TimeInterval, logger: Logger,
                holder: String = UUID().uuidString,
                now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (TimeInterval) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }) {
        self.register = register
        self.holder = holder
        self.duration = duration
        self.renewal = renewal
        self.logger = logger
        self.now = now
        self.sleep = sleep
    }

    /// Takes the lease.
    ///
    /// - Returns: the expired lease taken over, if any.
    /// - Throws: ``ServerError/Code/leaseHeld`` naming the holder (host, pid, since), or the register's error.
    @discardableResult
    public func acquire() throws -> ServiceLease? {
        switch try register.acquireServiceLease(holder: holder, host: ProcessInfo.processInfo.hostName, pid: getpid(),
                                                at: now(), duration: duration) {
        case .acquired(let replaced):
            if let replaced {
                logger.notice("lease taken over", metadata: ["previous_host": .string(replaced.host), "previous_pid": .stringConvertible(replaced.pid),
                                                            "expired_at": .string(Self.stamp(replaced.expiresAt))])
            }
            return replaced
        case .held(let lease):
            throw ServerError(.leaseHeld, "\(register.location) is already served by breachmail serve on host \(lease.host), pid \(lease.pid), "
                + "since \(Self.stamp(lease.acquiredAt)) (lease renewed \(Self.stamp(lease.renewedAt)), valid until \(Self.stamp(lease.expiresAt))). "
                + "Stop that one first; if it died, this one can start once its lease expires (service.lease_seconds).")
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
            let renewed: Bool
            do {
                renewed = try await blocking { try register.renewServiceLease(holder: holder, at: now(), duration: duration) }
            } catch let error as RegisterError {
                // A busy register now and then is no reason to stop: the lease lasts three renewals.
                logger.warning("lease not renewed, retrying", metadata: ["error": .string("\(error)")])
                continue
            }
            guard renewed else {
                throw ServerError(.leaseLost, "this service's lease on \(register.location) expired and another breachmail serve took it over; "
                    + "stopping so that two services never run the same campaign. Check that the machine is not overloaded "
                    + "(renewal every \(renewal) s), or raise service.lease_seconds.")
            }
        }
        // A clean shutdown (the HTTP server has finished first: the group stops services in reverse order).
        do {
            try await blocking { try register.releaseServiceLease(holder: holder) }
        } catch {
            logger.error("lease not released; the next serve takes it over when it expires", metadata: ["error": .string("\(error)")])
        }
    }

    /// Whether this service holds an unexpired lease now (for `/ready`).
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
