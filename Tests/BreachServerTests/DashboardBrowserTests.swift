import BreachTestSupport
import Foundation
import Testing

/// The dashboard in a real browser: Debian's headless Chromium, driven over the DevTools protocol
/// by `Tests/Browser/dashboard_browser.py` (Debian's python3-websocket), against the real
/// `breachmail serve` on 127.0.0.1. Screenshots of the main pages go to
/// `.build/dashboard-screenshots/` as artefacts.
@Suite struct DashboardBrowserTests {
    static let script = CommandRunner.packageRoot.appendingPathComponent("Tests/Browser/dashboard_browser.py")
    static let screenshots = CommandRunner.packageRoot.appendingPathComponent(".build/dashboard-screenshots")

    @Test func signInReadAnIncidentAndTheRolesInChromium() throws {
        let fixture = try DashboardTests.fixture()
        let dpo = try fixture.token("alice", "dpo")
        let auditor = try fixture.token("ines", "auditor")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        // The secrets go through the environment, not the command line (ps shows it).
        let environment = ProcessInfo.processInfo.environment.merging(["BM_DPO_SECRET": dpo, "BM_AUDITOR_SECRET": auditor]) { $1 }
        let result = try CommandRunner.run("/usr/bin/python3", [Self.script.path, server.url, DashboardTests.id, DashboardTests.address,
                                                                Self.screenshots.path], environment: environment, timeout: 300)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("browser checks: 0 failed"), "\(result.stdout)")
        #expect(!result.stdout.contains("FAILED"), "\(result.stdout)")
        for name in ["incidents.png", "incident.png", "person.png", "incident-auditor.png"] {
            let data = try Data(contentsOf: Self.screenshots.appendingPathComponent(name))
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(name) is a PNG")
        }
        #expect(try server.stop().status == 0)
        // The server's log has the routes, never the address the browser looked up.
        #expect(server.log.contains("route=/ui/incidents/{id}/people"))
        #expect(!server.log.lowercased().contains(DashboardTests.address))
    }

    /// In Chromium, the DPO overrides the decision, confirms the recommendation again, starts the campaign (after the page
    /// saying how many people it will mail) and watches it run against the test SMTP server: the
    /// submitted count grows on the page, then the campaign finishes; every person is received.
    @Test func confirmTheAssessmentThenWatchTheCampaignRunInChromium() throws {
        let fixture = try ServeFixture()
        try fixture.bm(["subjects", "import", DashboardTests.id, CommandRunner.exampleSubjects.path])
        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        let assessed = try fixture.bm(["incident", "assess", DashboardTests.id, "--answers", answers, "--confirm"])
        try #require(assessed.status == 0, "\(assessed.stderr)")
        // A relay slow enough for the page to see the campaign run even when Chromium is slow to load the page: 0.3 s
        // before every reply, about 22 s at 4 connections. The example file has CRLF lines (a "\r\n" is one Character
        // in Swift, so split on the newline scalars), and the rules must cover every person, or the test races.
        let addresses = try String(contentsOf: CommandRunner.exampleSubjects, encoding: .utf8)
            .split(whereSeparator: \.isNewline).dropFirst()
            .compactMap { line in line.split(separator: ";").first.map(String.init) }.filter { $0.contains("@") }
        try #require(addresses.count >= 290, "the delay rules cover the example's people (\(addresses.count))")
        let smtp = try SMTPTestServer(faults: Dictionary(addresses.map { ($0.lowercased(), .delay(seconds: 0.3)) }) { first, _ in first })
        try ServeFaultTests.useSMTP(fixture, smtp)
        let dpo = try fixture.token("alice", "dpo")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(["BM_DPO_SECRET": dpo]) { $1 }
        let result = try CommandRunner.run("/usr/bin/python3", [Self.script.path, server.url, DashboardTests.id, DashboardTests.address,
                                                                Self.screenshots.path, "campaign"], environment: environment, timeout: 300)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("browser checks: 0 failed") && !result.stdout.contains("FAILED"), "\(result.stdout)")
        #expect(try server.stop().status == 0)
        let submitted = try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'submitted';").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.stdout.contains("SUBMITTED_SHOWN \(submitted)"), "the page's final count is the register's (\(submitted))")
        #expect(try smtp.receivedMessages().count == Int(submitted), "every submitted person reached the relay once")
        #expect(try fixture.sqlite("SELECT actor FROM history WHERE kind = 'assessment.recorded' ORDER BY sequence DESC LIMIT 1;") == "token:alice\n")
    }
}
