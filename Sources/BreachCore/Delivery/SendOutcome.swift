/// The step of an SMTP session a reply or a failure belongs to.
public enum SMTPStep: String, Sendable, Hashable {
    case connect, greeting, ehlo, startTLS = "starttls", authentication = "auth"
    case mailFrom = "mail-from", recipient = "rcpt-to", data, message = "end-of-data", quit

    /// Whether a failure at this step is about the message or its recipient, rather than about
    /// our own sending set-up (connection, TLS, login, return path).
    public var concernsRecipient: Bool {
        switch self {
        case .recipient, .data, .message: true
        case .connect, .greeting, .ehlo, .startTLS, .authentication, .mailFrom, .quit: false
        }
    }
}

/// What went wrong in one attempt: the step, the server's full reply when there was one, and a
/// reason in words. Holds no address and no secret.
public struct SendFailure: Sendable, Hashable, CustomStringConvertible {
    /// The step that failed, when known.
    public let step: SMTPStep?
    /// The server's reply to that step, when the server answered.
    public let reply: SMTPReply?
    /// What happened, for people: the server's reply, or the library's words.
    public let reason: String

    /// A failure from its parts.
    public init(step: SMTPStep?, reply: SMTPReply?, reason: String) {
        self.step = step
        self.reply = reply
        self.reason = reason
    }

    public var description: String {
        let at = step.map { " at \($0.rawValue)" } ?? ""
        return reply.map { "\($0)\(at) (\(reason))" } ?? "\(reason)\(at)"
    }
}

/// How one attempt to hand one message to the relay ended.
///
/// The caller may believe a message was submitted only on ``accepted(_:)``: a connection lost
/// after the message was sent but before the reply is ``transient(_:)`` (a retry may duplicate
/// it, which is better than a notice never sent).
public enum SendOutcome: Sendable, Hashable {
    /// The relay took responsibility for the message (2xx after the end of data).
    case accepted(SMTPReply)
    /// Try again later: a 4xx reply, a timeout, a refused or lost connection.
    case transient(SendFailure)
    /// Do not try again: a 5xx reply to the recipient or the message.
    case permanent(SendFailure)
    /// Our own set-up is wrong (TLS verification, login, configuration, return path refused):
    /// no recipient is at fault, and retrying will not help until an operator acts.
    case localError(SendFailure)

    /// Whether the message was accepted.
    public var isAccepted: Bool {
        if case .accepted = self { true } else { false }
    }

    /// The failure, for every outcome but acceptance.
    public var failure: SendFailure? {
        switch self {
        case .accepted: nil
        case .transient(let f), .permanent(let f), .localError(let f): f
        }
    }

    /// The server's reply, whichever the outcome.
    public var reply: SMTPReply? {
        if case .accepted(let reply) = self { reply } else { failure?.reply }
    }
}
