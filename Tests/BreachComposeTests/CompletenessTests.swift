import BreachCompose
import BreachCore
import Foundation
import Testing

@Test func authorityNotificationMissingArt33ItemsIsRefusedWithTheirKeys() throws {
    var incident = Fixture.incident
    incident.likelyConsequences = "  "
    incident.measuresTaken = ""
    incident.measuresPlanned = ""
    incident.approximateSubjects = 0
    var context = Fixture.context(.authorityInitial, .fr, incident: incident)
    context.dpo.email = ""
    let error = try #require(throws: ComposeError.self) { try Fixture.composer.render(context) }
    #expect(error == .incomplete(kind: .authorityInitial, missing: ["approximate_subjects", "dpo.email", "likely_consequences", "measures_taken"]))
    #expect(error.description == "cannot compose the authority-initial message: GDPR Art. 33(3) requires approximate_subjects (Art. 33(3)(a)), dpo.email (Art. 33(3)(b)), likely_consequences (Art. 33(3)(c)), measures_taken (Art. 33(3)(d)), which are missing or empty. Fill them in (incident file, or the configuration for dpo.* and controller.*) and run `breachmail incident update`.")
}

@Test func subjectCommunicationMissingArt34ItemsIsRefused() throws {
    var incident = Fixture.incident
    incident.adviceToSubjects = ""
    incident.description = ""
    let error = try #require(throws: ComposeError.self) { try Fixture.composer.render(Fixture.context(.subject, .en, incident: incident)) }
    #expect(error.description == "cannot compose the subject message: GDPR Art. 34(2) requires description (Art. 34(2)), advice_to_subjects (Art. 34(2)), which are missing or empty. Fill them in (incident file, or the configuration for dpo.* and controller.*) and run `breachmail incident update`.")
}

/// Issue 12 §6: until the authority gives its reference, a complementary notification cites our
/// own Message-ID as ours, never as the authority's reference.
@Test func complementaryWithoutTheAuthorityReferenceCitesOurMessageIDAsOurs() throws {
    var context = Fixture.context(.authorityComplementary, .en)
    context.authority?.reference = ""
    context.authority?.initialMessageID = "initial.1@mail.example.lu"
    let text = try Fixture.composer.plainText(context)
    #expect(text.contains("It completes our initial notification of 21 November 2026, 05:30 (UTC+01:00) (our e-mail Message-ID <initial.1@mail.example.lu>; we have not received your reference yet)."), "\(text)")
    #expect(!text.contains(", your reference") && !text.contains("your reference:"))
    context.authority?.reference = "CNPD-2026-1187"
    let referenced = try Fixture.composer.plainText(context)
    #expect(referenced.contains("your reference CNPD-2026-1187."))
    #expect(!referenced.contains("initial.1@mail.example.lu"))
}

@Test func complementaryWithoutTheInitialDateIsRefused() throws {
    var context = Fixture.context(.authorityComplementary, .de)
    context.authority?.initialNotificationDate = nil
    #expect(throws: ComposeError.incomplete(kind: .authorityComplementary, missing: ["authority.initial_date"])) {
        try Fixture.composer.render(context)
    }
}

/// Issue 12 §6: an initial notification may say a number is not known yet, with the reason; the
/// complementary one must give it, lists what changed since, and is refused when nothing did.
@Test func phasedNotificationGivesTheUnknownNumberLaterAndListsTheChanges() throws {
    var initial = Fixture.incident
    initial.approximateSubjects = 0
    initial.unknownCounts = UnknownCounts(subjects: true, reason: LocalizedText(translations: [
        .fr: "La sauvegarde est encore examinée ; le nombre sera connu le 25 novembre.",
        .en: "The backup is still being examined; known by 25 November.",
        .de: "Die Sicherung wird noch untersucht; die Zahl ist bis zum 25. November bekannt."]))
    let first = try Fixture.composer.plainText(Fixture.context(.authorityInitial, .fr, incident: initial))
    #expect(first.contains("Nombre approximatif : pas encore connu. La sauvegarde est encore examinée ; le nombre sera connu le 25 novembre. Ce nombre sera communiqué dans une notification complémentaire (art. 33, paragraphe 4, du RGPD)."), "\(first)")

    // The complementary one cannot leave it unknown.
    var stillUnknown = Fixture.context(.authorityComplementary, .fr, incident: initial)
    stillUnknown.authority?.previous = (initial, Fixture.onTime)
    #expect(throws: ComposeError.incomplete(kind: .authorityComplementary, missing: ["approximate_subjects"])) {
        try Fixture.composer.render(stillUnknown)
    }

    var known = initial
    known.approximateSubjects = 4_350
    known.unknownCounts = nil
    known.measuresTaken = Fixture.texts(
        en: known.text(known.measuresTaken, in: .en) + " The passwords of the staff were reset.",
        fr: known.text(known.measuresTaken, in: .fr) + " Les mots de passe du personnel ont été réinitialisés.",
        de: known.text(known.measuresTaken, in: .de) + " Die Passwörter der Mitarbeiter wurden zurückgesetzt.")
    var context = Fixture.context(.authorityComplementary, .en, incident: known)
    context.authority?.previous = (initial, Fixture.onTime)
    let text = try Fixture.composer.plainText(context)
    #expect(text.contains("""
        What changed since our notification of 21 November 2026, 05:30 (UTC+01:00):
        - Approximate number of people: not known yet → 4,350
        - Measures taken: completed or changed (see that section)
        """), "\(text)")

    var unchanged = Fixture.context(.authorityComplementary, .en, incident: known)
    unchanged.authority?.previous = (known, Fixture.onTime)
    #expect(throws: ComposeError.nothingChanged(since: Fixture.onTime)) { try Fixture.composer.render(unchanged) }
}

@Test func lateNotificationWithoutReasonsIsRefused() throws {
    let context = Fixture.context(.authorityInitial, .fr, at: Fixture.late)
    let error = try #require(throws: ComposeError.self) { try Fixture.composer.render(context) }
    #expect(error.description == "cannot compose the notification: the 72-hour deadline passed 8 h 00 min ago: a late notification must give the reasons for the delay (GDPR Art. 33(1), recital 85). Fill in `delay_reasons` in the incident file and run `breachmail incident update`.")
}

@Test func lateNotificationWithReasonsShowsThem() throws {
    var incident = Fixture.incident
    incident.delayReasons = "The provider told us only on day three what had been copied."
    let text = try Fixture.composer.plainText(Fixture.context(.authorityInitial, .en, at: Fixture.late, incident: incident))
    #expect(text.contains("7. Reasons for the delay\nThe provider told us only on day three"))
    #expect(text.contains("It is made more than 72 hours after we became aware"))
}

@Test func complementaryAfter72HoursIsNotLateWhenTheInitialWasOnTime() throws {
    let text = try Fixture.composer.plainText(Fixture.context(.authorityComplementary, .en, at: Fixture.late))
    #expect(text.contains("Not applicable: the initial notification was made within 72 hours"))
}

@Test func missingSubjectFieldNamesTheFieldSoTheSubjectIsRenderFailed() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    let file = dir.url.appendingPathComponent("en/subject.txt.mustache")
    var text = try String(contentsOf: file, encoding: .utf8)
    text = text.replacingOccurrences(of: "What happened\n", with: "Your member number: {{subject.fields.member_no}}\n\nWhat happened\n")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let composer = Composer(templates: try TemplateSet(directory: dir.url))
    var context = Fixture.context(.subject, .en)
    #expect(try composer.plainText(context).contains("Your member number: M-0042"))
    context.subject = SubjectFields(name: "Bob", email: "bob@example.org", fields: ["member_no": " "])
    let error = try #require(throws: ComposeError.self) { try composer.render(context) }
    #expect(error == .missingSubjectField(field: "subject.fields.member_no", file: "en/subject.txt.mustache", line: 12))
    #expect(error.description == "render_failed: en/subject.txt.mustache:12 uses `{{subject.fields.member_no}}`, but this subject has no value for the CSV column `member_no`. Fill it in the subjects CSV, or guard the line in the template with {{#subject.fields.member_no}}…{{/subject.fields.member_no}}.")
}

@Test func subjectMessageWithoutSubjectIsRefused() throws {
    var context = Fixture.context(.subject, .en)
    context.subject = nil
    #expect(throws: ComposeError.self) { try Fixture.composer.render(context) }
}

import BreachTestSupport

func copyTemplates(to destination: URL) throws {
    for language in Language.allCases {
        let target = destination.appendingPathComponent(language.rawValue)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let source = Fixture.templatesDirectory.appendingPathComponent(language.rawValue)
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
    }
}
