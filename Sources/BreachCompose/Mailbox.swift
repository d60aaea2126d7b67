/// A display name with an address, as in `From: "Acme, DPO" <dpo@acme.example>`.
public struct Mailbox: Sendable, Hashable {
    /// The name shown by mail clients; `nil` or empty for a bare address.
    public let displayName: String?
    /// The checked address.
    public let address: MailAddress

    /// - Throws: ``HeaderValueError`` when the display name holds CR, LF, NUL or another control
    ///   character: such a name could smuggle a header (`Bcc:`) into the message.
    public init(displayName: String? = nil, address: MailAddress) throws(HeaderValueError) {
        if let displayName { try HeaderValueError.check(displayName, field: "display name") }
        let trimmed = displayName?.trimmingASCIISpaces()
        self.displayName = trimmed?.isEmpty == false ? trimmed : nil
        self.address = address
    }

    /// Parses the address and checks the display name.
    ///
    /// - Throws: ``AddressError`` or ``HeaderValueError``.
    public init(displayName: String? = nil, address: String) throws {
        try self.init(displayName: displayName, address: MailAddress(address))
    }

    var tokens: [MIMEText.Token] {
        var tokens = displayName.map(MIMEText.phraseTokens) ?? []
        tokens.append(.plain("<\(address)>"))
        return tokens
    }
}

/// A value that must not reach a header as it is: CR, LF or NUL would end the header line and
/// let the rest be read as new headers (header injection).
public struct HeaderValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which value: `display name`, `Subject`, a header name…
    public let field: String
    /// The offending character's code point.
    public let character: UInt32

    public init(field: String, character: UInt32) {
        self.field = field
        self.character = character
    }

    public var description: String {
        let name: String
        switch character {
        case 13: name = "a carriage return (CR)"
        case 10: name = "a line feed (LF)"
        case 0: name = "a NUL character"
        default: name = "the control character U+\(String(character, radix: 16, uppercase: true).leftPadded(4))"
        }
        return "refused: the \(field) contains \(name), which would let text after it pose as a "
            + "header of its own (header injection). Remove line breaks and control characters from it."
    }

    /// Throws if `value` holds a C0 control character other than TAB, or DEL.
    static func check(_ value: String, field: String) throws(HeaderValueError) {
        for b in value.utf8 where (b < 32 && b != 9) || b == 127 {
            throw HeaderValueError(field: field, character: UInt32(b))
        }
    }
}
