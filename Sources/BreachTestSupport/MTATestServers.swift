public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The remote side for the Exim and OpenSMTPD bounce tests: `Tests/Servers/remote_mx.py` on
/// Debian's python3-aiosmtpd, several listeners on 127.0.0.1 that answer as planned (unknown
/// user, unknown domain, full mailbox, greylisting, policy block, a refused MAIL FROM, a refused
/// HELO, a 554 greeting). Every message it accepts (the DSNs) is recorded in ``recordDirectory``.
public final class RemoteMXTestServer: @unchecked Sendable {
    /// Listener name (`normal`, `mailfrom`, `helo`, `greet554` on 127.0.0.1; `returns` on 127.0.0.2) → port.
    public let ports: [String: Int]
    /// Where accepted messages land as NNNNNN.eml.
    public var recordDirectory: URL { records.url }
    private let records: TemporaryDirectory
    private let process: Process

    /// Starts the server and waits (at most 10 s) until every listener is up.
    public init() throws {
        records = try TemporaryDirectory("breachmail-remote-mx")
        let script = CommandRunner.packageRoot.appendingPathComponent("Tests/Servers/remote_mx.py").path
        let portsFile = records.file("ports.txt"), errorLog = records.file("server.log")
        for f in [portsFile, errorLog] { _ = FileManager.default.createFile(atPath: f.path, contents: nil) }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, "--record", records.path]
        process.standardOutput = try FileHandle(forWritingTo: portsFile)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        // The server stops when this pipe closes, even if the test process is killed.
        process.standardInput = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var found: [String: Int] = [:]
        while true {
            let text = (try? String(contentsOf: portsFile, encoding: .utf8)) ?? ""
            if text.contains("READY") {
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    if parts.count == 3, parts[0] == "PORT", let port = Int(parts[2]) { found[String(parts[1])] = port }
                }
                break
            }
            guard Date() < deadline, process.isRunning else {
                kill(process.processIdentifier, SIGKILL)
                let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
                throw MTATestFailure(description: "the remote MX test server did not start within 10 s: \(log)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        ports = found
    }

    deinit {
        process.terminate()
        let end = Date().addingTimeInterval(5)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The messages recorded so far, waiting at most `timeout` seconds until there are `count`.
    public func waitForMessages(_ count: Int, timeout: TimeInterval, log: () -> String = { "" }) throws -> [URL] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: records.path)) ?? [])
                .filter { $0.hasSuffix(".eml") }.sorted()
            if names.count >= count { return names.map { records.file($0) } }
            guard Date() < deadline else {
                throw MTATestFailure(description: "\(names.count) of \(count) DSNs arrived in \(Int(timeout)) s\(log())")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}

/// A child of a threaded test process inherits its blocked signals: a daemon started as is
/// never reaps its children nor hears SIGTERM. This runs `program` through python3, which
/// clears the signal mask and then execs it.
enum CleanSignals {
    static let python = URL(fileURLWithPath: "/usr/bin/python3")
    static func arguments(_ program: String, _ arguments: [String]) -> [String] {
        ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
         program] + arguments
    }
}

/// Why a private MTA could not be run.
public struct MTATestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Debian's Exim 4 and OpenSMTPD, unpacked (not installed) by `scripts/setup-mtas.sh` into
/// `.cache/mtas/root`: they conflict with the installed Postfix as packages.
public enum UnpackedMTAs {
    /// The unpacked tree; runs `scripts/setup-mtas.sh` first when it is missing.
    public static func root() throws -> URL {
        let root = CommandRunner.packageRoot.appendingPathComponent(".cache/mtas/root")
        let binaries = ["usr/sbin/exim4", "usr/sbin/smtpd"].map { root.appendingPathComponent($0).path }
        if !binaries.allSatisfy(FileManager.default.isExecutableFile(atPath:)) {
            let script = CommandRunner.packageRoot.appendingPathComponent("scripts/setup-mtas.sh")
            let result = try CommandRunner.run(script, [], timeout: 300)
            guard result.status == 0, binaries.allSatisfy(FileManager.default.isExecutableFile(atPath:)) else {
                throw MTATestFailure(description: "scripts/setup-mtas.sh did not unpack Exim and OpenSMTPD (it needs root and apt): \(result.stdout)\(result.stderr)")
            }
        }
        return root
    }

    /// The domains both MTAs route, and where: the test's plan of recipients lives in remote_mx.py.
    public static let bounceDomain = "bounces.exemple.lu"
}

/// A private Exim 4 (Debian's `exim4-daemon-light`, unpacked) on 127.0.0.1 for one test, with
/// its own configuration, spool and logs in a temporary directory. It relays `remote.test` and
/// the bounce domain to the remote's `normal` listener, `mailfrom.test`, `helo.test` and
/// `greet.test` to the listeners that refuse at those stages, `refused.test` to port 1, where
/// nobody listens; any other domain has no route ("Unrouteable address"). Retries every 2 s and
/// gives up after 10 s, so that expiry notices come within the test.
public final class EximTestServer: @unchecked Sendable {
    /// The SMTP port on 127.0.0.1.
    public let port: Int
    private let directory: TemporaryDirectory
    private let exim: URL
    private let configFile: URL
    private let process: Process
    private var spool: URL { directory.url.appendingPathComponent("spool") }

    public init(remote: RemoteMXTestServer) throws {
        let root = try UnpackedMTAs.root()
        exim = root.appendingPathComponent("usr/sbin/exim4")
        directory = try TemporaryDirectory("breachmail-exim")
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let spool = directory.url.appendingPathComponent("spool")
        try fm.createDirectory(at: spool.appendingPathComponent("log"), withIntermediateDirectories: true)
        guard let user = getpwnam("Debian-exim") else {
            throw MTATestFailure(description: "no user Debian-exim: run scripts/setup-mtas.sh (as root)")
        }
        for path in [spool.path, spool.appendingPathComponent("log").path] {
            guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
                throw MTATestFailure(description: "cannot chown the Exim spool (the Exim tests need root): \(String(cString: strerror(errno)))")
            }
        }
        port = try FreePort.loopback()
        // tcpmux (port 1): nothing listens there on a test machine, so the connection is refused.
        let refusedPort = 1
        func route(_ name: String, _ domains: String, _ port: Int) -> String {
            """
            \(name):
              driver = manualroute
              domains = \(domains)
              transport = remote_smtp
              route_list = * 127.0.0.1::\(port) byname
              self = send

            """
        }
        let p = remote.ports
        let config = """
            exim_path = \(exim.path)
            spool_directory = \(spool.path)
            log_file_path = \(spool.path)/log/%slog
            pid_file_path = \(spool.path)/exim.pid
            keep_environment =
            primary_hostname = mta.sender.test
            qualify_domain = sender.test
            daemon_smtp_ports = \(port)
            local_interfaces = 127.0.0.1
            acl_smtp_rcpt = acl_check_rcpt
            host_lookup =
            rfc1413_hosts =
            tls_advertise_hosts =
            ignore_bounce_errors_after = 0s
            timeout_frozen_after = 1m

            begin acl
            acl_check_rcpt:
              accept

            begin routers
            \(route("remote", "\(UnpackedMTAs.bounceDomain) : remote.test", p["normal"] ?? 0))\
            \(route("mailfrom", "mailfrom.test", p["mailfrom"] ?? 0))\
            \(route("helo", "helo.test", p["helo"] ?? 0))\
            \(route("greet", "greet.test", p["greet554"] ?? 0))\
            \(route("refused", "refused.test", refusedPort))
            begin transports
            remote_smtp:
              driver = smtp
              allow_localhost
              hosts_avoid_tls = *
              # Exim would pass a waiting message down an open connection to the same IP,
              # whatever the port: one message per connection keeps each domain on its listener.
              connection_max_messages = 1

            begin retry
            * * F,10s,2s

            """
        configFile = directory.url.appendingPathComponent("exim.conf")
        try Data(config.utf8).write(to: configFile)
        // -bdf: the daemon stays in the foreground, a child of this process, stopped in deinit.
        process = Process()
        process.executableURL = CleanSignals.python
        process.arguments = CleanSignals.arguments(exim.path, ["-C", configFile.path, "-bdf", "-q2s"])
        let startLog = directory.url.appendingPathComponent("start.log")
        _ = fm.createFile(atPath: startLog.path, contents: nil)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: startLog)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FreePort.answers(port) {
            guard Date() < deadline, process.isRunning else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                let said = (try? String(contentsOf: startLog, encoding: .utf8)) ?? ""
                throw MTATestFailure(description: "Exim did not listen on 127.0.0.1:\(port) within 20 s: \(said)\(log())")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit {
        process.terminate()
        let end = Date().addingTimeInterval(5)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The end of Exim's main log, for failure messages.
    public func log() -> String {
        guard let text = try? String(contentsOf: spool.appendingPathComponent("log/mainlog"), encoding: .utf8) else { return "" }
        return "\n--- exim mainlog ---\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
}

/// A private OpenSMTPD (Debian's `opensmtpd` 6.8, unpacked) on 127.0.0.1 for one test. Its
/// spool, control socket and helper programs are compiled-in paths, so it runs in a mount
/// namespace of its own (`unshare -m`) where private directories are bind-mounted on them: the
/// machine's paths are never written. It relays as Exim does (but has no "unrouteable" case: a
/// domain it does not route is refused at RCPT TO); temporary failures expire after 10 s.
public final class OpenSMTPDTestServer: @unchecked Sendable {
    /// The SMTP port on 127.0.0.1.
    public let port: Int
    private let directory: TemporaryDirectory
    private let process: Process
    private let logFile: URL

    public init(remote: RemoteMXTestServer) throws {
        let root = try UnpackedMTAs.root()
        directory = try TemporaryDirectory("breachmail-opensmtpd")
        let fm = FileManager.default
        let spool = directory.url.appendingPathComponent("spool"), run = directory.url.appendingPathComponent("run")
        for d in [spool, run] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        try fm.setAttributes([.posixPermissions: 0o711], ofItemAtPath: spool.path)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        port = try FreePort.loopback()
        // tcpmux (port 1): nothing listens there on a test machine, so the connection is refused.
        let refusedPort = 1
        let p = remote.ports
        let config = """
            queue ttl 10s
            listen on 127.0.0.1 port \(port)
            action "normal" relay host smtp://127.0.0.1:\(p["normal"] ?? 0)
            action "returns" relay host smtp://127.0.0.2:\(p["returns"] ?? 0)
            action "mailfrom" relay host smtp://127.0.0.1:\(p["mailfrom"] ?? 0)
            action "helo" relay host smtp://127.0.0.1:\(p["helo"] ?? 0)
            action "greet" relay host smtp://127.0.0.1:\(p["greet554"] ?? 0)
            action "refused" relay host smtp://127.0.0.1:\(refusedPort)
            match from local for domain "\(UnpackedMTAs.bounceDomain)" action "returns"
            match from local for domain "remote.test" action "normal"
            match from local for domain "mailfrom.test" action "mailfrom"
            match from local for domain "helo.test" action "helo"
            match from local for domain "greet.test" action "greet"
            match from local for domain "refused.test" action "refused"

            """
        let configFile = directory.url.appendingPathComponent("smtpd.conf")
        try Data(config.utf8).write(to: configFile)
        logFile = directory.url.appendingPathComponent("smtpd.log")
        _ = fm.createFile(atPath: logFile.path, contents: nil)
        let smtpd = root.appendingPathComponent("usr/sbin/smtpd").path
        let libexec = root.appendingPathComponent("usr/libexec/opensmtpd").path
        let script = "mount --bind '\(spool.path)' /var/spool/smtpd && mount --bind '\(libexec)' /usr/libexec/opensmtpd"
            + " && mount --bind '\(run.path)' /run && exec '\(smtpd)' -d -f '\(configFile.path)'"
        process = Process()
        process.executableURL = CleanSignals.python
        process.arguments = CleanSignals.arguments("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script])
        process.standardOutput = try FileHandle(forWritingTo: logFile)
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardInput = Pipe()
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FreePort.answers(port) {
            guard Date() < deadline, process.isRunning else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                throw MTATestFailure(description: "OpenSMTPD did not listen on 127.0.0.1:\(port) within 20 s\(log())")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit {
        process.terminate()
        let end = Date().addingTimeInterval(10)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// The end of OpenSMTPD's log, for failure messages.
    public func log() -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        return "\n--- smtpd log ---\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }
}
