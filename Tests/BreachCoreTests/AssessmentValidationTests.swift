import BreachCore
import Testing

/// Bad answers are refused with the question they concern; the texts are pinned because a DPO reads them.
@Suite("Assessment validation and answers-file decoding")
struct AssessmentValidationTests {
    static let confidentialityOnly = IncidentFacts(nature: [.confidentiality], cause: .unknown, approximateSubjects: 10)

    /// A complete, valid set of answers for `confidentialityOnly`.
    static let valid = AssessmentAnswers(
        dataProcessingContext: [DPCAnswer(category: .simple)], easeOfIdentification: .maximum,
        circumstances: BreachCircumstances(confidentiality: .knownRecipients, integrity: .none, availability: .none, malicious: false),
        encrypted: false, exfiltration: .ruledOut, identityTheftOrFraud: false)

    func problems(_ answers: AssessmentAnswers, _ facts: IncidentFacts = confidentialityOnly) -> [String] {
        switch answers.validated(against: facts) {
        case .success: []
        case .failure(let problems): problems.problems.map(\.description)
        }
    }

    func rawProblems(_ values: [String: RawAnswer]) -> [String] {
        switch AssessmentAnswers.fromRaw(values) {
        case .success: []
        case .failure(let problems): problems.problems.map(\.description)
        }
    }

    @Test("the valid answers pass")
    func validPasses() {
        #expect(problems(Self.valid) == [])
    }

    @Test("nothing answered: every required question is named")
    func nothingAnswered() {
        #expect(problems(AssessmentAnswers()) == [
            "dpc: missing; expected at least one category among simple, behavioural, financial or sensitive",
            "ease_of_identification: missing; expected negligible, limited, significant or maximum",
            "circumstances: missing; expected confidentiality, integrity, availability and malicious",
            "encrypted: missing; expected true or false",
            "identity_theft_or_fraud: missing; expected true or false",
        ])
    }

    @Test("encrypted without key_compromised is refused")
    func encryptedWithoutKeyAnswer() throws {
        var answers = Self.valid
        answers.encrypted = true
        let failure = try #require(answers.validated(against: Self.confidentialityOnly).failure)
        #expect(failure.problems == [AssessmentProblem(
            key: "key_compromised", relatedKeys: ["encrypted"],
            message: "missing while encrypted is true; expected true or false")])
        answers.keyCompromised = false
        #expect(problems(answers) == [])
    }

    @Test("availability none while the incident's nature includes availability is refused, and the reverse")
    func natureContradictions() {
        let facts = IncidentFacts(nature: [.confidentiality, .availability], cause: .unknown, approximateSubjects: 10)
        #expect(problems(Self.valid, facts) == [
            "circumstances.availability: none contradicts the incident, whose nature includes availability; expected recoverable, temporary or permanent",
        ])
        var answers = Self.valid
        answers.circumstances?.integrity = .altered
        #expect(problems(answers) == [
            "circumstances.integrity: altered contradicts the incident, whose nature does not include integrity; expected none, or add integrity to the incident's nature",
        ])
    }

    @Test("a trusted recipient while the recipients are unknown is refused")
    func trustedRecipientUnknownRecipients() {
        var answers = Self.valid
        answers.circumstances?.confidentiality = .unknownRecipients
        answers.trustedRecipientDeleted = true
        #expect(problems(answers) == [
            "trusted_recipient_deleted: true contradicts circumstances.confidentiality unknown_recipients, since a trusted recipient is a known one; expected false, or known_recipients",
        ])
    }

    @Test("a DPC score moved without a factor in that direction is refused")
    func dpcFactors() {
        var answers = Self.valid
        answers.dataProcessingContext = [
            DPCAnswer(category: .financial, score: 4, factors: [.publicAvailability]),
            DPCAnswer(category: .sensitive, score: 2),
            DPCAnswer(category: .simple, score: 2, factors: [.volume]),
            DPCAnswer(category: .behavioural, score: 1, factors: [.invalidity]),
        ]
        #expect(problems(answers) == [
            "dpc[0].factors: financial raised from 3 to 4 without a factor that raises it; expected volume, controller_characteristics or individual_characteristics",
            "dpc[1].factors: sensitive lowered from 4 to 2 without a factor that lowers it; expected invalidity, public_availability or nature_of_data",
        ])
    }

    @Test("a DPC score out of range, or a category scored twice, is refused")
    func dpcRangeAndDuplicates() {
        var answers = Self.valid
        answers.dataProcessingContext = [
            DPCAnswer(category: .simple, score: 5, factors: [.volume]),
            DPCAnswer(category: .simple, score: 0),
        ]
        #expect(problems(answers) == [
            "dpc[0].score: 5 is out of range; expected 1 to 4",
            "dpc[1].category: simple is scored twice; expected each category once, with its highest score",
            "dpc[1].score: 0 is out of range; expected 1 to 4",
        ])
    }

    @Test("malicious must agree with the incident's cause")
    func maliciousAgreesWithCause() {
        var facts = Self.confidentialityOnly
        facts.cause = .externalMalicious
        #expect(problems(Self.valid, facts) == [
            "circumstances.malicious: false contradicts the incident's cause external_malicious; expected true",
        ])
        facts.cause = .internalAccidental
        var answers = Self.valid
        answers.circumstances?.malicious = true
        #expect(problems(answers, facts) == [
            "circumstances.malicious: true contradicts the incident's cause internal_accidental; expected false, or correct the incident's cause",
        ])
    }

    @Test("exfiltration must agree with the confidentiality loss")
    func exfiltrationAgrees() {
        var answers = Self.valid
        answers.exfiltration = nil
        #expect(problems(answers) == [
            "exfiltration: missing while confidentiality was lost; expected confirmed, ruled_out or unknown",
        ])
        answers.circumstances?.confidentiality = .exposed
        answers.exfiltration = .confirmed
        #expect(problems(answers) == [
            "exfiltration: confirmed contradicts circumstances.confidentiality exposed (no evidence of access); expected known_recipients or unknown_recipients for the confidentiality, or unknown here",
        ])
        let availabilityOnly = IncidentFacts(nature: [.availability], cause: .unknown, approximateSubjects: 10)
        answers.circumstances = BreachCircumstances(confidentiality: .none, integrity: .none, availability: .permanent, malicious: false)
        #expect(problems(answers, availabilityOnly) == [
            "exfiltration: confirmed contradicts circumstances.confidentiality none; expected ruled_out, or a loss of confidentiality",
        ])
    }

    @Test("identity theft denied while the incident foresees it is refused")
    func identityTheftAgreesWithHarms() {
        var facts = Self.confidentialityOnly
        facts.potentialHarms = [.fraud, .identityTheft]
        #expect(problems(Self.valid, facts) == [
            "identity_theft_or_fraud: false contradicts the incident's potential harms (identity_theft, fraud); expected true",
        ])
    }

    @Test("a quick backup restore of data lost for good is refused")
    func backupAgreesWithAvailability() {
        let facts = IncidentFacts(nature: [.confidentiality, .availability], cause: .unknown, approximateSubjects: 10)
        var answers = Self.valid
        answers.circumstances?.availability = .permanent
        answers.backupRestoredQuickly = true
        #expect(problems(answers, facts) == [
            "backup_restored_quickly: true contradicts circumstances.availability permanent; expected false, or availability recoverable or temporary",
        ])
    }

    @Test("Art. 34(3)(b) and (c) claims need their evidence")
    func exceptionsNeedEvidence() {
        var answers = Self.valid
        answers.measuresRemoveHighRisk = true
        answers.measuresDescription = "  "
        answers.disproportionateEffort = true
        #expect(problems(answers) == [
            "measures_description: missing while measures_remove_high_risk is true; expected the measures that make the high risk no longer likely",
            "unreachable_subjects: missing while disproportionate_effort is true; expected the number of people who cannot be reached individually",
        ])
        answers.measuresDescription = "accounts locked"
        answers.unreachableSubjects = 11
        #expect(problems(answers) == [
            "unreachable_subjects: 11 is out of range; expected 1 to 10, the incident's approximate number of people",
        ])
    }

    // MARK: Raw decoding

    /// The example of the answers-file documentation, as a YAML reader hands it over.
    static let example: [String: RawAnswer] = [
        "dpc": .list([
            .map(["category": .string("financial"), "score": .integer(4), "factors": .list([.string("volume")])]),
            .map(["category": .string("simple")]),
        ]),
        "ease_of_identification": .string("maximum"),
        "circumstances": .map([
            "confidentiality": .string("unknown_recipients"), "integrity": .string("none"),
            "availability": .string("none"), "malicious": .bool(true),
        ]),
        "encrypted": .bool(false),
        "key_compromised": .bool(false),
        "exfiltration": .string("confirmed"),
        "identity_theft_or_fraud": .bool(true),
        "backup_restored_quickly": .bool(false),
        "trusted_recipient_deleted": .bool(false),
        "measures_remove_high_risk": .bool(false),
        "measures_description": .string(""),
        "disproportionate_effort": .bool(true),
        "unreachable_subjects": .integer(1200),
    ]

    @Test("the documented example decodes to the same answers as Swift values, and assesses")
    func exampleDecodes() throws {
        let answers = try AssessmentAnswers.fromRaw(Self.example).get()
        #expect(answers == AssessmentAnswers(
            dataProcessingContext: [DPCAnswer(category: .financial, score: 4, factors: [.volume]), DPCAnswer(category: .simple)],
            easeOfIdentification: .maximum,
            circumstances: BreachCircumstances(confidentiality: .unknownRecipients, integrity: .none, availability: .none, malicious: true),
            encrypted: false, keyCompromised: false, exfiltration: .confirmed, identityTheftOrFraud: true,
            backupRestoredQuickly: false, trustedRecipientDeleted: false, measuresRemoveHighRisk: false,
            measuresDescription: "", disproportionateEffort: true, unreachableSubjects: 1200))
        let facts = IncidentFacts(nature: [.confidentiality], cause: .externalMalicious, approximateSubjects: 5_000, potentialHarms: [.fraud])
        let assessment = try AssessmentAnswers.assess(raw: Self.example, against: facts).get()
        #expect(assessment.severity.score.description == "5.0")
        #expect(assessment.subjects.recommended)
        #expect(assessment.publicCommunication == PublicCommunication(unreachableSubjects: 1200, reachableSubjects: 3800))
    }

    @Test("unknown factor names are refused with the known ones")
    func unknownFactor() {
        var values = Self.example
        values["dpc"] = .list([.map(["category": .string("financial"), "score": .integer(4), "factors": .list([.string("size")])])])
        #expect(rawProblems(values) == [
            "dpc[0].factors: unknown factor \"size\"; expected volume, controller_characteristics, individual_characteristics, invalidity, public_availability or nature_of_data",
        ])
    }

    @Test("unknown keys, unknown words, wrong types and missing parts are named by key")
    func rawProblemsByKey() {
        var values = Self.example
        values["encryption"] = .bool(true)
        values["ease_of_identification"] = .string("easy")
        values["circumstances"] = .map(["confidentiality": .string("leaked"), "integrity": .string("none"), "availability": .string("none")])
        values["encrypted"] = .string("maybe")
        values["unreachable_subjects"] = .number(12.5)
        values["dpc"] = .list([.map(["score": .integer(2)]), .string("simple")])
        #expect(rawProblems(values) == [
            "encryption: unknown question; expected one of dpc, ease_of_identification, circumstances, encrypted, key_compromised, exfiltration, no_basic_protection, data_scope_unknown, identity_theft_or_fraud, special_categories_limited, data_combination, backup_restored_quickly, trusted_recipient_deleted, measures_remove_high_risk, measures_description, disproportionate_effort, unreachable_subjects",
            "dpc[0].category: missing; expected simple, behavioural, financial or sensitive",
            "dpc[1]: \"simple\" is not an answer; expected a map with category, score and factors",
            "ease_of_identification: \"easy\" is not an answer; expected negligible, limited, significant or maximum",
            "circumstances.confidentiality: \"leaked\" is not an answer; expected none, exposed, known_recipients or unknown_recipients",
            "circumstances.malicious: missing; expected true or false",
            "encrypted: \"maybe\" is not an answer; expected true or false",
            "unreachable_subjects: 12.5 is not an answer; expected a whole number",
        ])
    }

    @Test("YAML 1.1 yes/no, exfiltration as a boolean, and null as not answered")
    func lenientScalars() throws {
        var values = Self.example
        values["encrypted"] = .string("yes")
        values["exfiltration"] = .bool(false)
        values["measures_description"] = .null
        let answers = try AssessmentAnswers.fromRaw(values).get()
        #expect(answers.encrypted == true)
        #expect(answers.exfiltration == .ruledOut)
        #expect(answers.measuresDescription == nil)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
