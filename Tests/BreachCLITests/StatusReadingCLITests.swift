import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §3: `status` read by a person. A relay that refuses one person for good (550) and
/// keeps deferring another (451) past the retry window, then the bounces of `demo bounces`: the
/// failures are listed by reason in words — refused for good apart from retries exhausted, hard
/// and sender-side bounces included — in aligned columns, with no internal code.
@Suite struct StatusReadingCLITests {
    let dir: TemporaryDirectory
    let work: URL

    init() throws {
        dir = try TemporaryDirectory("status-reading")
        work = dir.url.appendingPathComponent("work")
    }

    func run(_ arguments: [String], at now: String) throws -> ProcessResult {
        try CommandRunner.breachmail(arguments, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now])
    }

    @Test func failuresAreListedByReasonInWordsAndAlignedColumns() throws {
        let start = "2026-10-24T09:00:00+02:00"
        try CommandRunner.makeExampleWorkingDirectory(work) { try run($0, at: start) }
        var csv = "email;first_name;last_name;language\n"
        for i in 1...8 { csv += "person\(i)@example.org;P\(i);Q\(i);en\n" }
        csv += "refused@example.org;R;S;en\ndeferred@example.org;D;E;en\n"
        let file = dir.file("people.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try #require(run(["subjects", "import", "BR-2026-0001", file.path], at: start).status == 0)

        let server = try SMTPTestServer(faults: ["refused@example.org": .reply(550), "deferred@example.org": .reply(451)])
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
        let first = try run(["subjects", "notify", "BR-2026-0001"], at: start)
        #expect(first.status == 0, "\(first.stderr)")
        // Six days later the 451 person is still refused: past the 5-day window, retries are exhausted.
        let later = "2026-10-30T09:00:00+01:00"
        let second = try run(["subjects", "notify", "BR-2026-0001"], at: later)
        #expect(second.status == 0, "\(second.stderr)")
        try #require(run(["demo", "bounces", "BR-2026-0001"], at: later).status == 0)
        let ingest = try run(["bounces", "ingest", work.appendingPathComponent("demo-bounces").path], at: later)
        try #require(ingest.status == 0, "\(ingest.stderr)")

        let status = try run(["status", "BR-2026-0001"], at: later)
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = try #require(lines.firstIndex(of: "Failures by reason"))
        let block = Array(lines[(header + 1)...].prefix { $0.hasPrefix("            ") })
        #expect(block == [
            "            1  deferred, to retry  transient bounce 5.2.2 mailboxfull",
            "            1  refused for good    550 5.1.1 at rcpt-to",
            "            1  retries exhausted   451 4.7.1 at rcpt-to",
            "            1  hard bounce         the address does not work (a bounce after the relay accepted the notice)",
            "            1  sender-side bounce  refused because of our sending set-up; not counted against the person",
        ], "\(status.stdout)")
        #expect(!status.stdout.contains("failed_permanent:"))
        #expect(!status.stdout.contains("retry window exhausted:"))
    }
}
