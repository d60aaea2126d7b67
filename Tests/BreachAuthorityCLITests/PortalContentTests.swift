import BreachTestSupport
import Foundation
import Testing

/// Issue 12 §5 and §6 on the real binary: the CNIL form content holds every section of the form
/// (with the severity estimate and the communication to the people, from the register), says
/// nothing of an attachment it does not have; a phased notification says a number is not known
/// yet and why, and the complementary one gives it and lists what changed.
@Suite("CNIL form content and phased notification")
struct PortalContentTests {
    static let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
    static let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")

    static let sections = [
        "1. Type de notification", "2. Identification de l'organisme", "3. Responsable légal", "4. Personne à contacter",
        "5. Autres organismes impliqués", "6. Dates et circonstances de la découverte", "7. Motifs du retard",
        "8. Nature de la violation", "9. Origine et cause de l'incident", "10. Descriptif détaillé",
        "11. Nature des données concernées", "12. Nombre approximatif d'enregistrements", "13. Personnes concernées",
        "14. Mesures de sécurité en place avant la violation", "15. Conséquences probables",
        "16. Préjudices potentiels et estimation du niveau de gravité", "17. Mesures prises et envisagées",
        "18. Communication aux personnes concernées", "19. Notifications transfrontalières et autres notifications",
        "20. Conseils donnés aux personnes concernées",
    ]

    func portal(_ w: Workdir, _ phase: String = "initial") throws -> String {
        try String(contentsOf: w.url.appendingPathComponent("portal/BR-2026-0001-cnil-\(phase).txt"), encoding: .utf8)
    }

    func section(_ text: String, _ heading: String) throws -> String {
        let start = try #require(text.range(of: "\n\(heading)\n"), "no section \(heading)")
        let rest = text[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex)])
    }

    @Test func theFormContentHoldsEverySectionWithTheSeverityAndTheCommunication() throws {
        let w = try Workdir()
        #expect(try w.run(["incident", "assess", Workdir.id, "--answers", Self.answers, "--confirm"]).status == 0)
        let sent = try w.run(["authority", "send", Workdir.id, "--authority", "cnil"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let text = try portal(w)
        var position = text.startIndex
        for heading in Self.sections {
            let found = try #require(text.range(of: "\n\(heading)", range: position..<text.endIndex), "\(heading) missing or out of order")
            position = found.upperBound
        }
        #expect(!text.contains("JSON"), "the form content has no attachment")
        let severity = try section(text, Self.sections[15])
        #expect(severity.contains("Estimation du niveau de gravité : Maximal (méthode de l'ENISA : 5,0 (très élevée) ; risque élevé probable). Évaluation confirmée par test-dpo le 24 octobre 2026 à 10:00 (UTC+02:00)."), "\(severity)")
        #expect(severity.contains("- Des personnes vulnérables sont concernées"))
        #expect(try section(text, Self.sections[17]) == "Non, mais elles le seront, par courriel individuel, dès que possible.")
        let html = try String(contentsOf: w.url.appendingPathComponent("portal/BR-2026-0001-cnil-initial.html"), encoding: .utf8)
        // From the template of templates/portal/: one box per section, numbered as the form numbers
        // them, lists as lists, a style of its own and nothing active or remote.
        #expect(html.contains("<h2 id=\"s18-h\"><span class=\"number\">18</span> <span class=\"heading\">Communication aux personnes concernées</span>"))
        #expect(html.components(separatedBy: "<section class=\"form-section\"").count - 1 == Self.sections.count)
        #expect(html.contains("breachmail authority record BR-2026-0001 --authority cnil --reference REF"))
        #expect(html.contains("<ul>\n<li>Art. 33(5) : toute violation de données personnelles est documentée"))
        #expect(html.contains("@media print"))
        for active in ["<script", "http://", "https://", " src=", " href="] { #expect(!html.contains(active), "\(active)") }
        let check = try CommandRunner.run("/usr/bin/python3", [RegisterReportCLITests.checker,
                                                              w.url.appendingPathComponent("portal/BR-2026-0001-cnil-initial.html").path])
        #expect(check.status == 0 && check.stdout.contains("report checks: 0 failed"), "\(check.stdout)\(check.stderr)")

        // The e-mailed notification does carry its JSON and says so.
        _ = try w.demoKey()
        let composed = try w.run(["authority", "compose", Workdir.id, "--authority", "cnpd"])
        #expect(composed.stdout.contains("Notre référence : BR-2026-0001. Le même contenu est joint au format JSON."))
    }

    @Test func theCommunicationSectionSaysDoneOrNotWithTheReason() throws {
        let done = try Workdir()
        #expect(try done.run(["incident", "assess", Workdir.id, "--answers", Self.answers, "--confirm"]).status == 0)
        let csv = CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path
        #expect(try done.run(["subjects", "import", Workdir.id, csv]).status == 0)
        let notified = try done.run(["subjects", "notify", Workdir.id], now: "2026-10-24T11:00:00+02:00")
        #expect(notified.status == 0, "\(notified.stderr)")
        let submitted = try done.sql("SELECT COUNT(*) FROM subject WHERE state = 'submitted'")
        #expect(try done.run(["authority", "send", Workdir.id, "--authority", "cnil"], now: "2026-10-24T12:00:00+02:00").status == 0)
        #expect(try section(try portal(done), Self.sections[17])
            == "Oui : \(submitted) personnes ont été informées par courriel individuel à partir du 24 octobre 2026 à 11:00 (UTC+02:00).")

        let not = try Workdir()
        let reason = "Every member was phoned by the club on 24 October."
        #expect(try not.run(["incident", "assess", Workdir.id, "--answers", Self.answers, "--override-subjects", "no", "--reason", reason]).status == 0)
        #expect(try not.run(["authority", "send", Workdir.id, "--authority", "cnil"]).status == 0)
        let text = try portal(not)
        #expect(try section(text, Self.sections[17]) == "Non. Motif : \(reason)")
        #expect(try section(text, Self.sections[15]).contains("Évaluation modifiée par test-dpo"))
    }

    @Test func aPhasedNotificationGivesTheUnknownNumberInTheComplementaryOne() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let original = try String(contentsOf: Self.example, encoding: .utf8)
        let unknown = w.temp.file("unknown.yaml")
        try original.replacingOccurrences(of: "approximate_subjects: 412",
                                          with: "approximate_subjects: unknown\ncounts_unknown_reason: \"The backup of the members' file is still being examined.\"")
            .write(to: unknown, atomically: true, encoding: .utf8)
        #expect(try w.run(["incident", "update", Workdir.id, unknown.path]).status == 0)
        let show = try w.run(["incident", "show", Workdir.id])
        #expect(show.stdout.contains("Approximate number of people: not known yet\n"), "\(show.stdout)")
        #expect(show.stdout.contains("Why the numbers are not known yet: The backup of the members' file is still being examined.\n"))

        let initial = try w.run(["authority", "send", Workdir.id, "--authority", "cnil"])
        #expect(initial.status == 0, "\(initial.stderr)")
        #expect(try section(try portal(w), Self.sections[12]).contains(
            "Nombre approximatif : pas encore connu. The backup of the members' file is still being examined. Ce nombre sera communiqué dans une notification complémentaire (art. 33, paragraphe 4, du RGPD)."))
        #expect(try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-11"]).status == 0)

        // The complementary notification must give the number.
        let early = try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--complementary"], now: "2026-10-25T10:00:00+02:00")
        #expect(early.status == 65)
        #expect(early.stderr.contains("requires approximate_subjects (Art. 33(3)(a)), which is missing or empty"), "\(early.stderr)")

        let known = w.temp.file("known.yaml")
        try original.write(to: known, atomically: true, encoding: .utf8)
        #expect(try w.run(["incident", "update", Workdir.id, known.path], now: "2026-10-25T11:00:00+02:00").status == 0)
        let complement = try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--complementary"], now: "2026-10-25T12:00:00+02:00")
        #expect(complement.status == 0, "\(complement.stderr)")
        let text = try portal(w, "complementary")
        #expect(text.contains("Elle complète notre notification initiale du 24 octobre 2026 à 10:00 (UTC+02:00), enregistrée sous votre référence CNIL-11."), "\(text)")
        #expect(text.contains("Ce qui a changé depuis notre notification du 24 octobre 2026 à 10:00 (UTC+02:00) :\n- Nombre approximatif de personnes : pas encore connu → 412\n"), "\(text)")
        #expect(try section(text, Self.sections[12]).contains("Nombre approximatif : 412"))

        // Once submitted and recorded, another complementary one with nothing new is refused, and the refusal recorded.
        #expect(try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-11", "--complementary"],
                          now: "2026-10-25T12:30:00+02:00").status == 0)
        let again = try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--complementary"], now: "2026-10-25T13:00:00+02:00")
        #expect(again.status == 65)
        #expect(again.stderr.contains("nothing changed since the notification of 2026-10-25T10:30:00Z"), "\(again.stderr)")
        #expect(try w.sql("SELECT status, refusal_kind FROM notification ORDER BY id DESC LIMIT 1") == "refused|nothingChanged")
    }
}
