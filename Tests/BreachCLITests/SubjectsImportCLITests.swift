import BreachTestSupport
import Foundation
import Testing

/// `breachmail subjects import` as a DPO runs it, on the example file of the repository.
@Suite struct SubjectsImportCLITests {
    let dir: TemporaryDirectory
    let work: URL
    let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path

    init() throws {
        dir = try TemporaryDirectory("subjects-cli")
        work = dir.url.appendingPathComponent("work")
    }

    func bm(_ args: [String], at time: String = "2026-10-24T10:05:00+02:00") throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": time])
    }

    func sql(_ query: String) throws -> String {
        try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path, query]).stdout
    }

    func withIncident() throws {
        try #require(try bm(["init", work.path]).status == 0)
        let open = try bm(["incident", "open", CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml").path],
                          at: "2026-10-24T10:00:00+02:00")
        try #require(open.status == 0, "\(open.stderr)")
    }

    @Test func importsTheExampleFileWithEveryRowAccountedFor() throws {
        try withIncident()
        let result = try bm(["subjects", "import", "BR-2026-0001", example])
        let sha = String(try CommandRunner.run("sha256sum", [example]).stdout.prefix(64))
        let report = work.appendingPathComponent("imports/BR-2026-0001-20261024T080500Z-rejected.csv").path
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            Imported subjects.csv into BR-2026-0001 (UTF-8, separator ';').
              rows read   300
              accepted    296  (293 queued, 3 without a usable address: no_address)
              duplicates    2
              rejected      2
            36 accepted rows had no language or an unknown one: they will be written to in fr.
            Rows to look at (line, outcome, reason): \(report)
            Register history: subjects.imported, file SHA-256 \(sha).

            """)
        let mode = try FileManager.default.attributesOfItem(atPath: report)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let lines = try String(contentsOfFile: report, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines.compactMap { $0.split(separator: ";").first.flatMap { Int($0) } } == [12, 22, 32, 42, 52, 62, 73])
        #expect(try sql("SELECT state, COUNT(*) FROM subject GROUP BY state ORDER BY state") == "no_address|3\nqueued|293\n")
        #expect(try sql("SELECT language, COUNT(*) FROM subject GROUP BY language ORDER BY language") != "")
        // The accented name, the IDN domain and the separator inside a quoted name arrive exact.
        #expect(try sql("SELECT email, first_name, last_name, language FROM subject WHERE line = 2") == "anais.weber1@mail.example.lu|Anaïs|Weber|fr\n")
        #expect(try sql("SELECT line FROM subject WHERE last_name = 'O''Brien; Kelly'") == "93\n")
        #expect(try sql("SELECT COUNT(*) FROM subject WHERE email LIKE '%xn--bcher-kva.example'") != "0\n")
        #expect(try sql("SELECT COUNT(*) FROM subject WHERE first_name LIKE '%Bcc%' OR last_name LIKE '%Bcc%'") == "0\n")
        let verify = try bm(["register", "verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("The register history is intact: 2 entries"))

        // Importing the same file again records nobody twice.
        let again = try bm(["subjects", "import", "BR-2026-0001", example])
        #expect(again.stdout.contains("  accepted      0  (0 queued, 0 without a usable address: no_address)\n  duplicates  298\n  rejected      2\n"))
        #expect(try sql("SELECT COUNT(*) FROM subject") == "296\n")
    }

    @Test func aFileErrorRecordsNothingAndSaysWhereAndHow() throws {
        try withIncident()
        let broken = dir.file("broken.csv")
        try Data("email;name\na@example.org;A\nb@example.org;\"B\nc@example.org;C\n".utf8).write(to: broken)
        let result = try bm(["subjects", "import", "BR-2026-0001", broken.path])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(broken.path) line 3, field 2: a quoted field opens here and is never closed before the end "
            + "of the file; close it (a quote inside a quoted field is written \"\") and import again. Nothing was imported.\n")
        #expect(try sql("SELECT COUNT(*) FROM subject") == "0\n")
        #expect(try sql("SELECT COUNT(*) FROM history WHERE kind = 'subjects.imported'") == "0\n")
    }

    @Test func badOptionsAndUnknownIncident() throws {
        try withIncident()
        #expect(try bm(["subjects", "import", "BR-2026-0001", example, "--delimiter", "|"]).stderr
            == "Error: --delimiter |: use , ; or tab.\n")
        #expect(try bm(["subjects", "import", "BR-2026-0001", example, "--encoding", "latin9"]).stderr
            == "Error: --encoding latin9: use utf-8 or windows-1252.\n")
        #expect(try bm(["subjects", "import", "BR-2026-0009", example]).stderr
            == "Error: no incident BR-2026-0009 in the register; `breachmail incident list` shows the ids.\n")
        #expect(try bm(["subjects", "import", "--help"]).stdout.contains("Example:\n  breachmail subjects import"))
    }
}
