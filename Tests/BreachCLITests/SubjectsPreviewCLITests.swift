import BreachTestSupport
import Foundation
import Testing

@Suite struct SubjectsPreviewCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }

    init() throws {
        dir = try TemporaryDirectory("preview")
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try bm($0) }
    }

    func bm(_ args: [String]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"])
    }

    @Test func previewsOneSubjectsMessageInItsLanguage() throws {
        let result = try bm(["subjects", "preview", "BR-2026-0001", "--row", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        let check = try MIMECheck.parse(Array(result.stdout.utf8))
        #expect(check.error == nil && check.problems.isEmpty, "\(check.problems)")
        let root = try #require(check.root)
        #expect(root.header("To") == "Jean Hansen <jean.hansen4@example.org>")
        #expect(root.header("Subject")?.hasPrefix("Exemple SARL: Ein Sicherheitsvorfall betrifft Ihre personenbezogenen") == true)
        let text = try #require(root.leaves.first { $0.contentType == "text/plain" }?.body)
        #expect(text.contains("BR-2026-0001"))
        #expect(text.contains("www.exemple.lu/incident"))
        // No link to click and no remote content anywhere: breach notices are a phishing pretext.
        for leaf in root.leaves { #expect(!(leaf.body ?? "").contains("http")) }
        #expect(!result.stdout.contains("<img"))
        // Nothing was recorded by a preview: opened, imported and the import's subjects.digest.
        #expect(try bm(["register", "verify"]).stdout.hasPrefix("The register history is intact: 3 entries"))
    }

    @Test func textPreviewGreetsThePersonByName() throws {
        let result = try bm(["subjects", "preview", "BR-2026-0001", "--text"])
        #expect(result.stdout.hasPrefix("Subject: Exemple SARL : un incident de sécurité concerne vos données personnelles (réf. BR-2026-0001)\n\nBonjour Anaïs Weber,\n"))
    }

    @Test func subjectsWithoutAddressOrUnknownRowsAreNamed() throws {
        #expect(try bm(["subjects", "preview", "BR-2026-0001", "--row", "12"]).stderr
            == "Error: the subject of line 12 has no usable address (state no_address: no address); nothing to preview.\n")
        #expect(try bm(["subjects", "preview", "BR-2026-0001", "--row", "9999"]).stderr
            == "Error: no subject of BR-2026-0001 comes from line 9999 of the imported CSV; `breachmail status BR-2026-0001` shows the counts.\n")
    }
}

@Suite struct SubjectsShowCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }

    init() throws {
        dir = try TemporaryDirectory("show")
        try CommandRunner.makeExampleWorkingDirectory(work, subjects: CommandRunner.exampleSubjects) { try bm($0) }
    }

    func bm(_ args: [String], input: String? = nil) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"],
                                     input: input)
    }

    @Test func findsOnePersonByAddressOnStandardInputInTheFormTheImportStored() throws {
        // Upper case and spaces as a caller types it; the import stored the local part in lower case.
        let found = try bm(["subjects", "show", "BR-2026-0001", "--email", "-", "--json"], input: "  NOEL.WILSON6@EXAMPLE.COM\n")
        #expect(found.status == 0, "\(found.stderr)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(found.stdout.utf8)) as? [String: Any])
        #expect(record["state"] as? String == "queued")
        #expect(record["has_address"] as? Bool == true)
        #expect(!found.stdout.contains("@"), "the record does not echo the address")

        let byID = try bm(["subjects", "show", "BR-2026-0001", "--subject", "\(record["subject_id"] as? Int ?? 0)"])
        #expect(byID.stdout.contains("State       queued"), "\(byID.stdout)")
        #expect(byID.stdout.contains("Bounces     none"))

        let nobody = try bm(["subjects", "show", "BR-2026-0001", "--email", "-"], input: "nobody@example.com\n")
        #expect(nobody.status == 66)
        #expect(nobody.stderr.contains("BR-2026-0001 has no person with that address"), "\(nobody.stderr)")
        #expect(!nobody.stderr.contains("nobody@"), "the error does not echo the address")
        let both = try bm(["subjects", "show", "BR-2026-0001"])
        #expect(both.status == 64 && both.stderr.contains("give either --subject ID or --email ADDRESS"), "\(both.stderr)")
    }
}
