public import Foundation
import GRDB

/// API tokens of `breachmail serve`: only the SHA-256 of each secret is kept, never the secret.
///
/// Names are unique for good, revoked ones included: the history names a token as the actor of
/// what it changed, and a name given twice would make that ambiguous.
extension Register {
    static let tokenSchema = """
        CREATE TABLE api_token (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            secret_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT,
            revoked_by TEXT
        );
        """

    /// Records a new token and a `token.created` history entry in one transaction.
    ///
    /// - Throws: ``RegisterError/Code/tokenExists`` when the name was ever used.
    @discardableResult
    public func createToken(name: String, role: String, secretSHA256: String, actor: String, at now: Date) throws(RegisterError) -> TokenRecord {
        try write { db in
            if let existing = try Row.fetchOne(db, sql: "SELECT revoked_at FROM api_token WHERE name = ?", arguments: [name]) {
                throw RegisterError.tokenExists(name, revokedAt: existing["revoked_at"])
            }
            let stamp = RFC3339UTC.format(now)
            try db.execute(sql: """
                INSERT INTO api_token (name, role, secret_sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?)
                """, arguments: [name, role, secretSHA256, stamp, actor])
            try Self.append(db, kind: HistoryEntry.Kind.tokenCreated, incidentID: nil, version: nil,
                            payload: Self.json(TokenEvent(name: name, role: role)), actor: actor, at: now)
            return TokenRecord(name: name, role: role, secretSHA256: secretSHA256, createdAt: stamp, createdBy: actor,
                               lastUsedAt: nil, revokedAt: nil, revokedBy: nil)
        }
    }

    /// Revokes a token and records a `token.revoked` history entry in one transaction.
    ///
    /// - Throws: ``RegisterError/Code/tokenNotFound`` or ``RegisterError/Code/tokenRevoked``.
    public func revokeToken(name: String, actor: String, at now: Date) throws(RegisterError) {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT role, revoked_at FROM api_token WHERE name = ?", arguments: [name]) else {
                throw RegisterError.tokenNotFound(name)
            }
            if let revokedAt: String = row["revoked_at"] { throw RegisterError.tokenRevoked(name, revokedAt) }
            try db.execute(sql: "UPDATE api_token SET revoked_at = ?, revoked_by = ? WHERE name = ?",
                           arguments: [RFC3339UTC.format(now), actor, name])
            try Self.append(db, kind: HistoryEntry.Kind.tokenRevoked, incidentID: nil, version: nil,
                            payload: Self.json(TokenEvent(name: name, role: row["role"])), actor: actor, at: now)
        }
    }

    /// Every token, revoked ones included, in the order of creation.
    public func tokens() throws(RegisterError) -> [TokenRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY created_at, name").map(Self.token)
        }
    }

    /// Notes that a token was used; the service calls it at most once a minute per token.
    public func touchToken(name: String, at now: Date) throws(RegisterError) {
        try write { db in
            try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE name = ?", arguments: [RFC3339UTC.format(now), name])
        }
    }

    private static func token(_ row: Row) -> TokenRecord {
        TokenRecord(name: row["name"], role: row["role"], secretSHA256: row["secret_sha256"], createdAt: row["created_at"],
                    createdBy: row["created_by"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"], revokedBy: row["revoked_by"])
    }

    /// The payload of `token.*` history entries: never the secret nor its hash.
    package struct TokenEvent: Encodable {
        let name: String
        let role: String

        package init(name: String, role: String) {
            self.name = name
            self.role = role
        }
    }
}

/// An API token as the register holds it.
public struct TokenRecord: Sendable, Equatable {
    public let name: String
    /// `dpo`, `operator` or `auditor`.
    public let role: String
    /// SHA-256 of the secret, hex.
    public let secretSHA256: String
    /// RFC 3339, UTC.
    public let createdAt: String
    public let createdBy: String
    public let lastUsedAt: String?
    public let revokedAt: String?
    public let revokedBy: String?

    public var isRevoked: Bool { revokedAt != nil }
}

extension HistoryEntry.Kind {
    public static let tokenCreated = "token.created"
    public static let tokenRevoked = "token.revoked"
}
