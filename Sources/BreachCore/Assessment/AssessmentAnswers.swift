/// The DPO's answers to the assessment questions (``AssessmentQuestion/all``).
///
/// Answers a score needs and answers that can only make the risk worse are required; answers
/// that can only lower it (a backup, a trusted recipient, later measures) default to "no" when
/// left out, so forgetting one never lowers a recommendation. ``validated(against:)`` names
/// what is missing or contradictory.
///
/// The answers file (`incident assess ID --answers FILE`) is YAML with the question keys;
/// ``fromRaw(_:)`` decodes the tree a YAML reader produces. A complete example:
///
/// ```yaml
/// # ENISA data-processing context: every category present, its score (1-4, the base score
/// # when left out) and the contextual factors that justify a score other than the base.
/// dpc:
///   - category: financial          # simple (base 1) | behavioural (2) | financial (3) | sensitive (4)
///     score: 4
///     factors: [volume]            # raise: volume, controller_characteristics, individual_characteristics
///                                  # lower: invalidity, public_availability, nature_of_data
///   - category: simple
/// ease_of_identification: maximum  # negligible | limited | significant | maximum
/// circumstances:
///   confidentiality: unknown_recipients  # none | exposed | known_recipients | unknown_recipients
///   integrity: none                      # none | altered | recoverable | not_recoverable
///   availability: none                   # none | recoverable | temporary | permanent
///   malicious: true
/// encrypted: false                 # all the data unintelligible (state-of-the-art encryption or strong salted hash)?
/// key_compromised: false           # required when encrypted: true
/// exfiltration: confirmed          # confirmed | ruled_out | unknown (true/false also accepted)
/// no_basic_protection: false       # exfiltration unknown: no encryption and no password at all
/// data_scope_unknown: false        # exfiltration unknown: which data were taken cannot be established
/// data_combination: false          # known_recipients: several kinds of data on one person together
/// special_categories_limited: false # special categories that reveal little (ENISA sensitive scored 1-3)
/// identity_theft_or_fraud: true    # could the data serve identity theft or fraud?
/// backup_restored_quickly: false   # availability restored from a backup within hours, no effect on people
/// trusted_recipient_deleted: false # the only, trusted recipient confirmed deleting the data
/// measures_remove_high_risk: false # Art. 34(3)(b)
/// measures_description: ""         # required when measures_remove_high_risk: true
/// disproportionate_effort: true    # Art. 34(3)(c): some people cannot be reached individually
/// unreachable_subjects: 1200       # required when disproportionate_effort: true
/// ```
public struct AssessmentAnswers: Sendable, Equatable, Codable {
    /// `dpc`: every data-processing-context category present, as scored (at least one).
    public var dataProcessingContext: [DPCAnswer]
    /// `ease_of_identification` (required).
    public var easeOfIdentification: EaseOfIdentification?
    /// `circumstances` (required).
    public var circumstances: BreachCircumstances?
    /// `encrypted`: all the personal data concerned were unintelligible to whoever obtained them —
    /// state-of-the-art encryption, or a strong salted hash for passwords (required).
    public var encrypted: Bool?
    /// `key_compromised`: the key (or, for hashes, the secret or the hash itself) is known to, or
    /// may be reached by, the unauthorised party; required when `encrypted` is true.
    public var keyCompromised: Bool?
    /// `exfiltration`: whether the data were copied out; required when confidentiality was lost.
    public var exfiltration: Exfiltration?
    /// `identity_theft_or_fraud`: the data could serve identity theft or fraud (identity documents,
    /// national numbers, bank or card data, credentials to accounts) (required).
    public var identityTheftOrFraud: Bool?
    /// `backup_restored_quickly`: lost availability was restored from a backup within hours,
    /// without effect on people. No when left out.
    public var backupRestoredQuickly: Bool?
    /// `trusted_recipient_deleted`: the data went only to known, trusted recipients who confirmed
    /// deleting them without other use. No when left out.
    public var trustedRecipientDeleted: Bool?
    /// `measures_remove_high_risk`: measures taken since ensure the high risk is no longer likely
    /// to materialise (Art. 34(3)(b)). No when left out.
    public var measuresRemoveHighRisk: Bool?
    /// `measures_description`: those measures, as they will be defended; required when the previous answer is yes.
    public var measuresDescription: String?
    /// `disproportionate_effort`: contacting some people individually would take disproportionate
    /// effort (Art. 34(3)(c)). No when left out.
    public var disproportionateEffort: Bool?
    /// `unreachable_subjects`: how many people cannot be reached individually; required when
    /// `disproportionate_effort` is true. The others must still be contacted directly.
    public var unreachableSubjects: Int?
    /// `no_basic_protection`: the data had no basic protection at all — neither encryption nor a
    /// password or access control — so whoever holds the device or files reads them (EDPB
    /// Guidelines 01/2021, case 11). Only with `exfiltration: unknown`. No when left out.
    public var noBasicProtection: Bool?
    /// `data_scope_unknown`: it cannot be established exactly which data were taken (a device or
    /// files gone). Only with `exfiltration: unknown`. No when left out.
    public var dataScopeUnknown: Bool?
    /// `data_combination`: the data disclosed put several kinds of data on the same person
    /// together, or a large volume of them (date of birth, registration number and financial
    /// details in one letter): ENISA's volume modifier, which the highest category alone misses.
    /// Only with `circumstances.confidentiality: known_recipients`. No when left out.
    public var dataCombination: Bool?
    /// `special_categories_limited`: the special-category data reveal little (ENISA scores the
    /// sensitive category 1 to 3 for the nature of the data: the mere fact of a routine test, a
    /// food intolerance); requires that score. Only when the incident records special
    /// categories. No when left out.
    public var specialCategoriesLimited: Bool?

    public init(
        dataProcessingContext: [DPCAnswer] = [], easeOfIdentification: EaseOfIdentification? = nil,
        circumstances: BreachCircumstances? = nil, encrypted: Bool? = nil, keyCompromised: Bool? = nil,
        exfiltration: Exfiltration? = nil, identityTheftOrFraud: Bool? = nil,
        backupRestoredQuickly: Bool? = nil, trustedRecipientDeleted: Bool? = nil,
        measuresRemoveHighRisk: Bool? = nil, measuresDescription: String? = nil,
        disproportionateEffort: Bool? = nil, unreachableSubjects: Int? = nil,
        noBasicProtection: Bool? = nil, dataScopeUnknown: Bool? = nil,
        dataCombination: Bool? = nil, specialCategoriesLimited: Bool? = nil
    ) {
        self.dataProcessingContext = dataProcessingContext
        self.easeOfIdentification = easeOfIdentification
        self.circumstances = circumstances
        self.encrypted = encrypted
        self.keyCompromised = keyCompromised
        self.exfiltration = exfiltration
        self.identityTheftOrFraud = identityTheftOrFraud
        self.backupRestoredQuickly = backupRestoredQuickly
        self.trustedRecipientDeleted = trustedRecipientDeleted
        self.measuresRemoveHighRisk = measuresRemoveHighRisk
        self.measuresDescription = measuresDescription
        self.disproportionateEffort = disproportionateEffort
        self.unreachableSubjects = unreachableSubjects
        self.noBasicProtection = noBasicProtection
        self.dataScopeUnknown = dataScopeUnknown
        self.dataCombination = dataCombination
        self.specialCategoriesLimited = specialCategoriesLimited
    }

    enum CodingKeys: String, CodingKey {
        case dataProcessingContext = "dpc"
        case easeOfIdentification = "ease_of_identification"
        case circumstances, encrypted
        case keyCompromised = "key_compromised"
        case exfiltration
        case identityTheftOrFraud = "identity_theft_or_fraud"
        case backupRestoredQuickly = "backup_restored_quickly"
        case trustedRecipientDeleted = "trusted_recipient_deleted"
        case measuresRemoveHighRisk = "measures_remove_high_risk"
        case measuresDescription = "measures_description"
        case disproportionateEffort = "disproportionate_effort"
        case unreachableSubjects = "unreachable_subjects"
        case noBasicProtection = "no_basic_protection"
        case dataScopeUnknown = "data_scope_unknown"
        case dataCombination = "data_combination"
        case specialCategoriesLimited = "special_categories_limited"
    }
}

/// Whether the data were copied out of the controller's control.
public enum Exfiltration: String, Sendable, Codable, CaseIterable {
    /// Evidence shows the data were copied out.
    case confirmed
    /// An investigation (logs, forensics) rules it out.
    case ruledOut = "ruled_out"
    /// Cannot be ruled out yet: treated as a risk (in doubt, notify).
    case unknown
}

/// The facts of the incident the decision weighs beyond the ENISA score; taken from the
/// register's ``Incident`` so that the DPO does not answer them twice.
public struct IncidentFacts: Sendable, Equatable, Codable {
    /// Which security properties were lost.
    public var nature: Set<BreachNature>
    /// Who or what caused it; a malicious cause must match `circumstances.malicious`.
    public var cause: BreachCause
    /// Approximate number of people concerned.
    public var approximateSubjects: Int
    /// Special categories (Art. 9) and offences data (Art. 10) concerned.
    public var specialCategories: Set<SpecialCategory>
    /// Whether children, patients or other vulnerable people are concerned.
    public var vulnerableSubjects: Bool
    /// Kinds of harm the incident file already foresees.
    public var potentialHarms: Set<PotentialHarm>

    enum CodingKeys: String, CodingKey {
        case nature, cause
        case approximateSubjects = "approximate_subjects"
        case specialCategories = "special_categories"
        case vulnerableSubjects = "vulnerable_subjects"
        case potentialHarms = "potential_harms"
    }

    public init(
        nature: Set<BreachNature>, cause: BreachCause, approximateSubjects: Int,
        specialCategories: Set<SpecialCategory> = [], vulnerableSubjects: Bool = false,
        potentialHarms: Set<PotentialHarm> = []
    ) {
        self.nature = nature
        self.cause = cause
        self.approximateSubjects = approximateSubjects
        self.specialCategories = specialCategories
        self.vulnerableSubjects = vulnerableSubjects
        self.potentialHarms = potentialHarms
    }

    /// The facts recorded in an incident. Minors and patients count as vulnerable even when
    /// the incident's vulnerable-people box was left unticked.
    public init(_ incident: Incident) {
        self.init(
            nature: incident.nature, cause: incident.cause,
            approximateSubjects: incident.approximateSubjects,
            specialCategories: incident.specialCategories,
            vulnerableSubjects: incident.vulnerableSubjects.present
                || !incident.subjectCategories.isDisjoint(with: [.minors, .patients]),
            potentialHarms: incident.potentialHarms
        )
    }
}
