extension AssessmentAnswers {
    /// Checks the answers against each other and against the incident, and resolves the
    /// answers left out to their documented defaults.
    ///
    /// Refused: missing answers the score or the decision needs, DPC scores outside 1...4 or
    /// moved without a factor in that direction, a category scored twice, and contradictions
    /// (e.g. `encrypted` without `key_compromised`, availability `none` while the incident's
    /// nature includes availability, a trusted recipient while recipients are unknown).
    ///
    /// - Returns: the answers ready for ``Assessment/init(_:)``, or every problem found, each
    ///   naming its question.
    public func validated(against facts: IncidentFacts) -> Result<ValidatedAnswers, AssessmentProblems> {
        var problems: [AssessmentProblem] = []
        func missing(_ key: String, _ expected: String, while condition: String? = nil, related: [String] = []) {
            let when = condition.map { " while \($0)" } ?? ""
            problems.append(AssessmentProblem(key: key, relatedKeys: related, message: "missing\(when); expected \(expected)"))
        }

        // dpc
        if dataProcessingContext.isEmpty {
            missing("dpc", "at least one category among \(DPCCategory.allCases.map(\.rawValue).orList())")
        }
        var seen: Set<DPCCategory> = []
        for (index, entry) in dataProcessingContext.enumerated() {
            let key = "dpc[\(index)]"
            if !seen.insert(entry.category).inserted {
                problems.append(AssessmentProblem(
                    key: "\(key).category",
                    message: "\(entry.category.rawValue) is scored twice; expected each category once, with its highest score"))
            }
            guard DPCCategory.scoreRange.contains(entry.score) else {
                problems.append(AssessmentProblem(key: "\(key).score", message: "\(entry.score) is out of range; expected 1 to 4"))
                continue
            }
            let base = entry.category.baseScore
            guard entry.score != base else { continue }
            let direction: ContextFactor.Direction = entry.score > base ? .increase : .decrease
            if !entry.factors.contains(where: { $0.direction == direction }) {
                let verb = direction == .increase ? "raised" : "lowered"
                let verbNow = direction == .increase ? "raises" : "lowers"
                let allowed = ContextFactor.allCases.filter { $0.direction == direction }.map(\.rawValue)
                problems.append(AssessmentProblem(
                    key: "\(key).factors", relatedKeys: ["\(key).score"],
                    message: "\(entry.category.rawValue) \(verb) from \(base) to \(entry.score) without a factor that \(verbNow) it; expected \(allowed.orList())"))
            }
        }

        // ease_of_identification
        if easeOfIdentification == nil {
            missing("ease_of_identification", EaseOfIdentification.allCases.map(\.rawValue).orList())
        }

        // circumstances
        if let circumstances {
            checkNature(circumstances.confidentiality.rawValue, lost: circumstances.confidentiality != .none,
                        property: .confidentiality, lossValues: ConfidentialityLoss.allCases.dropFirst().map(\.rawValue), facts: facts, into: &problems)
            checkNature(circumstances.integrity.rawValue, lost: circumstances.integrity != .none,
                        property: .integrity, lossValues: IntegrityLoss.allCases.dropFirst().map(\.rawValue), facts: facts, into: &problems)
            checkNature(circumstances.availability.rawValue, lost: circumstances.availability != .none,
                        property: .availability, lossValues: AvailabilityLoss.allCases.dropFirst().map(\.rawValue), facts: facts, into: &problems)
            if facts.cause.isMalicious, !circumstances.malicious {
                problems.append(AssessmentProblem(
                    key: "circumstances.malicious", relatedKeys: ["incident.cause"],
                    message: "false contradicts the incident's cause \(facts.cause.rawValue); expected true"))
            } else if !facts.cause.isMalicious, facts.cause != .unknown, circumstances.malicious {
                problems.append(AssessmentProblem(
                    key: "circumstances.malicious", relatedKeys: ["incident.cause"],
                    message: "true contradicts the incident's cause \(facts.cause.rawValue); expected false, or correct the incident's cause"))
            }
        } else {
            missing("circumstances", "confidentiality, integrity, availability and malicious")
        }

        // encrypted, key_compromised
        switch encrypted {
        case nil: missing("encrypted", "true or false")
        case true? where keyCompromised == nil:
            missing("key_compromised", "true or false", while: "encrypted is true", related: ["encrypted"])
        default: break
        }

        // exfiltration
        let confidentiality = circumstances?.confidentiality
        if let exfiltration {
            if confidentiality == ConfidentialityLoss.none, exfiltration != .ruledOut {
                problems.append(AssessmentProblem(
                    key: "exfiltration", relatedKeys: ["circumstances.confidentiality"],
                    message: "\(exfiltration.rawValue) contradicts circumstances.confidentiality none; expected ruled_out, or a loss of confidentiality"))
            } else if confidentiality == .exposed, exfiltration == .confirmed {
                problems.append(AssessmentProblem(
                    key: "exfiltration", relatedKeys: ["circumstances.confidentiality"],
                    message: "confirmed contradicts circumstances.confidentiality exposed (no evidence of access); expected known_recipients or unknown_recipients for the confidentiality, or unknown here"))
            }
        } else if let confidentiality, confidentiality != .none {
            missing("exfiltration", Exfiltration.allCases.map(\.rawValue).orList(), while: "confidentiality was lost",
                    related: ["circumstances.confidentiality"])
        }

        // no_basic_protection, data_scope_unknown: they weigh how likely it is that someone reads
        // the data, which only an unknown exfiltration leaves open.
        for (key, answer) in [("no_basic_protection", noBasicProtection), ("data_scope_unknown", dataScopeUnknown)] where answer == true {
            if let exfiltration, exfiltration != .unknown {
                problems.append(AssessmentProblem(
                    key: key, relatedKeys: ["exfiltration"],
                    message: "true contradicts exfiltration \(exfiltration.rawValue), which already settles whether the data were taken; expected false, or exfiltration unknown"))
            } else if exfiltration == nil, confidentiality == ConfidentialityLoss.none {
                problems.append(AssessmentProblem(
                    key: key, relatedKeys: ["circumstances.confidentiality"],
                    message: "true contradicts circumstances.confidentiality none; expected false, or a loss of confidentiality with exfiltration unknown"))
            }
        }
        if noBasicProtection == true, encrypted == true {
            problems.append(AssessmentProblem(
                key: "no_basic_protection", relatedKeys: ["encrypted"],
                message: "true contradicts encrypted true; expected false, or encrypted false"))
        }

        // identity_theft_or_fraud
        switch identityTheftOrFraud {
        case nil: missing("identity_theft_or_fraud", "true or false")
        case false?:
            let foreseen = facts.potentialHarms.intersection([.identityTheft, .fraud]).sorted().map(\.rawValue)
            if !foreseen.isEmpty {
                problems.append(AssessmentProblem(
                    key: "identity_theft_or_fraud", relatedKeys: ["incident.potential_harms"],
                    message: "false contradicts the incident's potential harms (\(foreseen.joined(separator: ", "))); expected true"))
            }
        default: break
        }

        // special_categories_limited: ENISA's special-category severity, read from the sensitive score.
        if specialCategoriesLimited == true {
            if facts.specialCategories.isEmpty {
                problems.append(AssessmentProblem(
                    key: "special_categories_limited", relatedKeys: ["incident.special_categories"],
                    message: "true contradicts the incident, which records no special categories; expected false, or add them to the incident's special_categories"))
            } else if !dataProcessingContext.contains(where: { $0.category == .sensitive && $0.score < DPCCategory.sensitive.baseScore && $0.factors.contains(.natureOfData) }) {
                problems.append(AssessmentProblem(
                    key: "special_categories_limited", relatedKeys: ["dpc"],
                    message: "true needs the sensitive category scored below 4 for nature_of_data (ENISA: the mere fact of a routine blood test scores 1); expected false, or dpc sensitive with a score of 1 to 3 and factors [nature_of_data]"))
            }
        }

        // data_combination: about what was disclosed.
        if dataCombination == true, confidentiality == ConfidentialityLoss.none {
            problems.append(AssessmentProblem(
                key: "data_combination", relatedKeys: ["circumstances.confidentiality"],
                message: "true contradicts circumstances.confidentiality none, since nothing was disclosed; expected false, or a loss of confidentiality"))
        }

        // backup_restored_quickly
        if backupRestoredQuickly == true, let availability = circumstances?.availability, availability == .none || availability == .permanent {
            problems.append(AssessmentProblem(
                key: "backup_restored_quickly", relatedKeys: ["circumstances.availability"],
                message: "true contradicts circumstances.availability \(availability.rawValue); expected false, or availability recoverable or temporary"))
        }

        // trusted_recipient_deleted
        if trustedRecipientDeleted == true, let confidentiality, confidentiality != .knownRecipients {
            problems.append(AssessmentProblem(
                key: "trusted_recipient_deleted", relatedKeys: ["circumstances.confidentiality"],
                message: "true contradicts circumstances.confidentiality \(confidentiality.rawValue), since a trusted recipient is a known one; expected false, or known_recipients"))
        }

        // measures
        if measuresRemoveHighRisk == true, (measuresDescription ?? "").allSatisfy(\.isWhitespace) {
            missing("measures_description", "the measures that make the high risk no longer likely",
                    while: "measures_remove_high_risk is true", related: ["measures_remove_high_risk"])
        }

        // disproportionate effort
        if disproportionateEffort == true {
            if let unreachable = unreachableSubjects {
                if !(1...max(1, facts.approximateSubjects)).contains(unreachable) {
                    problems.append(AssessmentProblem(
                        key: "unreachable_subjects", relatedKeys: ["incident.approximate_subjects"],
                        message: "\(unreachable) is out of range; expected 1 to \(facts.approximateSubjects), the incident's approximate number of people"))
                }
            } else {
                missing("unreachable_subjects", "the number of people who cannot be reached individually",
                        while: "disproportionate_effort is true", related: ["disproportionate_effort"])
            }
        }

        guard problems.isEmpty, let easeOfIdentification, let circumstances, let encrypted, let identityTheftOrFraud else {
            return .failure(AssessmentProblems(problems))
        }
        return .success(ValidatedAnswers(
            answers: self, facts: facts,
            severity: Severity(contexts: dataProcessingContext, easeOfIdentification: easeOfIdentification, circumstances: circumstances),
            dataUnintelligible: encrypted && keyCompromised == false,
            keyCompromised: encrypted && keyCompromised == true,
            exfiltration: exfiltration ?? .ruledOut,
            identityTheftOrFraud: identityTheftOrFraud,
            backupRestoredQuickly: backupRestoredQuickly ?? false,
            trustedRecipientDeleted: trustedRecipientDeleted ?? false,
            measuresRemovingHighRisk: measuresRemoveHighRisk == true ? measuresDescription : nil,
            unreachableSubjects: disproportionateEffort == true ? unreachableSubjects : nil,
            noBasicProtection: noBasicProtection ?? false,
            dataScopeUnknown: dataScopeUnknown ?? false,
            dataCombination: dataCombination ?? false,
            specialCategoriesLimited: specialCategoriesLimited ?? false
        ))
    }

    private func checkNature(
        _ answer: String, lost: Bool, property: BreachNature, lossValues: [String], facts: IncidentFacts,
        into problems: inout [AssessmentProblem]
    ) {
        let key = "circumstances.\(property.rawValue)"
        if facts.nature.contains(property), !lost {
            problems.append(AssessmentProblem(
                key: key, relatedKeys: ["incident.nature"],
                message: "none contradicts the incident, whose nature includes \(property.rawValue); expected \(lossValues.orList())"))
        } else if !facts.nature.contains(property), lost {
            problems.append(AssessmentProblem(
                key: key, relatedKeys: ["incident.nature"],
                message: "\(answer) contradicts the incident, whose nature does not include \(property.rawValue); expected none, or add \(property.rawValue) to the incident's nature"))
        }
    }
}

/// Answers that passed ``AssessmentAnswers/validated(against:)``, with the defaults resolved
/// and the ENISA severity computed; the only input of ``Assessment/init(_:)``.
public struct ValidatedAnswers: Sendable, Equatable {
    /// The answers as given.
    public let answers: AssessmentAnswers
    /// The incident facts they were checked against.
    public let facts: IncidentFacts
    /// `DPC × EI + CB`.
    public let severity: Severity
    /// Encrypted or strongly hashed, with a key that is safe (Art. 34(3)(a)).
    public let dataUnintelligible: Bool
    /// Encrypted, but the key is compromised.
    public let keyCompromised: Bool
    public let exfiltration: Exfiltration
    public let identityTheftOrFraud: Bool
    public let backupRestoredQuickly: Bool
    public let trustedRecipientDeleted: Bool
    /// The description of the measures that remove the high risk (Art. 34(3)(b)), when claimed.
    public let measuresRemovingHighRisk: String?
    /// How many people cannot be reached individually (Art. 34(3)(c)), when claimed.
    public let unreachableSubjects: Int?
    /// Neither encryption nor a password protected the data (EDPB 01/2021 case 11).
    public let noBasicProtection: Bool
    /// Which data were taken cannot be established.
    public let dataScopeUnknown: Bool
    /// Several kinds of data on one person together, or a large volume (ENISA's volume modifier).
    public let dataCombination: Bool
    /// The special-category data reveal little (ENISA sensitive scored 1 to 3 for nature_of_data).
    public let specialCategoriesLimited: Bool
}
