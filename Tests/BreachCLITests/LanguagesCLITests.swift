import BreachTestSupport
import Foundation
import Testing

/// Free text in every language the notices go out in, on the real binary: no notice carries
/// prose in another language than its own (checked with a language identifier on the text that
/// was sent, not against the templates); a campaign whose people's language lacks a text refuses
/// to start, unless the incident names a fallback language.
@Suite struct LanguagesCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var outbox: URL { work.appendingPathComponent("outbox/new") }
    let environment: [String: String]

    init() throws {
        dir = try TemporaryDirectory("languages")
        environment = ["BREACHMAIL_DIR": dir.url.appendingPathComponent("work").path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"]
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try bm($0) }
    }

    func bm(_ args: [String]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: environment)
    }

    /// The example incident as it was before languages: its texts in French only, as one text
    /// each, and no `language:` key (the working directory's first authority writes in French).
    static let frenchOnly = """
        title: Rançongiciel sur la base des adhérents
        awareness: 2026-10-23T10:00:00+02:00
        time_zone: Europe/Luxembourg
        discovery: Le secrétariat a constaté que les fichiers du serveur étaient chiffrés.
        nature: [confidentiality, availability]
        origin: ransomware
        cause: external_malicious
        description: |
          Un attaquant a utilisé le mot de passe volé d'un compte d'administration à distance pour
          chiffrer le serveur de fichiers du club. Les journaux montrent un transfert de 2 Go vers
          l'extérieur avant le chiffrement : la base des adhérents a probablement été copiée.
        data_categories: [civil_status, contact_details, financial]
        approximate_records: 1840
        approximate_subjects: 412
        subject_categories: [members, minors]
        measures_before: Sauvegarde hebdomadaire hors ligne, antivirus, pare-feu.
        likely_consequences: |
          Les noms, adresses, téléphones et IBAN des adhérents peuvent être utilisés pour des courriels
          ou des appels frauduleux (hameçonnage) et des tentatives de prélèvement.
        measures_taken: |
          Serveur isolé et restauré depuis la sauvegarde du 20 octobre ; mots de passe de tous les comptes
          changés ; accès à distance fermé ; plainte déposée auprès de la police grand-ducale.
        measures_planned: Double authentification sur tous les accès à distance d'ici le 15 novembre.
        advice_to_subjects: |
          Méfiez-vous des messages et appels qui citent le club ou vos coordonnées et vous demandent de
          l'argent ou des informations. Le club ne vous demandera jamais votre mot de passe.

        """

    /// Records `text` as the incident's new version.
    func useIncident(_ text: String) throws {
        let file = dir.url.appendingPathComponent("incident-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: file)
        let result = try bm(["incident", "update", "BR-2026-0001", file.path])
        try #require(result.status == 0, "\(result.stdout) \(result.stderr)")
    }

    struct Sent {
        let to: String
        let language: String
        let text: String
        let html: String
    }

    /// Every message in the outbox, as a strict parser decodes it.
    func sent() throws -> [Sent] {
        let files = try FileManager.default.contentsOfDirectory(at: outbox, includingPropertiesForKeys: nil)
        return try files.map { url in
            let check = try MIMECheck.parse(Array(try Data(contentsOf: url)))
            let root = try #require(check.root)
            let text = try #require(root.leaves.first { $0.contentType == "text/plain" })
            let html = root.leaves.first { $0.contentType == "text/html" }?.body ?? ""
            func lf(_ s: String) -> String { s.replacingOccurrences(of: "\r\n", with: "\n") }
            return Sent(to: root.header("To") ?? "", language: try #require(text.header("Content-Language")),
                        text: lf(try #require(text.body)), html: lf(html))
        }
    }

    /// The text of an HTML part, one line per element.
    static func visibleText(_ html: String) -> String {
        html.replacingOccurrences(of: "<[^>]*>", with: "\n", options: .regularExpression)
    }

    // MARK: The identifier itself

    @Test func theIdentifierTellsTheThreeLanguagesApart() {
        #expect(LanguageGuess.language(of: "Un attaquant a utilisé le mot de passe volé d'un compte pour chiffrer le serveur.") == "fr")
        #expect(LanguageGuess.language(of: "An attacker used the stolen password of an account to encrypt the server.") == "en")
        #expect(LanguageGuess.language(of: "Ein Angreifer hat das gestohlene Passwort eines Kontos benutzt, um den Server zu verschlüsseln.") == "de")
        #expect(LanguageGuess.language(of: "Exemple SARL") == nil)
        #expect(LanguageGuess.foreignParagraphs(in: "Dear Anna,\nWe are sorry for this incident and for the worry it may cause you.\nLe club ne vous demandera jamais votre mot de passe.",
                                                expected: "en").map(\.language) == ["fr"])
    }

    // MARK: Complete in every language

    @Test func englishAndGermanNoticesCarryNoFrenchProse() throws {
        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status == 0, "\(run.stderr)")
        let messages = try sent()
        #expect(messages.count == 293)
        var perLanguage: [String: Int] = [:]
        for message in messages {
            perLanguage[message.language, default: 0] += 1
            let foreign = LanguageGuess.foreignParagraphs(in: message.text, expected: message.language)
                + LanguageGuess.foreignParagraphs(in: Self.visibleText(message.html), expected: message.language)
            #expect(foreign.isEmpty, "a \(message.language) notice carries \(foreign.map { "\($0.language): \($0.paragraph)" })")
            // Not vacuous: most of the notice's paragraphs are recognised as its language.
            let own = message.text.split(whereSeparator: \.isNewline).filter { LanguageGuess.language(of: String($0)) == message.language }
            #expect(own.count >= 10, "only \(own.count) paragraphs recognised in a \(message.language) notice")
        }
        #expect(perLanguage == ["fr": 171, "en": 52, "de": 70])
    }

    // MARK: A language lacks text

    @Test func theCampaignRefusesToStartWhenALanguageOfItsPeopleLacksText() throws {
        try useIncident(Self.frenchOnly)
        let dry = try bm(["subjects", "notify", "BR-2026-0001", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let fields = "description, likely_consequences, measures_taken, measures_planned, advice_to_subjects"
        let lines = """
              en: 52 people are written to in en (first on line 14 of the imported CSV), but the incident has no en text for \(fields): their notices cannot go out.
              de: 70 people are written to in de (first on line 4 of the imported CSV), but the incident has no de text for \(fields): their notices cannot go out.
            """
        let fix = """
            Add the missing texts per language to the incident file (under each key, `en: …` on a line of its own) and record them \
            with `breachmail incident update BR-2026-0001 FILE`; or, to send these people the notice in another language with one \
            line in theirs saying so, set `fallback_language: fr` in it.
            """
        #expect(dry.stdout.hasSuffix("Languages:\n\(lines)\n`breachmail subjects notify BR-2026-0001` would refuse to start. \(fix)\n"), "\(dry.stdout)")
        #expect(dry.stdout.contains("  would send      171\n  render_failed   122\n"))

        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status != 0)
        #expect(run.stderr.hasSuffix("""
            Error: 122 people would get a notice with text in another language than their own; nothing was sent:
            \(lines)
            \(fix)

            """), "\(run.stderr)")
        let outboxFiles = FileManager.default.fileExists(atPath: outbox.path)
            ? try FileManager.default.contentsOfDirectory(atPath: outbox.path) : []
        #expect(outboxFiles.isEmpty)
    }

    @Test func withAFallbackLanguageThePeopleGetItWithALineInTheirsSayingSo() throws {
        try useIncident(Self.frenchOnly + "fallback_language: fr\n")
        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Note: de: 70 people are written to in de (first on line 4 of the imported CSV), but the incident has no de text for description, likely_consequences, measures_taken, measures_planned, advice_to_subjects: they get the notice in fr (fallback_language), with one line in their language saying so."), "\(run.stderr)")
        let messages = try sent()
        #expect(messages.count == 293)
        let notes = [
            "de": "Diese Mitteilung liegt nicht auf Deutsch vor; wir senden sie Ihnen auf Französisch.",
            "en": "This notice is not available in English, so we are sending it to you in French.",
        ]
        let registered = try CommandRunner.run("sqlite3", ["-separator", "|", work.appendingPathComponent("register.sqlite").path,
                                                           "SELECT email, language FROM subject WHERE email IS NOT NULL"])
        var languageOf: [String: String] = [:]
        for line in registered.stdout.split(separator: "\n") {
            let f = line.split(separator: "|").map(String.init)
            languageOf[f[0]] = f[1]
        }
        var seen: [String: Int] = [:]
        for message in messages {
            #expect(message.language == "fr")
            let address = String(message.to.split(separator: "<").last?.dropLast() ?? "")
            let person = try #require(languageOf[address], "\(message.to)")
            seen[person, default: 0] += 1
            var lines = message.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let note = notes[person] {
                #expect(lines.first == note)
                #expect(LanguageGuess.language(of: note) == person)
                #expect(message.html.contains("<p lang=\"\(person)\">\(note)</p>"))
                lines.removeFirst()
            } else {
                #expect(!notes.values.contains(lines.first ?? ""))
            }
            let rest = lines.joined(separator: "\n")
            #expect(LanguageGuess.foreignParagraphs(in: rest, expected: "fr").isEmpty)
        }
        #expect(seen == ["fr": 171, "en": 52, "de": 70])
    }

    @Test func importAndTemplatesCheckSayWhichLanguagesLackWhichFieldsForHowManyPeople() throws {
        let other = dir.url.appendingPathComponent("other")
        let incident = dir.url.appendingPathComponent("fr-only.yaml")
        try Data(Self.frenchOnly.utf8).write(to: incident)
        let env = environment.merging(["BREACHMAIL_DIR": other.path]) { $1 }
        for step in [["init", other.path], ["incident", "open", incident.path]] {
            let result = try CommandRunner.breachmail(step, environment: env)
            try #require(result.status == 0, "\(result.stderr)")
        }
        let csv = CommandRunner.exampleSubjects.path
        let imported = try CommandRunner.breachmail(["subjects", "import", "BR-2026-0001", csv], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        let fields = "description, likely_consequences, measures_taken, measures_planned, advice_to_subjects"
        #expect(imported.stdout.hasSuffix("""
            Warning: \(csv):14: language: 52 people are written to in en, but the incident has no en text for \(fields): their notices cannot go out.
            Warning: \(csv):4: language: 70 people are written to in de, but the incident has no de text for \(fields): their notices cannot go out.
            `breachmail subjects notify BR-2026-0001` would refuse to start. Add the missing texts per language to the incident file \
            (under each key, `en: …` on a line of its own) and record them with `breachmail incident update BR-2026-0001 FILE`; or, \
            to send these people the notice in another language with one line in theirs saying so, set `fallback_language: fr` in it.

            """), "\(imported.stdout)")

        let check = try CommandRunner.breachmail(["templates", "check", "--incident", "BR-2026-0001"], environment: env)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("Warning: BR-2026-0001: en: 52 people are written to in en (first on line 14 of the imported CSV), but the incident has no en text for \(fields): their notices cannot go out."), "\(check.stdout)")
        #expect(check.stdout.contains("Warning: BR-2026-0001: de: 70 people are written to in de (first on line 4 of the imported CSV)"))

        // The complete example draws no warning.
        let complete = try bm(["templates", "check", "--incident", "BR-2026-0001"])
        #expect(complete.status == 0, "\(complete.stderr)")
        #expect(complete.stdout.contains("BR-2026-0001 has every text its people's notices show, in each of their languages."), "\(complete.stdout)")
    }

    // MARK: One text, as before

    @Test func oneTextFieldsKeepWorkingInTheIncidentsLanguage() throws {
        try useIncident(Self.frenchOnly)
        // A French person's notice carries the French text.
        let preview = try bm(["subjects", "preview", "BR-2026-0001", "--row", "2", "--text"])
        #expect(preview.status == 0, "\(preview.stderr)")
        #expect(preview.stdout.contains("Un attaquant a utilisé le mot de passe volé"))
        #expect(LanguageGuess.foreignParagraphs(in: preview.stdout, expected: "fr").isEmpty)
        // The authority notification uses the authority's language: French for the CNPD here.
        let compose = try bm(["authority", "compose", "BR-2026-0001", "--authority", "cnpd"])
        #expect(compose.status == 0, "\(compose.stderr)")
        #expect(compose.stdout.contains("Un attaquant a utilisé le mot de passe volé"))
        // In English it would carry French prose: refused, with the fields named.
        let english = try bm(["authority", "compose", "BR-2026-0001", "--authority", "cnpd", "--lang", "en"])
        #expect(english.status != 0)
        #expect(english.stderr.contains("cannot compose the authority-initial message in en: the incident has no en text for discovery, description, measures_before, likely_consequences, measures_taken, measures_planned, advice_to_subjects (every text is there in fr), and a message never carries text in another language than its own."), "\(english.stderr)")
    }
}
