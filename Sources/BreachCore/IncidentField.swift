/// The fields of the incident file, in the order of the authorities' form map, with their labels
/// and the help a DPO reads when filling them in. One list serves the template, `incident show`
/// and the register export, so the three never disagree.
public struct IncidentField: Sendable {
    public let key: String
    public let required: Bool
    public let label: Localized
    public let help: Localized
    /// A value to show in the template; empty to leave blank.
    public let example: Localized

    public struct Localized: Sendable {
        public let en: String
        public let fr: String
        public let de: String
        public func text(_ language: Language) -> String { language.pick(en, fr, de) }
    }

    /// Languages of the register's own texts (the German ones are in `IncidentField+German.swift`).
    public enum Language: String, Sendable, CaseIterable {
        case en, fr, de

        /// The one of three texts in this language.
        public func pick(_ en: String, _ fr: String, _ de: String) -> String {
            switch self {
            case .en: en
            case .fr: fr
            case .de: de
            }
        }
    }

    public static let all: [IncidentField] = [
        .init("title", true, ("Title", "Titre"),
              ("Short internal name of the incident.", "Nom interne court de l'incident."),
              ("Ransomware on the member database", "Rançongiciel sur la base des adhérents")),
        .init("awareness", true, ("Awareness", "Prise de connaissance"),
              ("When you became aware of the breach, with the UTC offset. Starts the 72-hour clock (Art. 33(1)).",
               "Date et heure de prise de connaissance, avec le décalage UTC. Fait courir le délai de 72 h (art. 33.1)."),
              ("2026-11-20T09:30:00+01:00", "2026-11-20T09:30:00+01:00")),
        .init("time_zone", false, ("Time zone", "Fuseau horaire"),
              ("IANA zone used to show local times (deadline across daylight-saving changes).",
               "Fuseau IANA pour afficher les heures locales (échéance lors des changements d'heure)."),
              ("Europe/Luxembourg", "Europe/Paris")),
        .init("language", false, ("Language of the texts", "Langue des textes"),
              ("fr, en or de: the language of every text below given as one text (default: the first language of the first authority in breachmail.yaml, else fr). A text may also be given per language, e.g. `description:` then `  fr: …` and `  en: …` on their own lines; people are written to in their own language, and a notice never carries text in another language.",
               "fr, en ou de : la langue des textes ci-dessous donnés d'un seul tenant (par défaut : la première langue de la première autorité de breachmail.yaml, sinon fr). Un texte peut aussi être donné par langue, p. ex. `description:` puis `  fr: …` et `  en: …` sur leurs propres lignes ; chaque personne reçoit la notification dans sa langue, jamais avec du texte dans une autre."),
              ("en", "fr")),
        .init("fallback_language", false, ("Fallback language", "Langue de repli"),
              ("fr, en or de: people whose language lacks a text get the notice in this language, with one line in theirs saying so. Leave empty to refuse to send until every language is complete.",
               "fr, en ou de : les personnes dont la langue n'a pas tous les textes reçoivent la notification dans cette langue, avec une ligne dans la leur qui le dit. Laissez vide pour refuser l'envoi tant qu'une langue est incomplète."),
              ("", "")),
        .init("discovery", true, ("How it was discovered", "Circonstances de la découverte"),
              ("Who noticed what, and how.", "Qui a constaté quoi, et comment."), ("", "")),
        .init("period", false, ("Period of the breach", "Période de la violation"),
              ("start / end (date and time with offset, if known), ongoing (true/false), comment.",
               "start / end (date et heure avec décalage, si connues), ongoing (true/false), comment."), ("", "")),
        .init("nature", true, ("Nature", "Nature de la violation"),
              ("Lost: " + BreachNature.allCases.map(\.rawValue).joined(separator: ", ") + " (one or more).",
               "Perte de : " + BreachNature.allCases.map(\.rawValue).joined(separator: ", ") + " (une ou plusieurs)."),
              ("[confidentiality]", "[confidentiality]")),
        .init("origin", true, ("Origin", "Origine de l'incident"),
              ("One of: " + BreachOrigin.allCases.map(\.rawValue).joined(separator: ", ") + ".",
               "Une valeur parmi : " + BreachOrigin.allCases.map(\.rawValue).joined(separator: ", ") + "."),
              ("ransomware", "ransomware")),
        .init("cause", true, ("Cause", "Cause de l'incident"),
              ("One of: " + BreachCause.allCases.map(\.rawValue).joined(separator: ", ") + ".",
               "Une valeur parmi : " + BreachCause.allCases.map(\.rawValue).joined(separator: ", ") + "."),
              ("external_malicious", "external_malicious")),
        .init("description", true, ("Description", "Descriptif détaillé"),
              ("What happened, in detail (Art. 33(3)(a)).", "Ce qui s'est passé, en détail (art. 33.3.a)."), ("", "")),
        .init("data_categories", true, ("Data categories", "Catégories de données"),
              ("Any of: " + DataCategory.allCases.map(\.rawValue).joined(separator: ", ") + ".",
               "Parmi : " + DataCategory.allCases.map(\.rawValue).joined(separator: ", ") + "."),
              ("[civil_status, contact_details]", "[civil_status, contact_details]")),
        .init("special_categories", false, ("Special categories", "Données sensibles"),
              ("Art. 9 and 10 data, any of: " + SpecialCategory.allCases.map(\.rawValue).joined(separator: ", ") + "; [] if none.",
               "Données des art. 9 et 10, parmi : " + SpecialCategory.allCases.map(\.rawValue).joined(separator: ", ") + " ; [] si aucune."),
              ("[]", "[]")),
        .init("approximate_records", true, ("Approximate number of records", "Nombre approximatif d'enregistrements"),
              ("A whole number, 0 or more; or unknown, with counts_unknown_reason.",
               "Un nombre entier, 0 ou plus ; ou unknown, avec counts_unknown_reason."), ("0", "0")),
        .init("approximate_subjects", true, ("Approximate number of people", "Nombre approximatif de personnes"),
              ("A whole number, 0 or more; or unknown, with counts_unknown_reason.",
               "Un nombre entier, 0 ou plus ; ou unknown, avec counts_unknown_reason."), ("0", "0")),
        .init("counts_unknown_reason", false, ("Why the numbers are not known yet", "Pourquoi les nombres ne sont pas encore connus"),
              ("Required when a number above is unknown (Art. 33(3)(a): where possible); give the number in a complementary notification (Art. 33(4)).",
               "Obligatoire quand un nombre ci-dessus est unknown (art. 33(3)(a) : dans la mesure du possible) ; le donner dans une notification complémentaire (art. 33(4))."),
              ("", "")),
        .init("subject_categories", true, ("Categories of people", "Catégories de personnes"),
              ("Any of: " + SubjectCategory.allCases.map(\.rawValue).joined(separator: ", ") + ".",
               "Parmi : " + SubjectCategory.allCases.map(\.rawValue).joined(separator: ", ") + "."),
              ("[customers]", "[customers]")),
        .init("vulnerable_subjects", false, ("Vulnerable people", "Personnes vulnérables"),
              ("present (true/false) and details: minors, patients, other vulnerable people.",
               "present (true/false) et details : mineurs, patients, autres personnes vulnérables."), ("", "")),
        .init("measures_before", true, ("Security measures before the breach", "Mesures de sécurité préalables"),
              ("Encryption, access control, backups… in place before.", "Chiffrement, contrôle d'accès, sauvegardes… en place avant."), ("", "")),
        .init("likely_consequences", true, ("Likely consequences", "Conséquences probables"),
              ("For the people concerned (Art. 33(3)(c)).", "Pour les personnes concernées (art. 33.3.c)."), ("", "")),
        .init("potential_harms", false, ("Potential harms", "Préjudices potentiels"),
              ("Any of: " + PotentialHarm.allCases.map(\.rawValue).joined(separator: ", ") + ".",
               "Parmi : " + PotentialHarm.allCases.map(\.rawValue).joined(separator: ", ") + "."), ("[]", "[]")),
        .init("measures_taken", true, ("Measures taken", "Mesures prises"),
              ("To contain the breach and limit its effects (Art. 33(3)(d)).", "Pour contenir la violation et en limiter les effets (art. 33.3.d)."), ("", "")),
        .init("measures_planned", false, ("Measures planned", "Mesures envisagées"),
              ("To prevent it happening again (Art. 33(3)(d)).", "Pour éviter qu'elle se reproduise (art. 33.3.d)."), ("", "")),
        .init("advice_to_subjects", false, ("Advice to the people concerned", "Conseils aux personnes concernées"),
              ("What they can do to protect themselves (needed to write to them, Art. 34(2)).",
               "Ce qu'elles peuvent faire pour se protéger (nécessaire pour leur écrire, art. 34.2)."), ("", "")),
        .init("other_organisations", false, ("Other organisations involved", "Autres organismes impliqués"),
              ("A list of name, role (" + InvolvedOrganisation.Role.allCases.map(\.rawValue).joined(separator: ", ") + "), details.",
               "Une liste de name, role (" + InvolvedOrganisation.Role.allCases.map(\.rawValue).joined(separator: ", ") + "), details."), ("", "")),
        .init("cross_border", false, ("Cross-border", "Transfrontalier"),
              ("concerned (true/false), countries (ISO codes), other_notifications.",
               "concerned (true/false), countries (codes ISO), other_notifications."), ("", "")),
        .init("communication_planned", false, ("Communication to the people planned for", "Communication aux personnes prévue le"),
              ("While the people are not told yet: when they will be (date and time with offset).",
               "Tant que les personnes ne sont pas informées : quand elles le seront (date et heure avec décalage)."), ("", "")),
        .init("delay_reasons", false, ("Reasons for the delay", "Motifs du retard"),
              ("Required once the 72 hours have passed (recital 85).", "Obligatoires une fois les 72 heures passées (considérant 85)."), ("", "")),
    ]

    init(_ key: String, _ required: Bool, _ label: (String, String), _ help: (String, String), _ example: (String, String)) {
        self.key = key
        self.required = required
        // Every field has its German line; a field added without one stops every run that lists them.
        let de = Self.german[key]!
        self.label = Localized(en: label.0, fr: label.1, de: de.label)
        self.help = Localized(en: help.0, fr: help.1, de: de.help)
        self.example = Localized(en: example.0, fr: example.1, de: de.example)
    }

    public static func named(_ key: String) -> IncidentField? { all.first { $0.key == key } }
}
