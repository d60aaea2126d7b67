import BreachTestSupport
import Foundation
import Testing

/// The dashboard against the real `breachmail serve`, with curl: sign-in, the session cookie's
/// flags, the CSRF token, the roles, the security headers, and no address in a URL or the log.
@Suite(.serialized) struct DashboardTests {
    static let id = "BR-2026-0001"
    /// An address of Config/examples/subjects.csv.
    static let address = "anais.weber1@mail.example.lu"

    /// A signed-in browser, as far as curl goes: the session cookie and the CSRF token of its forms.
    struct Session {
        let server: ServeProcess
        let cookie: String
        let csrf: String

        func get(_ path: String) throws -> HTTPExchange {
            try HTTPExchange.send("GET", server.url + path, headers: ["Cookie: \(cookie)"])
        }

        func post(_ path: String, _ fields: [String: String], csrf: String?? = .none) throws -> HTTPExchange {
            var all = fields
            switch csrf {
            case .none: all["csrf"] = self.csrf
            case .some(.none): break
            case .some(.some(let value)): all["csrf"] = value
            }
            return try HTTPExchange.send("POST", server.url + path, headers: ["Cookie: \(cookie)", "Content-Type: application/x-www-form-urlencoded"],
                                         body: Data(DashboardTests.form(all).utf8))
        }
    }

    static func form(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    /// The value of `name="csrf" value="…"` in a page.
    static func csrf(in html: String) throws -> String {
        let marker = "name=\"csrf\" value=\""
        let start = try #require(html.range(of: marker), "the page has a form with a CSRF token").upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    /// `NAME=VALUE` of the Set-Cookie header for `name`, and its attributes.
    static func setCookie(_ exchange: HTTPExchange, _ name: String) -> String? {
        exchange.setCookies.first { $0.hasPrefix(name + "=") }
    }

    static func signIn(_ server: ServeProcess, secret: String, language: String = "en") throws -> Session {
        let page = try HTTPExchange.send("GET", server.url + "/ui/sign-in")
        try #require(page.status == 200, "\(page.body)")
        let preCookie = try #require(setCookie(page, "bm_signin")).split(separator: ";")[0]
        let csrf = try Self.csrf(in: page.body)
        let signedIn = try HTTPExchange.send("POST", server.url + "/ui/sign-in",
                                             headers: ["Cookie: \(preCookie)", "Content-Type: application/x-www-form-urlencoded"],
                                             body: Data(form(["csrf": csrf, "token": secret, "lang": language]).utf8))
        try #require(signedIn.status == 303, "\(signedIn.status) \(signedIn.body)")
        let cookie = String(try #require(setCookie(signedIn, "bm_session")).split(separator: ";")[0])
        let incidents = try HTTPExchange.send("GET", server.url + "/ui/incidents", headers: ["Cookie: \(cookie)"])
        try #require(incidents.status == 200, "\(incidents.body)")
        return Session(server: server, cookie: cookie, csrf: try Self.csrf(in: incidents.body))
    }

    static func fixture() throws -> ServeFixture {
        let fixture = try ServeFixture()
        try fixture.bm(["subjects", "import", id, CommandRunner.exampleSubjects.path])
        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        let recorded = try fixture.bm(["incident", "assess", id, "--answers", answers, "--confirm"])
        try #require(recorded.status == 0, "\(recorded.stderr)")
        return fixture
    }

    @Test func signInGivesAServerSideSessionWithAStrictHttpOnlyCookie() throws {
        let fixture = try Self.fixture()
        let secret = try fixture.token("alice", "dpo")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }

        // Without a session, a page sends the browser to the sign-in form.
        let anonymous = try HTTPExchange.send("GET", server.url + "/ui/incidents")
        #expect(anonymous.status == 303 && anonymous.headers["location"] == "/ui/sign-in")

        let page = try HTTPExchange.send("GET", server.url + "/ui/sign-in", headers: ["Accept-Language: fr-FR,fr;q=0.9,en;q=0.5"])
        #expect(page.status == 200)
        #expect(page.body.contains("<html lang=\"fr\">") && page.body.contains("Connexion au tableau de bord"))
        #expect(page.headers["content-security-policy"] == "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.headers["cache-control"] == "no-store")
        // No inline script or style: the page links breachmail's own.
        #expect(!page.body.contains("<style") && !page.body.contains("style=\"") && !page.body.contains("<script>"))
        #expect(page.body.contains("<script src=\"/ui/static/dashboard.js\" defer></script>"))
        let css = try HTTPExchange.send("GET", server.url + "/ui/static/dashboard.css")
        #expect(css.status == 200 && css.headers["content-type"] == "text/css; charset=utf-8")

        let preCookie = try #require(Self.setCookie(page, "bm_signin"))
        #expect(preCookie.hasSuffix("; Path=/ui; Max-Age=1800; HttpOnly; SameSite=Strict"))
        let csrf = try Self.csrf(in: page.body)
        let pre = String(preCookie.split(separator: ";")[0])
        func post(_ fields: [String: String], cookie: String) throws -> HTTPExchange {
            try HTTPExchange.send("POST", server.url + "/ui/sign-in", headers: ["Cookie: \(cookie)", "Content-Type: application/x-www-form-urlencoded"],
                                  body: Data(Self.form(fields).utf8))
        }
        // A sign-in form posted from elsewhere (its CSRF token does not match the cookie) is refused.
        #expect(try post(["csrf": "forged", "token": secret], cookie: pre).status == 403)
        // A wrong secret is refused, and says so.
        let wrong = try post(["csrf": csrf, "token": "bm_wrong", "lang": "en"], cookie: pre)
        #expect(wrong.status == 401 && wrong.body.contains("This token is unknown or revoked."))
        #expect(Self.setCookie(wrong, "bm_session") == nil)

        let signedIn = try post(["csrf": csrf, "token": secret, "lang": "en"], cookie: pre)
        #expect(signedIn.status == 303 && signedIn.headers["location"] == "/ui/incidents")
        let cookie = try #require(Self.setCookie(signedIn, "bm_session"))
        // Over plain HTTP (loopback) the cookie cannot be Secure; under TLS it is (next test).
        #expect(cookie.hasSuffix("; Path=/ui; Max-Age=28800; HttpOnly; SameSite=Strict"))
        let id = String(cookie.split(separator: ";")[0].dropFirst("bm_session=".count))
        #expect(id.count == 43 && !id.contains(secret.dropFirst(3)))

        let session = Session(server: server, cookie: "bm_session=\(id)", csrf: "")
        let incidents = try session.get("/ui/incidents")
        #expect(incidents.status == 200)
        #expect(incidents.body.contains("<a href=\"/ui/incidents/\(Self.id)\">\(Self.id)</a>"))
        #expect(incidents.body.contains("Signed in as <strong>alice</strong> (dpo)"))
        // The injected clock is 2026-10-24T10:00+02:00; the example incident's deadline is later.
        #expect(incidents.body.contains("class=\"clock clock-running\""))
        #expect(incidents.body.contains(" left (until "))
        // A forged or ended session id is no session.
        #expect(try HTTPExchange.send("GET", server.url + "/ui/incidents", headers: ["Cookie: bm_session=x\(id)"]).status == 303)
        // The API's bearer token is not the dashboard's way in, nor the session the API's.
        #expect(try HTTPExchange.send("GET", server.url + "/v1/incidents", headers: ["Cookie: bm_session=\(id)"]).status == 401)

        // Signing out ends the session on the server: the old cookie no longer works.
        let signOut = try Session(server: server, cookie: "bm_session=\(id)", csrf: Self.csrf(in: incidents.body)).post("/ui/sign-out", [:])
        #expect(signOut.status == 303 && Self.setCookie(signOut, "bm_session")?.contains("Max-Age=0") == true)
        #expect(try session.get("/ui/incidents").status == 303)
    }

    @Test func underTLSTheSessionCookieIsSecure() throws {
        let certificates = try TestCertificates.shared()
        let fixture = try ServeFixture(service: ["tls_certificate: \(certificates.localhost.certificate)", "tls_key: \(certificates.localhost.key)"])
        let secret = try fixture.token("alice", "dpo")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        let page = try HTTPExchange.send("GET", server.url + "/ui/sign-in", caFile: certificates.caFile)
        let pre = String(try #require(Self.setCookie(page, "bm_signin")).split(separator: ";")[0])
        let signedIn = try HTTPExchange.send("POST", server.url + "/ui/sign-in",
                                             headers: ["Cookie: \(pre)", "Content-Type: application/x-www-form-urlencoded"],
                                             body: Data(Self.form(["csrf": try Self.csrf(in: page.body), "token": secret]).utf8),
                                             caFile: certificates.caFile)
        #expect(signedIn.status == 303)
        #expect(try #require(Self.setCookie(signedIn, "bm_session")).hasSuffix("; HttpOnly; SameSite=Strict; Secure"))
        #expect(try #require(Self.setCookie(page, "bm_signin")).hasSuffix("; Secure"))
    }

    @Test func everyFormNeedsTheSessionsCSRFTokenAndTheRole() throws {
        let fixture = try Self.fixture()
        let dpoSecret = try fixture.token("alice", "dpo")
        let auditorSecret = try fixture.token("ines", "auditor")
        let server = try fixture.serve()
        defer { _ = try? server.stop() }
        let entries = { try fixture.sqlite("SELECT count(*) FROM history;").trimmingCharacters(in: .whitespacesAndNewlines) }
        let before = try entries()

        let dpo = try Self.signIn(server, secret: dpoSecret)
        let page = try dpo.get("/ui/incidents/\(Self.id)")
        #expect(page.status == 200)
        #expect(page.body.contains("action=\"/ui/incidents/\(Self.id)/assessment\""))
        #expect(page.body.contains("action=\"/ui/incidents/\(Self.id)/campaign/start\""))
        // Without the token, with another session's, or with none at all: refused, nothing recorded.
        let missing = try dpo.post("/ui/incidents/\(Self.id)/assessment", ["decision": "confirm"], csrf: .some(nil))
        #expect(missing.status == 403 && missing.body.contains("This form has no valid CSRF token"))
        #expect(try dpo.post("/ui/incidents/\(Self.id)/assessment", ["decision": "confirm"], csrf: "x" + dpo.csrf).status == 403)
        let noSession = try HTTPExchange.send("POST", server.url + "/ui/incidents/\(Self.id)/assessment",
                                              headers: ["Content-Type: application/x-www-form-urlencoded"],
                                              body: Data(Self.form(["decision": "confirm", "csrf": dpo.csrf]).utf8))
        #expect(noSession.status == 401)
        #expect(try entries() == before)

        // An auditor sees no action, and its POST is refused even with its own valid token.
        let auditor = try Self.signIn(server, secret: auditorSecret)
        let seen = try auditor.get("/ui/incidents/\(Self.id)")
        #expect(seen.status == 200 && seen.body.contains("Assessment and decision"))
        for action in ["/assessment\"", "/campaign/start\"", "/send\"", "/reference\""] {
            #expect(!seen.body.contains(action), "the auditor's page has the action \(action)")
        }
        let refused = try auditor.post("/ui/incidents/\(Self.id)/assessment", ["decision": "confirm"])
        #expect(refused.status == 403 && refused.body.contains("Your token has the role auditor; this action needs dpo."))
        #expect(try auditor.post("/ui/incidents/\(Self.id)/campaign/start", [:]).status == 403)
        #expect(try entries() == before)

        // Starting the campaign mails people: the first POST only says how many, in which languages.
        let asked = try dpo.post("/ui/incidents/\(Self.id)/campaign/start", [:])
        let due = try fixture.sqlite("SELECT count(*) FROM subject WHERE state = 'queued';").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(asked.status == 200 && asked.body.contains("Check, then start the campaign") && asked.body.contains("<strong data-total>\(due)</strong>")
                && asked.body.contains("name=\"confirm\" value=\"yes\"") && asked.body.contains("Français: "), "\(asked.status) \(asked.body)")
        #expect(try entries() == before)
        #expect(try fixture.sqlite("SELECT count(*) FROM subject WHERE state <> 'queued' AND state <> 'no_address';") == "0\n")

        // The DPO's override is recorded with the signed-in token's name, and so is confirming again.
        let overridden = try dpo.post("/ui/incidents/\(Self.id)/assessment",
                                      ["decision": "override", "notify_authority": "no", "communicate_to_subjects": "no", "reason": "Encrypted at rest."])
        #expect(overridden.status == 303 && overridden.headers["location"] == "/ui/incidents/\(Self.id)#assessment", "\(overridden.status) \(overridden.body)")
        let last = "SELECT actor || ' ' || kind FROM history ORDER BY sequence DESC LIMIT 1;"
        #expect(try fixture.sqlite(last) == "token:alice assessment.recorded\n")
        let after = try dpo.get("/ui/incidents/\(Self.id)")
        #expect(after.body.contains("overridden by the DPO") && after.body.contains("The DPO&#39;s reason: Encrypted at rest."))
        // An override without a reason is refused with the use case's words; nothing recorded.
        let count = try entries()
        let noReason = try dpo.post("/ui/incidents/\(Self.id)/assessment", ["decision": "override", "notify_authority": "no", "reason": " "])
        #expect(noReason.status == 422 && noReason.body.contains("an override needs the DPO&#39;s written reason"), "\(noReason.status) \(noReason.body)")
        #expect(try entries() == count)
        let confirmed = try dpo.post("/ui/incidents/\(Self.id)/assessment", ["decision": "confirm"])
        #expect(confirmed.status == 303)
        let confirmedPage = try dpo.get("/ui/incidents/\(Self.id)").body
        #expect(confirmedPage.contains("confirmed by the DPO"))
        // A confirmation has no reason: nothing is shown for it, never "nil".
        #expect(!confirmedPage.contains("The DPO&#39;s reason:") && confirmedPage.range(of: #"\bnil\b"#, options: .regularExpression) == nil)
        #expect(try fixture.sqlite("SELECT count(*) FROM history WHERE actor = 'token:alice';") == "2\n")
    }

    @Test func aPersonIsLookedUpByAddressInTheBodyNeverInAURLOrTheLog() throws {
        let fixture = try Self.fixture()
        let secret = try fixture.token("olga", "operator")
        let server = try fixture.serve()
        let session = try Self.signIn(server, secret: secret, language: "fr")
        let found = try session.post("/ui/incidents/\(Self.id)/people", ["email": Self.address.uppercased()])
        #expect(found.status == 200)
        #expect(found.body.contains("<html lang=\"fr\">") && found.body.contains("Une personne : ai-je été informé ?"))
        #expect(found.body.contains("<dt>Ligne du fichier importé</dt><dd>2</dd>"))
        #expect(!found.body.lowercased().contains(Self.address), "the page echoes the address")
        let byID = try session.get("/ui/incidents/\(Self.id)/people/1")
        #expect(byID.status == 200 && byID.body.contains("<dt>Identifiant</dt><dd>1</dd>"))
        let unknown = try session.post("/ui/incidents/\(Self.id)/people", ["email": "nobody@example.org"])
        #expect(unknown.status == 404)
        let invalid = try session.post("/ui/incidents/\(Self.id)/people", ["email": "not an address"])
        #expect(invalid.status == 422)
        let status = try server.stop()
        #expect(status.status == 0)
        // The log names the route patterns, never the address (nor the one refused as invalid).
        #expect(server.log.contains("route=/ui/incidents/{id}/people"))
        #expect(!server.log.lowercased().contains(Self.address) && !server.log.contains("nobody@example.org") && !server.log.contains("not an address"))
    }
}
