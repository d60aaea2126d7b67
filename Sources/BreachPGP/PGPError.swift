/// Every failure of the OpenPGP layer: what went wrong in words a person can act on, the
/// operation that failed and, when GPGME reported it, GPGME's own code and message.
///
/// The description names files, settings and fingerprints (all public) and never a passphrase,
/// a message body or an address.
public struct PGPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The condition, for callers that record or branch on refusals.
    public enum Kind: String, Sendable {
        case keyringUnusable
        case keyFileMissing
        case keyFileUnreadable
        case keyFileHoldsNoKey
        case keyFileHoldsSeveralKeys
        case keyFileHoldsSecretKey
        case keyFileHoldsNoSecretKey
        case fingerprintMalformed
        case fingerprintMismatch
        case keyNotInKeyring
        case keyRevoked
        case keyExpired
        case keyDisabled
        case keyInvalid
        case noEncryptionSubkey
        case noSigningKey
        case invalidRecipient
        case invalidSigner
        case passphraseUnavailable
        case badPassphrase
        case agentUnreachable
        case headerInjection
        case malformedEntity
        case library
    }

    /// The condition.
    public let kind: Kind
    /// The step that failed, e.g. `import authority key` or `gpgme_op_encrypt`.
    public let operation: String
    /// GPGME's error code (`gpgme_err_code`), when GPGME reported the failure.
    public let code: UInt32?
    /// GPGME's own message for ``code``.
    public let libraryMessage: String?
    /// What happened and how to fix it.
    public let message: String

    init(_ kind: Kind, operation: String, code: UInt32? = nil, libraryMessage: String? = nil, _ message: String) {
        self.kind = kind
        self.operation = operation
        self.code = code
        self.libraryMessage = libraryMessage
        self.message = message
    }

    public var description: String {
        guard let code else { return message }
        return "\(message) (gpgme, \(operation): \(libraryMessage ?? "unknown error"), code \(code))"
    }
}
