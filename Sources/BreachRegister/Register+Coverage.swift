import BreachCore
import Crypto
import Foundation
import GRDB
import GRDBSQLite

/// What the history chain covers beyond incidents: the notification rows, and every person's
/// state. `register verify` checks both against the chain (``verifyNotifications(_:_:)``,
/// ``verifySubjects(_:_:)``), so that a row edited with `sqlite3` is seen.
///
/// Notifications: each row is written with a history entry holding the same fields; verify
/// compares them. Subjects: the register keeps a digest of every subject row, the sum (four
/// 64-bit lanes, wrapping) of each row's SHA-256, updated by every transaction that changes
/// subjects (import, journal fold, direct updates, bounces), which appends a `subjects.digest`
/// entry with the new digest. Verify recomputes the digest from the rows and compares it with the
/// last entry's. A register made before this version is covered from its first change of subjects.
extension Register {
    static func registerCoverageMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-subject-digest") { db in
            try db.execute(sql: "CREATE TABLE subject_digest (id INTEGER PRIMARY KEY CHECK (id = 1), lanes TEXT NOT NULL)")
            var lanes = SubjectDigest.zero
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(SubjectDigest.columns) FROM subject")
            while let row = try cursor.next() { lanes.add(SubjectDigest.of(row)) }
            try db.execute(sql: "INSERT INTO subject_digest (id, lanes) VALUES (1, ?)", arguments: [lanes.hex])
        }
    }

    /// Runs `change`, which changes the subjects `ids`, updates the digest, and appends a
    /// `subjects.digest` entry when it moved.
    static func changingSubjects<T>(_ db: Database, ids: [Int64], actor: String, at now: Date,
                                    _ change: () throws -> T) throws -> T {
        var lanes = try storedDigest(db)
        let before = lanes
        try forEachDigest(db, ids) { lanes.subtract($0) }
        let result = try change()
        try forEachDigest(db, ids) { lanes.add($0) }
        try record(db, lanes, before, subjects: Set(ids).count, actor: actor, at: now)
        return result
    }

    /// Runs `change`, which changes `people` subjects and returns how the digest moved (the rows
    /// after, less the rows before: ``Register/foldReadingOnce(_:_:)``), and records the digest as
    /// ``changingSubjects(_:ids:actor:at:_:)`` does.
    static func changingSubjects(_ db: Database, people: Int, actor: String, at now: Date, _ change: () throws -> SubjectDigest) throws {
        var lanes = try storedDigest(db)
        let before = lanes
        lanes.add(try change())
        try record(db, lanes, before, subjects: people, actor: actor, at: now)
    }

    /// At the end of an import: its rows, whose digest is `digest`, join the register's.
    static func subjectsImported(_ db: Database, digest: SubjectDigest, actor: String, at now: Date) throws {
        var lanes = try storedDigest(db)
        let before = lanes
        lanes.add(digest)
        try record(db, lanes, before, subjects: nil, actor: actor, at: now)
    }

    private static func storedDigest(_ db: Database) throws -> SubjectDigest {
        SubjectDigest(hex: try String.fetchOne(db, sql: "SELECT lanes FROM subject_digest WHERE id = 1") ?? "")
    }

    /// Stores the digest and appends its entry, at `now` or the last entry's time when later.
    private static func record(_ db: Database, _ lanes: SubjectDigest, _ before: SubjectDigest, subjects: Int?,
                               actor: String, at now: Date) throws {
        guard lanes != before else { return }
        try db.execute(sql: "UPDATE subject_digest SET lanes = ? WHERE id = 1", arguments: [lanes.hex])
        var at = now
        if let last = try String.fetchOne(db, sql: "SELECT recorded_at FROM history ORDER BY sequence DESC LIMIT 1"),
           let lastTime = ZonedTime(rfc3339: last)?.instant, lastTime > at { at = lastTime }
        try Self.append(db, kind: HistoryEntry.Kind.subjectsDigest, incidentID: nil, version: nil,
                        payload: Self.json(SubjectDigestPayload(digest: lanes.hex, subjects: subjects)), actor: actor, at: at)
    }

    /// The digest of each subject of `ids`, as ``SubjectDigest/of(_:)-(Row)`` computes it from a
    /// row, read through SQLite's C API: a fold reads every person it changes twice, and GRDB's
    /// values (a string made for each column) were a third of its work.
    private static func forEachDigest(_ db: Database, _ ids: [Int64], _ body: (SubjectDigest) -> Void) throws {
        let unique = Array(Set(ids))
        var bytes = SubjectDigest.RowBytes()
        for start in stride(from: 0, to: unique.count, by: 500) {
            try eachDigestRow(db, unique[start..<min(start + 500, unique.count)]) { statement in
                bytes.reset()
                for column in 0..<sqlite3_column_count(statement) { bytes.append(statement, column: column) }
                body(bytes.digest())
            }
        }
    }

    /// Runs `row` on each subject of `ids` (at most SQLite's parameters), its statement on the
    /// row's ``SubjectDigest/columns``, read through SQLite's C API.
    static func eachDigestRow(_ db: Database, _ ids: ArraySlice<Int64>, _ row: (SQLiteStatement) -> Void) throws {
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        // Prepared for this batch, not cached: its length changes from one fold to the next.
        let prepared = try db.makeStatement(sql: "SELECT \(SubjectDigest.columns) FROM subject WHERE id IN (\(marks))")
        let statement = prepared.sqliteStatement
        for (offset, id) in ids.enumerated() { sqlite3_bind_int64(statement, Int32(offset + 1), id) }
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            row(statement)
        }
    }

    /// A notification row's columns as text (``NotificationColumns/names``), for ``verifyNotifications(_:_:)``.
    static func notificationColumns(_ row: Row) -> NotificationColumns {
        NotificationColumns(id: row["id"], sequence: row["history_sequence"],
                            values: Dictionary(uniqueKeysWithValues: NotificationColumns.names.map { ($0, row[$0] as String) }))
    }

    /// Every notification row against its history entry, and every notification entry against its row.
    static func verifyNotifications(_ rows: [NotificationColumns], _ entries: [HistoryEntry]) throws -> ChainVerification.Problem? {
        var bySequence: [Int64: HistoryEntry] = [:]
        for e in entries where e.kind.hasPrefix("notification.") { bySequence[e.sequence] = e }
        var seen = Set<Int64>()
        for row in rows {
            let id = row.id, sequence = row.sequence
            let name = "notification \(id) (\(row["incident_id"]), \(row["authority_id"]))"
            guard let entry = bySequence[sequence],
                  let recorded = try? JSONDecoder().decode(NotificationRecord.self, from: Data(entry.payload.utf8)) else {
                return .init(sequence: sequence, message: "\(name) has no history entry of its own: it was added outside the history")
            }
            seen.insert(sequence)
            let stored: [(String, String, String)] = [
                ("incident_id", row["incident_id"], recorded.incidentID), ("authority_id", row["authority_id"], recorded.authorityID),
                ("phase", row["phase"], recorded.phase.rawValue), ("channel", row["channel"], recorded.channel),
                ("status", row["status"], recorded.status.rawValue), ("recorded_at", row["recorded_at"], recorded.recordedAt),
                ("message_id", row["message_id"], recorded.messageID), ("plaintext_sha256", row["plaintext_sha256"], recorded.plaintextSHA256),
                ("sent_sha256", row["sent_sha256"], recorded.sentSHA256),
                ("authority_reference", row["authority_reference"], recorded.authorityReference),
                ("delivered_to", row["delivered_to"], recorded.deliveredTo), ("refusal_kind", row["refusal_kind"], recorded.refusalKind),
                ("reason", row["reason"], recorded.reason),
            ]
            let changed = stored.filter { $0.1 != $0.2 }.map(\.0)
            if !changed.isEmpty || entry.kind != recorded.status.historyKind {
                return .init(sequence: sequence, message: "\(name) was changed outside the history (\(changed.joined(separator: ", ")))")
            }
        }
        if let missing = bySequence.keys.sorted().first(where: { !seen.contains($0) }) {
            return .init(sequence: missing, message: "its notification row was removed from the register")
        }
        return nil
    }

    /// The digest of the subjects' rows, but those of an import under way (or of one that died,
    /// not yet removed), which are not in the digest until its final step (see `Register+Import.swift`).
    static func subjectDigest(_ db: Database) throws -> String {
        var lanes = SubjectDigest.zero
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT \(SubjectDigest.columns) FROM subject WHERE import_entry NOT IN (SELECT id FROM subject_import)
            """)
        while let row = try cursor.next() { lanes.add(SubjectDigest.of(row)) }
        return lanes.hex
    }

    /// The subjects' rows (their digest, computed only when there is an entry to compare with)
    /// against the digest of the last `subjects.digest` entry.
    static func verifySubjects(_ entries: [HistoryEntry], digest: () throws -> String) throws -> ChainVerification.Problem? {
        guard let last = entries.last(where: { $0.kind == HistoryEntry.Kind.subjectsDigest }),
              let payload = try? JSONDecoder().decode(SubjectDigestPayload.self, from: Data(last.payload.utf8)) else { return nil }
        guard try digest() == payload.digest else {
            return .init(sequence: last.sequence, message: "a person's row (state, attempts, reply…) was changed, added or removed outside the history since this entry")
        }
        return nil
    }
}

/// A notification row as text, whatever the store it was read from.
package struct NotificationColumns {
    /// The columns compared with the row's history entry.
    package static let names = ["incident_id", "authority_id", "phase", "channel", "status", "recorded_at", "message_id",
                                "plaintext_sha256", "sent_sha256", "authority_reference", "delivered_to", "refusal_kind", "reason"]
    package let id: Int64
    package let sequence: Int64
    package let values: [String: String]

    package init(id: Int64, sequence: Int64, values: [String: String]) {
        self.id = id
        self.sequence = sequence
        self.values = values
    }

    subscript(_ name: String) -> String { values[name] ?? "" }
}

extension HistoryEntry.Kind {
    /// Subjects changed: the payload has the digest of every subject row after the change.
    public static let subjectsDigest = "subjects.digest"
}

package struct SubjectDigestPayload: Codable {
    package let digest: String
    /// How many subjects the change touched (nil for an import).
    package let subjects: Int?

    package init(digest: String, subjects: Int?) {
        self.digest = digest
        self.subjects = subjects
    }
}

/// A multiset hash of subject rows: the wrapping sum, lane by lane, of each row's SHA-256.
package struct SubjectDigest: Equatable {
    /// Four lanes in a value of their own: a row's digest is made and summed with no allocation.
    package var lanes: SIMD4<UInt64>

    package static let zero = SubjectDigest(lanes: SIMD4(repeating: 0))
    package static let columns = """
        id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason, attempts,
        next_attempt_at, first_attempt_at, imported_at, updated_at, message_id, last_reply, row_key
        """
    /// How many ``columns`` there are.
    package static let columnCount = columns.split(separator: ",").count

    package init(lanes: SIMD4<UInt64>) { self.lanes = lanes }

    package init(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 64 else { self = .zero; return }
        lanes = .zero
        for lane in 0..<4 { lanes[lane] = UInt64(String(decoding: bytes[lane * 16..<lane * 16 + 16], as: UTF8.self), radix: 16) ?? 0 }
    }

    package var hex: String { (0..<4).map { String(format: "%016llx", lanes[$0]) }.joined() }

    static func of(_ row: Row) -> SubjectDigest {
        var texts: [String?] = []
        texts.reserveCapacity(row.count)
        for index in 0..<row.count {
            let value = row[index] as DatabaseValue
            let text: String? = switch value.storage {
            case .null: nil
            case .int64(let n): String(n)
            case .double(let d): String(d)
            case .string(let s): s
            case .blob(let b): b.base64EncodedString()
            }
            texts.append(text)
        }
        return of(texts)
    }

    /// The digest of one row given as the texts of its columns (nil for NULL), in
    /// ``columns``' order: SHA-256 of `v` + text or `n`, each followed by 0x1F.
    package static func of(_ texts: [String?]) -> SubjectDigest {
        var row = RowBytes()
        for text in texts { row.append(text) }
        return row.digest()
    }

    /// The bytes a row's digest is the SHA-256 of, built column by column without a String per column.
    package struct RowBytes {
        var bytes: [UInt8] = []

        package init() { bytes.reserveCapacity(256) }

        package mutating func reset() { bytes.removeAll(keepingCapacity: true) }

        package mutating func append(_ text: String?) {
            if let text {
                bytes.append(UInt8(ascii: "v"))
                bytes.append(contentsOf: text.utf8)
            } else {
                bytes.append(UInt8(ascii: "n"))
            }
            bytes.append(0x1F)
        }

        /// A text given as its UTF-8 bytes: what ``append(_:)-(String?)`` appends for it. (Not
        /// generic: called from another module, a generic one ran unspecialised, byte by byte.)
        package mutating func appendText(_ utf8: UnsafeRawBufferPointer) {
            bytes.append(UInt8(ascii: "v"))
            bytes.append(contentsOf: utf8)
            bytes.append(0x1F)
        }

        /// A column of the row `statement` is on, as ``SubjectDigest/of(_:)-(Row)`` reads it
        /// through GRDB: a text as `String(cString:)` makes it (up to a NUL, invalid UTF-8
        /// replaced), here without a string when it is plain ASCII.
        mutating func append(_ statement: SQLiteStatement, column: Int32) {
            switch sqlite3_column_type(statement, column) {
            case SQLITE_NULL:
                append(nil as String?)
            case SQLITE_INTEGER:
                append(sqlite3_column_int64(statement, column))
            case SQLITE_TEXT:
                guard let text = sqlite3_column_text(statement, column) else { return append("") }
                let span = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
                guard span.allSatisfy({ $0 != 0 && $0 < 0x80 }) else { return append(String(cString: text)) }
                bytes.append(UInt8(ascii: "v"))
                bytes.append(contentsOf: span)
                bytes.append(0x1F)
            case SQLITE_FLOAT:
                append(String(sqlite3_column_double(statement, column)))
            default:
                let count = Int(sqlite3_column_bytes(statement, column))
                let blob = sqlite3_column_blob(statement, column).map { Data(bytes: $0, count: count) } ?? Data()
                append(blob.base64EncodedString())
            }
        }

        /// An integer column, as `String(n)` writes it.
        package mutating func append(_ n: Int64) {
            bytes.append(UInt8(ascii: "v"))
            if n < 0 { bytes.append(UInt8(ascii: "-")) }
            var magnitude = n.magnitude
            let start = bytes.count
            repeat {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            bytes[start...].reverse()
            bytes.append(0x1F)
        }

        /// The digest of a row an import just inserted, as `SubjectDigest.columns` reads it back:
        /// the defaults are 0 attempts and NULLs.
        package mutating func newSubject(id: Int64, incidentID: String, importEntry: Int64, _ s: NewSubject, fields: String,
                                         stamp: String) -> SubjectDigest {
            reset()
            append(id)
            append(incidentID)
            append(importEntry)
            append(Int64(s.line))
            append(s.email)
            append(s.firstName)
            append(s.lastName)
            append(s.language)
            append(fields)
            append(s.state.rawValue)
            append(s.reason)
            append(Int64(0))  // attempts
            append(nil as String?)  // next_attempt_at
            append(nil as String?)  // first_attempt_at
            append(stamp)  // imported_at
            append(stamp)  // updated_at
            append(nil as String?)  // message_id
            append(nil as String?)  // last_reply
            append(s.rowKey)
            return digest()
        }

        package func digest() -> SubjectDigest {
            bytes.withUnsafeBytes { Self.digest($0) }
        }

        /// The digest of a row's bytes given as a buffer.
        static func digest(_ buffer: UnsafeRawBufferPointer) -> SubjectDigest {
            // The bytes handed over as a buffer: `SHA256.hash(data:)` is generic over
            // `DataProtocol`, run unspecialised from this module (its regions walked, metadata
            // looked up) for every row an import or a fold digests.
            var hasher = SHA256()
            hasher.update(bufferPointer: buffer)
            return hasher.finalize().withUnsafeBytes { raw in
                var lanes = SIMD4<UInt64>.zero
                for lane in 0..<4 {
                    var value: UInt64 = 0
                    for i in lane * 8..<lane * 8 + 8 { value = value << 8 | UInt64(raw[i]) }
                    lanes[lane] = value
                }
                return SubjectDigest(lanes: lanes)
            }
        }
    }

    package mutating func add(_ other: SubjectDigest) { lanes &+= other.lanes }
    package mutating func subtract(_ other: SubjectDigest) { lanes &-= other.lanes }
}
