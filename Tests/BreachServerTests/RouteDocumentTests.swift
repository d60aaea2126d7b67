import BreachApp
import BreachConfig
import BreachRegister
import BreachServer
import BreachTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing
import Yams

/// The OpenAPI document and the router, in process.
@Suite struct RouteDocumentTests {
    static let document = CommandRunner.packageRoot.appendingPathComponent("Sources/BreachServer/openapi.yaml")

    /// A router built exactly as `serve` builds it, over a fresh register.
    static func routes() throws -> Set<String> {
        let dir = try TemporaryDirectory("routes")
        let register = try Register(at: dir.file("register.sqlite"), create: true)
        let configuration = try Configuration.load(CommandRunner.packageRoot.appendingPathComponent("Config/breachmail.yaml"))
        let environment = ServerEnvironment(directory: dir.url, configuration: configuration, register: register, metrics: ServiceMetrics(),
                                            campaigns: CampaignSupervisor(transport: { try MailSetup.transport($0) }, clock: try WorkspaceClock()))
        let settings = try ServerSettings(configuration.service, directory: dir.url)
        let logger = Logger(label: "test")
        let lease = LeaseService(register: register, duration: 30, renewal: 10, logger: logger)
        let router = BreachService.makeRouter(environment: environment, settings: settings, lease: lease, logger: logger)
        // The dashboard's HTML pages (/ui/…) are not part of the JSON API the document describes.
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path)" }.filter { !$0.contains(" /ui") })
    }

    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: document, encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(root["openapi"] as? String == "3.1.0")
        let paths = try #require(root["paths"] as? [String: Any])
        var routes: Set<String> = []
        for (path, item) in paths {
            let operations = try #require(item as? [String: Any])
            for method in operations.keys where ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) {
                routes.insert("\(method.uppercased()) \(path)")
            }
        }
        return routes
    }

    @Test func theDocumentListsExactlyTheRoutesTheRouterRegisters() throws {
        let registered = try Self.routes()
        let documented = try Self.documented()
        #expect(registered.subtracting(documented).isEmpty, "registered, not documented: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented, not registered: \(documented.subtracting(registered).sorted())")
        #expect(registered.contains("GET /v1/incidents/{id}"))
        #expect(registered.count >= 6)
    }

    @Test func theDocumentDescribesTheSecuritySchemeAndTheProblem() throws {
        let root = try #require(try Yams.load(yaml: String(contentsOf: Self.document, encoding: .utf8)) as? [String: Any])
        let components = try #require(root["components"] as? [String: Any])
        let schemes = try #require(components["securitySchemes"] as? [String: Any])
        let bearer = try #require(schemes["bearer"] as? [String: Any])
        #expect(bearer["scheme"] as? String == "bearer")
        let schemas = try #require(components["schemas"] as? [String: Any])
        let problem = try #require(schemas["Problem"] as? [String: Any])
        #expect(problem["required"] as? [String] == ["type", "title", "status", "detail"])
    }

    @Test func rolesAndPermissions() {
        #expect(Permission.allCases.allSatisfy { Role.dpo.allows($0) })
        #expect(Role.having(.read) == [.dpo, .operator, .auditor])
        #expect(Role.having(.campaign) == [.dpo, .operator])
        #expect(Role.having(.bounces) == [.dpo, .operator])
        #expect(Role.having(.administer) == [.dpo])
    }

    @Test func tokenSecretsAreRandomURLSafeAndHashed() {
        let a = TokenSecret.generate(), b = TokenSecret.generate()
        #expect(a != b)
        #expect(a.count == 46 && a.hasPrefix("bm_"))
        #expect(a.dropFirst(3).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        // sha256sum of the same text.
        #expect(TokenSecret.sha256("bm_x") == "493da6b0f3e600a0671063d0bb6572af20c9e528d42dad0911fb004de80cdbdf")
    }
}

/// The lease in the register, with the times given (an injected clock: no test sleeps).
@Suite struct LeaseTests {
    let dir: TemporaryDirectory
    let register: Register
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        dir = try TemporaryDirectory("lease")
        register = try Register(at: dir.file("register.sqlite"), create: true)
    }

    @Test func aValidLeaseIsHeldAnExpiredOneTakenOver() throws {
        #expect(try register.acquireServiceLease(holder: "a", host: "h1", pid: 10, at: t0, duration: 30) == .acquired(replacing: nil))
        let held = try register.acquireServiceLease(holder: "b", host: "h2", pid: 20, at: t0 + 29, duration: 30)
        guard case .held(let lease) = held else { Issue.record("expected held, got \(held)"); return }
        #expect(lease.host == "h1" && lease.pid == 10 && lease.acquiredAt == t0 && lease.expiresAt == t0 + 30)
        // Renewed by its holder, it holds on.
        #expect(try register.renewServiceLease(holder: "a", at: t0 + 20, duration: 30))
        #expect(try register.acquireServiceLease(holder: "b", host: "h2", pid: 20, at: t0 + 45, duration: 30) == .held(by: try #require(try register.serviceLease())))
        // Not renewed past its expiry: taken over, and the old holder learns it has lost it.
        let previous = try #require(try register.serviceLease())
        #expect(try register.acquireServiceLease(holder: "b", host: "h2", pid: 20, at: t0 + 51, duration: 30) == .acquired(replacing: previous))
        #expect(try register.renewServiceLease(holder: "a", at: t0 + 52, duration: 30) == false)
        // The old holder's release leaves the new lease alone.
        try register.releaseServiceLease(holder: "a")
        #expect(try register.serviceLease()?.holder == "b")
        try register.releaseServiceLease(holder: "b")
        #expect(try register.serviceLease() == nil)
    }

    @Test func theServiceRenewsWithItsInjectedClockAndReleasesOnShutdown() async throws {
        let clock = ManualTime(t0)
        let lease = LeaseService(register: register, duration: 3, renewal: 1, logger: Logger(label: "test"), holder: "svc",
                                 now: { clock.now }, sleep: { _ in clock.advance(1); try await Task.sleep(for: .milliseconds(5)) })
        try lease.acquire()
        let task = Task { try await lease.run() }
        // Ten renewals of fake time pass quickly; the lease follows the injected clock.
        while clock.now < t0 + 10 { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(50))
        let expires = try #require(try register.serviceLease()).expiresAt
        #expect(expires > t0 + 10)
        task.cancel()
        try await task.value
        #expect(try register.serviceLease() == nil)
    }
}

/// A clock the test moves.
final class ManualTime: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Date
    init(_ start: Date) { time = start }
    var now: Date { lock.withLock { time } }
    func advance(_ seconds: TimeInterval) { lock.withLock { time += seconds } }
}
