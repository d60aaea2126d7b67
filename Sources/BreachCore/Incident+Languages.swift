extension Incident {
    /// The incident-file keys of the free-text fields, in form order: each is a ``LocalizedText``.
    public static let freeTextKeys = [
        "discovery", "period.comment", "description", "counts_unknown_reason", "vulnerable_subjects.details",
        "measures_before", "likely_consequences", "measures_taken", "measures_planned", "advice_to_subjects",
        "other_organisations.details", "cross_border.other_notifications", "delay_reasons",
    ]

    /// The free-text field a template variable shows (`incident.period_comment` → `period.comment`),
    /// for the variables that are not named like their incident-file key.
    public static let freeTextOfVariable: [String: String] = [
        "period_comment": "period.comment", "vulnerable_details": "vulnerable_subjects.details",
        "other_organisations": "other_organisations.details", "other_notifications": "cross_border.other_notifications",
    ]

    /// The language of the fields given as one text: ``language``, else French (incidents
    /// recorded before languages existed).
    public var ownLanguage: Language { language ?? .fr }

    /// Every text of a free-text key: one, or one per organisation for `other_organisations.details`.
    public func freeTexts(_ key: String) -> [LocalizedText] {
        switch key {
        case "period.comment": [period.comment]
        case "counts_unknown_reason": unknownCounts.map { [$0.reason] } ?? []
        case "vulnerable_subjects.details": [vulnerableSubjects.details]
        case "other_organisations.details": otherOrganisations.map(\.details)
        case "cross_border.other_notifications": [crossBorder.otherNotifications]
        default: freeText(key).map { [$0] } ?? []
        }
    }

    /// The free-text field of an incident-file key; nil for a key that is not free text.
    public func freeText(_ key: String) -> LocalizedText? {
        switch key {
        case "discovery": discovery
        case "description": description
        case "measures_before": measuresBefore
        case "likely_consequences": likelyConsequences
        case "measures_taken": measuresTaken
        case "measures_planned": measuresPlanned
        case "advice_to_subjects": adviceToSubjects
        case "delay_reasons": delayReasons
        default: nil
        }
    }

    /// The text of a free-text field in `language` (trimmed; empty when there is none).
    public func text(_ field: LocalizedText, in language: Language) -> String {
        field.text(in: language, own: ownLanguage)
    }

    /// The free-text fields among `keys` that say something in some language but nothing in
    /// `language`, in form order: what a message in `language` would have to leave out or
    /// carry in another language.
    public func untranslated(_ keys: some Sequence<String>, in language: Language) -> [String] {
        let wanted = Set(keys)
        return Self.freeTextKeys.filter { key in
            guard wanted.contains(key) else { return false }
            return freeTexts(key).contains { !$0.isBlank && $0.text(in: language, own: ownLanguage).isEmpty }
        }
    }

    /// The languages in which every free-text field that says something has a text.
    public var completeLanguages: [Language] {
        Language.allCases.filter { untranslated(Self.freeTextKeys, in: $0).isEmpty }
    }
}
