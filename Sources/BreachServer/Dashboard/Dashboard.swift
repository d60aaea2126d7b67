import BreachApp
import BreachConfig
import BreachRegister
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The DPO's dashboard under `/ui/`: server-rendered HTML pages over the same use cases as the
/// API, for a person with a browser. Sign-in with an API token's secret typed once; then a
/// server-side session (cookie `bm_session`: HttpOnly, SameSite=Strict, Secure under TLS), a CSRF
/// token in every form, and a Content-Security-Policy that allows only breachmail's own
/// stylesheet and script (no inline script or style, nothing from elsewhere).
///
/// The pages are not part of the JSON API: they are not in `openapi.yaml`, and the test that
/// holds the document and the router together leaves `/ui/` out.
struct Dashboard: Sendable {
    static let prefix = "/ui"
    static let sessionCookie = "bm_session"
    static let signInCookie = "bm_signin"
    static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    let environment: ServerEnvironment
    let templates: Result<DashboardTemplates, ServerError>
    let sessions = DashboardSessions()
    /// Whether the service speaks TLS: the cookies are then `Secure`.
    let secure: Bool
    let logger: Logger

    init(environment: ServerEnvironment, secure: Bool, logger: Logger) {
        self.environment = environment
        self.secure = secure
        self.logger = logger
        let directory = DashboardTemplates.locate(workingDirectory: environment.directory, templates: environment.configuration.storage.templates)
        templates = Result { () throws(ServerError) in try DashboardTemplates(directory: directory) }
    }

    /// What a page handler knows of its request once the session, the CSRF token and the role are checked.
    struct Visit: Sendable {
        let token: AuthenticatedToken
        let sessionID: String
        let session: DashboardSessions.Session
        let language: DashboardLanguage
        let templates: DashboardTemplates
        /// The form fields of a POST (never logged: they may hold an address).
        let form: [String: String]

        func word(_ key: String, _ values: [String: String] = [:]) -> String { templates.word(key, language, values) }
        /// The words of the visit's language, for the charts.
        var chartWords: IncidentCharts.Words { IncidentCharts.Words(templates.words(language)) }
    }

    typealias Handler = @Sendable (Request, ServerRequestContext, Visit) async throws -> Response

    /// Adds the dashboard's routes to `router`; `table` learns them (for 405 answers).
    func register(on router: Router<ServerRequestContext>, table: RouteTable) {
        let group = router.group().add(middleware: DashboardHeaders())
        func add(_ method: HTTPRequest.Method, _ path: String, _ responder: @escaping @Sendable (Request, ServerRequestContext) async throws -> Response) {
            table.add(method, Self.prefix + path)
            group.on(RouterPath(Self.prefix + path), method: method, use: responder)
        }
        func add(_ method: HTTPRequest.Method, _ path: String, needs permission: Permission, _ handler: @escaping Handler) {
            add(method, path) { request, context in try await visit(request, context, needs: permission, handler) }
        }
        add(.get, "/static/dashboard.css") { _, _ in try static_(\.stylesheet, "text/css; charset=utf-8") }
        add(.get, "/static/dashboard.js") { _, _ in try static_(\.script, "text/javascript; charset=utf-8") }
        add(.get, "") { _, _ in Self.redirect(Self.prefix + "/incidents") }
        add(.get, "/sign-in") { request, _ in try signInPage(request, problem: nil, status: .ok) }
        add(.post, "/sign-in") { request, context in try await signIn(request, context) }
        add(.post, "/sign-out", needs: .read) { _, _, visit in
            sessions.close(visit.sessionID)
            var response = Self.redirect(Self.prefix + "/sign-in")
            response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, "", maxAge: 0)))
            return response
        }
        let pages = DashboardPages(dashboard: self)
        pages.register { method, path, permission, handler in add(method, path, needs: permission, handler) }
    }

    private func static_(_ text: KeyPath<DashboardTemplates, String>, _ type: String) throws -> Response {
        let templates = try templates.get()
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: templates[keyPath: text])))
    }

    // MARK: Sessions

    /// Checks the session, the token behind it, the CSRF token of a POST and the role, then runs `handler`.
    private func visit(_ request: Request, _ context: ServerRequestContext, needs permission: Permission,
                       _ handler: Handler) async throws -> Response {
        let templates: DashboardTemplates
        switch self.templates {
        case .success(let t): templates = t
        case .failure(let error):
            logger.error("dashboard templates unusable", metadata: ["error": .string(error.message)])
            return Self.plain(.serviceUnavailable, "The dashboard's templates cannot be used: \(error.message)")
        }
        let now = environment.now()
        let fallback = DashboardLanguage.from(acceptLanguage: request.headers[.acceptLanguage])
        guard let id = Self.cookies(request)[Self.sessionCookie], var session = sessions.use(id, at: now) else {
            return request.method == .get ? Self.redirect(Self.prefix + "/sign-in")
                : try errorPage(templates, fallback, nil, .unauthorized, "unauthenticated")
        }
        // A token revoked since sign-in ends its sessions.
        let register = environment.register
        let tokens = try await blocking { try register.tokens() }
        guard let record = tokens.first(where: { $0.name == session.tokenName && !$0.isRevoked }), let role = Role(rawValue: record.role) else {
            sessions.close(id)
            return request.method == .get ? Self.redirect(Self.prefix + "/sign-in")
                : try errorPage(templates, fallback, nil, .unauthorized, "unauthenticated")
        }
        if let code = request.uri.queryParameters.get("lang"), let chosen = DashboardLanguage(rawValue: code) {
            sessions.setLanguage(id, chosen)
            session.language = chosen
        }
        let token = AuthenticatedToken(name: record.name, role: role)
        var context = context
        context.token = token
        context.attribution.tokenName = token.name
        var form: [String: String] = [:]
        if request.method == .post {
            let type = request.headers[.contentType] ?? ""
            guard type.hasPrefix("application/x-www-form-urlencoded") else {
                return try errorPage(templates, session.language, token, .unsupportedMediaType, "form-expected")
            }
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            form = Self.formFields(String(decoding: body.readableBytesView, as: UTF8.self))
            guard let sent = form["csrf"], TokenSecret.constantTimeEqual(sent, session.csrf) else {
                logger.warning("dashboard form refused: CSRF token missing or wrong", metadata: ["token": .string(token.name)])
                return try errorPage(templates, session.language, token, .forbidden, "csrf")
            }
        }
        guard role.allows(permission) else {
            return try errorPage(templates, session.language, token, .forbidden, "forbidden",
                                 ["role": role.rawValue, "roles": Role.having(permission).map(\.rawValue).joined(separator: ", ")])
        }
        let visit = Visit(token: token, sessionID: id, session: session, language: session.language, templates: templates, form: form)
        do {
            return try await handler(request, context, visit)
        } catch {
            let mapped = UseCaseError.problem(error)
            guard let problem = mapped as? Problem else {
                // The type only: the text of an unexpected error might quote a form field.
                logger.error("dashboard request failed", metadata: ["route": .string(context.endpointPath ?? "unmatched"),
                                                                    "error": .string("\(type(of: error))")])
                return try errorPage(templates, session.language, token, .internalServerError, "internal")
            }
            return try render(templates, "error", visit, status: problem.status,
                              ["status": Int(problem.status.code), "heading": visit.word("error.\(Self.slug(problem))", [:]), "detail": problem.detail])
        }
    }

    private static func slug(_ problem: Problem) -> String {
        switch problem.status {
        case .notFound: "not-found"
        case .unprocessableContent, .badRequest: "invalid"
        case .conflict: "conflict"
        default: "failed"
        }
    }

    private func signIn(_ request: Request, _ context: ServerRequestContext) async throws -> Response {
        let templates = try templates.get()
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let form = Self.formFields(String(decoding: body.readableBytesView, as: UTF8.self))
        let language = form["lang"].flatMap(DashboardLanguage.init(rawValue:)) ?? DashboardLanguage.from(acceptLanguage: request.headers[.acceptLanguage])
        guard let expected = Self.cookies(request)[Self.signInCookie], let sent = form["csrf"], TokenSecret.constantTimeEqual(sent, expected) else {
            return try errorPage(templates, language, nil, .forbidden, "csrf")
        }
        let secret = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let hash = TokenSecret.sha256(secret)
        let register = environment.register
        let tokens = try await blocking { try register.tokens() }
        var found: TokenRecord?
        for token in tokens where !token.isRevoked {
            if TokenSecret.constantTimeEqual(token.secretSHA256, hash) { found = token }
        }
        guard let found, Role(rawValue: found.role) != nil else {
            logger.notice("dashboard sign-in refused: unknown or revoked token")
            return try signInPage(request, problem: templates.word("signin.refused", language), status: .unauthorized, language: language)
        }
        let id = sessions.open(tokenName: found.name, language: language, at: environment.now())
        logger.info("dashboard sign-in", metadata: ["token": .string(found.name)])
        var response = Self.redirect(Self.prefix + "/incidents")
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.sessionCookie, id, maxAge: Int(DashboardSessions.absoluteLimit))))
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.signInCookie, "", maxAge: 0)))
        return response
    }

    private func signInPage(_ request: Request, problem: String?, status: HTTPResponse.Status, language: DashboardLanguage? = nil) throws -> Response {
        let templates = try templates.get()
        let language = language ?? request.uri.queryParameters.get("lang").flatMap(DashboardLanguage.init(rawValue:))
            ?? DashboardLanguage.from(acceptLanguage: request.headers[.acceptLanguage])
        let csrf = DashboardSessions.random()
        let html = try templates.render("sign-in", [
            "t": templates.words(language), "lang": language.rawValue, "csrf": csrf, "problem": problem as Any,
            "pageTitle": templates.word("title.sign-in", language),
            "languages": DashboardLanguage.allCases.map { ["code": $0.rawValue, "name": templates.word("language.\($0.rawValue)", $0),
                                                          "selected": $0 == language] },
        ])
        var response = Self.html(status, html)
        response.headers.append(HTTPField(name: .setCookie, value: cookie(Self.signInCookie, csrf, maxAge: 1800)))
        return response
    }

    // MARK: Responses

    /// `NAME=VALUE; Path=/ui; HttpOnly; SameSite=Strict` (and `Secure` under TLS).
    func cookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=\(Self.prefix); Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// A page in the frame: the words, the signed-in token, the CSRF token, the language switch.
    func render(_ templates: DashboardTemplates, _ name: String, _ visit: Visit, status: HTTPResponse.Status = .ok,
                _ values: [String: Any]) throws -> Response {
        var context = values
        let words = templates.words(visit.language)
        context["t"] = words
        if context["pageTitle"] == nil { context["pageTitle"] = words["title.\(name)"] ?? name }
        context["lang"] = visit.language.rawValue
        context["csrf"] = visit.session.csrf
        context["who"] = ["name": visit.token.name, "role": visit.token.role.rawValue]
        context["languages"] = DashboardLanguage.allCases.map {
            ["code": $0.rawValue, "name": templates.word("language.\($0.rawValue)", $0), "current": $0 == visit.language]
        }
        return Self.html(status, try templates.render(name, context))
    }

    private func errorPage(_ templates: DashboardTemplates, _ language: DashboardLanguage, _ token: AuthenticatedToken?,
                           _ status: HTTPResponse.Status, _ key: String, _ values: [String: String] = [:]) throws -> Response {
        let html = try templates.render("error", [
            "t": templates.words(language), "lang": language.rawValue, "status": Int(status.code),
            "pageTitle": templates.word("error.\(key)", language, values),
            "heading": templates.word("error.\(key)", language, values), "detail": templates.word("error.\(key).detail", language, values),
            "who": token.map { ["name": $0.name, "role": $0.role.rawValue] } as Any,
        ])
        return Self.html(status, html)
    }

    static func html(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: Parsing

    /// The cookies of the request, by name.
    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }

    /// `application/x-www-form-urlencoded` fields; the first of a repeated name wins.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}

/// The headers of every dashboard response: the Content-Security-Policy, no sniffing, no
/// framing, no referrer, no caching (pages carry personal data and CSRF tokens).
struct DashboardHeaders: RouterMiddleware {
    typealias Context = ServerRequestContext
    // Valid field names: the initialiser fails only on characters a token may not hold.
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Dashboard.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.frameOptions] = "DENY"
        response.headers[Self.referrerPolicy] = "no-referrer"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
