import BreachTestSupport
import Foundation
import Testing

/// The real `breachmail serve` process on 127.0.0.1, talked to with the real curl.
@Suite struct ServeTests {
    @Test func healthAndReadyNeedNoTokenMetricsNeedsOne() throws {
        let fixture = try ServeFixture()
        let auditor = try fixture.token("audit", "auditor")
        let server = try fixture.serve()
        #expect(server.url.hasPrefix("http://127.0.0.1:"))

        let health = try get(server, "/health")
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"alive"}"#)
        let ready = try get(server, "/ready")
        #expect(ready.status == 200)
        #expect(ready.body == #"{"lease":"held","register":"open","status":"ready"}"#)

        let anonymous = try get(server, "/metrics")
        #expect(anonymous.status == 401)
        let metrics = try get(server, "/metrics", token: auditor)
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        for line in [#"breachmail_messages_total{outcome="submitted"} 0"#, #"breachmail_messages_total{outcome="deferred"} 0"#,
                     #"breachmail_bounces_total{class="hard"} 0"#, #"breachmail_bounces_total{class="sender-side"} 0"#,
                     #"breachmail_scheduler_runs_total{duty="poll_bounces"} 0"#,
                     #"breachmail_http_requests_total{method="GET",route="/health",status="200"} 1"#,
                     #"breachmail_http_requests_total{method="GET",route="/metrics",status="401"} 1"#] {
            #expect(metrics.body.contains(line + "\n"), "\(line)")
        }
        // The log names method, route pattern, status and token; never a path as sent or a query.
        _ = try get(server, "/v1/incidents/BR-2026-0001?who=marie.dupont@example.org", token: auditor)
        #expect(try server.stop().status == 0)
        #expect(server.log.contains("route=/v1/incidents/{id}"))
        #expect(server.log.contains("token=audit"))
        #expect(!server.log.contains("marie.dupont"))
        #expect(!server.log.contains("BR-2026-0001"))
    }

    @Test func everyRoleAgainstAReadRouteAndADPORoute() throws {
        let fixture = try ServeFixture()
        let tokens = try ["dpo", "operator", "auditor"].map { ($0, try fixture.token("t-\($0)", $0)) }
        let server = try fixture.serve()
        for (role, token) in tokens {
            let incidents = try get(server, "/v1/incidents", token: token)
            #expect(incidents.status == 200, "\(role)")
            #expect(incidents.headers["content-type"] == "application/json; charset=utf-8")
            #expect(incidents.body == """
                {"incidents":[{"authority_due_at":"2026-10-26T08:00:00Z","awareness":"2026-10-23T10:00:00+02:00",\
                "id":"BR-2026-0001","opened_at":"2026-10-24T08:00:00Z","title":"Rançongiciel sur la base des adhérents",\
                "updated_at":"2026-10-24T08:00:00Z","version":1}]}
                """, "\(role)")
            let tokenList = try get(server, "/v1/tokens", token: token)
            if role == "dpo" {
                #expect(tokenList.status == 200)
                #expect(tokenList.body.hasPrefix(#"{"tokens":[{"created_at":"2026-10-24T08:00:00Z","created_by":"test-dpo","#))
                #expect(!tokenList.body.contains(token))
            } else {
                #expect(tokenList.status == 403, "\(role)")
                #expect(tokenList.headers["content-type"] == "application/problem+json")
                #expect(tokenList.body == problem("forbidden", "Forbidden", 403, "the token t-\(role) has the role \(role); this route needs dpo. "
                    + "Ask the DPO for a token with that role (`breachmail token create NAME --role ROLE`).", field: "Authorization"))
            }
        }
        let one = try get(server, "/v1/incidents/BR-2026-0001", token: tokens[2].1)
        #expect(one.status == 200)
        #expect(one.body.hasPrefix(#"{"authority_due_at":"2026-10-26T08:00:00Z","#))
        let unknown = try get(server, "/v1/incidents/BR-2026-0099", token: tokens[2].1)
        #expect(unknown.status == 404)
        #expect(unknown.body == problem("not-found", "Not Found", 404, "no incident BR-2026-0099 in the register; GET /v1/incidents lists the ids."))
        #expect(try server.stop().status == 0)
    }

    @Test func aTokenWorksUntilRevokedAndBothAreInTheHistory() throws {
        let fixture = try ServeFixture()
        let secret = try fixture.token("ops", "operator")
        #expect(secret.hasPrefix("bm_"))
        #expect(secret.count == 46)
        // Only the hash is stored.
        #expect(try fixture.sqlite("SELECT COUNT(*) FROM api_token WHERE secret_sha256 LIKE '%' || substr('\(secret)', 4, 10) || '%'") == "0\n")
        let server = try fixture.serve()
        #expect(try get(server, "/v1/incidents", token: secret).status == 200)

        let revoke = try fixture.bm(["token", "revoke", "ops"])
        #expect(revoke.stdout == "Revoked token ops: requests with it get 401 from now on.\n")
        let refused = try get(server, "/v1/incidents", token: secret)
        #expect(refused.status == 401)
        #expect(refused.headers["www-authenticate"] == #"Bearer realm="breachmail", error="invalid_token""#)
        #expect(refused.body == problem("invalid-token", "Unauthorized", 401,
                                        "the token is unknown or revoked; ask the DPO for a new one (`breachmail token create NAME --role ROLE`).",
                                        field: "Authorization"))
        #expect(try server.stop().status == 0)

        let list = try fixture.bm(["token", "list"])
        #expect(list.stdout.hasPrefix("NAME  ROLE      CREATED               BY        LAST USED             REVOKED\n"
            + "ops   operator  2026-10-24T08:00:00Z  test-dpo  2026-10-24T08:00:00Z  2026-10-24T08:00:00Z by test-dpo\n"))
        #expect(!list.stdout.contains(secret))
        #expect(try fixture.bm(["token", "revoke", "ops"]).stderr == "Error: the token ops was already revoked at 2026-10-24T08:00:00Z; nothing changed.\n")
        #expect(try fixture.bm(["token", "create", "ops", "--role", "dpo"]).stderr
            == "Error: a token named ops already exists (revoked 2026-10-24T08:00:00Z); choose another name: a name is never given twice, so that the history's actors stay unambiguous.\n")
        #expect(try fixture.bm(["token", "create", "a b", "--role", "dpo"]).stderr
            == "Error: token name \"a b\" is not allowed: use letters, digits, '.', '_' and '-' (at most 64 characters, starting with a letter or digit), e.g. ops-bot.\n")
        #expect(try fixture.sqlite("SELECT actor, kind, payload FROM history WHERE kind LIKE 'token.%' ORDER BY sequence")
            == "test-dpo|token.created|{\"name\":\"ops\",\"role\":\"operator\"}\ntest-dpo|token.revoked|{\"name\":\"ops\",\"role\":\"operator\"}\n")
        #expect(try fixture.bm(["register", "verify"]).status == 0)
    }

    @Test func aMissingOrWrongTokenGets401WithAChallenge() throws {
        let fixture = try ServeFixture()
        _ = try fixture.token("dpo", "dpo")
        let server = try fixture.serve()
        let none = try get(server, "/v1/incidents")
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == #"Bearer realm="breachmail""#)
        #expect(none.headers["content-type"] == "application/problem+json")
        #expect(none.body == problem("unauthenticated", "Unauthorized", 401,
            "the request carries no token; send Authorization: Bearer TOKEN (the DPO creates one with `breachmail token create NAME --role ROLE`).",
            field: "Authorization"))
        let wrong = try get(server, "/v1/incidents", token: "bm_" + String(repeating: "A", count: 43))
        #expect(wrong.status == 401)
        #expect(wrong.headers["www-authenticate"] == #"Bearer realm="breachmail", error="invalid_token""#)
        let basic = try get(server, "/v1/incidents", headers: ["Authorization: Basic ZHBvOmRwbw=="])
        #expect(basic.status == 401)
        #expect(basic.body == problem("unauthenticated", "Unauthorized", 401,
            "the Authorization header is not of the Bearer scheme; send Authorization: Bearer TOKEN.", field: "Authorization"))
        #expect(try server.stop().status == 0)
    }

    @Test func aBodyOverTheLimitIs413AndUnknownRoutesAre404Problems() throws {
        let fixture = try ServeFixture(service: ["max_body_bytes: 1024"])
        let token = try fixture.token("dpo", "dpo")
        let server = try fixture.serve()
        let auth = ["Authorization: Bearer \(token)"]
        let fits = try HTTPExchange.send("GET", server.url + "/v1/incidents", headers: auth, body: Data(repeating: 0x41, count: 1024))
        #expect(fits.status == 200)
        let tooLarge = try HTTPExchange.send("GET", server.url + "/v1/incidents", headers: auth, body: Data(repeating: 0x41, count: 1025))
        #expect(tooLarge.status == 413)
        #expect(tooLarge.body == problem("body-too-large", "Content Too Large", 413,
            "the body is larger than 1024 bytes (service.max_body_bytes); send a smaller one, or raise service.max_body_bytes in breachmail.yaml.",
            field: "Content-Length"))

        let unknown = try get(server, "/v1/nothing-here", token: token)
        #expect(unknown.status == 404)
        #expect(unknown.headers["content-type"] == "application/problem+json")
        #expect(unknown.body == problem("not-found", "Not Found", 404,
            "no route matches this method and path; the API's routes are in its OpenAPI document (Sources/BreachServer/openapi.yaml)."))
        let wrongMethod = try HTTPExchange.send("DELETE", server.url + "/v1/incidents/BR-2026-0001", headers: auth)
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, PUT")
        #expect(wrongMethod.body == problem("method-not-allowed", "Method Not Allowed", 405, "this path takes GET, PUT only; see the API's OpenAPI document."))
        #expect(try server.stop().status == 0)
    }

    @Test func aSecondServeOnTheSameRegisterIsRefusedWith75() throws {
        let fixture = try ServeFixture()
        let first = try fixture.serve()
        let second = try CommandRunner.breachmail(["serve", "--listen", "127.0.0.1:0"],
                                                  environment: ServeFixture.now.merging(["BREACHMAIL_DIR": fixture.work.path]) { a, _ in a })
        #expect(second.status == 75)
        let host = ProcessInfo.processInfo.hostName
        #expect(second.stderr.hasPrefix("Error: \(fixture.work.path)/register.sqlite is already served by breachmail serve on host \(host), pid \(first.pid), since 20"))
        #expect(second.stderr.hasSuffix("Stop that one first; if it died, this one can start once its lease expires (service.lease_seconds). (exit 75: try again later)\n"))
        #expect(try first.stop().status == 0)
    }

    @Test func sigtermStopsPromptlyWithZeroAndReleasesTheLease() throws {
        let fixture = try ServeFixture()
        let first = try fixture.serve()
        #expect(try get(first, "/health").status == 200)
        let stopped = try first.stop(SIGTERM)
        #expect(stopped.status == 0)
        #expect(stopped.seconds < 5)
        // The lease (30 s) was given up: the next serve starts at once.
        #expect(try fixture.sqlite("SELECT COUNT(*) FROM service_lease") == "0\n")
        let second = try fixture.serve()
        #expect(try second.stop(SIGINT).status == 0)
    }

    @Test func theLeaseOfAKilledServeIsTakenOverOnceExpired() throws {
        let fixture = try ServeFixture(service: ["lease_seconds: 2"])
        let first = try fixture.serve()
        let pid = first.pid
        #expect(try first.stop(SIGKILL).status == SIGKILL)
        // Killed: its lease stays in the register until it expires.
        #expect(try fixture.sqlite("SELECT pid FROM service_lease") == "\(pid)\n")
        Thread.sleep(forTimeInterval: 2.2)
        let second = try fixture.serve()
        #expect(try get(second, "/ready").status == 200)
        #expect(try fixture.sqlite("SELECT pid FROM service_lease") == "\(second.pid)\n")
        #expect(try second.stop().status == 0)
        #expect(second.log.contains("lease taken over"))
        #expect(second.log.contains("previous_pid=\(pid)"))
    }

    @Test func aNonLoopbackAddressWithoutACertificateIsRefused() throws {
        let fixture = try ServeFixture()
        let result = try fixture.bm(["serve", "--listen", "0.0.0.0:0"])
        #expect(result.status == 78)
        #expect(result.stderr == "Error: --listen is 0.0.0.0:0, not a loopback address, and service.tls_certificate is not set: "
            + "tokens and personal data never cross the network in clear. Set service.tls_certificate and service.tls_key in "
            + "breachmail.yaml (PEM files), or listen on 127.0.0.1 behind a TLS-terminating proxy.\n")
        let configured = try ServeFixture(service: ["listen: 192.0.2.10:8025"])
        let fromConfig = try configured.bm(["serve"])
        #expect(fromConfig.status == 78)
        #expect(fromConfig.stderr.hasPrefix("Error: service.listen is 192.0.2.10:8025, not a loopback address"))
        // Malformed keys are refused where they are written, with the line.
        let malformed = try ServeFixture(service: ["listen: 8025", "tls_key: server.key"])
        let config = malformed.work.appendingPathComponent("breachmail.yaml")
        let line = try #require(try String(contentsOf: config, encoding: .utf8).components(separatedBy: "\n").firstIndex(of: "  listen: 8025")) + 1
        let bad = try malformed.bm(["serve"])
        #expect(bad.status == 78)
        #expect(bad.stderr == """
            Error: 2 problems:
              \(config.path):\(line): service.listen: "8025" is not HOST:PORT; write e.g. 127.0.0.1:8025 (or [::1]:8025), port 0 to 65535.
              \(config.path):\(line + 1): service.tls_certificate: is missing: give both tls_certificate and tls_key (PEM files), or neither to listen on loopback only.

            """)
    }

    @Test func withACertificateItServesHTTPS() throws {
        let certificates = try TestCertificates.shared()
        let fixture = try ServeFixture(service: ["tls_certificate: \(certificates.localhost.certificate)",
                                                 "tls_key: \(certificates.localhost.key)"])
        let server = try fixture.serve()
        #expect(server.url.hasPrefix("https://127.0.0.1:"))
        let health = try HTTPExchange.send("GET", server.url + "/health", caFile: certificates.caFile)
        #expect(health.status == 200)
        // Plain HTTP on the TLS port gets nothing.
        #expect(throws: RunnerError.self) { try HTTPExchange.send("GET", server.url.replacingOccurrences(of: "https:", with: "http:") + "/health") }
        #expect(try server.stop().status == 0)

        let unreadable = try ServeFixture(service: ["tls_certificate: missing.pem", "tls_key: missing.key"])
        let refused = try unreadable.bm(["serve", "--listen", "127.0.0.1:0"])
        #expect(refused.status == 78)
        #expect(refused.stderr.hasPrefix("Error: service.tls_certificate \(unreadable.work.path)/missing.pem and service.tls_key \(unreadable.work.path)/missing.key cannot be used ("))
        #expect(refused.stderr.hasSuffix("); give the server's certificate chain and its unencrypted private key, both PEM.\n"))
        #expect(try unreadable.sqlite("SELECT COUNT(*) FROM service_lease") == "0\n")
    }
}
