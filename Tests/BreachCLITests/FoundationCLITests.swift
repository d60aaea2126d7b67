import BreachTestSupport
import Foundation
import Testing

/// The `breachmail` binary run as a real process: what a DPO sees, pinned exactly.
@Suite struct FoundationCLITests {
    let dir: TemporaryDirectory
    let work: URL
    let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml").path
    let now = ["BREACHMAIL_NOW": "2026-10-24T10:00:00+02:00"]

    init() throws {
        dir = try TemporaryDirectory("cli")
        work = dir.url.appendingPathComponent("work")
    }

    func bm(_ args: [String], _ env: [String: String] = [:]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: env.merging(["BREACHMAIL_DIR": work.path]) { a, _ in a })
    }

    func initialised() throws {
        // The tests fix the clock (BREACHMAIL_NOW): their register takes the injected clock from its creation.
        let result = try bm(["init", work.path], now)
        try #require(result.status == 0, "\(result.stderr)")
    }

    func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: work.appendingPathComponent(path).path)[.posixPermissions] as? Int
    }

    @Test func versionAndHelpWithExamplesOnEveryCommand() throws {
        // The version names the commit of the checkout it runs from (BREACHMAIL_SHARE), read by the real git here.
        let head = try CommandRunner.run("git", ["-C", CommandRunner.packageRoot.path, "rev-parse", "HEAD"]).stdout
        #expect(try bm(["--version"]).stdout == "0.1.0 (commit \(head.prefix(12)))\n")
        let commands = [[], ["init"], ["incident"], ["incident", "template"], ["incident", "open"], ["incident", "update"],
                        ["incident", "list"], ["incident", "show"], ["status"], ["register"], ["register", "verify"],
                        ["register", "export"]]
        for command in commands {
            let help = try bm(command + ["--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Example:\n  breachmail"), "\(command)")
        }
    }

    @Test func initCreatesAPrivateWorkingDirectory() throws {
        try initialised()
        #expect(try mode("register.sqlite") == 0o600)
        #expect(try mode("breachmail.yaml") == 0o600)
        #expect(try mode("keyring") == 0o700)
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("templates/fr").path))
        // The templates are owner-only too, whatever the modes of the checkout they come from.
        #expect(try mode("templates") == 0o700)
        let walker = try #require(FileManager.default.enumerator(atPath: work.appendingPathComponent("templates").path))
        var checked = 0
        for case let name as String in walker {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: work.appendingPathComponent("templates/\(name)").path, isDirectory: &isDirectory)
            #expect(try mode("templates/\(name)") == (isDirectory.boolValue ? 0o700 : 0o600), "templates/\(name)")
            checked += 1
        }
        #expect(checked > 3)
        let again = try bm(["init", work.path])
        #expect(again.status == 73)
        #expect(again.stderr == "Error: \(work.path)/breachmail.yaml already exists; this is already a working directory. Choose another directory.\n")
    }

    @Test func opensShowsListsAndUpdatesAnIncident() throws {
        try initialised()
        let open = try bm(["incident", "open", example], now)
        #expect(open.stdout == """
            Opened BR-2026-0001: Rançongiciel sur la base des adhérents
            Notify the authority by 2026-10-26 09:00 +01:00 (Europe/Luxembourg) (72 h after awareness, Art. 33(1)).

            """)
        #expect(try bm(["incident", "list"], now).stdout == "BR-2026-0001  v1  48 h 00 min left  Rançongiciel sur la base des adhérents\n")
        let show = try bm(["incident", "show", "BR-2026-0001"])
        #expect(show.stdout.contains("Approximate number of people: 412\n"))
        #expect(show.stdout.contains("Nature: confidentiality, availability\n"))

        let changed = dir.file("changed.yaml")
        try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(of: "approximate_subjects: 412", with: "approximate_subjects: 450")
            .write(to: changed, atomically: true, encoding: .utf8)
        #expect(try bm(["incident", "update", "BR-2026-0001", changed.path], now).stdout == "Updated BR-2026-0001 to version 2.\n")
        #expect(try bm(["incident", "update", "BR-2026-0001", changed.path], now).stdout == "BR-2026-0001 is unchanged (version 2); nothing recorded.\n")
        #expect(try bm(["incident", "show", "BR-2026-0001"]).stdout.contains("Approximate number of people: 450\n"))
        #expect(try bm(["incident", "show", "BR-2026-0001", "--version", "1"]).stdout.contains("Approximate number of people: 412\n"))
        let json = try bm(["incident", "show", "BR-2026-0001", "--json"])
        #expect(json.stdout.contains("\"approximate_subjects\" : 450"))
    }

    @Test func statusShowsTheClockBeforeAndAfterTheDeadline() throws {
        try initialised()
        _ = try bm(["incident", "open", example], now)
        #expect(try bm(["status", "BR-2026-0001"], now).stdout == """
            BR-2026-0001  Rançongiciel sur la base des adhérents  (version 1)
            Awareness   2026-10-23 10:00 +02:00 (Europe/Luxembourg)
            Deadline    2026-10-26 09:00 +01:00 (Europe/Luxembourg)  (72 h, GDPR Art. 33(1))
            Clock       48 h 00 min left
            Assessment  none yet: run `breachmail incident assess BR-2026-0001`
            Authority   not notified yet: breachmail authority send BR-2026-0001
            Reach       no people imported yet

            """)
        let late = try bm(["status", "BR-2026-0001"], ["BREACHMAIL_NOW": "2026-10-26T12:30:00+01:00"])
        #expect(late.stdout.contains("Clock       OVERDUE by 3 h 30 min\n            A notification now must give the reasons for the delay (recital 85)"))
    }

    @Test func aBadIncidentFileIsRefusedAndNothingIsWritten() throws {
        try initialised()
        let bad = dir.file("bad.yaml")
        try String(contentsOfFile: example, encoding: .utf8)
            .replacingOccurrences(of: "awareness: 2026-10-23T10:00:00+02:00", with: "awareness: 2026-10-23 10:00")
            .replacingOccurrences(of: "approximate_records: 1840", with: "approximate_records: -1")
            .replacingOccurrences(of: "origin: ransomware", with: "origin: gremlins")
            .write(to: bad, atomically: true, encoding: .utf8)
        let result = try bm(["incident", "open", bad.path])
        #expect(result.status == 65)
        #expect(result.stderr == """
            Error: 3 problems:
              \(bad.path):3: awareness: "2026-10-23 10:00" has no time zone; add the UTC offset, e.g. 2026-10-23T10:00+01:00.
              \(bad.path):25: origin: "gremlins" is not known; use one of: hacking_malware, ransomware, phishing, credential_stuffing, lost_or_stolen_device, lost_or_stolen_paper, misdirected_message, unintended_publication, improper_disposal, unauthorised_access, software_error, other.
              \(bad.path):42: approximate_records: must be a whole number of records, 0 or more, or unknown, got -1.

            """)
        #expect(try bm(["incident", "list"]).stdout == "The register holds no incident yet. Record one with `breachmail incident open FILE`.\n")
    }

    @Test func errorsNameTheFixForMissingThings() throws {
        let missing = try bm(["incident", "list"])
        #expect(missing.stderr == "Error: \(work.path)/breachmail.yaml: cannot be read; run `breachmail init DIR` to create a working directory, or pass --dir.\n")
        try initialised()
        let unknown = try bm(["status", "BR-2026-0042"])
        #expect(unknown.stderr == "Error: no incident BR-2026-0042 in the register; `breachmail incident list` shows the ids.\n")
        let noFile = try bm(["incident", "open", "/nonexistent.yaml"])
        #expect(noFile.stderr == "Error: /nonexistent.yaml does not exist: give the path of the incident file, or - to read it from standard input.\n")
        #expect(noFile.status == 66)
        let badNow = try bm(["incident", "open", example], ["BREACHMAIL_NOW": "tomorrow"])
        #expect(badNow.stderr.hasPrefix("Error: BREACHMAIL_NOW=tomorrow is not a date and time with offset"))
    }

    @Test func verifyFindsTamperingAndExportWritesPrivateFiles() throws {
        try initialised()
        _ = try bm(["incident", "open", example], now)
        let ok = try bm(["register", "verify"])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("The register history is intact: 1 entries, head "))
        let html = try bm(["register", "export", "--format", "html", "--lang", "fr", "--output", dir.file("r.html").path], now)
        #expect(html.stdout == "Wrote \(dir.file("r.html").path) (1 incidents, 1 history entries).\n")
        let page = try String(contentsOf: dir.file("r.html"), encoding: .utf8)
        #expect(page.contains("<h2 id=\"BR-2026-0001-h\">BR-2026-0001 — Rançongiciel sur la base des adhérents</h2>"))
        #expect(page.contains("intacte : 1 entrées vérifiées"))
        #expect((try FileManager.default.attributesOfItem(atPath: dir.file("r.html").path)[.posixPermissions] as? Int) == 0o600)
        #expect(try bm(["register", "export", "--format", "csv"]).stdout.hasPrefix("incident_id,sequence,recorded_at,actor,event,version,title,"))

        _ = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
            "DROP TRIGGER history_append_only_update; UPDATE history SET actor = 'someone else' WHERE sequence = 1;"])
        let tampered = try bm(["register", "verify"])
        #expect(tampered.status == 2)
        #expect(tampered.stdout == "The register history is NOT intact: entry 1: was altered: its time, actor, kind or incident no longer match its hash.\nChecked 1 entries. Restore the register from a backup and compare.\n")
    }

    @Test func theTemplatePrintsInBothLanguages() throws {
        let fr = try bm(["incident", "template", "--lang", "fr"])
        #expect(fr.stdout.hasPrefix("# Fiche d'incident breachmail."))
        #expect(fr.stdout.contains("# Prise de connaissance (obligatoire): Date et heure de prise de connaissance"))
        let en = try bm(["incident", "template"])
        #expect(en.stdout.contains("# e.g. awareness: 2026-11-20T09:30:00+01:00\nawareness:\n"))
    }
}
