import BreachTestSupport
import Foundation
import Testing

/// `breachmail incident assess` end to end: the real binary, a real register in a temporary
/// working directory, the shipped example incident (BR-2026-0001).
@Suite struct AssessCommandTests {
    static let environment = ["BREACHMAIL_NOW": "2026-10-24T10:00:00+02:00"]
    static let exampleAnswers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path

    /// A working directory with the example incident opened.
    final class Work {
        let temp: TemporaryDirectory
        var dir: String { temp.file("work").path }

        init() throws {
            temp = try TemporaryDirectory("assess")
            let initResult = try CommandRunner.breachmail(["init", temp.file("work").path], environment: AssessCommandTests.environment)
            try #require(initResult.status == 0, "\(initResult.stderr)")
            let incident = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml").path
            let open = try run(["incident", "open", incident])
            try #require(open.stdout.hasPrefix("Opened BR-2026-0001"), "\(open.stderr)")
        }

        /// `breachmail COMMAND… --dir DIR`.
        func run(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
            try CommandRunner.breachmail(arguments + ["--dir", dir], environment: AssessCommandTests.environment, input: input)
        }

        func assess(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
            try run(["incident", "assess", "BR-2026-0001"] + arguments, input: input)
        }

        func answers(_ text: String, name: String = "answers.yaml") throws -> String {
            let url = temp.file(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        /// The history of the register, as `register export --format json` gives it.
        func history() throws -> [[String: Any]] {
            let export = try run(["register", "export", "--format", "json"])
            try #require(export.status == 0, "\(export.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
            let incidents = try #require(json["incidents"] as? [[String: Any]], "\(json.keys.sorted())")
            return try incidents.flatMap { try #require($0["history"] as? [[String: Any]]) }
        }

        func assessments() throws -> [[String: Any]] {
            try history().filter { $0["kind"] as? String == "assessment.recorded" }
        }

        func verifyIntact() throws {
            let verify = try run(["register", "verify"])
            #expect(verify.status == 0)
            #expect(verify.stdout.hasPrefix("The register history is intact"), "\(verify.stdout)")
        }
    }

    static func payload(_ entry: [String: Any]) throws -> [String: Any] {
        let text = try #require(entry["payload"] as? String)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func anAnswersFileGivesTheDecisionsAsJSONAndRecordsNothingUntilConfirmed() throws {
        let work = try Work()
        let result = try work.assess(["--answers", Self.exampleAnswers, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let authority = try #require(json["authority"] as? [String: Any])
        let subjects = try #require(json["subjects"] as? [String: Any])
        #expect(authority["recommended"] as? Bool == true)
        #expect(subjects["recommended"] as? Bool == true)
        #expect((subjects["decisive"] as? [String: Any])?["code"] as? String == "vulnerable_subjects")
        #expect((json["severity"] as? [String: Any])?["band"] as? String == "very_high")
        #expect(json["risk"] as? String == "high")
        #expect(result.stderr.contains("Nothing recorded: a recommendation becomes a decision only when the DPO confirms or overrides it."))
        #expect(try work.assessments().isEmpty)

        let confirmed = try work.assess(["--answers", Self.exampleAnswers, "--confirm"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        let recorded = try work.assessments()
        try #require(recorded.count == 1)
        let payload = try Self.payload(recorded[0])
        let decision = try #require(payload["decision"] as? [String: Any])
        #expect(decision["status"] as? String == "confirmed")
        #expect(payload["answers"] is [String: Any])
        #expect(payload["assessment"] is [String: Any])
        #expect(payload["language"] as? String == "en")
        try work.verifyIntact()
    }

    /// Issue 12 §2: looking at an assessment, or computing a new recommendation, never replaces
    /// the DPO's decision; only a confirmation or an override does, and it says what it replaces.
    @Test func lookingAtAnAssessmentLeavesTheHistoryAndTheDecisionInForceUnchanged() throws {
        let work = try Work()
        let overridden = try work.assess(["--answers", Self.exampleAnswers, "--override-subjects", "no",
                                          "--reason", "Every member was phoned on 24 October."])
        #expect(overridden.status == 0, "\(overridden.stderr)")
        let before = try work.history()

        let shown = try work.assess(["--show"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("Decision in force: entry 2 (overridden by test-dpo at 2026-10-24T08:00:00Z); notify the authority: yes, tell the people: no (DPO's decision against the recommendation)."), "\(shown.stdout)")
        #expect(shown.stdout.contains("Reason: Every member was phoned on 24 October."))
        let shownJSON = try work.assess(["--show", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(shownJSON.stdout.utf8)) as? [String: Any])
        #expect(document["entry"] as? Int == 2)
        #expect(((document["record"] as? [String: Any])?["decision"] as? [String: Any])?["status"] as? String == "overridden")

        // A different recommendation (the data were encrypted with a safe key), looked at twice.
        let encrypted = try work.answers(try String(contentsOfFile: Self.exampleAnswers, encoding: .utf8)
            .replacingOccurrences(of: "encrypted: false", with: "encrypted: true\nkey_compromised: false"))
        for _ in 0..<2 {
            let looked = try work.assess(["--answers", encrypted, "--json"])
            #expect(looked.status == 0, "\(looked.stderr)")
            #expect(looked.stderr.contains("Decision in force: entry 2 (overridden by test-dpo"), "\(looked.stderr)")
            #expect(looked.stderr.contains("This recommendation differs from it: notify the authority: yes → no."), "\(looked.stderr)")
        }
        #expect(try work.history().count == before.count)
        for command in [["status", "BR-2026-0001"], ["status", "BR-2026-0001", "--json"], ["incident", "show", "BR-2026-0001"],
                        ["incident", "show", "BR-2026-0001", "--json"]] {
            #expect(try work.run(command).status == 0)
        }
        #expect(try work.history().count == before.count)

        let status = try work.run(["status", "BR-2026-0001", "--json"])
        let statusJSON = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let assessment = try #require(statusJSON["assessment"] as? [String: Any])
        #expect(assessment["entry"] as? Int == 2)
        #expect(assessment["in_force"] as? Bool == true)
        let show = try work.run(["incident", "show", "BR-2026-0001"])
        #expect(show.stdout.contains("Decision in force: entry 2 (overridden by test-dpo"), "\(show.stdout)")

        // Confirming the new recommendation is a decision: recorded, and it says what it replaces.
        let confirmed = try work.assess(["--answers", encrypted, "--confirm"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("It replaces the decision of entry 2: notify the authority: yes → no."), "\(confirmed.stdout)")
        #expect(try work.history().count == before.count + 1)
        try work.verifyIntact()
    }

    @Test func theTextReportGivesScoreBandDecisionsAndReasonsInFrench() throws {
        let work = try Work()
        let result = try work.assess(["--answers", Self.exampleAnswers, "--lang", "fr", "--confirm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Gravité ENISA : 5,0 (très élevée) = DPC 4 (financial) × EI 1,0 + CB 1,0"))
        #expect(result.stdout.contains("Notifier l'autorité de contrôle (art. 33(1)) : oui. Des personnes vulnérables sont concernées"))
        #expect(result.stdout.contains("  - Les données peuvent servir à une usurpation d'identité ou à une fraude."))
        #expect(result.stdout.contains("confirmé par test-dpo ; notifier l'autorité : oui, informer les personnes : oui."))

        let status = try work.run(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("Assessment  ENISA 5.0 (very high), notify the authority: yes, tell the people: yes"), "\(status.stdout)")
        #expect(status.stdout.contains("confirmed by test-dpo at 2026-10-24 10:00 +02:00 (Europe/Luxembourg)"), "\(status.stdout)")
    }

    @Test func theQuestionsAreAskedInOrderAndReaskedOnInvalidInput() throws {
        let work = try Work()
        let typed = [
            "financial", "5", "4", "volumes", "individual_characteristics", "n", // dpc: a bad score, a bad factor
            "maximum",
            "unknown_recipients", "none", "recoverable", "y",                  // circumstances
            "maybe", "n",                                                      // encrypted
            "confirmed", "y",                                                  // exfiltration, identity theft
            "", "", "",                                                        // backup, measures, effort: no
            "y",                                                               // confirm
        ]
        let result = try work.assess(["--interactive", "--json"], input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("\"5\" is not an answer; expected a whole number from 1 to 4; answer again."))
        #expect(result.stderr.contains("\"volumes\" is not an answer; expected 1 to 6 or volume, controller_characteristics"))
        #expect(result.stderr.contains("\"maybe\" is not an answer; expected y (yes) or n (no); answer again."))
        // key_compromised is not asked when the data were not encrypted.
        #expect(!result.stderr.contains("(key_compromised)"))
        let order = ["(dpc[0].category)", "(ease_of_identification)", "(circumstances.malicious)", "(encrypted)", "(exfiltration)", "(disproportionate_effort)"]
        let positions = try order.map { try #require(result.stderr.range(of: $0)?.lowerBound, "\($0)") }
        #expect(positions == positions.sorted())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["subjects"] as? [String: Any])?["recommended"] as? Bool == true)

        let entry = try #require(try work.assessments().first)
        let payload = try Self.payload(entry)
        #expect((payload["decision"] as? [String: Any])?["status"] as? String == "confirmed")
        #expect(payload["source"] as? String == "terminal")
    }

    @Test func anInteractiveOverrideAsksForTheWrittenReason() throws {
        let work = try Work()
        let typed = ["financial", "", "", "n", "maximum", "unknown_recipients", "none", "recoverable", "y", "n", "confirmed", "y",
                     "", "", "", "n", "y", "n", "", "Every member was phoned on 24 October and told in person."]
        let result = try work.assess(["--interactive"], input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("A reason is needed."))
        #expect(result.stdout.contains("overridden by test-dpo; notify the authority: yes, tell the people: no (DPO's decision against the recommendation)."))
        let entry = try #require(try work.assessments().first)
        let decision = try #require(try Self.payload(entry)["decision"] as? [String: Any])
        #expect(decision["overridden"] as? [String] == ["communicate_to_subjects"])
        #expect(decision["reason"] as? String == "Every member was phoned on 24 October and told in person.")
    }

    @Test func withoutATerminalOrAnswersFileItRefuses() throws {
        let work = try Work()
        let result = try work.assess([])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: standard input is not a terminal, so the questions cannot be asked; give the answers with --answers FILE (see Config/examples/assessment.yaml).\n")
        #expect(try work.assessments().isEmpty)
    }

    @Test func badAnswersFilesAreRefusedWithFileLineAndQuestionAndNothingIsRecorded() throws {
        let work = try Work()
        let before = try work.history().count
        let example = try String(contentsOfFile: Self.exampleAnswers, encoding: .utf8)

        let unknownFactor = try work.answers(example.replacingOccurrences(of: "[individual_characteristics]", with: "[minors]"), name: "factor.yaml")
        var result = try work.assess(["--answers", unknownFactor])
        #expect(result.status == 65)
        #expect(result.stderr == "Error: \(unknownFactor):11: dpc[0].factors: unknown factor \"minors\"; expected volume, controller_characteristics, individual_characteristics, invalidity, public_availability or nature_of_data.\n")

        let encrypted = try work.answers(example.replacingOccurrences(of: "encrypted: false", with: "encrypted: true"), name: "encrypted.yaml")
        result = try work.assess(["--answers", encrypted])
        #expect(result.status == 65)
        #expect(result.stderr == "Error: \(encrypted):19: key_compromised: missing while encrypted is true; expected true or false.\n")

        let missing = try work.answers(example.replacingOccurrences(of: "ease_of_identification: maximum", with: "ease_of_identification:"), name: "missing.yaml")
        result = try work.assess(["--answers", missing])
        #expect(result.status == 65)
        #expect(result.stderr == "Error: \(missing):13: ease_of_identification: missing; expected negligible, limited, significant or maximum.\n")

        let contradiction = try work.answers(example.replacingOccurrences(of: "malicious: true ", with: "malicious: false"), name: "cause.yaml")
        result = try work.assess(["--answers", contradiction])
        #expect(result.status == 65)
        #expect(result.stderr == "Error: \(contradiction):18: circumstances.malicious: false contradicts the incident's cause external_malicious; expected true.\n")

        #expect(try work.history().count == before)
        try work.verifyIntact()
    }

    @Test func anOverrideNeedsAReasonAndIsRecordedWithIt() throws {
        let work = try Work()
        var result = try work.assess(["--answers", Self.exampleAnswers, "--override-subjects", "no"])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("Error: --override-authority and --override-subjects need --reason \"…\": the DPO's written reason goes into the register.\n"))
        result = try work.assess(["--answers", Self.exampleAnswers, "--override-subjects", "yes", "--reason", "Same as recommended."])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: the override decides what breachmail already recommends; use --confirm instead, or override the other decision. Nothing was recorded.\n")
        result = try work.assess(["--answers", Self.exampleAnswers, "--confirm", "--override-authority", "no", "--reason", "x"])
        #expect(result.status != 0)
        #expect(try work.assessments().isEmpty)

        let reason = "Every member was phoned on 24 October; the bank blocked the debits."
        result = try work.assess(["--answers", Self.exampleAnswers, "--override-subjects", "no", "--reason", reason, "--actor", "Claire Dupont, DPO"])
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try work.assessments()
        try #require(entries.count == 1)
        #expect(entries[0]["actor"] as? String == "Claire Dupont, DPO")
        let payload = try Self.payload(entries[0])
        let decision = try #require(payload["decision"] as? [String: Any])
        #expect(decision["status"] as? String == "overridden")
        #expect(decision["notify_authority"] as? Bool == true)
        #expect(decision["communicate_to_subjects"] as? Bool == false)
        #expect(decision["reason"] as? String == reason)
        #expect(((payload["assessment"] as? [String: Any])?["subjects"] as? [String: Any])?["recommended"] as? Bool == true)

        let status = try work.run(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("tell the people: no (DPO's decision against the recommendation)"))
        #expect(status.stdout.contains("overridden by Claire Dupont, DPO at 2026-10-24 10:00 +02:00 (Europe/Luxembourg)"))
        #expect(status.stdout.contains("Reason: \(reason)"))
        try work.verifyIntact()
    }
}
