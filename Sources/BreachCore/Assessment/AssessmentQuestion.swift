/// One question of the assessment, as the CLI asks it on a terminal and as the answers file
/// names it (see ``AssessmentAnswers`` for the file format).
public struct AssessmentQuestion: Sendable, Equatable {
    /// The stable key: the answers-file key (`ease_of_identification`), a nested key
    /// (`circumstances.confidentiality`), or an item of the `dpc` list (`dpc[].category`).
    public let key: String
    public let english: String
    public let french: String
    public let kind: Kind
    /// Whether the question must be answered when it is asked. Questions that can only lower
    /// the risk are optional and mean "no" when left out.
    public let required: Bool
    /// Asked only when an earlier answer has one of these values; always when `nil`.
    public let askedWhen: Condition?
    /// Asked only when the incident records this fact; always when `nil`.
    public let askedForIncident: IncidentCondition?

    /// The answers a question takes.
    public enum Kind: Sendable, Equatable {
        /// One of the listed words.
        case choice([AllowedAnswer])
        /// Any number of the listed words (a YAML list).
        case multipleChoice([AllowedAnswer])
        /// `true` or `false`.
        case boolean
        /// A whole number in the range.
        case integer(ClosedRange<Int>)
        /// Free text.
        case text
        /// A list whose items are answered by the questions whose key starts with `key[].`.
        case list
    }

    /// One allowed answer: the word written in the file and what it means.
    public struct AllowedAnswer: Sendable, Equatable {
        public let value: String
        public let english: String
        public let french: String

        /// The meaning, in the given language.
        public func meaning(language: AssessmentLanguage) -> String { language == .fr ? french : english }
    }

    /// "Ask only when the answer to `key` is one of `values`" (booleans as `true`/`false`).
    public struct Condition: Sendable, Equatable {
        public let key: String
        public let values: [String]
    }

    /// "Ask only when the incident records this fact": a question about facts the DPO does not
    /// answer twice (they come from the register's incident).
    public enum IncidentCondition: String, Sendable, Equatable {
        /// The incident records special categories (Art. 9) or offences data (Art. 10).
        case specialCategories = "special_categories"

        /// Whether the incident's facts meet the condition.
        public func holds(for facts: IncidentFacts) -> Bool {
            switch self {
            case .specialCategories: !facts.specialCategories.isEmpty
            }
        }
    }

    /// The question's wording in the given language.
    public func text(language: AssessmentLanguage) -> String { language == .fr ? french : english }

    /// The allowed words, for choice questions; empty otherwise.
    public var allowedValues: [String] {
        switch kind {
        case .choice(let answers), .multipleChoice(let answers): answers.map(\.value)
        default: []
        }
    }
}

extension AssessmentQuestion {
    /// Every question, in the order the CLI asks them.
    public static let all: [AssessmentQuestion] = [
        q("dpc", .list, required: true,
          en: "Which categories of data does the breach concern? List each category present, with its score.",
          fr: "Quelles catégories de données la violation concerne-t-elle ? Indiquez chaque catégorie présente, avec sa note."),
        q("dpc[].category", .choice([
            a("simple", "identity, contact details, biography, education, family life, professional experience (base 1)",
              "identité, coordonnées, biographie, formation, vie familiale, expérience professionnelle (base 1)"),
            a("behavioural", "location, traffic data, preferences and habits (base 2)",
              "localisation, données de trafic, préférences et habitudes (base 2)"),
            a("financial", "income, transactions, balances, statements, card data, invoices, social welfare; credentials giving access to them (base 3)",
              "revenus, transactions, soldes, relevés, données de carte, factures, aides sociales ; identifiants qui y donnent accès (base 3)"),
            a("sensitive", "health, political opinions, sexual life and the other special categories (base 4)",
              "santé, opinions politiques, vie sexuelle et autres catégories particulières (base 4)"),
          ]), required: true,
          en: "Category (ENISA data-processing context).",
          fr: "Catégorie (contexte de traitement ENISA)."),
        q("dpc[].score", .integer(1...4), required: false,
          en: "Score of this category, 1 to 4, once the context is considered (the base score if left out).",
          fr: "Note de cette catégorie, de 1 à 4, compte tenu du contexte (la note de base si omise)."),
        q("dpc[].factors", .multipleChoice([
            a("volume", "raises: more data on the same person, over time or in content",
              "augmente : plus de données sur une même personne, dans le temps ou en contenu"),
            a("controller_characteristics", "raises: what the controller is reveals more (e.g. an online pharmacy)",
              "augmente : la nature du responsable en révèle davantage (ex. une pharmacie en ligne)"),
            a("individual_characteristics", "raises: who the people are makes it worse (minors, public figures…)",
              "augmente : la qualité des personnes aggrave (mineurs, personnalités…)"),
            a("invalidity", "lowers: the data are known to be invalid or inaccurate",
              "diminue : les données sont notoirement invalides ou inexactes"),
            a("public_availability", "lowers: the data were public before the breach",
              "diminue : les données étaient publiques avant la violation"),
            a("nature_of_data", "lowers: the data reveal less than their category suggests",
              "diminue : les données en révèlent moins que leur catégorie ne le laisse penser"),
          ]), required: false,
          en: "Factors that justify a score other than the base (required when it differs).",
          fr: "Facteurs qui justifient une note différente de la note de base (obligatoires si elle diffère)."),
        q("ease_of_identification", .choice([
            a("negligible", "0.25: matching the data to a person is extremely hard", "0,25 : relier les données à une personne est extrêmement difficile"),
            a("limited", "0.5: possible but demanding", "0,5 : possible mais exigeant"),
            a("significant", "0.75: fairly easy", "0,75 : assez facile"),
            a("maximum", "1: the identity can be read straight from the data", "1 : l'identité se lit directement dans les données"),
          ]), required: true,
          en: "How easily can whoever holds the data tell whom they are about?",
          fr: "Avec quelle facilité celui qui détient les données peut-il identifier les personnes ?"),
        q("circumstances.confidentiality", .choice([
            a("none", "confidentiality was not lost", "pas de perte de confidentialité"),
            a("exposed", "exposed, no evidence anyone accessed them (+0)", "exposées, sans indice d'accès (+0)"),
            a("known_recipients", "disclosed to a known number of identified recipients (+0.25)", "divulguées à un nombre connu de destinataires identifiés (+0,25)"),
            a("unknown_recipients", "disclosed to an unknown number of recipients (+0.5)", "divulguées à un nombre inconnu de destinataires (+0,5)"),
          ]), required: true,
          en: "Loss of confidentiality?", fr: "Perte de confidentialité ?"),
        q("circumstances.integrity", .choice([
            a("none", "integrity was not lost", "pas de perte d'intégrité"),
            a("altered", "altered, no evidence of misuse (+0)", "modifiées, sans indice d'usage abusif (+0)"),
            a("recoverable", "altered and possibly misused, originals recoverable (+0.25)", "modifiées et peut-être utilisées à tort, originaux récupérables (+0,25)"),
            a("not_recoverable", "altered and possibly misused, originals lost (+0.5)", "modifiées et peut-être utilisées à tort, originaux perdus (+0,5)"),
          ]), required: true,
          en: "Loss of integrity?", fr: "Perte d'intégrité ?"),
        q("circumstances.availability", .choice([
            a("none", "availability was not lost", "pas de perte de disponibilité"),
            a("recoverable", "lost but recoverable without difficulty (+0)", "perdues mais récupérables sans difficulté (+0)"),
            a("temporary", "unavailable for a time that can harm people (+0.25)", "indisponibles pendant un temps qui peut nuire aux personnes (+0,25)"),
            a("permanent", "lost for good, no usable copy (+0.5)", "perdues définitivement, aucune copie exploitable (+0,5)"),
          ]), required: true,
          en: "Loss of availability?", fr: "Perte de disponibilité ?"),
        q("circumstances.malicious", .boolean, required: true,
          en: "Was it a deliberate act (theft, hacking, sale of data)? Accidents, errors, bugs are not (+0.5 if yes).",
          fr: "S'agit-il d'un acte délibéré (vol, piratage, revente) ? Accidents, erreurs et bogues n'en sont pas (+0,5 si oui)."),
        q("encrypted", .boolean, required: true,
          en: "Were all the data concerned unintelligible to whoever got them (state-of-the-art encryption, or strong salted hashing for passwords)?",
          fr: "Toutes les données concernées étaient-elles inintelligibles pour qui les a obtenues (chiffrement à l'état de l'art, ou hachage fort et salé des mots de passe) ?"),
        q("key_compromised", .boolean, required: true, when: ("encrypted", ["true"]),
          en: "Is the key (or the hash secret) compromised, or stored where the unauthorised party could reach it?",
          fr: "La clé (ou le secret du hachage) est-elle compromise, ou stockée là où le tiers non autorisé pouvait l'atteindre ?"),
        q("exfiltration", .choice([
            a("confirmed", "evidence shows the data were copied out", "des éléments montrent que les données ont été copiées"),
            a("ruled_out", "the investigation rules it out (a mistaken disclosure to a known recipient is not exfiltration)",
              "l'enquête l'exclut (un envoi par erreur à un destinataire connu n'est pas une exfiltration)"),
            a("unknown", "cannot be ruled out yet (treated as a risk)", "impossible à exclure pour l'instant (traité comme un risque)"),
          ]), required: true, when: ("circumstances.confidentiality", ["exposed", "known_recipients", "unknown_recipients"]),
          en: "Were the data taken (copied out) by an unauthorised party?",
          fr: "Les données ont-elles été prises (copiées) par un tiers non autorisé ?"),
        q("no_basic_protection", .boolean, required: false, when: ("exfiltration", ["unknown"]),
          en: "Were the data held with no basic protection at all, neither encryption nor a password, so that whoever has the device or the files can read them (EDPB 01/2021, case 11)?",
          fr: "Les données étaient-elles dépourvues de toute protection de base, ni chiffrement ni mot de passe, lisibles par quiconque détient l'appareil ou les fichiers (CEPD 01/2021, cas 11) ?"),
        q("data_scope_unknown", .boolean, required: false, when: ("exfiltration", ["unknown"]),
          en: "Is it impossible to establish exactly which data were taken (the device or the files are gone; other categories may be concerned)?",
          fr: "Est-il impossible d'établir exactement quelles données ont été prises (appareil ou fichiers disparus ; d'autres catégories peuvent être concernées) ?"),
        q("identity_theft_or_fraud", .boolean, required: true,
          en: "Could the data serve identity theft or fraud (identity documents, national numbers, bank or card data, account credentials)?",
          fr: "Les données peuvent-elles servir à une usurpation d'identité ou à une fraude (pièces d'identité, numéros nationaux, données bancaires, identifiants de comptes) ?"),
        q("special_categories_limited", .boolean, required: false, forIncident: .specialCategories,
          en: "Do the special-category data reveal little (a food intolerance, the mere fact of a routine test), the ENISA sensitive category being scored 1 to 3 for nature_of_data?",
          fr: "Les données de catégorie particulière en révèlent-elles peu (une intolérance alimentaire, le seul fait d'un examen de routine), la catégorie sensible ENISA étant notée de 1 à 3 pour nature_of_data ?"),
        q("data_combination", .boolean, required: false, when: ("circumstances.confidentiality", ["known_recipients"]),
          en: "Do the data disclosed put several kinds of data on the same person together, or a large volume of them (date of birth, registration number and financial details in one letter)?",
          fr: "Les données divulguées réunissent-elles plusieurs sortes de données sur une même personne, ou un grand volume (date de naissance, immatriculation et données financières dans un même courrier) ?"),
        q("backup_restored_quickly", .boolean, required: false, when: ("circumstances.availability", ["recoverable", "temporary"]),
          en: "Did a backup restore the data within hours, without effect on the people?",
          fr: "Une sauvegarde a-t-elle rétabli les données en quelques heures, sans effet pour les personnes ?"),
        q("trusted_recipient_deleted", .boolean, required: false, when: ("circumstances.confidentiality", ["known_recipients"]),
          en: "Did the data go only to known, trusted recipients who confirmed deleting them without other use?",
          fr: "Les données ne sont-elles allées qu'à des destinataires connus et de confiance, qui ont confirmé les avoir supprimées sans autre usage ?"),
        q("measures_remove_high_risk", .boolean, required: false,
          en: "Do measures taken since ensure that a high risk is no longer likely to materialise (Art. 34(3)(b))?",
          fr: "Des mesures prises depuis garantissent-elles qu'un risque élevé n'est plus susceptible de se matérialiser (art. 34(3)(b)) ?"),
        q("measures_description", .text, required: true, when: ("measures_remove_high_risk", ["true"]),
          en: "Which measures, and why do they remove the high risk?",
          fr: "Quelles mesures, et pourquoi suppriment-elles le risque élevé ?"),
        q("disproportionate_effort", .boolean, required: false,
          en: "Would contacting some people individually take disproportionate effort (no contact details; Art. 34(3)(c))?",
          fr: "Contacter individuellement certaines personnes exigerait-il des efforts disproportionnés (pas de coordonnées ; art. 34(3)(c)) ?"),
        q("unreachable_subjects", .integer(1...Int.max), required: true, when: ("disproportionate_effort", ["true"]),
          en: "How many people cannot be reached individually? The others must still be told directly.",
          fr: "Combien de personnes ne peuvent pas être jointes individuellement ? Les autres doivent tout de même être informées directement."),
    ]

    /// The question with this key.
    public static func named(_ key: String) -> AssessmentQuestion? { all.first { $0.key == key } }

    private static func q(
        _ key: String, _ kind: Kind, required: Bool, when condition: (String, [String])? = nil,
        forIncident incidentCondition: IncidentCondition? = nil, en: String, fr: String
    ) -> AssessmentQuestion {
        AssessmentQuestion(
            key: key, english: en, french: fr, kind: kind, required: required,
            askedWhen: condition.map { Condition(key: $0.0, values: $0.1) }, askedForIncident: incidentCondition)
    }

    private static func a(_ value: String, _ en: String, _ fr: String) -> AllowedAnswer {
        AllowedAnswer(value: value, english: en, french: fr)
    }
}
