/// Why a message was not delivered, named as Sisimai names its reasons (plus `greylisted` and
/// `delayed`, which Sisimai folds into others), so that figures can be compared with it.
public enum BounceReason: String, Sendable, Codable, CaseIterable {
    // Address-level: hard when the refusal is permanent.
    /// The mailbox does not exist (5.1.1, 5.1.10 RecipientNotFound, "no such user").
    case userUnknown = "userunknown"
    /// The domain does not exist or has no mail host (5.1.2, NXDOMAIN, 5.4.4).
    case hostUnknown = "hostunknown"
    /// The person has moved and left no forwarding (5.1.6).
    case hasMoved = "hasmoved"
    /// The domain accepts no mail at all (null MX, 5.1.10 / 5.3.2).
    case notAccept = "notaccept"

    // The person's side, but temporary.
    /// The mailbox is full or over quota (4.2.2 / 5.2.2): treated as temporary.
    case mailboxFull = "mailboxfull"
    /// The mailbox is disabled or suspended (5.2.1).
    case suspend
    /// The remote MTA gave up after its own retry period.
    case expired
    /// Greylisting: try again later (4.7.x).
    case greylisted
    /// A delay notice: the remote MTA is still trying.
    case delayed
    /// The remote system is out of disk or resources (4.3.1).
    case systemFull = "systemfull"
    /// A fault of the remote system (loops, local delivery errors).
    case systemError = "systemerror"
    /// The remote host could not be reached (timeouts, refused connections).
    case networkError = "networkerror"
    /// A local mailer program failed on the remote side.
    case mailerError = "mailererror"
    /// Held in a queue on the remote side.
    case onHold = "onhold"
    /// A failure whose cause could not be recognised.
    case undefined

    // Sender-side: our sending set-up, never the person's fault.
    /// Refused because of our IP or domain (blocked, RBL, reputation).
    case blocked
    /// Refused because of our sending reputation.
    case badReputation = "badreputation"
    /// Refused because our sending host has no reverse DNS.
    case requirePTR = "requireptr"
    /// Refused as spam.
    case spamDetected = "spamdetected"
    /// Refused as carrying a virus.
    case virusDetected = "virusdetected"
    /// Refused by a content filter (header or body rule).
    case filtered
    /// Refused by a local policy (5.7.1 and the like).
    case policyViolation = "policyviolation"
    /// SPF, DKIM or DMARC failed (5.7.20–5.7.26).
    case authFailure = "authfailure"
    /// Too many messages or connections: rate limited.
    case rateLimited = "ratelimited"
    /// The relay refused to relay for us.
    case noRelaying = "norelaying"
    /// A security requirement was not met (authentication, encryption).
    case securityError = "securityerror"
    /// STARTTLS required or failed.
    case failedSTARTTLS = "failedstarttls"
    /// Our envelope sender was refused.
    case rejected
    /// The message is too large.
    case emailTooLarge = "emailtoolarge"
    /// The content was refused as malformed.
    case contentError = "contenterror"
    /// The message does not comply with the RFCs.
    case notCompliantRFC = "notcompliantrfc"
    /// An SMTP protocol error on our side.
    case syntaxError = "syntaxerror"
    /// Our relay suppressed the address (its own suppression list).
    case suppressed

    // Not failures.
    /// Delivered (a success DSN).
    case delivered
    /// An auto-reply: the message reached the person.
    case vacation

    /// The class a failure for this reason belongs to, given whether the refusal was permanent.
    ///
    /// Only address-level reasons with a permanent refusal are hard, as Sisimai's
    /// `Failure.pm` decides; everything the person cannot be blamed for is sender-side.
    public func bounceClass(permanent: Bool) -> BounceClass? {
        switch self {
        case .userUnknown, .hostUnknown, .hasMoved, .notAccept:
            return permanent ? .hard : .transient
        case .mailboxFull, .suspend, .expired, .greylisted, .delayed, .systemFull, .systemError,
             .networkError, .mailerError, .onHold, .undefined:
            return .transient
        case .blocked, .badReputation, .requirePTR, .spamDetected, .virusDetected, .filtered,
             .policyViolation, .authFailure, .rateLimited, .noRelaying, .securityError,
             .failedSTARTTLS, .rejected, .emailTooLarge, .contentError, .notCompliantRFC,
             .syntaxError, .suppressed:
            return .senderSide
        case .delivered, .vacation:
            return nil
        }
    }
}

/// What a failed delivery means for breachmail (DESIGN §4).
public enum BounceClass: String, Sendable, Codable, CaseIterable {
    /// Address-level and permanent: the person cannot be reached at this address.
    case hard
    /// Temporary: resend after back-off until the retry window ends.
    case transient
    /// Our sending set-up is at fault: alert the operator, never count it against the person.
    case senderSide = "sender-side"
}
