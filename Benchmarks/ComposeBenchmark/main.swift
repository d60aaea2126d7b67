// Composes the subject communication (text and HTML, MIME) for 100,000 subjects, from the
// skeleton (what a campaign does) and by rendering the templates (the reference), checks that
// the first 1,000 messages are the same bytes both ways, and prints messages per second.
// Run: `swift run -c release ComposeBenchmark [TEMPLATES_DIR] [COUNT]`.
import BreachCompose
import BreachCore
import Foundation

let arguments = CommandLine.arguments
let templatesDirectory = arguments.count > 1
    ? URL(fileURLWithPath: arguments[1])
    : URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Templates")
let count = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000

let awareness = ZonedTime(rfc3339: "2026-11-20T09:30:00+01:00")!
let incident = Incident(
    title: "Ransomware on the members' file server", awareness: awareness, timeZone: "Europe/Luxembourg",
    discovery: texts("Des fichiers chiffrés et une demande de rançon sur le serveur.", "Encrypted files and a ransom note on the file server.",
                     "Verschlüsselte Dateien und eine Lösegeldforderung auf dem Server."),
    nature: [.confidentiality, .availability], origin: .ransomware, cause: .externalMalicious,
    description: texts("Un attaquant est entré sur notre serveur de fichiers par une faille de son logiciel d'accès à distance, a copié le fichier des adhérents et l'a chiffré.",
                       "An attacker entered our file server through a flaw in its remote-access software, copied the members' file and encrypted it.",
                       "Ein Angreifer ist über eine Lücke der Fernzugriffssoftware in unseren Dateiserver eingedrungen, hat die Mitgliederdatei kopiert und verschlüsselt."),
    dataCategories: [.civilStatus, .contactDetails, .financial], approximateRecords: 12_500, approximateSubjects: 4_200,
    subjectCategories: [.members],
    measuresBefore: texts("Sauvegardes chiffrées quotidiennes.", "Daily encrypted back-ups.", "Tägliche verschlüsselte Sicherungen."),
    likelyConsequences: texts("Les données copiées pourraient servir à des messages d'hameçonnage ciblés ou à des tentatives de fraude.",
                              "The copied data could be used for targeted phishing or attempted fraud.",
                              "Die kopierten Daten könnten für gezieltes Phishing oder Betrugsversuche genutzt werden."),
    measuresTaken: texts("Serveur isolé, données restaurées, mots de passe changés, plainte déposée.",
                         "Server isolated, data restored, passwords changed, complaint filed.",
                         "Server isoliert, Daten wiederhergestellt, Passwörter geändert, Anzeige erstattet."),
    adviceToSubjects: texts("Surveillez vos relevés bancaires et méfiez-vous de tout message qui vous demande de l'argent ou des informations.",
                            "Watch your bank statements and be wary of any message asking you for money or information.",
                            "Prüfen Sie Ihre Kontoauszüge und seien Sie misstrauisch bei Nachrichten, die Geld oder Auskünfte verlangen."))

func texts(_ fr: String, _ en: String, _ de: String) -> LocalizedText {
    LocalizedText(translations: [.fr: fr, .en: en, .de: de])
}
let controller = Controller(name: "Club Sportif Ëttelbréck", country: "LU", incidentPage: "www.cs-ettelbreck.lu/incident")
let dpo = Person(name: "Anne Müller", email: "dpo@cs-ettelbreck.lu")

do {
    let composer = Composer(templates: try TemplateSet(directory: templatesDirectory))
    let prepared = try composer.prepare(ComposeContext(
        kind: .subject, incident: incident, reference: "CSE-2026-003", controller: controller, dpo: dpo,
        language: .fr, composedAt: Date(), subject: SubjectFields(email: "x@example.org")))
    let builder = try MIMEBuilder(messageIDDomain: "mail.cs-ettelbreck.lu")
    let sender = try Mailbox(displayName: "Club Sportif Ëttelbréck", address: "dpo@cs-ettelbreck.lu")
    let subjects = (0..<count).map { n in
        SubjectFields(name: "Zoé Lefèvre \(n)", email: "person.\(n)@exemple.fr", fields: ["member_no": "M-\(n)"])
    }
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    // The same generator state both ways, and the same clock: the same Message-ID and boundaries
    // (the system's clock could move to the next millisecond between the two).
    let fixedBuilder = try MIMEBuilder(messageIDDomain: "mail.cs-ettelbreck.lu", clock: { 1_795_000_000_000 })
    var identical = true
    for (n, subject) in subjects.prefix(1_000).enumerated() {
        var a = SeededRandom(seed: UInt64(n)), b = SeededRandom(seed: UInt64(n))
        let fast = try prepared.message(subject: subject, from: sender, replyTo: sender, builder: fixedBuilder, using: &a)
        let reference = try prepared.renderedMessage(subject: subject, from: sender, replyTo: sender, builder: fixedBuilder, using: &b)
        if fast.bytes != reference.bytes { identical = false }
    }
    print("identical: \(identical ? "yes" : "NO") (first \(min(1_000, count)) messages, skeleton against rendering)")

    var random = BufferedSystemRandom()  // as each connection of a campaign draws its numbers
    var bytes = 0
    let before = prepared.compositionCounts
    var start = clock.now
    for subject in subjects {
        bytes += try prepared.message(subject: subject, from: sender, replyTo: sender, builder: builder, using: &random).bytes.count
    }
    let fast = seconds(clock.now - start)
    let counts = (fromSkeleton: prepared.compositionCounts.fromSkeleton - before.fromSkeleton,
                  rendered: prepared.compositionCounts.rendered - before.rendered)
    start = clock.now
    for subject in subjects {
        _ = try prepared.renderedMessage(subject: subject, from: sender, replyTo: sender, builder: builder, using: &random)
    }
    let reference = seconds(clock.now - start)
    let renderStart = clock.now
    for subject in subjects.prefix(20_000) { _ = try prepared.render(subject: subject) }
    print("of which rendering alone (templates, no MIME), measured on 20000: \(clock.now - renderStart)")
    print("composed \(count) subject messages (fr, text + HTML, MIME), \(bytes / count) bytes per message on average")
    print("  from the skeleton: \(String(format: "%.2f", fast)) s, \(Int(Double(count) / fast)) messages/second, "
          + "\(String(format: "%.1f", fast / Double(count) * 1e6)) µs per message "
          + "(\(counts.fromSkeleton) from a skeleton, \(counts.rendered) rendered)")
    print("  rendered (reference): \(String(format: "%.2f", reference)) s, \(Int(Double(count) / reference)) messages/second, "
          + "\(String(format: "%.1f", reference / Double(count) * 1e6)) µs per message")
    print("  \(String(format: "%.1f", reference / fast))× faster")

    // A mixed population, as a real export gives it: three languages, a fifth without a name,
    // names in Latin, Arabic, Hebrew, Devanagari and Greek scripts; each composed from its
    // language's prepared composition, as the campaign does.
    let languages: [Language] = [.fr, .en, .de]
    var preparedByLanguage: [Language: PreparedComposition] = [:]
    for language in languages {
        preparedByLanguage[language] = try composer.prepare(ComposeContext(
            kind: .subject, incident: incident, reference: "CSE-2026-003", controller: controller, dpo: dpo,
            language: language, composedAt: Date(), subject: SubjectFields(email: "x@example.org")))
    }
    let names = ["Zoé Lefèvre", "Jürgen Groß", "Mary O'Neill", "", "فاطمة الزهراء", "דוד כהן", "अनीता शर्मा", "Νίκος Παπαδόπουλος", "Łukasz Żółć", ""]
    let mixed = (0..<count).map { n in
        (languages[n % 3], SubjectFields(name: names[n % names.count], email: "person.\(n)@exemple.fr", fields: ["member_no": "M-\(n)"]))
    }
    let mixedBefore = languages.map { preparedByLanguage[$0]!.compositionCounts }
    start = clock.now
    var mixedBytes = 0
    for (language, subject) in mixed {
        mixedBytes += try preparedByLanguage[language]!.message(subject: subject, from: sender, replyTo: sender, builder: builder, using: &random).bytes.count
    }
    let mixedSeconds = seconds(clock.now - start)
    var fromSkeleton = 0, rendered = 0
    for (i, language) in languages.enumerated() {
        let after = preparedByLanguage[language]!.compositionCounts
        fromSkeleton += after.fromSkeleton - mixedBefore[i].fromSkeleton
        rendered += after.rendered - mixedBefore[i].rendered
    }
    print("composed \(count) subject messages of a mixed population (fr, en, de in thirds; 20 % without a name; names in "
          + "Latin, Arabic, Hebrew, Devanagari and Greek scripts), \(mixedBytes / count) bytes per message on average")
    print("  \(String(format: "%.2f", mixedSeconds)) s, \(Int(Double(count) / mixedSeconds)) messages/second "
          + "(\(fromSkeleton) from a skeleton, \(rendered) rendered in full)")
    if !identical { exit(1) }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
