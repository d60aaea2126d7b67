public import Foundation
public import Hummingbird

/// The context of every request: Hummingbird's core storage plus the token that authenticated
/// it. Route handlers read ``token`` (or ``actor`` for history entries); middleware fills it.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware on every route but the open ones (`/health`, `/ready`).
    public var token: AuthenticatedToken?
    /// `service.max_body_bytes`, set by the body-limit middleware; Hummingbird's body decoding stops there.
    public var maxUploadSize: Int = 1024 * 1024

    /// Shared with the access log, which wraps the middleware that authenticates (contexts are values).
    let attribution = Attribution()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// JSON out: snake_case keys, sorted, dates in ISO 8601.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// JSON in: snake_case keys, dates in ISO 8601.
    public var requestDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The authenticated token.
    ///
    /// - Throws: a 401 ``Problem`` on a route registered without authentication (a programming error).
    public func requireToken() throws -> AuthenticatedToken {
        guard let token else {
            throw Problem(.unauthorized, "unauthenticated", field: "Authorization",
                          detail: "this route needs a token; send Authorization: Bearer TOKEN.",
                          headers: [.wwwAuthenticate: TokenAuthenticator.challenge])
        }
        return token
    }

    /// The actor to write into history entries for a change made by this request: `token:NAME`.
    ///
    /// - Throws: a 401 ``Problem`` when the request carries no authenticated token.
    public func actor() throws -> String { try requireToken().actor }

    /// Refuses the request with 403 unless its token's role allows `permission`.
    ///
    /// - Throws: a 403 ``Problem`` naming the token's role and the roles that may.
    public func require(_ permission: Permission) throws {
        let token = try requireToken()
        guard token.role.allows(permission) else {
            let roles = Role.having(permission).map(\.rawValue).joined(separator: " or ")
            throw Problem(.forbidden, "forbidden", field: "Authorization",
                          detail: "the token \(token.name) has the role \(token.role.rawValue); this route needs \(roles). "
                              + "Ask the DPO for a token with that role (`breachmail token create NAME --role ROLE`).")
        }
    }
}

/// The token name of a request, set by the authenticator, read by the access log around it.
final class Attribution: @unchecked Sendable {
    private let lock = NSLock()
    private var name: String?

    var tokenName: String? {
        get { lock.withLock { name } }
        set { lock.withLock { name = newValue } }
    }
}
