import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §8: the command line's messages in French or English, from the locale (LC_ALL, then
/// LC_MESSAGES, then LANG) or `breachmail --lang` before the command; English for C, POSIX and an
/// unset locale, so that every script and test that reads the text is unchanged. The exit
/// statuses never depend on the language.
@Suite struct MessageLanguageCLITests {
    let dir: TemporaryDirectory
    let work: URL

    init() throws {
        dir = try TemporaryDirectory("languages")
        work = dir.url.appendingPathComponent("work")
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try run($0) }
    }

    func run(_ arguments: [String], _ locale: [String: String] = [:]) throws -> ProcessResult {
        var env = ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"]
        env.merge(locale) { $1 }
        return try CommandRunner.breachmail(arguments, environment: env)
    }

    @Test func theLocaleChoosesTheLanguageOfTheMessages() throws {
        let french = try run(["status", "BR-2026-0001"], ["LANG": "fr_FR.UTF-8"])
        #expect(french.status == 0, "\(french.stderr)")
        let lines = french.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("Connaissance 2026-10-23 ") }, "\(french.stdout)")
        #expect(lines.contains { $0.hasPrefix("Échéance     2026-10-26 ") }, "\(french.stdout)")
        #expect(lines.contains { $0.hasPrefix("Personnes    296 personnes") }, "\(french.stdout)")
        #expect(lines.contains("Échecs par motif"), "\(french.stdout)")

        // LC_ALL before LC_MESSAGES before LANG; C and POSIX are English.
        let english = try run(["status", "BR-2026-0001"])
        #expect(english.stdout.contains("\nAwareness   2026-10-23 ") && english.stdout.contains("\nSubjects    296 people\n"), "\(english.stdout)")
        for locale in [["LANG": "fr_FR.UTF-8", "LC_ALL": "C"], ["LANG": "fr_FR.UTF-8", "LC_MESSAGES": "POSIX"], ["LANG": "C.UTF-8"],
                       ["LANG": "es_ES.UTF-8"]] {
            #expect(try run(["status", "BR-2026-0001"], locale).stdout == english.stdout, "\(locale)")
        }
        #expect(try run(["status", "BR-2026-0001"], ["LANG": "en_GB.UTF-8", "LC_MESSAGES": "fr_BE.UTF-8"]).stdout == french.stdout)
        #expect(try run(["status", "BR-2026-0001"], ["LANG": "C", "LC_ALL": "fr_CH.UTF-8"]).stdout == french.stdout)
    }

    @Test func theOptionBeforeTheCommandChoosesItAndErrorsKeepTheirStatus() throws {
        let verify = try run(["--lang", "fr", "register", "verify"], ["LANG": "en_US.UTF-8"])
        #expect(verify.status == 0)
        #expect(verify.stdout.firstMatch(of: #/^L'historique du registre est intact : \d+ entrées, tête \S+\.\n/#) != nil, "\(verify.stdout)")
        #expect(try run(["--lang=en", "register", "verify"], ["LANG": "fr_FR.UTF-8"]).stdout.hasPrefix("The register history is intact: "))

        let missing = dir.file("missing.yaml").path
        let french = try run(["--lang", "fr", "incident", "open", missing])
        #expect(french.status == 66)
        #expect(french.stderr == "Erreur : \(missing) n'existe pas : donnez le chemin du fichier d'incident, ou - pour le lire sur l'entrée standard.\n")
        let english = try run(["incident", "open", missing], ["LANG": "C"])
        #expect(english.status == 66)
        #expect(english.stderr == "Error: \(missing) does not exist: give the path of the incident file, or - to read it from standard input.\n")

        let delimiter = try run(["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path, "--delimiter", "|"], ["LANG": "fr_FR.UTF-8"])
        #expect(delimiter.status == 64)
        #expect(delimiter.stderr == "Erreur : --delimiter | : utilisez , ; ou tab.\n")

        let unknown = try run(["--lang", "xx", "status", "BR-2026-0001"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "Error: --lang xx: use en, fr or de (before the command: breachmail --lang fr status ID).\n")
        // German messages are not written yet: English.
        #expect(try run(["--lang", "de", "register", "verify"]).stdout.hasPrefix("The register history is intact: "))
    }

    @Test func theImportSummaryAndTheDPOsDocumentsFollowTheLanguage() throws {
        let imported = try run(["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path], ["LANG": "fr_FR.UTF-8"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("subjects.csv importé dans BR-2026-0001 (UTF-8, séparateur ';').\n  lignes lues 300\n"), "\(imported.stdout)")
        #expect(imported.stdout.contains("\n  doublons    298\n"), "\(imported.stdout)")

        // The incident file and `incident show` in French when the messages are, unless --lang says otherwise.
        let template = try run(["incident", "template"], ["LANG": "fr_FR.UTF-8"])
        #expect(template.stdout == (try run(["incident", "template", "--lang", "fr"])).stdout)
        #expect(template.stdout != (try run(["incident", "template"])).stdout)
        #expect(try run(["incident", "template", "--lang", "en"], ["LANG": "fr_FR.UTF-8"]).stdout == (try run(["incident", "template"])).stdout)
        let shown = try run(["--lang", "fr", "incident", "show", "BR-2026-0001"])
        #expect(shown.stdout == (try run(["incident", "show", "BR-2026-0001", "--lang", "fr"])).stdout)
        #expect(shown.stdout.contains("Décision en vigueur : aucune"), "\(shown.stdout)")
    }
}
