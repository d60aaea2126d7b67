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

@Test func complementaryWithoutTheAuthorityReferenceIsRefused() throws {
    var context = Fixture.context(.authorityComplementary, .de)
    context.authority?.reference = ""
    #expect(throws: ComposeError.incomplete(kind: .authorityComplementary, missing: ["authority.reference"])) {
        try Fixture.composer.render(context)
    }
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
