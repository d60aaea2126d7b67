public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private Postfix instance (Debian's `postfix`) on 127.0.0.1 for one test, so that the
/// delivery status notifications breachmail reads are the ones a real MTA writes.
///
/// Everything lives in a temporary directory: its own `config_directory` (main.cf, master.cf),
/// `queue_directory`, `data_directory` and log file; the system's Postfix is not touched and
/// need not run. smtpd listens on a free loopback port. Mail for `localhost` goes to local(8),
/// which knows no users (`local_recipient_maps` is empty and there are no aliases), so any
/// `someone@localhost` is accepted by smtpd and bounced by local(8) with a real DSN (5.1.1,
/// "unknown user"). Mail for `bounceDomain` (every local part, so every VERP address) is
/// delivered by virtual(8) to one Maildir, ``bounceMaildir``: that is where the DSNs land.
/// Any other destination is refused by the `error` transport: nothing leaves the machine.
///
/// Needs root (`postfix start`, as in CI). Stopped with `postfix -c DIR stop` when the value
/// goes away.
///
/// ```swift
/// let postfix = try PostfixTestServer(bounceDomain: "bounces.exemple.lu")
/// // send to nosuchuser@localhost through smtp://127.0.0.1:\(postfix.port)
/// let dsns = try postfix.waitForBounces(1)
/// ```
public final class PostfixTestServer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The smtpd port on 127.0.0.1.
    public let port: Int
    /// The Maildir (new/, cur/, tmp/) that receives all mail for the bounce domain.
    public let bounceMaildir: URL
    /// Postfix's own log (maillog_file), for failure messages.
    public let logFile: URL
    private let directory: TemporaryDirectory
    private var configDirectory: URL { directory.url.appendingPathComponent("etc") }
    private var running = false

    /// Writes the configuration, starts the instance and waits (at most 20 s) until smtpd answers.
    ///
    /// - Throws: ``Failure`` with Postfix's own words when it does not start.
    public init(bounceDomain: String = "bounces.exemple.lu") throws {
        directory = try TemporaryDirectory("breachmail-postfix")
        let root = directory.url
        let fm = FileManager.default
        // virtual(8) writes as an unprivileged user; every directory on the way must be traversable.
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)
        let etc = root.appendingPathComponent("etc"), queue = root.appendingPathComponent("queue")
        let data = root.appendingPathComponent("data"), mail = root.appendingPathComponent("mail")
        for d in [etc, queue, data, mail] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        let (mailUID, mailGID) = try Self.ids(user: "nobody")
        let (postfixUID, _) = try Self.ids(user: "postfix")
        guard chown(mail.path, mailUID, mailGID) == 0, chown(data.path, postfixUID, gid_t(0)) == 0 else {
            throw Failure(description: "cannot chown the Postfix test directories (the Postfix tests need root): \(String(cString: strerror(errno)))")
        }
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: data.path)
        port = try FreePort.loopback()
        bounceMaildir = mail.appendingPathComponent("bounces")
        logFile = root.appendingPathComponent("maillog")

        let main = """
            compatibility_level = 3.6
            queue_directory = \(queue.path)
            data_directory = \(data.path)
            mail_owner = postfix
            setgid_group = postdrop
            syslog_name = postfix-breachmail-test
            maillog_file_prefixes = \(root.path)
            maillog_file = \(logFile.path)
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = localhost
            mydomain = localdomain
            myorigin = localhost
            mydestination = localhost
            mynetworks = 127.0.0.0/8
            # No local users and no aliases: local(8) bounces every recipient at localhost.
            local_recipient_maps =
            alias_maps =
            alias_database =
            biff = no
            recipient_delimiter = +
            # Every address of the bounce domain (PREFIX+TOKEN@DOMAIN) goes to one Maildir.
            virtual_mailbox_domains = \(bounceDomain)
            virtual_mailbox_base = \(mail.path)
            virtual_mailbox_maps = static:bounces/
            virtual_uid_maps = static:\(mailUID)
            virtual_gid_maps = static:\(mailGID)
            notify_classes = resource, software
            bounce_queue_lifetime = 0
            maximal_queue_lifetime = 1h
            queue_run_delay = 1s
            minimal_backoff_time = 1s
            maximal_backoff_time = 2s
            smtp_dns_support_level = disabled
            relayhost =
            # Nothing leaves the machine.
            default_transport = error:outbound mail is disabled in the breachmail test instance

            """
        // Every service unchrooted: a chroot would need copies of /etc files in the queue.
        let master = """
            127.0.0.1:\(port) inet n - n - - smtpd
            pickup    unix  n - n 60    1 pickup
            cleanup   unix  n - n -     0 cleanup
            qmgr      unix  n - n 300   1 qmgr
            rewrite   unix  - - n -     - trivial-rewrite
            bounce    unix  - - n -     0 bounce
            defer     unix  - - n -     0 bounce
            trace     unix  - - n -     0 bounce
            verify    unix  - - n -     1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n -     - proxymap
            showq     unix  n - n -     - showq
            error     unix  - - n -     - error
            retry     unix  - - n -     - error
            discard   unix  - - n -     - discard
            local     unix  - n n -     - local
            virtual   unix  - n n -     - virtual
            anvil     unix  - - n -     1 anvil
            scache    unix  - - n -     1 scache
            postlog   unix-dgram n - n - 1 postlogd

            """
        try Data(main.utf8).write(to: etc.appendingPathComponent("main.cf"))
        try Data(master.utf8).write(to: etc.appendingPathComponent("master.cf"))

        let started = try CommandRunner.run(Self.postfix, ["-c", etc.path, "start"], timeout: 30)
        guard started.status == 0 else {
            throw Failure(description: "postfix -c \(etc.path) start exited with \(started.status): \(started.stderr)\(log())")
        }
        running = true
        let deadline = Date().addingTimeInterval(20)
        while !FreePort.answers(port) {
            guard Date() < deadline else {
                throw Failure(description: "Postfix did not listen on 127.0.0.1:\(port) within 20 s\(log())")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit {
        if running {
            _ = try? CommandRunner.run(Self.postfix, ["-c", configDirectory.path, "stop"], timeout: 20)
            // `stop` asks the master to go; wait (bounded) until its pid file is gone, then kill it.
            let pidFile = directory.url.appendingPathComponent("queue/pid/master.pid")
            let deadline = Date().addingTimeInterval(10)
            var pid: pid_t = 0
            if let text = try? String(contentsOf: pidFile, encoding: .utf8) {
                pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
            while pid > 0, kill(pid, 0) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            if pid > 0, kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
    }

    static let postfix = "/usr/sbin/postfix"

    /// The messages in the bounce Maildir's new/, waiting at most `timeout` seconds until there
    /// are at least `count`.
    public func waitForBounces(_ count: Int, timeout: TimeInterval = 30) throws -> [URL] {
        let new = bounceMaildir.appendingPathComponent("new")
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []).sorted()
            if names.count >= count { return names.map { new.appendingPathComponent($0) } }
            guard Date() < deadline else {
                throw Failure(description: "\(names.count) of \(count) bounces arrived in \(timeout) s\(log())")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// The end of Postfix's log, for failure messages.
    public func log() -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "" }
        return "\n--- postfix log ---\n" + text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    private static func ids(user: String) throws -> (uid_t, gid_t) {
        guard let entry = getpwnam(user) else { throw Failure(description: "no user \(user) on this machine (is Debian's postfix installed?)") }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }
}

/// Free TCP ports on 127.0.0.1 for servers started by tests.
public enum FreePort {
    /// A port nobody listens on now (the kernel's choice; a tiny race until the server binds it).
    public static func loopback() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostfixTestServer.Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw PostfixTestServer.Failure(description: "bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func answers(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
