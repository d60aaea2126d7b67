import BreachCore
import Foundation
import Testing

/// Explanations in French and English, the JSON kept in the register, and the questions list.
@Suite("Assessment explanations, JSON and questions")
struct AssessmentTextTests {
    /// One misdirected e-mail to 259 customers, ENISA low (UODO practice).
    static func misdirected() throws -> Assessment {
        try AssessmentAnswers(
            dataProcessingContext: [DPCAnswer(category: .simple)], easeOfIdentification: .maximum,
            circumstances: BreachCircumstances(confidentiality: .knownRecipients, integrity: .none, availability: .none, malicious: false),
            encrypted: false, exfiltration: .ruledOut, identityTheftOrFraud: false
        ).assess(against: IncidentFacts(nature: [.confidentiality], cause: .internalAccidental, approximateSubjects: 259)).get()
    }

    @Test("decision texts cite the article and the decisive factor, in English and French")
    func decisionTexts() throws {
        let assessment = try Self.misdirected()
        #expect(assessment.authority.text(language: .en)
            == "Notify the supervisory authority (Art. 33(1)): yes. About 259 people are concerned: the more people, the greater the impact.")
        #expect(assessment.authority.text(language: .fr)
            == "Notifier l'autorité de contrôle (art. 33(1)) : oui. Environ 259 personnes sont concernées : plus elles sont nombreuses, plus l'impact est grand.")
        #expect(assessment.subjects.text(language: .en)
            == "Communicate to the people concerned (Art. 34(1)): no. Art. 34(1): the risk is real but not high: the ENISA severity is low and no factor makes it high (special categories, vulnerable people, identity theft or fraud).")
        #expect(assessment.documentation.text(language: .fr)
            == "Documenter dans le registre (art. 33(5)) : oui. Art. 33(5) : toute violation de données personnelles est documentée dans le registre (faits, effets, mesures et cette décision), qu'elle soit notifiée ou non.")
    }

    @Test("the severity reason shows the computation, with a decimal comma in French")
    func severityText() {
        let severity = Severity(
            dpc: 3, category: .financial, easeOfIdentification: .significant,
            circumstances: BreachCircumstances(confidentiality: .unknownRecipients, integrity: .none, availability: .none, malicious: true))
        #expect(AssessmentReason.severity(severity).text(language: .en)
            == "ENISA severity: SE = DPC × EI + CB = 3 × 0.75 + 1.0 = 3.25, high (DPC from the financial data, ease of identification significant).")
        #expect(AssessmentReason.severity(severity).text(language: .fr)
            == "Gravité ENISA : SE = DPC × EI + CB = 3 × 0,75 + 1,0 = 3,25, élevée (DPC des données financières, facilité d'identification significative).")
    }

    static let everyReason: [AssessmentReason] = [
        .documentation,
        .severity(Severity(dpc: 1, category: .simple, easeOfIdentification: .negligible,
                           circumstances: BreachCircumstances(confidentiality: .none, integrity: .none, availability: .none, malicious: false))),
        .dataUnintelligible, .keyCompromised, .backupRestored, .exfiltrationRuledOut, .trustedRecipient,
        .specialCategories(SpecialCategory.allCases), .vulnerableSubjects, .identityTheftOrFraud, .exfiltration,
        .exfiltrationNotRuledOut, .unknownRecipients, .maliciousIntent, .manySubjects(100),
        .availabilityNotRestored(.temporary), .availabilityNotRestored(.permanent),
        .integrityLost(.recoverable), .integrityLost(.notRecoverable),
        .noLossAtStake, .riskUnlikely, .riskNotHigh(.medium), .measuresRemoveHighRisk("cards cancelled."),
        .disproportionateEffort(unreachable: 1, total: 2),
    ]

    @Test("every reason has its own French and English text; those that rest on an article open with it", arguments: everyReason)
    func everyReasonIsExplained(_ reason: AssessmentReason) {
        let en = reason.text(language: .en), fr = reason.text(language: .fr)
        #expect(!en.isEmpty && !fr.isEmpty && en != fr)
        let article: String? = switch reason {
        case .documentation: "Art. 33(5)"
        case .dataUnintelligible: "Art. 34(3)(a)"
        case .noLossAtStake, .riskUnlikely: "Art. 33(1)"
        case .riskNotHigh: "Art. 34(1)"
        case .measuresRemoveHighRisk: "Art. 34(3)(b)"
        case .disproportionateEffort: "Art. 34(3)(c)"
        default: nil
        }
        if let article {
            #expect(en.hasPrefix(article))
            #expect(fr.hasPrefix(article))
        }
    }

    @Test("every reason survives JSON, with its texts stored", arguments: everyReason)
    func reasonJSON(_ reason: AssessmentReason) throws {
        let data = try JSONEncoder().encode(reason)
        #expect(try JSONDecoder().decode(AssessmentReason.self, from: data) == reason)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["code"] as? String == reason.code)
        #expect(object["en"] as? String == reason.text(language: .en))
        #expect(object["fr"] as? String == reason.text(language: .fr))
    }

    @Test("an assessment round-trips through JSON with snake_case answers and a numeric score")
    func assessmentJSON() throws {
        let assessment = try Self.misdirected()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(assessment)
        #expect(try JSONDecoder().decode(Assessment.self, from: data) == assessment)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""score":1.25"#))
        #expect(json.contains(#""band":"low""#))
        #expect(json.contains(#""ease_of_identification":"maximum""#))
        #expect(json.contains(#""action":"notify_authority""#))
        #expect(json.contains(#""approximate_subjects":259"#))
        #expect(json.contains(#""dpc_category":"simple""#))
        #expect(!json.contains("approximateSubjects"))
    }

    @Test("question keys are unique and every answers-file key has its question")
    func questionKeys() {
        let keys = AssessmentQuestion.all.map(\.key)
        #expect(Set(keys).count == keys.count)
        for key in AssessmentAnswers.keys {
            #expect(keys.contains(key) || keys.contains { $0.hasPrefix("\(key).") }, "no question for \(key)")
        }
        for question in AssessmentQuestion.all {
            #expect(!question.english.isEmpty && !question.french.isEmpty && question.english != question.french)
        }
    }

    @Test("a conditional question follows the question it depends on, and names one of its answers")
    func questionConditions() throws {
        let all = AssessmentQuestion.all
        for (index, question) in all.enumerated() {
            guard let condition = question.askedWhen else { continue }
            let earlier = try #require(all[..<index].first { $0.key == condition.key }, "\(question.key) depends on \(condition.key)")
            let allowed = earlier.kind == .boolean ? ["true", "false"] : earlier.allowedValues
            #expect(condition.values.allSatisfy(allowed.contains), "\(question.key): \(condition.values)")
        }
    }

    @Test("the allowed answers are exactly the words the decoder accepts")
    func allowedAnswersMatchVocabulary() {
        func values(_ key: String) -> [String] { AssessmentQuestion.named(key)?.allowedValues ?? [] }
        #expect(values("dpc[].category") == DPCCategory.allCases.map(\.rawValue))
        #expect(values("dpc[].factors") == ContextFactor.allCases.map(\.rawValue))
        #expect(values("ease_of_identification") == EaseOfIdentification.allCases.map(\.rawValue))
        #expect(values("circumstances.confidentiality") == ConfidentialityLoss.allCases.map(\.rawValue))
        #expect(values("circumstances.integrity") == IntegrityLoss.allCases.map(\.rawValue))
        #expect(values("circumstances.availability") == AvailabilityLoss.allCases.map(\.rawValue))
        #expect(values("exfiltration") == Exfiltration.allCases.map(\.rawValue))
    }

    @Test("incident facts count minors and patients as vulnerable")
    func factsFromIncident() throws {
        let incident = Incident(
            title: "t", awareness: try #require(ZonedTime(rfc3339: "2026-03-02T09:00:00+01:00")), discovery: "d",
            nature: [.confidentiality], origin: .misdirectedMessage, cause: .internalAccidental, description: "d",
            dataCategories: [.contactDetails], approximateRecords: 1, approximateSubjects: 1,
            subjectCategories: [.patients], measuresBefore: "", likelyConsequences: "", measuresTaken: "")
        #expect(IncidentFacts(incident).vulnerableSubjects)
    }
}
