public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Dovecot IMAP server (Debian's `dovecot-imapd`) on 127.0.0.1 for one test.
///
/// Everything lives in a temporary directory: the configuration (`dovecot -c FILE`), base_dir,
/// state_dir, the log, a passwd-file with one user and that user's Maildir (INBOX is
/// ``maildir``; folders are Maildir++ subfolders such as `.breachmail-processed`). IMAP without
/// TLS on a free loopback port (plaintext login is allowed: loopback only). Mail files belong to
/// `nobody`. Needs root, as in CI. The master is stopped (SIGTERM, then SIGKILL) when the value
/// goes away.
///
/// ```swift
/// let dovecot = try DovecotTestServer(user: "bounces", password: "s3cret")
/// try dovecot.deliver(bytes, name: "1.eml")
/// // imap://127.0.0.1:\(dovecot.port)/INBOX
/// ```
public final class DovecotTestServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public let port: Int
    public let user: String
    /// The user's Maildir: INBOX (new/, cur/, tmp/) and its subfolders.
    public let maildir: URL
    public let logFile: URL
    private let directory: TemporaryDirectory
    private let owner: (uid_t, gid_t)
    private var masterPID: pid_t = 0

    /// Writes the configuration, starts Dovecot and waits (at most 20 s) until it listens.
    public init(user: String = "bounces", password: String) throws {
        directory = try TemporaryDirectory("breachmail-dovecot")
        let root = directory.url
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        guard let nobody = getpwnam("nobody") else { throw Failure(description: "no user nobody on this machine") }
        owner = (nobody.pointee.pw_uid, nobody.pointee.pw_gid)
        self.user = user
        port = try FreePort.loopback()
        logFile = root.appendingPathComponent("dovecot.log")
        let mail = root.appendingPathComponent("mail")
        maildir = mail.appendingPathComponent(user)
        for d in ["new", "cur", "tmp"] { try fm.createDirectory(at: maildir.appendingPathComponent(d), withIntermediateDirectories: true) }
        for d in ["run", "state"] { try fm.createDirectory(at: root.appendingPathComponent(d), withIntermediateDirectories: true) }
        try Self.chown(mail, owner)
        let passwd = root.appendingPathComponent("passwd")
        try Data("\(user):{PLAIN}\(password)\n".utf8).write(to: passwd)
        let conf = root.appendingPathComponent("dovecot.conf")
        let text = """
            base_dir = \(root.path)/run
            state_dir = \(root.path)/state
            log_path = \(logFile.path)
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:\(mail.path)/%u
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u \(passwd.path)
            }
            userdb {
              driver = static
              args = uid=\(owner.0) gid=\(owner.1) home=\(mail.path)/%u
            }
            first_valid_uid = 1
            first_valid_gid = 1
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = \(port)
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }

            """
        try Data(text.utf8).write(to: conf)
        // The daemon keeps the descriptors it was given: a file, never a pipe someone reads to its end.
        let startLog = root.appendingPathComponent("start.log")
        try Self.spawn("/usr/sbin/dovecot", ["-c", conf.path], output: startLog)
        // The first dovecot process forks the master and exits; the master writes its pid file.
        let deadline = Date().addingTimeInterval(20)
        let pidFile = root.appendingPathComponent("run/master.pid")
        while !FreePort.answers(port) || masterPID == 0 {
            if masterPID == 0, let t = try? String(contentsOf: pidFile, encoding: .utf8) {
                masterPID = pid_t(t.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            guard Date() < deadline else {
                let said = (try? String(contentsOf: startLog, encoding: .utf8)) ?? ""
                throw Failure(description: "Dovecot did not listen on 127.0.0.1:\(port) within 20 s: \(said)\(log())")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit {
        guard masterPID > 0 else { return }
        kill(masterPID, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while kill(masterPID, 0) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if kill(masterPID, 0) == 0 { kill(masterPID, SIGKILL) }
    }

    /// Starts a daemon with an empty signal mask and default handlers: a test process blocks most
    /// signals in its threads, and a master that inherits that mask would never see SIGTERM.
    /// Waits (at most 20 s) for the first process, which forks the master and exits.
    static func spawn(_ path: String, _ arguments: [String], output: URL) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGPIPE, SIGUSR1] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process goes to the daemon: the tests run in parallel, and a daemon
        // that inherited the write end of another test's output pipe kept that test reading it
        // until the daemon stopped (a PostgreSQL started by one suite held a command's pipe of
        // another: a hang). glibc's closefrom action is not visible from Swift: python3 (which
        // the tests need anyway) closes every descriptor above 2, then becomes the command.
        let closing = ["/usr/bin/python3", "-c", "import os, sys; os.closerange(3, os.sysconf('SC_OPEN_MAX')); os.execv(sys.argv[1], sys.argv[1:])"]
        let argv: [UnsafeMutablePointer<CChar>?] = (closing + [path] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, closing[0], &actions, &attributes, argv, environ)
        guard code == 0 else { throw Failure(description: "cannot start \(path): \(String(cString: strerror(code)))") }
        let deadline = Date().addingTimeInterval(20)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else {
                kill(pid, SIGKILL)
                throw Failure(description: "\(path) did not return within 20 s")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out (the macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed (wait status \(status)): \(said)")
        }
    }

    /// Puts a message in INBOX (new/), as a delivery agent would.
    public func deliver(_ bytes: [UInt8], name: String) throws {
        let tmp = maildir.appendingPathComponent("tmp/\(name)")
        try Data(bytes).write(to: tmp)
        try Self.chown(tmp, owner)
        guard rename(tmp.path, maildir.appendingPathComponent("new/\(name)").path) == 0 else {
            throw Failure(description: "cannot deliver \(name): \(String(cString: strerror(errno)))")
        }
    }

    /// The message files of a folder (`nil`: INBOX), new/ and cur/.
    public func messages(in folder: String? = nil) -> [String] {
        let base = folder.map { maildir.appendingPathComponent(".\($0)") } ?? maildir
        return ["new", "cur"].flatMap { sub in
            ((try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(sub).path)) ?? []).map { "\(sub)/\($0)" }
        }.sorted()
    }

    public func log() -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        return "\n--- dovecot log ---\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    private static func chown(_ url: URL, _ owner: (uid_t, gid_t)) throws {
        let paths = [url.path] + ((FileManager.default.subpaths(atPath: url.path) ?? []).map { url.appendingPathComponent($0).path })
        for p in paths where Glibc.chown(p, owner.0, owner.1) != 0 {
            throw Failure(description: "cannot chown \(p) (the Dovecot tests need root): \(String(cString: strerror(errno)))")
        }
    }
}
