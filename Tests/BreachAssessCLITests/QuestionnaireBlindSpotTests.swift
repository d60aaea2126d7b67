import BreachTestSupport
import Foundation
import Testing

/// The questions for the risk model's blind spots (issue 12, point 7) on a terminal: each is
/// asked where it can change the outcome, and skipped elsewhere, with the real binary.
@Suite struct QuestionnaireBlindSpotTests {
    typealias Work = AssessCommandTests.Work

    func json(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
    }

    func reasonCodes(_ json: [String: Any], _ decision: String) throws -> [String] {
        let reasons = try #require((json[decision] as? [String: Any])?["reasons"] as? [[String: Any]])
        return reasons.compactMap { $0["code"] as? String }
    }

    func positions(_ keys: [String], in text: String) throws -> [String.Index] {
        try keys.map { try #require(text.range(of: "(\($0))")?.lowerBound, "\($0) not asked") }
    }

    @Test func anUnknownExfiltrationAsksAboutBasicProtectionAndScope() throws {
        let work = try Work()
        let typed = [
            "financial", "", "", "n", "maximum",
            "unknown_recipients", "none", "recoverable", "y",
            "n", "unknown",     // encrypted, exfiltration
            "y", "y",           // no_basic_protection, data_scope_unknown
            "y",                // identity theft or fraud
            "", "", "",         // backup, measures, effort: no
            "y",                // confirm
        ]
        let result = try work.assess(["--interactive", "--json"], input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let asked = try positions(["exfiltration", "no_basic_protection", "data_scope_unknown", "identity_theft_or_fraud"], in: result.stderr)
        #expect(asked == asked.sorted())
        // The incident has no special categories, and the recipients are unknown.
        #expect(!result.stderr.contains("(special_categories_limited)"))
        #expect(!result.stderr.contains("(data_combination)"))
        let codes = try reasonCodes(try json(result), "subjects")
        #expect(codes.contains("unprotected_at_scale"), "\(codes)")
        #expect(codes.contains("data_scope_unknown"), "\(codes)")
    }

    @Test func knownRecipientsAskAboutDataCombinationButNotProtection() throws {
        let work = try Work()
        let typed = [
            "simple", "", "", "n", "maximum",
            "known_recipients", "none", "recoverable", "y",
            "n", "ruled_out",   // encrypted, exfiltration
            "y",                // identity theft or fraud
            "y",                // data_combination
            "", "", "", "",     // backup, trusted recipient, measures, effort: no
            "y",                // confirm
        ]
        let result = try work.assess(["--interactive", "--json"], input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let asked = try positions(["identity_theft_or_fraud", "data_combination", "backup_restored_quickly", "trusted_recipient_deleted"], in: result.stderr)
        #expect(asked == asked.sorted())
        #expect(!result.stderr.contains("(no_basic_protection)"))
        #expect(try reasonCodes(try json(result), "authority").contains("data_combination"))
    }

    @Test func specialCategoriesInTheIncidentAskWhetherTheyRevealLittle() throws {
        let temp = try TemporaryDirectory("assess-special")
        let environment = AssessCommandTests.environment
        let dir = temp.file("work").path
        let initResult = try CommandRunner.breachmail(["init", dir], environment: environment)
        try #require(initResult.status == 0, "\(initResult.stderr)")
        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")
        let incident = temp.file("incident.yaml")
        try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "special_categories: []", with: "special_categories: [health]")
            .write(to: incident, atomically: true, encoding: .utf8)
        let open = try CommandRunner.breachmail(["incident", "open", incident.path, "--dir", dir], environment: environment)
        try #require(open.stdout.hasPrefix("Opened BR-2026-0001"), "\(open.stderr)")

        let typed = [
            "sensitive", "1", "nature_of_data", "y",  // a food intolerance: ENISA scores it low
            "financial", "", "", "n", "maximum",
            "unknown_recipients", "none", "recoverable", "y",
            "n", "confirmed", "y",                     // encrypted, exfiltration, identity theft or fraud
            "y",                                       // special_categories_limited
            "", "", "",                                // backup, measures, effort: no
            "y",                                       // confirm
        ]
        let result = try CommandRunner.breachmail(
            ["incident", "assess", "BR-2026-0001", "--interactive", "--json", "--dir", dir],
            environment: environment, input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let asked = try positions(["identity_theft_or_fraud", "special_categories_limited", "backup_restored_quickly"], in: result.stderr)
        #expect(asked == asked.sorted())
        let json = try json(result)
        #expect(try reasonCodes(json, "subjects").contains("special_categories_limited"))
        // The minors in an attacker's hands still make it high.
        #expect(((json["subjects"] as? [String: Any])?["decisive"] as? [String: Any])?["code"] as? String == "vulnerable_subjects")
    }
}
