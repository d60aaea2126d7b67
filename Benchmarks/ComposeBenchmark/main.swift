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
    let clock = ContinuousClock()
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    // The same generator state both ways: the same Message-ID and boundaries.
    var identical = true
    for (n, subject) in subjects.prefix(1_000).enumerated() {
        var a = SeededRandom(seed: UInt64(n)), b = SeededRandom(seed: UInt64(n))
        let fast = try prepared.message(subject: subject, from: sender, replyTo: sender, builder: builder, using: &a)
        let reference = try prepared.renderedMessage(subject: subject, from: sender, replyTo: sender, builder: builder, using: &b)
        if fast.bytes != reference.bytes { identical = false }
    }
    print("identical: \(identical ? "yes" : "NO") (first \(min(1_000, count)) messages, skeleton against rendering)")

    var random = SystemRandomNumberGenerator()
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
    if !identical { exit(1) }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
