import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// `subjects notify` into the outbox Maildir, with the real binary and a real register.
@Suite struct CampaignCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var outbox: URL { work.appendingPathComponent("outbox/new") }
    let environment: [String: String]

    init() throws {
        dir = try TemporaryDirectory("campaign")
        environment = ["BREACHMAIL_DIR": dir.url.appendingPathComponent("work").path, "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00"]
        try CommandRunner.makeExampleWorkingDirectory(work) { try bm($0) }
    }

    func bm(_ args: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: environment.merging(extra) { $1 })
    }

    func importCSV(_ path: String) throws {
        let result = try bm(["subjects", "import", "BR-2026-0001", path])
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// Every outbox message: its headers unfolded, by name (first occurrence).
    func messages() throws -> [[String: String]] {
        let files = try Maildir.files(in: outbox)
        return try files.map { url in
            let text = try String(contentsOf: url, encoding: .utf8)
            let head = text.components(separatedBy: "\r\n\r\n")[0]
                .replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
            var headers: [String: String] = [:]
            for line in head.components(separatedBy: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
            }
            // The language of the text part is in a part's headers, not the top.
            if let range = text.range(of: "Content-Language: ") {
                headers["content-language"] = String(text[range.upperBound...].prefix(2))
            }
            return headers
        }
    }

    static func address(_ header: String?) -> String? {
        guard let header, let open = header.lastIndex(of: "<"), let close = header.lastIndex(of: ">") else { return header }
        return String(header[header.index(after: open)..<close])
    }

    /// email → (state, language) from the register itself.
    func registerSubjects() throws -> [String: (state: String, language: String)] {
        let result = try CommandRunner.run("sqlite3", ["-separator", "|", work.appendingPathComponent("register.sqlite").path,
                                                       "SELECT COALESCE(email, ''), state, language FROM subject"])
        var out: [String: (String, String)] = [:]
        for line in result.stdout.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if !f[0].isEmpty { out[f[0]] = (f[1], f[2]) }
        }
        return out
    }

    var verp: VERP {
        get throws {
            var secret = try String(contentsOf: work.appendingPathComponent("secrets/verp.key"), encoding: .utf8)
            while secret.hasSuffix("\n") { secret.removeLast() }
            return try VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(secret.utf8))
        }
    }

    @Test func notifiesEveryQueuedSubjectOnceInTheirLanguageWithAVERPReturnPath() throws {
        try importCSV(CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path)
        let dry = try bm(["subjects", "notify", "BR-2026-0001", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would send      293"), "\(dry.stdout)")
        #expect(dry.stdout.contains("no_address      3"))
        #expect(try messages().isEmpty)  // a dry run sends nothing
        #expect(try registerSubjects().values.allSatisfy { $0.state == "queued" })

        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("this run submitted 293"), "\(run.stdout)")
        // Assessment not recorded yet: a warning, not a refusal.
        #expect(run.stderr.contains("Warning: no assessment is recorded for BR-2026-0001"))

        let sent = try messages()
        #expect(sent.count == 293)
        let subjects = try registerSubjects()
        let verp = try verp
        var recipients: Set<String> = []
        var tokens: Set<UInt64> = []
        for headers in sent {
            let to = try #require(Self.address(headers["to"]))
            recipients.insert(to)
            let subject = try #require(subjects[to], "a message to someone not in the register")
            #expect(subject.state == "submitted")
            #expect(headers["content-language"] == subject.language)
            let returnPath = try #require(Self.address(headers["return-path"]))
            guard case .valid(let key) = verp.parse(returnPath) else {
                Issue.record("return path is not a valid VERP token")
                continue
            }
            #expect(key.incident.description == "BR-2026-0001")
            tokens.insert(key.subject)
        }
        #expect(recipients.count == 293)
        #expect(tokens.count == 293)

        let status = try bm(["status", "BR-2026-0001"])
        #expect(status.stdout.contains("Subjects    296 people"), "\(status.stdout)")
        #expect(status.stdout.contains("            submitted        293"))
        #expect(status.stdout.contains("            no_address       3"))
        #expect(status.stdout.contains("            queued           0"))
        #expect(status.stdout.contains("Failures by reason\n            1  no_address:"), "\(status.stdout)")

        // Running again sends nothing more.
        let again = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("this run submitted 0"))
        #expect(try messages().count == 293)
        // Each run is one history entry with counts only.
        let history = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
                                                        "SELECT payload FROM history WHERE kind = 'campaign.run'"])
        #expect(history.stdout.split(separator: "\n").count == 2)
        #expect(!history.stdout.contains("@"))
    }

    @Test func jsonEventsCarryCountsOnly() throws {
        try importCSV(CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path)
        let run = try bm(["subjects", "notify", "BR-2026-0001", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.first?.contains("\"event\":\"start\"") == true)
        #expect(lines.last?.contains("\"event\":\"done\"") == true)
        #expect(lines.last?.contains("\"submitted\":293") == true)
        #expect(!run.stdout.contains("@"))
    }

    @Test func refusesWithoutTheVERPSecretAndSaysHowToMakeOne() throws {
        try importCSV(CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path)
        try FileManager.default.removeItem(at: work.appendingPathComponent("secrets/verp.key"))
        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot be read. Create one: mkdir -p"), "\(run.stderr)")
        #expect(run.stderr.contains("head -c 32 /dev/urandom | base64 >"))
        #expect(try messages().isEmpty)
    }

    /// SIGKILL in the middle of a campaign, then a second run: nobody missing, duplicates no more
    /// than the messages in flight (mail.connections, 4). Into the outbox Maildir.
    @Test func killedMidCampaignLosesNobodyAndDuplicatesAtMostTheWorkers() throws {
        try crashTest(label: "outbox") {
            try messages().map { Self.address($0["to"]) ?? "" }
        }
    }

    /// The same through a real SMTP server on loopback: its log of received transactions is the
    /// proof of who was told.
    @Test func killedMidCampaignOverSMTPLosesNobody() throws {
        let server = try SMTPTestServer()
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
        try crashTest(label: "smtp") {
            try server.receivedMessages().map { $0.recipients.first ?? "" }
        }
    }

    /// `subjects notify` started in the background, pausing 5 ms after each delivery (before it
    /// is recorded, the worst moment to be stopped), so that a test can stop it mid-campaign.
    private func startSlowNotify(stderr: Any) throws -> Process {
        let process = Process()
        process.executableURL = CommandRunner.breachmail
        process.arguments = ["subjects", "notify", "BR-2026-0001"]
        process.environment = ["PATH": "/usr/bin:/bin", "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test",
                               "BREACHMAIL_TEST_DELAY_MS": "5"].merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        return process
    }

    /// Imports 3,000 people, kills the real binary with SIGKILL once a third were delivered
    /// (`delivered` reads the recipients the transport's far end holds), runs it again, checks.
    private func crashTest(label: String, delivered: () throws -> [String]) throws {
        let rows = 3000
        var csv = "E-mail;Prénom;Nom;Langue\n"
        let languages = ["fr", "en", "de"]
        for i in 1...rows { csv += "person\(i)@example.org;P\(i);N\(i);\(languages[i % 3])\n" }
        let file = dir.file("many.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try importCSV(file.path)

        let process = try startSlowNotify(stderr: FileHandle.nullDevice)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try delivered()).count >= rows / 3 || !process.isRunning { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the campaign ended before it was killed")
        let atKill = try delivered().count
        let inSending = try registerSubjects().values.filter { $0.state == "sending" }.count

        let second = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(second.status == 0, "\(second.stderr)")
        let subjects = try registerSubjects()
        #expect(subjects.count == rows)
        #expect(subjects.values.allSatisfy { $0.state == "submitted" })
        var perRecipient: [String: Int] = [:]
        for recipient in try delivered() { perRecipient[recipient, default: 0] += 1 }
        #expect(Set(perRecipient.keys) == Set(subjects.keys), "someone was never told")
        let duplicates = perRecipient.values.reduce(0, +) - rows
        #expect(duplicates <= 4, "\(duplicates) duplicates")
        print("crash test (\(label)): killed with \(atKill) delivered and \(inSending) subjects in sending; after the second run \(perRecipient.values.reduce(0, +)) messages for \(rows) subjects, \(duplicates) duplicates")
    }

    /// `status` from another process during a campaign applies the campaign's journal to the
    /// register as it opens it (so it shows the subjects as they are); the campaign's own folds
    /// then apply nothing a second time: one attempt per person, one message each.
    @Test func statusDuringACampaignSeesItAndNothingAppliesTwice() throws {
        var csv = "E-mail;Prénom;Nom;Langue\n"
        for i in 1...1500 { csv += "live\(i)@example.org;L\(i);V\(i);fr\n" }
        let file = dir.file("live.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try importCSV(file.path)
        let process = try startSlowNotify(stderr: FileHandle.nullDevice)
        var looks = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, looks < 3 {
            let written = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path).count) ?? 0
            if written >= 300 * (looks + 1) {
                let status = try bm(["status", "BR-2026-0001"])
                #expect(status.status == 0, "\(status.stderr)")
                // Everything written before status opened the register is recorded in it now, but
                // the message in flight, whose outcome goes into the journal with the next claim.
                let submitted = try registerSubjects().values.filter { $0.state == "submitted" }.count
                #expect(submitted >= written - 1)
                looks += 1
            }
            usleep(20_000)
        }
        #expect(looks == 3, "the campaign ended before status could look at it three times")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try registerSubjects().values.allSatisfy { $0.state == "submitted" })
        #expect(try messages().count == 1500)
        let attempts = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
                                                         "SELECT COUNT(*) FROM subject WHERE attempts <> 1"])
        #expect(attempts.stdout == "0\n")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("register.sqlite.subject-log").path))
    }

    /// Ctrl-C: the run stops after the messages in flight, records them and says how to resume.
    @Test func interruptStopsAfterTheMessagesInFlight() throws {
        var csv = "E-mail;Prénom;Nom;Langue\n"
        for i in 1...2000 { csv += "someone\(i)@example.org;S\(i);T\(i);en\n" }
        let file = dir.file("interrupt.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try importCSV(file.path)
        let err = Pipe()
        let process = try startSlowNotify(stderr: err)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning,
              ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path).count) ?? 0) < 200 { usleep(20_000) }
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("Error: interrupted: the messages in flight were recorded. Run `breachmail subjects notify BR-2026-0001` again to carry on."), "\(stderr)")
        let states = try registerSubjects().values.map(\.state)
        #expect(!states.contains("sending"))
        // Every message written was recorded: the outbox and the register agree.
        #expect(states.filter { $0 == "submitted" }.count == (try messages().count))
        #expect(states.contains("queued"))
    }
}

extension CampaignCLITests {
    /// The campaign through the real SMTP transport: a server on 127.0.0.1 receives each person
    /// exactly once, in one transaction per recipient, with the VERP return path; a recipient the
    /// server refuses for good ends failed_permanent with the server's words, and a transient
    /// refusal is deferred, never counted as sent.
    @Test func notifiesThroughARealSMTPServerExactlyOnce() throws {
        try importCSV(CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path)
        let server = try SMTPTestServer(faults: ["hugo.bernard10@example.org": .reply(550), "lena.hoffmann7@example.org": .reply(451)])
        let config = work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        try text.write(to: config, atomically: true, encoding: .utf8)

        let run = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(run.status == 0, "\(run.stderr)")
        let received = try server.waitForMessages(291, seconds: 60)
        #expect(received.count == 291)
        #expect(received.allSatisfy { $0.recipients.count == 1 })
        let recipients = received.map { $0.recipients[0] }
        #expect(Set(recipients).count == 291, "someone received the notice twice")
        let subjects = try registerSubjects()
        #expect(subjects["hugo.bernard10@example.org"]?.state == "failed_permanent")
        #expect(subjects["lena.hoffmann7@example.org"]?.state == "deferred")
        #expect(subjects.values.filter { $0.state == "submitted" }.count == 291)
        let verp = try verp
        for message in received {
            guard case .valid(let key) = verp.parse(message.mailFrom) else {
                Issue.record("MAIL FROM is not a valid VERP address")
                continue
            }
            #expect(key.incident.description == "BR-2026-0001")
        }
        let reason = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
                                                       "SELECT state_reason FROM subject WHERE email = 'hugo.bernard10@example.org'"])
        #expect(reason.stdout.hasPrefix("550"))
    }
}
