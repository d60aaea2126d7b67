import Foundation
import Synchronization
import GRDB

/// `BREACHMAIL_SQL_TRACE=FILE`: every distinct SQL statement the register runs is appended to
/// FILE (0600), one JSON string per line, as written in the code with its `?` placeholders, never
/// with the values bound to them. The query-plan test runs every command with it and checks the
/// plan of each statement; it also shows what a slow command asks of the register.
final class StatementLog: Sendable {
    static let variable = "BREACHMAIL_SQL_TRACE"

    private let fd: Int32
    private let seen = Mutex(Set<String>())

    /// The log of this process for `path` (one per path: every register opened shares it).
    static func shared(path: String) -> StatementLog? {
        logs.withLock { logs in
            if let log = logs[path] { return log }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return nil }
            let log = StatementLog(fd: fd)
            logs[path] = log
            return log
        }
    }

    private static let logs = Mutex([String: StatementLog]())

    private init(fd: Int32) { self.fd = fd }

    /// Installs the trace on every connection of `configuration` when the variable names a file.
    static func install(_ configuration: inout GRDB.Configuration) {
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty, let log = shared(path: path) else { return }
        configuration.prepareDatabase { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { log.record(statement.sql) }
            }
        }
    }

    func record(_ sql: String) {
        // Statements of triggers come as `-- comment` lines: their table's own statements are traced.
        guard !sql.hasPrefix("--"), seen.withLock({ $0.insert(sql).inserted }) else { return }
        guard let line = try? JSONSerialization.data(withJSONObject: sql, options: [.fragmentsAllowed]) else { return }
        let bytes = Array(line) + [10]
        // One write(2) per line with O_APPEND: lines of several processes never interleave.
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
