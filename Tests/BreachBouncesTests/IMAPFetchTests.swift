import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// `bounces fetch` against a real Dovecot (Debian's dovecot-imapd, a private instance on
/// 127.0.0.1): the bounces are read through libcurl, recorded once, and moved on the server to
/// breachmail-processed or breachmail-review only after the register write.
@Suite(.serialized) struct IMAPFetchTests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var register: String { work.appendingPathComponent("register.sqlite").path }
    static let secret = "imap-test-secret-0123456789abcdef"
    static let password = "imap-Pa55word with spaces"
    let verp = try! VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(IMAPFetchTests.secret.utf8))

    init() throws {
        dir = try TemporaryDirectory("imap-fetch")
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try bm($0) }
        try Data((Self.secret + "\n").utf8).write(to: work.appendingPathComponent("secrets/verp.key"))
        // The people told by a real campaign (into the outbox): `register verify` sees rows changed
        // with sqlite3, so the states and Message-IDs come from breachmail itself.
        let told = try bm(["subjects", "notify", "BR-2026-0001"])
        try #require(told.status == 0, "\(told.stderr)")
    }

    func bm(_ args: [String]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00",
                                                         "TEST_IMAP_PASSWORD": Self.password])
    }

    @discardableResult
    func sql(_ statement: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [register, statement])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Adds `mail.bounces.imap` to the working directory's configuration.
    func configureIMAP(url: String, allowPlaintextLoopback: Bool = true) throws {
        let file = work.appendingPathComponent("breachmail.yaml")
        var text = try String(contentsOf: file, encoding: .utf8)
        let anchor = "    secret: {file: secrets/verp.key}\n"
        try #require(text.contains(anchor))
        text = text.replacingOccurrences(of: anchor, with: anchor + """
                imap:
                  url: \(url)
                  username: bounces
                  password: {env: TEST_IMAP_PASSWORD}
                  allow_plaintext_loopback: \(allowPlaintextLoopback)

            """)
        try Data(text.utf8).write(to: file)
    }

    func bounce(_ kind: SampleBounce, subject id: Int) throws -> [UInt8] {
        let returnPath = verp.make(VERPKey(incident: IncidentNumber("BR-2026-0001")!, subject: UInt64(id)))
        let email = try sql("SELECT email FROM subject WHERE id = \(id)")
        let messageID = try sql("SELECT message_id FROM subject WHERE id = \(id)")
        try #require(!messageID.isEmpty, "subject \(id) was not sent a notice")
        return Array(kind.message(returnPath: returnPath, recipient: email, originalMessageID: "<\(messageID)>", serial: id).utf8)
    }

    @Test func fetchIngestsMovesAndCountsOnce() throws {
        let dovecot = try DovecotTestServer(user: "bounces", password: Self.password)
        try dovecot.deliver(try bounce(.userUnknown, subject: 1), name: "1.hard")
        try dovecot.deliver(try bounce(.mailboxFull, subject: 2), name: "2.full")
        try dovecot.deliver(Array("\u{1}\u{2} not a message at all".utf8), name: "3.garbage")
        try configureIMAP(url: "imap://127.0.0.1:\(dovecot.port)/INBOX")

        let first = try bm(["bounces", "fetch"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)\(dovecot.log())")
        #expect(first.stdout.contains("Read 3 messages from imap://127.0.0.1:\(dovecot.port)/INBOX (IMAP): 3 new, 0 already ingested"), "\(first.stdout)")
        #expect(first.stdout.contains("hard bounces       1"))
        #expect(first.stdout.contains("transient          1"))
        #expect(first.stdout.contains("unparsable         1"))
        #expect(first.stdout.contains("Moved 2 to breachmail-processed and 1 to breachmail-review (nothing deleted)."))
        #expect(dovecot.messages().isEmpty)
        #expect(dovecot.messages(in: "breachmail-processed").count == 2)
        #expect(dovecot.messages(in: "breachmail-review").count == 1)
        #expect(try sql("SELECT matched_by || ' ' || subject_id || ' ' || class FROM bounce WHERE subject_id IS NOT NULL ORDER BY subject_id")
                == "token 1 hard\ntoken 2 transient")

        // Nothing new: nothing read, nothing recorded.
        let second = try bm(["bounces", "fetch"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("Read 0 messages from imap://127.0.0.1:\(dovecot.port)/INBOX (IMAP): 0 new"), "\(second.stdout)")
        #expect(try sql("SELECT COUNT(*) FROM bounce") == "3")

        // The same bounce delivered again: read, counted once, moved.
        try dovecot.deliver(try bounce(.userUnknown, subject: 1), name: "4.again")
        let third = try bm(["bounces", "fetch"])
        #expect(third.stdout.contains("Read 1 message from imap://127.0.0.1:\(dovecot.port)/INBOX (IMAP): 0 new, 1 already ingested"), "\(third.stdout)")
        #expect(try sql("SELECT COUNT(*) FROM bounce") == "3")
        #expect(dovecot.messages(in: "breachmail-processed").count == 3)
        let verify = try bm(["register", "verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("The register history is intact"), "\(verify.stdout)")
    }

    /// Issue 17 §1: `bounces fetch --json` is one object, its counts and moves nested objects.
    @Test func fetchGivesJSON() throws {
        let dovecot = try DovecotTestServer(user: "bounces", password: Self.password)
        try dovecot.deliver(try bounce(.userUnknown, subject: 1), name: "1.hard")
        try dovecot.deliver(Array("\u{1}\u{2} not a message at all".utf8), name: "2.garbage")
        try configureIMAP(url: "imap://127.0.0.1:\(dovecot.port)/INBOX")
        let fetched = try bm(["bounces", "fetch", "--json"])
        #expect(fetched.status == 0, "\(fetched.stderr)\(dovecot.log())")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(fetched.stdout.utf8)) as? [String: Any], "\(fetched.stdout)")
        #expect(Set(object.keys) == ["source", "format", "counts", "new", "moved"])
        #expect(object["source"] as? String == "imap://127.0.0.1:\(dovecot.port)/INBOX")
        #expect(object["format"] as? String == "imap")
        #expect(object["new"] as? Int == 2)
        let counts = try #require(object["counts"] as? [String: Any])
        #expect(Set(counts.keys) == BouncesJSONKeys.counts, "\(counts)")
        #expect(counts["messages"] as? Int == 2 && counts["hard"] as? Int == 1 && counts["unparsable"] as? Int == 1)
        let moved = try #require(object["moved"] as? [String: Any])
        #expect(moved["processed"] as? Int == 1 && moved["review"] as? Int == 1)
        #expect(moved["processed_folder"] as? String == "breachmail-processed" && moved["review_folder"] as? String == "breachmail-review")
    }

    @Test func clearTextIMAPIsRefusedUnlessAllowedToLoopback() throws {
        try configureIMAP(url: "imap://imap.example.org/INBOX", allowPlaintextLoopback: true)
        let result = try bm(["bounces", "fetch"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("imap:// sends the password in clear"), "\(result.stderr)")
    }

    @Test func wrongPasswordIsAnOperatorError() throws {
        let dovecot = try DovecotTestServer(user: "bounces", password: "another password")
        try configureIMAP(url: "imap://127.0.0.1:\(dovecot.port)/INBOX")
        let result = try bm(["bounces", "fetch"])
        #expect(result.status == 78, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("IMAP: libcurl could not list the messages (UID SEARCH ALL)"), "\(result.stderr)")
        #expect(result.stderr.contains("check mail.bounces.imap.username and password"))
        #expect(!result.stderr.contains(Self.password))
    }
}
