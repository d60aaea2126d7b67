/// The recommendation for a breach: the ENISA severity and a decision for each of the three
/// actions (document, notify the authority, communicate to the people), each with its reasons.
///
/// The decision is not the score alone: authorities fined controllers who relied on an ENISA
/// "low" (`regulatory.md` (c)5). It weighs what the formula leaves out, as EDPB Guidelines
/// 01/2021 do:
///
/// 1. What is still at stake after the facts that neutralise a loss: confidentiality is not at
///    stake when the data were unintelligible with a safe key (Art. 34(3)(a)), when exposure
///    without exfiltration is ruled out, or when a trusted recipient confirmed deletion;
///    availability is not at stake when a backup restored it quickly.
/// 2. When something is at stake, each factor sets a floor on the risk: special categories
///    (unless they reveal little: ENISA's sensitive category scored 1 to 3), vulnerable people in
///    hostile or unknown hands, identity theft or fraud, and data with no basic protection, of
///    many people, whose exact scope is unknown (EDPB case 11) make it high; exfiltration
///    (confirmed or not ruled out: in doubt, notify), unknown recipients, no basic protection, an
///    unknown scope, several kinds of data combined (ENISA's volume modifier), lost availability
///    or integrity, malicious intent and many people make it at least a risk;
///    the ENISA band gives its own floor (low: unlikely, medium: risk, high and above: high).
///    A trusted recipient who confirmed deletion caps the confidentiality factors (and the band,
///    when that disclosure is all that is at stake) at a risk.
/// 3. The authority is notified from a risk up (Art. 33(1)); the people are told when the
///    risk is high (Art. 34(1)) unless measures since removed it (Art. 34(3)(b)); people who
///    cannot be reached individually get a public communication (Art. 34(3)(c)).
///
/// The decisive reason of a decision is the first factor, in that order, that sets its outcome.
public struct Assessment: Sendable, Equatable, Codable {
    /// From this many people, their number alone makes a breach with something at stake at least a risk.
    public static let manySubjectsThreshold = 100

    /// The answers assessed, kept with the result for the register.
    public let answers: AssessmentAnswers
    /// The incident facts assessed.
    public let facts: IncidentFacts
    /// `SE = DPC × EI + CB`.
    public let severity: Severity
    /// The likely risk to people's rights and freedoms, all factors weighed.
    public let risk: RiskLevel
    /// Document in the register (Art. 33(5)): always.
    public let documentation: Decision
    /// Notify the supervisory authority (Art. 33(1)).
    public let authority: Decision
    /// Communicate to the people concerned (Art. 34(1)).
    public let subjects: Decision
    /// The public communication owed to the people who cannot be reached (Art. 34(3)(c)), when any.
    public let publicCommunication: PublicCommunication?

    enum CodingKeys: String, CodingKey {
        case answers, facts, severity, risk, documentation, authority, subjects
        case publicCommunication = "public_communication"
    }

    /// The three decisions in order.
    public var decisions: [Decision] { [documentation, authority, subjects] }

    /// Assesses validated answers. Pure: the same answers always give the same result.
    public init(_ input: ValidatedAnswers) {
        let facts = input.facts
        let severity = input.severity
        let circumstances = severity.circumstances
        self.answers = input.answers
        self.facts = facts
        self.severity = severity

        // 1. What neutralises a loss.
        var neutralising: [AssessmentReason] = []
        var notes: [AssessmentReason] = []
        if input.keyCompromised { notes.append(.keyCompromised) }
        var confidentialityAtStake = false
        if circumstances.confidentiality != .none {
            if input.dataUnintelligible {
                neutralising.append(.dataUnintelligible)
            } else if circumstances.confidentiality == .exposed, input.exfiltration == .ruledOut {
                neutralising.append(.exfiltrationRuledOut)
            } else if input.trustedRecipientDeleted, facts.specialCategories.isEmpty {
                neutralising.append(.trustedRecipient)
            } else {
                confidentialityAtStake = true
                if input.trustedRecipientDeleted { notes.append(.trustedRecipient) }
            }
        }
        var availabilityAtStake = false
        switch circumstances.availability {
        case .none: break
        case .recoverable, .temporary:
            if input.backupRestoredQuickly {
                neutralising.append(.backupRestored)
            } else if circumstances.availability == .temporary {
                availabilityAtStake = true
            }
        case .permanent: availabilityAtStake = true
        }
        let integrityAtStake = circumstances.integrity == .recoverable || circumstances.integrity == .notRecoverable
        let anythingAtStake = confidentialityAtStake || availabilityAtStake || integrityAtStake
        if anythingAtStake, input.specialCategoriesLimited, !facts.specialCategories.isEmpty { notes.append(.specialCategoriesLimited) }

        // 2. Floors set by each factor, in the order that picks the decisive one.
        var floors: [(reason: AssessmentReason, level: RiskLevel)] = []
        if anythingAtStake {
            // A trusted recipient who deleted the data keeps what reached them from being used.
            let contained = input.trustedRecipientDeleted
            let hostile = circumstances.malicious || circumstances.confidentiality == .unknownRecipients
            // Readable by whoever holds them, while nobody knows whether someone did (EDPB case 11).
            let unprotected = confidentialityAtStake && !contained && input.noBasicProtection && input.exfiltration == .unknown
            let scopeUnknown = confidentialityAtStake && input.dataScopeUnknown && input.exfiltration == .unknown
            let unprotectedAtScale = unprotected && scopeUnknown && facts.approximateSubjects >= Self.manySubjectsThreshold
            if !facts.specialCategories.isEmpty {
                // ENISA's special-category severity: details that reveal little make a risk, not a high one.
                let high = !input.specialCategoriesLimited && ((confidentialityAtStake && !contained) || availabilityAtStake)
                floors.append((.specialCategories(facts.specialCategories.sorted()), high ? .high : .risk))
            }
            if facts.vulnerableSubjects {
                floors.append((.vulnerableSubjects, confidentialityAtStake && hostile && !contained ? .high : .risk))
            }
            if input.identityTheftOrFraud, confidentialityAtStake {
                floors.append((.identityTheftOrFraud, contained ? .risk : .high))
            }
            if unprotectedAtScale { floors.append((.unprotectedAtScale(facts.approximateSubjects), .high)) }
            if confidentialityAtStake {
                switch input.exfiltration {
                case .confirmed: floors.append((.exfiltration, .risk))
                case .unknown: floors.append((.exfiltrationNotRuledOut, .risk))
                case .ruledOut: break
                }
                if circumstances.confidentiality == .unknownRecipients { floors.append((.unknownRecipients, .risk)) }
                if unprotected && !unprotectedAtScale { floors.append((.noBasicProtection, .risk)) }
                if scopeUnknown { floors.append((.dataScopeUnknown, .risk)) }
                // ENISA's DPC keeps the highest category alone: the combination is weighed here.
                if input.dataCombination { floors.append((.dataCombination, .risk)) }
            }
            if availabilityAtStake { floors.append((.availabilityNotRestored(circumstances.availability), .risk)) }
            if integrityAtStake { floors.append((.integrityLost(circumstances.integrity), .risk)) }
            if circumstances.malicious { floors.append((.maliciousIntent, .risk)) }
            if facts.approximateSubjects >= Self.manySubjectsThreshold {
                floors.append((.manySubjects(facts.approximateSubjects), .risk))
            }
            // ENISA knows nothing of containment: when a contained disclosure is all that is at
            // stake, the band cannot make the risk high on its own.
            let bandFloor = RiskLevel(severity.band)
            let onlyContained = contained && !availabilityAtStake && !integrityAtStake
            floors.append((.severity(severity), onlyContained ? min(bandFloor, .risk) : bandFloor))
        }
        let risk = floors.map(\.level).max() ?? .unlikely
        self.risk = risk

        // Every reason weighed, the score first; each once.
        var weighed: [AssessmentReason] = [.severity(severity)]
        for reason in floors.map(\.reason) + neutralising + notes where !weighed.contains(reason) {
            weighed.append(reason)
        }

        // 3. The decisions.
        self.documentation = Decision(action: .document, recommended: true, decisive: .documentation, reasons: [.documentation] + weighed)

        let unlikelyBecause: AssessmentReason = neutralising.first ?? (anythingAtStake ? .riskUnlikely : .noLossAtStake)
        let decisiveFloor = floors.first { $0.level == risk }?.reason ?? unlikelyBecause
        self.authority = Decision(
            action: .notifyAuthority, recommended: risk >= .risk,
            decisive: risk >= .risk ? decisiveFloor : unlikelyBecause, reasons: weighed)

        var subjectReasons = weighed
        var publicCommunication: PublicCommunication? = nil
        let subjectsDecision: (Bool, AssessmentReason)
        switch risk {
        case .unlikely:
            subjectsDecision = (false, unlikelyBecause)
        case .risk:
            let notHigh = AssessmentReason.riskNotHigh(severity.band)
            subjectReasons.append(notHigh)
            subjectsDecision = (false, notHigh)
        case .high:
            if let measures = input.measuresRemovingHighRisk {
                let reason = AssessmentReason.measuresRemoveHighRisk(measures)
                subjectReasons.append(reason)
                subjectsDecision = (false, reason)
            } else {
                if let unreachable = input.unreachableSubjects {
                    subjectReasons.append(.disproportionateEffort(unreachable: unreachable, total: facts.approximateSubjects))
                    publicCommunication = PublicCommunication(
                        unreachableSubjects: unreachable,
                        reachableSubjects: max(0, facts.approximateSubjects - unreachable))
                }
                subjectsDecision = (true, decisiveFloor)
            }
        }
        self.subjects = Decision(
            action: .communicateToSubjects, recommended: subjectsDecision.0,
            decisive: subjectsDecision.1, reasons: subjectReasons)
        self.publicCommunication = publicCommunication
    }
}

/// How likely and how serious the risk to people's rights and freedoms is, in the words of
/// Art. 33(1) and 34(1).
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// Unlikely to result in a risk: document only.
    case unlikely
    /// Likely to result in a risk: notify the authority.
    case risk
    /// Likely to result in a high risk: also tell the people.
    case high

    /// The floor an ENISA band sets on its own.
    init(_ band: SeverityBand) {
        switch band {
        case .low: self = .unlikely
        case .medium: self = .risk
        case .high, .veryHigh: self = .high
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// The three things to decide after a breach.
public enum AssessmentAction: String, Sendable, Codable, CaseIterable {
    /// Art. 33(5).
    case document
    /// Art. 33(1).
    case notifyAuthority = "notify_authority"
    /// Art. 34(1).
    case communicateToSubjects = "communicate_to_subjects"

    /// The action and its article, as a heading.
    public func title(language: AssessmentLanguage) -> String {
        switch (self, language) {
        case (.document, .en): "Document in the register (Art. 33(5))"
        case (.document, .fr): "Documenter dans le registre (art. 33(5))"
        case (.notifyAuthority, .en): "Notify the supervisory authority (Art. 33(1))"
        case (.notifyAuthority, .fr): "Notifier l'autorité de contrôle (art. 33(1))"
        case (.communicateToSubjects, .en): "Communicate to the people concerned (Art. 34(1))"
        case (.communicateToSubjects, .fr): "Communiquer aux personnes concernées (art. 34(1))"
        case (.document, .de): "Im Register dokumentieren (Art. 33 Abs. 5 DSGVO)"
        case (.notifyAuthority, .de): "Der Aufsichtsbehörde melden (Art. 33 Abs. 1 DSGVO)"
        case (.communicateToSubjects, .de): "Die betroffenen Personen benachrichtigen (Art. 34 Abs. 1 DSGVO)"
        }
    }
}

/// The recommendation for one action: yes or no, the reason that decided it, and every reason weighed.
public struct Decision: Sendable, Equatable, Codable {
    public let action: AssessmentAction
    /// Whether breachmail recommends doing it; the DPO confirms or overrides with a reason.
    public let recommended: Bool
    /// The reason that set the outcome.
    public let decisive: AssessmentReason
    /// Every reason weighed, the ENISA score first.
    public let reasons: [AssessmentReason]

    public init(action: AssessmentAction, recommended: Bool, decisive: AssessmentReason, reasons: [AssessmentReason]) {
        self.action = action
        self.recommended = recommended
        self.decisive = decisive
        self.reasons = reasons
    }

    /// `Notify the supervisory authority (Art. 33(1)): yes. <decisive reason>`
    public func text(language: AssessmentLanguage) -> String {
        switch language {
        case .en: "\(action.title(language: .en)): \(recommended ? "yes" : "no"). \(decisive.text(language: .en))"
        case .fr: "\(action.title(language: .fr)) : \(recommended ? "oui" : "non"). \(decisive.text(language: .fr))"
        case .de: "\(action.title(language: .de)): \(recommended ? "ja" : "nein"). \(decisive.text(language: .de))"
        }
    }
}

/// Art. 34(3)(c): the people who cannot be reached individually are informed by a public
/// communication; it covers only them, never the people who can be reached (CNIL, Dec. 2021).
public struct PublicCommunication: Sendable, Equatable, Codable {
    public let unreachableSubjects: Int
    /// Still to be told directly.
    public let reachableSubjects: Int

    enum CodingKeys: String, CodingKey {
        case unreachableSubjects = "unreachable_subjects"
        case reachableSubjects = "reachable_subjects"
    }

    public init(unreachableSubjects: Int, reachableSubjects: Int) {
        self.unreachableSubjects = unreachableSubjects
        self.reachableSubjects = reachableSubjects
    }
}

extension AssessmentAnswers {
    /// Validates the answers against the incident and assesses them.
    ///
    /// - Returns: the assessment, or every problem found (nothing is computed half-way).
    public func assess(against facts: IncidentFacts) -> Result<Assessment, AssessmentProblems> {
        validated(against: facts).map(Assessment.init)
    }
}
