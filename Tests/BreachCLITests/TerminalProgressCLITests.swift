import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §2: the campaign's progress on a terminal (a pseudo-terminal made by script(1)),
/// during a relay pause against the test SMTP server: the bar with %, the rate over the last
/// seconds, the time left as h:mm, failures and deferrals, the pause with its reply and its end,
/// and a last line with the final state. On a pipe nothing of it.
@Suite struct TerminalProgressCLITests {
    let dir: TemporaryDirectory
    let work: URL
    let now = "2026-10-24T09:00:00+02:00"

    init() throws {
        dir = try TemporaryDirectory("progress")
        work = dir.url.appendingPathComponent("work")
    }

    var environment: [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
         "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test-dpo", "BREACHMAIL_DIR": work.path,
         "BREACHMAIL_NOW": now, "BREACHMAIL_TEST_RELAY_PAUSE_MS": "1500", "BREACHMAIL_TEST_RELAY_GIVE_UP_MS": "30000",
         "BREACHMAIL_TEST_DELAY_MS": "40"]
    }

    @Test func theProgressOnATerminalShowsTheBarTheRateAndThePause() throws {
        try CommandRunner.makeExampleWorkingDirectory(work) { try CommandRunner.breachmail($0, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now]) }
        var csv = "email;first_name;last_name;language\n"
        for i in 1...60 { csv += "person\(i)@example.org;P\(i);Q\(i);en\n" }
        let file = dir.file("people.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try #require(CommandRunner.breachmail(["subjects", "import", "BR-2026-0001", file.path], environment: environment).status == 0)
        let server = try SMTPTestServer(outage: .for(seconds: 1))
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .replacingOccurrences(of: "connections: 4", with: "connections: 1")
            .write(to: config, atomically: true, encoding: .utf8)

        // script(1) runs the command on a pseudo-terminal and copies what it shows to its standard output.
        let command = "'\(CommandRunner.breachmail.path)' subjects notify BR-2026-0001"
        let shown = try CommandRunner.run("script", ["-qefc", command, "/dev/null"], environment: environment, timeout: 120)
        #expect(shown.status == 0, "\(shown.stdout)")
        let screen = shown.stdout
        #expect(screen.contains("Relay paused for 2 s, until 2026-"), "\(screen)")
        #expect(screen.contains("(Europe/Luxembourg), after refusals in a row: 451 4.7.1 Greylisted, try again in 5 minutes"), "\(screen)")
        // A line redrawn in place, with the bar, the share, the rate, the time left, the failures and deferrals.
        // (A terminal ends lines with CR LF, one Character in Swift: made LF first, then split at the CRs that redraw.)
        let redrawn = screen.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\r").map {
            String($0.split(separator: "\n").first ?? "").replacingOccurrences(of: "\u{1B}[K", with: "")
        }
        let running = redrawn.filter { $0.contains(" msg/s  ") }
        #expect(!running.isEmpty, "\(screen)")
        let pattern = #/^\[[#.]{24}\]  \d{1,3}%  \d+/60  \d+(\.\d)? msg/s  \d+:\d\d left  failed 0  deferred \d+$/#
        #expect(running.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(running)")
        let last = try #require(redrawn.last { $0.contains("run over") })
        let deferred = try #require(last.firstMatch(of: #/deferred (\d+)/#).flatMap { Int($0.1) }, "\(last)")
        #expect(deferred > 0, "\(last)")
        #expect(last.hasPrefix("[") && last.contains("%  \(60 - deferred)/60  run over  failed 0  deferred \(deferred)"), "\(last)")
        // The last line says when the first deferred person is due again, in the incident's zone.
        #expect(last.wholeMatch(of: #/.*  deferred \d+  next retry due 2026-10-24 \d\d:\d\d \+02:00 \(Europe/Luxembourg\)\s*/#) != nil, "\(last)")
        #expect(screen.contains("; the first is due at 2026-10-24 "), "\(screen)")

        // On a pipe: none of it (the lines every 10 s and the summary only).
        let piped = try CommandRunner.breachmail(["subjects", "notify", "BR-2026-0001"], environment: environment)
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("msg/s  ") && !piped.stderr.contains("\r"), "\(piped.stderr)")
    }

    /// `subjects import` of a large file on a terminal: rows read, the rate and the share of the
    /// file's bytes, redrawn on standard error; on a pipe nothing of it.
    @Test func theImportShowsItsProgressOnATerminal() throws {
        try CommandRunner.makeExampleWorkingDirectory(work) { try CommandRunner.breachmail($0, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now]) }
        let file = dir.file("many.csv")
        var csv = "email,first_name,last_name,language\n"
        for i in 1...60_000 { csv += "person\(i)@example.org,P\(i),Q\(i),en\n" }
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let command = "'\(CommandRunner.breachmail.path)' subjects import BR-2026-0001 '\(file.path)'"
        let shown = try CommandRunner.run("script", ["-qefc", command, "/dev/null"], environment: environment, timeout: 300)
        #expect(shown.status == 0, "\(shown.stdout)")
        let redrawn = shown.stdout.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\r").map {
            String($0.split(separator: "\n").first ?? "").replacingOccurrences(of: "\u{1B}[K", with: "")
        }
        let lines = redrawn.filter { $0.hasPrefix("Importing: ") }
        let pattern = #/Importing: (\d+) rows read  (\d+ rows/s|measuring the rate)  (\d{1,3})% of 2\.\d MB/#
        #expect(!lines.isEmpty && lines.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(lines)")
        let last = try #require(lines.last?.wholeMatch(of: pattern), "\(lines)")
        #expect(last.1 == "60000" && last.3 == "100", "\(lines)")
        #expect(shown.stdout.contains("rows read   60000"), "\(shown.stdout)")

        let piped = try CommandRunner.breachmail(["subjects", "import", "BR-2026-0001", file.path], environment: environment)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("Importing") && !piped.stderr.contains("\r"), "\(piped.stderr)")
    }
}
