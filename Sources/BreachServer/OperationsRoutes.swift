import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `/health` and `/ready` (no token: they say nothing about the register's content), `/metrics`
/// (any role).
struct OperationsRoutes {
    let environment: ServerEnvironment
    let lease: LeaseService
    let logger: Logger

    /// The open routes, added to the router before the token middleware.
    func registerOpen(on router: Router<ServerRequestContext>, table: RouteTable) {
        table.add(.get, "/health")
        router.get("/health") { _, _ in Status(status: "alive", register: nil, lease: nil) }
        table.add(.get, "/ready")
        router.get("/ready") { [lease, logger] _, _ -> Status in
            let held: Bool
            do {
                held = try await blocking { try lease.isHeld() }
            } catch {
                logger.error("not ready: the register cannot be read", metadata: ["error": .string("\(error)")])
                throw Problem(.serviceUnavailable, "not-ready", detail: "the register cannot be read; the service's log has the cause.")
            }
            // A service sharing the register with others (PostgreSQL) serves while another runs the scheduler.
            if !held && lease.elected { return Status(status: "ready", register: "open", lease: "standby") }
            guard held else {
                throw Problem(.serviceUnavailable, "not-ready",
                              detail: "this service does not hold the register's lease (expired or taken over); it is stopping.")
            }
            return Status(status: "ready", register: "open", lease: "held")
        }
    }

    func register(on routes: ServerRoutes) {
        routes.get("/metrics", needs: .read) { [metrics = environment.metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    struct Status: ResponseEncodable {
        let status: String
        let register: String?
        let lease: String?
    }
}
