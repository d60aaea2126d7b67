import BreachTestSupport
import Foundation
import Testing

/// Several `breachmail serve` on one PostgreSQL register: each serves, one runs the scheduler.
extension PostgresCLITests {
    /// Two services on one register both start and are ready; exactly one holds the lease and runs
    /// the scheduler (its `/ready` says `held`, the other's `standby`), and the response team is
    /// told of the open incident once. Killed with SIGKILL, the holder stops renewing; once its
    /// lease has run out the other takes the scheduler over, and tells the team of the next incident.
    @Test func twoServicesShareTheRegisterAndTheSurvivorTakesTheSchedulerOver() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        let config = work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let lease = try #require(text.range(of: #"lease_seconds: \d+"#, options: .regularExpression))
        try (text.replacingCharacters(in: lease, with: "lease_seconds: 3")
            + "\nscheduler:\n  interval_seconds: 1\n\nresponse_team:\n  - {name: Ines IT, email: it@exemple.lu, role: it}\n")
            .write(to: config, atomically: true, encoding: .utf8)

        let first = try ServeProcess(work: work, environment: environment)
        defer { _ = try? first.stop(SIGKILL) }
        let second = try ServeProcess(work: work, environment: environment)
        defer { _ = try? second.stop(SIGKILL) }
        func leaseOf(_ service: ServeProcess) throws -> String? {
            let ready = try HTTPExchange.send("GET", service.url + "/ready")
            guard ready.status == 200 else { return "status \(ready.status)" }
            return (try JSONSerialization.jsonObject(with: Data(ready.body.utf8)) as? [String: Any])?["lease"] as? String
        }
        let leases = [try leaseOf(first), try leaseOf(second)]
        #expect(leases.compactMap { $0 }.sorted() == ["held", "standby"], "\(leases)")
        #expect(Self.waitUntil(seconds: 20) { (try? smtp.receivedMessages().count) == 1 }, "the team told of the open incident")
        Thread.sleep(forTimeInterval: 2)  // several ticks of both services
        #expect(try smtp.receivedMessages().count == 1, "told once")

        let (holder, survivor) = leases[0] == "held" ? (first, second) : (second, first)
        try holder.stop(SIGKILL)
        #expect(Self.waitUntil(seconds: 30) { (try? leaseOf(survivor)) == "held" }, "the survivor takes the lease over")
        // The lease is held (what /ready says) a moment before the line is logged and read back.
        #expect(Self.waitUntil(seconds: 5) { survivor.log.contains("scheduler taken over") }, "\(survivor.log)")
        let opened = try bm(["incident", "open", CommandRunner.exampleIncident.path])
        try #require(opened.status == 0, "\(opened.stderr)")
        #expect(Self.waitUntil(seconds: 20) { (try? smtp.receivedMessages().count) == 2 }, "the team told of the next incident")
        let subjects = try smtp.receivedMessages().map { try MIMECheck.parse($0.bytes).root?.header("Subject") ?? "" }
        #expect(subjects.last?.contains("BR-2026-0002") == true, "\(subjects)")
        #expect(try survivor.stop().status == 0)
    }

    /// The database cuts a worker off in the middle of its campaign (`pg_terminate_backend` on
    /// every connection it has, twice): the worker connects again with back-off and carries on —
    /// its claims, journal and folds —, ends normally, and every person is received once, but for at
    /// most the messages whose outcome was in flight at a cut (one per connection each time).
    @Test func aWorkerCutOffFromTheDatabaseConnectsAgainAndNobodyIsLostOrSentTwiceMore() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        let errors = dir.file("cut-worker.err")
        let process = try worker(["BREACHMAIL_TEST_DELAY_MS": "40"], stderr: errors)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var cut = 0
        for threshold in [40, 140] {
            _ = try smtp.waitForMessages(threshold, seconds: 60)
            let terminated = try server.psql(database, """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                """)
            cut += Int(terminated.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        #expect(cut >= 2, "the worker's connections were cut (\(cut))")
        #expect(Self.waitUntil(seconds: 120) { !process.isRunning }, "the worker ended")
        let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(said)")
        #expect(said.contains("connecting again"), "\(said)")
        let sent = try Self.recipients(smtp)
        #expect(Set(sent).count == 293)
        #expect(sent.count - 293 <= 2 * 4, "\(sent.count - 293) duplicates")
        let state = try server.psql(database, "SELECT state, COUNT(*) FROM subject GROUP BY state ORDER BY state")
        #expect(state.output == "no_address|3\nsubmitted|293\n", "\(state.output)")
        #expect(try bm(["register", "verify"]).status == 0)
    }

    /// `mail.rate_per_second` is the relay's, whatever the number of workers: two workers at 40
    /// messages a second both send, and together take as long as one would (293 people: about
    /// 7.3 s), not half as long — their turns are reserved in the register.
    @Test func twoWorkersShareTheRelaysRateLimit() throws {
        let smtp = try SMTPTestServer()
        try workingDirectory(smtp: smtp)
        let config = work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let rate = try #require(text.range(of: #"rate_per_second: [0-9.]+"#, options: .regularExpression))
        try text.replacingCharacters(in: rate, with: "rate_per_second: 40").write(to: config, atomically: true, encoding: .utf8)
        let start = Date()
        let workers = try (0..<2).map { n in
            let output = dir.file("rated-\(n).out")
            return (try worker(stdout: output), output)
        }
        defer { for (w, _) in workers where w.isRunning { kill(w.processIdentifier, SIGKILL) } }
        #expect(Self.waitUntil(seconds: 60) { !workers.contains { $0.0.isRunning } }, "both workers ended")
        let seconds = Date().timeIntervalSince(start)
        for (process, output) in workers {
            let said = try String(contentsOf: output, encoding: .utf8)
            #expect(process.terminationStatus == 0, "\(said)")
            let submitted = said.firstMatch(of: /this run submitted (\d+)/).flatMap { Int($0.1) } ?? 0
            #expect(submitted > 0, "each worker sent a share: \(said)")
        }
        let sent = try Self.recipients(smtp)
        #expect(sent.count == 293 && Set(sent).count == 293)
        #expect(seconds >= 293.0 / 40 * 0.9, "293 messages at 40 a second over two workers took \(seconds) s")
        // In any two seconds, at most the rate's 80 and the turns a reservation takes ahead (10 per worker).
        let times = try smtp.receivedMessages().map(\.receivedAt).sorted()
        let busiest = times.indices.map { i in times[i...].prefix { $0.timeIntervalSince(times[i]) < 2 }.count }.max() ?? 0
        #expect(busiest <= 80 + 2 * 10, "\(busiest) messages received within two seconds")
    }

    /// Polls `condition` every 0.2 s for at most `seconds`.
    static func waitUntil(seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return condition()
    }
}
