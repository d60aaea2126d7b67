import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// Faults of the real `breachmail serve` (a process killed mid-campaign, an upload cut mid-way,
/// a restart), and its scheduler against the real Dovecot and the real SMTP test server.
@Suite(.serialized) struct ServeFaultTests {
    static let id = "BR-2026-0001"
    static let subjects = CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv")
    /// People of the example CSV with an address (296 people, 3 without one).
    static let withAddress = 293

    /// Appends lines to breachmail.yaml.
    static func append(_ fixture: ServeFixture, _ text: String) throws {
        let config = fixture.work.appendingPathComponent("breachmail.yaml")
        try (try String(contentsOf: config, encoding: .utf8) + text).write(to: config, atomically: true, encoding: .utf8)
    }

    static func useSMTP(_ fixture: ServeFixture, _ smtp: SMTPTestServer) throws {
        let config = fixture.work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(smtp.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        try text.write(to: config, atomically: true, encoding: .utf8)
    }

    static func count(_ fixture: ServeFixture, _ query: String) throws -> Int {
        try #require(Int(try fixture.sqlite(query).trimmingCharacters(in: .whitespacesAndNewlines)), "\(query)")
    }

    /// SIGKILL in the middle of a campaign started through the API: no exit path runs, the lease
    /// stays, the messages in flight are not recorded. The next `serve` takes the lease over once it expires and
    /// its scheduler finishes the campaign by itself: the relay receives every person, and twice
    /// at most the messages that were in flight at the kill (one per SMTP connection).
    @Test func sigkillMidCampaignThenANewServeSendsAgainAtMostTheMessagesInFlight() throws {
        let fixture = try ServeFixture(service: ["lease_seconds: 2"])
        let smtp = try SMTPTestServer()
        try Self.useSMTP(fixture, smtp)
        try Self.append(fixture, "\nscheduler:\n  interval_seconds: 1\n")
        #expect(try fixture.bm(["subjects", "import", Self.id, Self.subjects.path]).status == 0)
        let token = try fixture.token("ops", "operator")

        let first = try ServeProcess(work: fixture.work, environment: ServeFixture.now.merging(["BREACHMAIL_TEST_DELAY_MS": "20"]) { $1 })
        let started = try HTTPExchange.send("POST", first.url + "/v1/incidents/\(Self.id)/campaign/start", headers: ["Authorization: Bearer \(token)"])
        #expect(started.status == 202, "\(started.body)")
        _ = try smtp.waitForMessages(30, seconds: 60)
        #expect(try first.stop(SIGKILL).status == SIGKILL)
        let beforeKill = try smtp.receivedMessages().count
        #expect(beforeKill < Self.withAddress, "the campaign ended before the kill: nothing was tested")
        // The campaign's journal, not the rows, holds the latest states until it is folded: the
        // rows may say `sending` for none of those in flight.
        let leftSending = try Self.count(fixture, "SELECT count(*) FROM subject WHERE state = 'sending'")

        Thread.sleep(forTimeInterval: 2.2)  // the killed holder's lease expires
        let second = try fixture.serve()
        defer { _ = try? second.stop() }
        let received = try smtp.waitForMessages(Self.withAddress + leftSending, seconds: 90)
        // Let a straggler show itself before counting.
        Thread.sleep(forTimeInterval: 2)
        let all = try smtp.receivedMessages()
        var perPerson: [String: Int] = [:]
        for message in all { for r in message.recipients { perPerson[r, default: 0] += 1 } }
        let twice = perPerson.filter { $0.value > 1 }
        #expect(perPerson.count == Self.withAddress, "every person with an address is written to: \(perPerson.count) of \(Self.withAddress)")
        #expect(perPerson.values.allSatisfy { $0 <= 2 }, "\(twice)")
        // mail.connections (4) messages at most are in flight when the process dies.
        #expect(twice.count <= 4, "sent again beyond the messages in flight: \(twice.count) (\(received.count) received, \(leftSending) left sending)")
        #expect(try second.stop().status == 0, "\(second.log)")
        #expect(try Self.count(fixture, "SELECT count(*) FROM subject WHERE state = 'submitted'") == Self.withAddress)
        #expect(try Self.count(fixture, "SELECT count(*) FROM subject WHERE state = 'sending'") == 0)
        #expect(second.log.contains("lease taken over"), "\(second.log)")
    }

    /// An upload cut mid-way (a chunked body whose client closes the connection before the last
    /// chunk): nothing is imported, nothing is written to the history, the upload's private file
    /// is removed; the next whole upload is imported.
    @Test func aCSVUploadCutMidwayRecordsNothingAndTheNextOneWorks() throws {
        let fixture = try ServeFixture()
        let token = try fixture.token("dpo", "dpo")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        let historyBefore = try Self.count(fixture, "SELECT count(*) FROM history")
        let csv = try Data(contentsOf: Self.subjects)
        let port = try #require(URLComponents(string: server.url)?.port)

        // A client that sends two thirds of the CSV as chunks, then closes without the last chunk.
        let script = """
            import socket, sys
            data = open(sys.argv[1], 'rb').read()
            cut = data[: len(data) * 2 // 3]
            s = socket.create_connection(('127.0.0.1', int(sys.argv[2])))
            s.sendall(b'POST /v1/incidents/\(Self.id)/subjects HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n'
                      b'Authorization: Bearer ' + sys.argv[3].encode() + b'\\r\\nContent-Type: text/csv\\r\\n'
                      b'Transfer-Encoding: chunked\\r\\n\\r\\n')
            for i in range(0, len(cut), 1000):
                piece = cut[i:i + 1000]
                s.sendall(b'%x\\r\\n' % len(piece) + piece + b'\\r\\n')
            s.shutdown(socket.SHUT_WR)
            s.settimeout(10)
            reply = b''
            try:
                while True:
                    got = s.recv(4096)
                    if not got: break
                    reply += got
            except socket.timeout:
                pass
            s.close()
            print(reply.split(b'\\r\\n', 1)[0].decode() if reply else 'closed')
            """
        let cut = try CommandRunner.run("python3", ["-c", script, Self.subjects.path, String(port), token])
        #expect(cut.status == 0, "\(cut.stderr)")
        #expect(!cut.stdout.hasPrefix("HTTP/1.1 201"), "a cut upload was imported: \(cut.stdout)")

        // The server notices the cut; then nothing is left of it.
        var leftovers: [String] = []
        for _ in 0..<50 {
            leftovers = (FileManager.default.subpaths(atPath: fixture.work.path) ?? []).filter { $0.hasSuffix(".csv") && $0.contains("upload-") }
            if leftovers.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(leftovers.isEmpty, "the cut upload's file is left: \(leftovers)")
        #expect(try Self.count(fixture, "SELECT count(*) FROM subject") == 0)
        #expect(try Self.count(fixture, "SELECT count(*) FROM history") == historyBefore)
        #expect(try get(server, "/health").status == 200)

        let whole = try HTTPExchange.send("POST", server.url + "/v1/incidents/\(Self.id)/subjects",
                                          headers: ["Authorization: Bearer \(token)", "Content-Type: text/csv"], body: csv)
        #expect(whole.status == 201, "\(whole.body)")
        #expect(try Self.count(fixture, "SELECT count(*) FROM subject") == 296)
        #expect(try fixture.bm(["register", "verify"]).status == 0)
    }

    /// The scheduler inside `serve` (every second) reads the bounce mailbox on the real Dovecot,
    /// and mails the DPO's deadline reminder once: a restart of `serve` sends it no second time.
    @Test func serveSchedulerFetchesBouncesAndRemindsOnceAcrossARestart() throws {
        let fixture = try ServeFixture()
        let smtp = try SMTPTestServer()
        try Self.useSMTP(fixture, smtp)
        let password = "serve-imap-Pa55"
        let dovecot = try DovecotTestServer(user: "bounces", password: password)
        // 71 h before the deadline (2026-10-26 08:00 UTC) is in the past at the injected
        // 2026-10-24 08:00 UTC: one reminder is due at the first tick.
        try Self.append(fixture, "\nscheduler:\n  interval_seconds: 1\n  bounce_poll_seconds: 10\n  reminder_hours: [71]\n")
        #expect(try fixture.bm(["subjects", "import", Self.id, Self.subjects.path]).status == 0)
        let notified = try fixture.bm(["subjects", "notify", Self.id])
        try #require(notified.status == 0, "\(notified.stderr)")
        let people = try smtp.receivedMessages().count
        #expect(people == Self.withAddress)

        var secret = try String(contentsOf: fixture.work.appendingPathComponent("secrets/verp.key"), encoding: .utf8)
        while secret.hasSuffix("\n") { secret.removeLast() }
        let verp = try VERP(prefix: "bounce", domain: "bounces.exemple.lu", secret: Array(secret.utf8))
        let row = try fixture.sqlite("SELECT email || ' ' || message_id FROM subject WHERE id = 1").trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = row.split(separator: " ").map(String.init)
        try #require(parts.count == 2, "\(row)")
        let bounce = SampleBounce.userUnknown.message(returnPath: verp.make(VERPKey(incident: IncidentNumber(Self.id)!, subject: 1)),
                                                      recipient: parts[0], originalMessageID: "<\(parts[1])>", serial: 1)
        try dovecot.deliver(Array(bounce.utf8), name: "1.hard")
        let config = fixture.work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let anchor = "    secret: {file: secrets/verp.key}\n"
        try #require(text.contains(anchor))
        try text.replacingOccurrences(of: anchor, with: anchor + """
                imap:
                  url: imap://127.0.0.1:\(dovecot.port)/INBOX
                  username: bounces
                  password: {env: TEST_IMAP_PASSWORD}
                  allow_plaintext_loopback: true

            """).write(to: config, atomically: true, encoding: .utf8)

        let environment = ServeFixture.now.merging(["TEST_IMAP_PASSWORD": password]) { $1 }
        let first = try ServeProcess(work: fixture.work, environment: environment)
        var reminders: [SMTPTestServer.ReceivedMessage] = []
        for _ in 0..<100 {
            reminders = try smtp.receivedMessages().filter { $0.recipients == ["dpo@exemple.lu"] }
            if !reminders.isEmpty && dovecot.messages().isEmpty { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(reminders.count == 1, "\(first.log)")
        #expect(dovecot.messages().isEmpty, "the bounce was not fetched by serve's scheduler: \(first.log)\(dovecot.log())")
        #expect(dovecot.messages(in: "breachmail-processed").count == 1)
        #expect(try Self.count(fixture, "SELECT count(*) FROM bounce") == 1)
        #expect(try first.stop().status == 0)

        // A second serve over the same register: several ticks, no second reminder, no second bounce.
        let second = try ServeProcess(work: fixture.work, environment: environment)
        Thread.sleep(forTimeInterval: 3)
        #expect(try second.stop().status == 0)
        #expect(try smtp.receivedMessages().filter { $0.recipients == ["dpo@exemple.lu"] }.count == 1)
        #expect(try smtp.receivedMessages().count == people + 1)
        #expect(try Self.count(fixture, "SELECT count(*) FROM bounce") == 1)
        #expect(try fixture.sqlite("SELECT key || ' ' || claims FROM scheduled_duty WHERE duty = 'dpo.deadline'") == "before-71h 1\n")
    }
}
