public import Foundation
import GRDB

/// One `breachmail serve` per register: a lease row that the running service renews and that a
/// second service finds held. A holder that stops renewing (killed, machine gone) loses it when
/// it expires, and the next service takes it over.
extension Register {
    static let leaseSchema = """
        CREATE TABLE service_lease (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            acquired_at REAL NOT NULL,
            renewed_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        """

    /// Takes the lease for `holder` unless another holder's lease is still valid at `now`.
    ///
    /// - Returns: `.acquired` (with the expired lease it replaced, if any) or `.held` by whom.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func acquireServiceLease(holder: String, host: String, pid: Int32, at now: Date,
                                    duration: TimeInterval) throws(RegisterError) -> LeaseAcquisition {
        try write { db in
            let current = try Row.fetchOne(db, sql: "SELECT * FROM service_lease WHERE name = 'serve'").map(Self.lease)
            if let current, current.holder != holder, current.expiresAt > now { return .held(by: current) }
            let t = now.timeIntervalSince1970
            try db.execute(sql: """
                INSERT OR REPLACE INTO service_lease (name, holder, host, pid, acquired_at, renewed_at, expires_at)
                VALUES ('serve', ?, ?, ?, ?, ?, ?)
                """, arguments: [holder, host, Int(pid), t, t, t + duration])
            return .acquired(replacing: current?.holder == holder ? nil : current)
        }
    }

    /// Extends `holder`'s lease to `now + duration`.
    ///
    /// - Returns: false when `holder` no longer holds the lease (it expired and was taken over).
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func renewServiceLease(holder: String, at now: Date, duration: TimeInterval) throws(RegisterError) -> Bool {
        try write { db in
            let t = now.timeIntervalSince1970
            try db.execute(sql: "UPDATE service_lease SET renewed_at = ?, expires_at = ? WHERE name = 'serve' AND holder = ?",
                           arguments: [t, t + duration, holder])
            return db.changesCount == 1
        }
    }

    /// Gives the lease up, if `holder` still has it (a clean shutdown).
    public func releaseServiceLease(holder: String) throws(RegisterError) {
        try write { db in
            try db.execute(sql: "DELETE FROM service_lease WHERE name = 'serve' AND holder = ?", arguments: [holder])
        }
    }

    /// The lease as it stands, expired or not; nil when no service holds one.
    public func serviceLease() throws(RegisterError) -> ServiceLease? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM service_lease WHERE name = 'serve'").map(Self.lease) }
    }

    private static func lease(_ row: Row) -> ServiceLease {
        ServiceLease(holder: row["holder"], host: row["host"], pid: Int32(row["pid"] as Int),
                     acquiredAt: Date(timeIntervalSince1970: row["acquired_at"]),
                     renewedAt: Date(timeIntervalSince1970: row["renewed_at"]),
                     expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
    }
}

/// Who runs `breachmail serve` on a register, and until when.
public struct ServiceLease: Sendable, Equatable {
    /// A random id of the holding process.
    public let holder: String
    public let host: String
    public let pid: Int32
    public let acquiredAt: Date
    public let renewedAt: Date
    public let expiresAt: Date
}

/// The outcome of ``Register/acquireServiceLease(holder:host:pid:at:duration:)``.
public enum LeaseAcquisition: Sendable, Equatable {
    /// Taken; `replacing` is the expired lease of a holder that had stopped renewing.
    case acquired(replacing: ServiceLease?)
    /// Another holder's lease is still valid.
    case held(by: ServiceLease)
}
