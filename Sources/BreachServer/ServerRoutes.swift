public import HTTPTypes
public import Hummingbird

/// A set of routes; the service registers each group once (``BreachService/routeGroups``).
///
/// ```swift
/// struct CampaignRoutes: RouteGroup {
///     func register(on routes: ServerRoutes, environment: ServerEnvironment) {
///         routes.post("/v1/incidents/{id}/campaign", needs: .campaign) { request, context in
///             let actor = try context.actor()          // "token:NAME", for the history
///             …
///         }
///     }
/// }
/// ```
public protocol RouteGroup: Sendable {
    func register(on routes: ServerRoutes, environment: ServerEnvironment)
}

/// Where route groups add their routes: every route here is behind the token middleware and
/// names the ``Permission`` it needs; a token whose role lacks it gets 403 before the handler runs.
public struct ServerRoutes {
    let group: RouterGroup<ServerRequestContext>
    let table: RouteTable

    /// Adds a route. `path` is a pattern: `/v1/incidents/{id}`; read the parameter with
    /// `context.parameters.require("id")`.
    @discardableResult
    public func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, needs permission: Permission,
        use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output
    ) -> ServerRoutes {
        table.add(method, path)
        group.on(RouterPath(path), method: method) { request, context in
            try context.require(permission)
            return try await handler(request, context)
        }
        return self
    }

    @discardableResult
    public func get<Output: ResponseGenerator>(_ path: String, needs permission: Permission = .read,
                                               use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output) -> ServerRoutes {
        on(.get, path, needs: permission, use: handler)
    }

    @discardableResult
    public func post<Output: ResponseGenerator>(_ path: String, needs permission: Permission,
                                                use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output) -> ServerRoutes {
        on(.post, path, needs: permission, use: handler)
    }

    @discardableResult
    public func put<Output: ResponseGenerator>(_ path: String, needs permission: Permission,
                                               use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output) -> ServerRoutes {
        on(.put, path, needs: permission, use: handler)
    }

    @discardableResult
    public func patch<Output: ResponseGenerator>(_ path: String, needs permission: Permission,
                                                 use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output) -> ServerRoutes {
        on(.patch, path, needs: permission, use: handler)
    }

    @discardableResult
    public func delete<Output: ResponseGenerator>(_ path: String, needs permission: Permission,
                                                  use handler: @escaping @Sendable (Request, ServerRequestContext) async throws -> Output) -> ServerRoutes {
        on(.delete, path, needs: permission, use: handler)
    }
}
