import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// Sentences each kind must carry once decoded, per language.
private let expected: [Language: [MessageKind: [String]]] = [
    .fr: [
        .authorityInitial: ["Notification initiale.", "1. Type de notification", "15. Conséquences probables", "Anne Müller", "4\u{202F}200", "Sans objet : la notification intervient dans le délai de 72 heures ; l'échéance est le 23 novembre 2026 à 09:30 (UTC+01:00)."],
        .authorityComplementary: ["Notification complémentaire à la notification initiale du 21 novembre 2026 à 05:30 (UTC+01:00)", "votre référence : CNPD-2026-1187"],
        .subject: ["Bonjour Zoé Lefèvre,", "Nous ne vous demanderons jamais votre mot de passe", "www.cs-ettelbreck.lu/incident", "Cherchez-y la référence CSE-2026-003."],
        .publicNotice: ["Communication publique sur une violation de données personnelles", "article 34, paragraphe 3, point c"],
        .processorNotice: ["En qualité de sous-traitant, Hébergeur Sàrl vous informe", "Données et personnes concernées"],
    ],
    .en: [
        .authorityInitial: ["Initial notification.", "15. Likely consequences", "4,200", "12,500"],
        .authorityComplementary: ["It completes our initial notification of 21 November 2026, 05:30 (UTC+01:00), your reference CNPD-2026-1187."],
        .subject: ["Dear Zoé Lefèvre,", "We will never ask you for your password", "look for the reference CSE-2026-003."],
        .publicNotice: ["Public notice of a personal data breach", "Article 34(3)(c)"],
        .processorNotice: ["As your processor, Hébergeur Sàrl informs you without undue delay"],
    ],
    .de: [
        .authorityInitial: ["Erstmeldung.", "15. Wahrscheinliche Folgen", "4.200", "Die Verletzung wurde uns am 20. November 2026, 09:30 Uhr (UTC+01:00) bekannt."],
        .authorityComplementary: ["Sie ergänzt unsere Erstmeldung vom 21. November 2026, 05:30 Uhr (UTC+01:00), Ihr Aktenzeichen CNPD-2026-1187."],
        .subject: ["Guten Tag Zoé Lefèvre,", "Wir werden Sie niemals nach Ihrem Passwort fragen", "Suchen Sie dort nach dem Aktenzeichen CSE-2026-003."],
        .publicNotice: ["Öffentliche Bekanntmachung einer Verletzung", "Artikel 34 Absatz 3 Buchstabe c DSGVO"],
        .processorNotice: ["als Ihr Auftragsverarbeiter meldet Ihnen Hébergeur Sàrl unverzüglich"],
    ],
]

private let cases: [(MessageKind, Language)] = MessageKind.allCases.flatMap { k in Language.allCases.map { (k, $0) } }

@Test("every kind in every language passes Python's strict parser, part by part", arguments: cases)
func strictParse(kind: MessageKind, language: Language) throws {
    let built = try Fixture.message(kind, language)
    let check = try MIMECheck.parse(built.bytes)
    #expect(check.error == nil)
    #expect(check.problems.isEmpty)
    #expect(check.headerMax <= 78)
    let root = try #require(check.root)
    #expect(root.defects.isEmpty)
    #expect(root.header("MIME-Version") == "1.0")
    #expect(root.header("Message-ID") == "<\(built.messageID)>")
    #expect(root.header("Date") == "Sat, 21 Nov 2026 05:30:00 +0100")
    #expect(root.header("From") == "Club Sportif Ëttelbréck – DPO <dpo@cs-ettelbreck.lu>")
    let subject = try #require(root.header("Subject"))
    #expect(subject.contains("CSE-2026-003"))
    if kind == .subject { #expect(subject.contains("Ëttelbréck")) }

    let leaves = root.leaves
    for leaf in leaves { #expect(leaf.defects.isEmpty) }
    let text = try #require(leaves.first)
    #expect(text.contentType == "text/plain")
    #expect(text.charset == "utf-8")
    #expect(text.transferEncoding == "quoted-printable")
    #expect(text.header("Content-Language") == language.rawValue)
    let body = try #require(text.body).replacingOccurrences(of: "\r\n", with: "\n")
    for sentence in expected[language]![kind]! {
        #expect(body.contains(sentence), "\(kind.rawValue)/\(language.rawValue) lacks: \(sentence)")
    }
    #expect(!body.contains("{{"))

    switch kind {
    case .subject:
        #expect(root.contentType == "multipart/alternative")
        #expect(leaves.map(\.contentType) == ["text/plain", "text/html"])
        #expect(check.addresses["To"] == [["Zoé Lefèvre", "zoe.lefevre@exemple.fr"]])
        let html = try #require(leaves[1].body)
        #expect(!html.contains("href") && !html.contains("<img") && !html.contains("http"))
        // Values are HTML-escaped (the French and English descriptions hold an apostrophe).
        let description = Fixture.incident.text(Fixture.incident.description, in: language)
        #expect(html.contains(description.replacingOccurrences(of: "'", with: "&#39;")))
        #expect(language == .de || (description.contains("'") && !html.contains(description)))
    case .authorityInitial, .authorityComplementary:
        #expect(root.contentType == "multipart/mixed")
        #expect(leaves.map(\.contentType) == ["text/plain", "application/json"])
        let json = try #require(leaves[1].body)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["likely_consequences"] as? String == Fixture.incident.text(Fixture.incident.likelyConsequences, in: language))
        #expect((object["notification"] as? [String: Any])?["type"] as? String == (kind == .authorityInitial ? "initial" : "complementary"))
        #expect(leaves[1].filename == "CSE-2026-003-notification-\(kind == .authorityInitial ? "initial" : "complementary").json")
    case .publicNotice, .processorNotice:
        #expect(root.contentType == "text/plain")
    }
}

@Test func authorityNotificationFollowsTheFormMapOrder() throws {
    let text = try Fixture.composer.plainText(Fixture.context(.authorityInitial, .en))
    let headings = ["1. Type of notification", "2. Organisation", "3. Legal representative", "4. Contact person",
                    "5. Other organisations", "6. Dates and discovery", "7. Reasons for the delay", "8. Nature",
                    "9. Origin and cause", "10. Description", "11. Data concerned", "12. Approximate number of records",
                    "13. People concerned", "14. Security measures", "15. Likely consequences",
                    "16. Potential harms and estimated severity", "17. Measures taken", "18. Communication to the people concerned",
                    "19. Cross-border", "20. Advice"]
    var position = text.startIndex
    for heading in headings {
        let found = try #require(text.range(of: heading, range: position..<text.endIndex), "\(heading) missing or out of order")
        position = found.upperBound
    }
}

@Test func subjectMessageWithoutNameGreetsPlainly() throws {
    var context = Fixture.context(.subject, .de)
    context.subject = SubjectFields(email: "x@example.org")
    let text = try Fixture.composer.plainText(context)
    #expect(text.hasPrefix("Guten Tag,\n"))
}

@Test func nonASCIIAttachmentNameUsesRFC2231() throws {
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    let message = OutgoingMessage(from: Fixture.sender, to: [Fixture.authorityBox], subject: "x", date: Fixture.fixedDate,
                                  text: "x", attachments: [Attachment(filename: "notification-été.json", contentType: "application/json", data: Array("{}".utf8))])
    var random = SeededRandom(seed: 1)
    let built = try builder.build(message, using: &random)
    #expect(String(decoding: built.bytes, as: UTF8.self).contains("filename*=utf-8''notification-%C3%A9t%C3%A9.json"))
    let check = try MIMECheck.parse(built.bytes)
    #expect(check.error == nil)
    #expect(check.root?.leaves.last?.filename == "notification-été.json")
    #expect(check.root?.leaves.last?.body == "{}")
}

@Test func longLinesAndSpecialCharactersSurviveQuotedPrintable() throws {
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    let long = String(repeating: "é", count: 700) + " end \nFrom the start\n.dot\ntrailing space \n= sign"
    let message = OutgoingMessage(from: Fixture.sender, to: [Fixture.authorityBox],
                                  subject: String(repeating: "Überschrift ", count: 20), date: Fixture.fixedDate, text: long)
    let built = try builder.build(message)
    let check = try MIMECheck.parse(built.bytes)
    #expect(check.error == nil)
    #expect(check.problems.isEmpty)
    #expect(check.headerMax <= 78)
    let body = try #require(check.root?.body).replacingOccurrences(of: "\r\n", with: "\n")
    #expect(body == long + "\n")
    #expect(check.root?.header("Subject") == String(repeating: "Überschrift ", count: 20).trimmingCharacters(in: .whitespaces))
    for line in String(decoding: built.bytes, as: UTF8.self).components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78) }
}

/// A "." or "From " that a soft break puts at the start of an encoded line is encoded as at the
/// start of a text line: no line of the message starts with either, so SMTP has no dot to
/// double (the bytes sent are the message's own) and no MTA or mbox tool damages the line.
@Test func softBreaksNeverOpenALineWithADotOrFrom() throws {
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    func encodedLines(_ text: String) throws -> (lines: [String], decoded: String) {
        let message = OutgoingMessage(from: Fixture.sender, to: [Fixture.authorityBox], subject: "QP", date: Fixture.fixedDate, text: text)
        let built = try builder.build(message)
        let check = try MIMECheck.parse(built.bytes)
        #expect(check.error == nil)
        #expect(check.problems.isEmpty)
        let raw = String(decoding: built.bytes, as: UTF8.self)
        let body = raw.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (body.components(separatedBy: "\r\n"), try #require(check.root?.body).replacingOccurrences(of: "\r\n", with: "\n"))
    }

    // A soft break falls right before the ".", the "F" of "From " and the "F" of "Fromage".
    let fixed = String(repeating: "a", count: 75) + ".end\n" + String(repeating: "b", count: 75) + "From here\n"
        + String(repeating: "c", count: 75) + "Fromage\n"
    let (lines, decoded) = try encodedLines(fixed)
    #expect(lines.contains("=2Eend"))
    #expect(lines.contains("=46rom here"))
    #expect(lines.contains("Fromage"))
    #expect(decoded == fixed)

    // Lines of every length, of dots, "From ", spaces, "=" and two-byte letters: wherever the
    // breaks fall, no encoded line opens with "." or "From ", none is longer than 76, and the
    // text decodes back as it was.
    var random = SeededRandom(seed: 20261204)
    let words = [".", "..", "From ", "F", "rom", " ", "é", "=", "x", "abc", ".x", "From"]
    var text = ""
    for _ in 0..<400 {
        let length = Int.random(in: 1...60, using: &random)
        for _ in 0..<length { text += words.randomElement(using: &random)! }
        text += "\n"
    }
    let (randomLines, randomDecoded) = try encodedLines(text)
    #expect(randomLines.filter { $0.hasPrefix(".") || $0.hasPrefix("From ") }.isEmpty)
    #expect(randomLines.allSatisfy { $0.utf8.count <= 76 })
    #expect(randomDecoded == text)
}

@Test func displayNamesWithSpecialsAreQuoted() throws {
    let box = try Mailbox(displayName: "Dupont, Marie \"DPO\" <boss@evil.example>", address: "marie@example.org")
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    let built = try builder.build(OutgoingMessage(from: box, to: [box], subject: "s", date: Fixture.fixedDate, text: "t"))
    let check = try MIMECheck.parse(built.bytes)
    #expect(check.error == nil)
    #expect(check.addresses["From"] == [["Dupont, Marie \"DPO\" <boss@evil.example>", "marie@example.org"]])
}
