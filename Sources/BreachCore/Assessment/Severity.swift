/// ENISA's breach-severity method (*Recommendations for a methodology of the assessment of
/// severity of personal data breaches*, 2013): `SE = DPC × EI + CB`.
///
/// Every value of the method is a multiple of 0.25, so the score is kept as a whole number of
/// quarters: the band edges (2, 3, 4) are compared exactly, never through floating point.
public struct Severity: Sendable, Equatable, Codable {
    /// The data-processing-context score used: the highest of the categories scored (1...4).
    public let dpc: Int
    /// The category whose score was used (the first one with the highest score).
    public let dpcCategory: DPCCategory
    /// Ease of identification (EI), the multiplier.
    public let easeOfIdentification: EaseOfIdentification
    /// Circumstances of the breach (CB), the addend.
    public let circumstances: BreachCircumstances
    /// `DPC × EI + CB`, from 0.25 to 6.
    public let score: SeverityScore
    /// The ENISA level of `score`.
    public let band: SeverityBand

    enum CodingKeys: String, CodingKey {
        case dpc
        case dpcCategory = "dpc_category"
        case easeOfIdentification = "ease_of_identification"
        case circumstances, score, band
    }

    /// Computes the severity from the categories the assessor scored.
    ///
    /// - Precondition: `contexts` is not empty and every score is within 1...4 (``AssessmentAnswers/validated(against:)`` checks both).
    public init(contexts: [DPCAnswer], easeOfIdentification: EaseOfIdentification, circumstances: BreachCircumstances) {
        precondition(!contexts.isEmpty, "ENISA needs at least one data-processing-context category")
        let highest = contexts.reduce(contexts[0]) { $1.score > $0.score ? $1 : $0 }
        self.init(dpc: highest.score, category: highest.category, easeOfIdentification: easeOfIdentification, circumstances: circumstances)
    }

    /// Computes the severity from a DPC score already chosen.
    ///
    /// - Precondition: `dpc` is within 1...4.
    public init(dpc: Int, category: DPCCategory, easeOfIdentification: EaseOfIdentification, circumstances: BreachCircumstances) {
        precondition(DPCCategory.scoreRange.contains(dpc), "DPC is scored from 1 to 4")
        self.dpc = dpc
        self.dpcCategory = category
        self.easeOfIdentification = easeOfIdentification
        self.circumstances = circumstances
        // DPC is a whole number and EI a number of quarters, so DPC × EI is `dpc × EI quarters` quarters.
        self.score = SeverityScore(quarters: dpc * easeOfIdentification.quarters + circumstances.quarters)
        self.band = SeverityBand(score)
    }
}

/// A severity score, an exact multiple of 0.25 (stored as a count of quarters).
///
/// In JSON it is a plain number (`2.25`), which binary floating point represents exactly.
public struct SeverityScore: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The score times four.
    public let quarters: Int

    /// A score of `quarters / 4`.
    public init(quarters: Int) { self.quarters = quarters }

    /// The score as a number, exact for every multiple of 0.25.
    public var value: Double { Double(quarters) / 4 }

    /// `2.25`, `2.0`, `0.75`: always with a decimal point, never rounded.
    public var description: String { formatted(decimalSeparator: ".") }

    /// The score with the given decimal separator (`","` for French).
    public func formatted(decimalSeparator: String) -> String {
        let fraction = ["0", "25", "5", "75"][quarters % 4]
        return "\(quarters / 4)\(decimalSeparator)\(fraction)"
    }

    public static func < (a: Self, b: Self) -> Bool { a.quarters < b.quarters }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Double.self)
        let quarters = value * 4
        guard quarters == quarters.rounded(), abs(quarters) < 1_000 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a severity score is a multiple of 0.25, not \(value)")
        }
        self.quarters = Int(quarters)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// ENISA's four levels: below 2 low, from 2 medium, from 3 high, from 4 very high.
public enum SeverityBand: String, Sendable, Codable, CaseIterable, Comparable {
    /// People are not affected or meet small inconveniences they overcome easily.
    case low
    /// Significant inconveniences they overcome despite a few difficulties.
    case medium
    /// Significant consequences they should overcome, with serious difficulties.
    case high
    /// Significant, even irreversible consequences they may not overcome.
    case veryHigh = "very_high"

    /// The band of a score; each lower edge belongs to the band above it (2.0 is medium).
    public init(_ score: SeverityScore) {
        switch score.quarters {
        case ..<8: self = .low
        case 8..<12: self = .medium
        case 12..<16: self = .high
        default: self = .veryHigh
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// ENISA's four data-processing-context categories; each has a base score the assessor may
/// move within 1...4 for contextual factors.
public enum DPCCategory: String, Sendable, Codable, CaseIterable {
    /// Identity, contact details, biography, education, family life, professional experience. Base 1.
    case simple
    /// Location, traffic data, personal preferences and habits. Base 2.
    case behavioural
    /// Income, transactions, balances, statements, card data, invoices, social welfare. Base 3.
    /// Credentials are scored by what they give access to (online banking → financial).
    case financial
    /// Health, political opinions, sexual life and the other special categories. Base 4.
    case sensitive

    /// The range every category's score must stay in.
    public static let scoreRange: ClosedRange<Int> = 1...4

    /// ENISA's indicative score before contextual factors.
    public var baseScore: Int {
        switch self {
        case .simple: 1
        case .behavioural: 2
        case .financial: 3
        case .sensitive: 4
        }
    }
}

/// ENISA's contextual factors, which justify moving a category away from its base score.
public enum ContextFactor: String, Sendable, Codable, CaseIterable {
    /// More data about the same person, over time or in content (a year of calls, a whole bank file).
    case volume
    /// What the controller is reveals more (an online pharmacy's customer list).
    case controllerCharacteristics = "controller_characteristics"
    /// Who the people are makes it worse (minors, members of parliament, undercover officers).
    case individualCharacteristics = "individual_characteristics"
    /// The data are known with certainty to be invalid or inaccurate (outdated).
    case invalidity
    /// The data were publicly available before the breach.
    case publicAvailability = "public_availability"
    /// The data reveal less than their category suggests.
    case natureOfData = "nature_of_data"

    /// Whether the factor raises or lowers a category's score.
    public enum Direction: String, Sendable, Codable { case increase, decrease }

    /// Whether this factor raises or lowers a category's score.
    public var direction: Direction {
        switch self {
        case .volume, .controllerCharacteristics, .individualCharacteristics: .increase
        case .invalidity, .publicAvailability, .natureOfData: .decrease
        }
    }
}

/// One data-processing-context category present in the breach, as the assessor scored it.
public struct DPCAnswer: Sendable, Equatable, Codable {
    public var category: DPCCategory
    /// The score after contextual factors, 1...4; the base score when nothing changes it.
    public var score: Int
    /// The factors that justify a score different from the base; required when it differs.
    public var factors: [ContextFactor]

    /// A scored category; without `score`, the category's base score.
    public init(category: DPCCategory, score: Int? = nil, factors: [ContextFactor] = []) {
        self.category = category
        self.score = score ?? category.baseScore
        self.factors = factors
    }
}

/// ENISA's ease of identification: how easily whoever holds the data can tell whom they are about.
public enum EaseOfIdentification: String, Sendable, Codable, CaseIterable {
    /// 0.25: extremely hard, though possible in some conditions.
    case negligible
    /// 0.5: possible but demanding.
    case limited
    /// 0.75: fairly easy.
    case significant
    /// 1: identity readable straight from the data, no research needed.
    case maximum

    /// The multiplier in quarters (1 for 0.25 … 4 for 1).
    public var quarters: Int {
        switch self {
        case .negligible: 1
        case .limited: 2
        case .significant: 3
        case .maximum: 4
        }
    }
}

/// What happened to confidentiality.
public enum ConfidentialityLoss: String, Sendable, Codable, CaseIterable {
    /// Confidentiality was not lost (not part of the breach's nature).
    case none
    /// Data exposed to a confidentiality risk, no evidence of unlawful processing. ENISA +0.
    case exposed
    /// Disclosed to a known number of identified recipients. ENISA +0.25.
    case knownRecipients = "known_recipients"
    /// Disclosed to an unknown number of recipients (published, exfiltrated and offered…). ENISA +0.5.
    case unknownRecipients = "unknown_recipients"

    var quarters: Int {
        switch self {
        case .none, .exposed: 0
        case .knownRecipients: 1
        case .unknownRecipients: 2
        }
    }
}

/// What happened to integrity.
public enum IntegrityLoss: String, Sendable, Codable, CaseIterable {
    /// Integrity was not lost.
    case none
    /// Data altered, no evidence of incorrect or unlawful use. ENISA +0.
    case altered
    /// Altered and possibly misused, but the originals can be recovered. ENISA +0.25.
    case recoverable
    /// Altered and possibly misused, and the originals cannot be recovered. ENISA +0.5.
    case notRecoverable = "not_recoverable"

    var quarters: Int {
        switch self {
        case .none, .altered: 0
        case .recoverable: 1
        case .notRecoverable: 2
        }
    }
}

/// What happened to availability.
public enum AvailabilityLoss: String, Sendable, Codable, CaseIterable {
    /// Availability was not lost.
    case none
    /// Lost but recoverable without difficulty. ENISA +0.
    case recoverable
    /// Temporarily unavailable, with a delay that can itself harm people. ENISA +0.25.
    case temporary
    /// Permanently unavailable (destroyed, no usable copy). ENISA +0.5.
    case permanent

    var quarters: Int {
        switch self {
        case .none, .recoverable: 0
        case .temporary: 1
        case .permanent: 2
        }
    }
}

/// ENISA's circumstances of the breach: they can only add to the score (0 to 2).
public struct BreachCircumstances: Sendable, Equatable, Codable {
    public var confidentiality: ConfidentialityLoss
    public var integrity: IntegrityLoss
    public var availability: AvailabilityLoss
    /// A deliberate act (theft, hacking, sale of data, harming the controller). ENISA +0.5.
    /// Accidents, human error, bugs and misconfigurations are not malicious.
    public var malicious: Bool

    public init(confidentiality: ConfidentialityLoss, integrity: IntegrityLoss, availability: AvailabilityLoss, malicious: Bool) {
        self.confidentiality = confidentiality
        self.integrity = integrity
        self.availability = availability
        self.malicious = malicious
    }

    /// CB in quarters.
    public var quarters: Int {
        confidentiality.quarters + integrity.quarters + availability.quarters + (malicious ? 2 : 0)
    }
}
