public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster (Debian's `postgresql`) on 127.0.0.1 for the tests of one process.
///
/// Started once, the first time ``shared()`` is asked: `initdb` as the `postgres` user (it
/// refuses root) in a temporary directory that user owns, trust authentication (this cluster
/// listens on the loopback only, on a free port, its socket in its own directory), then `pg_ctl
/// start -w`, spawned with an empty signal mask, default handlers and its output to a log file
/// (a postmaster that inherits a test's blocked signals or pipes hangs whoever waits for it).
/// Stopped (`pg_ctl -m immediate stop`) and removed when the process exits. Each test makes a
/// database of its own (``createDatabase()``). Uses the binaries of `/usr/lib/postgresql/N/bin`.
public final class PostgresTestServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    /// The cluster's binaries.
    public let bin: URL
    let root: URL
    let data: URL
    private let lock = NSLock()
    private var databases = 0

    nonisolated(unsafe) private static var started: Result<PostgresTestServer, Failure>?
    private static let startLock = NSLock()
    /// What atexit stops: the pg_ctl, the data directory and the root to remove.
    nonisolated(unsafe) private static var stopCommand: (pgctl: String, data: String, root: String)?

    /// The process's cluster, started the first time.
    public static func shared() throws -> PostgresTestServer {
        try startLock.withLock {
            if started == nil {
                do { started = .success(try PostgresTestServer()) } catch let error as Failure {
                    started = .failure(error)
                } catch { started = .failure(Failure(description: "\(error)")) }
            }
            return try started!.get()
        }
    }

    private init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            throw Failure(description: "no PostgreSQL in /usr/lib/postgresql: apt-get install -y postgresql (see .ci/packages.txt)")
        }
        bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("breachmail-postgres-\(UUID().uuidString)")
        data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        guard let user = getpwnam("postgres") else { throw Failure(description: "no user postgres: apt-get install -y postgresql") }
        guard chown(root.path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw Failure(description: "cannot give \(root.path) to the postgres user (the tests run as root, as in CI)")
        }
        port = try FreePort.loopback()
        let initdb = try CommandRunner.run("/usr/sbin/runuser", ["-u", "postgres", "--", bin.appendingPathComponent("initdb").path,
                                                                "-D", data.path, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                                                "--locale=C.UTF-8"])
        guard initdb.status == 0 else { throw Failure(description: "initdb failed: \(initdb.stdout)\(initdb.stderr)") }
        let log = root.appendingPathComponent("start.log")
        let options = "-p \(port) -k \(root.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        let pgctl = bin.appendingPathComponent("pg_ctl").path
        Self.stopCommand = (pgctl, data.path, root.path)
        atexit {
            guard let stop = PostgresTestServer.stopCommand else { return }
            PostgresTestServer.stopCommand = nil
            try? DovecotTestServer.spawn("/usr/sbin/runuser", ["-u", "postgres", "--", stop.pgctl, "-D", stop.data, "-m", "immediate", "stop"],
                                         output: URL(fileURLWithPath: "/dev/null"))
            try? FileManager.default.removeItem(atPath: stop.root)
        }
        // pg_ctl -w returns once the server accepts connections (at most 30 s), leaving the postmaster running.
        try DovecotTestServer.spawn("/usr/sbin/runuser", ["-u", "postgres", "--", pgctl, "-D", data.path, "-o", options,
                                                          "-l", root.appendingPathComponent("postgres.log").path, "-w", "-t", "30", "start"],
                                    output: log)
        guard FreePort.answers(port) else {
            let said = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let server = (try? String(contentsOf: root.appendingPathComponent("postgres.log"), encoding: .utf8)) ?? ""
            throw Failure(description: "PostgreSQL did not start on 127.0.0.1:\(port): \(said)\(server)")
        }
    }

    /// A new empty database; its name.
    public func createDatabase(prefix: String = "breachmail") throws -> String {
        let name = lock.withLock { databases += 1; return "\(prefix)_\(getpid())_\(databases)" }
        let result = try psql("postgres", "CREATE DATABASE \(name)")
        guard result.status == 0 else { throw Failure(description: "CREATE DATABASE \(name): \(result.output)") }
        return name
    }

    /// The address of `database` for breachmail (`storage.register`).
    public func url(_ database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Runs `sql` with `psql` in `database`, stopping at the first error; its status and output (rows
    /// unaligned, columns separated by `|`, without headers).
    @discardableResult
    public func psql(_ database: String, _ sql: String) throws -> (status: Int32, output: String) {
        let result = try CommandRunner.run(bin.appendingPathComponent("psql"),
                                           ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres",
                                            "-d", database, "-c", sql])
        return (result.status, result.stdout + result.stderr)
    }
}
