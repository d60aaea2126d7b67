// Composes the subject communication (render + MIME, text and HTML) for 100,000 subjects and
// prints messages per second. Run: `swift run -c release ComposeBenchmark [TEMPLATES_DIR] [COUNT]`.
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
    discovery: "Encrypted files and a ransom note on the file server.", nature: [.confidentiality, .availability],
    origin: .ransomware, cause: .externalMalicious,
    description: "Un attaquant est entré sur notre serveur de fichiers par une faille de son logiciel d'accès à distance, a copié le fichier des adhérents et l'a chiffré.",
    dataCategories: [.civilStatus, .contactDetails, .financial], approximateRecords: 12_500, approximateSubjects: 4_200,
    subjectCategories: [.members], measuresBefore: "Sauvegardes chiffrées quotidiennes.",
    likelyConsequences: "Les données copiées pourraient servir à des messages d'hameçonnage ciblés ou à des tentatives de fraude.",
    measuresTaken: "Serveur isolé, données restaurées, mots de passe changés, plainte déposée.",
    adviceToSubjects: "Surveillez vos relevés bancaires et méfiez-vous de tout message qui vous demande de l'argent ou des informations.")
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
    var random = SystemRandomNumberGenerator()
    var bytes = 0
    let clock = ContinuousClock()
    let start = clock.now
    for subject in subjects {
        bytes += try prepared.message(subject: subject, from: sender, replyTo: sender, builder: builder, using: &random).bytes.count
    }
    let elapsed = clock.now - start
    let renderStart = clock.now
    for subject in subjects.prefix(20_000) { _ = try prepared.render(subject: subject) }
    let renderOnly = clock.now - renderStart
    print("of which rendering alone (templates, no MIME), measured on 20000: \(renderOnly)")
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("composed \(count) subject messages (fr, text + HTML, render + MIME) in \(String(format: "%.2f", seconds)) s")
    print("\(Int(Double(count) / seconds)) messages/second, \(bytes / count) bytes per message on average")
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
