import BreachCore
public import Foundation
import GRDB

/// The campaign's state changes, appended to a log before they are applied to the subjects.
///
/// A campaign records two changes per message (`sending` before it goes, the outcome after),
/// each before the next message can be delivered. Applied one by one, each change rewrites the
/// subject's row and moves it in the state index: several pages per commit. Appended to
/// `subject_log`, a commit writes one page; the log is applied to the subjects in bulk (*folded*)
/// at least once a second, when the campaign ends, and whenever the register is opened, so
/// every other reader sees the subjects as they are. Folding applies the changes in the order
/// they were made, each with its `from` condition, exactly as ``updateSubjects(_:at:durability:)``
/// would have, and deletes them in the same transaction: each change applies exactly once.
extension Register {
    static func registerSubjectLogMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-subject-log") { db in
            try db.execute(sql: """
                CREATE TABLE subject_log (
                    seq INTEGER PRIMARY KEY,
                    subject_id INTEGER NOT NULL,
                    from_states TEXT,
                    state TEXT NOT NULL,
                    reason TEXT,
                    counts_as_attempt INTEGER NOT NULL,
                    next_attempt_at TEXT,
                    first_attempt_at TEXT,
                    message_id TEXT,
                    last_reply TEXT,
                    recorded_at TEXT NOT NULL
                );
                """)
        }
    }

    /// Appends state changes to the log in one transaction; with `fold`, also applies the whole
    /// log to the subjects and writes it all to the disk (``Durability/synced``), else the
    /// transaction survives the process being killed, not a power loss (see ``Durability``).
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func logSubjectUpdates(_ updates: [SubjectUpdate], at now: Date, fold: Bool) throws(RegisterError) {
        let stamp = RFC3339UTC.format(now)
        do {
            try write(fold ? .synced : .survivesProcessCrash) { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO subject_log (subject_id, from_states, state, reason, counts_as_attempt, next_attempt_at,
                        first_attempt_at, message_id, last_reply, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for u in updates {
                    let change = StateChange(u, stamp: stamp)
                    try insert.execute(arguments: [
                        change.id, change.from?.joined(separator: ","), change.state, change.reason, change.attempts,
                        change.nextAttemptAt, change.firstAttemptAt, change.messageID, change.lastReply, change.stamp,
                    ])
                }
                if fold { _ = try Self.fold(db) }
            }
        } catch { throw Self.map(error, path) }
    }

    /// Applies the logged changes to the subjects and empties the log, in one synced
    /// transaction; returns how many were applied.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    @discardableResult
    public func foldSubjectLog() throws(RegisterError) -> Int {
        do { return try write(.synced) { db in try Self.fold(db) } } catch { throw Self.map(error, path) }
    }

    /// Whether changes wait in the log.
    func subjectLogIsEmpty() throws -> Bool {
        try pool.read { db in try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM subject_log)") ?? true }
    }

    static func fold(_ db: Database) throws -> Int {
        // Each subject's changes in order; subjects are independent rows, so only the order
        // within one subject matters.
        var order: [Int64] = []
        var chains: [Int64: [StateChange]] = [:]
        var last: Int64?
        var count = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM subject_log ORDER BY seq")
        while let row = try rows.next() {
            let from: String? = row["from_states"]
            let change = StateChange(
                id: row["subject_id"], from: from.map { $0.split(separator: ",").map(String.init) }, state: row["state"],
                reason: row["reason"], attempts: row["counts_as_attempt"], nextAttemptAt: row["next_attempt_at"],
                firstAttemptAt: row["first_attempt_at"], messageID: row["message_id"], lastReply: row["last_reply"],
                stamp: row["recorded_at"])
            if chains[change.id] == nil { order.append(change.id) }
            chains[change.id, default: []].append(change)
            last = row["seq"]
            count += 1
        }
        for id in order {
            let chain = chains[id]!
            var index = 0
            while index < chain.count {
                // A claim and its outcome, one after the other, become one write when the first
                // applies; when it does not, the second is tried alone, as it would have been.
                if index + 1 < chain.count, let both = chain[index].then(chain[index + 1]) {
                    if try !apply(both, db) { try apply(chain[index + 1], db) }
                    index += 2
                } else {
                    try apply(chain[index], db)
                    index += 1
                }
            }
        }
        if let last { try db.execute(sql: "DELETE FROM subject_log WHERE seq <= ?", arguments: [last]) }
        return count
    }

    /// Applies one change to its subject; returns whether the subject changed (its `from`
    /// condition held).
    @discardableResult
    static func apply(_ c: StateChange, _ db: Database) throws -> Bool {
        var sql = """
            UPDATE subject SET state = ?, state_reason = ?, updated_at = ?,
                attempts = attempts + ?, next_attempt_at = ?,
                first_attempt_at = COALESCE(first_attempt_at, ?),
                message_id = COALESCE(?, message_id), last_reply = COALESCE(?, last_reply)
            WHERE id = ?
            """
        var arguments: [(any DatabaseValueConvertible)?] = [
            c.state, c.reason, c.stamp, c.attempts, c.nextAttemptAt, c.firstAttemptAt, c.messageID, c.lastReply, c.id,
        ]
        if let from = c.from {
            sql += " AND state IN (\(Array(repeating: "?", count: from.count).joined(separator: ",")))"
            arguments += from
        }
        // Cached: a campaign runs the same few statements for every message.
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments))
        return db.changesCount > 0
    }
}

/// A ``SubjectUpdate`` as the register stores it: states and times as text.
struct StateChange {
    var id: Int64
    /// Sorted raw states, or nil for any state.
    var from: [String]?
    var state: String
    var reason: String?
    /// Transactions tried (added to the subject's count).
    var attempts: Int
    var nextAttemptAt: String?
    var firstAttemptAt: String?
    var messageID: String?
    var lastReply: String?
    /// When the change was made (RFC 3339 UTC).
    var stamp: String

    init(id: Int64, from: [String]?, state: String, reason: String?, attempts: Int, nextAttemptAt: String?,
         firstAttemptAt: String?, messageID: String?, lastReply: String?, stamp: String) {
        self.id = id
        self.from = from
        self.state = state
        self.reason = reason
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.messageID = messageID
        self.lastReply = lastReply
        self.stamp = stamp
    }

    init(_ u: SubjectUpdate, stamp: String) {
        self.init(id: u.id, from: u.from.map { $0.map(\.rawValue).sorted() }, state: u.state.rawValue, reason: u.reason,
                  attempts: u.countsAsAttempt ? 1 : 0, nextAttemptAt: u.nextAttemptAt.map(RFC3339UTC.format),
                  firstAttemptAt: u.firstAttemptAt.map(RFC3339UTC.format), messageID: u.messageID, lastReply: u.lastReply,
                  stamp: stamp)
    }

    /// This change followed by `next` on the same subject as one change, when `next` applies
    /// whenever this one did (its `from` holds this one's state); nil otherwise.
    func then(_ next: StateChange) -> StateChange? {
        guard next.id == id, next.from.map({ $0.contains(state) }) ?? true else { return nil }
        // Sequentially: the state, reason, next attempt and time are the last's; attempts add
        // up; the first attempt keeps the first given; message id and reply the last given.
        return StateChange(id: id, from: from, state: next.state, reason: next.reason, attempts: attempts + next.attempts,
                           nextAttemptAt: next.nextAttemptAt, firstAttemptAt: firstAttemptAt ?? next.firstAttemptAt,
                           messageID: next.messageID ?? messageID, lastReply: next.lastReply ?? lastReply, stamp: next.stamp)
    }
}
