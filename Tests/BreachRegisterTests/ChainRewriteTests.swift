import BreachConfig
import BreachCore
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// Issue 20 §1: the history chain's link check. An attacker who rewrites an entry consistently —
/// new content, its payload hash and its own entry hash recomputed with the published formula —
/// leaves that entry valid on its own; only the next entry's link to it tells. Without the link
/// check this register would verify as intact.
@Suite struct ChainRewriteTests {
    let dir: TemporaryDirectory
    let url: URL

    init() throws {
        dir = try TemporaryDirectory("chain")
        url = dir.file("register.sqlite")
    }

    func sqlite(_ sql: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [url.path, sql])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// SHA-256 (hex) of the UTF-8 text, by the real `sha256sum`.
    func sha256(_ text: String) throws -> String {
        String(try CommandRunner.run("sha256sum", ["-"], input: text).stdout.prefix(64))
    }

    @Test func aConsistentRewriteOfAnEntryBreaksTheLinkOfTheNextOne() throws {
        let incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
        let t0 = try #require(ZonedTime(rfc3339: "2026-10-23T12:00:00+02:00")).instant
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        var second = incident
        second.approximateSubjects = 450
        _ = try register.updateIncident(id, to: second, actor: "dpo", at: t0.addingTimeInterval(60))
        var third = second
        third.approximateSubjects = 460
        _ = try register.updateIncident(id, to: third, actor: "dpo", at: t0.addingTimeInterval(120))
        #expect(try register.verify().isIntact)

        // Rewrite entry 2: new content, payload hash and entry hash recomputed as breachmail computes them.
        let row = try sqlite("SELECT sequence, recorded_at, actor, kind, incident_id, version, previous_hash, payload FROM history WHERE sequence = 2")
            .components(separatedBy: "|")
        try #require(row.count >= 8)
        let payload = row[7...].joined(separator: "|").replacingOccurrences(of: "\"approximate_subjects\":450", with: "\"approximate_subjects\":45")
        try #require(payload.contains("\"approximate_subjects\":45,"))
        let payloadHash = try sha256(payload)
        let entryHash = try sha256([row[0], row[1], row[2], row[3], row[4], row[5], payloadHash, row[6]].joined(separator: "\n"))
        let quoted = payload.replacingOccurrences(of: "'", with: "''")
        _ = try sqlite("""
            DROP TRIGGER history_append_only_update;
            UPDATE history SET payload = '\(quoted)', payload_hash = '\(payloadHash)', entry_hash = '\(entryHash)' WHERE sequence = 2;
            """)
        // Entry 2 is valid on its own: the only evidence is entry 3's link to the old entry 2.
        #expect(try register.verify().firstProblem?.description == "entry 3: does not follow entry 2: the chain was rewritten")
    }
}
