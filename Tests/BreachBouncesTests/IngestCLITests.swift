import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// `bounces ingest`, `status` and `public-notice` on a real working directory: 296 people of
/// the example CSV (293 with an address), marked submitted directly in the register, since
/// the campaign is another command.
@Suite struct IngestCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var register: String { work.appendingPathComponent("register.sqlite").path }
    static let secret = "ingest-test-secret-0123456789abcdef"
    let verp = try! VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(IngestCLITests.secret.utf8))
    static let submittedAt = "2026-10-24T14:00:00Z"
    /// Before the window of 120 h after submission ends, and after.
    static let during = "2026-10-25T16:00:00+02:00"
    static let after = "2026-10-29T15:00:00+01:00"

    init() throws {
        dir = try TemporaryDirectory("ingest")
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try bm($0) }
        try FileManager.default.createDirectory(at: work.appendingPathComponent("secrets"), withIntermediateDirectories: true)
        try Data((Self.secret + "\n").utf8).write(to: work.appendingPathComponent("secrets/verp.key"))
        // The people told by a real campaign (into the outbox Maildir, emptied after): `register
        // verify` sees rows changed with sqlite3, so the states come from breachmail itself.
        let told = try bm(["subjects", "notify", "BR-2026-0001"], now: Self.submittedAt)
        try #require(told.status == 0, "\(told.stderr)")
        let outbox = work.appendingPathComponent("outbox/new")
        for name in try FileManager.default.contentsOfDirectory(atPath: outbox.path) {
            try FileManager.default.removeItem(at: outbox.appendingPathComponent(name))
        }
    }

    func bm(_ args: [String], now: String = IngestCLITests.during, input: String? = nil) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now], input: input)
    }

    @discardableResult
    func sql(_ statement: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [register, statement])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func email(_ id: Int) throws -> String { try sql("SELECT email FROM subject WHERE id = \(id)") }

    /// The Message-ID of the notice the campaign sent subject `id`.
    func messageID(_ id: Int) throws -> String { "<" + (try sql("SELECT message_id FROM subject WHERE id = \(id)")) + ">" }

    func bounce(_ kind: SampleBounce, subject id: Int, serial: Int? = nil, verp: VERP? = nil) throws -> String {
        let returnPath = (verp ?? self.verp).make(VERPKey(incident: IncidentNumber("BR-2026-0001")!, subject: UInt64(id)))
        return kind.message(returnPath: returnPath, recipient: try email(id), originalMessageID: try messageID(id),
                            serial: serial ?? id)
    }

    func maildir(_ messages: [String: String]) throws -> URL {
        let md = dir.url.appendingPathComponent("Maildir")
        for d in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(at: md.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        for (name, text) in messages { try Data(text.utf8).write(to: md.appendingPathComponent("new/\(name)")) }
        return md
    }

    func names(_ url: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    @Test func maildirIsIngestedOnceMovedAndCounted() throws {
        let forger = try VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array("someone-else-s-secret-0123456789".utf8))
        let md = try maildir([
            "1.hard": try bounce(.userUnknown, subject: 1), "2.full": try bounce(.mailboxFull, subject: 2),
            "3.blocked": try bounce(.blocked, subject: 3), "4.ooo": try bounce(.autoReply, subject: 4),
            "5.delay": try bounce(.delay, subject: 5), "6.forged": try bounce(.userUnknown, subject: 6, verp: forger),
            "7.garbage": "\u{1}\u{2} not a message at all", "8.human": "From: a@example.org\nTo: bounce@bounces.exemple.lu\nSubject: question\n\nWhat happened?\n",
        ])
        let first = try bm(["bounces", "ingest", md.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Read 8 messages from \(md.path) (Maildir): 8 new, 0 already ingested (counted once)."))
        for line in ["hard bounces       1", "transient          1", "sender-side        1", "delays             1",
                     "auto-replies       1", "not a bounce       1", "unparsable         1", "forged or unknown  1"] {
            #expect(first.stdout.contains(line), "\(line)\n\(first.stdout)")
        }
        #expect(try names(md.appendingPathComponent("new")).isEmpty)
        #expect(try names(md.appendingPathComponent(".processed/cur")) == ["1.hard:2,S", "2.full:2,S", "3.blocked:2,S", "4.ooo:2,S", "5.delay:2,S", "6.forged:2,S"])
        #expect(try names(md.appendingPathComponent(".review/cur")) == ["7.garbage:2,S", "8.human:2,S"])
        // The forged bounce named subject 6 and was credited to no one.
        #expect(try sql("SELECT COUNT(*) FROM bounce WHERE subject_id = 6") == "0")
        #expect(try sql("SELECT matched_by FROM bounce WHERE subject_id = 1") == "token")

        // The same message again (put back by hand): counted once.
        try FileManager.default.copyItem(at: md.appendingPathComponent(".processed/cur/1.hard:2,S"), to: md.appendingPathComponent("cur/1.hard:2,S"))
        let again = try bm(["bounces", "ingest", md.path])
        #expect(again.stdout.contains("Read 1 message from \(md.path) (Maildir): 0 new, 1 already ingested (counted once)."))
        #expect(again.stdout.contains("hard bounces       0"))
        #expect(try sql("SELECT COUNT(*) FROM bounce") == "8")

        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("submitted 293: delivered 1, awaiting the window 289, transient pending 1, hard-bounced 1, sender-side 1"), "\(status.stdout)")
        #expect(status.stdout.contains("unreachable 4 of 296 (1.35 %) = no address 3 + hard bounces 1 + retries exhausted 0"))
        #expect(status.stdout.contains("Public      not decided yet: bounces may still arrive until 2026-10-29 15:00 +01:00"))
        // One history entry per run that recorded something, counts only: no address in the history.
        let history = try sql("SELECT payload FROM history WHERE kind = 'bounces.ingested'")
        #expect(!history.contains("@"))
        #expect(try bm(["register", "verify"]).stdout.hasPrefix("The register history is intact: "))
    }

    /// A transient bounce (mailbox full) means the notice did not arrive: the person goes back to
    /// the campaign, which sends it again once the back-off has passed.
    @Test func aTransientBounceSendsTheNoticeAgain() throws {
        let md = try maildir(["2.full": try bounce(.mailboxFull, subject: 2), "1.hard": try bounce(.userUnknown, subject: 1)])
        #expect(try bm(["bounces", "ingest", md.path]).status == 0)
        #expect(try sql("SELECT state, state_reason FROM subject WHERE id = 2") == "deferred|transient bounce 5.2.2 mailboxfull")
        #expect(try sql("SELECT state FROM subject WHERE id = 1") == "submitted")  // a hard bounce is not retried
        #expect(try bm(["status", "BR-2026-0001"]).stdout.contains("transient pending 1"))

        // Not due yet within the hour; two hours later the next run sends it again, and only it.
        let early = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(early.stdout.contains("this run submitted 0"), "\(early.stdout)\(early.stderr)")
        let later = try bm(["subjects", "notify", "BR-2026-0001"], now: "2026-10-25T18:30:00+02:00")
        #expect(later.stdout.contains("this run submitted 1"), "\(later.stdout)\(later.stderr)")
        let outbox = work.appendingPathComponent("outbox/new")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        try #require(files.count == 1)
        let sent = try String(contentsOf: outbox.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(sent.contains("X-Envelope-To: <\(try email(2))>"))
        #expect(try sql("SELECT state, attempts FROM subject WHERE id = 2") == "submitted|2")
    }

    @Test func mboxIsReadInPlaceWithFromUnescapingAndIdempotent() throws {
        let body = try bounce(.userUnknown, subject: 7).replacingOccurrences(of: "This is a MIME-encapsulated message.",
                                                                                with: "This is a MIME-encapsulated message.\n>From here on, the report.")
        let mbox = "From MAILER-DAEMON Sat Oct 24 16:00:00 2026\n\(body)\nFrom MAILER-DAEMON Sat Oct 24 16:01:00 2026\n\(try bounce(.mailboxFull, subject: 8))\n"
        let file = dir.url.appendingPathComponent("bounces.mbox")
        try Data(mbox.utf8).write(to: file)
        let first = try bm(["bounces", "ingest", file.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Read 2 messages from \(file.path) (mbox, left in place): 2 new, 0 already ingested"))
        #expect(first.stdout.contains("hard bounces       1") && first.stdout.contains("transient          1"))
        let second = try bm(["bounces", "ingest", file.path])
        #expect(second.stdout.contains("0 new, 2 already ingested"), "\(second.stdout)")
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(try sql("SELECT report FROM bounce WHERE subject_id = 7").contains("userunknown"))
    }

    @Test func stdinForAnMTAPipeWithMessageIDFallback() throws {
        // No VERP token (a plain return path): the returned Message-ID finds the subject.
        let plain = SampleBounce.userUnknown.message(returnPath: "bounce@bounces.exemple.lu", recipient: try email(9),
                                                     originalMessageID: try messageID(9), serial: 9)
        let result = try bm(["bounces", "ingest", "-"], input: plain)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Read 1 message from standard input: 1 new"))
        #expect(try sql("SELECT matched_by || ' ' || subject_id || ' ' || class FROM bounce") == "message-id 9 hard")
    }

    /// Issue 17 §1: `bounces ingest --json` from a Maildir, an mbox and standard input: one object
    /// each, snake_case keys, the counts and the moves as nested objects.
    @Test func ingestGivesJSONForEachSource() throws {
        func object(_ result: ProcessResult) throws -> [String: Any] {
            try #require(result.status == 0, "\(result.stderr)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        }
        let md = try maildir(["1.hard": try bounce(.userUnknown, subject: 1), "2.human": "From: a@example.org\nSubject: question\n\nWhat happened?\n"])
        let fromMaildir = try object(try bm(["bounces", "ingest", md.path, "--json"]))
        #expect(Set(fromMaildir.keys) == ["source", "format", "counts", "new", "moved"])
        #expect(fromMaildir["source"] as? String == md.path && fromMaildir["format"] as? String == "maildir")
        let counts = try #require(fromMaildir["counts"] as? [String: Any])
        #expect(Set(counts.keys) == BouncesJSONKeys.counts, "\(counts)")
        #expect(counts["hard"] as? Int == 1 && counts["not_a_bounce"] as? Int == 1 && counts["messages"] as? Int == 2)
        let moved = try #require(fromMaildir["moved"] as? [String: Any])
        #expect(Set(moved.keys) == ["processed", "review", "processed_folder", "review_folder"])
        #expect(moved["processed"] as? Int == 1 && moved["review"] as? Int == 1 && moved["review_folder"] as? String == ".review/cur")

        let mbox = dir.url.appendingPathComponent("bounces.mbox")
        try Data("From MAILER-DAEMON Sat Oct 24 16:00:00 2026\n\(try bounce(.mailboxFull, subject: 8))\n".utf8).write(to: mbox)
        let fromMbox = try object(try bm(["bounces", "ingest", mbox.path, "--json"]))
        #expect(Set(fromMbox.keys) == ["source", "format", "counts", "new"])
        #expect(fromMbox["format"] as? String == "mbox" && fromMbox["new"] as? Int == 1)
        #expect((fromMbox["counts"] as? [String: Any])?["transient"] as? Int == 1)

        let fromStdin = try object(try bm(["bounces", "ingest", "-", "--json"], input: try bounce(.userUnknown, subject: 1)))
        #expect(fromStdin["source"] as? String == "standard input" && fromStdin["format"] as? String == "stdin")
        #expect(fromStdin["new"] as? Int == 0)
        #expect((fromStdin["counts"] as? [String: Any])?["duplicates"] as? Int == 1)
    }

    @Test func lockedRegisterIsATemporaryFailureForTheMTA() throws {
        let holder = Process()
        holder.executableURL = try CommandRunner.which("sqlite3")
        holder.arguments = [register]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN EXCLUSIVE;\n".utf8))
        defer { input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8)); holder.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)
        let result = try bm(["bounces", "ingest", "-"], input: try bounce(.userUnknown, subject: 10))
        #expect(result.status == 75, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("is locked by another process"))
    }

    @Test func publicNoticeAtTheShareThreshold() throws {
        // 3 without address + 11 retries exhausted = 14 of 296 (4.73 %): not more than 5 %.
        try sql("UPDATE subject SET state = 'failed_permanent', last_reply = '550 5.1.1 <x@example.org> unknown' WHERE id IN (1,2,3,4,5,6,7,8,9,10,12)")
        let refused = try bm(["public-notice", "BR-2026-0001"], now: Self.after)
        #expect(refused.status == 65)
        #expect(refused.stderr.hasPrefix("Error: no public communication is recommended for BR-2026-0001: not recommended: 14 of 296 unreachable (4.73 %)"))
        #expect(refused.stderr.contains("the CNIL sanctioned a controller"))

        let forced = try bm(["public-notice", "BR-2026-0001", "--force", "--output", dir.url.appendingPathComponent("forced.txt").path], now: Self.after)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.hasPrefix("Warning: the policy does not recommend a public communication"))

        // One more hard bounce: 15 of 296 (5.07 %): recommended, for those 15 only.
        try #require(try bm(["bounces", "ingest", "-"], input: try bounce(.userUnknown, subject: 13)).status == 0)
        let status = try bm(["status", "BR-2026-0001"], now: Self.after)
        #expect(status.stdout.contains("Public      RECOMMENDED under GDPR Art. 34(3)(c), for the 15 people who could not be reached one by one (15 of 296, 5.07 %: more than 5 %). Not for the 281 others"), "\(status.stdout)")

        let draft = dir.url.appendingPathComponent("notice.txt")
        let result = try bm(["public-notice", "BR-2026-0001", "--lang", "en", "--output", draft.path], now: Self.after)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        let text = try String(contentsOf: draft, encoding: .utf8)
        #expect(text.hasPrefix("Subject: Exemple SARL: public notice of a personal data breach (ref. BR-2026-0001)"))
        let evidence = work.appendingPathComponent("evidence/BR-2026-0001-unreachable.csv")
        let csv = try String(contentsOf: evidence, encoding: .utf8).split(separator: "\r\n")
        #expect(csv.count == 16)
        #expect(csv[0] == "subject_id,csv_line,email,state,reach,attempts,last_bounce_at,bounce_class,bounce_reason,bounce_status,diagnostic,last_reply,state_reason")
        let address13 = try email(13)
        #expect(csv.contains { $0.hasPrefix("13,14,\(address13),submitted,hard-bounced,1,") })
        for file in [draft, evidence] {
            #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        }
        // The terminal lists the people without their addresses.
        let listed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  subject ") }
        #expect(listed.count == 15)
        #expect(!listed.contains { $0.contains("@") })
        #expect(listed.contains("  subject 1  line 2  failed_permanent  retries-exhausted  attempts 1  550 5.1.1 [address] unknown"))
        // This test made those 11 people failed_permanent with sqlite3, outside breachmail: verify sees it.
        #expect(try bm(["register", "verify"]).stdout.hasPrefix("The register history is NOT intact: entry "))
    }

    @Test func senderSideWaveAlertsTheOperatorAndRecommendsNoPublicNotice() throws {
        // 6 blocked of 293 submitted (2.05 %) > 2 %, and 15 hard bounces that would pass 5 %.
        var messages: [String] = []
        for id in 1...6 { messages.append(try bounce(.blocked, subject: id)) }
        for id in 13...24 { messages.append(try bounce(.userUnknown, subject: id)) }
        var files: [String: String] = [:]
        for (n, m) in messages.enumerated() { files["\(n).eml"] = m }
        try #require(try bm(["bounces", "ingest", try maildir(files).path]).status == 0)
        let status = try bm(["status", "BR-2026-0001"], now: Self.after)
        #expect(status.stdout.contains("Public      FIX THE SENDING SET-UP FIRST: 6 of 293 submitted notices (2.05 %, threshold 2 %)"), "\(status.stdout)")
        #expect(status.stdout.contains("No public communication is recommended on that basis."))
        let refused = try bm(["public-notice", "BR-2026-0001"], now: Self.after)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("FIX THE SENDING SET-UP FIRST"))
    }

    /// A DSN to the plain bounce address (no token) naming a person, with a Message-ID
    /// breachmail never sent: anyone can send that. It is kept for review with its evidence,
    /// counts for no one (not "unreachable", not toward a public notice) until the DPO confirms
    /// it; a rejected one never counts; each decision is in the history with its actor. A
    /// Message-ID breachmail sent, but to another address than the one named, goes to review too.
    @Test func aBounceWithoutAVerifiedTokenWaitsForTheDPO() throws {
        let forged = SampleBounce.userUnknown.message(returnPath: "bounce@bounces.exemple.lu", recipient: try email(12),
                                                      originalMessageID: "<made-up.1@attacker.example>", serial: 12)
        let first = try bm(["bounces", "ingest", "-"], input: forged)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("hard bounces       0") && first.stdout.contains("awaiting review    1"), "\(first.stdout)")
        #expect(try sql("SELECT COALESCE(subject_id, 'none') || ' ' || matched_by || ' ' || review || ' ' || candidate_subject_id FROM bounce")
                == "none review pending 12")
        // The Message-ID of subject 9's notice, naming subject 14's address: review as well, for
        // subject 9 (the only notice it can be about).
        let mixed = SampleBounce.mailboxFull.message(returnPath: "bounce@bounces.exemple.lu", recipient: try email(14),
                                                     originalMessageID: try messageID(9), serial: 14)
        #expect(try bm(["bounces", "ingest", "-"], input: mixed).stdout.contains("awaiting review    1"))
        #expect(try sql("SELECT COUNT(*) FROM bounce WHERE subject_id IS NOT NULL") == "0")
        #expect(try sql("SELECT state FROM subject WHERE id = 9") == "submitted")  // the transient one sent nothing again

        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("hard-bounced 0"), "\(status.stdout)")
        #expect(status.stdout.contains("Review      2 bounces without a verified token wait for the DPO (counted for no one until confirmed): `breachmail bounces review --incident BR-2026-0001`"), "\(status.stdout)")

        let list = try bm(["bounces", "review"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("2 bounces wait for review (no verified VERP token: counted for no one until confirmed)."), "\(list.stdout)")
        #expect(list.stdout.contains("  1  pending  received 2026-10-25T14:00:00Z  BR-2026-0001 subject 12 (line 13)  failure hard 5.1.1 userunknown"), "\(list.stdout)")
        #expect(!list.stdout.contains("@"))
        let one = try bm(["bounces", "review", "1"])
        #expect(one.stdout.contains("  Message-ID    <made-up.1@attacker.example>: not the notice breachmail sent this subject"), "\(one.stdout)")
        #expect(one.stdout.contains("  would count   for BR-2026-0001 subject 12, line 13 of its import, the address the bounce names"))
        let two = try bm(["bounces", "review", "2"])
        #expect(two.stdout.contains("the notice breachmail sent this subject, but the bounce names another address"), "\(two.stdout)")

        let confirmed = try bm(["bounces", "confirm", "1"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout == "Confirmed bounce 1: it now counts for BR-2026-0001 subject 12 (failure hard 5.1.1 userunknown).\n")
        let rejected = try bm(["bounces", "reject", "2"])
        #expect(rejected.stdout == "Rejected bounce 2: it counts for no one.\n")
        let again = try bm(["bounces", "confirm", "2"])
        #expect(again.status != 0)
        #expect(again.stderr == "Error: bounce 2 was already rejected; a decision is recorded once.\n")
        #expect(try bm(["bounces", "confirm", "99"]).stderr == "Error: there is no bounce 99; `breachmail bounces review` lists those waiting for review.\n")

        let after = try bm(["status", "BR-2026-0001"])
        #expect(after.stdout.contains("hard-bounced 1"), "\(after.stdout)")
        #expect(!after.stdout.contains("Review      "))
        #expect(try sql("SELECT state FROM subject WHERE id = 9") == "submitted")
        #expect(try sql("SELECT kind || ' ' || actor || ' ' || payload FROM history WHERE kind LIKE 'bounce.%' ORDER BY sequence")
                == "bounce.confirmed test-dpo {\"bounce\":1,\"outcome\":\"hard\",\"subject\":12}\nbounce.rejected test-dpo {\"bounce\":2,\"outcome\":\"transient\",\"subject\":9}")
        #expect(try bm(["register", "verify"]).stdout.hasPrefix("The register history is intact: "))
    }
}

/// The keys of the counts of `bounces ingest --json` and `bounces fetch --json`.
enum BouncesJSONKeys {
    static let counts: Set<String> = ["messages", "duplicates", "hard", "transient", "sender_side", "delay", "auto_reply",
                                      "not_a_bounce", "unparsable", "forged_or_unknown", "review"]
}
