import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation

/// A ransomware breach at a Luxembourg sports club, every form-map field filled.
enum Fixture {
    static let awareness = ZonedTime(rfc3339: "2026-11-20T09:30:00+01:00")!
    /// 20 hours after awareness: on time.
    static let onTime = awareness.instant.addingTimeInterval(20 * 3600)
    /// 80 hours after awareness: late.
    static let late = awareness.instant.addingTimeInterval(80 * 3600)
    static let fixedDate = onTime

    static var incident: Incident {
        Incident(
            title: "Ransomware on the members' file server",
            awareness: awareness, timeZone: "Europe/Luxembourg",
            discovery: texts(en: "The IT provider saw encrypted files and a ransom note on the file server.",
                               fr: "Le prestataire informatique a vu des fichiers chiffrés et une demande de rançon sur le serveur de fichiers.",
                               de: "Der IT-Dienstleister hat verschlüsselte Dateien und eine Lösegeldforderung auf dem Dateiserver gesehen."),
            period: Period(start: ZonedTime(rfc3339: "2026-11-19T22:10:00+01:00"), end: ZonedTime(rfc3339: "2026-11-20T08:45:00+01:00")),
            nature: [.confidentiality, .availability], origin: .ransomware, cause: .externalMalicious,
            description: texts(en: "An attacker entered our file server through a flaw in its remote-access software, copied the members' file and encrypted it.",
                               fr: "Un attaquant est entré sur notre serveur de fichiers par une faille de son logiciel d'accès à distance, a copié le fichier des adhérents et l'a chiffré.",
                               de: "Ein Angreifer ist über eine Lücke in der Fernzugriffssoftware in unseren Dateiserver eingedrungen, hat die Mitgliederdatei kopiert und verschlüsselt."),
            dataCategories: [.civilStatus, .contactDetails, .financial],
            specialCategories: [.health],
            approximateRecords: 12_500, approximateSubjects: 4_200,
            subjectCategories: [.members, .minors],
            vulnerableSubjects: VulnerableSubjects(present: true, details: texts(en: "about 900 junior members under 16",
                fr: "environ 900 jeunes adhérents de moins de 16 ans", de: "etwa 900 jugendliche Mitglieder unter 16 Jahren")),
            measuresBefore: texts(en: "Daily encrypted back-ups; access limited to two staff accounts.",
                               fr: "Sauvegardes chiffrées quotidiennes ; accès limité à deux comptes du personnel.",
                               de: "Tägliche verschlüsselte Sicherungen; Zugriff auf zwei Konten von Mitarbeitern beschränkt."),
            likelyConsequences: texts(en: "The copied data could be used for targeted phishing messages or to attempt fraud with bank details.",
                               fr: "Les données copiées pourraient servir à des messages d'hameçonnage ciblés ou à des tentatives de fraude avec les coordonnées bancaires.",
                               de: "Die kopierten Daten könnten für gezielte Phishing-Nachrichten oder für Betrugsversuche mit Bankdaten verwendet werden."),
            potentialHarms: [.fraud, .identityTheft],
            measuresTaken: texts(en: "We cut the server off the network, restored the data from the back-up of 19 November, changed every password and filed a complaint with the police.",
                               fr: "Nous avons coupé le serveur du réseau, restauré les données depuis la sauvegarde du 19 novembre, changé tous les mots de passe et porté plainte auprès de la police.",
                               de: "Wir haben den Server vom Netz getrennt, die Daten aus der Sicherung vom 19. November wiederhergestellt, alle Passwörter geändert und Anzeige bei der Polizei erstattet."),
            measuresPlanned: texts(en: "Replace the remote-access software by 15 December.",
                               fr: "Remplacer le logiciel d'accès à distance d'ici le 15 décembre.",
                               de: "Die Fernzugriffssoftware bis zum 15. Dezember ersetzen."),
            adviceToSubjects: texts(en: "Watch your bank statements and tell your bank about any debit you do not recognise. Be wary of any message that mentions the club and asks for money or personal details.",
                               fr: "Surveillez vos relevés bancaires et signalez à votre banque tout prélèvement que vous ne reconnaissez pas. Méfiez-vous de tout message qui cite le club et vous demande de l'argent ou des données personnelles.",
                               de: "Prüfen Sie Ihre Kontoauszüge und melden Sie Ihrer Bank jede Abbuchung, die Sie nicht kennen. Seien Sie vorsichtig bei Nachrichten, die den Verein erwähnen und Geld oder persönliche Daten verlangen."),
            otherOrganisations: [InvolvedOrganisation(name: "Hébergeur Sàrl", role: .host, details: texts(
                en: "runs the file server", fr: "héberge le serveur de fichiers", de: "betreibt den Dateiserver"))],
            crossBorder: CrossBorder(concerned: true, countries: ["FR", "DE"], otherNotifications: texts(en: "none", fr: "aucune", de: "keine")),
            language: .en
        )
    }

    /// A free text in the three languages, so that a message in each can be composed.
    static func texts(en: String, fr: String, de: String) -> LocalizedText {
        LocalizedText(translations: [.en: en, .fr: fr, .de: de])
    }

    static let controller = Controller(
        name: "Club Sportif Ëttelbréck", registration: "F 1234", address: "1 rue du Stade, L-9000 Ettelbruck",
        country: "LU", sector: "sport", incidentPage: "www.cs-ettelbreck.lu/incident",
        legalRepresentative: Person(name: "Jean Weber", function: "Président", email: "president@cs-ettelbreck.lu"))

    static let dpo = Person(name: "Anne Müller", function: "Déléguée à la protection des données", email: "dpo@cs-ettelbreck.lu", phone: "+352 20 00 00 00")

    static let processor = Controller(name: "Hébergeur Sàrl", country: "LU")

    static let subject = SubjectFields(name: "Zoé Lefèvre", email: "zoe.lefevre@exemple.fr", fields: ["member_no": "M-0042"])

    static func context(_ kind: MessageKind, _ language: Language, at date: Date = onTime, incident: Incident = incident) -> ComposeContext {
        var authority: AuthorityNotice?
        if kind.isAuthority {
            authority = AuthorityNotice(name: "Commission nationale pour la protection des données (CNPD)",
                                        reference: kind == .authorityComplementary ? "CNPD-2026-1187" : "",
                                        initialNotificationDate: kind == .authorityComplementary ? onTime : nil)
        }
        return ComposeContext(kind: kind, incident: incident, reference: "CSE-2026-003", controller: controller, dpo: dpo,
                              authority: authority, processor: kind == .processorNotice ? processor : nil,
                              language: language, composedAt: date, subject: kind == .subject ? subject : nil)
    }

    static var templatesDirectory: URL { MIMECheck.repositoryRoot.appendingPathComponent("Templates") }

    static let composer: Composer = {
        do { return Composer(templates: try TemplateSet(directory: templatesDirectory)) } catch { fatalError("\(error)") }
    }()

    static let sender = try! Mailbox(displayName: "Club Sportif Ëttelbréck – DPO", address: "dpo@cs-ettelbreck.lu")
    static let authorityBox = try! Mailbox(displayName: "CNPD", address: "databreach@cnpd.lu")
    static let builder = try! MIMEBuilder(messageIDDomain: "mail.cs-ettelbreck.lu", clock: { 1_793_000_000_000 })

    /// The full message with a fixed Message-ID and boundaries.
    static func message(_ kind: MessageKind, _ language: Language, seed: UInt64 = 7) throws -> BuiltMessage {
        let context = context(kind, language)
        var random = SeededRandom(seed: seed)
        let to: [Mailbox]? = kind == .subject ? nil : [kind == .processorNotice ? sender : authorityBox]
        return try composer.prepare(context).message(subject: context.subject, from: sender, to: to, replyTo: sender,
                                                     builder: builder, using: &random)
    }
}
