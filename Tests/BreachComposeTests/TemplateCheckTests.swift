import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

@Test func shippedTemplatesPassTheCheck() {
    #expect(TemplateSet.check(directory: Fixture.templatesDirectory) == [])
}

private func edit(_ dir: URL, _ file: String, _ change: (String) -> String) throws {
    let url = dir.appendingPathComponent(file)
    try change(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
}

@Test func unknownVariableIsReportedWithFileAndLine() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "de/public.txt.mustache") { $0.replacingOccurrences(of: "{{incident.likely_consequences}}", with: "{{incident.consequences}}") }
    let problems = TemplateSet.check(directory: dir.url)
    #expect(problems.map(\.description) == [
        "de/public.txt.mustache:19: unknown variable `incident.consequences` (did you mean `incident.likely_consequences`?); the variables templates may use are listed in Templates/README.md",
        "de/public.txt.mustache: missing mandatory section for a public message: likely consequences — the template never shows `{{incident.likely_consequences}}`",
    ])
    #expect(throws: TemplateSetError.self) { try TemplateSet(directory: dir.url) }
}

/// A command that composes one kind loads that kind: a campaign is not refused for a fault in the
/// public notice's template, but a fault in the subject's template refuses it.
@Test func oneKindLoadsWithoutTheOthers() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "de/public.txt.mustache") { $0.replacingOccurrences(of: "{{incident.likely_consequences}}", with: "{{incident.consequences}}") }
    let subjects = try TemplateSet(directory: dir.url, kinds: [.subject])
    let composer = Composer(templates: subjects)
    #expect(throws: Never.self) { try composer.render(Fixture.context(.subject, .de)) }
    #expect(throws: ComposeError.noTemplate(kind: .publicNotice, language: .de)) { try composer.render(Fixture.context(.publicNotice, .de)) }
    #expect(throws: TemplateSetError.self) { try TemplateSet(directory: dir.url, kinds: [.publicNotice]) }
    try edit(dir.url, "en/subject.txt.mustache") { $0.replacingOccurrences(of: "{{controller.name}}", with: "{{controller.nam}}") }
    #expect(throws: TemplateSetError.self) { try TemplateSet(directory: dir.url, kinds: [.subject]) }
}

@Test func syntaxErrorIsReportedWithFileAndLine() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "fr/authority-initial.txt.mustache") { $0.replacingOccurrences(of: "{{/dpo.phone}}", with: "{{/dpo.fone}}") }
    let problems = TemplateSet.check(directory: dir.url)
    #expect(problems.count == 1)
    #expect(problems.first?.file == "fr/authority-initial.txt.mustache")
    #expect(problems.first?.line == 40)
    #expect(problems.first?.message.hasPrefix("Mustache syntax error: a section is closed with a name other than the one that opened it") == true)
}

@Test func unclosedSectionIsReported() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "en/processor.txt.mustache") { $0 + "{{#incident.ongoing}}\n" }
    let problems = TemplateSet.check(directory: dir.url)
    #expect(problems.count == 1)
    #expect(problems.first?.description.hasPrefix("en/processor.txt.mustache:") == true)
    #expect(problems.first?.message.contains("opened and never closed") == true)
}

@Test func linksAndRemoteContentInHTMLAreRefused() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try edit(dir.url, "en/subject.html.mustache") {
        $0.replacingOccurrences(of: "<body>", with: "<body><img src=\"https://t.example/p.gif\">{{{incident.description}}}")
    }
    let problems = TemplateSet.check(directory: dir.url).map(\.description)
    #expect(problems == [
        "en/subject.html.mustache:4: `incident.description` is inserted unescaped; use `{{incident.description}}` so that no value can add HTML",
        "en/subject.html.mustache:4: `src=` is not allowed: subject messages carry no link to click and load nothing remote (no tracking pixel)",
    ])
}

@Test func missingTemplateAndBadFrontMatterAreReported() throws {
    let dir = try TemporaryDirectory("templates")
    try copyTemplates(to: dir.url)
    try FileManager.default.removeItem(at: dir.url.appendingPathComponent("de/processor.txt.mustache"))
    try edit(dir.url, "fr/public.txt.mustache") { "Objet: x\n\n" + $0 }
    #expect(TemplateSet.check(directory: dir.url).map(\.description) == [
        "fr/public.txt.mustache:1: the first line must be `Subject: …`, the subject line of the message",
        "de/processor.txt.mustache: missing: every message kind needs a template in every language (fr, en, de)",
    ])
}
