import Foundation

/// The dashboard's sessions, kept by the server (the cookie carries only a random id): who signed
/// in with which token, the CSRF token of their forms, their language, and when it ends.
///
/// A session ends after ``idleLimit`` without a request, ``absoluteLimit`` after sign-in, at
/// sign-out, when its token is revoked, or when the service restarts. The store keeps the SHA-256
/// of each id, never the id itself.
final class DashboardSessions: @unchecked Sendable {
    struct Session: Sendable {
        let tokenName: String
        /// A random value every form of this session carries; a POST without it is refused.
        let csrf: String
        var language: DashboardLanguage
        let signedInAt: Date
        var lastSeen: Date
    }

    static let idleLimit: TimeInterval = 30 * 60
    static let absoluteLimit: TimeInterval = 8 * 3600

    private let lock = NSLock()
    private var sessions: [String: Session] = [:]

    /// A new session for the token `name`: its id, for the cookie.
    func open(tokenName name: String, language: DashboardLanguage, at now: Date) -> String {
        let id = Self.random()
        lock.withLock {
            sessions = sessions.filter { !Self.expired($0.value, at: now) }
            sessions[TokenSecret.sha256(id)] = Session(tokenName: name, csrf: Self.random(), language: language, signedInAt: now, lastSeen: now)
        }
        return id
    }

    /// The session of `id` when it has not expired; its idle time starts again.
    func use(_ id: String, at now: Date) -> Session? {
        let key = TokenSecret.sha256(id)
        return lock.withLock {
            guard var session = sessions[key] else { return nil }
            guard !Self.expired(session, at: now) else {
                sessions[key] = nil
                return nil
            }
            session.lastSeen = now
            sessions[key] = session
            return session
        }
    }

    func setLanguage(_ id: String, _ language: DashboardLanguage) {
        lock.withLock { sessions[TokenSecret.sha256(id)]?.language = language }
    }

    func close(_ id: String) {
        _ = lock.withLock { sessions.removeValue(forKey: TokenSecret.sha256(id)) }
    }

    static func expired(_ session: Session, at now: Date) -> Bool {
        now.timeIntervalSince(session.lastSeen) > idleLimit || now.timeIntervalSince(session.signedInAt) > absoluteLimit
            || now < session.signedInAt
    }

    /// 32 random bytes, URL-safe base64.
    static func random() -> String {
        String(TokenSecret.generate().dropFirst(TokenSecret.prefix.count))
    }
}
