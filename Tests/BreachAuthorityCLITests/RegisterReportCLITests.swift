import BreachTestSupport
import Foundation
import Testing

/// Issue 14 §3 on the real binary: `register export --format html` is a report to hand to the
/// authority, from the templates of `templates/report/`, in French, English and German — the
/// facts in words (no code of the incident file), dates in the incident's time zone (summer and
/// winter time), every assessment with the DPO's confirmation and override and its reason, every
/// notification with its reference, Message-ID and key, the campaign's charts carrying the
/// figures of `status --json`, the head hash and the result of `register verify`; well-formed and
/// self-contained (Tests/Browser/report_check.py), and printed to PDF by headless Chromium. The
/// three reports and the PDF are written to `.build/report-artefacts/` as artefacts.
@Suite("Register report")
struct RegisterReportCLITests {
    static let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
    static let csv = CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path
    static let checker = CommandRunner.packageRoot.appendingPathComponent("Tests/Browser/report_check.py").path
    static let artefacts = CommandRunner.packageRoot.appendingPathComponent(".build/report-artefacts")
    static let reason = "Every member was phoned by the club on 24 October."
    static let exportedAt = "2026-10-27T12:00:00+01:00"

    /// The incident with an override then a confirmation, a CNIL submission with its reference
    /// (recorded after the change to winter time), a CNPD notification encrypted to the demo key,
    /// and a campaign with people submitted and people without an address.
    static func scenario() throws -> (Workdir, fingerprint: String) {
        let w = try Workdir()
        let fingerprint = try w.demoKey()
        func ok(_ arguments: [String], _ now: String) throws {
            let result = try w.run(arguments, now: now)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try ok(["incident", "assess", Workdir.id, "--answers", answers, "--override-subjects", "no", "--reason", reason], "2026-10-24T10:00:00+02:00")
        try ok(["incident", "assess", Workdir.id, "--answers", answers, "--confirm"], "2026-10-24T10:30:00+02:00")
        try ok(["authority", "send", Workdir.id, "--authority", "cnil"], "2026-10-24T10:45:00+02:00")
        try ok(["authority", "send", Workdir.id, "--authority", "cnpd"], "2026-10-24T10:50:00+02:00")
        try ok(["subjects", "import", Workdir.id, csv], "2026-10-24T10:55:00+02:00")
        try ok(["subjects", "notify", Workdir.id], "2026-10-24T11:00:00+02:00")
        try ok(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-2026-0042"], "2026-10-25T09:00:00+01:00")
        return (w, fingerprint)
    }

    func export(_ w: Workdir, _ lang: String) throws -> String {
        let file = w.temp.file("register-\(lang).html")
        let result = try w.run(["register", "export", "--format", "html", "--lang", lang, "--output", file.path], now: Self.exportedAt)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(try Workdir.mode(file) == 0o600)
        return try String(contentsOf: file, encoding: .utf8)
    }

    func json(_ w: Workdir, _ arguments: [String]) throws -> [String: Any] {
        let result = try w.run(arguments, now: Self.exportedAt)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
    }

    /// Every `data-value` of the elements of `kind` (`segment`, `point`) in the chart `id`, by `data-label`.
    func values(_ html: String, chart id: String, _ kind: String) throws -> [(label: String, value: Int)] {
        let start = try #require(html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\""), "no chart \(id)")
        let svg = html[start.lowerBound..<(html.range(of: "</svg>", range: start.upperBound..<html.endIndex)?.upperBound ?? html.endIndex)]
        let pattern = try Regex(#"class="\#(kind)" data-label="([^"]*)" data-value="([0-9]+)""#)
        return svg.matches(of: pattern).compactMap { match in
            guard let label = match.output[1].substring, let value = match.output[2].substring.flatMap({ Int($0) }) else { return nil }
            return (String(label), value)
        }
    }

    @Test func theReportIsHumanInThreeLanguagesAndCarriesTheRegistersFigures() throws {
        let (w, fingerprint) = try Self.scenario()
        let status = try json(w, ["status", Workdir.id, "--json"])
        let verify = try json(w, ["register", "verify", "--json"])
        let head = try #require(verify["head"] as? String)
        let entries = try #require(verify["entries"] as? Int)
        let subjects = try #require(status["subjects"] as? [String: Int])
        #expect(subjects.count >= 2, "people in several states: \(subjects)")
        let reach = try #require(status["reach"] as? [String: Any])
        let notifications = try #require(status["notifications"] as? [[String: Any]])
        let messageID = try #require(notifications.first { $0["authority"] as? String == "cnpd" }?["message_id"] as? String)

        let words: [String: [String]] = [
            "fr": ["acte externe malveillant", "rançongiciel", "état civil (nom, prénom, date de naissance)", "Motif écrit du DPO",
                   "modifiée par le DPO, avec un motif écrit", "confirmée par le DPO", "(en vigueur)", "contre la recommandation",
                   "notification initiale", "préparée pour le formulaire en ligne de l&#39;autorité", "soumission enregistrée",
                   "courriel chiffré OpenPGP (PGP/MIME)", "Personnes par état", "Chronologie", "Personnes jointes au fil du temps",
                   "pas d&#39;adresse utilisable", "intacte : \(entries) entrées vérifiées", "pas encore communiquée",
                   "pas encore décidé : des rejets peuvent encore arriver jusqu&#39;au",
                   // Summer time, then winter time after 25 October 03:00, in Europe/Luxembourg.
                   "24 octobre 2026 à 10:30 (UTC+02:00)", "25 octobre 2026 à 09:00 (UTC+01:00)", "23 octobre 2026 à 10:00 (UTC+02:00)"],
            "en": ["external, malicious", "identity (name, date of birth)", "The DPO&#39;s written reason", "overridden by the DPO",
                   "confirmed by the DPO", "(in force)", "initial notification", "submission recorded", "People by state",
                   "Reach over time", "no usable address", "intact: \(entries) entries checked", "none given yet", "unreachable 3 of ",
                   "not decided yet: bounces may still arrive until",
                   "24 October 2026, 10:30 (UTC+02:00)", "25 October 2026, 09:00 (UTC+01:00)"],
            "de": ["extern, vorsätzlich", "Personalien (Name, Geburtsdatum)", "Schriftliche Begründung der/des DSB",
                   "von der/dem DSB abweichend entschieden", "von der/dem DSB bestätigt", "(maßgeblich)", "Erstmeldung",
                   "Einreichung verzeichnet", "Personen nach Stand", "Erreichbarkeit im Zeitverlauf", "keine verwendbare Adresse",
                   "intakt: \(entries) Einträge geprüft", "Die Gründe sind auf Französisch und Englisch verzeichnet", "noch nicht erteilt",
                   "noch nicht entschieden: Rückläufer können bis",
                   "24. Oktober 2026, 10:30 Uhr (UTC+02:00)", "25. Oktober 2026, 09:00 Uhr (UTC+01:00)"],
        ]
        // Codes of the incident file, the register and the campaign that a reader must never see.
        let codes = ["external_malicious", "civil_status", "contact_details", "hacking_malware", "failed_permanent", "no_address",
                     "notify_authority", "communicate_to_subjects", "assessment.recorded", "notification.prepared", "subjects.imported",
                     "campaign.run", "email-pgp", "individual_notices_suffice", "awaiting-window", "state.", "kind.", "reach."]
        var files: [String] = []
        for (lang, expected) in words.sorted(by: { $0.key < $1.key }) {
            let html = try export(w, lang)
            try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
            let artefact = Self.artefacts.appendingPathComponent("register-\(lang).html")
            try html.write(to: artefact, atomically: true, encoding: .utf8)
            files.append(artefact.path)
            #expect(html.contains("<html lang=\"\(lang)\">"))
            for text in expected { #expect(html.contains(text), "\(lang): \(text) missing") }
            for code in codes { #expect(!html.contains(code), "\(lang): the raw code \(code) appears") }
            #expect(html.range(of: #"\bnil\b"#, options: .regularExpression) == nil, "\(lang): an absent value shown as nil")
            #expect(!html.contains("&lt;&gt;"), "\(lang): an empty Message-ID shown")
            #expect(html.contains(Self.reason), "\(lang): the override's written reason")
            #expect(html.contains("CNIL-2026-0042"), "\(lang): the CNIL's reference")
            #expect(html.contains("&lt;\(messageID)&gt;"), "\(lang): the CNPD notification's Message-ID")
            #expect(html.contains(fingerprint), "\(lang): the key it was encrypted to")
            #expect(html.contains("id=\"head-hash\">\(head)</dd>"), "\(lang): the head hash of register verify")
            #expect(html.contains("<dd class=\"ok\" id=\"verify-result\">"), "\(lang): the verify result")
            #expect(!html.lowercased().contains("<script"), "\(lang): no script")
            #expect(html.contains("@media print") && html.contains("break-before: page"), "\(lang): print style, a page per incident")

            // The charts carry the figures of status --json.
            let segments = try values(html, chart: "\(Workdir.id)-states", "segment")
            #expect(segments.map(\.value).sorted() == subjects.values.sorted(), "\(lang): \(segments) vs \(subjects)")
            let points = try values(html, chart: "\(Workdir.id)-reach", "point")
            let submittedLabel = lang == "fr" ? "acceptés" : lang == "de" ? "angenommen" : "accepted"
            let unreachableLabel = lang == "fr" ? "injoignables" : lang == "de" ? "unerreichbar" : "unreachable"
            #expect(points.filter { $0.label == submittedLabel }.map(\.value).max() == reach["submitted"] as? Int, "\(lang): \(points)")
            #expect(points.filter { $0.label == unreachableLabel }.map(\.value).max() == reach["unreachable"] as? Int, "\(lang): \(points)")
        }
        // Well-formed, each id once, headings in order, nothing active or remote.
        let check = try CommandRunner.run("/usr/bin/python3", [Self.checker] + files)
        #expect(check.status == 0 && check.stdout.contains("report checks: 0 failed"), "\(check.stdout)\(check.stderr)")
    }

    @Test func theReportFollowsAdaptedTemplatesAndPrintsToPDF() throws {
        let w = try Workdir()
        // The controller's own wording, in the working directory's templates.
        let labels = w.url.appendingPathComponent("templates/report/labels/en.json")
        let text = try String(contentsOf: labels, encoding: .utf8)
        try text.replacingOccurrences(of: "\"Register of personal-data breaches\"", with: "\"Club register of breaches\"")
            .write(to: labels, atomically: true, encoding: .utf8)
        #expect(try export(w, "en").contains("<h1>Club register of breaches</h1>"))

        // A template that cannot be read is named, with the fix.
        try FileManager.default.removeItem(at: w.url.appendingPathComponent("templates/report/report.html.mustache"))
        let broken = try w.run(["register", "export", "--format", "html"], now: Self.exportedAt)
        #expect(broken.status == 78)
        #expect(broken.stderr.contains("report.html.mustache is missing; copy it from breachmail's share directory (Templates/report/)."),
                "\(broken.stderr)")

        let pdf = Self.artefacts.appendingPathComponent("register-fr.pdf")
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        let (full, _) = try Self.scenario()
        let printed = try full.run(["register", "export", "--format", "pdf", "--lang", "fr", "--output", pdf.path], now: Self.exportedAt)
        #expect(printed.status == 0, "\(printed.stderr)")
        let bytes = try Data(contentsOf: pdf)
        #expect(bytes.starts(with: Array("%PDF".utf8)))
        #expect(try Workdir.mode(pdf) == 0o600)
        let noOutput = try full.run(["register", "export", "--format", "pdf"], now: Self.exportedAt)
        #expect(noOutput.status == 64)
        #expect(noOutput.stderr.contains("--format pdf writes a file: give it with --output, e.g. --output register.pdf."), "\(noOutput.stderr)")
        // Without Chromium on the PATH, the error names the Debian package.
        let bare = try CommandRunner.breachmail(["register", "export", "--format", "pdf", "--output", w.temp.file("x.pdf").path,
                                                 "--dir", full.url.path],
                                                environment: ["BREACHMAIL_NOW": Self.exportedAt, "PATH": "/nonexistent"])
        #expect(bare.status == 69)
        #expect(bare.stderr.contains("install Debian's package chromium (apt-get install chromium)"), "\(bare.stderr)")
    }
}
