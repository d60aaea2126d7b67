import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// `breachmail scheduler tick`, one process per tick (so every second tick is a restart), on the
/// injected clock, against the real SMTP test server (aiosmtpd) and the real Dovecot.
///
/// The example incident's awareness is 2026-10-23 10:00 +02:00: its 72-hour deadline is
/// 2026-10-26 08:00 UTC. The working directory is made at 2026-10-24 14:00 UTC (42 h left).
@Suite(.serialized) struct SchedulerCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var config: URL { work.appendingPathComponent("breachmail.yaml") }
    var register: String { work.appendingPathComponent("register.sqlite").path }
    static let made = "2026-10-24T14:00:00Z"
    static let imapPassword = "scheduler-imap-Pa55"

    init() throws {
        dir = try TemporaryDirectory("scheduler")
        try CommandRunner.makeExampleWorkingDirectory(work) { try bm($0, at: Self.made) }
    }

    func bm(_ args: [String], at now: String) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now,
                                                         "BREACHMAIL_ACTOR": "test-dpo", "TEST_IMAP_PASSWORD": Self.imapPassword])
    }

    /// One tick at `now`, in a process of its own; its JSON report.
    @discardableResult
    func tick(at now: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try bm(["scheduler", "tick", "--json"], at: now)
        try #require(result.status == 0, "tick at \(now): \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }

    @discardableResult
    func sql(_ statement: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [register, statement])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func edit(_ from: String, _ to: String) throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        try #require(text.contains(from), "breachmail.yaml holds no \(from)")
        try Data(text.replacingOccurrences(of: from, with: to).utf8).write(to: config)
    }

    func useSMTP(_ server: SMTPTestServer) throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        let transport = try #require(text.split(separator: "\n").first { $0.hasPrefix("  transport: ") })
        try edit(String(transport), "  transport: smtp://127.0.0.1:\(server.port)")
        if text.contains("allow_plaintext_loopback: false") { try edit("allow_plaintext_loopback: false", "allow_plaintext_loopback: true") }
    }

    func importPeople(withAddress: Int, without: Int = 0) throws {
        var csv = "E-mail;Prénom;Nom;Langue\n"
        for i in 0..<withAddress { csv += "person\(i)@example.org;F\(i);L\(i);en\n" }
        for i in 0..<without { csv += ";N\(i);Nobody\(i);en\n" }
        let file = dir.file("people.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let result = try bm(["subjects", "import", "BR-2026-0001", file.path], at: Self.made)
        try #require(result.status == 0, "\(result.stderr)")
    }

    /// The decoded subject of a message, as a strict parser reads it.
    static func subject(_ message: SMTPTestServer.ReceivedMessage) throws -> String {
        try MIMECheck.parse(message.bytes).root?.header("Subject") ?? ""
    }

    /// The decoded text of a single-part message.
    static func body(_ bytes: [UInt8]) throws -> String {
        try MIMECheck.parse(bytes).root?.leaves.first?.body ?? ""
    }

    // MARK: d. Reminders to the DPO

    /// 24 h and 6 h before the deadline and once it passed, while no authority is notified: each
    /// reminder received by the SMTP server exactly once, whatever the number of ticks and
    /// processes; in French (the first authority's first language), counts and ids only.
    @Test func remindersReachTheDPOExactlyOnceAcrossTicksAndRestarts() throws {
        let server = try SMTPTestServer()
        try useSMTP(server)
        try tick(at: "2026-10-24T14:00:00Z")  // 42 h left: nothing
        try tick(at: "2026-10-25T07:59:00Z")  // 24 h 01 min left: nothing
        #expect(try server.receivedMessages().isEmpty)
        let first = try tick(at: "2026-10-25T08:00:00Z")
        #expect(first["reminders_sent"] as? Int == 1)
        try tick(at: "2026-10-25T08:01:00Z")
        try tick(at: "2026-10-25T20:00:00Z")
        #expect(try server.receivedMessages().count == 1)
        try tick(at: "2026-10-26T02:30:00Z")  // 5 h 30 min left
        try tick(at: "2026-10-26T02:31:00Z")
        #expect(try server.receivedMessages().count == 2)
        try tick(at: "2026-10-26T08:00:00Z")  // at the deadline: still in time, nothing new
        #expect(try server.receivedMessages().count == 2)
        try tick(at: "2026-10-26T08:01:00Z")
        try tick(at: "2026-10-27T08:00:00Z")
        let received = try server.receivedMessages()
        #expect(try received.map(Self.subject) == ["[breachmail] BR-2026-0001 : 24 h pour notifier l'autorité",
                                               "[breachmail] BR-2026-0001 : 6 h pour notifier l'autorité",
                                               "[breachmail] BR-2026-0001 : le délai de 72 heures est dépassé"])
        #expect(received.allSatisfy { $0.recipients == ["dpo@exemple.lu"] })
        let text = try Self.body(received[0].bytes)
        #expect(text.contains("Pas encore notifiée(s) : cnpd, cnil"), "\(text)")
        #expect(text.contains("Le délai de notification à l'autorité de contrôle (RGPD art. 33(1)) expire le 2026-10-26 09:00 +01:00 (Europe/Luxembourg)."), "\(text)")
        let check = try MIMECheck.parse(received[0].bytes)
        #expect(check.root?.header("Auto-Submitted") == "auto-generated")
        #expect(check.root?.header("X-Breachmail-Duty") == "dpo.deadline")
        #expect(try sql("SELECT key || ' ' || claims || ' ' || outcome FROM scheduled_duty WHERE duty = 'dpo.deadline' ORDER BY id")
                == "before-24h 1 sent\nbefore-6h 1 sent\npassed 1 sent")
    }

    /// A process that died between claiming a reminder and marking it done: the claim is left
    /// alone while its owner may still be sending (claim_timeout_seconds, 600 by default), then
    /// taken again, and the reminder is sent once.
    @Test func aReminderClaimedByADeadProcessIsSentLaterOnce() throws {
        let server = try SMTPTestServer()
        try useSMTP(server)
        try tick(at: "2026-10-24T14:00:00Z")  // the table exists; nothing due
        try sql("INSERT INTO scheduled_duty (incident_id, duty, key, claimed_at) VALUES ('BR-2026-0001', 'dpo.deadline', 'before-24h', '2026-10-25T09:00:00Z')")
        try tick(at: "2026-10-25T09:05:00Z")
        #expect(try server.receivedMessages().isEmpty, "a claim 5 minutes old may belong to a process still sending")
        let later = try tick(at: "2026-10-25T09:10:00Z")
        #expect(later["reminders_sent"] as? Int == 1)
        try tick(at: "2026-10-25T09:30:00Z")
        #expect(try server.receivedMessages().map(Self.subject) == ["[breachmail] BR-2026-0001 : 24 h pour notifier l'autorité"])
        #expect(try sql("SELECT claims || ' ' || outcome FROM scheduled_duty WHERE key = 'before-24h'") == "2 sent")
    }

    /// A relay that refuses the reminder: nothing is marked done, the tick says so (exit 75),
    /// and the next tick through a working relay sends it.
    @Test func aRefusedReminderIsTriedAgainAtTheNextTick() throws {
        let refusing = try SMTPTestServer(faults: ["dpo@exemple.lu": .reply(451)])
        try useSMTP(refusing)
        let failed = try bm(["scheduler", "tick", "--json"], at: "2026-10-25T09:00:00Z")
        #expect(failed.status == 75, "\(failed.stdout) \(failed.stderr)")
        #expect(failed.stderr.contains("breachmail: BR-2026-0001 deadline: the scheduler's mail was not accepted by the relay smtp://127.0.0.1:\(refusing.port)"), "\(failed.stderr)")
        let server = try SMTPTestServer()
        try edit("smtp://127.0.0.1:\(refusing.port)", "smtp://127.0.0.1:\(server.port)")
        try tick(at: "2026-10-25T09:01:00Z")
        #expect(try server.receivedMessages().count == 1)
    }

    // MARK: a. Retries

    /// A person deferred by the relay (451) is sent again by a tick once the next attempt is due,
    /// not before, and once.
    @Test func deferredPeopleAreRetriedWhenDueAndNotBefore() throws {
        try importPeople(withAddress: 3)
        let greylisting = try SMTPTestServer(faults: ["person1@example.org": .reply(451)])
        try useSMTP(greylisting)
        let notify = try bm(["subjects", "notify", "BR-2026-0001"], at: Self.made)
        try #require(notify.status == 0, "\(notify.stderr)")
        #expect(try sql("SELECT state FROM subject WHERE email = 'person1@example.org'") == "deferred")
        let relay = try SMTPTestServer()
        try edit("smtp://127.0.0.1:\(greylisting.port)", "smtp://127.0.0.1:\(relay.port)")

        let early = try tick(at: "2026-10-24T14:01:00Z")  // the first retry comes 8 to 12 minutes after the refusal
        #expect(early["campaigns_run"] as? Int == 0)
        #expect(try relay.receivedMessages().isEmpty)
        let due = try tick(at: "2026-10-24T15:00:00Z")
        #expect(due["campaigns_run"] as? Int == 1)
        #expect(due["messages_submitted"] as? Int == 1)
        try tick(at: "2026-10-24T15:01:00Z")
        let received = try relay.receivedMessages()
        #expect(received.map(\.recipients) == [["person1@example.org"]])
        #expect(try sql("SELECT state FROM subject ORDER BY id") == "submitted\nsubmitted\nsubmitted")
    }

    /// People imported but never sent to: the scheduler does not start a campaign by itself.
    @Test func importedPeopleAreNotSentUntilACampaignWasStarted() throws {
        try importPeople(withAddress: 2)
        let relay = try SMTPTestServer()
        try useSMTP(relay)
        let report = try tick(at: "2026-10-24T15:00:00Z")
        #expect(report["campaigns_run"] as? Int == 0)
        #expect(try relay.receivedMessages().isEmpty)
        #expect(try sql("SELECT COUNT(*) FROM subject WHERE state = 'queued'") == "2")
    }

    /// A campaign running in another process is left to it (its lock); once that process is
    /// killed, the next tick sends the people it left, each once but the few in flight.
    @Test func aRunningCampaignIsLeftToItAndADeadRunsPeopleAreSentByATick() throws {
        try importPeople(withAddress: 200)
        let outbox = work.appendingPathComponent("outbox/new")
        let notify = Process()
        notify.executableURL = CommandRunner.breachmail
        notify.arguments = ["subjects", "notify", "BR-2026-0001"]
        notify.environment = ["PATH": "/usr/bin:/bin", "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test",
                              "BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": Self.made, "BREACHMAIL_TEST_DELAY_MS": "100"]
        notify.standardOutput = FileHandle.nullDevice
        notify.standardError = FileHandle.nullDevice
        try notify.run()
        defer { if notify.isRunning { kill(notify.processIdentifier, SIGKILL) } }
        let until = Date().addingTimeInterval(30)
        while (try? Maildir.files(in: outbox).count) ?? 0 < 8 && Date() < until { Thread.sleep(forTimeInterval: 0.02) }
        let busy = try tick(at: "2026-10-24T14:01:00Z")
        #expect(busy["campaigns_skipped"] as? Int == 1, "\(busy)")
        #expect(busy["campaigns_run"] as? Int == 0)
        try #require(notify.isRunning, "the campaign ended before the tick: make BREACHMAIL_TEST_DELAY_MS longer")
        kill(notify.processIdentifier, SIGKILL)
        notify.waitUntilExit()

        let after = try tick(at: "2026-10-24T14:02:00Z")
        #expect(after["campaigns_run"] as? Int == 1, "\(after)")
        #expect(try sql("SELECT state || ' ' || COUNT(*) FROM subject GROUP BY state") == "submitted 200")
        let recipients = try Maildir.files(in: outbox).map { try String(contentsOf: $0, encoding: .utf8) }
            .compactMap { $0.components(separatedBy: "\r\n").first { $0.hasPrefix("To: ") } }
        #expect(Set(recipients).count == 200)
        #expect(recipients.count - 200 <= 4, "more duplicates than the messages in flight: \(recipients.count - 200)")
    }

    // MARK: b + c. Bounces and reach

    /// The bounce mailbox read by a tick (real Dovecot), at most every bounce_poll_seconds; reach
    /// recorded once when the retry window ends, again only when the recommendation changes,
    /// and the DPO told of each.
    @Test func bouncesAreFetchedAndReachIsRecordedOnceAndOnChange() throws {
        try importPeople(withAddress: 20, without: 2)
        try edit("unreachable_share: 0.05", "unreachable_share: 0.5")
        let notify = try bm(["subjects", "notify", "BR-2026-0001"], at: Self.made)  // into the outbox
        try #require(notify.status == 0, "\(notify.stderr)")
        let dovecot = try DovecotTestServer(user: "bounces", password: Self.imapPassword)
        var secret = try String(contentsOf: work.appendingPathComponent("secrets/verp.key"), encoding: .utf8)
        while secret.hasSuffix("\n") { secret.removeLast() }
        let verp = try VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(secret.utf8))
        let messageID = try sql("SELECT message_id FROM subject WHERE id = 1")
        let bounce = SampleBounce.mailboxFull.message(returnPath: verp.make(VERPKey(incident: IncidentNumber("BR-2026-0001")!, subject: 1)),
                                                      recipient: "person0@example.org", originalMessageID: "<\(messageID)>", serial: 1)
        try dovecot.deliver(Array(bounce.utf8), name: "1.full")
        try edit("    secret: {file: secrets/verp.key}\n", """
                secret: {file: secrets/verp.key}
                imap:
                  url: imap://127.0.0.1:\(dovecot.port)/INBOX
                  username: bounces
                  password: {env: TEST_IMAP_PASSWORD}
                  allow_plaintext_loopback: true

            """)

        let read = try tick(at: "2026-10-24T14:10:00Z")
        #expect(read["bounce_messages_read"] as? Int == 1, "\(read) \(dovecot.log())")
        #expect(dovecot.messages().isEmpty)
        #expect(try sql("SELECT COUNT(*) FROM bounce") == "1")
        #expect(try sql("SELECT state FROM subject WHERE id = 1") == "deferred")
        let soon = try tick(at: "2026-10-24T14:11:00Z")
        #expect(soon["bounce_messages_read"] == nil, "read again before bounce_poll_seconds (300)")
        // The transiently bounced person is sent again (into the outbox) once due.
        let retried = try tick(at: "2026-10-25T14:15:00Z")
        #expect(retried["bounce_messages_read"] as? Int == 0)
        #expect(retried["campaigns_run"] as? Int == 1)

        func reachEntries() throws -> String {
            try sql("SELECT json_extract(payload, '$.recommendation') || ' ' || json_extract(payload, '$.unreachable') || '/' || json_extract(payload, '$.total') FROM history WHERE kind = 'reach.decided' ORDER BY sequence")
        }
        try tick(at: "2026-10-29T13:00:00Z")  // within 120 h of the last notice
        #expect(try reachEntries() == "")
        let decided = try tick(at: "2026-10-30T15:00:00Z")
        #expect(decided["reach_recorded"] as? Int == 1)
        try tick(at: "2026-10-30T15:01:00Z")
        try tick(at: "2026-10-31T15:00:00Z")
        #expect(try reachEntries() == "individual_notices_suffice 2/22")
        try edit("unreachable_share: 0.5", "unreachable_share: 0.05")
        try tick(at: "2026-10-31T16:00:00Z")
        try tick(at: "2026-10-31T16:01:00Z")
        #expect(try reachEntries() == "individual_notices_suffice 2/22\npublic_communication 2/22")
        #expect(try sql("SELECT json_extract(payload, '$.previous') FROM history WHERE kind = 'reach.decided' ORDER BY sequence DESC LIMIT 1")
                == "individual_notices_suffice")
        let payload = try sql("SELECT payload FROM history WHERE kind = 'reach.decided' ORDER BY sequence DESC LIMIT 1")
        #expect(!payload.contains("@"), "no address in the history: \(payload)")
        // The DPO told of each decision once, in the outbox.
        let dpoMail = try Maildir.files(in: work.appendingPathComponent("outbox/new"))
            .map { try String(contentsOf: $0, encoding: .utf8) }
            .filter { $0.contains("X-Breachmail-Duty: dpo.reach") }
        #expect(dpoMail.count == 2)
        #expect(dpoMail.allSatisfy { !$0.contains("person") && $0.contains("dpo@exemple.lu") })
        let verify = try bm(["register", "verify"], at: "2026-10-31T16:02:00Z")
        #expect(verify.status == 0 && verify.stdout.hasPrefix("The register history is intact"), "\(verify.stdout) \(verify.stderr)")
    }

    // MARK: e. The response team

    /// Each member told once when the incident is opened and once per change of the decision in force.
    @Test func theResponseTeamIsToldOnOpenAndOnEachDecisionChangeOnce() throws {
        let server = try SMTPTestServer()
        try useSMTP(server)
        try Data((try String(contentsOf: config, encoding: .utf8) + """
            response_team:
              - {name: Ines IT, email: it@exemple.lu, role: it}
              - {name: Luc Legal, email: legal@exemple.lu, role: legal}

            """).utf8).write(to: config)
        let opened = try tick(at: "2026-10-24T14:00:00Z")
        #expect(opened["team_messages_sent"] as? Int == 2)
        try tick(at: "2026-10-24T14:01:00Z")
        #expect(try server.receivedMessages().count == 2)

        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        #expect(try bm(["incident", "assess", "BR-2026-0001", "--answers", answers, "--confirm"], at: "2026-10-24T14:02:00Z").status == 0)
        try tick(at: "2026-10-24T14:03:00Z")
        try tick(at: "2026-10-24T14:04:00Z")
        #expect(try server.receivedMessages().count == 4)
        let overridden = try bm(["incident", "assess", "BR-2026-0001", "--answers", answers, "--override-authority", "no",
                                 "--reason", "The laptop was found unopened within the hour."], at: "2026-10-24T14:05:00Z")
        #expect(overridden.status == 0, "\(overridden.stderr)")
        try tick(at: "2026-10-24T14:06:00Z")
        try tick(at: "2026-10-24T14:07:00Z")
        let received = try server.receivedMessages()
        #expect(received.count == 6)
        #expect(try received.map(Self.subject) == ["[breachmail] Nouvel incident BR-2026-0001", "[breachmail] Nouvel incident BR-2026-0001",
                                               "[breachmail] BR-2026-0001 : décision modifiée", "[breachmail] BR-2026-0001 : décision modifiée",
                                               "[breachmail] BR-2026-0001 : décision modifiée", "[breachmail] BR-2026-0001 : décision modifiée"])
        #expect(Set(received.flatMap(\.recipients)) == ["it@exemple.lu", "legal@exemple.lu"])
        let last = try Self.body(received[5].bytes)
        #expect(last.contains("- notifier l'autorité : non"), "\(last)")
    }

    /// A response team entry with a wrong role names the file, line, field and the choices.
    @Test func aWrongRoleIsRefusedWithTheField() throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1  // the entry's line
        try Data((text + "response_team:\n  - {name: Ines, email: it@exemple.lu, role: boss}\n").utf8).write(to: config)
        let result = try bm(["scheduler", "tick"], at: Self.made)
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(config.path):\(line): response_team[1].role: \"boss\" is not known; use one of: it, legal, communication.\n",
                "\(result.stderr)")
    }

    /// Reminder offsets outside 1…71 hours name the file, line, field and the fix; valid ones are used.
    @Test func reminderHoursAreCheckedAndUsed() throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        try Data((text + "scheduler:\n  reminder_hours: [12, 0]\n").utf8).write(to: config)
        let refused = try bm(["scheduler", "tick"], at: Self.made)
        #expect(refused.stderr == "Error: \(config.path):\(line): scheduler.reminder_hours: \"0\" is not a number of hours between 1 and 71; write e.g. [24, 6].\n",
                "\(refused.stderr)")
        try edit("reminder_hours: [12, 0]", "reminder_hours: [12]")
        let server = try SMTPTestServer()
        try useSMTP(server)
        try tick(at: "2026-10-25T09:00:00Z")  // 23 h left: no 24-hour reminder configured
        #expect(try server.receivedMessages().isEmpty)
        try tick(at: "2026-10-25T20:00:00Z")  // 12 h left
        #expect(try server.receivedMessages().map(Self.subject) == ["[breachmail] BR-2026-0001 : 12 h pour notifier l'autorité"])
    }
}
