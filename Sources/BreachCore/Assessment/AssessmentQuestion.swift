/// One question of the assessment, as the CLI asks it on a terminal and as the answers file
/// names it (see ``AssessmentAnswers`` for the file format).
public struct AssessmentQuestion: Sendable, Equatable {
    /// The stable key: the answers-file key (`ease_of_identification`), a nested key
    /// (`circumstances.confidentiality`), or an item of the `dpc` list (`dpc[].category`).
    public let key: String
    public let english: String
    public let french: String
    public let german: String
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
        public let german: String

        /// The meaning, in the given language.
        public func meaning(language: AssessmentLanguage) -> String { language.pick(english, french, german) }
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
    public func text(language: AssessmentLanguage) -> String { language.pick(english, french, german) }

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
          fr: "Quelles catégories de données la violation concerne-t-elle ? Indiquez chaque catégorie présente, avec sa note.",
          de: "Welche Kategorien von Daten betrifft die Verletzung? Geben Sie jede vorhandene Kategorie mit ihrer Bewertung an."),
        q("dpc[].category", .choice([
            a("simple", "identity, contact details, biography, education, family life, professional experience (base 1)",
              "identité, coordonnées, biographie, formation, vie familiale, expérience professionnelle (base 1)", "Identität, Kontaktdaten, Lebenslauf, Ausbildung, Familienleben, Berufserfahrung (Basis 1)"),
            a("behavioural", "location, traffic data, preferences and habits (base 2)",
              "localisation, données de trafic, préférences et habitudes (base 2)", "Standort, Verkehrsdaten, Vorlieben und Gewohnheiten (Basis 2)"),
            a("financial", "income, transactions, balances, statements, card data, invoices, social welfare; credentials giving access to them (base 3)",
              "revenus, transactions, soldes, relevés, données de carte, factures, aides sociales ; identifiants qui y donnent accès (base 3)", "Einkommen, Transaktionen, Kontostände, Auszüge, Kartendaten, Rechnungen, Sozialleistungen; Zugangsdaten dazu (Basis 3)"),
            a("sensitive", "health, political opinions, sexual life and the other special categories (base 4)",
              "santé, opinions politiques, vie sexuelle et autres catégories particulières (base 4)", "Gesundheit, politische Meinungen, Sexualleben und die anderen besonderen Kategorien (Basis 4)"),
          ]), required: true,
          en: "Category (ENISA data-processing context).",
          fr: "Catégorie (contexte de traitement ENISA).",
          de: "Kategorie (ENISA-Verarbeitungskontext)."),
        q("dpc[].score", .integer(1...4), required: false,
          en: "Score of this category, 1 to 4, once the context is considered (the base score if left out).",
          fr: "Note de cette catégorie, de 1 à 4, compte tenu du contexte (la note de base si omise).",
          de: "Bewertung dieser Kategorie, 1 bis 4, unter Berücksichtigung des Kontexts (ohne Angabe: der Basiswert)."),
        q("dpc[].factors", .multipleChoice([
            a("volume", "raises: more data on the same person, over time or in content",
              "augmente : plus de données sur une même personne, dans le temps ou en contenu", "erhöht: mehr Daten über dieselbe Person, über die Zeit oder im Inhalt"),
            a("controller_characteristics", "raises: what the controller is reveals more (e.g. an online pharmacy)",
              "augmente : la nature du responsable en révèle davantage (ex. une pharmacie en ligne)", "erhöht: die Art des Verantwortlichen verrät mehr (z. B. eine Online-Apotheke)"),
            a("individual_characteristics", "raises: who the people are makes it worse (minors, public figures…)",
              "augmente : la qualité des personnes aggrave (mineurs, personnalités…)", "erhöht: wer die Personen sind, verschärft es (Minderjährige, Personen des öffentlichen Lebens…)"),
            a("invalidity", "lowers: the data are known to be invalid or inaccurate",
              "diminue : les données sont notoirement invalides ou inexactes", "senkt: die Daten sind bekanntermaßen ungültig oder unrichtig"),
            a("public_availability", "lowers: the data were public before the breach",
              "diminue : les données étaient publiques avant la violation", "senkt: die Daten waren vor der Verletzung öffentlich"),
            a("nature_of_data", "lowers: the data reveal less than their category suggests",
              "diminue : les données en révèlent moins que leur catégorie ne le laisse penser", "senkt: die Daten verraten weniger, als ihre Kategorie vermuten lässt"),
          ]), required: false,
          en: "Factors that justify a score other than the base (required when it differs).",
          fr: "Facteurs qui justifient une note différente de la note de base (obligatoires si elle diffère).",
          de: "Faktoren, die eine vom Basiswert abweichende Bewertung rechtfertigen (Pflicht, wenn sie abweicht)."),
        q("ease_of_identification", .choice([
            a("negligible", "0.25: matching the data to a person is extremely hard", "0,25 : relier les données à une personne est extrêmement difficile", "0,25: die Daten einer Person zuzuordnen ist äußerst schwierig"),
            a("limited", "0.5: possible but demanding", "0,5 : possible mais exigeant", "0,5: möglich, aber aufwendig"),
            a("significant", "0.75: fairly easy", "0,75 : assez facile", "0,75: recht einfach"),
            a("maximum", "1: the identity can be read straight from the data", "1 : l'identité se lit directement dans les données", "1: die Identität lässt sich direkt aus den Daten ablesen"),
          ]), required: true,
          en: "How easily can whoever holds the data tell whom they are about?",
          fr: "Avec quelle facilité celui qui détient les données peut-il identifier les personnes ?",
          de: "Wie leicht kann jemand, der die Daten hat, erkennen, wen sie betreffen?"),
        q("circumstances.confidentiality", .choice([
            a("none", "confidentiality was not lost", "pas de perte de confidentialité", "keine Verletzung der Vertraulichkeit"),
            a("exposed", "exposed, no evidence anyone accessed them (+0)", "exposées, sans indice d'accès (+0)", "offengelegt, kein Hinweis auf einen Zugriff (+0)"),
            a("known_recipients", "disclosed to a known number of identified recipients (+0.25)", "divulguées à un nombre connu de destinataires identifiés (+0,25)", "einer bekannten Zahl identifizierter Empfänger offengelegt (+0,25)"),
            a("unknown_recipients", "disclosed to an unknown number of recipients (+0.5)", "divulguées à un nombre inconnu de destinataires (+0,5)", "einer unbekannten Zahl von Empfängern offengelegt (+0,5)"),
          ]), required: true,
          en: "Loss of confidentiality?", fr: "Perte de confidentialité ?",
          de: "Verlust der Vertraulichkeit?"),
        q("circumstances.integrity", .choice([
            a("none", "integrity was not lost", "pas de perte d'intégrité", "keine Verletzung der Integrität"),
            a("altered", "altered, no evidence of misuse (+0)", "modifiées, sans indice d'usage abusif (+0)", "verändert, kein Hinweis auf Missbrauch (+0)"),
            a("recoverable", "altered and possibly misused, originals recoverable (+0.25)", "modifiées et peut-être utilisées à tort, originaux récupérables (+0,25)", "verändert und möglicherweise missbraucht, Originale wiederherstellbar (+0,25)"),
            a("not_recoverable", "altered and possibly misused, originals lost (+0.5)", "modifiées et peut-être utilisées à tort, originaux perdus (+0,5)", "verändert und möglicherweise missbraucht, Originale verloren (+0,5)"),
          ]), required: true,
          en: "Loss of integrity?", fr: "Perte d'intégrité ?",
          de: "Verlust der Integrität?"),
        q("circumstances.availability", .choice([
            a("none", "availability was not lost", "pas de perte de disponibilité", "keine Verletzung der Verfügbarkeit"),
            a("recoverable", "lost but recoverable without difficulty (+0)", "perdues mais récupérables sans difficulté (+0)", "verloren, aber ohne Schwierigkeiten wiederherstellbar (+0)"),
            a("temporary", "unavailable for a time that can harm people (+0.25)", "indisponibles pendant un temps qui peut nuire aux personnes (+0,25)", "eine Zeit lang nicht verfügbar, die den Personen schaden kann (+0,25)"),
            a("permanent", "lost for good, no usable copy (+0.5)", "perdues définitivement, aucune copie exploitable (+0,5)", "endgültig verloren, keine brauchbare Kopie (+0,5)"),
          ]), required: true,
          en: "Loss of availability?", fr: "Perte de disponibilité ?",
          de: "Verlust der Verfügbarkeit?"),
        q("circumstances.malicious", .boolean, required: true,
          en: "Was it a deliberate act (theft, hacking, sale of data)? Accidents, errors, bugs are not (+0.5 if yes).",
          fr: "S'agit-il d'un acte délibéré (vol, piratage, revente) ? Accidents, erreurs et bogues n'en sont pas (+0,5 si oui).",
          de: "War es eine vorsätzliche Handlung (Diebstahl, Hackerangriff, Verkauf von Daten)? Unfälle, Fehler und Programmfehler sind es nicht (+0,5 wenn ja)."),
        q("encrypted", .boolean, required: true,
          en: "Were all the data concerned unintelligible to whoever got them (state-of-the-art encryption, or strong salted hashing for passwords)?",
          fr: "Toutes les données concernées étaient-elles inintelligibles pour qui les a obtenues (chiffrement à l'état de l'art, ou hachage fort et salé des mots de passe) ?",
          de: "Waren alle betroffenen Daten für jeden, der sie erhalten hat, unzugänglich (Verschlüsselung nach dem Stand der Technik oder starkes Hashing mit Salt für Passwörter)?"),
        q("key_compromised", .boolean, required: true, when: ("encrypted", ["true"]),
          en: "Is the key (or the hash secret) compromised, or stored where the unauthorised party could reach it?",
          fr: "La clé (ou le secret du hachage) est-elle compromise, ou stockée là où le tiers non autorisé pouvait l'atteindre ?",
          de: "Ist der Schlüssel (oder das Geheimnis des Hashings) kompromittiert oder dort gespeichert, wo der Unbefugte ihn erreichen konnte?"),
        q("exfiltration", .choice([
            a("confirmed", "evidence shows the data were copied out", "des éléments montrent que les données ont été copiées", "Belege zeigen, dass die Daten hinauskopiert wurden"),
            a("ruled_out", "the investigation rules it out (a mistaken disclosure to a known recipient is not exfiltration)",
              "l'enquête l'exclut (un envoi par erreur à un destinataire connu n'est pas une exfiltration)", "die Untersuchung schließt es aus (eine versehentliche Offenlegung an einen bekannten Empfänger ist keine Exfiltration)"),
            a("unknown", "cannot be ruled out yet (treated as a risk)", "impossible à exclure pour l'instant (traité comme un risque)", "lässt sich noch nicht ausschließen (als Risiko behandelt)"),
          ]), required: true, when: ("circumstances.confidentiality", ["exposed", "known_recipients", "unknown_recipients"]),
          en: "Were the data taken (copied out) by an unauthorised party?",
          fr: "Les données ont-elles été prises (copiées) par un tiers non autorisé ?",
          de: "Wurden die Daten von einem Unbefugten entwendet (hinauskopiert)?"),
        q("no_basic_protection", .boolean, required: false, when: ("exfiltration", ["unknown"]),
          en: "Were the data held with no basic protection at all, neither encryption nor a password, so that whoever has the device or the files can read them (EDPB 01/2021, case 11)?",
          fr: "Les données étaient-elles dépourvues de toute protection de base, ni chiffrement ni mot de passe, lisibles par quiconque détient l'appareil ou les fichiers (CEPD 01/2021, cas 11) ?",
          de: "Lagen die Daten ganz ohne grundlegenden Schutz vor, weder verschlüsselt noch mit Passwort, sodass jeder, der das Gerät oder die Dateien hat, sie lesen kann (EDSA 01/2021, Fall 11)?"),
        q("data_scope_unknown", .boolean, required: false, when: ("exfiltration", ["unknown"]),
          en: "Is it impossible to establish exactly which data were taken (the device or the files are gone; other categories may be concerned)?",
          fr: "Est-il impossible d'établir exactement quelles données ont été prises (appareil ou fichiers disparus ; d'autres catégories peuvent être concernées) ?",
          de: "Lässt sich nicht genau feststellen, welche Daten entwendet wurden (Gerät oder Dateien sind weg; andere Kategorien können betroffen sein)?"),
        q("identity_theft_or_fraud", .boolean, required: true,
          en: "Could the data serve identity theft or fraud (identity documents, national numbers, bank or card data, account credentials)?",
          fr: "Les données peuvent-elles servir à une usurpation d'identité ou à une fraude (pièces d'identité, numéros nationaux, données bancaires, identifiants de comptes) ?",
          de: "Können die Daten für Identitätsdiebstahl oder Betrug dienen (Ausweisdokumente, nationale Kennnummern, Bank- oder Kartendaten, Zugangsdaten zu Konten)?"),
        q("special_categories_limited", .boolean, required: false, forIncident: .specialCategories,
          en: "Do the special-category data reveal little (a food intolerance, the mere fact of a routine test), the ENISA sensitive category being scored 1 to 3 for nature_of_data?",
          fr: "Les données de catégorie particulière en révèlent-elles peu (une intolérance alimentaire, le seul fait d'un examen de routine), la catégorie sensible ENISA étant notée de 1 à 3 pour nature_of_data ?",
          de: "Geben die Daten besonderer Kategorien wenig preis (eine Lebensmittelunverträglichkeit, die bloße Tatsache einer Routineuntersuchung), wobei die sensible ENISA-Kategorie wegen nature_of_data mit 1 bis 3 bewertet ist?"),
        q("data_combination", .boolean, required: false, when: ("circumstances.confidentiality", ["known_recipients"]),
          en: "Do the data disclosed put several kinds of data on the same person together, or a large volume of them (date of birth, registration number and financial details in one letter)?",
          fr: "Les données divulguées réunissent-elles plusieurs sortes de données sur une même personne, ou un grand volume (date de naissance, immatriculation et données financières dans un même courrier) ?",
          de: "Führen die offengelegten Daten mehrere Arten von Daten über dieselbe Person zusammen, oder eine große Menge davon (Geburtsdatum, Kennnummer und Finanzangaben in einem Schreiben)?"),
        q("backup_restored_quickly", .boolean, required: false, when: ("circumstances.availability", ["recoverable", "temporary"]),
          en: "Did a backup restore the data within hours, without effect on the people?",
          fr: "Une sauvegarde a-t-elle rétabli les données en quelques heures, sans effet pour les personnes ?",
          de: "Hat eine Datensicherung die Daten binnen Stunden wiederhergestellt, ohne Folgen für die betroffenen Personen?"),
        q("trusted_recipient_deleted", .boolean, required: false, when: ("circumstances.confidentiality", ["known_recipients"]),
          en: "Did the data go only to known, trusted recipients who confirmed deleting them without other use?",
          fr: "Les données ne sont-elles allées qu'à des destinataires connus et de confiance, qui ont confirmé les avoir supprimées sans autre usage ?",
          de: "Gingen die Daten nur an bekannte, vertrauenswürdige Empfänger, die bestätigt haben, sie ohne weitere Verwendung gelöscht zu haben?"),
        q("measures_remove_high_risk", .boolean, required: false,
          en: "Do measures taken since ensure that a high risk is no longer likely to materialise (Art. 34(3)(b))?",
          fr: "Des mesures prises depuis garantissent-elles qu'un risque élevé n'est plus susceptible de se matérialiser (art. 34(3)(b)) ?",
          de: "Stellen seither ergriffene Maßnahmen sicher, dass ein hohes Risiko aller Wahrscheinlichkeit nach nicht mehr besteht (Art. 34 Abs. 3 Buchst. b DSGVO)?"),
        q("measures_description", .text, required: true, when: ("measures_remove_high_risk", ["true"]),
          en: "Which measures, and why do they remove the high risk?",
          fr: "Quelles mesures, et pourquoi suppriment-elles le risque élevé ?",
          de: "Welche Maßnahmen, und warum beseitigen sie das hohe Risiko?"),
        q("disproportionate_effort", .boolean, required: false,
          en: "Would contacting some people individually take disproportionate effort (no contact details; Art. 34(3)(c))?",
          fr: "Contacter individuellement certaines personnes exigerait-il des efforts disproportionnés (pas de coordonnées ; art. 34(3)(c)) ?",
          de: "Wäre es mit einem unverhältnismäßigen Aufwand verbunden, manche Personen einzeln zu benachrichtigen (keine Kontaktdaten; Art. 34 Abs. 3 Buchst. c DSGVO)?"),
        q("unreachable_subjects", .integer(1...Int.max), required: true, when: ("disproportionate_effort", ["true"]),
          en: "How many people cannot be reached individually? The others must still be told directly.",
          fr: "Combien de personnes ne peuvent pas être jointes individuellement ? Les autres doivent tout de même être informées directement.",
          de: "Wie viele Personen können nicht einzeln erreicht werden? Die übrigen müssen dennoch direkt benachrichtigt werden."),
    ]

    /// The question with this key.
    public static func named(_ key: String) -> AssessmentQuestion? { all.first { $0.key == key } }

    private static func q(
        _ key: String, _ kind: Kind, required: Bool, when condition: (String, [String])? = nil,
        forIncident incidentCondition: IncidentCondition? = nil, en: String, fr: String, de: String
    ) -> AssessmentQuestion {
        AssessmentQuestion(
            key: key, english: en, french: fr, german: de, kind: kind, required: required,
            askedWhen: condition.map { Condition(key: $0.0, values: $0.1) }, askedForIncident: incidentCondition)
    }

    private static func a(_ value: String, _ en: String, _ fr: String, _ de: String) -> AllowedAnswer {
        AllowedAnswer(value: value, english: en, french: fr, german: de)
    }
}
