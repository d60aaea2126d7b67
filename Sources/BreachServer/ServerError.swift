/// Why `breachmail serve` cannot start or had to stop. Messages name the key or option and the fix.
public struct ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// `service:` or `--listen` cannot be served as given.
        case configuration
        /// Another `serve` holds the register's lease (exit 75: try again later).
        case leaseHeld
        /// This service's lease expired and another one took it over.
        case leaseLost
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
