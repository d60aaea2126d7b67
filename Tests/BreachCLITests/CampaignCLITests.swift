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
        #expect(status.stdout.contains("Failures by reason\n            1  no usable address  invalid address: has no `@`; write it as local-part@domain.\n"), "\(status.stdout)")

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
        // The outbox has one writer: at most one message in flight, so at most one duplicate.
        try crashTest(label: "outbox", inFlight: 1) {
            try messages().map { Self.address($0["to"]) ?? "" }
        }
    }

    /// Issue 20 §3: the kill lands where a person is claimed (`sending`) and their message is
    /// not written yet, every time (a test hook holds the writer there). Recovering `sending`
    /// people as if their message had gone would lose that person; the right recovery sends it,
    /// and nobody gets two.
    @Test func killedBetweenTheClaimAndTheMessageLosesNobody() throws {
        let rows = 300, hold = 120
        var csv = "E-mail;Prénom;Nom;Langue\n"
        for i in 1...rows { csv += "claim\(i)@example.org;P\(i);N\(i);fr\n" }
        let file = dir.file("claims.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try importCSV(file.path)
        let process = try startSlowNotify(stderr: FileHandle.nullDevice,
                                          extra: ["BREACHMAIL_TEST_HOLD_AFTER_CLAIMS": "\(hold)", "BREACHMAIL_TEST_DELAY_MS": "0"])
        let deadline = Date().addingTimeInterval(60)
        var written = 0
        while Date() < deadline, process.isRunning {
            written = try messages().count
            if written >= hold { break }
            usleep(20_000)
        }
        usleep(300_000)  // the writer now waits in the hook, past its claim
        #expect(process.isRunning, "the campaign ended before it was held")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(try messages().count == hold)
        // Opening the register applies the dead run's journal: the subjects as they were at the kill.
        #expect(try bm(["status", "BR-2026-0001"]).status == 0)
        let sending = try registerSubjects().filter { $0.value.state == "sending" }
        #expect(sending.count == 1, "the one writer holds exactly one claimed person")

        let second = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(second.status == 0, "\(second.stderr)")
        var perRecipient: [String: Int] = [:]
        for message in try messages() { perRecipient[Self.address(message["to"]) ?? "", default: 0] += 1 }
        let subjects = try registerSubjects()
        #expect(subjects.values.allSatisfy { $0.state == "submitted" })
        #expect(Set(perRecipient.keys) == Set(subjects.keys), "someone was never told")
        for (address, _) in sending { #expect(perRecipient[address] == 1, "the held person was told \(perRecipient[address] ?? 0) times") }
        #expect(perRecipient.values.reduce(0, +) == rows, "nothing was in flight: no duplicate")
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
    private func startSlowNotify(stderr: Any, extra: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = CommandRunner.breachmail
        process.arguments = ["subjects", "notify", "BR-2026-0001"]
        process.environment = ["PATH": "/usr/bin:/bin", "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test",
                               "BREACHMAIL_TEST_DELAY_MS": "5"].merging(environment) { $1 }.merging(extra) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
        return process
    }

    /// Imports 3,000 people, kills the real binary with SIGKILL once a third were delivered
    /// (`delivered` reads the recipients the transport's far end holds), runs it again, checks.
    private func crashTest(label: String, inFlight: Int = 4, delivered: () throws -> [String]) throws {
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
        #expect(duplicates <= inFlight, "\(duplicates) duplicates for at most \(inFlight) messages in flight")
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
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains("subject-log") } == [])
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
        #expect(process.terminationStatus == 130)
        #expect(stderr.contains("Error: interrupted: the messages in flight were recorded. Run `breachmail subjects notify BR-2026-0001` again to carry on."), "\(stderr)")
        let states = try registerSubjects().values.map(\.state)
        #expect(!states.contains("sending"))
        // Every message written was recorded: the outbox and the register agree.
        #expect(states.filter { $0 == "submitted" }.count == (try messages().count))
        #expect(states.contains("queued"))
    }
}

extension CampaignCLITests {
    /// Ctrl-C through the SMTP transport, which composes each connection's next message while the
    /// relay answers the one before: the run stops after the message in flight, and the message
    /// composed meanwhile is not sent (nor claimed: the person stays queued). One connection; the
    /// third person's end of data answered after 3 s, Ctrl-C in between.
    @Test func interruptDuringAnSMTPTransactionSendsNothingComposedAhead() throws {
        try importPeople(30, stem: "ahead")
        let server = try SMTPTestServer(faults: ["ahead3@example.org": .delay(seconds: 3)])
        try useSMTP(server)
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "  connections: 4 ", with: "  connections: 1 ")
            .write(to: config, atomically: true, encoding: .utf8)
        let process = try startSlowNotify(stderr: FileHandle.nullDevice)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning, (try? server.receivedMessages().count) ?? 0 < 2 { usleep(20_000) }
        usleep(800_000)  // the third message waits for its reply; the fourth is composed
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let received = try server.receivedMessages().map { $0.recipients.first ?? "" }
        #expect(received == ["ahead1@example.org", "ahead2@example.org", "ahead3@example.org"])
        let states = try registerSubjects()
        #expect(Set(states.filter { $0.value.state == "submitted" }.keys) == Set(received))
        #expect(states.values.filter { $0.state == "queued" }.count == 27)
        // Carried on later: everyone else once.
        #expect(try bm(["subjects", "notify", "BR-2026-0001"]).status == 0)
        let all = try server.receivedMessages().map { $0.recipients.first ?? "" }
        #expect(all.count == 30 && Set(all).count == 30)
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

extension CampaignCLITests {
    /// Two incidents' campaigns at once in one working directory, through one real SMTP server:
    /// each run has a journal of its own, so the register records exactly what the server
    /// received (every person submitted, one attempt each), and running both again sends nothing.
    @Test func twoCampaignsAtOnceRecordEveryMessageTheServerReceived() throws {
        let server = try SMTPTestServer()
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
        let opened = try bm(["incident", "open", CommandRunner.exampleIncident.path])
        try #require(opened.stdout.hasPrefix("Opened BR-2026-0002"), "\(opened.stdout)\(opened.stderr)")
        let rows = 1200
        for (incident, stem) in [("BR-2026-0001", "first"), ("BR-2026-0002", "second")] {
            var csv = "E-mail;Prénom;Nom;Langue\n"
            for i in 1...rows { csv += "\(stem)\(i)@example.org;F\(i);L\(i);en\n" }
            let file = dir.file("\(stem).csv")
            try csv.write(to: file, atomically: true, encoding: .utf8)
            let result = try bm(["subjects", "import", incident, file.path])
            try #require(result.status == 0, "\(result.stderr)")
        }
        // Both at once, each pausing 1 ms after each delivery so that their lives overlap.
        let processes = try ["BR-2026-0001", "BR-2026-0002"].map { incident in
            let process = Process()
            process.executableURL = CommandRunner.breachmail
            process.arguments = ["subjects", "notify", incident]
            process.environment = ["PATH": "/usr/bin:/bin", "BREACHMAIL_SHARE": CommandRunner.packageRoot.path,
                                   "BREACHMAIL_ACTOR": "test", "BREACHMAIL_TEST_DELAY_MS": "1"].merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let deadline = Date().addingTimeInterval(120)
        while processes.contains(where: \.isRunning), Date() < deadline { usleep(50_000) }
        for process in processes {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        }
        let received = try server.receivedMessages().map { $0.recipients.first ?? "" }
        #expect(received.count == 2 * rows)
        #expect(Set(received).count == 2 * rows, "someone received the notice twice")
        let subjects = try registerSubjects()
        let submitted = Set(subjects.filter { $0.value.state == "submitted" }.keys)
        #expect(submitted == Set(received), "the register does not say what the server received")
        let attempts = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
                                                         "SELECT COUNT(*) FROM subject WHERE attempts <> 1"])
        #expect(attempts.stdout == "0\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.contains("subject-log") } == [])
        // Again: nothing left to send, nothing sent twice.
        for incident in ["BR-2026-0001", "BR-2026-0002"] {
            let again = try bm(["subjects", "notify", incident])
            #expect(again.status == 0, "\(again.stderr)")
        }
        #expect(try server.receivedMessages().count == 2 * rows)
    }
}

extension CampaignCLITests {
    func useSMTP(_ server: SMTPTestServer) throws {
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
            .write(to: config, atomically: true, encoding: .utf8)
    }

    func importPeople(_ count: Int, stem: String) throws {
        var csv = "E-mail;Prénom;Nom;Langue\n"
        for i in 1...count { csv += "\(stem)\(i)@example.org;F\(i);L\(i);en\n" }
        let file = dir.file("\(stem).csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        try importCSV(file.path)
    }

    /// A relay that answers 451 to everyone for 2 s, then recovers, under a fixed clock
    /// (BREACHMAIL_NOW), where a pause measured on that clock would never end: the pauses are
    /// shown with the reply and their end, the run carries on after them and finishes; those
    /// refused are deferred and sent by a later run, everyone exactly once. (Pauses of 300 ms
    /// instead of minutes, through the hidden test hook.)
    @Test func aPausedRelayResumesOnAFixedClockAndSaysWhy() throws {
        let server = try SMTPTestServer(outage: .for(seconds: 2))
        try useSMTP(server)
        try importPeople(300, stem: "paused")
        let started = Date()
        let run = try bm(["subjects", "notify", "BR-2026-0001"], ["BREACHMAIL_TEST_RELAY_PAUSE_MS": "300", "BREACHMAIL_TEST_RELAY_GIVE_UP_MS": "30000"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 50)
        #expect(run.stderr.contains("Relay paused for 1 s, until "), "\(run.stderr)")
        #expect(run.stderr.contains(", after refusals in a row: 451 4.7.1 Greylisted, try again in 5 minutes\n"), "\(run.stderr)")
        #expect(server.refusedInOutage() > 0)
        let states = try registerSubjects()
        let deferred = states.values.filter { $0.state == "deferred" }.count
        let submitted = states.values.filter { $0.state == "submitted" }.count
        #expect(deferred > 0 && submitted > 0 && deferred + submitted == 300, "deferred \(deferred), submitted \(submitted)")
        #expect(try server.receivedMessages().count == submitted)

        let later = try bm(["subjects", "notify", "BR-2026-0001"], ["BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"])
        #expect(later.status == 0, "\(later.stderr)")
        let received = try server.receivedMessages().map { $0.recipients.first ?? "" }
        #expect(received.count == 300 && Set(received).count == 300)
        #expect(try registerSubjects().values.allSatisfy { $0.state == "submitted" })
    }

    /// A relay that never recovers: the run does not hang, it stops once the relay has been
    /// unusable for the bound (2 s here through the test hook, 2 hours by default) with a clear
    /// message; nobody is failed, those tried are deferred and the others still queued.
    @Test func aRelayThatNeverRecoversEndsTheRunWithPeopleDeferred() throws {
        let server = try SMTPTestServer(outage: .forever)
        try useSMTP(server)
        try importPeople(300, stem: "never")
        let started = Date()
        let run = try bm(["subjects", "notify", "BR-2026-0001"], ["BREACHMAIL_TEST_RELAY_PAUSE_MS": "200", "BREACHMAIL_TEST_RELAY_GIVE_UP_MS": "2000"])
        #expect(run.status == 75, "\(run.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(run.stderr.contains("Error: the relay refused every message for "), "\(run.stderr)")
        #expect(run.stderr.contains(" s (last reply: 451 4.7.1 Greylisted, try again in 5 minutes); the run stopped. Nobody was marked as failed: the people tried are deferred, the others still queued. Run `breachmail subjects notify BR-2026-0001` again once the relay accepts mail.\n"), "\(run.stderr)")
        let states = try registerSubjects().values.map(\.state)
        #expect(states.filter { $0 == "deferred" }.count > 0)
        #expect(states.filter { $0 == "queued" }.count > 0)
        #expect(states.allSatisfy { $0 == "deferred" || $0 == "queued" })
        #expect(try server.receivedMessages().isEmpty)
    }
}

extension CampaignCLITests {
    /// A first attempt refused with 451, a second cut during the data (no reply): the subject's
    /// reason and reply are the second attempt's, never the first's reply beside the second's reason.
    @Test func aDroppedConnectionLeavesNoEarlierReplyBesideItsReason() throws {
        try importPeople(3, stem: "drop")
        let greylisting = try SMTPTestServer(faults: ["drop2@example.org": .reply(451)])
        try useSMTP(greylisting)
        #expect(try bm(["subjects", "notify", "BR-2026-0001"]).status == 0)
        let database = work.appendingPathComponent("register.sqlite").path
        let first = try CommandRunner.run("sqlite3", [database, "SELECT state, last_reply FROM subject WHERE email = 'drop2@example.org'"])
        #expect(first.stdout == "deferred|451 4.7.1 Greylisted, try again in 5 minutes\n")

        let dropping = try SMTPTestServer(faults: ["drop2@example.org": .dropDuringData])
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "smtp://127.0.0.1:\(greylisting.port)", with: "smtp://127.0.0.1:\(dropping.port)")
            .write(to: config, atomically: true, encoding: .utf8)
        let second = try bm(["subjects", "notify", "BR-2026-0001"], ["BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"])
        #expect(second.status == 0, "\(second.stderr)")
        let after = try CommandRunner.run("sqlite3", [database, "SELECT state, attempts, state_reason, COALESCE(last_reply, 'none') FROM subject WHERE email = 'drop2@example.org'"])
        let fields = after.stdout.trimmingCharacters(in: .newlines).split(separator: "|").map(String.init)
        #expect(fields.count == 4 && fields[0] == "deferred" && fields[1] == "2", "\(after.stdout)")
        #expect(!fields[2].hasPrefix("451"), "\(after.stdout)")
        #expect(fields.last == "none", "\(after.stdout)")
    }
}

extension CampaignCLITests {
    /// A person's state edited with sqlite3 after a campaign (someone marked "submitted" who was
    /// not, or the reverse) is seen by `register verify`: each change of subjects records the
    /// digest of every subject row in the history.
    @Test func verifySeesAPersonsStateEditedOutsideBreachmail() throws {
        try importPeople(50, stem: "sealed")
        #expect(try bm(["subjects", "notify", "BR-2026-0001"]).status == 0)
        let intact = try bm(["register", "verify"])
        #expect(intact.stdout.hasPrefix("The register history is intact: "), "\(intact.stdout)")
        let database = work.appendingPathComponent("register.sqlite").path
        _ = try CommandRunner.run("sqlite3", [database, "UPDATE subject SET state = 'failed_permanent' WHERE email = 'sealed7@example.org'"])
        let edited = try bm(["register", "verify"])
        #expect(edited.status == 2)
        #expect(edited.stdout.contains(": a person's row (state, attempts, reply…) was changed, added or removed outside the history since this entry.\n"), "\(edited.stdout)")
        // Put back as it was: intact again (the digest is of the rows, not of the edit).
        _ = try CommandRunner.run("sqlite3", [database, "UPDATE subject SET state = 'submitted' WHERE email = 'sealed7@example.org'"])
        #expect(try bm(["register", "verify"]).stdout.hasPrefix("The register history is intact: "))
    }
}

extension CampaignCLITests {
    /// Issue 17 §10: `--verbose` shows the SMTP conversation on standard error — EHLO, MAIL, RCPT,
    /// DATA and the server's replies — with each person named by subject id: no address of the
    /// CSV anywhere in the output, not even in a refusal that quotes it (550 … <address>), and no
    /// message body. Without `--verbose`, no conversation at all.
    @Test func verboseShowsTheSMTPConversationWithoutAnAddress() throws {
        // With AUTH: the secret is never shown either.
        let secret = "s3cret-Relay-Pass"
        let server = try SMTPTestServer(login: ("relay-user", secret), faults: ["verbose3@example.org": .reply(550)])
        try useSMTP(server)
        let config = work.appendingPathComponent("breachmail.yaml")
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "  # username: breachmail\n  # password: {env: BREACHMAIL_SMTP_PASSWORD}",
                                  with: "  username: relay-user\n  password: {env: BREACHMAIL_SMTP_PASSWORD}")
            .write(to: config, atomically: true, encoding: .utf8)
        func bm(_ args: [String]) throws -> ProcessResult { try self.bm(args, ["BREACHMAIL_SMTP_PASSWORD": secret]) }
        try importPeople(1, stem: "quiet")
        let quiet = try bm(["subjects", "notify", "BR-2026-0001"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        _ = try server.waitForMessages(1)
        #expect(!quiet.stderr.contains("SMTP "), "\(quiet.stderr)")

        try importPeople(3, stem: "verbose")
        let run = try bm(["subjects", "notify", "BR-2026-0001", "--verbose"])
        #expect(run.status == 0, "\(run.stderr)")
        _ = try server.waitForMessages(3)
        // `SMTP [subject-N] C: …`: the transaction's subject, then the line (three connections at once).
        let lines = run.stderr.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("SMTP ["), let close = line.firstIndex(of: "]") else { return nil }
            return "SMTP" + line[line.index(after: close)...]
        }
        #expect(lines.contains { $0.hasPrefix("SMTP C: EHLO ") }, "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("SMTP S: 250") }, "\(run.stderr)")
        #expect(lines.contains("SMTP C: MAIL FROM:<return path>") || lines.contains { $0.hasPrefix("SMTP C: MAIL FROM:<return path> ") },
                "\(run.stderr)")
        #expect(lines.contains("SMTP C: DATA"), "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("SMTP S: 354") }, "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("SMTP C: (the message, ") }, "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("SMTP S: 550 5.1.1 <address>") }, "\(run.stderr)")
        let ids = try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path,
                                                    "SELECT id FROM subject WHERE email LIKE 'verbose%'"]).stdout.split(separator: "\n").map(String.init)
        #expect(ids.count == 3)
        for id in ids {
            #expect(run.stderr.contains("SMTP [subject-\(id)] C: RCPT TO:<subject-\(id)>"), "subject \(id): \(run.stderr)")
        }
        for i in 1...3 {
            #expect(!run.stderr.contains("verbose\(i)@") && !run.stdout.contains("verbose\(i)@"), "an address is shown")
        }
        #expect(!run.stderr.contains("@") && !run.stdout.contains("@"), "\(run.stderr)")
        #expect(!run.stderr.contains("Subject:") && !run.stderr.contains("Content-Type"), "the message body is shown")
        #expect(lines.contains { $0.hasPrefix("SMTP C: AUTH ") }, "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("SMTP S: 235") }, "\(run.stderr)")
        let credentials = [secret, "relay-user", Data("\0relay-user\0\(secret)".utf8).base64EncodedString(),
                           Data(secret.utf8).base64EncodedString(), Data("relay-user".utf8).base64EncodedString()]
        for credential in credentials { #expect(!run.stderr.contains(credential), "AUTH secret shown: \(run.stderr)") }
        #expect(try server.receivedMessages().allSatisfy { $0.login == "relay-user" })
    }
}
