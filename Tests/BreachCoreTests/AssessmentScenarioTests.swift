import BreachCore
import Testing

/// Scenarios written from EDPB Guidelines 01/2021 (v2.0) on examples regarding personal data
/// breach notification, plus the national practice of reference/regulatory.md (c)5. Each one
/// asserts the three decisions and the decisive reason of each.
@Suite("Assessment scenarios (EDPB Guidelines 01/2021)")
struct AssessmentScenarioTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        let name: String
        let facts: IncidentFacts
        let answers: AssessmentAnswers
        /// Notify the authority, and the decisive reason's code.
        let authority: (Bool, String)
        /// Communicate to the people, and the decisive reason's code.
        let subjects: (Bool, String)
        var testDescription: String { name }
    }

    static func facts(
        _ nature: Set<BreachNature>, _ cause: BreachCause, subjects: Int,
        special: Set<SpecialCategory> = [], vulnerable: Bool = false, harms: Set<PotentialHarm> = []
    ) -> IncidentFacts {
        IncidentFacts(nature: nature, cause: cause, approximateSubjects: subjects, specialCategories: special,
                      vulnerableSubjects: vulnerable, potentialHarms: harms)
    }

    static func answers(
        _ dpc: [DPCAnswer], _ ei: EaseOfIdentification = .maximum,
        c: ConfidentialityLoss = .none, i: IntegrityLoss = .none, a: AvailabilityLoss = .none, malicious: Bool,
        encrypted: Bool = false, keyCompromised: Bool? = nil, exfiltration: Exfiltration? = nil,
        identity: Bool = false, backup: Bool? = nil, trusted: Bool? = nil,
        measures: String? = nil, unreachable: Int? = nil
    ) -> AssessmentAnswers {
        AssessmentAnswers(
            dataProcessingContext: dpc, easeOfIdentification: ei,
            circumstances: BreachCircumstances(confidentiality: c, integrity: i, availability: a, malicious: malicious),
            encrypted: encrypted, keyCompromised: keyCompromised, exfiltration: exfiltration,
            identityTheftOrFraud: identity, backupRestoredQuickly: backup, trustedRecipientDeleted: trusted,
            measuresRemoveHighRisk: measures.map { _ in true }, measuresDescription: measures,
            disproportionateEffort: unreachable.map { _ in true }, unreachableSubjects: unreachable)
    }

    static let simple = [DPCAnswer(category: .simple)]

    static let scenarios: [Scenario] = [
        Scenario(
            name: "01 ransomware, proper backup, no exfiltration",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 1_500),
            answers: answers(simple, c: .exposed, a: .temporary, malicious: true, exfiltration: .ruledOut, backup: true),
            authority: (false, "exfiltration_ruled_out"), subjects: (false, "exfiltration_ruled_out")),
        Scenario(
            name: "02 ransomware without backup",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 1_500),
            answers: answers(simple, c: .exposed, a: .permanent, malicious: true, exfiltration: .ruledOut),
            authority: (true, "availability_not_restored"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "03 ransomware in a hospital, backup restored only after days",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 40_000, special: [.health], vulnerable: true),
            answers: answers([DPCAnswer(category: .sensitive)], c: .exposed, a: .temporary, malicious: true, exfiltration: .ruledOut, backup: false),
            authority: (true, "special_categories"), subjects: (true, "special_categories")),
        Scenario(
            name: "04 ransomware without backup, with exfiltration of customer and payment data",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 20_000, harms: [.fraud]),
            answers: answers([DPCAnswer(category: .financial)], c: .unknownRecipients, a: .permanent, malicious: true,
                             exfiltration: .confirmed, identity: true),
            authority: (true, "identity_theft_or_fraud"), subjects: (true, "identity_theft_or_fraud")),
        Scenario(
            name: "05 exfiltration of job applications (CVs) from a website",
            facts: facts([.confidentiality], .externalMalicious, subjects: 213, harms: [.lossOfControl]),
            answers: answers([DPCAnswer(category: .simple, score: 2, factors: [.volume])], c: .unknownRecipients, malicious: true,
                             exfiltration: .confirmed),
            authority: (true, "severity"), subjects: (true, "severity")),
        Scenario(
            name: "06 exfiltration of strongly hashed, salted passwords",
            facts: facts([.confidentiality], .externalMalicious, subjects: 1_200),
            answers: answers(simple, c: .unknownRecipients, malicious: true, encrypted: true, keyCompromised: false, exfiltration: .confirmed),
            authority: (false, "data_unintelligible"), subjects: (false, "data_unintelligible")),
        Scenario(
            name: "07 credential stuffing on a banking website",
            facts: facts([.confidentiality], .externalMalicious, subjects: 2_000, harms: [.fraud, .financialLoss]),
            answers: answers([DPCAnswer(category: .financial)], c: .unknownRecipients, malicious: true, exfiltration: .confirmed, identity: true),
            authority: (true, "identity_theft_or_fraud"), subjects: (true, "identity_theft_or_fraud")),
        Scenario(
            name: "08 customer data taken by a leaving employee (ENISA low, still notified)",
            facts: facts([.confidentiality], .internalMalicious, subjects: 5_000),
            answers: answers(simple, c: .knownRecipients, malicious: true, exfiltration: .confirmed),
            authority: (true, "exfiltration"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "09 file sent by mistake to a trusted recipient who confirmed deletion",
            facts: facts([.confidentiality], .internalAccidental, subjects: 250),
            answers: answers(simple, c: .knownRecipients, malicious: false, exfiltration: .ruledOut, trusted: true),
            authority: (false, "trusted_recipient"), subjects: (false, "trusted_recipient")),
        Scenario(
            name: "10 stolen laptop, encrypted, key safe, backup available",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 800),
            answers: answers([DPCAnswer(category: .behavioural)], c: .exposed, a: .recoverable, malicious: true,
                             encrypted: true, keyCompromised: false, exfiltration: .unknown, backup: true),
            authority: (false, "data_unintelligible"), subjects: (false, "data_unintelligible")),
        Scenario(
            name: "11 stolen unencrypted laptop with customers' purchase history",
            facts: facts([.confidentiality], .externalMalicious, subjects: 100_000),
            answers: answers([DPCAnswer(category: .behavioural, score: 3, factors: [.volume])], c: .exposed, malicious: true, exfiltration: .unknown),
            authority: (true, "severity"), subjects: (true, "severity")),
        Scenario(
            name: "12 stolen paper logbook of a rehabilitation centre",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 200, special: [.health], vulnerable: true),
            answers: answers([DPCAnswer(category: .sensitive)], c: .exposed, a: .permanent, malicious: true, exfiltration: .unknown),
            authority: (true, "special_categories"), subjects: (true, "special_categories")),
        Scenario(
            name: "13 insurance letters posted to the wrong people",
            facts: facts([.confidentiality], .internalAccidental, subjects: 50),
            answers: answers([DPCAnswer(category: .simple, score: 2, factors: [.controllerCharacteristics])], c: .knownRecipients,
                             malicious: false, exfiltration: .ruledOut),
            authority: (true, "severity"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "14 highly confidential (health) data e-mailed to the wrong list",
            facts: facts([.confidentiality], .internalAccidental, subjects: 1_600, special: [.health]),
            answers: answers([DPCAnswer(category: .sensitive)], c: .knownRecipients, malicious: false, exfiltration: .ruledOut),
            authority: (true, "special_categories"), subjects: (true, "special_categories")),
        Scenario(
            name: "17 identity theft by social engineering at a telecom operator",
            facts: facts([.confidentiality], .externalMalicious, subjects: 1, harms: [.identityTheft]),
            answers: answers([DPCAnswer(category: .behavioural, score: 3, factors: [.volume])], c: .knownRecipients, malicious: true,
                             exfiltration: .confirmed, identity: true),
            authority: (true, "identity_theft_or_fraud"), subjects: (true, "identity_theft_or_fraud")),
        Scenario(
            name: "18 e-mail exfiltration: invoices with bank details forwarded to an attacker",
            facts: facts([.confidentiality], .externalMalicious, subjects: 600, harms: [.fraud]),
            answers: answers([DPCAnswer(category: .financial)], .significant, c: .unknownRecipients, malicious: true,
                             exfiltration: .confirmed, identity: true),
            authority: (true, "identity_theft_or_fraud"), subjects: (true, "identity_theft_or_fraud")),
        Scenario(
            name: "database deleted by mistake, restored from backup within the hour",
            facts: facts([.availability], .internalAccidental, subjects: 20_000),
            answers: answers(simple, a: .temporary, malicious: false, backup: true),
            authority: (false, "backup_restored"), subjects: (false, "backup_restored")),
        Scenario(
            name: "one misdirected e-mail, 259 customers: ENISA low, not trusted (UODO, ENEA)",
            facts: facts([.confidentiality], .internalAccidental, subjects: 259),
            answers: answers(simple, c: .knownRecipients, malicious: false, exfiltration: .ruledOut),
            authority: (true, "many_subjects"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "stolen encrypted laptop, key on a note in the bag",
            facts: facts([.confidentiality, .availability], .externalMalicious, subjects: 800),
            answers: answers([DPCAnswer(category: .behavioural)], c: .exposed, a: .recoverable, malicious: true,
                             encrypted: true, keyCompromised: true, exfiltration: .unknown, backup: true),
            authority: (true, "exfiltration_not_ruled_out"), subjects: (false, "risk_not_high")),
        Scenario(
            name: "children's school records exfiltrated (ENISA medium, vulnerable people)",
            facts: facts([.confidentiality], .externalMalicious, subjects: 300, vulnerable: true),
            answers: answers(simple, c: .unknownRecipients, malicious: true, exfiltration: .confirmed),
            authority: (true, "vulnerable_subjects"), subjects: (true, "vulnerable_subjects")),
        Scenario(
            name: "card data exposed, all cards cancelled before any use (Art. 34(3)(b))",
            facts: facts([.confidentiality], .externalMalicious, subjects: 3_000, harms: [.fraud]),
            answers: answers([DPCAnswer(category: .financial, score: 4, factors: [.volume])], c: .unknownRecipients, malicious: true,
                             exfiltration: .confirmed, identity: true,
                             measures: "every exposed card was cancelled and reissued within two hours; the issuer saw no attempt to use them."),
            authority: (true, "identity_theft_or_fraud"), subjects: (false, "measures_remove_high_risk")),
    ]

    @Test("three decisions and the decisive reasons", arguments: scenarios)
    func decisions(_ scenario: Scenario) throws {
        let assessment = try scenario.answers.assess(against: scenario.facts).get()
        #expect(assessment.documentation.recommended)
        #expect(assessment.documentation.decisive == .documentation)
        #expect(assessment.authority.recommended == scenario.authority.0)
        #expect(assessment.authority.decisive.code == scenario.authority.1)
        #expect(assessment.subjects.recommended == scenario.subjects.0)
        #expect(assessment.subjects.decisive.code == scenario.subjects.1)
        // Every decision lists the ENISA score among its reasons, and its decisive reason.
        for decision in assessment.decisions {
            #expect(decision.reasons.contains { $0.code == "severity" })
            #expect(decision.reasons.contains(decision.decisive))
        }
    }

    @Test("people who cannot be reached get a public communication; the others are still told (Art. 34(3)(c))")
    func disproportionateEffort() throws {
        let assessment = try Self.answers(
            [DPCAnswer(category: .sensitive)], c: .exposed, a: .permanent, malicious: true, exfiltration: .unknown, unreachable: 80
        ).assess(against: Self.facts([.confidentiality, .availability], .externalMalicious, subjects: 200, special: [.health])).get()
        #expect(assessment.subjects.recommended)
        #expect(assessment.subjects.decisive.code == "special_categories")
        #expect(assessment.subjects.reasons.contains(.disproportionateEffort(unreachable: 80, total: 200)))
        #expect(assessment.publicCommunication == PublicCommunication(unreachableSubjects: 80, reachableSubjects: 120))
    }

    @Test("no public communication when the risk is not high, even with unreachable people")
    func noPublicCommunicationWithoutHighRisk() throws {
        let assessment = try Self.answers(Self.simple, c: .knownRecipients, malicious: false, exfiltration: .ruledOut, unreachable: 10)
            .assess(against: Self.facts([.confidentiality], .internalAccidental, subjects: 259)).get()
        #expect(!assessment.subjects.recommended)
        #expect(assessment.publicCommunication == nil)
    }

    @Test("a trusted recipient does not clear special categories: notify, but no high risk")
    func trustedRecipientWithHealthData() throws {
        let assessment = try Self.answers([DPCAnswer(category: .sensitive)], c: .knownRecipients, malicious: false,
                                          exfiltration: .ruledOut, trusted: true)
            .assess(against: Self.facts([.confidentiality], .internalAccidental, subjects: 1, special: [.health])).get()
        #expect(assessment.authority.recommended)
        #expect(assessment.authority.decisive.code == "special_categories")
        #expect(!assessment.subjects.recommended)
        #expect(assessment.subjects.decisive.code == "risk_not_high")
        #expect(assessment.authority.reasons.contains(.trustedRecipient))
    }

    @Test("an encrypted key that is compromised is said so in the reasons")
    func keyCompromisedIsExplained() throws {
        let scenario = try #require(Self.scenarios.first { $0.name.hasPrefix("stolen encrypted laptop, key on a note") })
        let assessment = try scenario.answers.assess(against: scenario.facts).get()
        #expect(assessment.authority.reasons.contains(.keyCompromised))
        #expect(!assessment.authority.reasons.contains(.dataUnintelligible))
    }
}
