import BreachConfig
import BreachCore
import BreachTestSupport
import Foundation
import Testing

@Suite struct AssessmentFileTests {
    static let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml")
    static let incident = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")

    static let valid = """
        dpc:
          - category: financial
            score: 4
            factors: [volume]
          - category: simple
        ease_of_identification: maximum
        circumstances:
          confidentiality: unknown_recipients
          integrity: none
          availability: recoverable
          malicious: yes
        encrypted: false
        exfiltration: confirmed
        identity_theft_or_fraud: true
        measures_description: "42"
        unreachable_subjects: 12
        """

    private func problems(_ text: String) -> [String] {
        do {
            _ = try AssessmentFile.parse(text, file: "a.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func readsScalarsAsTheYAMLCoreSchemaDoes() throws {
        let answers = try AssessmentFile.parse(Self.valid, file: "a.yaml").answers
        #expect(answers.dataProcessingContext == [
            DPCAnswer(category: .financial, score: 4, factors: [.volume]), DPCAnswer(category: .simple, score: nil, factors: []),
        ])
        #expect(answers.circumstances == BreachCircumstances(confidentiality: .unknownRecipients, integrity: .none, availability: .recoverable, malicious: true))
        #expect(answers.encrypted == false)
        #expect(answers.exfiltration == .confirmed)
        #expect(answers.measuresDescription == "42")
        #expect(answers.unreachableSubjects == 12)
        #expect(answers.keyCompromised == nil)
    }

    @Test func theShippedExampleAssessesTheShippedIncident() throws {
        let incident = try IncidentFile.load(Self.incident)
        let assessment = try AssessmentFile.load(Self.example).assess(against: IncidentFacts(incident))
        #expect(assessment.authority.recommended)
        #expect(assessment.subjects.recommended)
        #expect(assessment.subjects.decisive == .vulnerableSubjects)
        #expect(assessment.severity.band == .veryHigh)
    }

    @Test func anUnknownFactorNamesItsLine() {
        let text = Self.valid.replacingOccurrences(of: "[volume]", with: "[volume, volumes]")
        #expect(problems(text) == [
            "a.yaml:4: dpc[0].factors: unknown factor \"volumes\"; expected volume, controller_characteristics, individual_characteristics, invalidity, public_availability or nature_of_data.",
        ])
    }

    @Test func anUnknownKeyAndABadWordNameTheirLines() {
        let text = Self.valid
            .replacingOccurrences(of: "integrity: none", with: "integrity: lost")
            .replacingOccurrences(of: "encrypted: false", with: "encrypted: false\nencryption: aes")
        #expect(problems(text) == [
            "a.yaml:13: encryption: unknown question; expected one of dpc, ease_of_identification, circumstances, encrypted, key_compromised, exfiltration, no_basic_protection, data_scope_unknown, identity_theft_or_fraud, special_categories_limited, data_combination, backup_restored_quickly, trusted_recipient_deleted, measures_remove_high_risk, measures_description, disproportionate_effort, unreachable_subjects.",
            "a.yaml:9: circumstances.integrity: \"lost\" is not an answer; expected none, altered, recoverable or not_recoverable.",
        ])
    }

    @Test func aQuotedBooleanIsTextButStillAccepted() throws {
        let text = Self.valid.replacingOccurrences(of: "encrypted: false", with: "encrypted: \"no\"")
        #expect(try AssessmentFile.parse(text, file: "a.yaml").answers.encrypted == false)
    }

    @Test func aMissingPartPointsAtItsEnclosingKey() {
        let text = Self.valid.replacingOccurrences(of: "  malicious: yes\n", with: "")
        #expect(problems(text) == ["a.yaml:7: circumstances.malicious: missing; expected true or false."])
    }

    @Test func contradictionsAgainstTheIncidentNameTheLineOfTheAnswerToFix() throws {
        let text = Self.valid.replacingOccurrences(of: "encrypted: false", with: "encrypted: true")
        let file = try AssessmentFile.parse(text, file: "a.yaml")
        let facts = IncidentFacts(nature: [.confidentiality, .availability], cause: .externalMalicious, approximateSubjects: 412)
        #expect(throws: FileProblems([
            FileProblem(file: "a.yaml", line: 12, key: "key_compromised", message: "missing while encrypted is true; expected true or false."),
        ])) { try file.assess(against: facts) }
    }

    @Test func aMissingTopLevelAnswerNamesTheFileAlone() throws {
        let text = Self.valid.replacingOccurrences(of: "identity_theft_or_fraud: true\n", with: "")
        let file = try AssessmentFile.parse(text, file: "a.yaml")
        let facts = IncidentFacts(nature: [.confidentiality, .availability], cause: .externalMalicious, approximateSubjects: 412)
        do {
            _ = try file.assess(against: facts)
            Issue.record("accepted answers without identity_theft_or_fraud")
        } catch {
            #expect(error.description == "a.yaml: identity_theft_or_fraud: missing; expected true or false.")
        }
    }

    @Test func brokenYAMLAndAnEmptyFileAreRefused() {
        #expect(problems("dpc: [\n") .first?.hasPrefix("a.yaml:2: is not valid YAML") == true)
        #expect(problems("") == ["a.yaml: is empty; fill in the template."])
        #expect(problems("- a\n- b\n") == ["a.yaml:1: must be a mapping of `key: value` lines at the top level."])
    }
}
