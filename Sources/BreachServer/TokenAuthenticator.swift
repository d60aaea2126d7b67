import BreachRegister
import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer TOKEN` with a token of the register that is not revoked;
/// otherwise 401 with `WWW-Authenticate: Bearer`. The register keeps only SHA-256 of each secret:
/// the presented token's hash is compared with every active one in constant time.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = ServerRequestContext
    static let challenge = "Bearer realm=\"breachmail\""
    /// How often, at most, a token's `last_used_at` is written (a write per request would cost an fsync each).
    static let touchInterval: TimeInterval = 60

    let environment: ServerEnvironment
    let lastTouched = TouchLog()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let presented = try Self.bearer(request.headers[.authorization])
        let hash = TokenSecret.sha256(presented)
        let register = environment.register
        let tokens = try await blocking { try register.tokens() }
        // Look at every active token, whatever matches first: the time taken does not tell which.
        var found: TokenRecord?
        for token in tokens where !token.isRevoked {
            if TokenSecret.constantTimeEqual(token.secretSHA256, hash) { found = token }
        }
        guard let found, let role = Role(rawValue: found.role) else {
            throw Problem(.unauthorized, "invalid-token", field: "Authorization",
                          detail: "the token is unknown or revoked; ask the DPO for a new one (`breachmail token create NAME --role ROLE`).",
                          headers: [.wwwAuthenticate: Self.challenge + ", error=\"invalid_token\""])
        }
        var context = context
        context.token = AuthenticatedToken(name: found.name, role: role)
        context.attribution.tokenName = found.name
        let now = environment.now()
        if lastTouched.shouldTouch(found.name, at: now, interval: Self.touchInterval) {
            let name = found.name
            try await blocking { try register.touchToken(name: name, at: now) }
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer TOKEN` header.
    static func bearer(_ header: String?) throws -> String {
        guard let header, !header.isEmpty else {
            throw Problem(.unauthorized, "unauthenticated", field: "Authorization",
                          detail: "the request carries no token; send Authorization: Bearer TOKEN (the DPO creates one with `breachmail token create NAME --role ROLE`).",
                          headers: [.wwwAuthenticate: challenge])
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Problem(.unauthorized, "unauthenticated", field: "Authorization",
                          detail: "the Authorization header is not of the Bearer scheme; send Authorization: Bearer TOKEN.",
                          headers: [.wwwAuthenticate: challenge + ", error=\"invalid_request\""])
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}

/// When each token's use was last written to the register.
final class TouchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var touched: [String: Date] = [:]

    func shouldTouch(_ name: String, at now: Date, interval: TimeInterval) -> Bool {
        lock.withLock {
            if let last = touched[name], now.timeIntervalSince(last) < interval, now >= last { return false }
            touched[name] = now
            return true
        }
    }
}

/// API token secrets: `bm_` and 32 random bytes in URL-safe base64; only their SHA-256 is stored.
public enum TokenSecret {
    public static let prefix = "bm_"

    /// A new secret, e.g. `bm_3q2-…` (46 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + base64
    }

    /// SHA-256 of the secret, lower-case hex: what the register keeps.
    public static func sha256(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two hashes without stopping at the first difference.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
