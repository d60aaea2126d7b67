/// The SMTP envelope of one message: the return path (`MAIL FROM`) and exactly one recipient
/// (`RCPT TO`).
///
/// One recipient per transaction is a rule of the house (DESIGN §4): it is the only way to know
/// which recipient a reply is about, and the return path carries that recipient's VERP token.
///
/// Neither address appears in `description`: logs and errors must not carry personal data.
///
/// ```swift
/// let envelope = try Envelope(returnPath: "b-7f3a@bounce.example.org", recipient: "ana@example.com")
/// ```
public struct Envelope: Sendable, Hashable, CustomStringConvertible {
    /// The envelope sender; empty for the null return path `<>`.
    public let returnPath: String
    /// The single envelope recipient.
    public let recipient: String

    /// Checks both addresses for what would break or smuggle SMTP commands.
    ///
    /// - Throws: ``EnvelopeError`` when an address is empty (recipient only), longer than
    ///   RFC 5321 allows, or holds a control character, a space or an angle bracket.
    public init(returnPath: String, recipient: String) throws(EnvelopeError) {
        if !returnPath.isEmpty { try Self.check(returnPath, role: .returnPath) }
        if recipient.isEmpty { throw EnvelopeError(role: .recipient, problem: .empty) }
        try Self.check(recipient, role: .recipient)
        self.returnPath = returnPath
        self.recipient = recipient
    }

    public var description: String { "Envelope(1 recipient)" }

    /// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
    static let maximumPathOctets = 254

    private static func check(_ address: String, role: EnvelopeError.Role) throws(EnvelopeError) {
        if address.utf8.count > maximumPathOctets { throw EnvelopeError(role: role, problem: .tooLong) }
        for byte in address.utf8 where byte < 0x21 || byte == 0x7F || byte == UInt8(ascii: "<")
            || byte == UInt8(ascii: ">")
        {
            throw EnvelopeError(role: role, problem: .forbiddenCharacter)
        }
        if !address.utf8.contains(UInt8(ascii: "@")) { throw EnvelopeError(role: role, problem: .missingDomain) }
    }
}

/// Why an address cannot go into an SMTP envelope. Names the role, never the address.
public struct EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which envelope address is wrong.
    public enum Role: String, Sendable { case returnPath = "return path", recipient }
    /// What is wrong with it.
    public enum Problem: Sendable, Equatable {
        case empty, tooLong, forbiddenCharacter, missingDomain
    }

    public let role: Role
    public let problem: Problem

    /// An error from its parts.
    public init(role: Role, problem: Problem) {
        self.role = role
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .empty: "The envelope \(role.rawValue) is empty: give the address to send to."
        case .tooLong:
            "The envelope \(role.rawValue) is longer than the \(Envelope.maximumPathOctets) octets RFC 5321 allows: shorten it."
        case .forbiddenCharacter:
            "The envelope \(role.rawValue) holds a space, a control character or an angle bracket: remove it."
        case .missingDomain: "The envelope \(role.rawValue) has no '@domain': give a full address."
        }
    }
}
