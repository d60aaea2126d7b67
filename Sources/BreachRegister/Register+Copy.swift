import GRDB

// Reading a register row by row, whatever its tables hold, for `register migrate` (a copy into
// another store, in the package's own module for PostgreSQL).
extension Register {
    /// Calls `body` with each row of `table` (its columns' names and values), in primary-key order;
    /// nothing when the register has no such table.
    /// - Throws: ``RegisterError`` when the register cannot be read; whatever `body` throws.
    package func forEachRow(of table: String, _ body: ([String], [RegisterTransaction.Value]) throws -> Void) throws {
        do {
            try pool.read { db in
                guard try db.tableExists(table) else { return }
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM \(table) ORDER BY rowid")
                while let row = try cursor.next() {
                    let values: [RegisterTransaction.Value] = row.databaseValues.map { value in
                        switch value.storage {
                        case .null: .null
                        case .int64(let n): .integer(n)
                        case .double(let d): .real(d)
                        case .string(let s): .text(s)
                        case .blob(let b): .text(String(decoding: b, as: UTF8.self))
                        }
                    }
                    try body(Array(row.columnNames), values)
                }
            }
        } catch let error as RegisterError {
            throw error
        } catch {
            throw Self.map(error, path)
        }
    }
}
