import BreachTestSupport
import Foundation
import Testing

/// Issue 12 §8: the register says who and when, truthfully. The actor is the account name when
/// no variable names one, never `unknown`; `BREACHMAIL_NOW` is refused on a register created
/// with the system clock; `register verify` reports entries whose time goes backwards.
@Suite struct RegisterTruthCLITests {
    let dir: TemporaryDirectory
    let work: URL
    let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml").path

    init() throws {
        dir = try TemporaryDirectory("truth")
        work = dir.url.appendingPathComponent("work")
    }

    /// `breachmail ARGS` with exactly this environment (no BREACHMAIL_ACTOR unless given).
    func bare(_ arguments: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                   "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_DIR": work.path]
        env.merge(extra) { $1 }
        return try CommandRunner.run(CommandRunner.breachmail, arguments, environment: env)
    }

    func sql(_ query: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path, query])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theActorIsTheAccountNameWhenNoVariableNamesOne() throws {
        #expect(try bare(["init", work.path]).status == 0)
        let account = try CommandRunner.run("id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!account.isEmpty)
        let opened = try bare(["incident", "open", example])
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(try sql("SELECT actor FROM history") == account)
        #expect(account != "unknown")

        let empty = try bare(["incident", "open", example, "--actor", " "])
        #expect(empty.status == 64)
        #expect(empty.stderr == "Error: --actor is empty: give the name of the person who makes the change; it goes into the register's history.\n")
        #expect(try sql("SELECT COUNT(*) FROM history") == "1")
    }

    @Test func anInjectedClockIsRefusedOnARegisterCreatedWithTheSystemClock() throws {
        #expect(try bare(["init", work.path], ["BREACHMAIL_ACTOR": "dpo"]).status == 0)
        let backdated = try bare(["incident", "open", example], ["BREACHMAIL_ACTOR": "dpo", "BREACHMAIL_NOW": "2026-10-24T10:00:00+02:00"])
        #expect(backdated.status == 78)
        #expect(backdated.stderr == "Error: BREACHMAIL_NOW is set, but \(work.path)/register.sqlite takes the system clock: an injected time would back-date "
            + "the entries of a real register. Unset BREACHMAIL_NOW. (Tests and demos: create the working directory with "
            + "BREACHMAIL_NOW set, and its register takes the injected clock for good.)\n")
        #expect(try sql("SELECT COUNT(*) FROM history") == "0")
        #expect(try sql("SELECT COUNT(*) FROM register_setting") == "0")
        let opened = try bare(["incident", "open", example], ["BREACHMAIL_ACTOR": "dpo"])
        #expect(opened.status == 0, "\(opened.stderr)")
        let verify = try bare(["register", "verify"])
        #expect(verify.status == 0)
        #expect(!verify.stdout.contains("injected"))
    }

    @Test func verifyReportsEntriesWhoseTimeGoesBackwards() throws {
        let at = { (time: String) in ["BREACHMAIL_ACTOR": "dpo", "BREACHMAIL_NOW": time] }
        let made = try bare(["init", work.path], at("2026-10-24T10:00:00+02:00"))
        #expect(made.stdout.contains("its clock is BREACHMAIL_NOW, for tests and demos: its times are not evidence"))
        #expect(try bare(["incident", "open", example], at("2026-10-24T10:00:00+02:00")).status == 0)
        let changed = dir.file("changed.yaml")
        try String(contentsOfFile: example, encoding: .utf8).replacingOccurrences(of: "approximate_subjects: 412", with: "approximate_subjects: 450")
            .write(to: changed, atomically: true, encoding: .utf8)
        #expect(try bare(["incident", "update", "BR-2026-0001", changed.path], at("2026-10-24T09:00:00+02:00")).status == 0)

        // A demo register: noted, not an error.
        let noted = try bare(["register", "verify"])
        #expect(noted.status == 0, "\(noted.stdout)")
        #expect(noted.stdout.contains("Note: this register takes the injected clock (BREACHMAIL_NOW): a test or demo register, its times are not evidence.\n"))
        #expect(noted.stdout.contains("Note: 1 entry is dated before the entry preceding it (a clock set back, or a back-dated entry):\n"
            + "  entry 2 is dated 2026-10-24T07:00:00Z, before entry 1 (2026-10-24T08:00:00Z)\n"), "\(noted.stdout)")

        // The same entries in a register that claims the system clock: a warning and exit status 3.
        _ = try sql("DELETE FROM register_setting")
        let warned = try bare(["register", "verify"])
        #expect(warned.status == 3)
        #expect(warned.stdout.hasPrefix("The register history is intact: 2 entries"))
        #expect(warned.stdout.contains("WARNING: 1 entry is dated before the entry preceding it"), "\(warned.stdout)")
    }

    /// The first command after an upgrade that rebuilds the people's table (v13) says so before
    /// it starts, with the size, from 100,000 people; then does its job; the next command is quiet.
    @Test func anUpgradeThatRebuildsThePeoplesTableSaysSoFirst() throws {
        let env = ["BREACHMAIL_ACTOR": "dpo"]
        #expect(try bare(["init", work.path], env).status == 0)
        #expect(try bare(["incident", "open", example], env).status == 0)
        // 120,000 people written as a register of before v13 holds them (the row key unique for all).
        _ = try sql("""
            PRAGMA foreign_keys = OFF; BEGIN;
            DROP TABLE subject;
            CREATE TABLE subject (id INTEGER PRIMARY KEY, incident_id TEXT NOT NULL REFERENCES incident(id), import_entry INTEGER NOT NULL,
                line INTEGER NOT NULL, email TEXT, first_name TEXT, last_name TEXT, language TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '{}',
                state TEXT NOT NULL DEFAULT 'queued', state_reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
                imported_at TEXT NOT NULL, updated_at TEXT NOT NULL, message_id TEXT, last_reply TEXT, row_key TEXT, first_attempt_at TEXT,
                UNIQUE (incident_id, email), UNIQUE (incident_id, row_key));
            CREATE INDEX subject_state ON subject(incident_id, state, id);
            CREATE INDEX subject_incident ON subject(incident_id, id);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
            INSERT INTO subject (incident_id, import_entry, line, email, language, imported_at, updated_at)
                SELECT 'BR-2026-0001', 1, i + 1, 'p' || i || '@example.org', 'fr', '2026-12-03T10:00:00Z', '2026-12-03T10:00:00Z' FROM n;
            DELETE FROM grdb_migrations WHERE identifier = 'v13-subject-row-key';
            COMMIT;
            """)
        let first = try bare(["incident", "list"], env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.hasPrefix("Upgrading the register: the people's table is rebuilt once for this version (about 120000 people, 2 s or so; "),
                "\(first.stderr)")
        #expect(first.stdout.contains("BR-2026-0001"))
        #expect(try sql("SELECT COUNT(*) FROM subject") == "120000")
        #expect(try sql("SELECT COUNT(*) FROM grdb_migrations WHERE identifier = 'v13-subject-row-key'") == "1")
        let second = try bare(["incident", "list"], env)
        #expect(second.status == 0 && second.stderr.isEmpty, "\(second.stderr)")
    }
}
