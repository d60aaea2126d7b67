import BreachBounces
import BreachCore
import BreachCurl
import BreachTestSupport
import Foundation
import Testing

/// Real DSNs from a real Postfix (Debian's, a private instance on 127.0.0.1): a notice with a
/// VERP return path, sent by breachmail's own SMTP code to an unknown local user, comes back as
/// Postfix writes it; breachmail reads it, and `bounces ingest` credits it to the person.
@Suite(.serialized) struct PostfixDSNTests {
    static let secret = "postfix-test-secret-0123456789abcdef"
    static let incident = IncidentNumber("BR-2026-0001")!
    let verp = try! VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(PostfixDSNTests.secret.utf8))

    /// Sends one breachmail-style notice for `subject` to `recipient` through the instance's smtpd.
    static func sendNotice(through postfix: PostfixTestServer, verp: VERP, subject: UInt64, recipient: String) throws {
        let returnPath = verp.make(VERPKey(incident: incident, subject: subject))
        let text = """
            From: Exemple SARL <dpo@exemple.lu>\r
            To: <\(recipient)>\r
            Subject: Important: a personal data breach concerns you (ref. BR-2026-0001)\r
            Date: Sat, 24 Oct 2026 16:00:00 +0200\r
            Message-ID: <BR-2026-0001.\(subject)@exemple.lu>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Madame, Monsieur,\r
            \r
            Nous vous informons d'une violation de données à caractère personnel.\r

            """
        let connection = try SMTPConnection(options: SMTPSessionOptions(
            host: "127.0.0.1", port: postfix.port, security: .plaintextLoopback, connectTimeout: .seconds(10),
            timeout: .seconds(30), ehloName: "sender.exemple.lu"))
        let message = OutgoingMessage(id: "postfix-\(subject)", envelope: try Envelope(returnPath: returnPath, recipient: recipient),
                                      bytes: Array(text.utf8))
        let outcome = connection.send(message)
        guard case .accepted = outcome else {
            throw PostfixTestServer.Failure(description: "Postfix did not accept the notice: \(outcome)\(postfix.log())")
        }
    }

    @Test func realPostfixDSNForAnUnknownLocalUserIsHardUserUnknownWithAValidToken() throws {
        let postfix = try PostfixTestServer(bounceDomain: "bounces.exemple.lu")
        try Self.sendNotice(through: postfix, verp: verp, subject: 42, recipient: "nosuchuser@localhost")
        let files = try postfix.waitForBounces(1)
        let bytes = Array(try Data(contentsOf: files[0]))
        let text = String(decoding: bytes, as: UTF8.self)
        // Written by Postfix, not by us.
        #expect(text.contains("X-Postfix-Queue-ID:"), "\(text)")
        #expect(text.contains("From: Mail Delivery System <MAILER-DAEMON@localhost>"))

        let report = BounceParser(verp: verp).parse(bytes)
        #expect(report.kind == .failure, "\(report)")
        #expect(report.token.status == .valid)
        #expect(report.token.verifiedKey == VERPKey(incident: Self.incident, subject: 42))
        let recipient = try #require(report.recipients.first)
        #expect(recipient.address == "nosuchuser@localhost")
        #expect(recipient.action == .failed)
        #expect(recipient.status == "5.1.1")
        #expect(recipient.reason == .userUnknown)
        #expect(recipient.bounceClass == .hard)
        #expect(report.originalMessageID == "<BR-2026-0001.42@exemple.lu>")

        // Someone else's secret: the same real DSN is forged, never credited.
        let other = try VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array("someone-else-s-secret-0123456789".utf8))
        #expect(BounceParser(verp: other).parse(bytes).token.status == .forged)
    }

    @Test func ingestCreditsTheRealDSNToThePerson() throws {
        let dir = try TemporaryDirectory("postfix-ingest")
        let work = dir.url.appendingPathComponent("work")
        let register = work.appendingPathComponent("register.sqlite").path
        let env = ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"]
        let csv = dir.url.appendingPathComponent("subjects.csv")
        try Data("E-mail;Prénom;Nom;Langue\nnosuchuser@localhost;Anaïs;Weber;fr\nreached@example.org;Jérôme;Hansen;fr\n".utf8).write(to: csv)
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: csv) { try CommandRunner.breachmail($0, environment: env) }
        try Data((Self.secret + "\n").utf8).write(to: work.appendingPathComponent("secrets/verp.key"))
        let lookup = try CommandRunner.run("sqlite3", [register, "SELECT id FROM subject WHERE email = 'nosuchuser@localhost'"])
        let id = try #require(UInt64(lookup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(lookup.stdout) \(lookup.stderr)")

        // The notices go out by a real campaign through the private Postfix, which writes the DSN:
        // nothing in the register is set by hand, and the DSN carries the Message-ID breachmail made.
        let postfix = try PostfixTestServer(bounceDomain: "bounces.exemple.lu")
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(postfix.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
        let notify = try CommandRunner.breachmail(["subjects", "notify", "BR-2026-0001"], environment: env)
        #expect(notify.status == 0, "\(notify.stdout)\(notify.stderr)\(postfix.log())")
        _ = try postfix.waitForBounces(1)
        let sent = try CommandRunner.run("sqlite3", [register, "SELECT message_id FROM subject WHERE id = \(id)"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!sent.isEmpty)

        let result = try CommandRunner.breachmail(["bounces", "ingest", postfix.bounceMaildir.path], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Read 1 message from \(postfix.bounceMaildir.path) (Maildir): 1 new"), "\(result.stdout)")
        #expect(result.stdout.contains("hard bounces       1"))
        #expect(result.stdout.contains("forged or unknown  0"))
        let row = try CommandRunner.run("sqlite3", [register, "SELECT matched_by || ' ' || subject_id || ' ' || class || ' ' || reason || ' ' || status FROM bounce"])
        #expect(row.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "token \(id) hard userunknown 5.1.1")
        #expect(try FileManager.default.contentsOfDirectory(atPath: postfix.bounceMaildir.appendingPathComponent(".processed/cur").path).count == 1)
        let dsn = try String(decoding: Data(contentsOf: try #require(
            try FileManager.default.contentsOfDirectory(at: postfix.bounceMaildir.appendingPathComponent(".processed/cur"),
                                                        includingPropertiesForKeys: nil).first)), as: UTF8.self)
        #expect(dsn.contains(sent), "the DSN returns the notice the campaign sent")
        let status = try CommandRunner.breachmail(["status", "BR-2026-0001"], environment: env)
        #expect(status.stdout.contains("hard-bounced 1"), "\(status.stdout)")
        let verify = try CommandRunner.breachmail(["register", "verify"], environment: env)
        #expect(verify.status == 0 && verify.stdout.hasPrefix("The register history is intact"), "\(verify.stdout)")
    }
}
