import BreachCore
import Foundation
import GRDB

/// Which clock stamps a register's entries.
///
/// A real register takes the system clock. A register made for tests or a demo may take the
/// injected clock (`BREACHMAIL_NOW`), so that its output is the same every day; that choice is
/// made when the register is created, never later, so that nobody can back-date the entries of
/// a real register. `register verify` reports any entry whose time goes backwards.
extension Register {
    static func registerClockMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-register-settings") { db in
            try db.execute(sql: """
                CREATE TABLE register_setting (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """)
        }
    }

    /// Whether this register was created to take the injected clock (tests, demo).
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func takesInjectedClock() throws(RegisterError) -> Bool {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM register_setting WHERE key = 'clock'") == "injected"
        }
    }

    /// Marks a new register as taking the injected clock.
    ///
    /// - Throws: ``RegisterError/clockChoiceTooLate(_:)`` once the history holds an entry.
    public func takeInjectedClock() throws(RegisterError) {
        let path = path
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM history") == 0 else {
                throw RegisterError.clockChoiceTooLate(path)
            }
            try db.execute(sql: "INSERT OR REPLACE INTO register_setting (key, value) VALUES ('clock', 'injected')")
        }
    }

    /// Entries recorded earlier than the entry before them: a clock set back, or a back-dated entry.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func timeRegressions() throws(RegisterError) -> [TimeRegression] {
        try read { db in
            Self.timeRegressions(try Row.fetchAll(db, sql: "SELECT sequence, recorded_at FROM history ORDER BY sequence").map {
                (sequence: $0["sequence"] as Int64, recordedAt: $0["recorded_at"] as String)
            })
        }
    }

    /// The entries of `history` (in sequence order) dated before the entry preceding them.
    package static func timeRegressions(_ history: [(sequence: Int64, recordedAt: String)]) -> [TimeRegression] {
        var found: [TimeRegression] = []
        var previous: (sequence: Int64, time: Date, text: String)?
        for (sequence, text) in history {
            guard let time = ZonedTime(rfc3339: text)?.instant else { continue }
            if let p = previous, time < p.time {
                found.append(TimeRegression(sequence: sequence, recordedAt: text,
                                            previousSequence: p.sequence, previousRecordedAt: p.text))
            }
            previous = (sequence, time, text)
        }
        return found
    }
}

/// An entry recorded earlier than the one before it.
public struct TimeRegression: Sendable, Equatable, CustomStringConvertible {
    public let sequence: Int64
    public let recordedAt: String
    public let previousSequence: Int64
    public let previousRecordedAt: String

    public var description: String {
        "entry \(sequence) is dated \(recordedAt), before entry \(previousSequence) (\(previousRecordedAt))"
    }
}
