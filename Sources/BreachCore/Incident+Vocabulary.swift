/// The closed vocabularies of the incident file. Raw values are the words written in the file;
/// an unknown word is refused, with the list of known ones.

/// Which security property was lost (CNIL: *Nature de la violation*).
public enum BreachNature: String, Sendable, Codable, CaseIterable, Comparable {
    case confidentiality, integrity, availability
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// What happened (CNIL: *Origine de l'incident*).
public enum BreachOrigin: String, Sendable, Codable, CaseIterable {
    case hackingMalware = "hacking_malware"
    case ransomware
    case phishing
    case credentialStuffing = "credential_stuffing"
    case lostOrStolenDevice = "lost_or_stolen_device"
    case lostOrStolenPaper = "lost_or_stolen_paper"
    case misdirectedMessage = "misdirected_message"
    case unintendedPublication = "unintended_publication"
    case improperDisposal = "improper_disposal"
    case unauthorisedAccess = "unauthorised_access"
    case softwareError = "software_error"
    case other
}

/// Who or what caused it (CNIL: *Cause de l'incident*).
public enum BreachCause: String, Sendable, Codable, CaseIterable {
    case internalAccidental = "internal_accidental"
    case internalMalicious = "internal_malicious"
    case externalAccidental = "external_accidental"
    case externalMalicious = "external_malicious"
    case unknown

    /// Whether the cause is a deliberate act (ENISA's malicious-intent circumstance).
    public var isMalicious: Bool { self == .internalMalicious || self == .externalMalicious }
}

/// Categories of personal data (CNIL: *Nature des données concernées*).
public enum DataCategory: String, Sendable, Codable, CaseIterable, Comparable {
    case civilStatus = "civil_status"
    case nationalIdentifier = "national_identifier"
    case contactDetails = "contact_details"
    case credentials
    case financial
    case officialDocuments = "official_documents"
    case location
    case behavioural
    case professional
    case other
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// Special categories of Art. 9 and data on offences of Art. 10 (CNIL: *Données sensibles*).
public enum SpecialCategory: String, Sendable, Codable, CaseIterable, Comparable {
    case racialOrEthnicOrigin = "racial_or_ethnic_origin"
    case politicalOpinions = "political_opinions"
    case religiousBeliefs = "religious_beliefs"
    case tradeUnionMembership = "trade_union_membership"
    case genetic
    case biometric
    case health
    case sexLifeOrOrientation = "sex_life_or_orientation"
    case offencesAndConvictions = "offences_and_convictions"
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// Categories of people concerned (CNIL: *Catégories de personnes*).
public enum SubjectCategory: String, Sendable, Codable, CaseIterable, Comparable {
    case customers, prospects, employees, applicants, users, members, students, patients
    case minors, citizens, suppliers, other
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}

/// Kinds of harm that may follow (CNIL: *Préjudices potentiels*).
public enum PotentialHarm: String, Sendable, Codable, CaseIterable, Comparable {
    case lossOfControl = "loss_of_control"
    case identityTheft = "identity_theft"
    case fraud
    case financialLoss = "financial_loss"
    case reputationalDamage = "reputational_damage"
    case lossOfConfidentiality = "loss_of_confidentiality"
    case discrimination
    case physicalHarm = "physical_harm"
    case other
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    private var order: Int { Self.allCases.firstIndex(of: self)! }
}
