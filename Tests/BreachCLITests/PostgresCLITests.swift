import BreachTestSupport
import Foundation
import Testing

/// The register in PostgreSQL, end to end with the real binary: a private cluster on the loopback
/// (``PostgresTestServer``), the real test SMTP server, `storage.register: postgres://…`.
@Suite(.serialized) struct PostgresCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    let environment: [String: String]
    let server: PostgresTestServer
    let database: String

    init() throws {
        dir = try TemporaryDirectory("postgres-cli")
        environment = ["BREACHMAIL_DIR": dir.url.appendingPathComponent("work").path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"]
        server = try PostgresTestServer.shared()
        database = try server.createDatabase(prefix: "cli")
    }

    func bm(_ args: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: environment.merging(extra) { $1 })
    }

    /// `init --register postgres://…`, the example incident, the example people, and the relay:
    /// the test SMTP server on the loopback.
    func workingDirectory(smtp: SMTPTestServer) throws {
        let made = try bm(["init", work.path, "--register", server.url(database)])
        try #require(made.status == 0, "\(made.stderr)")
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(smtp.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
        for step in [["incident", "open", CommandRunner.exampleIncident.path],
                     ["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path]] {
            let result = try bm(step)
            try #require(result.status == 0, "\(step): \(result.stderr)")
        }
    }

    /// Starts `breachmail subjects notify BR-2026-0001` in the background with the suite's
    /// environment and `extra`, its outputs to the files given (or nowhere).
    func worker(_ extra: [String: String] = [:], stdout: URL? = nil, stderr: URL? = nil) throws -> Process {
        let process = Process()
        process.executableURL = CommandRunner.breachmail
        process.arguments = ["subjects", "notify", "BR-2026-0001"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(extra) { $1 }) { $1 }
        process.standardOutput = try stdout.map { try FileHandle(forWritingTo: $0.creatingEmpty()) } ?? FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = try stderr.map { try FileHandle(forWritingTo: $0.creatingEmpty()) } ?? FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        return process
    }

    /// Addresses of every message the SMTP server received.
    static func recipients(_ smtp: SMTPTestServer) throws -> [String] {
        try smtp.receivedMessages().flatMap(\.recipients)
    }

    @Test func notifiesEveryoneOnceThroughAPostgresRegister() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("register.sqlite").path))
        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("this run submitted 293"), "\(run.stdout)")
        let sent = try Self.recipients(smtp)
        #expect(sent.count == 293 && Set(sent).count == 293)
        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("            submitted        293"), "\(status.stdout)")
        let verify = try bm(["register", "verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The register names the database without a password.
        let state = try server.psql(database, "SELECT state, COUNT(*) FROM subject GROUP BY state ORDER BY state")
        #expect(state.output.contains("submitted|293"), "\(state.output)")
        // Running again sends nothing more.
        #expect(try bm(["subjects", "notify", "BR-2026-0001"]).status == 0)
        #expect(try Self.recipients(smtp).count == 293)
    }

    /// An import into PostgreSQL (a statement per batch of rows) records and reports every row as
    /// the SQLite register does: duplicates within a batch, across batches and from an earlier
    /// import, rows without an address, rows refused; the people's ids follow the file's lines.
    @Test func anImportReportsEveryRowAsTheSQLiteRegisterDoes() throws {
        var lines = ["email;first_name;last_name;language"]
        for n in 1...700 {
            switch n {
            case 5: lines.append("person3@example.org;Same;Batch;fr")          // as line 4 (person 3), same batch
            case 400: lines.append("PERSON10@example.org;Other;Batch;en")      // as line 11, another batch
            case 50, 51: lines.append(";Sans;Adresse;fr")                     // no address, twice
            case 60: lines.append("not an address;Bad;Row;de")
            case 61: lines.append("person61@example.org;Too;Many;fr;extra")    // refused: more fields than the header
            default: lines.append("person\(n)@example.org;Prénom \(n);\"Nom, \(n)\";\(["fr", "en", "de"][n % 3])")
            }
        }
        let people = dir.file("people.csv")
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: people, atomically: true, encoding: .utf8)
        let again = dir.file("again.csv")
        try "email;first_name;last_name;language\nperson7@example.org;Seven;Again;fr\nperson701@example.org;New;One;en\n"
            .write(to: again, atomically: true, encoding: .utf8)
        let sqlite = dir.url.appendingPathComponent("sqlite-work")
        let made = try bm(["init", work.path, "--register", server.url(database)])
        try #require(made.status == 0, "\(made.stderr)")
        try #require(try bm(["init", sqlite.path]).status == 0)
        var said: [[String]] = []
        for folder in [work, sqlite] {
            try #require(try bm(["incident", "open", "--dir", folder.path, CommandRunner.exampleIncident.path]).status == 0)
            var outputs: [String] = []
            for file in [people, again] {
                let result = try bm(["subjects", "import", "--dir", folder.path, "BR-2026-0001", file.path])
                #expect(result.status == 0, "\(result.stderr)")
                outputs.append(result.stdout.replacingOccurrences(of: folder.path, with: "<dir>"))
            }
            let reports = try FileManager.default.contentsOfDirectory(at: folder.appendingPathComponent("imports"), includingPropertiesForKeys: nil)
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            outputs += try reports.map { try String(contentsOf: $0, encoding: .utf8) }
            said.append(outputs)
        }
        #expect(said[0] == said[1])
        let report = said[0].joined()
        #expect(report.contains("same address as line 4; merged"), "\(report)")
        #expect(report.contains("same address as line 11; merged"), "\(report)")
        #expect(report.contains("same row as line 51; merged"), "\(report)")
        #expect(report.contains("already recorded from line 8 by an earlier import"), "\(report)")
        // Ids in the order of the lines, one statement per batch or not.
        let order = try server.psql(database, "SELECT string_agg(line::text, ',' ORDER BY id) FROM subject")
        let numbers = order.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        #expect(numbers.count >= 695, "\(order.output.prefix(300))")
        #expect(Array(numbers.dropLast()) == numbers.dropLast().sorted(), "\(order.output.prefix(300))")
        #expect(numbers.last == 3)  // the second file's new person, after the first file's
        #expect(try bm(["register", "verify"]).status == 0)
    }

    @Test func aDatabaseThatCannotBeReachedIsATemporaryFailure() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        let config = work.appendingPathComponent("breachmail.yaml")
        let closed = try FreePort.loopback()
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: ":\(server.port)/", with: ":\(closed)/")
            .write(to: config, atomically: true, encoding: .utf8)
        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.status == 75, "\(status.stdout)\(status.stderr)")
        #expect(status.stderr.contains("postgres://postgres@127.0.0.1:\(closed)/\(database)?sslmode=disable: the database cannot be reached"),
                "\(status.stderr)")
    }

    /// Three workers on one campaign, one killed with SIGKILL while it sends: everyone receives
    /// their notice, and only the killed worker's messages in flight may go twice (two per
    /// connection at most: the one being sent, the one before whose outcome was being written).
    @Test func threeWorkersShareOneCampaignAndADeadOnesPeopleAreSentOnce() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        let env = ["BREACHMAIL_CLAIM_LEASE": "3", "BREACHMAIL_TEST_DELAY_MS": "50"]
        let workers = try (0..<3).map { n in try worker(env, stderr: dir.file("worker-\(n).err")) }
        defer { for w in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
        // Mid-way: the first worker is killed once some messages went.
        let atKill = try smtp.waitForMessages(40, seconds: 60).count
        kill(workers[0].processIdentifier, SIGKILL)
        #expect(atKill < 293, "the campaign was over before the kill")
        let deadline = Date().addingTimeInterval(60)
        while workers[1...].contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let stillRunning = workers[1...].contains { $0.isRunning }
        try #require(!stillRunning, "the living workers did not finish within 60 s")
        for n in 1...2 {
            let said = (try? String(contentsOf: dir.file("worker-\(n).err"), encoding: .utf8)) ?? ""
            #expect(workers[n].terminationStatus == 0, "worker \(n): \(said)")
        }
        let sent = try Self.recipients(smtp)
        #expect(Set(sent).count == 293)
        // Only the killed worker's messages in flight may go twice: per connection, the one it
        // was sending and the one before, whose outcome was being written meanwhile.
        let connections = 4
        #expect(sent.count - 293 <= 2 * connections, "\(sent.count - 293) duplicates")
        let state = try server.psql(database, "SELECT state, COUNT(*) FROM subject GROUP BY state ORDER BY state")
        #expect(state.output.contains("submitted|293"), "\(state.output)")
        #expect(!state.output.contains("sending"))
        #expect(try bm(["register", "verify"]).status == 0)
    }

    /// Ctrl-C while a worker's connection waits for a reply, with messages composed ahead: the
    /// message in flight is recorded, nothing composed ahead is sent, and every person this
    /// worker claimed and did not send is released at once (`queued`, not left `sending` until
    /// its lease runs out). One connection; the third person's end of data answered after 3 s.
    @Test func anInterruptedWorkerReleasesThePeopleItComposedAhead() throws {
        let smtp = try SMTPTestServer(faults: ["oliver.wilson3@example.org": .delay(seconds: 3)])
        try workingDirectory(smtp: smtp)
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "  connections: 4 ", with: "  connections: 1 ")
            .write(to: config, atomically: true, encoding: .utf8)
        let process = try worker(["BREACHMAIL_TEST_DELAY_MS": "5"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, (try? smtp.receivedMessages().count) ?? 0 < 2 { usleep(20_000) }
        usleep(800_000)  // the third message waits for its reply; the next ones are composed
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let sent = try Self.recipients(smtp)
        #expect(sent.count == 3 && sent.last == "oliver.wilson3@example.org", "\(sent)")
        let state = try server.psql(database, "SELECT state, COUNT(*) FROM subject GROUP BY state ORDER BY state")
        #expect(state.output.contains("submitted|3"), "\(state.output)")
        #expect(state.output.contains("queued|290"), "\(state.output)")
        #expect(!state.output.contains("sending"), "\(state.output)")
        // Carried on at once (no lease to wait for): everyone else once.
        let rest = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(rest.status == 0, "\(rest.stderr)")
        let all = try Self.recipients(smtp)
        #expect(all.count == 293 && Set(all).count == 293)
    }

    @Test func migrateCopiesAnSQLiteRegisterThatVerifiesToTheSameHead() throws {
        // An SQLite working directory with a campaign sent to its outbox.
        let made = try bm(["init", work.path])
        try #require(made.status == 0, "\(made.stderr)")
        for step in [["incident", "open", CommandRunner.exampleIncident.path],
                     ["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path],
                     ["subjects", "notify", "BR-2026-0001"]] {
            let result = try bm(step)
            try #require(result.status == 0, "\(step): \(result.stderr)")
        }
        let before = try bm(["register", "verify", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any]
        let head = parsed?["head"] as? String
        let migrate = try bm(["register", "migrate", "--to", server.url(database)])
        #expect(migrate.status == 0, "\(migrate.stdout)\(migrate.stderr)")
        #expect(migrate.stdout.contains("subject: 296 rows"), "\(migrate.stdout)")
        #expect(migrate.stdout.contains("PostgreSQL copy: ") && migrate.stdout.contains("head \(head ?? "-")"))
        #expect(migrate.stdout.contains("  register: \"\(server.url(database))\""))
        // Into a database that holds a register already: refused, nothing changed.
        let again = try bm(["register", "migrate", "--to", server.url(database)])
        #expect(again.status != 0 && again.stderr.contains("already holds a register"), "\(again.stderr)")
        // The working directory on the copy: the same head, the same people.
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "register: register.sqlite", with: "register: \"\(server.url(database))\"")
            .write(to: config, atomically: true, encoding: .utf8)
        let after = try bm(["register", "verify", "--json"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        let copied = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
        #expect(copied?["head"] as? String == head)
        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("            submitted        293"), "\(status.stdout)")
    }
}

extension URL {
    /// Creates the file empty and returns it (for a process's output).
    func creatingEmpty() throws -> URL {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return self
    }
}
