/// One entry of the register's append-only history: every change to an incident, an assessment
/// decision or a notification. Each entry's hash covers the previous entry's hash, so that an
/// edited or removed entry breaks the chain (`register verify`).
public struct HistoryEntry: Sendable, Equatable, Codable {
    /// 1, 2, 3… without gaps.
    public let sequence: Int64
    /// RFC 3339, UTC.
    public let recordedAt: String
    /// Who made the change (the `--actor` option, `BREACHMAIL_ACTOR`, or the login name).
    public let actor: String
    /// What happened, e.g. `incident.opened`, `incident.updated`.
    public let kind: String
    public let incidentID: String?
    /// The incident version this entry created, for `incident.*` entries.
    public let version: Int?
    /// The content, as JSON.
    public let payload: String
    /// SHA-256 of `payload`, hex.
    public let payloadHash: String
    /// `entryHash` of the entry before, 64 zeros for the first.
    public let previousHash: String
    /// SHA-256 over the fields above, hex.
    public let entryHash: String

    package init(sequence: Int64, recordedAt: String, actor: String, kind: String, incidentID: String?, version: Int?,
                 payload: String, payloadHash: String, previousHash: String, entryHash: String) {
        self.sequence = sequence
        self.recordedAt = recordedAt
        self.actor = actor
        self.kind = kind
        self.incidentID = incidentID
        self.version = version
        self.payload = payload
        self.payloadHash = payloadHash
        self.previousHash = previousHash
        self.entryHash = entryHash
    }

    public enum Kind {
        public static let incidentOpened = "incident.opened"
        public static let incidentUpdated = "incident.updated"
    }
}

/// The result of `register verify`: either the chain holds, or the first entry that does not.
public struct ChainVerification: Sendable, Equatable {
    /// Number of entries checked.
    public let entries: Int
    /// `entryHash` of the last entry: keep it outside the register to detect a rewritten tail.
    public let head: String
    /// The first problem found, or nil when every entry is intact.
    public let firstProblem: Problem?

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let sequence: Int64
        public let message: String
        public var description: String { "entry \(sequence): \(message)" }
    }

    public var isIntact: Bool { firstProblem == nil }
}
