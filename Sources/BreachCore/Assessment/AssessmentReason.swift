/// The languages the assessment explains itself in.
public enum AssessmentLanguage: String, Sendable, Codable, CaseIterable {
    case fr, en, de

    /// The one of three texts in this language.
    public func pick(_ en: String, _ fr: String, _ de: String) -> String {
        switch self {
        case .en: en
        case .fr: fr
        case .de: de
        }
    }
}

/// Why a decision came out as it did: an article, or a factor of the breach, in words a DPO
/// can defend before the authority.
///
/// In JSON a reason is its `code`, its parameters, and its texts as shown at the time
/// (`{"code": "many_subjects", "subjects": 259, "en": "…", "fr": "…"}`), so the register keeps
/// what the DPO read even if a later version words it differently.
public enum AssessmentReason: Sendable, Equatable, Codable {
    /// Art. 33(5): every breach is documented.
    case documentation
    /// The ENISA score and band.
    case severity(Severity)
    /// Art. 34(3)(a): encrypted or strongly hashed with a key that is safe.
    case dataUnintelligible
    /// Encrypted, but the key is compromised: the data count as readable.
    case keyCompromised
    /// Availability restored quickly from a backup.
    case backupRestored
    /// Data exposed, but the investigation rules out that they were taken.
    case exfiltrationRuledOut
    /// The only recipient is trusted and confirmed deleting the data.
    case trustedRecipient
    /// Special categories (Art. 9) or offences data (Art. 10) concerned.
    case specialCategories([SpecialCategory])
    /// Children, patients or other vulnerable people concerned.
    case vulnerableSubjects
    /// The data can serve identity theft or fraud.
    case identityTheftOrFraud
    /// The data were copied out.
    case exfiltration
    /// Exfiltration cannot be ruled out (in doubt, notify).
    case exfiltrationNotRuledOut
    /// Disclosed to an unknown number of recipients.
    case unknownRecipients
    /// A deliberate act.
    case maliciousIntent
    /// At least ``Assessment/manySubjectsThreshold`` people concerned.
    case manySubjects(Int)
    /// Availability lost and not restored quickly (temporary or permanent).
    case availabilityNotRestored(AvailabilityLoss)
    /// Data altered and possibly misused.
    case integrityLost(IntegrityLoss)
    /// No basic protection (neither encryption nor a password), exfiltration not ruled out.
    case noBasicProtection
    /// No basic protection, many people, and which data were taken is unknown (EDPB case 11): high.
    case unprotectedAtScale(Int)
    /// Which data were taken cannot be established.
    case dataScopeUnknown
    /// Several kinds of data on one person together, or a large volume (ENISA's volume modifier).
    case dataCombination
    /// The special-category data reveal little (ENISA sensitive scored 1 to 3): a risk, not a high one.
    case specialCategoriesLimited
    /// Art. 33(1): nothing that could affect the people remains (no decisive factor).
    case noLossAtStake
    /// Art. 33(1): low severity and no factor outside the score weighs against the people.
    case riskUnlikely
    /// Art. 34(1): there is a risk, but nothing makes it high.
    case riskNotHigh(SeverityBand)
    /// Art. 34(3)(b): measures taken since remove the high risk (their description).
    case measuresRemoveHighRisk(String)
    /// Art. 34(3)(c): some people cannot be reached individually; a public communication informs them.
    case disproportionateEffort(unreachable: Int, total: Int)

    /// The stable name of the reason in JSON.
    public var code: String {
        switch self {
        case .documentation: "documentation"
        case .severity: "severity"
        case .dataUnintelligible: "data_unintelligible"
        case .keyCompromised: "key_compromised"
        case .backupRestored: "backup_restored"
        case .exfiltrationRuledOut: "exfiltration_ruled_out"
        case .trustedRecipient: "trusted_recipient"
        case .specialCategories: "special_categories"
        case .vulnerableSubjects: "vulnerable_subjects"
        case .identityTheftOrFraud: "identity_theft_or_fraud"
        case .exfiltration: "exfiltration"
        case .exfiltrationNotRuledOut: "exfiltration_not_ruled_out"
        case .unknownRecipients: "unknown_recipients"
        case .maliciousIntent: "malicious_intent"
        case .manySubjects: "many_subjects"
        case .availabilityNotRestored: "availability_not_restored"
        case .integrityLost: "integrity_lost"
        case .noBasicProtection: "no_basic_protection"
        case .unprotectedAtScale: "unprotected_at_scale"
        case .dataScopeUnknown: "data_scope_unknown"
        case .dataCombination: "data_combination"
        case .specialCategoriesLimited: "special_categories_limited"
        case .noLossAtStake: "no_loss_at_stake"
        case .riskUnlikely: "risk_unlikely"
        case .riskNotHigh: "risk_not_high"
        case .measuresRemoveHighRisk: "measures_remove_high_risk"
        case .disproportionateEffort: "disproportionate_effort"
        }
    }

    /// The reason in plain words, citing its article where one applies.
    public func text(language: AssessmentLanguage) -> String {
        switch language {
        case .en: english
        case .fr: french
        case .de: german
        }
    }

    private var english: String {
        switch self {
        case .documentation:
            "Art. 33(5): every personal data breach is documented in the register (facts, effects, measures and this decision), whether notified or not."
        case .severity(let s):
            "ENISA severity: SE = DPC × EI + CB = \(s.dpc) × \(SeverityScore(quarters: s.easeOfIdentification.quarters)) + \(SeverityScore(quarters: s.circumstances.quarters)) = \(s.score), \(s.band.english) (DPC from the \(s.dpcCategory.rawValue) data, ease of identification \(s.easeOfIdentification.rawValue))."
        case .dataUnintelligible:
            "Art. 34(3)(a): the data were unintelligible to anyone not authorised (state-of-the-art encryption or strong salted hashing) and the key is not compromised, so the breach is unlikely to affect the people."
        case .keyCompromised:
            "The data were encrypted but the key is compromised: they count as readable, and Art. 34(3)(a) does not apply."
        case .backupRestored:
            "A backup restored the lost data quickly, without effect on the people concerned."
        case .exfiltrationRuledOut:
            "The data were exposed, but the investigation rules out that they were taken or read."
        case .trustedRecipient:
            "The data reached only a known, trusted recipient who confirmed deleting them without any other use (EDPB Guidelines 01/2021; some authorities, such as Poland's, still expect a notification: check national practice)."
        case .specialCategories(let categories):
            "Special categories of data are concerned (Art. 9 and 10: \(categories.map(\.english).joined(separator: ", "))): their disclosure or loss can cause serious harm."
        case .vulnerableSubjects:
            "Vulnerable people are concerned (children, patients…): they are less able to protect themselves."
        case .identityTheftOrFraud:
            "The data can be used for identity theft or fraud."
        case .exfiltration:
            "The data were copied out of the controller's control: they can be used, sold or published."
        case .exfiltrationNotRuledOut:
            "It cannot be ruled out that the data were taken; in doubt, notify (CNIL)."
        case .unknownRecipients:
            "The data were disclosed to an unknown number of recipients."
        case .maliciousIntent:
            "The breach is a deliberate act: misuse of the data is more likely than after an accident."
        case .manySubjects(let count):
            "About \(count) people are concerned: the more people, the greater the impact."
        case .availabilityNotRestored(let loss):
            loss == .permanent
                ? "The data are lost for good: no usable copy restores them."
                : "The data were unavailable for a time and not restored quickly: the delay itself can harm the people."
        case .integrityLost(let loss):
            "The data were altered and may have been misused (originals \(loss == .recoverable ? "recoverable" : "not recoverable"))."
        case .noBasicProtection:
            "The data had no basic protection, neither encryption nor a password: whoever holds the device or the files can read them, and the lack of basic security measures raises the risk (Art. 32; EDPB Guidelines 01/2021, case 11)."
        case .unprotectedAtScale(let count):
            "The data of about \(count) people had no basic protection (neither encryption nor a password) and which data were taken cannot be established: ENISA leaves the number of people and the intelligibility of the data for the assessor to weigh after the score, and the EDPB holds such a breach a high risk (Guidelines 01/2021, case 11)."
        case .dataScopeUnknown:
            "Which data were taken cannot be established: categories other than those assessed may be concerned, so the assessment does not assume the least (EDPB Guidelines 01/2021, case 11)."
        case .dataCombination:
            "The data disclosed put several kinds of data on the same person together (or a large volume of them): together they say more and serve misuse better than the highest category alone, which is all the ENISA score keeps (ENISA volume factor; EDPB Guidelines 01/2021, case 16)."
        case .specialCategoriesLimited:
            "The special-category data reveal little (ENISA scores the sensitive category below 4 for the nature of the data, as for the mere fact of a routine blood test): they make the breach a risk to notify, not on their own a high risk (ENISA special-category severity; EDPB Guidelines 01/2021, case 15)."
        case .noLossAtStake:
            "Art. 33(1): no loss remains that can affect the people (nothing disclosed, lastingly unavailable or misused): the breach is unlikely to result in a risk."
        case .riskUnlikely:
            "Art. 33(1): the ENISA severity is low and none of the factors the score leaves out (special categories, vulnerable people, number of people, identity theft or fraud, exfiltration, malicious intent, unknown recipients, no basic protection, an unknown scope, data combined) weighs against the people: the breach is unlikely to result in a risk."
        case .riskNotHigh(let band):
            "Art. 34(1): the risk is real but not high: the ENISA severity is \(band.english) and no factor makes it high (special categories, vulnerable people, identity theft or fraud)."
        case .measuresRemoveHighRisk(let measures):
            "Art. 34(3)(b): the measures taken since ensure that the high risk is no longer likely to materialise: \(measures)"
        case .disproportionateEffort(let unreachable, let total):
            "Art. 34(3)(c): reaching \(unreachable) of the \(total) people individually would take disproportionate effort: a public communication must inform them instead; everyone who can be reached is still told directly."
        }
    }

    private var french: String {
        switch self {
        case .documentation:
            "Art. 33(5) : toute violation de données personnelles est documentée dans le registre (faits, effets, mesures et cette décision), qu'elle soit notifiée ou non."
        case .severity(let s):
            "Gravité ENISA : SE = DPC × EI + CB = \(s.dpc) × \(SeverityScore(quarters: s.easeOfIdentification.quarters).formatted(decimalSeparator: ",")) + \(SeverityScore(quarters: s.circumstances.quarters).formatted(decimalSeparator: ",")) = \(s.score.formatted(decimalSeparator: ",")), \(s.band.french) (DPC des données \(s.dpcCategory.french), facilité d'identification \(s.easeOfIdentification.french))."
        case .dataUnintelligible:
            "Art. 34(3)(a) : les données étaient inintelligibles pour toute personne non autorisée (chiffrement à l'état de l'art ou hachage fort et salé) et la clé n'est pas compromise ; la violation ne devrait donc pas affecter les personnes."
        case .keyCompromised:
            "Les données étaient chiffrées mais la clé est compromise : elles doivent être considérées comme lisibles et l'art. 34(3)(a) ne s'applique pas."
        case .backupRestored:
            "Une sauvegarde a permis de rétablir rapidement les données perdues, sans effet pour les personnes concernées."
        case .exfiltrationRuledOut:
            "Les données ont été exposées, mais l'enquête exclut qu'elles aient été prises ou lues."
        case .trustedRecipient:
            "Les données n'ont été reçues que par un destinataire connu et de confiance, qui a confirmé les avoir supprimées sans autre usage (lignes directrices 01/2021 du CEPD ; certaines autorités, comme l'autorité polonaise, attendent tout de même une notification : vérifier la pratique nationale)."
        case .specialCategories(let categories):
            "Des catégories particulières de données sont concernées (art. 9 et 10 : \(categories.map(\.french).joined(separator: ", "))) : leur divulgation ou leur perte peut causer un préjudice grave."
        case .vulnerableSubjects:
            "Des personnes vulnérables sont concernées (enfants, patients…) : elles sont moins à même de se protéger."
        case .identityTheftOrFraud:
            "Les données peuvent servir à une usurpation d'identité ou à une fraude."
        case .exfiltration:
            "Les données ont été copiées hors du contrôle du responsable du traitement : elles peuvent être utilisées, vendues ou publiées."
        case .exfiltrationNotRuledOut:
            "On ne peut pas exclure que les données aient été prises ; en cas de doute, notifier (CNIL)."
        case .unknownRecipients:
            "Les données ont été divulguées à un nombre inconnu de destinataires."
        case .maliciousIntent:
            "La violation résulte d'un acte délibéré : une utilisation abusive des données est plus probable qu'après un accident."
        case .manySubjects(let count):
            "Environ \(count) personnes sont concernées : plus elles sont nombreuses, plus l'impact est grand."
        case .availabilityNotRestored(let loss):
            loss == .permanent
                ? "Les données sont définitivement perdues : aucune copie exploitable ne permet de les rétablir."
                : "Les données ont été indisponibles un temps sans être rétablies rapidement : ce délai peut lui-même nuire aux personnes."
        case .integrityLost(let loss):
            "Les données ont été modifiées et ont pu être utilisées à tort (originaux \(loss == .recoverable ? "récupérables" : "non récupérables"))."
        case .noBasicProtection:
            "Les données n'avaient aucune protection de base, ni chiffrement ni mot de passe : quiconque détient l'appareil ou les fichiers peut les lire, et l'absence de mesures de sécurité de base accroît le risque (art. 32 ; lignes directrices 01/2021 du CEPD, cas 11)."
        case .unprotectedAtScale(let count):
            "Les données d'environ \(count) personnes n'avaient aucune protection de base (ni chiffrement ni mot de passe) et l'on ne peut pas établir lesquelles ont été prises : l'ENISA laisse le nombre de personnes et l'intelligibilité des données à l'appréciation de l'évaluateur après le score, et le CEPD tient une telle violation pour un risque élevé (lignes directrices 01/2021, cas 11)."
        case .dataScopeUnknown:
            "On ne peut pas établir quelles données ont été prises : d'autres catégories que celles évaluées peuvent être concernées, et l'évaluation ne retient donc pas l'hypothèse la plus favorable (lignes directrices 01/2021 du CEPD, cas 11)."
        case .dataCombination:
            "Les données divulguées réunissent plusieurs sortes de données sur une même personne (ou un grand volume) : ensemble, elles en disent plus et se prêtent mieux à un usage abusif que la seule catégorie la plus élevée, la seule que retient le score ENISA (facteur de volume ENISA ; lignes directrices 01/2021 du CEPD, cas 16)."
        case .specialCategoriesLimited:
            "Les données de catégorie particulière en révèlent peu (l'ENISA note la catégorie sensible sous 4 selon la nature des données, comme pour le seul fait d'une prise de sang de routine) : elles font de la violation un risque à notifier, pas à elles seules un risque élevé (gravité des catégories particulières ENISA ; lignes directrices 01/2021 du CEPD, cas 15)."
        case .noLossAtStake:
            "Art. 33(1) : il ne reste aucune perte qui puisse affecter les personnes (rien de divulgué, d'indisponible durablement ni d'utilisé à tort) : la violation n'est pas susceptible d'engendrer un risque."
        case .riskUnlikely:
            "Art. 33(1) : la gravité ENISA est faible et aucun des facteurs que le score ignore (catégories particulières, personnes vulnérables, nombre de personnes, usurpation d'identité ou fraude, exfiltration, malveillance, destinataires inconnus, absence de protection de base, périmètre inconnu, données combinées) ne joue contre les personnes : la violation n'est pas susceptible d'engendrer un risque."
        case .riskNotHigh(let band):
            "Art. 34(1) : le risque est réel mais pas élevé : la gravité ENISA est \(band.french) et aucun facteur ne le rend élevé (catégories particulières, personnes vulnérables, usurpation d'identité ou fraude)."
        case .measuresRemoveHighRisk(let measures):
            "Art. 34(3)(b) : les mesures prises depuis garantissent que le risque élevé n'est plus susceptible de se matérialiser : \(measures)"
        case .disproportionateEffort(let unreachable, let total):
            "Art. 34(3)(c) : contacter individuellement \(unreachable) des \(total) personnes exigerait des efforts disproportionnés : une communication publique doit les informer à la place ; toutes les personnes joignables sont tout de même informées directement."
        }
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case code, severity, categories, subjects, availability, integrity, band, measures, unreachable, total, en, fr
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        switch self {
        case .severity(let severity): try container.encode(severity, forKey: .severity)
        case .specialCategories(let categories): try container.encode(categories, forKey: .categories)
        case .manySubjects(let count), .unprotectedAtScale(let count): try container.encode(count, forKey: .subjects)
        case .availabilityNotRestored(let loss): try container.encode(loss, forKey: .availability)
        case .integrityLost(let loss): try container.encode(loss, forKey: .integrity)
        case .riskNotHigh(let band): try container.encode(band, forKey: .band)
        case .measuresRemoveHighRisk(let measures): try container.encode(measures, forKey: .measures)
        case .disproportionateEffort(let unreachable, let total):
            try container.encode(unreachable, forKey: .unreachable)
            try container.encode(total, forKey: .total)
        default: break
        }
        try container.encode(english, forKey: .en)
        try container.encode(french, forKey: .fr)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let code = try container.decode(String.self, forKey: .code)
        switch code {
        case "documentation": self = .documentation
        case "severity": self = .severity(try container.decode(Severity.self, forKey: .severity))
        case "data_unintelligible": self = .dataUnintelligible
        case "key_compromised": self = .keyCompromised
        case "backup_restored": self = .backupRestored
        case "exfiltration_ruled_out": self = .exfiltrationRuledOut
        case "trusted_recipient": self = .trustedRecipient
        case "special_categories": self = .specialCategories(try container.decode([SpecialCategory].self, forKey: .categories))
        case "vulnerable_subjects": self = .vulnerableSubjects
        case "identity_theft_or_fraud": self = .identityTheftOrFraud
        case "exfiltration": self = .exfiltration
        case "exfiltration_not_ruled_out": self = .exfiltrationNotRuledOut
        case "unknown_recipients": self = .unknownRecipients
        case "malicious_intent": self = .maliciousIntent
        case "many_subjects": self = .manySubjects(try container.decode(Int.self, forKey: .subjects))
        case "availability_not_restored": self = .availabilityNotRestored(try container.decode(AvailabilityLoss.self, forKey: .availability))
        case "integrity_lost": self = .integrityLost(try container.decode(IntegrityLoss.self, forKey: .integrity))
        case "no_basic_protection": self = .noBasicProtection
        case "unprotected_at_scale": self = .unprotectedAtScale(try container.decode(Int.self, forKey: .subjects))
        case "data_scope_unknown": self = .dataScopeUnknown
        case "data_combination": self = .dataCombination
        case "special_categories_limited": self = .specialCategoriesLimited
        case "no_loss_at_stake": self = .noLossAtStake
        case "risk_unlikely": self = .riskUnlikely
        case "risk_not_high": self = .riskNotHigh(try container.decode(SeverityBand.self, forKey: .band))
        case "measures_remove_high_risk": self = .measuresRemoveHighRisk(try container.decode(String.self, forKey: .measures))
        case "disproportionate_effort":
            self = .disproportionateEffort(
                unreachable: try container.decode(Int.self, forKey: .unreachable),
                total: try container.decode(Int.self, forKey: .total))
        default:
            throw DecodingError.dataCorruptedError(forKey: .code, in: container, debugDescription: "unknown assessment reason \(code)")
        }
    }
}

extension SeverityBand {
    var english: String {
        switch self {
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .veryHigh: "very high"
        }
    }

    /// Agrees with *gravité* (feminine).
    var french: String {
        switch self {
        case .low: "faible"
        case .medium: "moyenne"
        case .high: "élevée"
        case .veryHigh: "très élevée"
        }
    }
}

extension DPCCategory {
    var french: String {
        switch self {
        case .simple: "simples"
        case .behavioural: "comportementales"
        case .financial: "financières"
        case .sensitive: "sensibles"
        }
    }
}

extension EaseOfIdentification {
    var french: String {
        switch self {
        case .negligible: "négligeable"
        case .limited: "limitée"
        case .significant: "significative"
        case .maximum: "maximale"
        }
    }
}

extension SpecialCategory {
    var english: String {
        switch self {
        case .racialOrEthnicOrigin: "racial or ethnic origin"
        case .politicalOpinions: "political opinions"
        case .religiousBeliefs: "religious or philosophical beliefs"
        case .tradeUnionMembership: "trade-union membership"
        case .genetic: "genetic data"
        case .biometric: "biometric data"
        case .health: "health"
        case .sexLifeOrOrientation: "sex life or sexual orientation"
        case .offencesAndConvictions: "criminal offences and convictions"
        }
    }

    var french: String {
        switch self {
        case .racialOrEthnicOrigin: "origine raciale ou ethnique"
        case .politicalOpinions: "opinions politiques"
        case .religiousBeliefs: "convictions religieuses ou philosophiques"
        case .tradeUnionMembership: "appartenance syndicale"
        case .genetic: "données génétiques"
        case .biometric: "données biométriques"
        case .health: "santé"
        case .sexLifeOrOrientation: "vie ou orientation sexuelle"
        case .offencesAndConvictions: "infractions et condamnations pénales"
        }
    }
}
