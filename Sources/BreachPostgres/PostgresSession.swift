import BreachRegister
import Foundation
import Logging
import PostgresNIO

/// One connection to PostgreSQL used synchronously: the register's protocols are synchronous, so
/// each call runs the query on an event loop of ours and waits for it on the calling thread
/// (never an event-loop thread: the loops below run nothing else). A lock makes one caller at a
/// time use the connection; a transaction holds it from BEGIN to COMMIT.
final class PostgresSession: @unchecked Sendable {
    // `@unchecked`: `connection` and `depth` change only under `lock`.
    /// The loops every session of the process runs its connection on (two threads, never stopped).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private static let logger = Logger(label: "breachmail.postgres")

    let location: PostgresLocation
    /// Settings sent with every connection's start (run-time parameters of the session, set again
    /// on a reconnection).
    private let parameters: [(String, String)]
    private let lock = NSRecursiveLock()
    private var connection: PostgresConnection?
    /// Whether a connection was made once: a connection lost later is made again, with back-off,
    /// for ``reconnectFor`` (a database not reachable at the start is an error at once).
    private var connectedOnce = false
    /// Where a lost connection is told: standard error, whatever the process's logging (a
    /// command's standard output may be JSON a script reads).
    private static let lossLogger = Logger(label: "breachmail.register") { StreamLogHandler.standardError(label: $0) }
    /// How long a lost connection is tried again before the register's error is thrown
    /// (`BREACHMAIL_RECONNECT_SECONDS`, default 60).
    static let reconnectFor: TimeInterval = ProcessInfo.processInfo.environment["BREACHMAIL_RECONNECT_SECONDS"].flatMap(Double.init) ?? 60
    /// How many transactions are open (nested calls join the outer one).
    private var depth = 0
    /// The statements prepared on `connection` by ``execute(prepared:_:)``, by their SQL (forgotten
    /// with the connection).
    private var prepared: [String: PreparedQuery] = [:]

    init(_ location: PostgresLocation, parameters: [(String, String)] = []) throws(RegisterError) {
        self.location = location
        self.parameters = parameters
        _ = try connected()
    }

    deinit {
        _ = try? connection?.close().wait()
    }

    /// The connection, opened again when the server closed it (outside a transaction only).
    private func connected() throws(RegisterError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        guard depth == 0 else { throw location.lost("the connection closed during a transaction") }
        // Closed by the server while idle (terminated, restarted): a loss too, told as one.
        if connection != nil { reportLoss() }
        do {
            var configuration = try location.configuration()
            configuration.options.additionalStartupParameters = parameters
            let fresh = try PostgresConnection.connect(on: Self.group.next(), configuration: configuration, id: 1, logger: Self.logger).wait()
            connection = fresh
            prepared = [:]
            connectedOnce = true
            return fresh
        } catch let error as RegisterError {
            throw error
        } catch {
            throw location.unreachable(Self.describe(error))
        }
    }

    /// Runs `sql` (parameters `$1`, `$2`…) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ arguments: [any PostgresBindable] = []) throws(RegisterError) -> [PostgresRecord] {
        try run(sql, arguments).rows.map { PostgresRecord($0) }
    }

    /// Runs `sql` and returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any PostgresBindable] = []) throws(RegisterError) -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    /// Runs statements separated by `;` at the end of a line, one by one (the extended protocol
    /// takes one statement at a time).
    func script(_ sql: String) throws(RegisterError) {
        for statement in sql.components(separatedBy: ";\n") {
            let trimmed = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { try execute(trimmed) }
        }
    }

    /// The first column of the first row, nil when there is no row or it is NULL.
    func value<T: PostgresDecodable>(_ sql: String, _ arguments: [any PostgresBindable] = [], as type: T.Type = T.self) throws(RegisterError) -> T?
        where T._DecodableType == T {
        guard let row = try query(sql, arguments).first else { return nil }
        do { return try row.at(0, as: T?.self) } catch { throw map(error) }
    }

    /// Runs one statement. Outside a transaction, a connection lost (the server restarted, a
    /// network cut, the backend terminated) is made again with back-off (0.25 s doubling to 5 s,
    /// for ``reconnectFor``) and the statement sent again: the register's statements outside a
    /// transaction are safe to run twice (an outcome journalled twice is folded once). Inside a
    /// transaction the loss is thrown: ``write(appending:_:)`` runs the whole transaction again.
    private func run(_ sql: String, _ arguments: [any PostgresBindable]) throws(RegisterError) -> PostgresQueryResult {
        try onConnection { connection in
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments { try argument.bind(into: &bindings) }
            return try connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: Self.logger).wait()
        }
    }

    /// Runs `sql` as a statement prepared on this connection the first time (parsed and planned
    /// once per connection instead of at each call: for the statements a campaign runs at every
    /// message or two), its parameters texts. The rows are not returned.
    func execute(prepared sql: String, _ arguments: [String]) throws(RegisterError) {
        try onConnection { connection in
            let statement: PreparedQuery
            if let known = prepared[sql] {
                statement = known
            } else {
                statement = try connection.prepare(query: sql).wait()
                prepared[sql] = statement
            }
            _ = try statement.execute(arguments.map { PostgresData(string: $0) }).wait()
        }
    }

    /// Runs `body` on the connection, under the lock. Outside a transaction, a connection lost
    /// is made again and `body` run again (see ``run(_:_:)``).
    private func onConnection<T>(_ body: (PostgresConnection) throws -> T) throws(RegisterError) -> T {
        lock.lock()
        defer { lock.unlock() }
        var pause = 0.25
        var lostAt: Date?
        while true {
            do {
                return try body(try connected())
            } catch {
                guard depth == 0, connectedOnce, Self.isConnectionLoss(error) else { throw map(error) }
                let since = lostAt ?? Date()
                lostAt = since
                guard Date().timeIntervalSince(since) < Self.reconnectFor else { throw map(error) }
                if pause == 0.25 { reportLoss() }
                if let connection, !connection.isClosed { _ = try? connection.close().wait() }
                connection = nil
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 5)
            }
        }
    }

    /// When a lost connection was last told (once per loss, whichever layer saw it first).
    private var lossReportedAt: Date?

    private func reportLoss() {
        if let last = lossReportedAt, Date().timeIntervalSince(last) < 5 { return }
        lossReportedAt = Date()
        Self.lossLogger.warning("the database connection was lost; connecting again", metadata: ["database": .string(location.description)])
    }

    /// A lost connection (closed, reset, the backend terminated or the server shutting down), or
    /// one that cannot be made again yet.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let error = error as? RegisterError { return error.code == .unreachable }
        // postgres-nio's prepared queries (``execute(prepared:_:)``) report their errors in its
        // older type: the same losses, told differently.
        if let error = error as? PostgresError {
            switch error {
            case .connectionClosed: return true
            case .server(let message): return isLossState(message.fields[.sqlState])
            case .protocol: return false
            }
        }
        guard let error = error as? PSQLError else { return false }
        if [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown].contains(error.code) { return true }
        guard error.code == .server else { return false }
        return isLossState(error.serverInfo?[.sqlState])
    }

    /// 08xxx connection exceptions; 57P01-03 admin shutdown, crash shutdown, cannot connect now.
    private static func isLossState(_ state: String?) -> Bool {
        guard let state else { return false }
        return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws (its
    /// error rethrown). With `appending`, the transaction first takes the lock that serialises the
    /// history's appends across every process (``PostgresSchema/historyLock``). A call inside a
    /// transaction joins it.
    @discardableResult
    func transaction<T>(appending: Bool = true, _ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if depth > 0 { return try body() }
        try execute("BEGIN")
        depth = 1
        let result: T
        do {
            if appending { try execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.historyLock))") }
            result = try body()
        } catch {
            _ = try? execute("ROLLBACK")
            depth = 0
            throw error
        }
        do {
            try execute("COMMIT")
            depth = 0
            return result
        } catch {
            depth = 0
            // Lost while committing: the transaction may or may not have been recorded; never
            // run again (``write(appending:_:)``), the caller is told.
            guard Self.isConnectionLoss(error) else {
                _ = try? execute("ROLLBACK")  // a COMMIT refused by the server has ended it already: harmless
                throw error
            }
            throw CommitUnknown(error: location.lost("the connection was lost while committing; whether the change was recorded is not known"))
        }
    }

    /// A transaction whose COMMIT got no answer.
    struct CommitUnknown: Error {
        let error: RegisterError
    }

    /// A transaction whose errors are the register's; one the server chose to abort (a deadlock,
    /// a serialization failure) is tried again, up to three times; one whose connection was lost
    /// before its COMMIT (rolled back by the server) is run again on a new connection, while
    /// ``run(_:_:)`` connects again.
    @discardableResult
    func write<T>(appending: Bool = true, _ body: () throws -> T) throws(RegisterError) -> T {
        var tries = 0
        var lostSince: Date?
        while true {
            do { return try transaction(appending: appending, body) } catch let unknown as CommitUnknown {
                throw unknown.error
            } catch {
                guard depth == 0 else { throw map(error) }
                if Self.isConnectionLoss(error) && connectedOnce {
                    if lostSince == nil { reportLoss() }
                    let since = lostSince ?? Date()
                    lostSince = since
                    if Date().timeIntervalSince(since) < Self.reconnectFor {
                        Thread.sleep(forTimeInterval: 0.25)
                        continue
                    }
                }
                tries += 1
                guard tries < 3, Self.isRetryable(error) else { throw map(error) }
            }
        }
    }

    /// 40001 serialization failure, 40P01 deadlock, 55P03 lock not available (as the register
    /// reports them, or as the server did).
    static func isRetryable(_ error: any Error) -> Bool {
        if let error = error as? RegisterError { return error.code == .locked }
        guard let error = error as? PSQLError, error.code == .server else { return false }
        return ["40001", "40P01", "55P03"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// Reads in one transaction (every figure of the same moment).
    func read<T>(_ body: () throws -> T) throws(RegisterError) -> T {
        lock.lock()
        defer { lock.unlock() }
        if depth > 0 { do { return try body() } catch { throw map(error) } }
        do {
            try execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            depth = 1
            defer { depth = 0 }
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                _ = try? execute("ROLLBACK")
                throw error
            }
        } catch { throw map(error) }
    }

    func map(_ error: any Error) -> RegisterError {
        if let error = error as? RegisterError { return error }
        if let unknown = error as? CommitUnknown { return unknown.error }
        if Self.isConnectionLoss(error) { return location.lost(Self.describe(error)) }
        if let (state, message) = Self.serverError(error) {
            // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available.
            if ["40001", "40P01", "55P03"].contains(state) { return location.locked() }
            if state == "25006" || state == "42501" { return location.readOnly(message) }
            return location.failed("\(message) (SQLSTATE \(state))")
        }
        return location.failed(Self.describe(error))
    }

    /// The SQLSTATE and message of an error the server sent, in either of postgres-nio's types.
    static func serverError(_ error: any Error) -> (state: String, message: String)? {
        if let error = error as? PSQLError, error.code == .server {
            return (error.serverInfo?[.sqlState] ?? "", error.serverInfo?[.message] ?? "\(error.code)")
        }
        if let error = error as? PostgresError, case .server(let info) = error {
            return (info.fields[.sqlState] ?? "", info.fields[.message] ?? "\(error)")
        }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        if let (_, message) = serverError(error) { return message }
        if let error = error as? PSQLError {
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// A value bound to a query parameter.
protocol PostgresBindable {
    func bind(into bindings: inout PostgresBindings) throws
}

extension String: PostgresBindable {
    func bind(into bindings: inout PostgresBindings) throws { bindings.append(self) }
}

extension Int64: PostgresBindable {
    func bind(into bindings: inout PostgresBindings) throws { bindings.append(self) }
}

extension Int: PostgresBindable {
    func bind(into bindings: inout PostgresBindings) throws { bindings.append(Int64(self)) }
}

extension Double: PostgresBindable {
    func bind(into bindings: inout PostgresBindings) throws { bindings.append(self) }
}

extension Array: PostgresBindable where Element: PostgresArrayEncodable {
    func bind(into bindings: inout PostgresBindings) throws { try bindings.append(self) }
}

extension Optional: PostgresBindable where Wrapped: PostgresBindable & PostgresEncodable {
    func bind(into bindings: inout PostgresBindings) throws {
        switch self {
        case .some(let value): try value.bind(into: &bindings)
        case .none: try bindings.append(Optional<Wrapped>.none)
        }
    }
}

/// One row of a result, its columns by name.
struct PostgresRecord {
    private let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws { try row[column].decode(T.self) }
    }

    func at<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        try row[index].decode(T.self)
    }

    /// The bytes of column `index` as the server sent them (nil for NULL): a text column's UTF-8.
    func bytes(at index: Int) -> ByteBuffer? { row[index].bytes }

    var count: Int { row.count }
}
