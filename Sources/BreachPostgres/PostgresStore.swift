public import BreachCore
public import BreachRegister
public import Foundation
import PostgresNIO

/// The register in PostgreSQL, for several workers on one campaign (issue 15): the same stores as
/// ``Register`` (SQLite) with the same semantics — the same errors, the same history payloads and
/// hash chain, so that `register verify` gives the same head on a copy — through postgres-nio.
///
/// Each handle has its own connection (``PostgresSession``). Appends to the history are
/// serialised across processes by an advisory lock taken at the start of every writing
/// transaction, before the previous hash is read. People are claimed with
/// `FOR UPDATE SKIP LOCKED` under a lease (``claimLease``): a worker that dies leaves its people
/// in `sending` until its lease expires; they are claimed again then.
public final class PostgresStore: Sendable {
    let session: PostgresSession
    /// Who claims people through this handle: host, process and handle, unique among workers.
    public let worker: String
    /// How long a claim holds the people it took before another worker may take them again
    /// (seconds, on the database's clock); renewed while the worker holds them (``renewClaims()``).
    /// `BREACHMAIL_CLAIM_LEASE` sets it (the tests' killed workers).
    public static let claimLease: Double = ProcessInfo.processInfo.environment["BREACHMAIL_CLAIM_LEASE"].flatMap(Double.init) ?? 120
    /// Per incident, the highest id this handle claimed: its next claim looks after it first
    /// (``claimSubjects(incidentID:due:limit:)``).
    let claimCursors = ClaimCursors()

    /// Opens the register at `location`, creating its tables in an empty database and bringing an
    /// older schema up to date.
    /// - Throws: ``RegisterError`` `unreachable` when the database cannot be reached, `newerVersion`
    ///   for a schema from a newer breachmail.
    public init(_ location: PostgresLocation) throws(RegisterError) {
        session = try PostgresSession(location)
        worker = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
        try PostgresSchema.migrate(session)
    }

    /// The database's address, without its password.
    public var location: String { session.location.description }

    // MARK: Incidents

    public func openIncident(_ incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord {
        try session.write {
            let year = String(RFC3339UTC.format(now).prefix(4))
            let count = try session.value("SELECT COUNT(*) FROM incident WHERE id LIKE $1", ["BR-\(year)-%"], as: Int64.self) ?? 0
            let id = "BR-\(year)-\(String(format: "%04d", count + 1))"
            let content = try Register.json(incident)
            let stamp = RFC3339UTC.format(now)
            try session.execute("""
                INSERT INTO incident (id, version, title, awareness, due_at, opened_at, updated_at, content) VALUES ($1, 1, $2, $3, $4, $5, $6, $7)
                """, [id, incident.title, incident.awareness.description, incident.deadline.due.timeIntervalSince1970, stamp, stamp, content])
            try append(kind: HistoryEntry.Kind.incidentOpened, incidentID: id, version: 1, payload: content, actor: actor, at: now)
            return IncidentRecord(id: id, version: 1, incident: incident, openedAt: stamp, updatedAt: stamp)
        }
    }

    public func updateIncident(_ id: String, to incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord {
        try session.write {
            guard let row = try session.query("SELECT version, opened_at FROM incident WHERE id = $1 FOR UPDATE", [id]).first else {
                throw RegisterError.notFound(id)
            }
            let version = Int(try row["version"] as Int64) + 1
            let content = try Register.json(incident)
            let stamp = RFC3339UTC.format(now)
            try session.execute("""
                UPDATE incident SET version = $1, title = $2, awareness = $3, due_at = $4, updated_at = $5, content = $6 WHERE id = $7
                """, [version, incident.title, incident.awareness.description, incident.deadline.due.timeIntervalSince1970, stamp, content, id])
            try append(kind: HistoryEntry.Kind.incidentUpdated, incidentID: id, version: version, payload: content, actor: actor, at: now)
            return IncidentRecord(id: id, version: version, incident: incident, openedAt: try row["opened_at"], updatedAt: stamp)
        }
    }

    public func incidents() throws(RegisterError) -> [IncidentRecord] {
        try session.read { try session.query("SELECT * FROM incident ORDER BY opened_at, id").map(Self.record) }
    }

    public func incident(_ id: String) throws(RegisterError) -> IncidentRecord {
        try session.read {
            guard let row = try session.query("SELECT * FROM incident WHERE id = $1", [id]).first else { throw RegisterError.notFound(id) }
            return try Self.record(row)
        }
    }

    public func incident(_ id: String, version: Int) throws(RegisterError) -> IncidentRecord {
        let current = try incident(id)
        return try session.read {
            guard let row = try session.query("""
                SELECT payload, recorded_at FROM history WHERE incident_id = $1 AND version = $2 AND kind IN ($3, $4)
                """, [id, version, HistoryEntry.Kind.incidentOpened, HistoryEntry.Kind.incidentUpdated]).first
            else { throw RegisterError.noVersion(id, version, current.version) }
            let incident = try JSONDecoder().decode(Incident.self, from: Data((try row["payload"] as String).utf8))
            return IncidentRecord(id: id, version: version, incident: incident, openedAt: current.openedAt, updatedAt: try row["recorded_at"])
        }
    }

    private static func record(_ row: PostgresRecord) throws -> IncidentRecord {
        let incident = try JSONDecoder().decode(Incident.self, from: Data((try row["content"] as String).utf8))
        return IncidentRecord(id: try row["id"], version: Int(try row["version"] as Int64), incident: incident,
                              openedAt: try row["opened_at"], updatedAt: try row["updated_at"])
    }

    // MARK: History

    /// Appends an entry inside the current transaction, which holds the history's lock
    /// (``PostgresSession/transaction(appending:_:)``): the previous hash is the last entry's,
    /// whoever wrote it.
    @discardableResult
    func append(kind: String, incidentID: String?, version: Int?, payload: String, actor: String, at now: Date) throws -> HistoryEntry {
        let last = try session.query("SELECT sequence, entry_hash FROM history ORDER BY sequence DESC LIMIT 1").first
        let sequence = (try last.map { try $0["sequence"] as Int64 } ?? 0) + 1
        let unsigned = HistoryEntry(
            sequence: sequence, recordedAt: RFC3339UTC.format(now), actor: actor, kind: kind, incidentID: incidentID,
            version: version, payload: payload, payloadHash: HistoryChain.sha256(payload),
            previousHash: try last.map { try $0["entry_hash"] as String } ?? HistoryChain.genesis, entryHash: "")
        let entry = unsigned.with(entryHash: HistoryChain.entryHash(unsigned))
        try session.execute("""
            INSERT INTO history (sequence, recorded_at, actor, kind, incident_id, version, payload, payload_hash, previous_hash, entry_hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """, [entry.sequence, entry.recordedAt, entry.actor, entry.kind, entry.incidentID, entry.version.map(Int64.init),
                  entry.payload, entry.payloadHash, entry.previousHash, entry.entryHash])
        return entry
    }

    public func append<Payload: Encodable>(kind: String, incidentID: String?, payload: Payload, actor: String,
                                           at now: Date) throws(RegisterError) -> HistoryEntry {
        try session.write {
            try append(kind: kind, incidentID: incidentID, version: nil, payload: Register.json(payload), actor: actor, at: now)
        }
    }

    public func history(incidentID: String?) throws(RegisterError) -> [HistoryEntry] {
        try session.read {
            let rows = if let incidentID {
                try session.query("SELECT * FROM history WHERE incident_id = $1 ORDER BY sequence", [incidentID])
            } else {
                try session.query("SELECT * FROM history ORDER BY sequence")
            }
            return try rows.map(Self.entry)
        }
    }

    static func entry(_ row: PostgresRecord) throws -> HistoryEntry {
        HistoryEntry(sequence: try row["sequence"], recordedAt: try row["recorded_at"], actor: try row["actor"], kind: try row["kind"],
                     incidentID: try row["incident_id"], version: (try row["version"] as Int64?).map(Int.init), payload: try row["payload"],
                     payloadHash: try row["payload_hash"], previousHash: try row["previous_hash"], entryHash: try row["entry_hash"])
    }

    public func verify() throws(RegisterError) -> ChainVerification {
        try session.read {
            let entries = try session.query("SELECT * FROM history ORDER BY sequence").map(Self.entry)
            let incidents = try session.query("SELECT id, version, content FROM incident ORDER BY id").map {
                (id: try $0["id"] as String, version: Int(try $0["version"] as Int64), content: try $0["content"] as String)
            }
            let columns = NotificationColumns.names.joined(separator: ", ")
            let notifications = try session.query("SELECT id, history_sequence, \(columns) FROM notification ORDER BY id").map { row in
                NotificationColumns(id: try row["id"], sequence: try row["history_sequence"],
                                    values: Dictionary(uniqueKeysWithValues: try NotificationColumns.names.map { ($0, try row[$0] as String) }))
            }
            return try Register.verify(entries: entries, incidents: incidents, notifications: notifications) {
                try subjectDigest(where: "import_entry NOT IN (SELECT id FROM subject_import)").hex
            }
        }
    }

    public func hasEntry(kind: String, incidentID: String) throws(RegisterError) -> Bool {
        try session.read {
            try !session.query("SELECT 1 FROM history WHERE incident_id = $1 AND kind = $2 LIMIT 1", [incidentID, kind]).isEmpty
        }
    }

    public func entries(kind: String, incidentID: String) throws(RegisterError) -> [HistoryEntry] {
        try session.read {
            try session.query("SELECT * FROM history WHERE incident_id = $1 AND kind = $2 ORDER BY sequence", [incidentID, kind]).map(Self.entry)
        }
    }

    public func timeRegressions() throws(RegisterError) -> [TimeRegression] {
        try session.read {
            Register.timeRegressions(try session.query("SELECT sequence, recorded_at FROM history ORDER BY sequence").map {
                (sequence: try $0["sequence"] as Int64, recordedAt: try $0["recorded_at"] as String)
            })
        }
    }

    public func takesInjectedClock() throws(RegisterError) -> Bool {
        try session.read { try session.value("SELECT value FROM register_setting WHERE key = 'clock'", as: String.self) == "injected" }
    }

    public func takeInjectedClock() throws(RegisterError) {
        let location = location
        try session.write {
            guard try session.value("SELECT COUNT(*) FROM history", as: Int64.self) == 0 else {
                throw RegisterError.clockChoiceTooLate(location)
            }
            try session.execute("""
                INSERT INTO register_setting (key, value) VALUES ('clock', 'injected') ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """)
        }
    }
}

/// The highest id a handle claimed, per incident.
final class ClaimCursors: @unchecked Sendable {
    // `@unchecked`: `cursors` is behind `lock`.
    private let lock = NSLock()
    private var cursors: [String: Int64] = [:]

    subscript(incidentID: String) -> Int64 {
        get { lock.withLock { cursors[incidentID] ?? 0 } }
        set { lock.withLock { cursors[incidentID] = newValue } }
    }
}
