public import Foundation
public import BreachCore
import GRDB
import GRDBSQLite

// The data subjects of an incident (Art. 34): imported from a CSV, then notified by the campaign.
//
// Re-importing merges: a subject is identified by its normalised address within the incident, so
// rows already recorded (by this file or an earlier import) count as duplicates and are never
// recorded twice. Rows without a usable address are identified by `row_key` (a hash of the row's
// fields), so importing the same file twice records nothing new; importing a corrected file
// adds only the people who were missing.

extension Register {
    static func registerSubjectMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-subjects") { db in
            // No CHECK on `state`: the campaign may add states; SubjectState is the vocabulary.
            try db.execute(sql: """
                CREATE TABLE subject (
                    id INTEGER PRIMARY KEY,
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    import_entry INTEGER NOT NULL,
                    line INTEGER NOT NULL,
                    email TEXT,
                    first_name TEXT,
                    last_name TEXT,
                    language TEXT NOT NULL,
                    fields TEXT NOT NULL DEFAULT '{}',
                    state TEXT NOT NULL DEFAULT 'queued',
                    state_reason TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT,
                    imported_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    message_id TEXT,
                    last_reply TEXT,
                    row_key TEXT,
                    UNIQUE (incident_id, email),
                    UNIQUE (incident_id, row_key)
                );
                CREATE INDEX subject_state ON subject(incident_id, state, id);
                """)
        }
        // The retry window counts from a subject's first attempt, which must survive the run.
        migrator.registerMigration("v3-subject-first-attempt") { db in
            try db.execute(sql: "ALTER TABLE subject ADD COLUMN first_attempt_at TEXT")
        }
    }

    /// Subjects of an incident in id order, a page at a time: pass the last id seen as `after`.
    ///
    /// ```swift
    /// var after: Int64 = 0
    /// while case let page = try register.subjects(incidentID: id, states: [.queued], after: after), !page.isEmpty {
    ///     for subject in page { … }
    ///     after = page.last!.id
    /// }
    /// ```
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subjects(incidentID: String, states: Set<SubjectState>? = nil, after: Int64 = 0, limit: Int = 1000) throws(RegisterError) -> [Subject] {
        do {
            return try pool.read { db in
                // One arm per state, merged by SQLite in id order: each arm reads its state's index
                // from `after` on, so a page costs its own rows, never a sort of the incident.
                let arms = states.map { $0.map(\.rawValue).sorted() }
                let sql = arms.map { arms in
                    arms.map { _ in "SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND state = ? AND id > ?" }.joined(separator: " UNION ALL ")
                } ?? "SELECT \(Subject.columns) FROM subject WHERE incident_id = ? AND id > ?"
                var arguments: [any DatabaseValueConvertible] = [incidentID, after]
                if let arms { arguments = arms.flatMap { state -> [any DatabaseValueConvertible] in [incidentID, state, after] } }
                arguments.append(limit)
                return try Subject.fetchAll(db, sql: sql + " ORDER BY id LIMIT ?", arguments: StatementArguments(arguments))
            }
        } catch { throw Self.map(error, path) }
    }

    /// How many subjects of an incident are in each state (states with none are absent).
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subjectCounts(incidentID: String) throws(RegisterError) -> [String: Int] {
        try subjectFigures(incidentID: incidentID).stateCounts  // kept until the register changes
    }

    /// How many subjects of an incident in `states` are written to in each language, and the
    /// first CSV line of each language (languages with nobody are absent).
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subjectLanguages(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [String: (count: Int, firstLine: Int)] {
        do {
            return try pool.read { db in
                // Counted here rather than by GROUP BY, which would sort these people in a temporary B-tree.
                var languages: [String: (count: Int, firstLine: Int)] = [:]
                for state in states.map(\.rawValue).sorted() {
                    let cursor = try Row.fetchCursor(db, sql: "SELECT language, line FROM subject WHERE incident_id = ? AND state = ?",
                                                     arguments: [incidentID, state])
                    while let row = try cursor.next() {
                        let language: String = row[0], line: Int = row[1]
                        let seen = languages[language]
                        languages[language] = ((seen?.count ?? 0) + 1, min(seen?.firstLine ?? line, line))
                    }
                }
                return languages
            }
        } catch { throw Self.map(error, path) }
    }

    /// How many subjects of an incident are in each (state, reason) among `states`, most first.
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func subjectReasons(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [(state: String, reason: String, count: Int)] {
        // Kept until the register changes, like the figures (`Register+Figures.swift`).
        let key = "reasons\u{1F}" + incidentID + "\u{1F}" + states.map(\.rawValue).sorted().joined(separator: ",")
        return try figuresCache.value(key) { () throws(RegisterError) in try readSubjectReasons(incidentID: incidentID, states: states) }
    }

    private func readSubjectReasons(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [(state: String, reason: String, count: Int)] {
        do {
            return try pool.read { db in
                // Counted here rather than by GROUP BY, which would sort these people in a temporary
                // B-tree; no reason and an empty one are one group, as before.
                var counts: [ReasonKey: Int] = [:]
                for state in states.map(\.rawValue).sorted() {
                    let cursor = try String?.fetchCursor(db, sql: "SELECT state_reason FROM subject WHERE incident_id = ? AND state = ?",
                                                         arguments: [incidentID, state])
                    while let reason = try cursor.next() { counts[ReasonKey(state: state, reason: reason ?? ""), default: 0] += 1 }
                }
                // Most first, then by state and reason in SQLite's byte order.
                return counts.sorted { a, b in
                    if a.value != b.value { return a.value > b.value }
                    if a.key.state != b.key.state { return a.key.state.utf8.lexicographicallyPrecedes(b.key.state.utf8) }
                    return a.key.reason.utf8.lexicographicallyPrecedes(b.key.reason.utf8)
                }.map { ($0.key.state, $0.key.reason, $0.value) }
            }
        } catch { throw Self.map(error, path) }
    }

    /// Applies state changes in one transaction and returns how many subjects changed.
    ///
    /// A change with `from` applies only when the subject is still in one of those states, so
    /// that two runs of a campaign cannot both move the same subject.
    /// - Throws: ``RegisterError`` when the register cannot be written.
    @discardableResult
    public func updateSubjects(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> Int {
        let stamp = RFC3339UTC.format(now)
        do {
            return try pool.write { db in
                try Self.changingSubjects(db, ids: updates.map(\.id), actor: Self.foldActor, at: now) {
                    try updates.reduce(0) { changed, u in try Self.apply(StateChange(u, stamp: stamp), db) ? changed + 1 : changed }
                }
            }
        } catch { throw Self.map(error, path) }
    }
}

private struct ReasonKey: Hashable {
    let state: String
    let reason: String
}

extension HistoryEntry.Kind {
    /// A CSV of data subjects was imported; the payload has the counts and the file's SHA-256.
    public static let subjectsImported = "subjects.imported"
}

/// A subject as the import hands it to the register.
public struct NewSubject: Sendable, Equatable {
    /// The physical line of the CSV where the row starts.
    public var line: Int
    /// The normalised address (ASCII, lowercased), or nil when the row had none usable.
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    /// `fr`, `en` or `de`.
    public var language: String
    /// Other columns by header, for templates (`subject.fields.COLUMN`).
    public var fields: [String: String]
    /// `.queued`, or `.noAddress` with `reason`.
    public var state: SubjectState
    public var reason: String?
    /// Identifies a row without address, so that importing it again is recognised (a hash, hex).
    public var rowKey: String?

    public init(line: Int, email: String?, firstName: String?, lastName: String?, language: String,
                fields: [String: String], state: SubjectState, reason: String?, rowKey: String?) {
        self.line = line
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.language = language
        self.fields = fields
        self.state = state
        self.reason = reason
        self.rowKey = rowKey
    }
}

/// What became of one ``NewSubject``.
public enum SubjectInsertion: Sendable, Equatable {
    /// Recorded with this id.
    case inserted(id: Int64)
    /// Already recorded from `line`; `earlierImport` when by an earlier import, not this file.
    case duplicate(line: Int, earlierImport: Bool)
}

/// Inserts subjects inside ``Register/importSubjects(incidentID:actor:at:_:)``; valid only there.
///
/// Every ``Register/importBatch`` rows inserted, the transaction is committed and a new one
/// begun, so that the write-ahead log stays the size of a batch; the rows of an unfinished import
/// are removed if it fails (see `Register+Import.swift`).
public final class SubjectWriter {
    private let db: Database
    private let incidentID: String
    private let importEntry: Int64
    private let stamp: String
    /// The insert of `n` rows, by `n` (``rowsPerStatement``, and the few shorter ones a batch's
    /// end needs).
    private var inserts: [Int: Statement] = [:]
    private var inBatch = 0
    /// Batches committed so far (the test hook ``Register/importHold``).
    private var committed = 0
    /// Sums the digest of the rows inserted, on a thread of its own.
    private let digester: RowDigester
    /// The texts bound to the statement being run.
    private let texts = TextArena()

    /// The rows one statement inserts: each statement opens a cursor on the table and on each of
    /// its indexes, which cost more than the row itself when it was one row a statement.
    static let rowsPerStatement = 64
    private static let columns = 13

    /// The digest of the rows inserted so far, added to the register's at the end of the import
    /// (waits for the digester to have summed every batch handed to it).
    var digest: SubjectDigest { digester.total() }

    init(db: Database, incidentID: String, importEntry: Int64, stamp: String) throws {
        self.db = db
        self.incidentID = incidentID
        self.importEntry = importEntry
        self.stamp = stamp
        digester = RowDigester(incidentID: incidentID, importEntry: importEntry, stamp: stamp)
    }

    /// The statement inserting `n` rows (a row whose address, or row key, the incident already
    /// has is left out: `DO NOTHING`).
    private func insertStatement(rows n: Int) throws -> Statement {
        if let statement = inserts[n] { return statement }
        let row = "(" + Array(repeating: "?", count: Self.columns).joined(separator: ",") + ")"
        let statement = try db.makeStatement(sql: """
            INSERT INTO subject (incident_id, import_entry, line, email, first_name, last_name, language, fields,
                                 state, state_reason, imported_at, updated_at, row_key)
            VALUES \(Array(repeating: row, count: n).joined(separator: ","))
            ON CONFLICT DO NOTHING
            """)
        inserts[n] = statement
        return statement
    }

    /// Records `subject` unless the incident already has it (same address, or same row without one).
    /// - Throws: a database error, which undoes the whole import.
    public func insert(_ s: NewSubject) throws -> SubjectInsertion {
        try insert([s])[0]
    }

    /// Records `subjects` in order, as many calls of ``insert(_:)-(NewSubject)`` would (that one
    /// is a batch of one): ``rowsPerStatement`` rows a statement, a transaction committed every
    /// ``Register/importBatch`` rows inserted. The digest of the rows inserted is computed by the
    /// digester while the next batch is written (a tenth of the writing thread's time on a large
    /// import). Each person's line is its own in the import (a row's line in the file): a row the
    /// statement did not insert is told from a duplicate by its line.
    public func insert(_ subjects: [NewSubject]) throws -> [SubjectInsertion] {
        var outcomes: [SubjectInsertion] = []
        outcomes.reserveCapacity(subjects.count)
        // What the digester sums: the people (the array, not a copy of each) and which of them
        // went in, under which id.
        var inserted: [RowDigester.Row] = []
        inserted.reserveCapacity(subjects.count)
        var start = subjects.startIndex
        while start < subjects.endIndex {
            let n = min(Self.rowsPerStatement, subjects.endIndex - start, max(1, Register.importBatch - inBatch))
            let rows = subjects[start..<start + n]
            var fields: [String] = []
            fields.reserveCapacity(n)
            for i in rows.indices { fields.append(Self.json(rows[i].fields)) }
            for (offset, outcome) in try record(rows, fields: fields).enumerated() {
                if case .inserted(let id) = outcome {
                    inserted.append(RowDigester.Row(id: id, index: start + offset, fields: fields[offset]))
                    inBatch += 1
                }
                outcomes.append(outcome)
            }
            if inBatch >= Register.importBatch {
                try db.commit()
                try db.beginTransaction(.immediate)
                inBatch = 0
                committed += 1
            }
            if let hold = Register.importHold, committed == hold, inBatch > 0 {
                while true { Thread.sleep(forTimeInterval: 3600) }  // until SIGKILL: the test hook
            }
            start += n
        }
        digester.add(inserted, of: subjects)
        return outcomes
    }

    /// Inserts `rows` in one statement; what became of each.
    private func record(_ rows: ArraySlice<NewSubject>, fields: [String]) throws -> [SubjectInsertion] {
        // Bound through SQLite's C API: GRDB's argument values (an array of existentials, built
        // and bound again for every row) cost a tenth of an import of a million rows. The texts
        // are copied once into `texts`, which SQLite reads in place until the bindings are
        // cleared below (SQLITE_STATIC: no allocation and copy of its own for each of them). The
        // statement is GRDB's, finalised by it.
        let insert = try insertStatement(rows: rows.count)
        let statement = insert.sqliteStatement
        sqlite3_reset(statement)
        defer { sqlite3_clear_bindings(statement) }
        // The people read in place (`rows[i].email`), not copied one by one (five texts and a
        // dictionary retained and released for each).
        var size = incidentID.utf8.count + stamp.utf8.count
        for (offset, i) in rows.indices.enumerated() {
            size += (rows[i].email?.utf8.count ?? 0) + (rows[i].firstName?.utf8.count ?? 0) + (rows[i].lastName?.utf8.count ?? 0)
                + rows[i].language.utf8.count + fields[offset].utf8.count + rows[i].state.rawValue.utf8.count
                + (rows[i].reason?.utf8.count ?? 0) + (rows[i].rowKey?.utf8.count ?? 0)
        }
        texts.reset(capacity: size)
        let incidentText = texts.append(incidentID)
        let stampText = texts.append(stamp)
        for (offset, i) in rows.indices.enumerated() {
            let base = Int32(offset * Self.columns)
            bind(statement, base + 1, incidentText)
            sqlite3_bind_int64(statement, base + 2, importEntry)
            sqlite3_bind_int64(statement, base + 3, Int64(rows[i].line))
            bind(statement, base + 4, texts.append(rows[i].email))
            bind(statement, base + 5, texts.append(rows[i].firstName))
            bind(statement, base + 6, texts.append(rows[i].lastName))
            bind(statement, base + 7, texts.append(rows[i].language))
            bind(statement, base + 8, texts.append(fields[offset]))
            bind(statement, base + 9, texts.append(rows[i].state.rawValue))
            bind(statement, base + 10, texts.append(rows[i].reason))
            bind(statement, base + 11, stampText)
            bind(statement, base + 12, stampText)
            bind(statement, base + 13, texts.append(rows[i].rowKey))
        }
        let before = try lastID()
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: insert.sql)
        }
        sqlite3_reset(statement)
        let count = Int64(rows.count)
        if Int64(db.changesCount) == count, db.lastInsertedRowID == before + count {
            // Every row inserted, and the ids are the next ones (SQLite gives a new row the
            // largest id plus one): the statement's rows in order.
            lastKnownID = before + count
            return (1...count).map { .inserted(id: before + $0) }
        }
        // Some rows were already there: each found by its address or row key, inserted by this
        // statement if it is this import's row from the same line, else the row it duplicates.
        lastKnownID = nil
        return try rows.map { s in
            let row = try Row.fetchOne(db, sql: """
                SELECT id, line, import_entry FROM subject WHERE incident_id = ? AND (email = ? OR row_key = ?)
                """, arguments: [incidentID, s.email, s.rowKey])
            guard let row else {
                throw RegisterError.storage("subject", "line \(s.line) was neither inserted nor found (a person needs an address or a row key)")
            }
            let line: Int = row["line"], entry: Int64 = row["import_entry"]
            if entry == importEntry && line == s.line { return .inserted(id: row["id"]) }
            return .duplicate(line: line, earlierImport: entry != importEntry)
        }
    }

    /// The largest id in the table, remembered between statements of the import (which holds
    /// the register's write lock: nobody else inserts).
    private var lastKnownID: Int64?
    private func lastID() throws -> Int64 {
        if let lastKnownID { return lastKnownID }
        let id = try Int64.fetchOne(db, sql: "SELECT max(id) FROM subject") ?? 0
        lastKnownID = id
        return id
    }
}

/// One buffer holding the texts bound to a statement, so that SQLite reads them in place
/// (`SQLITE_STATIC`) rather than allocating and copying each; valid until the next ``reset(capacity:)``.
final class TextArena {
    struct Span {
        let offset: Int
        let count: Int
    }

    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
    private var used = 0

    deinit { buffer.deallocate() }

    /// Empties the arena, making room for `capacity` bytes (every pointer given before is invalid).
    func reset(capacity: Int) {
        used = 0
        if capacity > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: max(capacity, 2 * buffer.count), alignment: 1)
        }
    }

    /// Copies `text`'s UTF-8 in; nil for nil. The room was made by ``reset(capacity:)``.
    func append(_ text: String?) -> Span? {
        guard var text else { return nil }
        let span = text.withUTF8 { utf8 in
            precondition(used + utf8.count <= buffer.count, "the arena was sized for fewer bytes")
            if let base = utf8.baseAddress, !utf8.isEmpty {
                (buffer.baseAddress! + used).copyMemory(from: base, byteCount: utf8.count)
            }
            return Span(offset: used, count: utf8.count)
        }
        used += span.count
        return span
    }

    func pointer(_ span: Span) -> UnsafePointer<CChar> {
        UnsafePointer((buffer.baseAddress! + span.offset).assumingMemoryBound(to: CChar.self))
    }
}

/// Sums the digests of an import's rows on a serial queue of its own, a batch at a time, so that
/// the thread writing the rows does not wait for their SHA-256 (the digest is a sum: the order
/// does not matter). At most four batches wait for it; ``total()`` waits for all of them.
final class RowDigester: @unchecked Sendable {  // `sum` and `bytes` are touched only on `queue`
    /// A person inserted: its id, where it is in the array handed over, its fields in JSON.
    struct Row: Sendable {
        let id: Int64
        let index: Int
        let fields: String
    }

    private let queue = DispatchQueue(label: "breachmail.import.digest")
    private let slots = DispatchSemaphore(value: 4)
    private let incidentID: String
    private let importEntry: Int64
    private let stamp: String
    private var sum = SubjectDigest.zero
    private var bytes = SubjectDigest.RowBytes()

    init(incidentID: String, importEntry: Int64, stamp: String) {
        self.incidentID = incidentID
        self.importEntry = importEntry
        self.stamp = stamp
    }

    /// Sums `rows`, people of `people`.
    func add(_ rows: [Row], of people: [NewSubject]) {
        guard !rows.isEmpty else { return }
        slots.wait()
        queue.async { [self] in
            people.withUnsafeBufferPointer { people in
                for r in rows {
                    sum.add(bytes.newSubject(id: r.id, incidentID: incidentID, importEntry: importEntry, people[r.index], fields: r.fields, stamp: stamp))
                }
            }
            slots.signal()
        }
    }

    func total() -> SubjectDigest { queue.sync { sum } }
}

extension SubjectWriter {
    /// Binds a text of ``texts`` (nil: NULL), which SQLite reads in place.
    private func bind(_ statement: SQLiteStatement, _ index: Int32, _ text: TextArena.Span?) {
        guard let text else {
            sqlite3_bind_null(statement, index)
            return
        }
        // A NULL pointer would bind NULL: an empty text points at the arena's start.
        sqlite3_bind_text(statement, index, texts.pointer(text), Int32(text.count), nil)
    }

    /// `{"key":"value",…}` with sorted keys, as JSONEncoder writes it, without its cost per row.
    package static func json(_ fields: [String: String]) -> String {
        if fields.isEmpty { return "{}" }
        var out = "{"
        for (n, key) in fields.keys.sorted().enumerated() {
            if n > 0 { out += "," }
            TextEscaping.appendJSONString(key, to: &out)
            out += ":"
            TextEscaping.appendJSONString(fields[key]!, to: &out)
        }
        return out + "}"
    }

}

/// One data subject of an incident, as the campaign reads it.
public struct Subject: Sendable, Equatable {
    /// Unique in the register (for VERP tokens and logs: log this, never the address or name).
    public let id: Int64
    public let incidentID: String
    /// The physical line of the imported CSV where the row started.
    public let line: Int
    /// Normalised ASCII address; nil in state `no_address`.
    public let email: String?
    public let firstName: String?
    public let lastName: String?
    /// `fr`, `en` or `de`.
    public let language: String
    /// Other CSV columns by header.
    public let fields: [String: String]
    /// The raw state: a ``SubjectState`` raw value (kept as text so a newer state is still read).
    public let state: String
    public let stateReason: String?
    public let attempts: Int
    /// RFC 3339 UTC; when a deferred subject may be tried again.
    public let nextAttemptAt: String?
    public let importedAt: String
    public let updatedAt: String
    public let messageID: String?
    /// The server's last reply, for the record of who was told.
    public let lastReply: String?
    /// RFC 3339 UTC; the first attempt, from which the retry window counts.
    public let firstAttemptAt: String?

    /// The state as a known value, nil when written by a newer breachmail.
    public var knownState: SubjectState? { SubjectState(rawValue: state) }

    /// The columns a ``Subject`` is read from, in this order: every query that makes one selects
    /// them (`SELECT \(Subject.columns) FROM subject …`), and each is read by its position: by
    /// name, GRDB lower-cased each of the 17 names and searched the row's columns for it, for
    /// every person a campaign read (a few per cent of its sending thread).
    package static let columns = """
        id, incident_id, line, email, first_name, last_name, language, fields, state, state_reason, \
        attempts, next_attempt_at, imported_at, updated_at, message_id, last_reply, first_attempt_at
        """
    private static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }

    /// The subjects `sql` (`SELECT` ``columns`` `FROM subject …`) reads, each read from SQLite's
    /// columns as ``init(row:)`` reads GRDB's row, without the row: every campaign page goes
    /// through here, and a GRDB row (a value made for each column, then decoded through generic
    /// conversions) was most of a page's cost.
    static func fetchAll(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Subject] {
        let prepared = try db.cachedStatement(sql: sql)
        assert(prepared.columnNames.elementsEqual(columnNames), "a subject is read from SELECT \(Subject.columns)")
        try prepared.setArguments(arguments)
        let statement = prepared.sqliteStatement
        defer { sqlite3_reset(statement) }
        var subjects: [Subject] = []
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return subjects }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            let columns = SubjectColumns(statement: statement, sql: sql)
            subjects.append(try Subject(
                id: columns.integer(0), incidentID: columns.text(1), line: Int(columns.integer(2)), email: columns.optionalText(3),
                firstName: columns.optionalText(4), lastName: columns.optionalText(5), language: columns.text(6),
                fieldsJSON: columns.text(7), state: columns.text(8), stateReason: columns.optionalText(9),
                attempts: Int(columns.integer(10)), nextAttemptAt: columns.optionalText(11), importedAt: columns.text(12),
                updatedAt: columns.text(13), messageID: columns.optionalText(14), lastReply: columns.optionalText(15),
                firstAttemptAt: columns.optionalText(16)))
        }
    }

    init(row: Row) throws {
        assert(row.columnNames.elementsEqual(Self.columnNames), "a subject is read from SELECT \(Subject.columns)")
        id = row[0]
        incidentID = row[1]
        line = row[2]
        email = row[3]
        firstName = row[4]
        lastName = row[5]
        language = row[6]
        let fieldsJSON: String = row[7]
        // Most subjects have no other column: spare them a JSON decoder.
        fields = fieldsJSON == "{}" ? [:] : try JSONDecoder().decode([String: String].self, from: Data(fieldsJSON.utf8))
        state = row[8]
        stateReason = row[9]
        attempts = row[10]
        nextAttemptAt = row[11]
        importedAt = row[12]
        updatedAt = row[13]
        messageID = row[14]
        lastReply = row[15]
        firstAttemptAt = row[16]
    }
}

/// A change of one subject's state, for ``Register/updateSubjects(_:at:)``.
public struct SubjectUpdate: Sendable, Equatable {
    public var id: Int64
    /// Apply only when the subject is in one of these states (nil: whatever its state).
    public var from: Set<SubjectState>?
    public var state: SubjectState
    public var reason: String?
    /// Adds one to `attempts` (a transaction was tried).
    public var countsAsAttempt: Bool
    public var nextAttemptAt: Date?
    /// Kept when nil.
    public var messageID: String?
    /// Kept when nil.
    public var lastReply: String?
    /// Written once: the first value given is kept.
    public var firstAttemptAt: Date?

    public init(id: Int64, from: Set<SubjectState>? = nil, to state: SubjectState, reason: String? = nil,
                countsAsAttempt: Bool = false, nextAttemptAt: Date? = nil, messageID: String? = nil, lastReply: String? = nil,
                firstAttemptAt: Date? = nil) {
        self.firstAttemptAt = firstAttemptAt
        self.id = id
        self.from = from
        self.state = state
        self.reason = reason
        self.countsAsAttempt = countsAsAttempt
        self.nextAttemptAt = nextAttemptAt
        self.messageID = messageID
        self.lastReply = lastReply
    }
}

/// The columns of the row a statement is on, read as GRDB decodes them: a text as
/// `String(cString:)` makes it, an integer from an INTEGER (or a whole REAL) column, NULL as nil
/// where nil is allowed; any other value is an error naming the column.
struct SubjectColumns {
    let statement: SQLiteStatement
    let sql: String

    func optionalText(_ column: Int32) throws -> String? {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL: return nil
        case SQLITE_TEXT: return sqlite3_column_text(statement, column).map { String(cString: $0) } ?? ""
        default: throw mismatch(column, "a text")
        }
    }

    func text(_ column: Int32) throws -> String {
        guard let text = try optionalText(column) else { throw mismatch(column, "a text") }
        return text
    }

    func integer(_ column: Int32) throws -> Int64 {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return sqlite3_column_int64(statement, column)
        case SQLITE_FLOAT:
            guard let whole = Int64(exactly: sqlite3_column_double(statement, column)) else { throw mismatch(column, "an integer") }
            return whole
        default: throw mismatch(column, "an integer")
        }
    }

    private func mismatch(_ column: Int32, _ expected: String) -> RegisterError {
        .storage("subject", "column \(String(cString: sqlite3_column_name(statement, column))) is not \(expected) (SQL: \(sql))")
    }
}
