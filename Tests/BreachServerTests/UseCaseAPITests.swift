import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// The use cases through the real `breachmail serve` on 127.0.0.1, with curl as the client and
/// the aiosmtpd test server as the relay.
@Suite(.serialized) struct UseCaseAPITests {
    let fixture: ServeFixture
    let smtp: SMTPTestServer
    var work: URL { fixture.work }
    static let id = "BR-2026-0001"
    /// Refused with 451 every time: deferred, never submitted.
    static let deferred = "jean.hansen4@example.org"

    init() throws {
        fixture = try ServeFixture()
        smtp = try SMTPTestServer(faults: [Self.deferred: .reply(451)])
        let config = work.appendingPathComponent("breachmail.yaml")
        var text = try String(contentsOf: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(smtp.port)")
            .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let imported = try fixture.bm(["subjects", "import", Self.id,
                                       CommandRunner.packageRoot.appendingPathComponent("Config/examples/subjects.csv").path])
        try #require(imported.status == 0, "\(imported.stderr)")
    }

    func send(_ server: ServeProcess, _ method: String, _ path: String, token: String, json: String? = nil,
              contentType: String = "application/json", body: Data? = nil) throws -> HTTPExchange {
        var headers = ["Authorization: Bearer \(token)"]
        if json != nil || body != nil { headers.append("Content-Type: \(contentType)") }
        return try HTTPExchange.send(method, server.url + path, headers: headers, body: json.map { Data($0.utf8) } ?? body)
    }

    func object(_ exchange: HTTPExchange) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(exchange.body.utf8)) as? [String: Any], "\(exchange.body)")
    }

    @Test func aCampaignDrivenThroughTheAPIReachesTheRelayAndIsFollowedByItsEvents() throws {
        let dpo = try fixture.token("dpo", "dpo"), operatorToken = try fixture.token("ops", "operator")
        let auditor = try fixture.token("audit", "auditor")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }

        // The auditor reads but cannot start a campaign.
        let refused = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: auditor)
        #expect(refused.status == 403, "\(refused.body)")
        #expect(smtp.refusedInOutage() == 0)

        let started = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: operatorToken)
        #expect(started.status == 202, "\(started.body)")
        // Following it: the events end with `finished`, counts only (no address in the stream).
        let events = try send(server, "GET", "/v1/incidents/\(Self.id)/campaign/events", token: auditor)
        #expect(events.status == 200)
        #expect(events.headers["content-type"] == "text/event-stream")
        #expect(events.body.contains("event: finished\ndata: {\"end\":\"finished\",") || events.body.contains("event: idle"), "\(events.body)")
        #expect(!events.body.contains("@"))

        let messages = try smtp.waitForMessages(292, seconds: 60)
        #expect(messages.count == 292)
        let status = try object(try send(server, "GET", "/v1/incidents/\(Self.id)/status", token: auditor))
        let subjects = try #require(status["subjects"] as? [String: Int])
        #expect(subjects["submitted"] == 292, "\(subjects)")
        #expect(subjects["deferred"] == 1, "\(subjects)")
        #expect(subjects["no_address"] == 3, "\(subjects)")

        // The history names the token that started it.
        let history = try fixture.sqlite("SELECT actor FROM history WHERE kind = 'campaign.run'")
        #expect(history == "token:ops\n", "\(history)")

        // One person's record: the address in the body, never in the URL; a wrong one is 404.
        let person = try send(server, "POST", "/v1/incidents/\(Self.id)/people/lookup", token: dpo,
                              json: "{\"email\":\"\(Self.deferred)\"}")
        #expect(person.status == 200, "\(person.body)")
        let record = try object(person)
        #expect(record["state"] as? String == "deferred")
        #expect((record["last_reply"] as? String)?.hasPrefix("451") == true, "\(record)")
        #expect(record["email"] == nil)  // the record does not echo the address back
        let nobody = try send(server, "POST", "/v1/incidents/\(Self.id)/people/lookup", token: dpo, json: "{\"email\":\"nobody@exemple.lu\"}")
        #expect(nobody.status == 404)
        #expect(nobody.headers["content-type"] == "application/problem+json")
        let unknownKey = try send(server, "POST", "/v1/incidents/\(Self.id)/people/lookup", token: dpo, json: "{\"mail\":\"x@y.z\"}")
        #expect(unknownKey.status == 422)
        #expect(unknownKey.body.contains("\"field\":\"mail\""), "\(unknownKey.body)")
        #expect(!server.log.contains(Self.deferred), "the log holds an address")
    }

    @Test func aCampaignStartedTwiceIsAConflictAndPauseStopsAfterTheMessagesInFlight() throws {
        let operatorToken = try fixture.token("ops", "operator")
        let server = try ServeProcess(work: work, environment: ServeFixture.now.merging(["BREACHMAIL_TEST_DELAY_MS": "20"]) { $1 })
        defer { _ = try? server.stop() }
        let first = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: operatorToken)
        #expect(first.status == 202, "\(first.body)")
        let second = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: operatorToken)
        #expect(second.status == 409, "\(second.body)")
        #expect(second.body.contains("already running"), "\(second.body)")

        _ = try smtp.waitForMessages(20, seconds: 30)
        let paused = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/pause", token: operatorToken)
        #expect(paused.status == 200, "\(paused.body)")
        let body = try object(paused)
        #expect(body["end"] as? String == "interrupted", "\(body)")
        let received = try smtp.receivedMessages().count
        let submitted = Int(try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'submitted'").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(submitted == received, "every message the relay accepted is recorded as submitted")
        #expect(try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'sending'") == "0\n")
        #expect(received < 292)

        // Paused stays paused: the scheduler's tick leaves it (no one more person written to, only
        // the DPO's reminders), a start is refused; resume carries on to the end.
        try fixture.bm(["scheduler", "tick"])
        let toPeople = try smtp.receivedMessages().filter { $0.recipients != ["dpo@exemple.lu"] }.count
        #expect(toPeople == received, "the scheduler restarted a paused campaign")
        let start = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: operatorToken)
        #expect(start.status == 409 && start.body.contains("paused"), "\(start.body)")
        let resumed = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/resume", token: operatorToken)
        #expect(resumed.status == 202, "\(resumed.body)")
        #expect(try smtp.waitForMessages(292, seconds: 60).count == 292)
    }

    @Test func sigtermMidCampaignRecordsTheMessagesInFlightAndExitsZero() throws {
        let operatorToken = try fixture.token("ops", "operator")
        let server = try ServeProcess(work: work, environment: ServeFixture.now.merging(["BREACHMAIL_TEST_DELAY_MS": "20"]) { $1 })
        let started = try send(server, "POST", "/v1/incidents/\(Self.id)/campaign/start", token: operatorToken)
        #expect(started.status == 202, "\(started.body)")
        _ = try smtp.waitForMessages(20, seconds: 30)
        let stopped = try server.stop(SIGTERM, timeout: 20)
        #expect(stopped.status == 0, "\(server.log)")
        let received = try smtp.receivedMessages().count
        let submitted = Int(try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'submitted'").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(submitted == received, "every message the relay accepted is recorded")
        #expect(try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'sending'") == "0\n")
        #expect(try fixture.sqlite("SELECT count(*) FROM history WHERE kind = 'campaign.run' AND payload LIKE '%interrupted%'") == "1\n")
    }

    @Test func incidentsAssessmentsAuthorityAndBouncesThroughTheAPI() throws {
        let dpo = try fixture.token("dpo", "dpo"), operatorToken = try fixture.token("ops", "operator")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        let root = CommandRunner.packageRoot

        // An incident from the YAML of an incident file.
        let yaml = try Data(contentsOf: CommandRunner.exampleIncident)
        let opened = try send(server, "POST", "/v1/incidents", token: dpo, contentType: "application/yaml", body: yaml)
        #expect(opened.status == 201, "\(opened.body)")
        #expect(try object(opened)["id"] as? String == "BR-2026-0002")
        let operatorCannot = try send(server, "POST", "/v1/incidents", token: operatorToken, contentType: "application/yaml", body: yaml)
        #expect(operatorCannot.status == 403)
        let broken = try send(server, "POST", "/v1/incidents", token: dpo, contentType: "application/yaml",
                              body: Data("title: x\nawareness: yesterday\n".utf8))
        #expect(broken.status == 422, "\(broken.body)")
        #expect(broken.body.contains("request body"), "\(broken.body)")
        #expect(try fixture.sqlite("SELECT count(*) FROM incident") != "", "the register is readable")
        let missing = try send(server, "GET", "/v1/incidents/BR-2026-0099/status", token: dpo)
        #expect(missing.status == 404 && missing.headers["content-type"] == "application/problem+json", "\(missing.body)")

        // The DPO confirms the recommendation: recorded with the token as the actor.
        let answers = try String(contentsOf: root.appendingPathComponent("Config/examples/assessment.yaml"), encoding: .utf8)
        let answersJSON = String(decoding: try JSONSerialization.data(withJSONObject: ["answers": answers, "decision": "confirm"]), as: UTF8.self)
        let confirmed = try send(server, "POST", "/v1/incidents/\(Self.id)/assessment", token: dpo, json: answersJSON)
        #expect(confirmed.status == 201, "\(confirmed.body)")
        #expect(try object(confirmed)["actor"] as? String == "token:dpo")
        let override = String(decoding: try JSONSerialization.data(withJSONObject: ["answers": answers, "decision": "override",
                                                                                    "notify_authority": false]), as: UTF8.self)
        let noReason = try send(server, "POST", "/v1/incidents/\(Self.id)/assessment", token: dpo, json: override)
        #expect(noReason.status == 422 && noReason.body.contains("\"field\":\"reason\""), "\(noReason.body)")
        let inForce = try object(try send(server, "GET", "/v1/incidents/\(Self.id)/assessment", token: operatorToken))
        #expect(inForce["actor"] as? String == "token:dpo")

        // The authority notification: composed, then refused without a pinned key (recorded).
        let composed = try send(server, "GET", "/v1/incidents/\(Self.id)/authorities/cnpd/notification", token: dpo)
        #expect(composed.status == 200, "\(composed.body)")
        let sendWithoutConfirm = try send(server, "POST", "/v1/incidents/\(Self.id)/authorities/cnpd/send", token: dpo, json: "{}")
        #expect(sendWithoutConfirm.status == 422 && sendWithoutConfirm.body.contains("\"field\":\"confirm\""), "\(sendWithoutConfirm.body)")

        // A bounce posted raw: recorded once, the same message again counts as a duplicate.
        let bounce = try Data(contentsOf: root.appendingPathComponent("Tests/BreachBouncesTests/Fixtures/postfix-dsn-userunknown.eml"))
        let first = try send(server, "POST", "/v1/bounces", token: operatorToken, contentType: "message/rfc822", body: bounce)
        #expect(first.status == 201, "\(first.body)")
        let again = try send(server, "POST", "/v1/bounces", token: operatorToken, contentType: "message/rfc822", body: bounce)
        let duplicates = try object(again)["duplicates"] as? Int
        #expect(again.status == 200 && duplicates == 1, "\(again.body)")

        // The register's proof.
        let verified = try object(try send(server, "GET", "/v1/register/verify", token: operatorToken))
        #expect(verified["intact"] as? Bool == true, "\(verified)")
        let export = try send(server, "GET", "/v1/register/export?format=csv", token: dpo)
        #expect(export.status == 200 && export.body.contains("assessment.recorded"))
        // The report to hand to the authority, in the language asked for, with the chain's head.
        let report = try send(server, "GET", "/v1/register/export?format=html&lang=de", token: dpo)
        #expect(report.status == 200 && report.body.contains("<html lang=\"de\">"), "\(report.body.prefix(300))")
        #expect(report.body.contains("Verzeichnis der Verletzungen des Schutzes personenbezogener Daten"))
        #expect(report.body.contains("id=\"head-hash\">\(verified["head"] as? String ?? "?")</dd>"))
        let unknown = try send(server, "GET", "/v1/register/export?format=html&lang=it", token: dpo)
        #expect(unknown.status == 422 && unknown.body.contains("lang must be fr, en or de."), "\(unknown.body)")
    }
}
