import BreachConfig
import BreachCore
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

@Suite struct RegisterTests {
    let dir: TemporaryDirectory
    let url: URL
    let incident: Incident
    let t0 = ZonedTime(rfc3339: "2026-10-23T12:00:00+02:00")!.instant

    init() throws {
        dir = try TemporaryDirectory("register")
        url = dir.file("register.sqlite")
        incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
    }

    func sqlite(_ sql: String) throws -> ProcessResult {
        try CommandRunner.run("sqlite3", [url.path, sql])
    }

    @Test func migratesFromEmptyWithOwnerOnlyPermissions() throws {
        _ = try Register(at: url, create: true)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try sqlite("PRAGMA journal_mode;").stdout == "wal\n")
        #expect(try sqlite("SELECT identifier FROM grdb_migrations ORDER BY identifier;").stdout == "v1-register\nv10-service\nv11-scheduler\nv12-import-batches\nv13-subject-row-key\nv2-notifications\nv2-subjects\nv3-bounces\nv3-subject-first-attempt\nv4-subject-journal\nv5-register-settings\nv6-controller-notices\nv7-bounce-review\nv8-subject-digest\nv9-scale\n")
        // Opening again migrates nothing and loses nothing.
        let register = try Register(at: url)
        #expect(try register.incidents().isEmpty)
    }

    /// A register written before v13 (the row key unique for everybody, a constraint of the table)
    /// is rebuilt on opening: every row, id and text as it was, the chain and the people's digest
    /// intact, the row key still unique where there is one, and no index entry for the others.
    @Test func aRegisterFromBeforeThePartialRowKeyIndexIsRebuiltWithNothingLost() throws {
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        func person(_ line: Int, _ email: String?) -> NewSubject {
            NewSubject(line: line, email: email, firstName: "Zoé \(line)", lastName: "O'Brien", language: ["fr", "en", "de"][line % 3],
                       fields: ["n": "\(line)"], state: email == nil ? .noAddress : .queued, reason: email == nil ? "no address" : nil,
                       rowKey: email == nil ? "row-\(line)" : nil)
        }
        _ = try register.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            for line in 2...301 { _ = try writer.insert(person(line, line % 10 == 0 ? nil : "p\(line)@example.org")) }
            return ["rows": 300]
        }
        let first = try #require(register.subjects(incidentID: id, states: [.queued]).first)
        try register.updateSubjects([SubjectUpdate(id: first.id, to: .submitted, countsAsAttempt: true, messageID: "m1@example.org",
                                                   lastReply: "250 2.0.0 Ok", firstAttemptAt: t0)], at: t0)
        // The table as v2 made it (and v3 extended it), and v13 not yet applied.
        let columns = """
            id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason, attempts,
            next_attempt_at, imported_at, updated_at, message_id, last_reply, row_key, first_attempt_at
            """
        let downgrade = try sqlite("""
            PRAGMA foreign_keys = OFF; BEGIN;
            CREATE TABLE old (id INTEGER PRIMARY KEY, incident_id TEXT NOT NULL REFERENCES incident(id), import_entry INTEGER NOT NULL,
                line INTEGER NOT NULL, email TEXT, first_name TEXT, last_name TEXT, language TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '{}',
                state TEXT NOT NULL DEFAULT 'queued', state_reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
                imported_at TEXT NOT NULL, updated_at TEXT NOT NULL, message_id TEXT, last_reply TEXT, row_key TEXT,
                UNIQUE (incident_id, email), UNIQUE (incident_id, row_key));
            ALTER TABLE old ADD COLUMN first_attempt_at TEXT;
            INSERT INTO old (\(columns)) SELECT \(columns) FROM subject;
            DROP TABLE subject; ALTER TABLE old RENAME TO subject;
            CREATE INDEX subject_state ON subject(incident_id, state, id);
            CREATE INDEX subject_incident ON subject(incident_id, id);
            CREATE INDEX subject_submitted ON subject(incident_id, updated_at, state) WHERE state = 'submitted';
            CREATE INDEX subject_message ON subject(message_id) WHERE message_id IS NOT NULL;
            DELETE FROM grdb_migrations WHERE identifier = 'v13-subject-row-key';
            COMMIT;
            """)
        #expect(downgrade.status == 0, "\(downgrade.stderr)")
        let dump = "SELECT \(columns) FROM subject ORDER BY id;"
        let before = try sqlite(dump).stdout
        #expect(try sqlite("SELECT COUNT(*) FROM pragma_index_list('subject') WHERE origin = 'u';").stdout == "2\n")

        let reopened = try Register(at: url)
        #expect(try sqlite(dump).stdout == before)
        #expect(before.split(separator: "\n").count == 300)
        #expect(try reopened.verify().isIntact)
        // One unique constraint left (the address); the row key's index holds only the 30 rows with one.
        #expect(try sqlite("SELECT name FROM pragma_index_list('subject') WHERE \"unique\" ORDER BY name;").stdout
                == "sqlite_autoindex_subject_1\nsubject_row_key\n")
        #expect(try sqlite("SELECT COUNT(*) FROM subject INDEXED BY subject_row_key WHERE incident_id = '\(id)' AND row_key IS NOT NULL;").stdout == "30\n")
        // Importing the same rows again records nobody: both kinds are still recognised.
        _ = try reopened.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            let again = [try writer.insert(person(10, nil)), try writer.insert(person(11, "p11@example.org"))]
            #expect(again == [.duplicate(line: 10, earlierImport: true), .duplicate(line: 11, earlierImport: true)])
            return ["rows": 2]
        }
        #expect(try reopened.subjectCounts(incidentID: id) == ["queued": 269, "submitted": 1, "no_address": 30])
        #expect(try reopened.verify().isIntact)
    }

    /// A fold (and every change of people) reads the rows it changes through SQLite's C API to
    /// keep the people's digest; `verify` recomputes it from GRDB's rows. Both read alike whatever
    /// the texts: plain ASCII, accents and other scripts, empty texts, NULLs, long texts. (Not a
    /// NUL inside a text, which GRDB reads up to the NUL: the import refuses such a row.)
    @Test func theDigestAChangeKeepsIsTheOneVerifyRecomputes() throws {
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        let names: [String?] = ["Ana", "Zoé", "Jürgen", "علي", "דנה", "अनीता", "", nil, String(repeating: "é", count: 3000), "x"]
        _ = try register.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            for (offset, name) in names.enumerated() {
                _ = try writer.insert(NewSubject(line: offset + 2, email: "p\(offset)@example.org", firstName: name, lastName: name.map { $0 + " ß" },
                                                 language: "fr", fields: ["k": name ?? "-"], state: .queued, reason: nil, rowKey: nil))
            }
            return ["rows": names.count]
        }
        #expect(try register.verify().isIntact)
        let people = try register.subjects(incidentID: id)
        #expect(people.count == names.count)
        try register.updateSubjects(people.map {
            SubjectUpdate(id: $0.id, to: .submitted, countsAsAttempt: true, messageID: "m\($0.id)@example.org",
                          lastReply: "250 2.0.0 Ok: queued as \($0.id) é", firstAttemptAt: t0)
        }, at: t0)
        #expect(try register.verify().isIntact)
        try register.updateSubjects(people.map { SubjectUpdate(id: $0.id, from: [.submitted], to: .failedPermanent, reason: "550 5.1.1 <adresse> inconnue") }, at: t0)
        let verification = try register.verify()
        #expect(verification.isIntact, "\(String(describing: verification.firstProblem))")
    }

    /// A campaign's pages of people are read from SQLite's columns directly; a person looked up
    /// alone is read through GRDB's row. Both give the same person, whatever the texts (other
    /// scripts, empty, NULL, long), the fields, the state and what a campaign wrote.
    @Test func aPageOfPeopleReadsAsEachPersonAlone() throws {
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        let names: [String?] = ["Ana", "Zoé", "علي", "अनीता", "", nil, String(repeating: "é", count: 3000)]
        _ = try register.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            for line in 2...121 {
                let name = names[line % names.count]
                _ = try writer.insert(NewSubject(line: line, email: line % 13 == 0 ? nil : "p\(line)@example.org", firstName: name,
                                                 lastName: name.map { $0 + " ß" }, language: ["fr", "en", "de"][line % 3],
                                                 fields: line % 2 == 0 ? [:] : ["k": name ?? "-", "x": "\"{}\""],
                                                 state: line % 13 == 0 ? .noAddress : .queued, reason: line % 13 == 0 ? "no address" : nil,
                                                 rowKey: line % 13 == 0 ? "row-\(line)" : nil))
            }
            return ["rows": 120]
        }
        let queued = try register.subjects(incidentID: id, states: [.queued])
        try register.updateSubjects(queued.prefix(40).map {
            SubjectUpdate(id: $0.id, to: .submitted, countsAsAttempt: true, messageID: "m\($0.id)@example.org",
                          lastReply: "250 2.0.0 Ok é", firstAttemptAt: t0)
        } + queued.dropFirst(40).prefix(20).map {
            SubjectUpdate(id: $0.id, to: .deferred, reason: "451 4.3.0 later", countsAsAttempt: true,
                          nextAttemptAt: t0.addingTimeInterval(600), firstAttemptAt: t0)
        }, at: t0)
        var seen = 0
        for states: Set<SubjectState>? in [nil, [.queued], [.queued, .deferred], [.submitted, .noAddress]] {
            var after: Int64 = 0
            while true {
                let page = try register.subjects(incidentID: id, states: states, after: after, limit: 17)
                guard let last = page.last else { break }
                for person in page {
                    #expect(try register.subject(incidentID: id, id: person.id) == person)
                    seen += 1
                }
                after = last.id
            }
        }
        #expect(seen == 120 + 51 + 71 + 49)  // everybody; queued; queued or deferred; submitted or without address
    }

    @Test func aMissingRegisterIsNotCreatedUnasked() {
        #expect(throws: RegisterError.self) { try Register(at: dir.file("none.sqlite")) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("none.sqlite").path))
    }

    @Test func keepsEveryVersion() throws {
        let register = try Register(at: url, create: true)
        let opened = try register.openIncident(incident, actor: "dpo", at: t0)
        #expect(opened.id == "BR-2026-0001")
        var changed = incident
        changed.approximateSubjects = 500
        let updated = try register.updateIncident(opened.id, to: changed, actor: "dpo", at: t0.addingTimeInterval(60))
        #expect(updated.version == 2)
        #expect(try register.incident(opened.id).incident.approximateSubjects == 500)
        #expect(try register.incident(opened.id, version: 1).incident == incident)
        #expect(try register.history(incidentID: opened.id).map(\.kind) == ["incident.opened", "incident.updated"])
        #expect(throws: RegisterError.self) { try register.incident(opened.id, version: 3) }
        let second = try register.openIncident(incident, actor: "dpo", at: t0)
        #expect(second.id == "BR-2026-0002")
        #expect(try register.verify().isIntact)
        #expect(try register.verify().entries == 3)
    }

    @Test func unknownIncidentIsNamed() throws {
        let register = try Register(at: url, create: true)
        let error = try #require(throws: RegisterError.self) { try register.incident("BR-1999-0001") }
        #expect(error.description == "no incident BR-1999-0001 in the register; `breachmail incident list` shows the ids.")
    }

    private func threeEntries() throws -> Register {
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        var changed = incident
        changed.measuresPlanned = "Audit."
        _ = try register.updateIncident(id, to: changed, actor: "dpo", at: t0.addingTimeInterval(60))
        _ = try register.append(kind: "note", incidentID: id, payload: ["text": "called the processor"], actor: "dpo", at: t0.addingTimeInterval(120))
        return register
    }

    @Test func historyIsAppendOnlyThroughSQLiteToo() throws {
        _ = try threeEntries()
        let result = try sqlite("UPDATE history SET actor = 'mallory' WHERE sequence = 1;")
        #expect(result.status != 0)
        #expect(result.stderr.contains("the register history is append-only"))
    }

    @Test func detectsAnEditedEntry() throws {
        let register = try threeEntries()
        _ = try sqlite("DROP TRIGGER history_append_only_update; UPDATE history SET payload = replace(payload, '412', '41') WHERE sequence = 1;")
        let result = try register.verify()
        #expect(result.firstProblem?.description == "entry 1: was altered: its content no longer matches its hash")
    }

    @Test func detectsAnEditedActorEvenWithItsPayloadHashRecomputed() throws {
        let register = try threeEntries()
        _ = try sqlite("DROP TRIGGER history_append_only_update; UPDATE history SET actor = 'mallory' WHERE sequence = 2;")
        #expect(try register.verify().firstProblem?.description == "entry 2: was altered: its time, actor, kind or incident no longer match its hash")
    }

    @Test func detectsADeletedEntry() throws {
        let register = try threeEntries()
        _ = try sqlite("DROP TRIGGER history_append_only_delete; DELETE FROM history WHERE sequence = 2;")
        #expect(try register.verify().firstProblem?.description == "entry 2: is missing: entries 2…2 were removed")
    }

    @Test func detectsADeletedLastVersion() throws {
        let register = try Register(at: url, create: true)
        let id = try register.openIncident(incident, actor: "dpo", at: t0).id
        var changed = incident
        changed.title = "Renamed"
        _ = try register.updateIncident(id, to: changed, actor: "dpo", at: t0)
        _ = try sqlite("DROP TRIGGER history_append_only_delete; DELETE FROM history WHERE sequence = 2;")
        #expect(try register.verify().firstProblem?.description == "entry 2: is missing: incident \(id) is at version 2 but the history ends at version 1")
    }

    @Test func detectsARewrittenChain() throws {
        let register = try threeEntries()
        // An attacker who recomputes the payload hash of entry 2 still breaks the link to entry 3.
        let hash = try sqlite("SELECT lower(hex(randomblob(32)));").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try sqlite("DROP TRIGGER history_append_only_update; UPDATE history SET entry_hash = '\(hash)' WHERE sequence = 2;")
        #expect(try register.verify().firstProblem?.description == "entry 2: was altered: its time, actor, kind or incident no longer match its hash")
    }

    @Test func refusesARegisterFromANewerVersion() throws {
        _ = try Register(at: url, create: true)
        _ = try sqlite("INSERT INTO grdb_migrations VALUES ('v99-future');")
        let error = try #require(throws: RegisterError.self) { try Register(at: url) }
        #expect(error.description == "\(url.path) was written by a newer breachmail (unknown migration v99-future); use that version or a later one: a register is never migrated backwards.")
        #expect(try sqlite("SELECT COUNT(*) FROM grdb_migrations;").stdout == "16\n")  // fifteen known migrations and v99-future
    }

    @Test func aDamagedFileGivesAClearError() throws {
        try Data(repeating: 0x41, count: 8192).write(to: url)
        do {
            _ = try Register(at: url)
            Issue.record("a damaged register was opened")
        } catch {
            #expect(error.code == .corrupt)
            #expect(error.description == "\(url.path) is not a breachmail register or is damaged (SQLite: file is not a database); restore it from a backup.")
        }
    }

    @Test func aLockedRegisterGivesAClearError() throws {
        let register = try Register(at: url, create: true)
        // Another process holds the write lock for up to 10 s, longer than breachmail waits (2 s); the test stops it sooner.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            time.sleep(10)
            """, url.path]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        var ready = Data()
        for _ in 0..<100 where !ready.contains(10) { ready += output.fileHandleForReading.availableData }
        #expect(String(decoding: ready, as: UTF8.self) == "locked\n")
        do {
            _ = try register.openIncident(incident, actor: "dpo", at: t0)
            Issue.record("wrote through another process's lock")
        } catch {
            #expect(error.code == .locked)
            #expect(error.description == "\(url.path) is locked by another process (another breachmail running?); wait for it to finish, then retry.")
        }
        #expect(try register.history().isEmpty)
    }

    @Test func exportsEveryFormat() throws {
        let register = try threeEntries()
        let export = RegisterExport(
            controller: Controller(name: "Club <Sport> & Co", country: "LU"), incidents: try register.incidents(),
            history: try register.history(), verification: try register.verify(), generatedAt: t0, language: .en)
        let csv = try export.render(.csv)
        let lines = csv.split(separator: "\r\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("incident_id,sequence,recorded_at,actor,event,version,title,awareness,"))
        #expect(lines[1].hasPrefix("BR-2026-0001,1,2026-10-23T10:00:00Z,dpo,incident.opened,1,Rançongiciel sur la base des adhérents,"))
        let json = try export.render(.json)
        let tree = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let incidents = try #require(tree["incidents"] as? [[String: Any]])
        #expect((incidents.first?["history"] as? [Any])?.count == 3)
        #expect((tree["chain"] as? [String: Any])?["intact"] as? Bool == true)
    }

    @Test func csvNeutralisesFormulas() {
        #expect(RegisterExport.csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(RegisterExport.csvField("plain") == "plain")
    }
}
