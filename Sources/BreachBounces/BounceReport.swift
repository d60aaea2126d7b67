/// What breachmail read in one message that arrived at the bounce address.
///
/// Made to be stored as is by `bounces ingest`: it keeps the raw diagnostic and the reason, so
/// that a bounce can be re-classified later, and every key that can tie it to a notice (the
/// VERP token, the original Message-ID, the envelope id, the returned `To`).
public struct BounceReport: Sendable, Codable, Equatable {
    /// What kind of message it is.
    public enum Kind: String, Sendable, Codable {
        /// At least one recipient failed.
        case failure
        /// Delay notices only: the remote MTA is still trying.
        case delay
        /// A vacation or out-of-office reply: the notice reached the person.
        case autoReply
        /// Neither a bounce nor an auto-reply (a person's answer, spam, a success DSN).
        case notABounce
        /// It looks like a bounce but could not be read: see `problems`.
        case unparsable
    }

    /// What kind of message it is.
    public var kind: Kind
    /// The format recognised: `rfc3464`, `exim`, `qmail`, `postfix`, `sendmail`, `exchange`,
    /// `gmail`, `yahoo`, `generic`, `auto-reply`, or `none`.
    public var format: String
    /// One entry per recipient the bounce reports on.
    public var recipients: [BounceRecipient]
    /// The VERP token found in the bounce's addresses, and what it is worth.
    public var token: BounceToken
    /// The Message-ID of the bounce itself (to count a bounce ingested twice once).
    public var messageID: String?
    /// The Message-ID of our notice, from the returned headers (the fallback key).
    public var originalMessageID: String?
    /// The `To` of our notice, from the returned headers.
    public var returnedTo: String?
    /// The DSN's `Original-Envelope-Id` (ENVID), when we set one.
    public var envelopeID: String?
    /// The DSN's `Reporting-MTA`.
    public var reportingMTA: String?
    /// The `From` of an auto-reply (the person who answered), nil otherwise.
    public var autoReplyFrom: String?
    /// Why the message is unparsable, or what was odd in it (truncation, missing parts).
    public var problems: [String]

    /// A report; the parser makes them, tests and ingestion may build them directly.
    public init(kind: Kind, format: String, recipients: [BounceRecipient] = [], token: BounceToken = BounceToken(),
                messageID: String? = nil, originalMessageID: String? = nil, returnedTo: String? = nil,
                envelopeID: String? = nil, reportingMTA: String? = nil, autoReplyFrom: String? = nil,
                problems: [String] = []) {
        self.kind = kind
        self.format = format
        self.recipients = recipients
        self.token = token
        self.messageID = messageID
        self.originalMessageID = originalMessageID
        self.returnedTo = returnedTo
        self.envelopeID = envelopeID
        self.reportingMTA = reportingMTA
        self.autoReplyFrom = autoReplyFrom
        self.problems = problems
    }
}

/// One recipient of a bounce, with the reply that refused it and what that means.
public struct BounceRecipient: Sendable, Codable, Equatable {
    /// What happened to the message for this recipient.
    public enum Action: String, Sendable, Codable {
        /// Not delivered, and the reporting MTA gave up.
        case failed
        /// Not delivered yet; the reporting MTA is still trying.
        case delayed
        /// Delivered (a success DSN).
        case delivered
        /// Relayed to a system that sends no DSN.
        case relayed
        /// Delivered and forwarded to more addresses.
        case expanded
    }

    /// The final recipient's address (without `rfc822;`).
    public var address: String
    /// The original recipient, when the DSN gives one (before forwarding).
    public var originalRecipient: String?
    /// What happened.
    public var action: Action
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`.
    public var status: String?
    /// The SMTP reply code, e.g. 550.
    public var smtpCode: Int?
    /// The remote server's reply or the MTA's explanation, as given (whitespace collapsed).
    public var diagnostic: String?
    /// Why, as Sisimai would name it.
    public var reason: BounceReason
    /// What it means for the person: nil when the action is not a failure or a delay.
    public var bounceClass: BounceClass?
    /// The remote MTA that refused, when known.
    public var remoteMTA: String?

    enum CodingKeys: String, CodingKey {
        case address, originalRecipient, action, status, smtpCode, diagnostic, reason
        case bounceClass = "class"
        case remoteMTA
    }

    /// One recipient's outcome; `bounceClass` normally comes from `BounceClassifier.classify`.
    public init(address: String, originalRecipient: String? = nil, action: Action, status: String? = nil,
                smtpCode: Int? = nil, diagnostic: String? = nil, reason: BounceReason, bounceClass: BounceClass?,
                remoteMTA: String? = nil) {
        self.address = address
        self.originalRecipient = originalRecipient
        self.action = action
        self.status = status
        self.smtpCode = smtpCode
        self.diagnostic = diagnostic
        self.reason = reason
        self.bounceClass = bounceClass
        self.remoteMTA = remoteMTA
    }
}

/// The VERP token found in a bounce and what it is worth.
public struct BounceToken: Sendable, Codable, Equatable {
    /// What checking the token gave.
    public enum Status: String, Sendable, Codable {
        /// No VERP-shaped address was found.
        case none
        /// A token is there but no secret was given to check it: never credit it.
        case unverified
        /// The MAC matches: the bounce is about this incident and subject.
        case valid
        /// The MAC does not match (or the token is malformed): ignore and count it.
        case forged
    }

    /// What checking the token gave.
    public var status: Status
    /// The token as found.
    public var token: String?
    /// The incident it names (checked when `status == .valid`, claimed otherwise).
    public var incident: String?
    /// The subject id it names (checked when `status == .valid`, claimed otherwise).
    public var subject: UInt64?
    /// Which header it was found in, e.g. `to`, `x-original-to`, `returned return-path`.
    public var foundIn: String?

    /// A token finding; `.none` with no token by default.
    public init(status: Status = .none, token: String? = nil, incident: String? = nil, subject: UInt64? = nil,
                foundIn: String? = nil) {
        self.status = status
        self.token = token
        self.incident = incident
        self.subject = subject
        self.foundIn = foundIn
    }

    /// The key to credit, only when the token was verified.
    public var verifiedKey: VERPKey? {
        guard status == .valid, let incident, let number = IncidentNumber(incident), let subject else { return nil }
        return VERPKey(incident: number, subject: subject)
    }
}
