/// Hands one finished message (one recipient) to whatever delivers it: the outbox Maildir, or an
/// SMTP relay.
///
/// The campaign knows only this protocol, so a transport plugs in without the campaign changing.
/// An implementation must not throw: every way an attempt can end is a ``SendOutcome``, and
/// ``SendOutcome/accepted(_:)`` only once the message is durably someone else's responsibility
/// (a 250 after DATA; a file fsync'd and renamed into a Maildir). Blocking work (libcurl) runs on
/// threads of the transport's own, never on Swift's cooperative pool.
///
/// ```swift
/// let outcome = await transport.send(OutgoingMessage(id: "subject-42", envelope: envelope, bytes: bytes))
/// ```
public protocol MailTransport: Sendable {
    /// Attempts one delivery of `message` and says how it ended.
    func send(_ message: OutgoingMessage) async -> SendOutcome
}
