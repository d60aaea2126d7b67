import Foundation

/// Why the register could not do what was asked. Descriptions name the file or the incident and
/// the fix; they never carry personal data.
public struct RegisterError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case missing, newerVersion, locked, corrupt, incidentNotFound, versionNotFound, readOnly, storage, clockChoiceTooLate
        case tokenExists, tokenNotFound, tokenRevoked
        /// The database server (PostgreSQL) could not be reached, or its connection was lost.
        case unreachable
    }
    public let code: Code
    public let message: String

    public var description: String { message }

    package static func missing(_ path: String) -> Self {
        Self(code: .missing, message: "no register at \(path); run `breachmail init DIR` first, or pass --dir to the working directory.")
    }
    package static func newer(_ path: String, _ unknown: [String]) -> Self {
        Self(code: .newerVersion, message: "\(path) was written by a newer breachmail (unknown migration \(unknown.joined(separator: ", "))); "
             + "use that version or a later one: a register is never migrated backwards.")
    }
    package static func locked(_ path: String) -> Self {
        Self(code: .locked, message: "\(path) is locked by another process (another breachmail running?); wait for it to finish, then retry.")
    }
    package static func corrupt(_ path: String, _ detail: String) -> Self {
        Self(code: .corrupt, message: "\(path) is not a breachmail register or is damaged (SQLite: \(detail)); restore it from a backup.")
    }
    package static func incidentBusy(_ id: String) -> Self {
        Self(code: .locked, message: "a campaign of \(id) (`subjects notify`) or another import into it is running; "
             + "wait for it to end, then import again.")
    }
    package static func notFound(_ id: String) -> Self {
        Self(code: .incidentNotFound, message: "no incident \(id) in the register; `breachmail incident list` shows the ids.")
    }
    package static func noVersion(_ id: String, _ version: Int, _ latest: Int) -> Self {
        Self(code: .versionNotFound, message: "incident \(id) has no version \(version); its versions are 1 to \(latest).")
    }
    package static func readOnly(_ path: String) -> Self {
        Self(code: .readOnly, message: "\(path) cannot be written (read-only file or directory); check its permissions.")
    }
    package static func clockChoiceTooLate(_ path: String) -> Self {
        Self(code: .clockChoiceTooLate, message: "\(path) already holds entries stamped by the system clock; an injected clock "
             + "(BREACHMAIL_NOW) can only be chosen when a register is created. Unset BREACHMAIL_NOW.")
    }
    package static func tokenExists(_ name: String, revokedAt: String?) -> Self {
        Self(code: .tokenExists, message: "a token named \(name) already exists\(revokedAt.map { " (revoked \($0))" } ?? ""); choose another name: "
             + "a name is never given twice, so that the history's actors stay unambiguous.")
    }
    package static func tokenNotFound(_ name: String) -> Self {
        Self(code: .tokenNotFound, message: "no token named \(name); `breachmail token list` shows the names.")
    }
    package static func tokenRevoked(_ name: String, _ at: String) -> Self {
        Self(code: .tokenRevoked, message: "the token \(name) was already revoked at \(at); nothing changed.")
    }
    package static func storage(_ path: String, _ detail: String) -> Self {
        Self(code: .storage, message: "\(path): the register could not be used (SQLite: \(detail)).")
    }
    package static func database(_ location: String, _ detail: String) -> Self {
        Self(code: .storage, message: "\(location): the register could not be used (PostgreSQL: \(detail)).")
    }
    package static func databaseUnreachable(_ location: String, _ detail: String) -> Self {
        Self(code: .unreachable, message: "\(location): the database cannot be reached (\(detail)); check that PostgreSQL runs "
             + "and accepts this user from this machine (pg_hba.conf), then retry.")
    }
    package static func badAddress(_ detail: String) -> Self {
        Self(code: .storage, message: "storage.register: \(detail).")
    }
}
