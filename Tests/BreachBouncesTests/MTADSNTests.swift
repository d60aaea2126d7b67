import BreachBounces
import BreachCore
import BreachCurl
import BreachTestSupport
import Foundation
import Testing

/// Real DSNs from a real Exim 4 and a real OpenSMTPD (Debian's packages, unpacked by
/// scripts/setup-mtas.sh, private instances on 127.0.0.1), relaying to a scripted remote server
/// (Tests/Servers/remote_mx.py) that answers each recipient as planned. Every recipient of every
/// DSN they write must get the planned class and reason: Exim and OpenSMTPD write `Status: 5.0.0`
/// and put the reason in the Diagnostic-Code or only in the human-readable part.
///
/// Set BREACHMAIL_KEEP_DSNS to a directory to keep a copy of the DSNs (to measure other readers).
@Suite(.serialized) struct MTADSNTests {
    struct Expected: Sendable, Equatable, CustomStringConvertible {
        let reason: BounceReason
        let bounceClass: BounceClass
        var description: String { "\(reason.rawValue)/\(bounceClass.rawValue)" }
        init(_ reason: BounceReason, _ bounceClass: BounceClass) { self.reason = reason; self.bounceClass = bounceClass }
    }

    /// What each planned recipient's DSN must say, by address. The remote's answers are in remote_mx.py.
    static let common: [String: Expected] = [
        "unknown@remote.test": Expected(.userUnknown, .hard),                // 550 5.1.1 User unknown
        "nodomain@remote.test": Expected(.hostUnknown, .hard),               // 550 5.1.2 Domain not found
        "full@remote.test": Expected(.mailboxFull, .transient),              // 552 5.2.2 Mailbox full, try again later
        "quota@remote.test": Expected(.mailboxFull, .transient),             // 552 5.2.2 mailbox size limit exceeded
        "policy@remote.test": Expected(.blocked, .senderSide),               // 554 5.7.1 blocked using zen.spamhaus.org
        "accessdenied@remote.test": Expected(.userUnknown, .hard),           // Microsoft 365: 550 5.4.1 Access denied
        "grey@remote.test": Expected(.expired, .transient),                  // 450 4.7.1 greylisted, until expiry
        "dnsfail@remote.test": Expected(.expired, .transient),               // 451 4.4.3 temporary DNS failure, until expiry
        "a@mailfrom.test": Expected(.rejected, .senderSide),                 // 553 5.1.8 at MAIL FROM: our sender
    ]

    static let exim: [String: Expected] = common.merging([
        "x@nodomain.invalid": Expected(.hostUnknown, .hard),                 // no route: "Unrouteable address"
        "b@helo.test": Expected(.blocked, .senderSide),                      // 550 5.7.1 Helo command rejected
        "c@greet.test": Expected(.policyViolation, .senderSide),             // 554 5.7.1 greeting
        "d@refused.test": Expected(.expired, .transient),                    // connection refused, until expiry
    ]) { $1 }

    static let secret = "mta-test-secret-0123456789abcdef"
    static let incident = IncidentNumber("BR-2026-0001")!
    let verp = try! VERP(prefix: "bounce", domain: UnpackedMTAs.bounceDomain, secret: Array(MTADSNTests.secret.utf8))

    /// Sends one notice per recipient through the MTA on `port`, each with its own VERP token.
    func send(_ recipients: [String], port: Int) throws -> [String: UInt64] {
        var subjects: [String: UInt64] = [:]
        for (n, recipient) in recipients.sorted().enumerated() {
            let subject = UInt64(100 + n)
            subjects[recipient] = subject
            let text = """
                From: Exemple SARL <dpo@exemple.lu>\r
                To: <\(recipient)>\r
                Subject: Important: a personal data breach concerns you (ref. BR-2026-0001)\r
                Date: Sat, 24 Oct 2026 16:00:00 +0200\r
                Message-ID: <BR-2026-0001.\(subject)@exemple.lu>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                Madame, Monsieur,\r

                """
            let connection = try SMTPConnection(options: SMTPSessionOptions(
                host: "127.0.0.1", port: port, security: .plaintextLoopback, connectTimeout: .seconds(10),
                timeout: .seconds(30), ehloName: "sender.exemple.lu"))
            let returnPath = verp.make(VERPKey(incident: Self.incident, subject: subject))
            let message = OutgoingMessage(id: "mta-\(subject)", envelope: try Envelope(returnPath: returnPath, recipient: recipient),
                                          bytes: Array(text.utf8))
            let outcome = connection.send(message)
            guard case .accepted = outcome else {
                throw MTATestFailure(description: "the MTA did not accept the notice for \(recipient): \(outcome)")
            }
        }
        return subjects
    }

    /// Reads every DSN and checks every recipient against the plan; returns how many recipients
    /// were judged and how many of them were right (hard vs not hard).
    func check(_ files: [URL], plan: [String: Expected], subjects: [String: UInt64], mta: String) throws {
        var seen: [String: Int] = [:]
        let keep = ProcessInfo.processInfo.environment["BREACHMAIL_KEEP_DSNS"]
        for (n, file) in files.enumerated() {
            let bytes = Array(try Data(contentsOf: file))
            if let keep {
                try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: keep).appendingPathComponent(String(format: "%@-%02d.eml", mta, n + 1)))
            }
            let report = BounceParser(verp: verp).parse(bytes)
            #expect(report.kind == .failure, "\(mta) \(file.lastPathComponent): \(report)")
            #expect(report.format == "rfc3464")
            for r in report.recipients {
                seen[r.address, default: 0] += 1
                let want = try #require(plan[r.address], "\(mta) reported an unplanned recipient \(r.address)")
                #expect(Expected(r.reason, r.bounceClass ?? .transient) == want && r.bounceClass != nil,
                        "\(mta) \(r.address): got \(r.reason.rawValue)/\(r.bounceClass?.rawValue ?? "none"), want \(want); \(r.diagnostic ?? "no diagnostic")")
                #expect(r.action == .failed, "\(mta) \(r.address): \(r.action)")
            }
            // One recipient per notice: the DSN's token names that recipient's subject.
            if report.recipients.count == 1, let address = report.recipients.first?.address, let subject = subjects[address] {
                #expect(report.token.verifiedKey == VERPKey(incident: Self.incident, subject: subject), "\(mta) \(address)")
            }
        }
        #expect(Set(seen.keys) == Set(plan.keys), "\(mta): recipients with no DSN: \(Set(plan.keys).subtracting(seen.keys).sorted())")
        #expect(seen.values.allSatisfy { $0 == 1 }, "\(mta): a recipient reported twice: \(seen.filter { $0.value > 1 })")
    }

    @Test func everyRecipientOfEveryRealEximDSNHasThePlannedClassAndReason() throws {
        let remote = try RemoteMXTestServer()
        let exim = try EximTestServer(remote: remote)
        let subjects = try send(Array(Self.exim.keys), port: exim.port)
        let files = try remote.waitForMessages(Self.exim.count, timeout: 90) { exim.log() }
        try check(files, plan: Self.exim, subjects: subjects, mta: "exim")
        // Written by Exim, as the issue describes: a generic status, the reason elsewhere.
        let text = try files.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self) }.joined()
        #expect(text.contains("Status: 5.0.0"))
        #expect(text.contains("This message was created automatically by mail delivery software."))
        #expect(text.contains("Unrouteable address"))
    }

    @Test func everyRecipientOfEveryRealOpenSMTPDDSNHasThePlannedClassAndReason() throws {
        let remote = try RemoteMXTestServer()
        let smtpd = try OpenSMTPDTestServer(remote: remote)
        let subjects = try send(Array(Self.common.keys), port: smtpd.port)
        // OpenSMTPD gathers the recipients that failed together into one DSN: wait for all of them.
        var files: [URL] = []
        let deadline = Date().addingTimeInterval(90)
        while true {
            files = try remote.waitForMessages(1, timeout: 90) { smtpd.log() }
            let named = try files.flatMap { BounceParser().parse(Array(try Data(contentsOf: $0))).recipients.map(\.address) }
            if Set(named).isSuperset(of: Self.common.keys) { break }
            guard Date() < deadline else { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        try check(files, plan: Self.common, subjects: subjects, mta: "opensmtpd")
        let text = try files.map { String(decoding: try Data(contentsOf: $0), as: UTF8.self) }.joined()
        // OpenSMTPD writes its expiry notice with Action: delayed, and the reason only in the text.
        #expect(text.contains("Action: delayed"))
        #expect(text.contains("Envelope expired"))
        #expect(!text.contains("Diagnostic-Code"))
    }

    /// Failures before RCPT TO, written by the real OpenSMTPD (issue 16 item 4): a refused HELO,
    /// a 554 greeting and a refused port are about our sending, never the person's address.
    /// OpenSMTPD 6.8 takes all three for "Network error on destination MXs", retries until the
    /// envelope expires and then writes only "Envelope expired" (Action: delayed, Status: 4.4.7):
    /// nothing in its DSN names the HELO or the greeting, so the most that can be read is an
    /// expiry, transient — and never a hard bounce.
    static let openSMTPDSession: [String: Expected] = [
        "b@helo.test": Expected(.expired, .transient),                       // 550 5.7.1 Helo command rejected
        "c@greet.test": Expected(.expired, .transient),                      // 554 5.7.1 greeting
        "d@refused.test": Expected(.expired, .transient),                    // connection refused
    ]

    @Test func openSMTPDSessionFailuresAreNeverThePersonsHardBounce() throws {
        let remote = try RemoteMXTestServer()
        let smtpd = try OpenSMTPDTestServer(remote: remote)
        let subjects = try send(Array(Self.openSMTPDSession.keys), port: smtpd.port)
        var files: [URL] = []
        let deadline = Date().addingTimeInterval(90)
        while true {
            files = try remote.waitForMessages(1, timeout: 90) { smtpd.log() }
            let named = try files.flatMap { BounceParser().parse(Array(try Data(contentsOf: $0))).recipients.map(\.address) }
            if Set(named).isSuperset(of: Self.openSMTPDSession.keys) { break }
            guard Date() < deadline else { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        try check(files, plan: Self.openSMTPDSession, subjects: subjects, mta: "opensmtpd-session")
    }

    /// The DSNs those two tests wrote once, kept in Fixtures/mta (BREACHMAIL_KEEP_DSNS): read
    /// the same way on a machine that cannot run the MTAs, and part of the benchmark's corpus.
    @Test(arguments: ["exim", "opensmtpd"])
    func keptRealDSNsAreReadAsPlanned(_ mta: String) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mta")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(mta + "-") }.sorted()
            .map { directory.appendingPathComponent($0) }
        let plan = mta == "exim" ? Self.exim : Self.common
        #expect(files.count == plan.count)
        let subjects = Dictionary(uniqueKeysWithValues: plan.keys.sorted().enumerated().map { ($0.element, UInt64(100 + $0.offset)) })
        try check(files, plan: plan, subjects: subjects, mta: mta)
    }
}
