public import BreachRegister
import Foundation
import PostgresNIO

// `register migrate --to postgres://…`: an SQLite register copied into an empty PostgreSQL one,
// every table, the history verbatim (its hashes are over the same texts), then checked.
extension PostgresStore {
    /// What a copy did: rows per table, and both registers' verification.
    public struct Copy: Sendable {
        public var rows: [(table: String, count: Int)] = []
        public var source: ChainVerification
        public var copy: ChainVerification
        /// The copy verifies with the same number of entries and the same head.
        public var matches: Bool { copy.isIntact && source.isIntact && copy.head == source.head && copy.entries == source.entries }
    }

    /// Whether the database holds no register data yet (no history entry, no incident).
    public func isEmpty() throws(RegisterError) -> Bool {
        try session.read {
            try session.value("SELECT COUNT(*) FROM history", as: Int64.self) == 0
                && session.value("SELECT COUNT(*) FROM incident", as: Int64.self) == 0
        }
    }

    /// Copies every table of `register` into this empty database, in one transaction, then
    /// verifies both.
    /// - Throws: ``RegisterError`` when this database is not empty, or either store fails.
    public func copy(from register: Register) throws -> Copy {
        let source = try register.verify()
        guard try isEmpty() else {
            throw RegisterError.database(location, "the database already holds a register; copy into an empty database (createdb NAME)")
        }
        var counts: [(table: String, count: Int)] = []
        try session.write {
            for table in PostgresSchema.tables {
                var batch: [[RegisterTransaction.Value]] = []
                var columns: [String] = []
                var count = 0
                func flush() throws {
                    guard !batch.isEmpty else { return }
                    var placeholders: [String] = []
                    var arguments: [any PostgresBindable] = []
                    for row in batch {
                        let start = arguments.count
                        placeholders.append("(" + row.indices.map { "$\(start + $0 + 1)" }.joined(separator: ", ") + ")")
                        for value in row {
                            switch value {
                            case .text(let t): arguments.append(t)
                            case .integer(let n): arguments.append(n)
                            case .real(let d): arguments.append(d)
                            case .null: arguments.append(String?.none)
                            }
                        }
                    }
                    // The rows the schema made (the digest's, a setting) take the copied values.
                    let keys = table == "subject_digest" ? "(id)" : table == "register_setting" ? "(key)" : nil
                    let conflict = keys.map { keys in
                        " ON CONFLICT \(keys) DO UPDATE SET " + columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                    } ?? ""
                    try session.execute("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                                        + placeholders.joined(separator: ", ") + conflict, arguments)
                    batch.removeAll(keepingCapacity: true)
                }
                try register.forEachRow(of: table) { names, values in
                    columns = names
                    batch.append(values)
                    count += 1
                    if batch.count * names.count >= 20_000 { try flush() }
                }
                try flush()
                counts.append((table, count))
            }
            // The sequences of the tables whose ids the database gives continue after the copied ones.
            for table in ["notification", "controller_notice", "subject", "bounce", "scheduled_duty"] {
                try session.execute("""
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                    """)
            }
        }
        return Copy(rows: counts, source: source, copy: try verify())
    }
}
