/// Turns a remote server's reply into a reason and a class, the way Sisimai does: the text of
/// the reply first (vendors reuse codes: 5.1.1 for rate limits, 5.7.1 for everything), then the
/// enhanced status code, then the SMTP code.
public enum BounceClassifier {
    /// The reason and class for one recipient.
    ///
    /// - Parameters:
    ///   - action: what the DSN or the text said happened; a delay is always transient.
    ///   - status: the enhanced status code (`5.1.1`), if any.
    ///   - smtpCode: the SMTP reply code (550), if any.
    ///   - diagnostic: the server's reply or the MTA's explanation.
    /// - Returns: the reason, and the class (nil for a delivered/relayed/expanded action).
    ///
    /// ```swift
    /// BounceClassifier.classify(action: .failed, status: "5.7.1", smtpCode: 550,
    ///     diagnostic: "550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org")
    /// // (.blocked, .senderSide)
    /// ```
    public static func classify(action: BounceRecipient.Action, status: String?, smtpCode: Int?,
                                diagnostic: String?) -> (reason: BounceReason, bounceClass: BounceClass?) {
        switch action {
        case .delivered, .relayed, .expanded: return (.delivered, nil)
        case .failed, .delayed: break
        }
        let text = LowerText(diagnostic ?? "")
        var reason = reasonFromText(text) ?? status.flatMap(reasonFromStatus) ?? smtpCode.flatMap(reasonFromCode)
        if action == .delayed {
            // A delay stays a delay unless the text gives a temporary cause (a full mailbox,
            // greylisting): an address-level or sender-side reason is not final while the MTA retries.
            if reason == nil || reason?.bounceClass(permanent: true) != .transient { reason = .delayed }
            return (reason ?? .delayed, .transient)
        }
        // Greylisting answers with 4xx; the same words in a 5xx are a policy refusal.
        let permanent = isPermanent(status: status, smtpCode: smtpCode)
        if reason == .greylisted && permanent { reason = .policyViolation }
        let resolved = reason ?? .undefined
        return (resolved, resolved.bounceClass(permanent: permanent))
    }

    /// Permanent when the enhanced status or the SMTP code says 5; a failure with no code at
    /// all is permanent too (the MTA gave up on it).
    static func isPermanent(status: String?, smtpCode: Int?) -> Bool {
        if let first = status?.first { return first == "5" }
        if let smtpCode { return smtpCode >= 500 }
        return true
    }

    // Phrases, lower case, checked in this order: sender-side first, because their replies
    // often also say "rejected" or "unavailable", which would read as an unknown user.
    private static let textRules: [(BounceReason, Phrases)] = [
        (.authFailure, ["spf", "dkim", "dmarc", "5.7.26", "5.7.25", "5.7.24", "5.7.23", "5.7.20",
                        "sender authentication", "authentication failed", "failed authentication",
                        "not authenticated", "unauthenticated"]),
        (.requirePTR, ["reverse dns", "ptr record", "no ptr", "rdns", "reverse lookup", "reverse-dns"]),
        (.badReputation, ["reputation", "sender score", "poor reputation"]),
        (.blocked, ["spamhaus", "blacklist", "blocklist", "black list", "block list", " rbl", "dnsbl",
                    "listed at", "listed on", "listed by", "client host rejected", "blocked using",
                    "has been blocked", "is blocked", "ip blocked", "banned", "access denied, banned",
                    "connection refused by", "your ip", "sending ip"]),
        (.rateLimited, ["too many", "rate limit", "rate-limit", "ratelimit", "rate exceeded",
                        "exceeded the rate", "throttl", "sending limit", "limit exceeded",
                        "too fast", "slow down", "try to reduce"]),
        (.virusDetected, ["virus", "malware", "infected"]),
        (.spamDetected, ["spam", "junk mail", "unsolicited", "bulk mail", "message content rejected",
                         "content rejected"]),
        (.noRelaying, ["relay access denied", "relaying denied", "relay not permitted",
                       "not permitted to relay", "unable to relay", "relaying not allowed", "no relaying",
                       "not allowed to relay"]),
        (.failedSTARTTLS, ["starttls", "tls required", "must issue a starttls", "encryption required"]),
        (.rejected, ["sender address rejected", "sender rejected", "sender verify failed",
                     "sender domain", "envelope sender", "not authorized to send",
                     "not authorised to send", "sender denied", "domain of sender address"]),
        (.greylisted, ["greylist", "graylist", "grey-list", "gray-list", "greylisted", "try again later",
                       "temporarily deferred", "temporarily rejected", "please retry later"]),
        (.emailTooLarge, ["message too large", "message size exceeds", "size limit", "message is too big",
                          "exceeds the maximum size", "message too big", "exceeded the size"]),
        (.mailboxFull, ["mailbox full", "mailbox is full", "over quota", "overquota", "quota exceeded",
                        "exceeded storage", "exceeded its quota", "insufficient storage", "mailbox size limit",
                        "user is over", "out of storage", "inbox is full", "storage allocation",
                        "mailfolder is full", "disk quota", "quota exceed", "is full"]),
        (.suspend, ["account disabled", "account has been disabled", "mailbox disabled", "mailbox is disabled",
                    "account is disabled", "is disabled", "suspended", "inactive", "account is locked",
                    "temporarily disabled", "deactivated", "mailbox is inactive"]),
        (.hasMoved, ["has moved", "address has changed", "no longer at this address", "moved to",
                     "5.1.6"]),
        (.hostUnknown, ["host not found", "host unknown", "unknown host", "domain not found",
                        "domain does not exist", "no such domain", "nxdomain", "name or service not known",
                        "host or domain name not found", "unrouteable address", "no mx", "mx record",
                        "domain name not found", "unroutable address", "no route to host",
                        "unknown domain", "invalid domain", "dns error", "domain couldn't be found",
                        "domain could not be found", "5.1.2", "5.4.4"]),
        (.notAccept, ["null mx", "does not accept mail", "accepts no mail", "not accepting mail"]),
        (.userUnknown, ["user unknown", "unknown user", "no such user", "no such recipient",
                        "no such mailbox", "no mailbox", "user not found", "recipient not found",
                        "recipientnotfound", "recipnotfound", "address not found", "unknown recipient",
                        "invalid recipient", "does not exist", "doesn't exist", "not exist",
                        "doesn't have a", "does not have an account", "couldn't be found",
                        "could not be found", "mailbox unavailable", "mailbox not found",
                        "no such address", "unknown address", "invalid address",
                        "account that you tried to reach", "not a valid mailbox", "user doesn't exist",
                        "no longer available", "undeliverable address", "bad destination mailbox",
                        "recipient unknown", "unknown local part", "5.1.1"]),
        (.expired, ["retry timeout exceeded", "retry time not reached", "delivery time expired",
                    "message expired", "could not be delivered within", "too long in the queue",
                    "time limit exceeded", "have been unable to deliver", "gave up",
                    "maximum time", "expired"]),
        (.networkError, ["connection timed out", "connection refused", "timed out", "network is unreachable",
                         "connection reset", "lost connection", "no answer"]),
        (.systemFull, ["insufficient system storage", "system storage", "disk full", "out of disk"]),
        (.systemError, ["mail loop", "loops back", "routing loop", "too many hops", "system error",
                        "internal error", "server error", "local error", "mailer error"]),
        (.policyViolation, ["policy", "not authorized", "not authorised", "not permitted", "not allowed",
                            "access denied", "prohibited", "refused", "denied"]),
        (.filtered, ["filtered", "filter", "content", "header"]),
    ]

    private static let microsoftNotFound: Phrases = ["recipientnotfound", "recipnotfound"]
    private static let accessDenied: Phrases = ["address rejected: access denied"]

    static func reasonFromText(_ text: LowerText) -> BounceReason? {
        guard !text.bytes.isEmpty else { return nil }
        // A Microsoft "RESOLVER.ADR.RecipientNotFound" (5.1.10) must not be read as an access
        // denial further down; the vendor's code name is the best evidence.
        if text.containsAny(microsoftNotFound) { return .userUnknown }
        // "Recipient address rejected: Access denied" is a policy, not an unknown user (p5-sisimai#221).
        if text.containsAny(accessDenied) { return .policyViolation }
        for (reason, phrases) in textRules where text.containsAny(phrases) { return reason }
        return nil
    }

    /// From the enhanced status code, as RFC 3463 and Sisimai's Status.pm map them.
    static func reasonFromStatus(_ status: String) -> BounceReason? {
        let parts = status.split(separator: ".")
        guard parts.count == 3, let klass = Int(parts[0]), let subject = Int(parts[1]), let detail = Int(parts[2]) else { return nil }
        let temporary = klass == 4
        switch (subject, detail) {
        case (1, 0), (1, 1), (1, 3), (1, 4), (1, 5): return .userUnknown
        case (1, 2): return .hostUnknown
        case (1, 6): return .hasMoved
        case (1, 7), (1, 8): return .rejected
        case (1, 10): return .notAccept
        case (2, 1): return .suspend
        case (2, 2): return .mailboxFull
        case (2, 3), (3, 4): return .emailTooLarge
        case (2, 4): return .systemError
        case (2, _): return .undefined
        case (3, 1): return .systemFull
        case (3, 2): return .notAccept
        case (3, _): return .systemError
        case (4, 1), (4, 2): return .networkError
        case (4, 4): return .hostUnknown
        case (4, 6): return .systemError
        case (4, 7): return .expired
        case (4, _): return .networkError
        case (5, _): return .syntaxError
        case (6, _): return .contentError
        case (7, 1): return temporary ? .greylisted : .policyViolation
        case (7, 11): return .failedSTARTTLS
        case (7, 13): return .suspend
        case (7, 20...26): return .authFailure
        case (7, 27): return .rejected
        case (7, 28): return .rateLimited
        case (7, _): return temporary ? .greylisted : .securityError
        default: return nil
        }
    }

    /// From the bare SMTP code, when nothing better is known: only the codes that name a cause
    /// (RFC 5321 §4.2.3); 550 or 554 alone say nothing and stay `undefined`.
    static func reasonFromCode(_ code: Int) -> BounceReason? {
        switch code {
        case 421: return .rateLimited  // service closing the channel: back off the whole relay
        case 452, 552: return .mailboxFull  // insufficient storage / exceeded storage allocation
        default: return nil
        }
    }
}

/// Finds SMTP reply codes and enhanced status codes in free text.
enum SMTPReplyScanner {
    /// The first enhanced status code (`4.2.2`, `5.1.10`) in `text`.
    static func status(in text: String) -> String? {
        let b = Array(text.utf8)
        var i = 0
        while i + 4 < b.count {
            if (b[i] == 50 || b[i] == 52 || b[i] == 53) && b[i + 1] == ASCII.dot
                && (i == 0 || !(ASCII.isDigit(b[i - 1]) || b[i - 1] == ASCII.dot)) {
                var j = i + 2
                let s1 = j
                while j < b.count && ASCII.isDigit(b[j]) && j - s1 < 3 { j += 1 }
                if j > s1, j < b.count, b[j] == ASCII.dot {
                    j += 1
                    let s2 = j
                    while j < b.count && ASCII.isDigit(b[j]) && j - s2 < 3 { j += 1 }
                    let endsCleanly = j == b.count || !(ASCII.isDigit(b[j]) || (b[j] == ASCII.dot && j + 1 < b.count && ASCII.isDigit(b[j + 1])))
                    if j > s2 && endsCleanly {
                        return String(decoding: b[i..<j], as: UTF8.self)
                    }
                }
            }
            i += 1
        }
        return nil
    }

    /// The first SMTP reply code (`550`, `#550`, `554:`) in `text`: three digits starting 4 or 5,
    /// standing alone (not part of an IP address, a date or a longer number).
    static func code(in text: String) -> Int? {
        let b = Array(text.utf8)
        var i = 0
        while i + 2 < b.count {
            if (b[i] == 52 || b[i] == 53) && ASCII.isDigit(b[i + 1]) && ASCII.isDigit(b[i + 2]) {
                let before = i == 0 ? ASCII.space : b[i - 1]
                let after = i + 3 < b.count ? b[i + 3] : ASCII.space
                let cleanBefore = !(ASCII.isDigit(before) || before == ASCII.dot || before == ASCII.hyphen
                                    || before == ASCII.colon || (before >= 65 && before <= 122))
                let cleanAfter = after == ASCII.space || after == ASCII.hyphen || after == ASCII.colon
                    || after == ASCII.tab || after == ASCII.cr || after == ASCII.lf || after == UInt8(ascii: ",")
                    || after == UInt8(ascii: "'") || after == UInt8(ascii: ")") || after == ASCII.quote
                if cleanBefore && cleanAfter && !(after == ASCII.colon && i + 4 < b.count && ASCII.isDigit(b[i + 4])) {
                    return (Int(b[i]) - 48) * 100 + (Int(b[i + 1]) - 48) * 10 + Int(b[i + 2]) - 48
                }
            }
            i += 1
        }
        return nil
    }
}
