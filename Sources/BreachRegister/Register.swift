public import Foundation
public import BreachCore
import Crypto
import GRDB

/// The breach register of Art. 33(5): incidents with every version kept, and a hash-chained,
/// append-only history of every change. One SQLite file in WAL mode, created `0600`.
public final class Register: Sendable {
    public let path: String
    let pool: DatabasePool
    /// The figures of the incidents' people, kept until the register changes (`Register+Figures.swift`).
    let figuresCache: SubjectFiguresCache

    /// Opens the register at `url`; with `create`, makes a new one when none exists.
    ///
    /// - Throws: ``RegisterError`` when the file is missing, from a newer breachmail, locked or damaged.
    public init(at url: URL, create: Bool = false) throws(RegisterError) {
        path = url.path
        let exists = FileManager.default.fileExists(atPath: url.path)
        if !exists {
            guard create else { throw .missing(url.path) }
            // Create the file ourselves so that it is 0600 from its first byte; SQLite gives its
            // -wal and -shm files the same permissions.
            let fd = open(url.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
            guard fd >= 0 else { throw .readOnly(url.path) }
            close(fd)
        }
        figuresCache = SubjectFiguresCache(path: url.path)
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(2)
        configuration.foreignKeysEnabled = true
        configuration.label = "breachmail.register"
        // Every commit reaches the disk before it returns (SQLite's FULL; WAL mode). SQLite's
        // temporary files (a statement's undo journal: the import's inserts of many rows each)
        // stay in memory: people's rows are not written to /var/tmp, and an import of a million
        // rows makes 570,000 fewer writes. (Sorts that spill still use files; none of the
        // register's queries sorts a table that grows with the people: `QueryPlanCLITests`.)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY") }
        StatementLog.install(&configuration)
        let path = url.path
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Self.migrator
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(migrator.migrations)
            if !unknown.isEmpty { throw RegisterError.newer(path, unknown.sorted()) }
            let pending = Set(migrator.migrations).subtracting(applied)
            if !pending.isEmpty {
                try Self.announceLongMigrations(pool, pending: pending)
                try migrator.migrate(pool)
            }
            // An import whose process died left rows that were never recorded: remove them before
            // anyone reads the subjects. Best effort, as below.
            if try pool.read({ db in try Bool.fetchOne(db, sql: "SELECT 1 FROM subject_import LIMIT 1") }) == true {
                _ = try? removeDeadImports()
            }
            // Running or dead campaigns leave changes in their subject journals: apply them now,
            // so that whatever opens the register sees the subjects as they are. Best effort: a
            // register that cannot be written (a read-only copy) is read as its subjects stand.
            if !journalPaths().isEmpty { _ = try? foldJournals() }
        } catch let error as RegisterError {
            throw error
        } catch {
            throw Self.map(error, path)
        }
    }

    // MARK: Schema

    /// Says on standard error, before it starts, that a migration which rebuilds the people's
    /// table will take a while (from 100,000 people): the first command after an upgrade would
    /// otherwise sit silent for seconds.
    private static func announceLongMigrations(_ pool: DatabasePool, pending: Set<String>) throws {
        guard pending.contains("v13-subject-row-key"), !pending.contains("v2-subjects") else { return }
        // The largest id: about how many rows there are, read without counting them.
        let people = try pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(id) FROM subject") ?? 0 }
        guard people >= 100_000 else { return }
        let seconds = max(1, Int((Double(people) / 1_000_000 * 13).rounded()))
        FileHandle.standardError.write(Data("""
            Upgrading the register: the people's table is rebuilt once for this version (about \(people) people, \
            \(seconds) s or so; interrupted, it starts again at the next command).\n
            """.utf8))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-register") { db in
            try db.execute(sql: """
                CREATE TABLE history (
                    sequence INTEGER PRIMARY KEY,
                    recorded_at TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    incident_id TEXT,
                    version INTEGER,
                    payload TEXT NOT NULL,
                    payload_hash TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    entry_hash TEXT NOT NULL
                );
                CREATE INDEX history_incident ON history(incident_id, kind);
                CREATE TRIGGER history_append_only_update BEFORE UPDATE ON history
                    BEGIN SELECT RAISE(ABORT, 'the register history is append-only'); END;
                CREATE TRIGGER history_append_only_delete BEFORE DELETE ON history
                    BEGIN SELECT RAISE(ABORT, 'the register history is append-only'); END;
                CREATE TABLE incident (
                    id TEXT PRIMARY KEY,
                    version INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    awareness TEXT NOT NULL,
                    due_at REAL NOT NULL,
                    opened_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    content TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-notifications") { db in
            try db.execute(sql: Register.notificationSchema)
        }
        registerSubjectMigrations(&migrator)
        registerBounceMigrations(&migrator)
        registerSubjectJournalMigrations(&migrator)
        registerClockMigrations(&migrator)
        registerControllerNoticeMigrations(&migrator)
        registerBounceReviewMigrations(&migrator)
        registerCoverageMigrations(&migrator)
        registerScaleMigrations(&migrator)
        // `breachmail serve`: API tokens (hashed) and the one-instance lease.
        migrator.registerMigration("v10-service") { db in
            try db.execute(sql: Register.tokenSchema + Register.leaseSchema)
        }
        registerSchedulerMigrations(&migrator)
        registerImportMigrations(&migrator)
        registerRowKeyMigration(&migrator)
        return migrator
    }

    // MARK: Incidents

    /// Records a new incident; its id is `BR-YEAR-NNNN`, numbered within the year of opening.
    public func openIncident(_ incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord {
        try write { db in
            let year = String(RFC3339UTC.format(now).prefix(4))
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incident WHERE id LIKE ?", arguments: ["BR-\(year)-%"]) ?? 0
            let id = "BR-\(year)-\(String(format: "%04d", count + 1))"
            let content = try Self.json(incident)
            let stamp = RFC3339UTC.format(now)
            try db.execute(
                sql: "INSERT INTO incident (id, version, title, awareness, due_at, opened_at, updated_at, content) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                arguments: [id, incident.title, incident.awareness.description, incident.deadline.due.timeIntervalSince1970, stamp, stamp, content])
            try Self.append(db, kind: HistoryEntry.Kind.incidentOpened, incidentID: id, version: 1, payload: content, actor: actor, at: now)
            return IncidentRecord(id: id, version: 1, incident: incident, openedAt: stamp, updatedAt: stamp)
        }
    }

    /// Records a new version of an incident; earlier versions stay in the history.
    public func updateIncident(_ id: String, to incident: Incident, actor: String, at now: Date) throws(RegisterError) -> IncidentRecord {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT version, opened_at FROM incident WHERE id = ?", arguments: [id]) else {
                throw RegisterError.notFound(id)
            }
            let version: Int = row["version"] + 1
            let content = try Self.json(incident)
            let stamp = RFC3339UTC.format(now)
            try db.execute(
                sql: "UPDATE incident SET version = ?, title = ?, awareness = ?, due_at = ?, updated_at = ?, content = ? WHERE id = ?",
                arguments: [version, incident.title, incident.awareness.description, incident.deadline.due.timeIntervalSince1970, stamp, content, id])
            try Self.append(db, kind: HistoryEntry.Kind.incidentUpdated, incidentID: id, version: version, payload: content, actor: actor, at: now)
            return IncidentRecord(id: id, version: version, incident: incident, openedAt: row["opened_at"], updatedAt: stamp)
        }
    }

    /// Every incident, oldest first.
    public func incidents() throws(RegisterError) -> [IncidentRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM incident ORDER BY opened_at, id").map(Self.record)
        }
    }

    /// The current version of an incident.
    public func incident(_ id: String) throws(RegisterError) -> IncidentRecord {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incident WHERE id = ?", arguments: [id]) else {
                throw RegisterError.notFound(id)
            }
            return try Self.record(row)
        }
    }

    /// One version of an incident, from the history.
    public func incident(_ id: String, version: Int) throws(RegisterError) -> IncidentRecord {
        let current = try incident(id)
        return try read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT payload, recorded_at FROM history
                WHERE incident_id = ? AND version = ? AND kind IN (?, ?)
                """, arguments: [id, version, HistoryEntry.Kind.incidentOpened, HistoryEntry.Kind.incidentUpdated])
            else { throw RegisterError.noVersion(id, version, current.version) }
            let incident = try JSONDecoder().decode(Incident.self, from: Data((row["payload"] as String).utf8))
            return IncidentRecord(id: id, version: version, incident: incident, openedAt: current.openedAt, updatedAt: row["recorded_at"])
        }
    }

    // MARK: History

    /// Appends an entry about an incident (a decision, a notification…) to the history.
    ///
    /// `update` runs in the same transaction, so the entry and the change it records land together.
    public func append<Payload: Encodable>(
        kind: String, incidentID: String?, payload: Payload, actor: String, at now: Date,
        update: (@Sendable (RegisterTransaction) throws -> Void)? = nil
    ) throws(RegisterError) -> HistoryEntry {
        try write { db in
            try update?(RegisterTransaction(db: db))
            return try Self.append(db, kind: kind, incidentID: incidentID, version: nil, payload: Self.json(payload), actor: actor, at: now)
        }
    }

    /// The history, oldest first; of one incident when `incidentID` is given.
    public func history(incidentID: String? = nil) throws(RegisterError) -> [HistoryEntry] {
        try read { db in
            let rows = incidentID == nil
                ? try Row.fetchAll(db, sql: "SELECT * FROM history ORDER BY sequence")
                : try Row.fetchAll(db, sql: "SELECT * FROM history WHERE incident_id = ? ORDER BY sequence", arguments: [incidentID])
            return rows.map(Self.entry)
        }
    }

    /// Checks the whole chain, and that every incident's current state is its last recorded version.
    public func verify() throws(RegisterError) -> ChainVerification {
        try read { db in
            let entries = try Row.fetchAll(db, sql: "SELECT * FROM history ORDER BY sequence").map(Self.entry)
            let incidents = try Row.fetchAll(db, sql: "SELECT id, version, content FROM incident ORDER BY id").map {
                (id: $0["id"] as String, version: $0["version"] as Int, content: $0["content"] as String)
            }
            let notifications = try Row.fetchAll(db, sql: "SELECT * FROM notification ORDER BY id").map(Self.notificationColumns)
            return try Self.verify(entries: entries, incidents: incidents, notifications: notifications) {
                try Self.subjectDigest(db)
            }
        }
    }

    /// Checks `entries` as a chain, the incidents' rows and the notifications' rows against it, and
    /// the subjects' digest (computed by `subjectDigest`, only when the chain and the rows hold):
    /// the same verdict whatever the store that read them.
    package static func verify(entries: [HistoryEntry], incidents: [(id: String, version: Int, content: String)],
                               notifications: [NotificationColumns],
                               subjectDigest: () throws -> String) throws -> ChainVerification {
        var previous = HistoryChain.genesis
        var expected: Int64 = 1
        var lastVersion: [String: (version: Int, payload: String)] = [:]
        func result(_ problem: ChainVerification.Problem?) -> ChainVerification {
            ChainVerification(entries: entries.count, head: entries.last?.entryHash ?? HistoryChain.genesis, firstProblem: problem)
        }
        for e in entries {
            if e.sequence != expected {
                return result(.init(sequence: expected, message: e.sequence > expected
                    ? "is missing: entries \(expected)…\(e.sequence - 1) were removed"
                    : "appears twice"))
            }
            if HistoryChain.sha256(e.payload) != e.payloadHash {
                return result(.init(sequence: e.sequence, message: "was altered: its content no longer matches its hash"))
            }
            if e.previousHash != previous {
                return result(.init(sequence: e.sequence, message: "does not follow entry \(e.sequence - 1): the chain was rewritten"))
            }
            if HistoryChain.entryHash(e) != e.entryHash {
                return result(.init(sequence: e.sequence, message: "was altered: its time, actor, kind or incident no longer match its hash"))
            }
            if let id = e.incidentID, let version = e.version {
                lastVersion[id] = (version, e.payload)
            }
            previous = e.entryHash
            expected += 1
        }
        for (id, version, content) in incidents {
            guard let last = lastVersion[id], last.version == version else {
                return result(.init(sequence: expected, message: "is missing: incident \(id) is at version \(version) "
                    + "but the history ends at version \(lastVersion[id]?.version ?? 0)"))
            }
            if last.payload != content {
                return result(.init(sequence: expected - 1, message: "incident \(id) was changed outside the history"))
            }
        }
        if let problem = try verifyNotifications(notifications, entries) ?? verifySubjects(entries, digest: subjectDigest) {
            return result(problem)
        }
        return result(nil)
    }

    // MARK: Plumbing

    @discardableResult
    static func append(_ db: Database, kind: String, incidentID: String?, version: Int?, payload: String,
                               actor: String, at now: Date) throws -> HistoryEntry {
        let last = try Row.fetchOne(db, sql: "SELECT sequence, entry_hash FROM history ORDER BY sequence DESC LIMIT 1")
        let sequence: Int64 = (last?["sequence"] ?? 0) + 1
        let unsigned = HistoryEntry(
            sequence: sequence, recordedAt: RFC3339UTC.format(now), actor: actor, kind: kind, incidentID: incidentID,
            version: version, payload: payload, payloadHash: HistoryChain.sha256(payload),
            previousHash: last?["entry_hash"] ?? HistoryChain.genesis, entryHash: "")
        let entry = unsigned.with(entryHash: HistoryChain.entryHash(unsigned))
        try db.execute(sql: """
            INSERT INTO history (sequence, recorded_at, actor, kind, incident_id, version, payload, payload_hash, previous_hash, entry_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.sequence, entry.recordedAt, entry.actor, entry.kind, entry.incidentID, entry.version,
                             entry.payload, entry.payloadHash, entry.previousHash, entry.entryHash])
        return entry
    }

    private static func record(_ row: Row) throws -> IncidentRecord {
        let incident = try JSONDecoder().decode(Incident.self, from: Data((row["content"] as String).utf8))
        return IncidentRecord(id: row["id"], version: row["version"], incident: incident, openedAt: row["opened_at"], updatedAt: row["updated_at"])
    }

    static func entry(_ row: Row) -> HistoryEntry {
        HistoryEntry(sequence: row["sequence"], recordedAt: row["recorded_at"], actor: row["actor"], kind: row["kind"],
                     incidentID: row["incident_id"], version: row["version"], payload: row["payload"],
                     payloadHash: row["payload_hash"], previousHash: row["previous_hash"], entryHash: row["entry_hash"])
    }

    package static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func read<T>(_ body: (Database) throws -> T) throws(RegisterError) -> T {
        do { return try pool.read(body) } catch { throw Self.map(error, path) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(RegisterError) -> T {
        do { return try pool.write(body) } catch { throw Self.map(error, path) }
    }

    static func map(_ error: any Error, _ path: String) -> RegisterError {
        if let error = error as? RegisterError { return error }
        guard let db = error as? DatabaseError else { return .storage(path, "\(error)") }
        switch db.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path, db.message ?? "file is not a database")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: return .readOnly(path)
        default: return .storage(path, db.message ?? "\(db.resultCode)")
        }
    }
}

/// Lets a caller of ``Register/append(kind:incidentID:payload:actor:at:update:)`` write its own
/// rows in the same transaction as the history entry.
public struct RegisterTransaction {
    let db: Database

    /// A value bound to a statement parameter.
    public enum Value: Sendable {
        case text(String), integer(Int64), real(Double), null
    }

    public func execute(_ sql: String, _ arguments: [Value] = []) throws {
        let values: [(any DatabaseValueConvertible)?] = arguments.map {
            switch $0 {
            case .text(let t): t
            case .integer(let i): i
            case .real(let r): r
            case .null: nil
            }
        }
        try db.execute(sql: sql, arguments: StatementArguments(values))
    }
}

/// An incident as the register holds it.
public struct IncidentRecord: Sendable, Equatable {
    public let id: String
    public let version: Int
    public let incident: Incident
    /// RFC 3339, UTC.
    public let openedAt: String
    public let updatedAt: String

    package init(id: String, version: Int, incident: Incident, openedAt: String, updatedAt: String) {
        self.id = id
        self.version = version
        self.incident = incident
        self.openedAt = openedAt
        self.updatedAt = updatedAt
    }
}

package enum HistoryChain {
    package static let genesis = String(repeating: "0", count: 64)

    package static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    package static func entryHash(_ e: HistoryEntry) -> String {
        sha256([String(e.sequence), e.recordedAt, e.actor, e.kind, e.incidentID ?? "", e.version.map(String.init) ?? "",
                e.payloadHash, e.previousHash].joined(separator: "\n"))
    }
}

extension HistoryEntry {
    package func with(entryHash: String) -> HistoryEntry {
        HistoryEntry(sequence: sequence, recordedAt: recordedAt, actor: actor, kind: kind, incidentID: incidentID, version: version,
                     payload: payload, payloadHash: payloadHash, previousHash: previousHash, entryHash: entryHash)
    }
}

/// UTC timestamps for the register.
package enum RFC3339UTC {
    package static func format(_ date: Date) -> String { ZonedTime(instant: date, offsetSeconds: 0).description }
}
