import BreachConfig
import BreachRegister
public import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
public import ServiceLifecycle
import UnixSignals

/// `breachmail serve`: the HTTP API and the register's lease in one `ServiceGroup`, stopped
/// gracefully by SIGTERM or SIGINT (requests in flight finish, the lease is released).
public enum BreachService {
    /// The route groups the service serves; the use-case groups join this list.
    public static let routeGroups: [any RouteGroup] = [
        IncidentRoutes(), TokenRoutes(), IncidentUseCaseRoutes(), AuthorityRoutes(), SubjectRoutes(), BounceAndRegisterRoutes(),
    ]

    /// The router with every route: the open operations routes, then the token middleware and
    /// every group's routes. Built before serving, and by the test that checks the OpenAPI document.
    public static func makeRouter(environment: ServerEnvironment, settings: ServerSettings, lease: LeaseService,
                                  groups: [any RouteGroup] = routeGroups, logger: Logger) -> Router<ServerRequestContext> {
        let table = RouteTable()
        let router = Router(context: ServerRequestContext.self)
        // Outermost first: the access log sees the final status, problems are made inside it.
        router.add(middleware: AccessLogMiddleware(logger: logger, metrics: environment.metrics))
        router.add(middleware: ProblemMiddleware(logger: logger, routes: table, maxBodyBytes: settings.maxBodyBytes))
        router.add(middleware: BodyLimitMiddleware(maxBodyBytes: settings.maxBodyBytes))
        let operations = OperationsRoutes(environment: environment, lease: lease, logger: logger)
        operations.registerOpen(on: router, table: table)
        let authenticated = router.group().add(middleware: TokenAuthenticator(environment: environment))
        let routes = ServerRoutes(group: authenticated, table: table)
        operations.register(on: routes)
        for group in groups { group.register(on: routes, environment: environment) }
        // The dashboard's pages, behind a session cookie instead of the token header.
        Dashboard(environment: environment, secure: settings.tls != nil, logger: logger).register(on: router, table: table)
        return router
    }

    /// Takes the lease (or, on a register shared by several services, stands by for it), then
    /// serves until SIGTERM or SIGINT.
    ///
    /// - Parameters:
    ///   - onListening: called once the socket is bound, with its URL (`http://127.0.0.1:PORT`).
    ///   - services: long-running work beside the HTTP server (the scheduler): started after the
    ///     lease is taken, stopped after the server has finished its requests, before the lease is released.
    ///   - leadership: set while this service holds the lease: the scheduler runs its duties then
    ///     (always, on a register of one service; on a shared one, on the elected service only).
    ///   - leaseClock: the lease's clock: always the real one in production, even when the
    ///     register's entries take the injected clock (a fixed time would never let a lease expire).
    /// - Throws: ``ServerError`` (`.leaseHeld` when another service runs on this register;
    ///   `.configuration` for an unreadable certificate), or what made the service stop.
    public static func run(environment: ServerEnvironment, settings: ServerSettings, groups: [any RouteGroup] = routeGroups,
                           services: [any Service] = [], leadership: SchedulerLeadership = SchedulerLeadership(),
                           logger: Logger, leaseClock: @escaping @Sendable () -> Date = { Date() },
                           onListening: @escaping @Sendable (String) -> Void) async throws {
        let lease = LeaseService(register: environment.register, duration: settings.leaseDuration, renewal: settings.leaseRenewal,
                                 logger: logger, leadership: leadership, now: leaseClock)
        let server = try serverBuilder(settings)
        _ = try await blocking { try lease.acquire() }
        let router = makeRouter(environment: environment, settings: settings, lease: lease, groups: groups, logger: logger)
        let scheme = settings.tls == nil ? "http" : "https"
        let host = settings.listen.host
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: settings.listen.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.listen.port
                onListening("\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            // Stopped in reverse order: the server first, then the other services, the lease last.
            // The campaigns stop after the server: the messages in flight finish and are recorded.
            services: [.init(service: lease), .init(service: CampaignsService(campaigns: environment.campaigns))]
                + services.map { .init(service: $0) } + [.init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            // The server could not bind, or the lease was lost: give the lease up if it is still ours.
            do {
                try await blocking { try environment.register.releaseServiceLease(holder: lease.holder) }
            } catch let releaseError {
                logger.error("lease not released; the next serve takes it over when it expires", metadata: ["error": .string("\(releaseError)")])
            }
            throw error
        }
    }

    static func serverBuilder(_ settings: ServerSettings) throws(ServerError) -> HTTPServerBuilder {
        guard let tls = settings.tls else { return .http1() }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch {
            throw ServerError(.configuration, "service.tls_certificate \(tls.certificate) and service.tls_key \(tls.key) cannot be used "
                + "(\(error)); give the server's certificate chain and its unencrypted private key, both PEM.")
        }
    }
}
