public import Foundation
import BreachCore
import GRDB

// Importing a large file in batches (issue 18): the write-ahead log stays the size of one batch,
// and a failed or killed import still leaves nobody behind.
//
// An import is first recorded in `subject_import` (its id, its incident, the largest subject id
// before it), in a transaction of its own. Its rows are then written in batches of
// ``Register/importBatch``, each a transaction, every row carrying the import's id in
// `import_entry`. The final transaction appends the `subjects.imported` entry, adds the rows to
// the subjects' digest and removes the `subject_import` row: from then on the import is part of
// the register. An import whose `subject_import` row is still there is unfinished: its rows are
// removed (in batches too) when it fails, and, when its process died, by whoever opens the
// register next (``Register/init(at:create:)``) or starts a campaign of the incident.
//
// While it runs, the import holds the incident's lock (the file a campaign of the incident
// holds, `.campaign-INCIDENT.lock` beside the register): no campaign of that incident can send to
// its rows before they are recorded, and a lock the kernel dropped tells that the import died.
extension Register {
    static func registerImportMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-import-batches") { db in
            try db.execute(sql: """
                CREATE TABLE subject_import (
                    id INTEGER PRIMARY KEY,
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    after_id INTEGER NOT NULL,
                    started_at TEXT NOT NULL
                );
                """)
        }
    }

    /// Rows written per transaction by an import (and removed per transaction when it is undone);
    /// `BREACHMAIL_TEST_IMPORT_BATCH` makes it smaller for the crash tests.
    package static let importBatch = ProcessInfo.processInfo.environment["BREACHMAIL_TEST_IMPORT_BATCH"].flatMap { Int($0) }
        .flatMap { $0 > 0 ? $0 : nil } ?? 50_000
    /// Test hook (`BREACHMAIL_TEST_IMPORT_HOLD=N`): once N batches are committed and some rows
    /// of the next one written (its transaction open), the import stays there until the process
    /// is killed, so that a crash test kills it at a point it knows, without racing it.
    package static let importHold = ProcessInfo.processInfo.environment["BREACHMAIL_TEST_IMPORT_HOLD"].flatMap { Int($0) }

    /// The lock file of one incident, beside the register: held by its campaign run, or by an
    /// import into it, while they run.
    public func incidentLockPath(_ incidentID: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(".campaign-\(incidentID).lock").path
    }

    /// Imports subjects into `incidentID`: either every row `body` inserts and the
    /// `subjects.imported` history entry are recorded, or nothing is.
    ///
    /// `body` inserts through the ``SubjectWriter`` and returns the history payload (counts and
    /// the file's SHA-256, never its content). The rows are written in batches (see above); an
    /// error thrown by `body` is rethrown unchanged after the rows written so far are removed.
    /// - Throws: ``RegisterError`` when the incident does not exist, a campaign of it or another
    ///   import into it is running (`.locked`), or the register fails; whatever `body` throws.
    public func importSubjects<Payload: Encodable>(
        incidentID: String, actor: String, at now: Date, _ body: (SubjectWriter) throws -> Payload
    ) throws -> HistoryEntry {
        let lock = try IncidentLock(path: incidentLockPath(incidentID))
        guard let lock else { throw RegisterError.incidentBusy(incidentID) }
        defer { lock.release() }
        let stamp = RFC3339UTC.format(now)
        let (importID, afterID) = try write { db -> (Int64, Int64) in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM incident WHERE id = ?", arguments: [incidentID]) == true else {
                throw RegisterError.notFound(incidentID)
            }
            // Above every history sequence so far, so above the `import_entry` of every earlier
            // import (the sequence of its entry, or its own id, which is at most that).
            let lastEntry = try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM history") ?? 0
            let lastImport = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM subject_import") ?? 0
            let id = max(lastEntry, lastImport) + 1
            let after = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM subject") ?? 0
            try db.execute(sql: "INSERT INTO subject_import (id, incident_id, after_id, started_at) VALUES (?, ?, ?, ?)",
                           arguments: [id, incidentID, after, stamp])
            return (id, after)
        }
        var bodyError: (any Error)?
        do {
            return try pool.writeWithoutTransaction { db in
                // A page cache of 4 MiB while the indexes grow: measured on 1,000,000 rows, 4, 6, 16
                // and 32 MiB import as fast as one another (the pages it misses are in the kernel's
                // cache), and 4 MiB keeps the whole process near 60 MiB (16 MiB: 75 MiB).
                // The batches are not synced one by one: a batch lost in a power cut belongs to an
                // unfinished import, removed anyway; the final step is synced (FULL), and with it
                // every batch before it in the write-ahead log.
                try db.execute(sql: "PRAGMA cache_size = -4096; PRAGMA synchronous = NORMAL")
                defer { _ = try? db.execute(sql: "PRAGMA cache_size = -2000; PRAGMA synchronous = FULL") }
                try db.beginTransaction(.immediate)
                do {
                    let writer = try SubjectWriter(db: db, incidentID: incidentID, importEntry: importID, stamp: stamp)
                    let payload: Payload
                    do { payload = try body(writer) } catch { bodyError = error; throw error }
                    try db.commit()
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    try db.beginTransaction(.immediate)
                    // The final step: the entry, the digest and the end of the import, in one transaction.
                    let entry = try Self.append(db, kind: HistoryEntry.Kind.subjectsImported, incidentID: incidentID, version: nil,
                                                payload: Self.json(ImportPayload(payload: payload, importEntry: importID)),
                                                actor: actor, at: now)
                    try Self.subjectsImported(db, digest: writer.digest, actor: actor, at: now)
                    try db.execute(sql: "DELETE FROM subject_import WHERE id = ?", arguments: [importID])
                    try db.commit()
                    return entry
                } catch {
                    if db.isInsideTransaction { try db.rollback() }
                    throw error
                }
            }
        } catch {
            // The batches already written are taken back; should that fail too, the import's row
            // stays and the next opening of the register removes them (the lock is released).
            _ = try? removeImport(importID, after: afterID)
            if let bodyError { throw bodyError }
            throw Self.map(error, path)
        }
    }

    /// Removes the rows of the unfinished imports whose process is gone (their incident's lock
    /// is free), and their records. Returns how many rows were removed.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    @discardableResult
    public func removeDeadImports() throws(RegisterError) -> Int {
        var removed = 0
        for (id, incidentID, after) in try unfinishedImports() {
            guard let lock = try IncidentLock(path: incidentLockPath(incidentID)) else { continue }  // still running
            defer { lock.release() }
            removed += try removeImport(id, after: after)
        }
        return removed
    }

    /// Removes the rows of every unfinished import into `incidentID`. Call it only while holding
    /// the incident's lock (a campaign run does, before it reads anyone): no import into it is
    /// running then, so an unfinished one died.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    @discardableResult
    public func removeUnfinishedImports(incidentID: String) throws(RegisterError) -> Int {
        var removed = 0
        for (id, incident, after) in try unfinishedImports() where incident == incidentID {
            removed += try removeImport(id, after: after)
        }
        return removed
    }

    func unfinishedImports() throws(RegisterError) -> [(id: Int64, incidentID: String, after: Int64)] {
        try read { db -> [(id: Int64, incidentID: String, after: Int64)] in
            var imports: [(id: Int64, incidentID: String, after: Int64)] = []
            for row in try Row.fetchAll(db, sql: "SELECT id, incident_id, after_id FROM subject_import ORDER BY id") {
                imports.append((id: row["id"], incidentID: row["incident_id"], after: row["after_id"]))
            }
            return imports
        }
    }

    /// Deletes the rows of import `id` (all with an id above `after`) a batch per transaction,
    /// then its record. Its rows were never in the digest nor in the history: nothing else changes.
    func removeImport(_ id: Int64, after: Int64) throws(RegisterError) -> Int {
        var removed = 0
        while true {
            let n = try write { db -> Int in
                try db.execute(sql: """
                    DELETE FROM subject WHERE id IN (SELECT id FROM subject WHERE id > ? AND import_entry = ? LIMIT ?)
                    """, arguments: [after, id, Self.importBatch])
                return db.changesCount
            }
            removed += n
            if n == 0 { break }
        }
        try write { db in try db.execute(sql: "DELETE FROM subject_import WHERE id = ?", arguments: [id]) }
        return removed
    }
}

/// The history payload of an import: the importer's counts, and the id its rows carry.
package struct ImportPayload<Payload: Encodable>: Encodable {
    let payload: Payload
    let importEntry: Int64

    package init(payload: Payload, importEntry: Int64) {
        self.payload = payload
        self.importEntry = importEntry
    }

    enum CodingKeys: String, CodingKey { case importEntry = "import_entry" }

    package func encode(to encoder: any Encoder) throws {
        try payload.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(importEntry, forKey: .importEntry)
    }
}

/// An exclusive `flock(2)` on an incident's lock file; nil from the initialiser when someone holds it.
final class IncidentLock {
    private let fd: Int32

    init?(path: String) throws(RegisterError) {
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .readOnly(path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        self.fd = fd
    }

    func release() { close(fd) }
}
