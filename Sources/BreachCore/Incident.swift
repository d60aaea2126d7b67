/// A personal-data breach as the register keeps it: every field of the Art. 33(3) / CNIL
/// notification form map (`regulatory.md` §a.2), in the order of that form.
///
/// The awareness time starts the 72-hour clock (Art. 33(1)); it always carries its UTC offset.
public struct Incident: Sendable, Equatable, Codable {
    /// Short internal title, never sent to subjects as is.
    public var title: String
    /// When the controller became aware of the breach (with its UTC offset).
    public var awareness: ZonedTime
    /// IANA time zone used to show local times (e.g. `Europe/Luxembourg`); the awareness offset otherwise.
    public var timeZone: String?
    /// How the breach was discovered (CNIL: *Circonstances de la découverte*).
    public var discovery: LocalizedText
    /// When the breach happened, as far as is known.
    public var period: Period
    /// Loss of confidentiality, integrity and/or availability (at least one).
    public var nature: Set<BreachNature>
    /// What happened (CNIL: *Origine de l'incident*).
    public var origin: BreachOrigin
    /// Who or what caused it (CNIL: *Cause de l'incident*).
    public var cause: BreachCause
    /// Detailed free-text description (Art. 33(3)(a)).
    public var description: LocalizedText
    /// Categories of personal data concerned.
    public var dataCategories: Set<DataCategory>
    /// Special categories (Art. 9) and data on offences (Art. 10); empty when none.
    public var specialCategories: Set<SpecialCategory>
    /// Approximate number of records concerned.
    public var approximateRecords: Int
    /// Approximate number of people concerned.
    public var approximateSubjects: Int
    /// Categories of people concerned.
    public var subjectCategories: Set<SubjectCategory>
    /// Whether minors or other vulnerable people are among them, and who.
    public var vulnerableSubjects: VulnerableSubjects
    /// Security measures in place before the breach (encryption, access control…).
    public var measuresBefore: LocalizedText
    /// Likely consequences for the people (Art. 33(3)(c)).
    public var likelyConsequences: LocalizedText
    /// Kinds of harm that may follow.
    public var potentialHarms: Set<PotentialHarm>
    /// Measures taken to contain and remedy the breach (Art. 33(3)(d)).
    public var measuresTaken: LocalizedText
    /// Measures planned (Art. 33(3)(d)).
    public var measuresPlanned: LocalizedText
    /// What the people concerned can do to protect themselves (Art. 34(2) via 33(3)(d)).
    public var adviceToSubjects: LocalizedText
    /// Processors, hosts, joint controllers and other organisations involved.
    public var otherOrganisations: [InvolvedOrganisation]
    /// Whether people in other Member States are concerned, and which.
    public var crossBorder: CrossBorder
    /// Reasons for a notification later than 72 hours (recital 85); empty until needed.
    public var delayReasons: LocalizedText
    /// The language of the free-text fields given as one text (``LocalizedText``); nil in
    /// incidents recorded before languages existed, read as French.
    public var language: Language?
    /// The language a subject is written to in when the incident has no text in theirs, with a
    /// line in their language saying so; nil: such a campaign refuses to start.
    public var fallbackLanguage: Language?
    /// The numbers not yet known, and why (Art. 33(3)(a): "where possible"); nil when every
    /// number is known. A complementary notification must then give them (Art. 33(4)).
    public var unknownCounts: UnknownCounts?
    /// When the people concerned will be told, while they are not yet (CNIL form: *Communication
    /// aux personnes concernées*, "non, mais elles le seront").
    public var communicationPlanned: ZonedTime?

    public init(
        title: String, awareness: ZonedTime, timeZone: String? = nil, discovery: LocalizedText,
        period: Period = Period(), nature: Set<BreachNature>, origin: BreachOrigin,
        cause: BreachCause, description: LocalizedText, dataCategories: Set<DataCategory>,
        specialCategories: Set<SpecialCategory> = [], approximateRecords: Int,
        approximateSubjects: Int, subjectCategories: Set<SubjectCategory>,
        vulnerableSubjects: VulnerableSubjects = VulnerableSubjects(), measuresBefore: LocalizedText,
        likelyConsequences: LocalizedText, potentialHarms: Set<PotentialHarm> = [],
        measuresTaken: LocalizedText, measuresPlanned: LocalizedText = "", adviceToSubjects: LocalizedText = "",
        otherOrganisations: [InvolvedOrganisation] = [], crossBorder: CrossBorder = CrossBorder(),
        delayReasons: LocalizedText = "", unknownCounts: UnknownCounts? = nil, communicationPlanned: ZonedTime? = nil,
        language: Language? = nil, fallbackLanguage: Language? = nil
    ) {
        self.title = title
        self.awareness = awareness
        self.timeZone = timeZone
        self.discovery = discovery
        self.period = period
        self.nature = nature
        self.origin = origin
        self.cause = cause
        self.description = description
        self.dataCategories = dataCategories
        self.specialCategories = specialCategories
        self.approximateRecords = approximateRecords
        self.approximateSubjects = approximateSubjects
        self.subjectCategories = subjectCategories
        self.vulnerableSubjects = vulnerableSubjects
        self.measuresBefore = measuresBefore
        self.likelyConsequences = likelyConsequences
        self.potentialHarms = potentialHarms
        self.measuresTaken = measuresTaken
        self.measuresPlanned = measuresPlanned
        self.adviceToSubjects = adviceToSubjects
        self.otherOrganisations = otherOrganisations
        self.crossBorder = crossBorder
        self.delayReasons = delayReasons
        self.unknownCounts = unknownCounts
        self.communicationPlanned = communicationPlanned
        self.language = language
        self.fallbackLanguage = fallbackLanguage
    }

    /// The Art. 33(1) deadline: awareness plus 72 hours.
    public var deadline: Deadline { Deadline(awareness: awareness.instant) }
}

/// The numbers an initial notification may not know yet (Art. 33(3)(a), "where possible"; Art. 33(4)).
public struct UnknownCounts: Sendable, Equatable, Codable {
    /// The approximate number of people is not known yet.
    public var subjects: Bool
    /// The approximate number of records is not known yet.
    public var records: Bool
    /// Why not, and when it will be (`counts_unknown_reason` in the incident file).
    public var reason: LocalizedText

    public init(subjects: Bool = false, records: Bool = false, reason: LocalizedText) {
        self.subjects = subjects
        self.records = records
        self.reason = reason
    }
}

/// When the breach happened: start and end if known, or still ongoing.
public struct Period: Sendable, Equatable, Codable {
    public var start: ZonedTime?
    public var end: ZonedTime?
    public var ongoing: Bool
    /// Free comment on the dates (CNIL: *Commentaires*).
    public var comment: LocalizedText

    public init(start: ZonedTime? = nil, end: ZonedTime? = nil, ongoing: Bool = false, comment: LocalizedText = "") {
        self.start = start
        self.end = end
        self.ongoing = ongoing
        self.comment = comment
    }

    /// Whether any date of the period is known (CNIL: *période connue*).
    public var isKnown: Bool { start != nil || end != nil }
}

/// Minors and other vulnerable people among those concerned.
public struct VulnerableSubjects: Sendable, Equatable, Codable {
    public var present: Bool
    public var details: LocalizedText
    public init(present: Bool = false, details: LocalizedText = "") {
        self.present = present
        self.details = details
    }
}

/// An organisation involved in the breach: processor, host, joint controller…
public struct InvolvedOrganisation: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case processor, subProcessor = "sub_processor", host, jointController = "joint_controller"
        case recipient, other
    }
    public var name: String
    public var role: Role
    public var details: LocalizedText
    public init(name: String, role: Role, details: LocalizedText = "") {
        self.name = name
        self.role = role
        self.details = details
    }
}

/// Whether people in other EU/EEA countries are concerned (Art. 56 lead authority questions).
public struct CrossBorder: Sendable, Equatable, Codable {
    public var concerned: Bool
    /// ISO 3166 alpha-2 codes of the other countries where people are concerned.
    public var countries: [String]
    /// Other authorities notified or to be notified, free text.
    public var otherNotifications: LocalizedText
    public init(concerned: Bool = false, countries: [String] = [], otherNotifications: LocalizedText = "") {
        self.concerned = concerned
        self.countries = countries
        self.otherNotifications = otherNotifications
    }
}

// The register stores incidents as JSON under the incident file's own key names, with sets
// sorted, so that the same incident always gives the same bytes (and the same hash).
extension Incident {
    enum CodingKeys: String, CodingKey {
        case title, awareness, timeZone = "time_zone", discovery, period, nature, origin, cause, description
        case dataCategories = "data_categories", specialCategories = "special_categories"
        case approximateRecords = "approximate_records", approximateSubjects = "approximate_subjects"
        case subjectCategories = "subject_categories", vulnerableSubjects = "vulnerable_subjects"
        case measuresBefore = "measures_before", likelyConsequences = "likely_consequences"
        case potentialHarms = "potential_harms", measuresTaken = "measures_taken"
        case measuresPlanned = "measures_planned", adviceToSubjects = "advice_to_subjects"
        case otherOrganisations = "other_organisations", crossBorder = "cross_border"
        case delayReasons = "delay_reasons"
        case unknownCounts = "counts_unknown"
        case communicationPlanned = "communication_planned"
        case language, fallbackLanguage = "fallback_language"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(title, forKey: .title)
        try c.encode(awareness, forKey: .awareness)
        try c.encodeIfPresent(timeZone, forKey: .timeZone)
        try c.encode(discovery, forKey: .discovery)
        try c.encode(period, forKey: .period)
        try c.encode(nature.sorted(), forKey: .nature)
        try c.encode(origin, forKey: .origin)
        try c.encode(cause, forKey: .cause)
        try c.encode(description, forKey: .description)
        try c.encode(dataCategories.sorted(), forKey: .dataCategories)
        try c.encode(specialCategories.sorted(), forKey: .specialCategories)
        try c.encode(approximateRecords, forKey: .approximateRecords)
        try c.encode(approximateSubjects, forKey: .approximateSubjects)
        try c.encode(subjectCategories.sorted(), forKey: .subjectCategories)
        try c.encode(vulnerableSubjects, forKey: .vulnerableSubjects)
        try c.encode(measuresBefore, forKey: .measuresBefore)
        try c.encode(likelyConsequences, forKey: .likelyConsequences)
        try c.encode(potentialHarms.sorted(), forKey: .potentialHarms)
        try c.encode(measuresTaken, forKey: .measuresTaken)
        try c.encode(measuresPlanned, forKey: .measuresPlanned)
        try c.encode(adviceToSubjects, forKey: .adviceToSubjects)
        try c.encode(otherOrganisations, forKey: .otherOrganisations)
        try c.encode(crossBorder, forKey: .crossBorder)
        try c.encode(delayReasons, forKey: .delayReasons)
        // Only when a number is unknown: an incident whose numbers are known keeps its bytes.
        try c.encodeIfPresent(unknownCounts, forKey: .unknownCounts)
        try c.encodeIfPresent(communicationPlanned, forKey: .communicationPlanned)
        try c.encodeIfPresent(language, forKey: .language)
        try c.encodeIfPresent(fallbackLanguage, forKey: .fallbackLanguage)
    }
}

extension CrossBorder {
    enum CodingKeys: String, CodingKey {
        case concerned, countries, otherNotifications = "other_notifications"
    }
}
