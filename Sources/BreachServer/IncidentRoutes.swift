import BreachCore
import BreachRegister
import Foundation
import Hummingbird

/// `GET /v1/incidents` and `GET /v1/incidents/{id}`: the register's incidents, current versions.
struct IncidentRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        let register = environment.register
        routes.get("/v1/incidents", needs: .read) { _, _ in
            IncidentList(incidents: try await blocking { try register.incidents() }.map(IncidentSummary.init))
        }
        routes.get("/v1/incidents/{id}", needs: .read) { _, context in
            let id = try context.parameters.require("id")
            do {
                return IncidentSummary(try await blocking { try register.incident(id) })
            } catch let error as RegisterError where error.code == .incidentNotFound {
                throw Problem.notFound("no incident \(id) in the register; GET /v1/incidents lists the ids.")
            }
        }
    }

    struct IncidentList: ResponseEncodable {
        let incidents: [IncidentSummary]
    }

    /// What the register gives without reading the people: JSON keys in snake_case.
    struct IncidentSummary: ResponseEncodable {
        let id: String
        let version: Int
        let title: String
        /// When the controller became aware, with its offset (RFC 3339).
        let awareness: String
        /// Awareness + 72 h, UTC (Art. 33(1)).
        let authorityDueAt: Date
        let openedAt: String
        let updatedAt: String

        init(_ record: IncidentRecord) {
            id = record.id
            version = record.version
            title = record.incident.title
            awareness = record.incident.awareness.description
            authorityDueAt = record.incident.deadline.due
            openedAt = record.openedAt
            updatedAt = record.updatedAt
        }
    }
}

/// `GET /v1/tokens`: who can reach this register (names, roles, use; never a secret nor its hash). DPO only.
struct TokenRoutes: RouteGroup {
    func register(on routes: ServerRoutes, environment: ServerEnvironment) {
        let register = environment.register
        routes.get("/v1/tokens", needs: .administer) { _, _ in
            TokenList(tokens: try await blocking { try register.tokens() }.map(TokenSummary.init))
        }
    }

    struct TokenList: ResponseEncodable {
        let tokens: [TokenSummary]
    }

    struct TokenSummary: ResponseEncodable {
        let name: String
        let role: String
        let createdAt: String
        let createdBy: String
        let lastUsedAt: String?
        let revokedAt: String?

        init(_ token: TokenRecord) {
            name = token.name
            role = token.role
            createdAt = token.createdAt
            createdBy = token.createdBy
            lastUsedAt = token.lastUsedAt
            revokedAt = token.revokedAt
        }
    }
}
