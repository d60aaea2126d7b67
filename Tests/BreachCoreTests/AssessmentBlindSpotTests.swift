import BreachCore
import Foundation
import Testing

/// The risk model's blind spots (issue 12, point 7), each closed by a factor of the ENISA method
/// (*Recommendations for a methodology of the assessment of severity of personal data
/// breaches*, 2013) with its question, and written from EDPB Guidelines 01/2021 (v2.0):
///
/// - no basic protection on a large population whose stolen content is unknown (case 11): high;
/// - special-category data that reveal little (ENISA scores the sensitive category 1 to 3 for
///   the nature of the data, e.g. the mere fact of a routine blood test; case 15): a risk, not high;
/// - several kinds of data on one person in one letter (ENISA's volume modifier, which the
///   highest category alone misses; case 16): a risk, not "unlikely".
///
/// Each scenario next to its contrast: without the new answer, the same facts give today's result.
@Suite("Assessment blind spots: basic protection, special-category severity, data combination")
struct AssessmentBlindSpotTests {
    typealias Scenario = AssessmentScenarioTests.Scenario

    static func with(_ answers: AssessmentAnswers, _ change: (inout AssessmentAnswers) -> Void) -> AssessmentAnswers {
        var answers = answers
        change(&answers)
        return answers
    }

    // Case 11: an employee's notebook stolen; names, sex, addresses and dates of birth of more
    // than 100,000 customers; no password, no encryption; which other data it held cannot be
    // established; daily backups restore the data. The EDPB holds it a high risk.
    static let stolenNotebookFacts = AssessmentScenarioTests.facts([.confidentiality, .availability], .externalMalicious, subjects: 100_001)
    static let stolenNotebook = AssessmentScenarioTests.answers(
        AssessmentScenarioTests.simple, c: .exposed, a: .recoverable, malicious: true, exfiltration: .unknown, backup: true)

    // Case 15: a course's participant list (names, e-mail addresses, food preferences) e-mailed
    // by mistake to 15 former participants, who were asked to delete it; two participants are
    // lactose intolerant: health data that reveal little (ENISA's table scores the mere fact of
    // a general blood test 1 in the sensitive category).
    static let participantListFacts = AssessmentScenarioTests.facts([.confidentiality], .internalAccidental, subjects: 15, special: [.health])
    static let participantList = AssessmentScenarioTests.answers(
        [DPCAnswer(category: .simple), DPCAnswer(category: .sensitive, score: 1, factors: [.natureOfData])],
        c: .knownRecipients, malicious: false, exfiltration: .ruledOut)

    // Case 16: a motor-insurance policy sent by post to the wrong policyholder: name, address,
    // date of birth, unmasked vehicle registration number, this year's and next year's premium
    // and the annual mileage in one letter. The EDPB expects the authority to be notified; no
    // communication to the person when no special category is in it.
    static let insuranceLetterFacts = AssessmentScenarioTests.facts([.confidentiality], .internalAccidental, subjects: 1)
    static let insuranceLetter = AssessmentScenarioTests.answers(
        [DPCAnswer(category: .simple), DPCAnswer(category: .financial, score: 1, factors: [.natureOfData])],
        c: .knownRecipients, malicious: false, exfiltration: .ruledOut)

    static let scenarios: [Scenario] = [
        Scenario(
            name: "EDPB case 11: stolen notebook, no password, no encryption, 100,000 customers, content unknown: high",
            facts: stolenNotebookFacts,
            answers: with(stolenNotebook) { $0.noBasicProtection = true; $0.dataScopeUnknown = true },
            authority: (true, "unprotected_at_scale"), subjects: (true, "unprotected_at_scale")),
        Scenario(
            name: "case 11 contrast: the same notebook password-protected: a risk (exfiltration not ruled out), not high",
            facts: stolenNotebookFacts, answers: with(stolenNotebook) { $0.dataScopeUnknown = true },
            authority: (true, "exfiltration_not_ruled_out"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "case 11 contrast: unprotected, content unknown, but 40 people: a risk, not high",
            facts: AssessmentScenarioTests.facts([.confidentiality, .availability], .externalMalicious, subjects: 40),
            answers: with(stolenNotebook) { $0.noBasicProtection = true; $0.dataScopeUnknown = true },
            authority: (true, "exfiltration_not_ruled_out"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "EDPB case 15: two food intolerances in a participant list e-mailed to 15 people: notify, not high",
            facts: participantListFacts, answers: with(participantList) { $0.specialCategoriesLimited = true },
            authority: (true, "special_categories"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "case 15 contrast: one person's actual test results sent by mistake stay high, whatever the scale",
            facts: AssessmentScenarioTests.facts([.confidentiality], .internalAccidental, subjects: 1, special: [.health]),
            answers: AssessmentScenarioTests.answers([DPCAnswer(category: .sensitive)], c: .knownRecipients, malicious: false, exfiltration: .ruledOut),
            authority: (true, "special_categories"), subjects: (true, "special_categories")),
        Scenario(
            name: "EDPB case 16: motor-insurance letter (date of birth, registration number, premiums) to the wrong person: notify",
            facts: insuranceLetterFacts, answers: with(insuranceLetter) { $0.dataCombination = true },
            authority: (true, "data_combination"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "case 16 contrast: a packing bill (name, address, shoes ordered) to the wrong customer: unlikely (EDPB case 13)",
            facts: insuranceLetterFacts,
            answers: AssessmentScenarioTests.answers(AssessmentScenarioTests.simple, c: .knownRecipients, malicious: false, exfiltration: .ruledOut),
            authority: (false, "risk_unlikely"), subjects: (false, "risk_unlikely")),
    ]

    @Test("three decisions and the decisive reasons", arguments: scenarios)
    func decisions(_ scenario: Scenario) throws {
        let assessment = try scenario.answers.assess(against: scenario.facts).get()
        #expect(assessment.authority.recommended == scenario.authority.0)
        #expect(assessment.authority.decisive.code == scenario.authority.1)
        #expect(assessment.subjects.recommended == scenario.subjects.0)
        #expect(assessment.subjects.decisive.code == scenario.subjects.1)
        for decision in assessment.decisions {
            #expect(decision.reasons.contains { $0.code == "severity" })
            // "Unlikely" is the absence of a floor: the decisive text, not one of the factors weighed.
            if decision.decisive != .riskUnlikely { #expect(decision.reasons.contains(decision.decisive)) }
        }
    }

    @Test("each factor is among the reasons the DPO reads, with the ENISA score that missed it")
    func factorsAreExplained() throws {
        let notebook = try Self.with(Self.stolenNotebook) { $0.noBasicProtection = true; $0.dataScopeUnknown = true }
            .assess(against: Self.stolenNotebookFacts).get()
        #expect(notebook.severity.band == .low)
        #expect(notebook.risk == .high)
        #expect(notebook.subjects.reasons.contains(.unprotectedAtScale(100_001)))
        #expect(notebook.subjects.reasons.contains(.dataScopeUnknown))

        let list = try Self.with(Self.participantList) { $0.specialCategoriesLimited = true }.assess(against: Self.participantListFacts).get()
        #expect(list.subjects.reasons.contains(.specialCategoriesLimited))
        #expect(list.subjects.reasons.contains(.specialCategories([.health])))

        let letter = try Self.with(Self.insuranceLetter) { $0.dataCombination = true }.assess(against: Self.insuranceLetterFacts).get()
        #expect(letter.severity.band == .low)
        #expect(letter.authority.text(language: .en) == "Notify the supervisory authority (Art. 33(1)): yes. " + AssessmentReason.dataCombination.text(language: .en))
    }

    @Test("an unprotected notebook of 40 people, content known: no basic protection alone makes a risk, and says so")
    func noBasicProtectionAlone() throws {
        let assessment = try Self.with(Self.stolenNotebook) { $0.noBasicProtection = true }
            .assess(against: AssessmentScenarioTests.facts([.confidentiality, .availability], .externalMalicious, subjects: 40)).get()
        #expect(assessment.risk == .risk)
        #expect(assessment.authority.reasons.contains(.noBasicProtection))
        #expect(!assessment.authority.reasons.contains { $0.code == "unprotected_at_scale" })
    }

    @Test("limited special categories do not lower a breach that other factors make high")
    func limitedSpecialCategoriesKeepOtherFactors() throws {
        // The same list, but exfiltrated from a children's club by an attacker: vulnerable people in hostile hands.
        let answers = Self.with(AssessmentScenarioTests.answers(
            [DPCAnswer(category: .simple), DPCAnswer(category: .sensitive, score: 1, factors: [.natureOfData])],
            c: .unknownRecipients, malicious: true, exfiltration: .confirmed)) { $0.specialCategoriesLimited = true }
        let facts = AssessmentScenarioTests.facts([.confidentiality], .externalMalicious, subjects: 15, special: [.health], vulnerable: true)
        let assessment = try answers.assess(against: facts).get()
        #expect(assessment.subjects.recommended)
        #expect(assessment.subjects.decisive.code == "vulnerable_subjects")
    }

    // MARK: Answers files written before these questions

    static let olderFile: [String: RawAnswer] = [
        "dpc": .list([.map(["category": .string("simple")])]),
        "ease_of_identification": .string("maximum"),
        "circumstances": .map(["confidentiality": .string("exposed"), "integrity": .string("none"),
                               "availability": .string("recoverable"), "malicious": .bool(true)]),
        "encrypted": .bool(false), "exfiltration": .string("unknown"), "identity_theft_or_fraud": .bool(false),
        "backup_restored_quickly": .bool(true),
    ]

    @Test("an answers file without the new questions still loads, and each new answer means no")
    func olderFilesLoad() throws {
        let answers = try AssessmentAnswers.fromRaw(Self.olderFile).get()
        #expect(answers.noBasicProtection == nil && answers.dataScopeUnknown == nil)
        #expect(answers.dataCombination == nil && answers.specialCategoriesLimited == nil)
        let validated = try answers.validated(against: Self.stolenNotebookFacts).get()
        #expect(!validated.noBasicProtection && !validated.dataScopeUnknown && !validated.dataCombination && !validated.specialCategoriesLimited)
        #expect(Assessment(validated).risk == .risk)
    }

    @Test("the new answers are read from a file, yes and no included")
    func newAnswersAreRead() throws {
        var values = Self.olderFile
        values["no_basic_protection"] = .string("yes")
        values["data_scope_unknown"] = .bool(true)
        values["data_combination"] = .string("no")
        values["special_categories_limited"] = .bool(false)
        let answers = try AssessmentAnswers.fromRaw(values).get()
        #expect(answers.noBasicProtection == true && answers.dataScopeUnknown == true)
        #expect(answers.dataCombination == false && answers.specialCategoriesLimited == false)
        #expect(try answers.assess(against: Self.stolenNotebookFacts).get().risk == .high)

        values["no_basic_protection"] = .string("perhaps")
        #expect(throws: AssessmentProblems([AssessmentProblem(key: "no_basic_protection", message: "\"perhaps\" is not an answer; expected true or false")])) {
            try AssessmentAnswers.fromRaw(values).get()
        }
    }

    // MARK: Contradictions

    func problems(_ answers: AssessmentAnswers, _ facts: IncidentFacts) -> [String] {
        switch answers.validated(against: facts) {
        case .success: []
        case .failure(let problems): problems.problems.map(\.description)
        }
    }

    @Test("no basic protection and an unknown scope only with an unknown exfiltration, and not with encryption")
    func protectionContradictions() {
        let confirmed = Self.with(Self.stolenNotebook) {
            $0.circumstances?.confidentiality = .unknownRecipients
            $0.exfiltration = .confirmed
            $0.noBasicProtection = true
            $0.dataScopeUnknown = true
        }
        let facts = AssessmentScenarioTests.facts([.confidentiality, .availability], .externalMalicious, subjects: 100_001)
        #expect(problems(confirmed, facts) == [
            "no_basic_protection: true contradicts exfiltration confirmed, which already settles whether the data were taken; expected false, or exfiltration unknown",
            "data_scope_unknown: true contradicts exfiltration confirmed, which already settles whether the data were taken; expected false, or exfiltration unknown",
        ])
        let encrypted = Self.with(Self.stolenNotebook) {
            $0.encrypted = true
            $0.keyCompromised = true
            $0.noBasicProtection = true
        }
        #expect(problems(encrypted, facts) == ["no_basic_protection: true contradicts encrypted true; expected false, or encrypted false"])
    }

    @Test("limited special categories need special categories in the incident and ENISA's lowered sensitive score")
    func specialCategoriesContradictions() {
        let noSpecial = Self.with(Self.participantList) { $0.specialCategoriesLimited = true }
        #expect(problems(noSpecial, AssessmentScenarioTests.facts([.confidentiality], .internalAccidental, subjects: 15)) == [
            "special_categories_limited: true contradicts the incident, which records no special categories; expected false, or add them to the incident's special_categories",
        ])
        let fullScore = Self.with(Self.participantList) {
            $0.dataProcessingContext = [DPCAnswer(category: .simple), DPCAnswer(category: .sensitive)]
            $0.specialCategoriesLimited = true
        }
        #expect(problems(fullScore, Self.participantListFacts) == [
            "special_categories_limited: true needs the sensitive category scored below 4 for nature_of_data (ENISA: the mere fact of a routine blood test scores 1); expected false, or dpc sensitive with a score of 1 to 3 and factors [nature_of_data]",
        ])
    }

    @Test("data combined only when something was disclosed")
    func combinationContradiction() {
        let answers = AssessmentAnswers(
            dataProcessingContext: [DPCAnswer(category: .simple)], easeOfIdentification: .maximum,
            circumstances: BreachCircumstances(confidentiality: .none, integrity: .none, availability: .temporary, malicious: false),
            encrypted: false, identityTheftOrFraud: false, dataCombination: true)
        #expect(problems(answers, AssessmentScenarioTests.facts([.availability], .internalAccidental, subjects: 5)) == [
            "data_combination: true contradicts circumstances.confidentiality none, since nothing was disclosed; expected false, or a loss of confidentiality",
        ])
    }

    // MARK: Texts and questions

    static let newReasons: [AssessmentReason] = [
        .noBasicProtection, .unprotectedAtScale(100_001), .dataScopeUnknown, .dataCombination, .specialCategoriesLimited,
    ]

    @Test("each new reason cites its factor and source in English and French, and survives JSON", arguments: newReasons)
    func newReasonTexts(_ reason: AssessmentReason) throws {
        let en = reason.text(language: .en), fr = reason.text(language: .fr)
        #expect(!en.isEmpty && !fr.isEmpty && en != fr)
        #expect(en.contains("EDPB Guidelines 01/2021") || en.contains("EDPB holds"))
        #expect(fr.contains("lignes directrices 01/2021"))
        let data = try JSONEncoder().encode(reason)
        #expect(try JSONDecoder().decode(AssessmentReason.self, from: data) == reason)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["code"] as? String == reason.code)
        #expect(object["fr"] as? String == fr)
    }

    @Test("the high-risk reason gives the number of people in both languages")
    func unprotectedAtScaleText() {
        #expect(AssessmentReason.unprotectedAtScale(100_001).text(language: .en).hasPrefix("The data of about 100001 people had no basic protection"))
        #expect(AssessmentReason.unprotectedAtScale(100_001).text(language: .fr).hasPrefix("Les données d'environ 100001 personnes n'avaient aucune protection de base"))
    }

    @Test("each new question is asked only where it can change the outcome")
    func newQuestionConditions() throws {
        let protection = try #require(AssessmentQuestion.named("no_basic_protection"))
        #expect(protection.askedWhen?.key == "exfiltration" && protection.askedWhen?.values == ["unknown"])
        #expect(!protection.required)
        let scope = try #require(AssessmentQuestion.named("data_scope_unknown"))
        #expect(scope.askedWhen?.key == "exfiltration" && scope.askedWhen?.values == ["unknown"])
        let combination = try #require(AssessmentQuestion.named("data_combination"))
        #expect(combination.askedWhen?.key == "circumstances.confidentiality" && combination.askedWhen?.values == ["known_recipients"])
        let limited = try #require(AssessmentQuestion.named("special_categories_limited"))
        #expect(limited.askedWhen == nil)
        #expect(limited.askedForIncident == .specialCategories)
        #expect(limited.askedForIncident?.holds(for: Self.participantListFacts) == true)
        #expect(limited.askedForIncident?.holds(for: Self.insuranceLetterFacts) == false)
        for question in [protection, scope, combination, limited] {
            #expect(AssessmentAnswers.keys.contains(question.key))
            #expect(question.kind == .boolean)
        }
    }
}
