/// What the register keeps of one assessment, in a single history entry of kind
/// ``kind``: the answers, the recommendation with its reasons, and what the DPO decided.
///
/// The history is append-only, so a later confirmation or override is a new entry; the last
/// one is the decision in force.
public struct AssessmentRecord: Sendable, Equatable, Codable {
    /// The history entry kind.
    public static let kind = "assessment.recorded"

    /// The language the DPO read the reasons in (both languages are kept in each reason).
    public let language: AssessmentLanguage
    /// Where the answers came from: the answers file as given, or `terminal`.
    public let source: String
    /// The answers as given.
    public let answers: AssessmentAnswers
    /// The recommendation: score, band, decisions and every reason.
    public let assessment: Assessment
    /// What the DPO made of it.
    public let decision: DPODecision

    public init(language: AssessmentLanguage, source: String, assessment: Assessment, decision: DPODecision) {
        self.language = language
        self.source = source
        self.answers = assessment.answers
        self.assessment = assessment
        self.decision = decision
    }
}

/// The DPO's decision on a recommendation: left pending, confirmed, or overridden with a
/// written reason. Documentation (Art. 33(5)) is never overridden: every breach is documented.
public struct DPODecision: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Recorded as breachmail recommended it; the DPO has not decided yet.
        case recommended
        /// The DPO confirmed both decisions.
        case confirmed
        /// The DPO decided otherwise for at least one action, with a reason.
        case overridden
    }

    public let status: Status
    /// Whether the authority is to be notified, as decided (or recommended, while pending).
    public let notifyAuthority: Bool
    /// Whether the people are to be told, as decided (or recommended, while pending).
    public let communicateToSubjects: Bool
    /// The actions decided against the recommendation.
    public let overridden: [AssessmentAction]
    /// The DPO's written reason; present exactly when something is overridden.
    public let reason: String?

    enum CodingKeys: String, CodingKey {
        case status
        case notifyAuthority = "notify_authority"
        case communicateToSubjects = "communicate_to_subjects"
        case overridden, reason
    }

    /// The recommendation, not yet decided.
    public static func pending(_ assessment: Assessment) -> DPODecision {
        DPODecision(status: .recommended, notifyAuthority: assessment.authority.recommended,
                    communicateToSubjects: assessment.subjects.recommended, overridden: [], reason: nil)
    }

    /// The recommendation, confirmed.
    public static func confirmed(_ assessment: Assessment) -> DPODecision {
        DPODecision(status: .confirmed, notifyAuthority: assessment.authority.recommended,
                    communicateToSubjects: assessment.subjects.recommended, overridden: [], reason: nil)
    }

    /// The DPO's own decisions; an action left nil keeps the recommendation.
    ///
    /// - Throws: ``DecisionProblem`` when nothing differs from the recommendation (that is a
    ///   confirmation) or when the reason is empty.
    public static func overriding(
        _ assessment: Assessment, notifyAuthority: Bool?, communicateToSubjects: Bool?, reason: String
    ) throws(DecisionProblem) -> DPODecision {
        let authority = notifyAuthority ?? assessment.authority.recommended
        let subjects = communicateToSubjects ?? assessment.subjects.recommended
        var overridden: [AssessmentAction] = []
        if authority != assessment.authority.recommended { overridden.append(.notifyAuthority) }
        if subjects != assessment.subjects.recommended { overridden.append(.communicateToSubjects) }
        guard !overridden.isEmpty else { throw .sameAsRecommended }
        let reason = reason.trimmingWhitespace()
        guard !reason.isEmpty else { throw .reasonMissing }
        return DPODecision(status: .overridden, notifyAuthority: authority, communicateToSubjects: subjects,
                           overridden: overridden, reason: reason)
    }

    /// Why an override cannot be recorded.
    public enum DecisionProblem: Error, Sendable, Equatable, CustomStringConvertible {
        case sameAsRecommended
        case reasonMissing

        public var description: String {
            switch self {
            case .sameAsRecommended:
                "the override decides what breachmail already recommends; use --confirm instead, or override the other decision."
            case .reasonMissing:
                "an override needs the DPO's written reason, which goes into the register; add --reason \"…\"."
            }
        }
    }
}

extension SeverityBand {
    /// The band in words (`very high`, `très élevée`, `sehr hoch`).
    public func name(language: AssessmentLanguage) -> String { language.pick(english, french, german) }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
