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
}
