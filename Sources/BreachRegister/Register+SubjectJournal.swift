package import BreachCore
import Foundation
import GRDB
import GRDBSQLite

/// The campaign's state changes, appended to a journal file beside the register before they
/// are applied to the subjects; one journal per run.
///
/// A campaign records two changes per message (`sending` before it goes, the outcome after),
/// each before the next message can be delivered. Applied one by one in SQLite, each change is a
/// transaction that rewrites the subject's row and moves it in the state index. Appended to the
/// run's own ``SubjectJournal`` (`REGISTER.subject-log.RUN`, 0600), a change is one `write(2)` of a line: once it
/// returns, the change survives the process being killed; the journal is flushed to the disk
/// and applied to the subjects in bulk (*folded*) at least once a second, when the campaign ends,
/// and whenever the register is opened, so every other reader sees the subjects as they are.
/// Folding applies the changes in the order they were made, each with its `from` condition,
/// exactly as ``updateSubjects(_:at:)`` would have; the register remembers, in the
/// same transaction, the last change of that journal it applied, so each applies exactly once.
extension Register {
    static func registerSubjectJournalMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-subject-journal") { db in
            try db.execute(sql: """
                CREATE TABLE subject_journal (
                    journal_id TEXT PRIMARY KEY,
                    folded_seq INTEGER NOT NULL
                );
                """)
        }
    }

    /// The journals of this register are `REGISTER.subject-log.RUN`, one per campaign run
    /// (never `REGISTER-journal`, which SQLite would take for its own rollback journal); a
    /// journal named `REGISTER.subject-log` alone was left by a breachmail of before.
    public var journalPrefix: String { path + ".subject-log" }

    /// Every journal beside the register, of live runs and of dead ones, in name order.
    public func journalPaths() -> [String] {
        let url = URL(fileURLWithPath: journalPrefix)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { entry in
            guard entry.hasPrefix(name) else { return false }
            let rest = entry.dropFirst(name.count)
            return rest.isEmpty || (rest.hasPrefix(".") && rest.dropFirst().allSatisfy { $0.isHexDigit || $0 == "-" } && rest.count > 1)
        }.sorted().map { directory + "/" + $0 }
    }

    /// Applies every journal beside the register (see ``foldJournal(_:from:)``) and removes
    /// those whose run is over: a running campaign holds an exclusive `flock(2)` on its own, so
    /// a journal whose lock can be taken belongs to a run that ended or died. A live run's
    /// journal is applied up to its last complete line and left in place. Returns how many
    /// changes were applied.
    /// - Throws: ``RegisterError`` when a journal cannot be read or the register written.
    @discardableResult
    public func foldJournals() throws(RegisterError) -> Int {
        var applied = 0
        for journal in journalPaths() {
            let fd = open(journal, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }  // removed by its run or another folder meanwhile
            defer { close(fd) }
            let over = flock(fd, LOCK_EX | LOCK_NB) == 0
            applied += try foldJournal(journal, from: 0).applied
            if over { unlink(journal) }
        }
        return applied
    }

    /// Applies the changes of the journal at `journal` from byte `offset` on that the register
    /// has not applied yet, in one transaction; returns how many were applied and the offset
    /// reached (the start of the first incomplete line). No journal: nothing to do.
    /// - Throws: ``RegisterError`` when the journal cannot be read or the register written.
    @discardableResult
    public func foldJournal(_ journal: String, from offset: Int = 0) throws(RegisterError) -> (applied: Int, offset: Int) {
        guard let handle = FileHandle(forReadingAtPath: journal) else { return (0, offset) }
        defer { try? handle.close() }
        let head: [UInt8], bytes: [UInt8], start: Int
        do {
            head = Array(try handle.read(upToCount: 256) ?? Data())
            guard let newline = head.firstIndex(of: 10) else {
                throw RegisterError.storage(journal, "not a breachmail subject journal (no header line); move it away if it is not yours")
            }
            start = max(offset, newline + 1)
            try handle.seek(toOffset: UInt64(start))
            bytes = Array(try handle.readToEnd() ?? Data())
        } catch let error as RegisterError {
            throw error
        } catch {
            throw .storage(journal, "the subject journal cannot be read (\(error))")
        }
        let header = String(decoding: head.prefix(while: { $0 != 10 }), as: UTF8.self)
        guard header.hasPrefix(SubjectJournal.magic + " ") else {
            throw .storage(journal, "not a breachmail subject journal; move it away if it is not yours")
        }
        let journalID = String(header.dropFirst(SubjectJournal.magic.count + 1))
        var records: [(seq: Int64, change: StateChange)] = []
        var end = 0
        var lineStart = 0
        var fromLists: [String: [String]] = [:]
        for (index, byte) in bytes.enumerated() where byte == 10 {
            let line = bytes[lineStart..<index]
            if let record = SubjectJournal.decode(line, fromLists: &fromLists) { records.append(record) }
            lineStart = index + 1
            end = lineStart
        }
        do {
            let applied = try pool.write { db -> Int in
                let folded = try Int64.fetchOne(db, sql: "SELECT folded_seq FROM subject_journal WHERE journal_id = ?",
                                                arguments: [journalID]) ?? 0
                let fresh = records.filter { $0.seq > folded }
                guard let last = fresh.last else { return 0 }
                let at = ZonedTime(rfc3339: last.change.stamp)?.instant ?? Date()
                // Each person's row read once (``foldReadingOnce(_:_:)``), its digest moved by what was written.
                let (delta, people) = try Self.foldReadingOnce(db, fresh.map(\.change))
                try Self.changingSubjects(db, people: people, actor: Self.foldActor, at: at) { delta }
                try db.execute(sql: """
                    INSERT INTO subject_journal (journal_id, folded_seq) VALUES (?, ?)
                    ON CONFLICT (journal_id) DO UPDATE SET folded_seq = excluded.folded_seq
                    """, arguments: [journalID, last.seq])
                return fresh.count
            }
            return (applied, start + end)
        } catch { throw Self.map(error, path) }
    }

    /// The actor of the `subjects.digest` entries of folds and direct updates: the changes are
    /// the campaign's, whose run has its own `campaign.run` entry with the person who started it.
    package static let foldActor = "breachmail"

    /// Applies one change to its subject; returns whether the subject changed (its `from`
    /// condition held).
    @discardableResult
    static func apply(_ c: StateChange, _ db: Database) throws -> Bool {
        // Cached: a campaign runs the same few statements for every message. Bound through
        // SQLite's C API: GRDB's arguments (existentials, made again from the values for each
        // change) were a fifth of a fold's work.
        let statement = try db.cachedStatement(sql: StateChange.sqliteUpdate(fromCount: c.from?.count)).sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_clear_bindings(statement) }
        for (offset, value) in c.updateArguments.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let integer): sqlite3_bind_int64(statement, index, integer)
            case .text(nil): sqlite3_bind_null(statement, index)
            case .text(var text?):
                text.withUTF8 { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
            }
        }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
        return sqlite3_changes(db.sqliteConnection) > 0
    }
}

/// SQLite copies a text bound with it.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension StateChange {
    /// Applies changes in order through `apply`: each subject's own in order (subjects are independent rows).
    package static func fold(_ changes: [StateChange], apply: (StateChange) throws -> Bool) throws {
        var order: [Int64] = []
        var chains: [Int64: [StateChange]] = [:]
        for change in changes {
            if chains[change.id] == nil { order.append(change.id) }
            chains[change.id, default: []].append(change)
        }
        for id in order {
            let chain = chains[id]!
            var index = 0
            while index < chain.count {
                // A claim and its outcome, one after the other, become one write when the first
                // applies; when it does not, the second is tried alone, as it would have been.
                if index + 1 < chain.count, let both = chain[index].then(chain[index + 1]) {
                    if try !apply(both) { _ = try apply(chain[index + 1]) }
                    index += 2
                } else {
                    _ = try apply(chain[index])
                    index += 1
                }
            }
        }
    }

    /// SQLite's UPDATE for a change whose `from` condition has `fromCount` states (nil: none),
    /// its text made once for each of the usual shapes.
    static func sqliteUpdate(fromCount: Int?) -> String {
        guard let count = fromCount else { return sqliteUpdateAnyState }
        return count < sqliteUpdates.count ? sqliteUpdates[count] : updateSQL(fromCount: count, placeholder: { _ in "?" })
    }
    private static let sqliteUpdateAnyState = updateSQL(fromCount: nil, placeholder: { _ in "?" })
    private static let sqliteUpdates = (0..<8).map { updateSQL(fromCount: $0, placeholder: { _ in "?" }) }

    /// The UPDATE that applies this change, its parameters written by `placeholder(n)` (1-based),
    /// and the values to bind, in order.
    package func update(placeholder: (Int) -> String) -> (sql: String, arguments: [StateChangeValue]) {
        (Self.updateSQL(fromCount: from?.count, placeholder: placeholder), updateArguments)
    }

    /// The values of the UPDATE's parameters, in order.
    var updateArguments: [StateChangeValue] {
        // An attempt's outcome brings its reply, or none (a dropped connection): never an earlier
        // attempt's reply beside this one's reason.
        var arguments: [StateChangeValue] = [
            .text(state), .text(reason), .text(stamp), .integer(Int64(attempts)), .text(nextAttemptAt), .text(firstAttemptAt),
            .text(messageID), .integer(Int64(attempts)), .text(lastReply), .text(lastReply), .integer(id),
        ]
        if let from { arguments += from.map { .text($0) } }
        return arguments
    }

    /// The UPDATE's text for a `from` condition of `fromCount` states (nil: none).
    static func updateSQL(fromCount: Int?, placeholder: (Int) -> String) -> String {
        var n = 0
        func p() -> String { n += 1; return placeholder(n) }
        var sql = """
            UPDATE subject SET state = \(p()), state_reason = \(p()), updated_at = \(p()),
                attempts = attempts + \(p()), next_attempt_at = \(p()),
                first_attempt_at = COALESCE(first_attempt_at, \(p())),
                message_id = COALESCE(\(p()), message_id), last_reply = CASE WHEN \(p()) > 0 THEN \(p()) ELSE COALESCE(\(p()), last_reply) END
            WHERE id = \(p())
            """
        if let fromCount { sql += " AND state IN (\((0..<fromCount).map { _ in p() }.joined(separator: ",")))" }
        return sql
    }
}

/// A parameter of a ``StateChange``'s UPDATE.
package enum StateChangeValue {
    case text(String?), integer(Int64)
}

/// A ``SubjectUpdate`` as the register stores it: states and times as text.
package struct StateChange: Equatable {
    package var id: Int64
    /// Sorted raw states, or nil for any state.
    package var from: [String]?
    package var state: String
    package var reason: String?
    /// Transactions tried (added to the subject's count).
    package var attempts: Int
    package var nextAttemptAt: String?
    package var firstAttemptAt: String?
    package var messageID: String?
    package var lastReply: String?
    /// When the change was made (RFC 3339 UTC).
    package var stamp: String

    package init(id: Int64, from: [String]?, state: String, reason: String?, attempts: Int, nextAttemptAt: String?,
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

    package init(_ u: SubjectUpdate, stamp: String) {
        self.init(id: u.id, from: u.from.map(Self.names), state: u.state.rawValue, reason: u.reason,
                  attempts: u.countsAsAttempt ? 1 : 0, nextAttemptAt: u.nextAttemptAt.map(RFC3339UTC.format),
                  firstAttemptAt: u.firstAttemptAt.map(RFC3339UTC.format), messageID: u.messageID, lastReply: u.lastReply,
                  stamp: stamp)
    }

    /// The names of `states`, sorted: taken from a table made once (a campaign makes two changes
    /// a message, and sorting their names each time was a hundredth of its work).
    package static func names(_ states: Set<SubjectState>) -> [String] {
        var mask = 0
        for state in states { mask |= 1 << state.place }
        return namesByMask[mask]
    }

    /// The sorted names of every set of states, by the mask of their ``SubjectState/place``s.
    private static let namesByMask: [[String]] = (0..<(1 << SubjectState.allCases.count)).map { mask in
        SubjectState.allCases.filter { mask & (1 << $0.place) != 0 }.map(\.rawValue).sorted()
    }

    /// This change followed by `next` on the same subject as one change, when `next` applies
    /// whenever this one did (its `from` holds this one's state); nil otherwise.
    package func then(_ next: StateChange) -> StateChange? {
        guard next.id == id, next.from.map({ $0.contains(state) }) ?? true else { return nil }
        // Sequentially: the state, reason, next attempt and time are the last's; attempts add
        // up; the first attempt keeps the first given; message id the last given; the reply is
        // the last attempt's (even none) when the second is an attempt, else the last given.
        return StateChange(id: id, from: from, state: next.state, reason: next.reason, attempts: attempts + next.attempts,
                           nextAttemptAt: next.nextAttemptAt, firstAttemptAt: firstAttemptAt ?? next.firstAttemptAt,
                           messageID: next.messageID ?? messageID,
                           lastReply: next.attempts > 0 ? next.lastReply : next.lastReply ?? lastReply, stamp: next.stamp)
    }
}

extension SubjectState {
    /// The state's place in `allCases`, a bit of ``StateChange/names(_:)``'s mask.
    fileprivate var place: Int {
        switch self {
        case .queued: 0
        case .sending: 1
        case .submitted: 2
        case .deferred: 3
        case .failedPermanent: 4
        case .renderFailed: 5
        case .noAddress: 6
        }
    }
}
