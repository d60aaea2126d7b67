/// A refusal of a use case: what kind of refusal it is (``Code``, which the command line maps to
/// an exit status and the service to an HTTP status), the facts it is about, and a message that
/// names the thing and the fix.
public struct AppError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of refusal, independent of who shows it.
    public enum Code: String, Sendable, Codable {
        /// The request or the data given are wrong (a field, a file, a value): fix them.
        case invalidInput = "invalid_input"
        /// The incident, authority, controller or person named does not exist.
        case notFound = "not_found"
        /// The request clashes with the register's state (a campaign already running, nothing to do).
        case conflict
        /// The configuration (`breachmail.yaml`, a secret, a key) must be fixed first.
        case configuration
        /// A service breachmail depends on (the relay, the IMAP server, the disk) is unavailable: try again.
        case unavailable
        /// The work was stopped before its end (interrupted, the relay gave up); what was done is recorded.
        case interrupted
    }

    public let code: Code
    public let description: String
    /// Facts for a machine (the field, the incident, the file), never personal data.
    public let facts: [String: String]

    public init(_ code: Code, _ message: String, facts: [String: String] = [:]) {
        self.code = code
        self.description = message
        self.facts = facts
    }
}
