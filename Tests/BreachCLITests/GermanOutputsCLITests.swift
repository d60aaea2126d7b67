import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §8: the DPO's own outputs in German when the messages are German (`breachmail --lang
/// de` before the command, or a `de_*` locale): the incident template, `incident show` and
/// `incident assess` (its questions' answers, the decision and every reason), with no English
/// sentence left in them. English and French are pinned by their own suites.
@Suite struct GermanOutputsCLITests {
    let dir: TemporaryDirectory
    let work: URL

    init() throws {
        dir = try TemporaryDirectory("german")
        work = dir.url.appendingPathComponent("work")
        try CommandRunner.makeExampleWorkingDirectory(work) { try run($0) }
    }

    func run(_ arguments: [String], _ locale: [String: String] = [:]) throws -> ProcessResult {
        var env = ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"]
        env.merge(locale) { $1 }
        return try CommandRunner.breachmail(arguments, environment: env)
    }

    func run(_ arguments: [String], input: String) throws -> ProcessResult {
        try CommandRunner.breachmail(arguments, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"],
                                     input: input)
    }

    /// Words and phrases of the English outputs that no German output may keep.
    static let english = ["Title", "Awareness", "required", "Fill in", "e.g.", "What happened", "the people", " the ", " and ",
                          "Decision in force", "none yet", "Recorded in", "(recorded", "Reasons weighed", "risk assessment", "Notify the",
                          "Communicate to", "Nothing recorded", "Confirm:", "Art. 33(1)", "Art. 34(1)", ": yes", ": no.", ": no,", ": no\n"]

    func expectNoEnglish(_ text: String, _ what: String) {
        for word in Self.english { #expect(!text.contains(word), "\(what) keeps English: \(word)\n\(text)") }
    }

    /// The German template, filled in as a German DPO would (each required field, in German).
    static func filledIn(_ template: String) -> String {
        let values = [
            "title": "Ransomware auf der Kundendatenbank", "awareness": "2026-10-24T09:00:00+02:00", "language": "de",
            "discovery": "Der Support hat verschlüsselte Dateien auf dem Server bemerkt.", "nature": "[confidentiality]",
            "origin": "ransomware", "cause": "external_malicious",
            "description": "Ein Angreifer hat die Kundendatenbank verschlüsselt und vorher kopiert.",
            "data_categories": "[civil_status, contact_details]", "approximate_records": "120", "approximate_subjects": "100",
            "subject_categories": "[customers]", "measures_before": "Tägliche Datensicherung, Firewall.",
            "likely_consequences": "Betrügerische E-Mails an die Kunden (Phishing).",
            "measures_taken": "Server vom Netz getrennt und aus der Datensicherung wiederhergestellt.",
        ]
        return template.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            for (key, value) in values where [" \(key):", "\(key):", "\(key): \"\"", "\(key): |"].contains(String(line)) {
                return "\(key): \(value)"
            }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test func theTemplateIsGermanRefusedUnfilledAndOpensAnIncidentFilledIn() throws {
        let template = try run(["--lang", "de", "incident", "template"])
        #expect(template.status == 0, "\(template.stderr)")
        #expect(template.stdout.hasPrefix("# breachmail-Vorfallsdatei. Füllen Sie jedes Feld aus;"), "\(template.stdout)")
        #expect(template.stdout.contains("# Titel (Pflichtfeld): Kurze interne Bezeichnung des Vorfalls.\n"), "\(template.stdout)")
        #expect(template.stdout.contains("(Art. 33 Abs. 1 DSGVO)"))
        #expect(template.stdout.contains("# z. B. title: Ransomware auf der Mitgliederdatenbank\ntitle:\n"))
        expectNoEnglish(template.stdout, "incident template")
        // The same from the command's own --lang and from a German locale.
        #expect(try run(["incident", "template", "--lang", "de"]).stdout == template.stdout)
        #expect(try run(["incident", "template"], ["LANG": "de_DE.UTF-8"]).stdout == template.stdout)

        let unfilled = dir.file("unfilled.yaml")
        try template.stdout.write(to: unfilled, atomically: true, encoding: .utf8)
        let refused = try run(["incident", "open", unfilled.path])
        #expect(refused.status == 65, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("title"), "\(refused.stderr)")

        let filled = dir.file("filled.yaml")
        try Self.filledIn(template.stdout).write(to: filled, atomically: true, encoding: .utf8)
        let opened = try run(["incident", "open", filled.path])
        #expect(opened.status == 0, "\(opened.stdout) \(opened.stderr)")
        #expect(opened.stdout.hasPrefix("Opened BR-2026-0002: Ransomware auf der Kundendatenbank\n"), "\(opened.stdout)")

        let shown = try run(["--lang", "de", "incident", "show", "BR-2026-0002"])
        #expect(shown.status == 0, "\(shown.stderr)")
        let lines = shown.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("BR-2026-0002, Version 1 (eingetragen ") == true, "\(shown.stdout)")
        #expect(lines.contains("Titel: Ransomware auf der Kundendatenbank"), "\(shown.stdout)")
        #expect(lines.contains("Kenntnisnahme: 2026-10-24T09:00:00+02:00"), "\(shown.stdout)")
        #expect(lines.contains("Ungefähre Zahl der betroffenen Personen: 100"), "\(shown.stdout)")
        #expect(lines.contains("Geltende Entscheidung: noch keine (breachmail incident assess BR-2026-0002)"), "\(shown.stdout)")
        expectNoEnglish(shown.stdout, "incident show")
        #expect(try run(["incident", "show", "BR-2026-0002"], ["LC_ALL": "de_AT.UTF-8"]).stdout == shown.stdout)
    }

    @Test func theAssessmentSpeaksGerman() throws {
        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        let shown = try run(["--lang", "de", "incident", "assess", "BR-2026-0001", "--answers", answers])
        #expect(shown.status == 0, "\(shown.stderr)")
        let out = shown.stdout
        #expect(out.hasPrefix("BR-2026-0001: Risikobewertung\nSchweregrad nach ENISA: "), "\(out)")
        #expect(out.contains("\nRisiko: führt voraussichtlich zu einem hohen Risiko\n"), "\(out)")
        #expect(out.contains("\nDer Aufsichtsbehörde melden (Art. 33 Abs. 1 DSGVO): ja. "), "\(out)")
        #expect(out.contains("\nDie betroffenen Personen benachrichtigen (Art. 34 Abs. 1 DSGVO): ja. "), "\(out)")
        #expect(out.contains("\nBerücksichtigte Gründe:\n  - Art. 33 Abs. 5 DSGVO: Jede Verletzung des Schutzes personenbezogener Daten "), "\(out)")
        #expect(out.contains("\n  - Schweregrad nach ENISA: SE = DPC × EI + CB = 4 × 1,0 + 1,0 = 5,0, sehr hoch (DPC für Finanzdaten, "), "\(out)")
        #expect(out.contains("Finanzdaten"), "\(out)")
        #expect(out.contains("\nNichts eingetragen: Eine Empfehlung wird erst zur Entscheidung"), "\(out)")
        #expect(out.contains("\nBestätigen: breachmail incident assess BR-2026-0001 --answers \(answers) --confirm\n"), "\(out)")
        expectNoEnglish(out, "incident assess")
        #expect(try run(["incident", "assess", "BR-2026-0001", "--answers", answers], ["LANG": "de_CH.UTF-8"]).stdout == out)
        #expect(try run(["incident", "assess", "BR-2026-0001", "--answers", answers, "--lang", "de"]).stdout == out)

        let confirmed = try run(["--lang", "de", "incident", "assess", "BR-2026-0001", "--answers", answers, "--confirm"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("\nIm Register eingetragen (Eintrag "), "\(confirmed.stdout)")
        #expect(confirmed.stdout.contains("bestätigt von "), "\(confirmed.stdout)")
        #expect(confirmed.stdout.contains("; Meldung an die Aufsichtsbehörde: ja, Benachrichtigung der betroffenen Personen: ja."),
                "\(confirmed.stdout)")
        expectNoEnglish(confirmed.stdout, "incident assess --confirm")

        let decision = try run(["--lang", "de", "incident", "assess", "BR-2026-0001", "--show"])
        #expect(decision.stdout.contains("\nGeltende Entscheidung: Eintrag "), "\(decision.stdout)")
        expectNoEnglish(decision.stdout, "incident assess --show")
        let incident = try run(["--lang", "de", "incident", "show", "BR-2026-0001"])
        #expect(incident.stdout.contains("\nGeltende Entscheidung: Eintrag "), "\(incident.stdout)")
        // English stays English.
        #expect(try run(["incident", "assess", "BR-2026-0001", "--show"]).stdout.contains("\nDecision in force: entry "))
    }

    /// On a terminal: the questions, their choices and hints, j/n, and the DPO's own decision in German.
    @Test func theQuestionsAreAskedInGerman() throws {
        let typed = ["financial", "", "", "n", "maximum", "unknown_recipients", "none", "recoverable", "j", "n", "confirmed", "j",
                     "", "", "", "n", "j", "n", "", "Alle Mitglieder wurden am 24. Oktober angerufen."]
        let result = try run(["--lang", "de", "incident", "assess", "BR-2026-0001", "--interactive"], input: typed.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Welche Kategorien von Daten betrifft die Verletzung?"), "\(result.stderr)")
        #expect(result.stderr.contains("  3) financial: Einkommen, Transaktionen, Kontostände"), "\(result.stderr)")
        #expect(result.stderr.contains("Verlust der Vertraulichkeit?  (circumstances.confidentiality)"), "\(result.stderr)")
        #expect(result.stderr.contains("\nDer Aufsichtsbehörde melden? [j/n]\n"), "\(result.stderr)")
        #expect(result.stderr.contains("  Eine Begründung ist nötig."), "\(result.stderr)")
        expectNoEnglish(result.stderr, "the questions")
        #expect(result.stdout.contains("anders entschieden von test-dpo; Meldung an die Aufsichtsbehörde: ja, Benachrichtigung der betroffenen "
                                       + "Personen: nein (Entscheidung des Datenschutzbeauftragten entgegen der Empfehlung)."), "\(result.stdout)")
        #expect(result.stdout.contains("\nBegründung: Alle Mitglieder wurden am 24. Oktober angerufen."), "\(result.stdout)")
        expectNoEnglish(result.stdout, "the interactive assessment")
    }
}
