/// What a token may do. `dpo` everything, `operator` campaigns and bounces (and reading),
/// `auditor` reading only.
public enum Role: String, Sendable, CaseIterable, Codable {
    case dpo
    case `operator`
    case auditor

    /// Whether a token of this role may do what `permission` covers.
    public func allows(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.dpo, _): true
        case (.operator, .read), (.operator, .campaign), (.operator, .bounces): true
        case (.auditor, .read): true
        default: false
        }
    }

    /// The roles that have `permission`, for error messages and the documentation.
    public static func having(_ permission: Permission) -> [Role] { allCases.filter { $0.allows(permission) } }
}

/// What a route needs; each route names exactly one (``ServerRoutes/on(_:_:needs:use:)``).
public enum Permission: String, Sendable, CaseIterable {
    /// Reading anything: incidents, status, metrics.
    case read
    /// Starting, pausing and resuming campaigns; importing subjects.
    case campaign
    /// Posting and reviewing bounces.
    case bounces
    /// Everything else that changes the register (incidents, authority, tokens): the DPO's.
    case administer
}

/// The token a request was authenticated with.
public struct AuthenticatedToken: Sendable, Equatable {
    public let name: String
    public let role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// The actor of history entries this token causes: `token:NAME`.
    public var actor: String { "token:\(name)" }
}
