import BreachConfig
import BreachCore
import BreachPostgres
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// The storages of the register, each behind the same protocols.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres
    var testDescription: String { rawValue }
}

/// What the shared suite asks of a store.
typealias SuiteStore = IncidentStore & HistoryStore & SubjectStore

/// A new empty register of one kind, a way to open it again (another process's view), and the
/// store's own command-line tool to change it behind the register's back.
final class StoreFixture: @unchecked Sendable {
    let kind: StoreKind
    private let directory: TemporaryDirectory
    /// The database of a PostgreSQL fixture, in the process's test cluster.
    private let database: String

    init(_ kind: StoreKind) throws {
        self.kind = kind
        directory = try TemporaryDirectory("store-\(kind.rawValue)")
        switch kind {
        case .sqlite:
            database = ""
            _ = try Register(at: directory.file("register.sqlite"), create: true)
        case .postgres:
            database = try PostgresTestServer.shared().createDatabase()
            _ = try PostgresStore(PostgresLocation(PostgresTestServer.shared().url(database)))
        }
    }

    /// A handle on the register (each one its own connection).
    func open() throws -> any SuiteStore {
        switch kind {
        case .sqlite: return try Register(at: directory.file("register.sqlite"))
        case .postgres: return try PostgresStore(PostgresLocation(PostgresTestServer.shared().url(database)))
        }
    }

    /// Runs `sql` with `sqlite3` or `psql`; returns its exit status and output.
    @discardableResult
    func tamper(_ sql: String) throws -> (status: Int32, output: String) {
        switch kind {
        case .sqlite:
            let result = try CommandRunner.run("sqlite3", ["-bail", directory.file("register.sqlite").path, sql])
            return (result.status, result.stdout + result.stderr)
        case .postgres:
            return try PostgresTestServer.shared().psql(database, sql)
        }
    }

    /// SQL that lets the next statement edit or remove history rows (it drops the append-only guard).
    var allowHistoryEdits: String {
        switch kind {
        case .sqlite: "DROP TRIGGER history_append_only_update; DROP TRIGGER history_append_only_delete; "
        case .postgres: "DROP TRIGGER history_append_only ON history; "
        }
    }

    /// SQL that records a migration this breachmail does not know.
    var futureMigration: String {
        switch kind {
        case .sqlite: "INSERT INTO grdb_migrations VALUES ('v99-future');"
        case .postgres: "INSERT INTO schema_migrations (id, applied_at) VALUES ('v99-future', '2099-01-01T00:00:00Z');"
        }
    }
}

/// The register's protocols, one suite run against each store.
@Suite struct StoreSuiteTests {
    let incident: Incident
    let t0 = ZonedTime(rfc3339: "2026-10-23T12:00:00+02:00")!.instant

    init() throws {
        incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
    }

    func person(_ line: Int, _ email: String?, language: String = "fr") -> NewSubject {
        NewSubject(line: line, email: email, firstName: "P\(line)", lastName: nil, language: language, fields: ["n": "\(line)"],
                   state: email == nil ? .noAddress : .queued, reason: email == nil ? "no address" : nil,
                   rowKey: email == nil ? "row-\(line)" : nil)
    }

    /// An incident with `count` people (addresses p1@example.org…), and its id.
    func seeded(_ store: any SuiteStore, count: Int) throws -> String {
        let id = try store.openIncident(incident, actor: "dpo", at: t0).id
        _ = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            for n in 1...count { _ = try writer.insert(person(n + 1, "p\(n)@example.org")) }
            return ["rows": count]
        }
        return id
    }

    /// A batch is written many rows a statement (SQLite: 64): the duplicates anywhere in it — of
    /// a row earlier in the same statement, of one in an earlier statement, of an earlier
    /// import's, with and without address — are told apart from the rows inserted, and each
    /// inserted row gets its own id, as row-by-row inserts would.
    @Test(arguments: StoreKind.allCases)
    func aBatchOfManyRowsSaysWhatBecameOfEachRow(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try store.openIncident(incident, actor: "dpo", at: t0).id
        _ = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            _ = try writer.insert([person(2, "early@example.org"), person(3, nil)])
            return ["rows": 2]
        }
        // 300 rows: every 7th without address; up to line 150 every 10th the address of a row 5
        // lines before (the same statement or the one before); line 150 an earlier import's
        // address, line 151 its row without address; then only new people (whole statements).
        var batch: [NewSubject] = []
        var expected: [Int: SubjectInsertion?] = [:]  // line → duplicate of (nil: inserted)
        for line in 10..<310 {
            if line == 150 {
                batch.append(person(line, "early@example.org"))
                expected[line] = .duplicate(line: 2, earlierImport: true)
            } else if line == 151 {
                var again = person(line, nil)
                again.rowKey = "row-3"
                batch.append(again)
                expected[line] = .duplicate(line: 3, earlierImport: true)
            } else if line % 10 == 0, line - 5 >= 10, line < 150, (line - 5) % 7 != 0 {
                batch.append(person(line, "p\(line - 5)@example.org"))
                expected[line] = .duplicate(line: line - 5, earlierImport: false)
            } else {
                batch.append(person(line, line % 7 == 0 ? nil : "p\(line)@example.org"))
                expected[line] = .some(nil)
            }
        }
        var outcomes: [SubjectInsertion] = []
        _ = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            outcomes = try writer.insert(batch)
            return ["rows": batch.count]
        }
        var insertions: [SubjectInsertion] = []
        _ = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            insertions = try writer.insert(batch.map { var s = $0; s.line += 1000; return s })
            return ["rows": batch.count]
        }
        // Everything a second time (other lines): all duplicates of the first time's rows.
        #expect(insertions.allSatisfy { if case .duplicate(_, true) = $0 { true } else { false } })
        let stored = Dictionary(uniqueKeysWithValues: try store.subjects(incidentID: id).map { ($0.line, $0) })
        let inserted = expected.filter { $0.value == .some(nil) }.count
        #expect(stored.count == 2 + inserted)
        #expect(Set(stored.values.map(\.id)).count == stored.count)
        #expect(outcomes.count == batch.count)
        for (s, outcome) in zip(batch, outcomes) {
            if case .duplicate? = expected[s.line] {
                #expect(outcome == expected[s.line]!, "line \(s.line)")
            } else {
                #expect(outcome == .inserted(id: stored[s.line]?.id ?? -1), "line \(s.line)")
                #expect(stored[s.line]?.email == s.email && stored[s.line]?.fields == ["n": "\(s.line)"], "line \(s.line)")
            }
        }
        for s in batch { if case .duplicate? = expected[s.line] { #expect(stored[s.line] == nil, "line \(s.line)") } }
    }

    @Test(arguments: StoreKind.allCases)
    func keepsEveryVersionOfAnIncident(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let opened = try store.openIncident(incident, actor: "dpo", at: t0)
        #expect(opened.id == "BR-2026-0001")
        var changed = incident
        changed.approximateSubjects = 500
        let updated = try store.updateIncident(opened.id, to: changed, actor: "dpo", at: t0.addingTimeInterval(60))
        #expect(updated.version == 2)
        #expect(try store.incident(opened.id).incident.approximateSubjects == 500)
        #expect(try store.incident(opened.id, version: 1).incident == incident)
        #expect(try store.history(incidentID: opened.id).map(\.kind) == ["incident.opened", "incident.updated"])
        let noVersion = try #require(throws: RegisterError.self) { try store.incident(opened.id, version: 3) }
        #expect(noVersion.message == "incident BR-2026-0001 has no version 3; its versions are 1 to 2.")
        let unknown = try #require(throws: RegisterError.self) { try store.incident("BR-1999-0001") }
        #expect(unknown.code == .incidentNotFound)
        #expect(try store.openIncident(incident, actor: "dpo", at: t0).id == "BR-2026-0002")
        #expect(try store.incidents().map(\.id) == ["BR-2026-0001", "BR-2026-0002"])
        let verification = try store.verify()
        #expect(verification.isIntact)
        #expect(verification.entries == 3)
        #expect(verification.head == (try store.history().last?.entryHash))
    }

    @Test(arguments: StoreKind.allCases)
    func historyIsAppendOnlyInTheDatabaseToo(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        let store = try fixture.open()
        _ = try store.openIncident(incident, actor: "dpo", at: t0)
        let result = try fixture.tamper("UPDATE history SET actor = 'mallory' WHERE sequence = 1;")
        #expect(result.status != 0)
        #expect(result.output.contains("the register history is append-only"))
        #expect(try store.history().first?.actor == "dpo")
    }

    @Test(arguments: StoreKind.allCases)
    func verifyFindsAnEditedARemovedAndARewrittenEntry(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        let store = try fixture.open()
        let id = try store.openIncident(incident, actor: "dpo", at: t0).id
        for n in 1...3 { _ = try store.append(kind: "note", incidentID: id, payload: ["n": n], actor: "dpo", at: t0) }
        #expect(try store.verify().isIntact)
        try fixture.tamper(fixture.allowHistoryEdits + "UPDATE history SET payload = '{\"n\":9}' WHERE sequence = 3;")
        #expect(try store.verify().firstProblem?.description == "entry 3: was altered: its content no longer matches its hash")
        try fixture.tamper("UPDATE history SET payload = '{\"n\":2}' WHERE sequence = 3;")
        #expect(try store.verify().isIntact)
        try fixture.tamper("UPDATE history SET entry_hash = '\(String(repeating: "a", count: 64))' WHERE sequence = 2;")
        #expect(try store.verify().firstProblem?.description == "entry 2: was altered: its time, actor, kind or incident no longer match its hash")
        try fixture.tamper("DELETE FROM history WHERE sequence = 2;")
        #expect(try store.verify().firstProblem?.description == "entry 2: is missing: entries 2…2 were removed")
    }

    /// Appends from two handles (two processes' connections) on several threads at once: one
    /// chain, no entry lost, none forked — the lock that serialises appends holds across handles.
    @Test(arguments: StoreKind.allCases)
    func concurrentAppendsFromTwoHandlesMakeOneChain(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        let handles = [try fixture.open(), try fixture.open()]
        let id = try handles[0].openIncident(incident, actor: "dpo", at: t0).id
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for n in 0..<25 {
                do {
                    _ = try handles[worker % 2].append(kind: "note", incidentID: id, payload: ["worker": worker, "n": n], actor: "dpo", at: t0)
                } catch { failures.add("\(error)") }
            }
        }
        #expect(failures.all.isEmpty)
        let verification = try handles[1].verify()
        #expect(verification.isIntact)
        #expect(verification.entries == 101)
        #expect(try handles[0].history().map(\.sequence) == Array(1...101))
    }

    @Test(arguments: StoreKind.allCases)
    func importsPeopleOnceAndRollsBackAFailedImport(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try store.openIncident(incident, actor: "dpo", at: t0).id
        let entry = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            let outcomes = [
                try writer.insert(person(2, "a@example.org")), try writer.insert(person(3, nil)),
                try writer.insert(person(4, "a@example.org")), try writer.insert(person(5, "b@example.org", language: "en")),
            ]
            #expect(outcomes[2] == .duplicate(line: 2, earlierImport: false))
            return ["rows": 4]
        }
        #expect(entry.kind == HistoryEntry.Kind.subjectsImported)
        // The import's own figures, and the import it made visible (its id, for `register verify`).
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(entry.payload.utf8)) as? [String: Int])
        #expect(payload["rows"] == 4 && payload["import_entry"] != nil && payload.count == 2)
        // The same rows again: all recorded by an earlier import.
        _ = try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer in
            let again = [try writer.insert(person(2, "a@example.org")), try writer.insert(person(3, nil))]
            #expect(again == [.duplicate(line: 2, earlierImport: true), .duplicate(line: 3, earlierImport: true)])
            return ["rows": 2]
        }
        struct Cut: Error {}
        #expect(throws: Cut.self) {
            try store.importSubjects(incidentID: id, actor: "dpo", at: t0) { writer -> [String: Int] in
                _ = try writer.insert(person(9, "c@example.org"))
                throw Cut()
            }
        }
        #expect(try store.subjectCounts(incidentID: id) == ["queued": 2, "no_address": 1])
        #expect(try store.subject(incidentID: id, email: "c@example.org") == nil)
        #expect(try store.history(incidentID: id).filter { $0.kind == HistoryEntry.Kind.subjectsImported }.count == 2)
        let all = try store.subjects(incidentID: id)
        #expect(all.map(\.line) == [2, 3, 5])
        #expect(all[0].fields == ["n": "2"])
        #expect(try store.subjects(incidentID: id, states: [.queued], after: all[0].id).map(\.email) == ["b@example.org"])
        #expect(try store.subject(incidentID: id, id: all[2].id)?.language == "en")
        let languages = try store.subjectLanguages(incidentID: id, states: [.queued, .noAddress])
        #expect(languages["fr"]?.count == 2 && languages["fr"]?.firstLine == 2 && languages["en"]?.count == 1)
        #expect(try store.subjectReasons(incidentID: id, states: [.noAddress]).map { "\($0.state) \($0.reason) \($0.count)" } == ["no_address no address 1"])
        #expect(throws: RegisterError.self) {
            try store.importSubjects(incidentID: "BR-1999-0001", actor: "dpo", at: t0) { _ in ["rows": 0] }
        }
        #expect(try store.verify().isIntact)
    }

    @Test(arguments: StoreKind.allCases)
    func aChangeWithFromAppliesOnlyInThoseStates(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try seeded(store, count: 3)
        let ids = try store.subjects(incidentID: id).map(\.id)
        let later = t0.addingTimeInterval(60)
        #expect(try store.updateSubjects([
            SubjectUpdate(id: ids[0], from: [.queued], to: .sending),
            SubjectUpdate(id: ids[1], from: [.sending], to: .submitted),
        ], at: later) == 1)
        #expect(try store.updateSubjects([
            SubjectUpdate(id: ids[0], from: [.sending], to: .submitted, countsAsAttempt: true, messageID: "<m1@x>", lastReply: "250 ok",
                          firstAttemptAt: later),
        ], at: later) == 1)
        let sent = try #require(try store.subject(incidentID: id, id: ids[0]))
        #expect(sent.state == "submitted" && sent.attempts == 1 && sent.messageID == "<m1@x>" && sent.lastReply == "250 ok")
        #expect(sent.firstAttemptAt == "2026-10-23T10:01:00Z" && sent.updatedAt == "2026-10-23T10:01:00Z")
        #expect(try store.subjectCounts(incidentID: id) == ["queued": 2, "submitted": 1])
        #expect(try store.firstSubmission(incidentID: id) == later)
    }

    @Test(arguments: StoreKind.allCases)
    func claimTakesDuePeopleInIdOrderOnce(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try seeded(store, count: 6)
        let ids = try store.subjects(incidentID: id).map(\.id)
        let now = t0.addingTimeInterval(3600)
        // One deferred and due, one deferred until after `now`.
        try store.updateSubjects([
            SubjectUpdate(id: ids[0], to: .deferred, nextAttemptAt: now.addingTimeInterval(-1)),
            SubjectUpdate(id: ids[1], to: .deferred, nextAttemptAt: now.addingTimeInterval(60)),
        ], at: t0)
        let first = try store.claimSubjects(incidentID: id, due: now, limit: 3)
        #expect(first.map(\.id) == [ids[0], ids[2], ids[3]])
        #expect(first.allSatisfy { $0.state == "sending" })
        #expect(try store.claimSubjects(incidentID: id, due: now, limit: 10).map(\.id) == [ids[4], ids[5]])
        #expect(try store.claimSubjects(incidentID: id, due: now, limit: 10).isEmpty)
        #expect(try store.subjectCounts(incidentID: id) == ["sending": 5, "deferred": 1])
        #expect(try store.sendableSubjects(incidentID: id, at: now.addingTimeInterval(61)) == (0, 5, 1))
        // Due later, behind the people claimed last (PostgreSQL's claim looks after its last one
        // first): taken when nobody after them is left.
        #expect(try store.claimSubjects(incidentID: id, due: now.addingTimeInterval(61), limit: 10).map(\.id) == [ids[1]])
        #expect(try store.subjectCounts(incidentID: id) == ["sending": 6])
    }

    /// Workers on two handles claim at once: each person is claimed exactly once.
    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsNeverShareAPerson(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        let handles = [try fixture.open(), try fixture.open()]
        let id = try seeded(handles[0], count: 300)
        let claimed = Failures(), failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            while true {
                do {
                    let batch = try handles[worker % 2].claimSubjects(incidentID: id, due: t0, limit: 7)
                    if batch.isEmpty { return }
                    for s in batch { claimed.add(String(s.id)) }
                } catch {
                    failures.add("\(error)")
                    return
                }
            }
        }
        #expect(failures.all.isEmpty)
        #expect(claimed.all.count == 300)
        #expect(Set(claimed.all).count == 300)
        #expect(try handles[1].subjectCounts(incidentID: id) == ["sending": 300])
    }

    @Test(arguments: StoreKind.allCases)
    func theOutcomeLedgerBringsPeopleUpToDate(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try seeded(store, count: 2)
        let ids = try store.subjects(incidentID: id).map(\.id)
        let ledger = try store.openOutcomeLedger()
        try ledger.append([SubjectUpdate(id: ids[0], from: [.queued, .deferred], to: .sending)], at: t0)
        try ledger.append([SubjectUpdate(id: ids[0], from: [.sending], to: .submitted, countsAsAttempt: true, lastReply: "250 ok"),
                           SubjectUpdate(id: ids[1], from: [.queued, .deferred], to: .sending)], at: t0)
        try ledger.sync()
        try ledger.fold()
        #expect(try store.subjectCounts(incidentID: id) == ["submitted": 1, "sending": 1])
        try ledger.append([SubjectUpdate(id: ids[1], from: [.sending], to: .failedPermanent, reason: "550 no such user", countsAsAttempt: true)],
                          at: t0)
        try ledger.close()
        #expect(try store.subjectCounts(incidentID: id) == ["submitted": 1, "failed_permanent": 1])
        #expect(try store.subject(incidentID: id, id: ids[0])?.attempts == 1)
        // The second person's one change in the last fold (folded with others of its kind at once on PostgreSQL).
        let second = try #require(try store.subject(incidentID: id, id: ids[1]))
        #expect(second.attempts == 1 && second.stateReason == "550 no such user" && second.lastReply == nil)
        #expect(second.firstAttemptAt == nil && second.nextAttemptAt == nil)
    }

    /// Replies and reasons keep every character through the ledger (PostgreSQL writes its
    /// outcomes as JSON text), and the digest of the rows stays the one `register verify` recomputes.
    @Test(arguments: StoreKind.allCases)
    func theOutcomeLedgerKeepsEveryCharacterOfARelaysReply(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try seeded(store, count: 3)
        let ids = try store.subjects(incidentID: id).map(\.id)
        let reply = "250 2.0.0 \"queued\" as C:\\spool\\1\n\tnext line \u{1} é 📨 ✓"
        let reason = "550 5.1.1 <\"quoted\"> \\ unknown\r\n"
        let messageID = "<\"odd\"\\id@example.org>"
        let ledger = try store.openOutcomeLedger()
        try ledger.append(ids.map { SubjectUpdate(id: $0, from: [.queued, .deferred], to: .sending) }, at: t0)
        try ledger.sync()
        try ledger.fold()
        // Submitted without waiting, then waited for: the first two people with one change each
        // (folded at once on PostgreSQL), the third with two (folded in order).
        let receipts = [
            try ledger.submit([SubjectUpdate(id: ids[0], from: [.sending], to: .submitted, countsAsAttempt: true, messageID: messageID,
                                             lastReply: reply)], at: t0),
            try ledger.submit([SubjectUpdate(id: ids[1], from: [.sending], to: .failedPermanent, reason: reason, countsAsAttempt: true)], at: t0),
            try ledger.submit([SubjectUpdate(id: ids[2], from: [.sending], to: .deferred, reason: reason, countsAsAttempt: true, lastReply: reply),
                               SubjectUpdate(id: ids[2], from: [.deferred], to: .sending)], at: t0),
        ]
        for receipt in receipts { try ledger.awaitRecorded(receipt) }
        try ledger.close()
        let first = try #require(try store.subject(incidentID: id, id: ids[0]))
        #expect(first.state == "submitted" && first.lastReply == reply && first.messageID == messageID)
        #expect(try store.subject(incidentID: id, id: ids[1])?.stateReason == reason)
        let third = try #require(try store.subject(incidentID: id, id: ids[2]))
        #expect(third.state == "sending" && third.attempts == 1 && third.lastReply == reply)
        #expect(try store.verify().isIntact)
    }

    @Test(arguments: StoreKind.allCases)
    func reachCountsTheStates(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        let id = try seeded(store, count: 3)
        let ids = try store.subjects(incidentID: id).map(\.id)
        try store.updateSubjects([SubjectUpdate(id: ids[0], to: .submitted), SubjectUpdate(id: ids[1], to: .failedPermanent, reason: "550")],
                                 at: t0)
        let reach = try store.reach(incidentID: id, now: t0.addingTimeInterval(60), window: 3600)
        #expect(reach.submitted == 1)
        var unreachable: [Int64] = []
        try store.forEachPossiblyUnreachable(incidentID: id) { subject, _, _ in unreachable.append(subject.id) }
        #expect(unreachable == [ids[1]])
    }

    @Test(arguments: StoreKind.allCases)
    func refusesARegisterFromANewerVersion(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        _ = try fixture.open()
        try fixture.tamper(fixture.futureMigration)
        let error = try #require(throws: RegisterError.self) { try fixture.open() }
        #expect(error.code == .newerVersion)
        #expect(error.message.contains("was written by a newer breachmail (unknown migration v99-future)"))
    }

    @Test(arguments: StoreKind.allCases)
    func takesTheInjectedClockOnlyWhenEmpty(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)  // kept: its directory goes with it
        let store = try fixture.open()
        #expect(try !store.takesInjectedClock())
        try store.takeInjectedClock()
        #expect(try store.takesInjectedClock())
        _ = try store.openIncident(incident, actor: "dpo", at: t0)
        _ = try store.append(kind: "note", incidentID: nil, payload: ["n": 1], actor: "dpo", at: t0.addingTimeInterval(-60))
        #expect(try store.timeRegressions().map(\.sequence) == [2])
    }
}

/// Strings collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
