import BreachCore
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
        #expect(verify.stdout.hasPrefix("The register history is intact: 3 entries"))  // opened, imported, subjects.digest

        // Importing the same file again records nobody twice.
        let again = try bm(["subjects", "import", "BR-2026-0001", example])
        #expect(again.stdout.contains("  accepted      0  (0 queued, 0 without a usable address: no_address)\n  duplicates  298\n  rejected      2\n"))
        #expect(try sql("SELECT COUNT(*) FROM subject") == "296\n")
    }

    /// Issue 17 §9: domains through libidn2 (IDNA 2008, UTS #46): full-width forms mapped; a
    /// disallowed code point or a Bidi rule violation makes the row no_address, with the line,
    /// the field and libidn2's reason in the report.
    @Test func internationalAddressesAreConvertedOrRefusedWithTheReason() throws {
        try withIncident()
        let file = dir.file("idn.csv")
        try """
            Adresse mail;Prénom
            marie@bücher.example;Marie
            jean@\u{FF25}\u{FF38}\u{FF21}\u{FF2D}\u{FF30}\u{FF2C}\u{FF25}\u{FF0E}org;Jean
            zoe@\u{2615}.de;Zoé
            paul@1\u{05D0}.com;Paul

            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try bm(["subjects", "import", "BR-2026-0001", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("accepted    4  (2 queued, 2 without a usable address: no_address)"), "\(result.stdout)")
        #expect(try sql("SELECT line, email FROM subject WHERE state = 'queued' ORDER BY line") == "2|marie@xn--bcher-kva.example\n3|jean@example.org\n")
        let report = try #require(try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("imports").path).first)
        let lines = try String(contentsOfFile: work.appendingPathComponent("imports/\(report)").path, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(lines.contains { $0.hasPrefix("4;no_address;") && $0.contains("invalid address in field 1 (Adresse mail): has a domain label `\u{2615}` that IDNA 2008 (UTS #46) refuses: string contains a disallowed character; correct the domain") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("5;no_address;") && $0.contains("invalid address in field 1 (Adresse mail): has a domain label `1\u{05D0}` that IDNA 2008 (UTS #46) refuses: string has forbidden bi-directional properties") }, "\(lines)")
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

    func importFile(_ name: String, _ bytes: [UInt8]) throws -> ProcessResult {
        let file = dir.file(name)
        try Data(bytes).write(to: file)
        return try bm(["subjects", "import", "BR-2026-0001", file.path])
    }

    func reportText() throws -> String {
        let url = work.appendingPathComponent("imports/BR-2026-0001-20261024T080500Z-rejected.csv")
        return String(decoding: try Data(contentsOf: url).dropFirst(3), as: UTF8.self)
    }

    /// A TAB inside a name (quoted, in a TAB-separated export) does not cost the person their
    /// notice: it becomes a space, and the report lists the row as normalised.
    @Test func aTabInANameIsReplacedAndRecorded() throws {
        try withIncident()
        let result = try importFile("tabs.csv", Array("email\tfirst_name\tlast_name\na@example.org\t\"Marie\tClaire\"\tDupont\nb@example.org\tLuc\tWeber\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("  accepted    2  (2 queued, 0 without a usable address: no_address)\n  duplicates  0\n  rejected    0\n"), "\(result.stdout)")
        #expect(result.stdout.contains("1 accepted rows had a TAB in a name, replaced by a space (listed in the report as normalised).\n"))
        #expect(try sql("SELECT first_name FROM subject WHERE email = 'a@example.org'") == "Marie Claire\n")
        #expect(try reportText() == "line\toutcome\treason\traw\r\n2\tnormalised\tTAB replaced by a space in field 2 (first_name)\t\"a@example.org\t\"\"Marie\tClaire\"\"\tDupont\"\r\n")
    }

    /// A lone CR inside a quoted field is not a line of the file: the lines reported after it
    /// are the physical lines an editor shows.
    @Test func aLoneCRInAQuotedFieldDoesNotShiftLineNumbers() throws {
        try withIncident()
        let result = try importFile("cr.csv", Array("email;note\na@example.org;\"one\rtwo\"\nnot-an-address;x\n".utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sql("SELECT line FROM subject ORDER BY id") == "2\n3\n")
        #expect(try reportText().contains("\r\n3;no_address;"))
    }

    /// A header line longer than a field may be is refused (a 57 MB one was held in memory).
    @Test func aHugeHeaderLineIsRefused() throws {
        try withIncident()
        let header = (0..<20_000).map { "column\($0)" }.joined(separator: ";")
        let result = try importFile("wide.csv", Array("email;\(header)\na@example.org\n".utf8))
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(dir.file("wide.csv").path) line 1: the header line is longer than 65536 bytes, so not the header of a list of people; check that this is the right file and that its first line is the header (email;first_name;last_name;language).\n")
        #expect(try sql("SELECT COUNT(*) FROM subject") == "0\n")
    }

    /// A rejected line that starts with `=`, `+`, `-` or `@` is shown in the report, never
    /// evaluated by the spreadsheet that opens it.
    @Test func reportCellsAreNeverFormulas() throws {
        try withIncident()
        let lines = ["=HYPERLINK(\"http://evil.example\")", "+1", "-2", "@SUM(A1)"].map { "\($0);x;y" }
        let result = try importFile("formulas.csv", Array(("email;name\n" + lines.joined(separator: "\n") + "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let text = try reportText()
        for cell in ["\"'=HYPERLINK(\"\"http://evil.example\"\");x;y\"", "\"'+1;x;y\"", "\"'-2;x;y\"", "\"'@SUM(A1);x;y\""] {
            #expect(text.contains(";\(cell)\r\n"), "\(cell)\n\(text)")
        }
        for start in ["=", "+", "-", "@"] { #expect(!text.contains(";\"\(start)") && !text.contains(";\(start)")) }
    }

    /// Issue 18: an import writes its rows in batches (the write-ahead log stays the size of one),
    /// yet a SIGKILL of the real process anywhere in a large file leaves nobody recorded: the
    /// next opening of the register removes the rows of the dead import, `register verify` finds
    /// the chain and the digest intact, and the same file imported again records everyone once.
    /// The import is held (`BREACHMAIL_TEST_IMPORT_HOLD`) inside the batch after the drawn number
    /// of committed ones, its transaction open, and killed there: watching a running import
    /// instead raced it, and a loaded machine lost the race (the import was over first).
    @Test func aKilledImportLeavesNobodyAndARerunRecordsEveryone() throws {
        try withIncident()
        let rows = 20_000, batch = 1_000
        var csv = "email;first_name;last_name;language\n"
        for n in 1...rows { csv += "p\(n)@example.org;Zoé;Müller \(n);\(n % 3 == 0 ? "de" : "fr")\n" }
        let file = dir.file("large.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        environment.merge(["BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test-dpo",
                           "BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-24T10:05:00+02:00",
                           "BREACHMAIL_TEST_IMPORT_BATCH": "\(batch)"]) { $1 }
        // Three kills at points drawn from a fixed seed: after 1 to 15 batches were committed,
        // with some rows of the next one written and not committed.
        var random = SeededRandom(seed: 18)
        for round in 1...3 {
            let batches = Int(random.next() % 15) + 1
            let process = Process()
            process.executableURL = CommandRunner.breachmail
            process.arguments = ["subjects", "import", "BR-2026-0001", file.path]
            process.environment = environment.merging(["BREACHMAIL_TEST_IMPORT_HOLD": "\(batches)"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(120)
            var written = 0
            while Date() < deadline, process.isRunning {
                written = Int(try sql("SELECT COUNT(*) FROM subject").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                if written >= batches * batch { break }
                usleep(5_000)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the import ended before the kill")
            // The batches were committed: the rows are in the file until someone opens the register.
            #expect(written == batches * batch, "round \(round): \(written) rows when killed")
            #expect(try sql("SELECT COUNT(*) FROM subject_import") == "1\n")

            let status = try bm(["status", "BR-2026-0001"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(try sql("SELECT COUNT(*) FROM subject") == "0\n", "round \(round): the dead import's rows are still there")
            #expect(try sql("SELECT COUNT(*) FROM subject_import") == "0\n")
            #expect(try sql("SELECT kind FROM history ORDER BY sequence") == "incident.opened\n")
            let verify = try bm(["register", "verify"])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }

        let again = try CommandRunner.breachmail(["subjects", "import", "BR-2026-0001", file.path], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("  accepted    \(rows)  (\(rows) queued, 0 without a usable address: no_address)\n"), "\(again.stdout)")
        #expect(try sql("SELECT COUNT(*), COUNT(DISTINCT email), MIN(line), MAX(line) FROM subject") == "\(rows)|\(rows)|2|\(rows + 1)\n")
        #expect(try sql("SELECT COUNT(*) FROM subject_import") == "0\n")
        #expect(try sql("SELECT kind FROM history ORDER BY sequence") == "incident.opened\nsubjects.imported\nsubjects.digest\n")
        let verify = try bm(["register", "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("The register history is intact: 3 entries"))
    }

    /// While an import runs, no campaign of its incident can start, and no second import into it.
    @Test func anImportHoldsTheIncidentsLock() throws {
        try withIncident()
        let lock = work.appendingPathComponent(".campaign-BR-2026-0001.lock").path
        let fd = open(lock, O_CREAT | O_RDWR, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
        let result = try bm(["subjects", "import", "BR-2026-0001", example])
        #expect(result.status != 0)
        #expect(result.stderr == "Error: a campaign of BR-2026-0001 (`subjects notify`) or another import into it is running; wait for it to end, then import again.\n")
        #expect(try sql("SELECT COUNT(*) FROM subject") == "0\n")
    }
}
