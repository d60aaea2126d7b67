import BreachCore
import Foundation
import GRDB
import GRDBSQLite

/// The figures `status` reads of an incident's people (the counts per state, the submissions by
/// second, the people with bounces, the failures by reason), computed once per change of the
/// register and kept until the next one: `breachmail serve` answers `GET …/status` and the
/// dashboard on a million people without reading the indexes of every person at each request
/// (issue 13), and `status` reads the counts per state once instead of twice.
///
/// A change is seen by SQLite's `PRAGMA data_version` on a connection of the cache's own, which
/// never writes: its value changes whenever any other connection commits, of this process or of
/// another one (a `breachmail` command beside the service, a campaign's fold). The version is read
/// before the figures are, so figures kept under a version are never older than it; a version that
/// cannot be read keeps nothing.
///
/// `@unchecked Sendable`: the connection and the kept figures are used under `lock` only.
final class SubjectFiguresCache: @unchecked Sendable {
    /// What is kept of one incident, of one moment.
    struct Figures: Sendable {
        var stateCounts: [String: Int]
        /// Submitted people by the second of their submission: RFC 3339 UTC stamps, ascending.
        var submissions: [(stamp: String, count: Int)]
        /// The people with at least one credited bounce, as reach sees them (without `now`).
        var bounced: [ReachSubject]
    }

    /// Values kept at once (an incident's figures, its failures by reason); the least recently
    /// kept one goes first.
    static let capacity = 16

    private let lock = NSLock()
    private var connection: OpaquePointer?
    private var kept: [String: (version: Int64, value: any Sendable)] = [:]
    private var order: [String] = []

    init(path: String) {
        var db: OpaquePointer?
        if sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK {
            sqlite3_busy_timeout(db, 2000)
            connection = db
        } else {
            sqlite3_close(db)
        }
    }

    deinit { sqlite3_close(connection) }

    /// The value kept under `key` when the register has not changed since it was read; else
    /// `read()`, kept (unless the register's version cannot be read: then nothing is kept).
    func value<Value: Sendable>(_ key: String, _ read: () throws(RegisterError) -> Value) throws(RegisterError) -> Value {
        let version = self.version()
        if let version, let value = lock.withLock({ kept[key].flatMap { $0.version == version ? $0.value as? Value : nil } }) {
            return value
        }
        let value = try read()
        guard let version else { return value }
        lock.withLock {
            kept[key] = (version, value)
            order.removeAll { $0 == key }
            order.append(key)
            while order.count > Self.capacity { kept[order.removeFirst()] = nil }
        }
        return value
    }

    /// The register's version now; nil when it cannot be read.
    private func version() -> Int64? {
        lock.withLock {
            guard let connection else { return nil }
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(connection, "PRAGMA data_version", -1, &statement, nil) == SQLITE_OK else { return nil }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW else { return nil }
            return sqlite3_column_int64(statement, 0)
        }
    }
}

extension Register {
    /// The figures of an incident's people as of now: kept ones when the register has not changed
    /// since they were read, else read again (in one read transaction: every figure of the same
    /// moment) and kept.
    func subjectFigures(incidentID: String) throws(RegisterError) -> SubjectFiguresCache.Figures {
        try figuresCache.value("figures\u{1F}" + incidentID) { () throws(RegisterError) in
            do {
                return try pool.read { db in
                    var states: [String: Int] = [:]
                    for row in try Row.fetchAll(db, sql: Self.stateCountsSQL, arguments: [incidentID]) { states[row[0]] = row[1] }
                    var submissions: [(stamp: String, count: Int)] = []
                    for row in try Row.fetchAll(db, sql: Self.submissionsBySecondSQL, arguments: [incidentID]) {
                        submissions.append((row[0], row[1]))
                    }
                    var bounced: [ReachSubject] = []
                    try Self.forEachBouncedSubject(db, incidentID: incidentID) { bounced.append($0) }
                    return SubjectFiguresCache.Figures(stateCounts: states, submissions: submissions, bounced: bounced)
                }
            } catch { throw Self.map(error, path) }
        }
    }

    // The literal 'submitted' lets SQLite use the partial index subject_submitted, which is in
    // `updated_at` order: grouped without a temporary B-tree.
    static let submissionsBySecondSQL = """
        SELECT updated_at, COUNT(*) FROM subject WHERE incident_id = ? AND state = 'submitted' GROUP BY updated_at ORDER BY updated_at
        """
}
