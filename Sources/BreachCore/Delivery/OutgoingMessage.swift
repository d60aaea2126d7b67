/// One finished message for one recipient, as the transport sends it.
public struct OutgoingMessage: Sendable, Hashable {
    /// An identifier for logs and the register (e.g. the delivery id); never an address.
    public let id: String
    /// Return path and the one recipient.
    public let envelope: Envelope
    /// The complete RFC 5322 message with CRLF line ends, not dot-stuffed (libcurl does that).
    public let bytes: [UInt8]

    /// A message from its parts.
    public init(id: String, envelope: Envelope, bytes: [UInt8]) {
        self.id = id
        self.envelope = envelope
        self.bytes = bytes
    }
}
