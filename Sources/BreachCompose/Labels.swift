internal import Foundation
internal import BreachCore

/// The incident file's closed vocabularies, in words a reader understands, per language.
enum Labels {
    static func nature(_ v: BreachNature, _ l: Language) -> String {
        switch (v, l) {
        case (.confidentiality, .fr): "perte de confidentialité (données vues ou copiées par des personnes non autorisées)"
        case (.confidentiality, .en): "loss of confidentiality (data seen or copied by people not authorised to)"
        case (.confidentiality, .de): "Verletzung der Vertraulichkeit (Daten wurden von Unbefugten eingesehen oder kopiert)"
        case (.integrity, .fr): "perte d'intégrité (données modifiées sans autorisation)"
        case (.integrity, .en): "loss of integrity (data changed without authorisation)"
        case (.integrity, .de): "Verletzung der Integrität (Daten wurden unbefugt verändert)"
        case (.availability, .fr): "perte de disponibilité (données perdues, détruites ou inaccessibles)"
        case (.availability, .en): "loss of availability (data lost, destroyed or out of reach)"
        case (.availability, .de): "Verletzung der Verfügbarkeit (Daten gingen verloren, wurden zerstört oder waren unzugänglich)"
        }
    }

    static func origin(_ v: BreachOrigin, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .hackingMalware: t = ("piratage ou logiciel malveillant", "hacking or malware", "Hackerangriff oder Schadsoftware")
        case .ransomware: t = ("rançongiciel", "ransomware", "Erpressungssoftware (Ransomware)")
        case .phishing: t = ("hameçonnage", "phishing", "Phishing")
        case .credentialStuffing: t = ("réutilisation d'identifiants volés ailleurs", "credential stuffing (passwords stolen elsewhere)", "Credential Stuffing (anderswo gestohlene Zugangsdaten)")
        case .lostOrStolenDevice: t = ("appareil perdu ou volé", "lost or stolen device", "verlorenes oder gestohlenes Gerät")
        case .lostOrStolenPaper: t = ("documents papier perdus ou volés", "lost or stolen paper documents", "verlorene oder gestohlene Papierunterlagen")
        case .misdirectedMessage: t = ("envoi au mauvais destinataire", "message sent to the wrong recipient", "Nachricht an falsche Empfänger")
        case .unintendedPublication: t = ("publication involontaire", "unintended publication", "unbeabsichtigte Veröffentlichung")
        case .improperDisposal: t = ("mise au rebut sans destruction", "improper disposal", "unsachgemäße Entsorgung")
        case .unauthorisedAccess: t = ("accès non autorisé", "unauthorised access", "unbefugter Zugriff")
        case .softwareError: t = ("erreur logicielle", "software error", "Softwarefehler")
        case .other: t = ("autre", "other", "sonstige")
        }
        return pick(t, l)
    }

    static func cause(_ v: BreachCause, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .internalAccidental: t = ("acte interne accidentel", "internal, accidental", "intern, versehentlich")
        case .internalMalicious: t = ("acte interne malveillant", "internal, malicious", "intern, vorsätzlich")
        case .externalAccidental: t = ("acte externe accidentel", "external, accidental", "extern, versehentlich")
        case .externalMalicious: t = ("acte externe malveillant", "external, malicious", "extern, vorsätzlich")
        case .unknown: t = ("inconnue à ce jour", "not known yet", "noch unbekannt")
        }
        return pick(t, l)
    }

    static func dataCategory(_ v: DataCategory, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .civilStatus: t = ("état civil (nom, prénom, date de naissance)", "identity (name, date of birth)", "Personalien (Name, Geburtsdatum)")
        case .nationalIdentifier: t = ("numéro d'identification national", "national identification number", "nationale Identifikationsnummer")
        case .contactDetails: t = ("coordonnées (adresse, e-mail, téléphone)", "contact details (address, e-mail, phone)", "Kontaktdaten (Anschrift, E-Mail, Telefon)")
        case .credentials: t = ("identifiants de connexion", "login credentials", "Zugangsdaten")
        case .financial: t = ("données bancaires ou financières", "bank or financial data", "Bank- oder Finanzdaten")
        case .officialDocuments: t = ("copies de documents officiels", "copies of official documents", "Kopien amtlicher Dokumente")
        case .location: t = ("données de localisation", "location data", "Standortdaten")
        case .behavioural: t = ("habitudes et préférences", "habits and preferences", "Gewohnheiten und Vorlieben")
        case .professional: t = ("vie professionnelle", "professional information", "berufliche Angaben")
        case .other: t = ("autres données", "other data", "sonstige Daten")
        }
        return pick(t, l)
    }

    static func specialCategory(_ v: SpecialCategory, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .racialOrEthnicOrigin: t = ("origine raciale ou ethnique", "racial or ethnic origin", "rassische oder ethnische Herkunft")
        case .politicalOpinions: t = ("opinions politiques", "political opinions", "politische Meinungen")
        case .religiousBeliefs: t = ("convictions religieuses ou philosophiques", "religious or philosophical beliefs", "religiöse oder weltanschauliche Überzeugungen")
        case .tradeUnionMembership: t = ("appartenance syndicale", "trade-union membership", "Gewerkschaftszugehörigkeit")
        case .genetic: t = ("données génétiques", "genetic data", "genetische Daten")
        case .biometric: t = ("données biométriques", "biometric data", "biometrische Daten")
        case .health: t = ("données de santé", "health data", "Gesundheitsdaten")
        case .sexLifeOrOrientation: t = ("vie sexuelle ou orientation sexuelle", "sex life or sexual orientation", "Sexualleben oder sexuelle Orientierung")
        case .offencesAndConvictions: t = ("infractions et condamnations", "offences and convictions", "Straftaten und Verurteilungen")
        }
        return pick(t, l)
    }

    static func subjectCategory(_ v: SubjectCategory, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .customers: t = ("clients", "customers", "Kundinnen und Kunden")
        case .prospects: t = ("prospects", "prospective customers", "Interessentinnen und Interessenten")
        case .employees: t = ("salariés", "employees", "Beschäftigte")
        case .applicants: t = ("candidats", "job applicants", "Bewerberinnen und Bewerber")
        case .users: t = ("usagers ou utilisateurs", "users", "Nutzerinnen und Nutzer")
        case .members: t = ("adhérents ou membres", "members", "Mitglieder")
        case .students: t = ("élèves ou étudiants", "pupils or students", "Schülerinnen, Schüler und Studierende")
        case .patients: t = ("patients", "patients", "Patientinnen und Patienten")
        case .minors: t = ("mineurs", "minors", "Minderjährige")
        case .citizens: t = ("administrés", "citizens", "Bürgerinnen und Bürger")
        case .suppliers: t = ("fournisseurs", "suppliers", "Lieferanten")
        case .other: t = ("autres personnes", "other people", "sonstige Personen")
        }
        return pick(t, l)
    }

    static func harm(_ v: PotentialHarm, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .lossOfControl: t = ("perte de contrôle sur ses données", "loss of control over one's data", "Verlust der Kontrolle über die eigenen Daten")
        case .identityTheft: t = ("usurpation d'identité", "identity theft", "Identitätsdiebstahl")
        case .fraud: t = ("fraude", "fraud", "Betrug")
        case .financialLoss: t = ("perte financière", "financial loss", "finanzieller Verlust")
        case .reputationalDamage: t = ("atteinte à la réputation", "damage to reputation", "Rufschädigung")
        case .lossOfConfidentiality: t = ("perte de la confidentialité de données protégées par un secret", "loss of confidentiality of data protected by professional secrecy", "Verlust der Vertraulichkeit von Daten, die einem Berufsgeheimnis unterliegen")
        case .discrimination: t = ("discrimination", "discrimination", "Diskriminierung")
        case .physicalHarm: t = ("atteinte physique", "physical harm", "körperlicher Schaden")
        case .other: t = ("autre préjudice", "other harm", "sonstiger Schaden")
        }
        return pick(t, l)
    }

    static func role(_ v: InvolvedOrganisation.Role, _ l: Language) -> String {
        let t: (String, String, String)
        switch v {
        case .processor: t = ("sous-traitant", "processor", "Auftragsverarbeiter")
        case .subProcessor: t = ("sous-traitant ultérieur", "sub-processor", "Unterauftragsverarbeiter")
        case .host: t = ("hébergeur", "host", "Hosting-Anbieter")
        case .jointController: t = ("responsable conjoint", "joint controller", "gemeinsam Verantwortlicher")
        case .recipient: t = ("destinataire", "recipient", "Empfänger")
        case .other: t = ("autre", "other", "sonstige")
        }
        return pick(t, l)
    }

    static func yesNo(_ v: Bool, _ l: Language) -> String {
        pick(v ? ("oui", "yes", "ja") : ("non", "no", "nein"), l)
    }

    private static let monthNames: [Language: [String]] = [
        .fr: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
        .en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
        .de: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
    ]

    /// A date and time as people write it, with the UTC offset so nobody guesses the zone:
    /// `20 novembre 2026 à 09:30 (UTC+01:00)`, `20 November 2026, 09:30 (UTC+01:00)`,
    /// `20. November 2026, 09:30 Uhr (UTC+01:00)`.
    static func dateTime(_ t: ZonedTime, _ l: Language) -> String {
        let local = Int(t.instant.timeIntervalSince1970.rounded(.down)) + t.offsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = local - days * 86_400
        let (y, m, d) = CivilDate.fromDays(days)
        let hm = "\(MIMEText.two(secs / 3600)):\(MIMEText.two(secs % 3600 / 60))"
        let off = abs(t.offsetSeconds) / 60
        let zone = "UTC" + (t.offsetSeconds < 0 ? "-" : "+") + "\(MIMEText.two(off / 60)):\(MIMEText.two(off % 60))"
        let month = monthNames[l]![m - 1]
        switch l {
        case .fr: return "\(d == 1 ? "1er" : String(d)) \(month) \(y) à \(hm) (\(zone))"
        case .en: return "\(d) \(month) \(y), \(hm) (\(zone))"
        case .de: return "\(d). \(month) \(y), \(hm) Uhr (\(zone))"
        }
    }

    /// A count with the language's thousands separator: `12 500`, `12,500`, `12.500`.
    static func number(_ n: Int, _ l: Language) -> String {
        let digits = String(abs(n))
        let separator: String = l == .fr ? "\u{202F}" : (l == .en ? "," : ".")
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += separator }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A list in running text: `a, b et c`.
    static func list(_ items: [String], _ l: Language) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        let and = pick(("et", "and", "und"), l)
        return items.dropLast().joined(separator: ", ") + " \(and) " + items.last!
    }

    static func pick(_ t: (String, String, String), _ l: Language) -> String {
        switch l {
        case .fr: t.0
        case .en: t.1
        case .de: t.2
        }
    }
}
