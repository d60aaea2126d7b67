import BreachCore
import Foundation
import GRDB
import GRDBSQLite

/// A journal's changes applied reading each person's row once.
///
/// ``Register/apply(_:_:)`` applies a change with an UPDATE that tests its `from` condition in
/// SQL, and ``Register/changingSubjects(_:ids:actor:at:_:)`` reads every person it changes twice
/// for the people's digest (the row as it was, taken out; as it is, added). A campaign's fold
/// changes thousands of people a second; here each row is read once, the changes are applied to
/// it in Swift with exactly the UPDATE's rules (``StateChange/updateSQL(fromCount:placeholder:)``),
/// the result written by id (the columns a change kept are left as they are stored), and the
/// digest of the row after is made from what was written. The fold holds the register's write
/// transaction from the read to the write: nothing else changes the rows between them. A
/// differential test keeps the two ways equal
/// (`SubjectJournalTests.foldingTheJournalEqualsApplyingEachChangeAtOnce`).
extension Register {
    /// Applies `changes` in order (each person's own in order) inside the current transaction;
    /// returns the change of the people's digest (the rows after, less the rows before) and how
    /// many people the changes are of.
    static func foldReadingOnce(_ db: Database, _ changes: [StateChange]) throws -> (delta: SubjectDigest, people: Int) {
        // Each person's changes in order: the indexes of the changes, by person then by place.
        let order = changes.indices.sorted { changes[$0].id != changes[$1].id ? changes[$0].id < changes[$1].id : $0 < $1 }
        // Each person's changes: a run of `order`.
        var chains: [(id: Int64, changes: Range<Int>)] = []
        var first = 0
        while first < order.count {
            let id = changes[order[first]].id
            var end = first + 1
            while end < order.count, changes[order[end]].id == id { end += 1 }
            chains.append((id, first..<end))
            first = end
        }
        var delta = SubjectDigest.zero
        var rows = FoldRows()
        var after = SubjectDigest.RowBytes()
        let update = try db.cachedStatement(sql: Self.foldUpdate).sqliteStatement
        for start in stride(from: 0, to: chains.count, by: 500) {
            // A batch of up to 500 people: their rows read at once.
            let batch = chains[start..<min(start + 500, chains.count)]
            try rows.read(db, batch.map(\.id))
            for (id, range) in batch {
                guard let row = rows.position[id] else { continue }  // no such person: nothing to change
                var person = FoldPerson(rows, row)
                var applied = false
                for k in range where person.apply(changes[order[k]], rows) { applied = true }
                guard applied else { continue }
                try person.write(update, id: id, rows, db)
                delta.subtract(rows.digest(row))
                delta.add(person.digest(rows, row, into: &after))
            }
        }
        return (delta, chains.count)
    }

    /// What a fold writes to a person, by id: the columns every change writes, and those a change
    /// may keep (first attempt, Message-ID, reply) only when one gave them (their flag 1).
    static let foldUpdate = """
        UPDATE subject SET state = ?1, state_reason = ?2, attempts = ?3, next_attempt_at = ?4,
            first_attempt_at = CASE WHEN ?10 THEN ?5 ELSE first_attempt_at END, updated_at = ?6,
            message_id = CASE WHEN ?11 THEN ?7 ELSE message_id END, last_reply = CASE WHEN ?12 THEN ?8 ELSE last_reply END
        WHERE id = ?9
        """
}

/// The rows of a batch of people as the digest reads them: the bytes of every row in one buffer,
/// and where each column of each row ends in it.
private struct FoldRows {
    var bytes = SubjectDigest.RowBytes()
    /// `SubjectDigest.columnCount + 1` offsets per row: its start, then the end of each column
    /// (each column's bytes are its tag, `v` or `n`, its text, and 0x1F).
    var bounds: [Int] = []
    /// Each person's row number, by id.
    var position: [Int64: Int] = [:]

    static let columns = SubjectDigest.columnCount
    // The columns a change writes or reads, in `SubjectDigest.columns`.
    static let state = 9, reason = 10, attempts = 11, nextAttempt = 12, firstAttempt = 13, importedAt = 14, updatedAt = 15,
               messageID = 16, lastReply = 17

    mutating func read(_ db: Database, _ ids: [Int64]) throws {
        bytes.reset()
        bounds.removeAll(keepingCapacity: true)
        position.removeAll(keepingCapacity: true)
        try Register.eachDigestRow(db, ids[...]) { statement in
            position[sqlite3_column_int64(statement, 0)] = bounds.count / (Self.columns + 1)
            bounds.append(bytes.bytes.count)
            for column in 0..<Int32(Self.columns) {
                bytes.append(statement, column: column)
                bounds.append(bytes.bytes.count)
            }
        }
    }

    /// The bytes of `column` of row `row`, tag and separator included.
    func span(_ row: Int, _ column: Int) -> Range<Int> {
        let base = row * (Self.columns + 1)
        return bounds[base + column]..<bounds[base + column + 1]
    }

    /// The text of `column` of row `row` (within the buffer), or nil for NULL.
    func text(_ row: Int, _ column: Int) -> Range<Int>? {
        let span = span(row, column)
        return bytes.bytes[span.lowerBound] == UInt8(ascii: "n") ? nil : span.lowerBound + 1..<span.upperBound - 1
    }

    /// The digest of row `row` as read.
    func digest(_ row: Int) -> SubjectDigest {
        let base = row * (Self.columns + 1)
        return bytes.bytes.withUnsafeBufferPointer { SubjectDigest.RowBytes.digest(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[bounds[base]..<bounds[base + Self.columns]]))) }
    }
}

/// A column of a person during a fold: as read (its text in the buffer, or NULL), or given by a change.
private enum FoldValue {
    case stored(Range<Int>?)
    case given(String?)

    var isNull: Bool {
        switch self {
        case .stored(let range): range == nil
        case .given(let text): text == nil
        }
    }
}

/// One person's columns that changes write, from its row, changed in Swift as the UPDATE of
/// ``StateChange/updateSQL(fromCount:placeholder:)`` changes them.
private struct FoldPerson {
    var state: FoldValue, reason: FoldValue, nextAttempt: FoldValue, firstAttempt: FoldValue
    var updatedAt: FoldValue, messageID: FoldValue, lastReply: FoldValue
    /// nil when NULL (then it stays NULL, as `attempts + ?` in SQL).
    var attempts: Int64?

    init(_ rows: FoldRows, _ row: Int) {
        state = .stored(rows.text(row, FoldRows.state))
        reason = .stored(rows.text(row, FoldRows.reason))
        nextAttempt = .stored(rows.text(row, FoldRows.nextAttempt))
        firstAttempt = .stored(rows.text(row, FoldRows.firstAttempt))
        updatedAt = .stored(rows.text(row, FoldRows.updatedAt))
        messageID = .stored(rows.text(row, FoldRows.messageID))
        lastReply = .stored(rows.text(row, FoldRows.lastReply))
        attempts = rows.text(row, FoldRows.attempts).flatMap { Int64(String(decoding: rows.bytes.bytes[$0], as: UTF8.self)) }
    }

    /// Applies `c` when its `from` condition holds; whether it did.
    mutating func apply(_ c: StateChange, _ rows: FoldRows) -> Bool {
        if let from = c.from {
            switch state {
            case .given(let text):
                guard let text, from.contains(text) else { return false }
            case .stored(let range):
                guard let range else { return false }
                let current = rows.bytes.bytes[range]
                guard from.contains(where: { $0.utf8.elementsEqual(current) }) else { return false }
            }
        }
        state = .given(c.state)
        reason = .given(c.reason)
        updatedAt = .given(c.stamp)
        attempts = attempts.map { $0 + Int64(c.attempts) }
        nextAttempt = .given(c.nextAttemptAt)
        if firstAttempt.isNull { firstAttempt = .given(c.firstAttemptAt) }
        if let id = c.messageID { messageID = .given(id) }
        if c.attempts > 0 || c.lastReply != nil { lastReply = .given(c.lastReply) }
        return true
    }

    /// Writes the person's changed columns with ``Register/foldUpdate``: a column as stored is
    /// left as it is (never written back from what was read).
    func write(_ statement: SQLiteStatement, id: Int64, _ rows: FoldRows, _ db: Database) throws {
        sqlite3_reset(statement)
        defer { sqlite3_clear_bindings(statement) }
        func bind(_ value: FoldValue, _ index: Int32, flag: Int32? = nil) {
            switch value {
            case .stored(let range):
                // Only the columns a change may keep are ever left as stored (`flag` 0); the others
                // were all given by the change that applied.
                if let flag { sqlite3_bind_int(statement, flag, 0) }
                if let range {
                    rows.bytes.bytes.withUnsafeBufferPointer {
                        _ = sqlite3_bind_text(statement, index, UnsafeRawPointer($0.baseAddress! + range.lowerBound).assumingMemoryBound(to: CChar.self),
                                              Int32(range.count), foldTransient)
                    }
                } else {
                    sqlite3_bind_null(statement, index)
                }
            case .given(nil):
                if let flag { sqlite3_bind_int(statement, flag, 1) }
                sqlite3_bind_null(statement, index)
            case .given(var text?):
                if let flag { sqlite3_bind_int(statement, flag, 1) }
                text.withUTF8 { _ = sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), foldTransient) }
            }
        }
        bind(state, 1)
        bind(reason, 2)
        if let attempts { sqlite3_bind_int64(statement, 3, attempts) } else { sqlite3_bind_null(statement, 3) }
        bind(nextAttempt, 4)
        bind(firstAttempt, 5, flag: 10)
        bind(updatedAt, 6)
        bind(messageID, 7, flag: 11)
        bind(lastReply, 8, flag: 12)
        sqlite3_bind_int64(statement, 9, id)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// The digest of the row as written: row `row`'s columns, those a change writes as they are now.
    func digest(_ rows: FoldRows, _ row: Int, into bytes: inout SubjectDigest.RowBytes) -> SubjectDigest {
        bytes.reset()
        func copy(_ columns: Range<Int>) {
            let from = rows.span(row, columns.lowerBound).lowerBound, to = rows.span(row, columns.upperBound - 1).upperBound
            bytes.bytes.append(contentsOf: rows.bytes.bytes[from..<to])
        }
        func append(_ value: FoldValue) {
            switch value {
            case .stored(nil), .given(nil):
                bytes.append(nil as String?)
            case .stored(let range?):
                bytes.bytes.append(UInt8(ascii: "v"))
                bytes.bytes.append(contentsOf: rows.bytes.bytes[range])
                bytes.bytes.append(0x1F)
            case .given(let text?):
                bytes.append(text)
            }
        }
        copy(0..<FoldRows.state)
        append(state)
        append(reason)
        if let attempts { bytes.append(attempts) } else { bytes.append(nil as String?) }
        append(nextAttempt)
        append(firstAttempt)
        copy(FoldRows.importedAt..<FoldRows.importedAt + 1)
        append(updatedAt)
        append(messageID)
        append(lastReply)
        copy(FoldRows.lastReply + 1..<FoldRows.columns)
        return bytes.digest()
    }
}

/// SQLite copies a text bound with it.
private let foldTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
