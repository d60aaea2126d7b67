/// Turns the evidence about one recipient into a reason and a class, by the most specific
/// evidence first (the order the README's Bounces section documents):
///
/// 1. a few vendor phrases known to contradict their own code (Microsoft's `RecipientNotFound`,
///    its `5.4.1 … Access denied` for an address that does not exist, a "rate limit" sent with 5.1.1);
/// 2. where the dialogue failed: a refusal at the greeting, HELO/EHLO or MAIL FROM is about our
///    side, never the person's address;
/// 3. an expiry notice (the MTA gave up): expired, a failure, even when written as `Action: delayed`;
/// 4. a specific enhanced status code (5.1.1, 5.2.2, 5.7.26 …), the remote server's own code
///    preferred over a generic one of the reporting MTA (Exim and OpenSMTPD write `5.0.0`);
/// 5. a specific phrase (Sisimai-like ordered table: sender-side first, then the address);
/// 6. a catch-all code (5.7.1, 4.7.x, 5.5.x, x.0.0);
/// 7. a generic phrase ("try again later", "limit exceeded", "denied", "policy");
/// 8. the bare SMTP code.
public enum BounceClassifier {
    /// The reason and class for one recipient.
    ///
    /// - Parameters:
    ///   - action: what the DSN or the text said happened; a delay stays transient unless it is an expiry.
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
        let verdict = judge(action: action, status: status, smtpCode: smtpCode, diagnostic: diagnostic, context: nil)
        return (verdict.reason, verdict.bounceClass)
    }

    /// The full verdict on one recipient: the action (a delayed notice that says the message
    /// expired becomes a failure), the status that was used, the reason and the class.
    struct Verdict: Equatable {
        var action: BounceRecipient.Action
        var status: String?
        var reason: BounceReason
        var bounceClass: BounceClass?
    }

    /// Judges one recipient.
    ///
    /// - Parameters:
    ///   - status: the DSN's `Status:` (or the one found in the text).
    ///   - diagnostic: the DSN's `Diagnostic-Code:` (or the text's reply).
    ///   - context: what the human-readable part says about this recipient (Exim's "SMTP error
    ///     from remote mail server after MAIL FROM", OpenSMTPD's "Envelope expired"), read too.
    static func judge(action: BounceRecipient.Action, status: String?, smtpCode: Int?, diagnostic: String?,
                      context: String?) -> Verdict {
        switch action {
        case .delivered, .relayed, .expanded: return Verdict(action: action, status: status, reason: .delivered, bounceClass: nil)
        case .failed, .delayed: break
        }
        var evidence = diagnostic ?? ""
        if let context, !context.isEmpty { evidence += evidence.isEmpty ? context : "\n" + context }
        let text = LowerText(evidence)
        // The remote server's own enhanced code beats the reporting MTA's generic one.
        let remoteStatus = SMTPReplyScanner.status(in: evidence)
        let best: String?
        if let status, !isGeneric(status) { best = status } else { best = remoteStatus ?? status }
        let code = smtpCode ?? SMTPReplyScanner.code(in: evidence)

        // An expiry notice is a failure, whatever the Action says (OpenSMTPD writes `delayed`).
        let expiredNotice = (best.map(isExpiryStatus) ?? false) || (status.map(isExpiryStatus) ?? false)
            || text.containsAny(expiryPhrases)
        if action == .delayed && !expiredNotice {
            // A delay stays a delay unless the text gives a temporary cause (a full mailbox,
            // greylisting): an address-level or sender-side reason is not final while the MTA retries.
            var reason = reasonFromEvidence(text, status: best, code: code, permanent: false)
            if reason == nil || reason?.bounceClass(permanent: true) != .transient { reason = .delayed }
            return Verdict(action: .delayed, status: best, reason: reason ?? .delayed, bounceClass: .transient)
        }
        if expiredNotice {
            return Verdict(action: .failed, status: best, reason: .expired, bounceClass: .transient)
        }

        let permanent = isPermanent(status: best, smtpCode: code)
        var reason = reasonFromEvidence(text, status: best, code: code, permanent: permanent)
        // Greylisting answers with 4xx; the same words in a 5xx are a policy refusal.
        if reason == .greylisted && permanent { reason = .policyViolation }

        // Where the dialogue failed: before RCPT TO, the remote refused us, not the address.
        if let stage = senderStage(text) {
            let r = reason ?? stage
            if r.bounceClass(permanent: true) == .senderSide {
                return Verdict(action: .failed, status: best, reason: r, bounceClass: permanent ? .senderSide : .transient)
            }
            if r.bounceClass(permanent: true) == .hard || r == .undefined || r == .greylisted {
                return Verdict(action: .failed, status: best, reason: stage, bounceClass: permanent ? .senderSide : .transient)
            }
            return Verdict(action: .failed, status: best, reason: r, bounceClass: r.bounceClass(permanent: permanent))
        }

        guard let resolved = reason else {
            // Nothing named a cause: decide from the reply. A permanent refusal of the recipient
            // itself (at RCPT TO, 550/551/553) is about the address; anything else is not final.
            let atRecipient = text.containsAny(recipientStage)
            if permanent, atRecipient, let code, [550, 551, 553].contains(code) {
                return Verdict(action: .failed, status: best, reason: .undefined, bounceClass: .hard)
            }
            return Verdict(action: .failed, status: best, reason: .undefined, bounceClass: .transient)
        }
        return Verdict(action: .failed, status: best, reason: resolved, bounceClass: resolved.bounceClass(permanent: permanent))
    }

    /// Steps 1, 4–8 of the order: the reason the evidence names, if any.
    static func reasonFromEvidence(_ text: LowerText, status: String?, code: Int?, permanent: Bool) -> BounceReason? {
        if !text.bytes.isEmpty {
            // 1. Vendors' phrases that contradict their codes.
            if text.containsAny(microsoftNotFound) { return .userUnknown }
            if text.containsAny(accessDenied) {
                // Microsoft 365: "550 5.4.1 Recipient address rejected: Access denied" is its
                // directory-based edge blocking: the address does not exist there. Elsewhere
                // (5.7.1) the same words are a policy (p5-sisimai#221).
                return status == "5.4.1" || text.contains("5.4.1 recipient address rejected") ? .userUnknown : .policyViolation
            }
            if text.containsAny(vendorRateLimits) { return .rateLimited }
        }
        // 4. A specific enhanced code.
        if let status, let reason = reasonFromStatus(status), !isCatchAll(status) { return reason }
        // 5. A specific phrase.
        if !text.bytes.isEmpty {
            for (reason, phrases) in textRules where text.containsAny(phrases) { return reason }
        }
        // 6. A catch-all code.
        if let status, let reason = reasonFromStatus(status) { return reason }
        // 7. A generic phrase.
        if !text.bytes.isEmpty {
            for (reason, phrases) in genericRules where text.containsAny(phrases) { return reason }
        }
        // 8. The bare SMTP code.
        return code.flatMap(reasonFromCode)
    }

    /// Kept for callers that have text only: the specific phrase, then the generic one.
    static func reasonFromText(_ text: LowerText) -> BounceReason? {
        reasonFromEvidence(text, status: nil, code: nil, permanent: true)
    }

    /// Permanent when the enhanced status or the SMTP code says 5; a failure with no code at
    /// all is permanent too (the MTA gave up on it).
    static func isPermanent(status: String?, smtpCode: Int?) -> Bool {
        if let first = status?.first { return first == "5" }
        if let smtpCode { return smtpCode >= 500 }
        return true
    }

    /// `5.0.0`, `4.0.0`: the reporting MTA's "something failed", which names no cause.
    static func isGeneric(_ status: String) -> Bool {
        status.hasSuffix(".0.0")
    }

    /// Codes that vendors use for everything: they name a cause only when no phrase does.
    static func isCatchAll(_ status: String) -> Bool {
        let parts = status.split(separator: ".")
        guard parts.count == 3 else { return true }
        switch (parts[1], parts[2]) {
        case ("0", _), ("7", "0"), ("7", "1"), ("5", _), ("1", "0"), ("2", "0"), ("3", "0"), ("4", "0"), ("6", "0"):
            return true
        default:
            return parts[0] == "4" && parts[1] == "7"  // 4.7.x: greylisting, policy, rate: let the words say
        }
    }

    /// x.4.7: "delivery time expired".
    static func isExpiryStatus(_ status: String) -> Bool { status.hasSuffix(".4.7") }

    /// The stage before RCPT TO at which the remote refused, as a sender-side reason.
    static func senderStage(_ text: LowerText) -> BounceReason? {
        if text.containsAny(mailFromStage) { return .rejected }
        if text.containsAny(heloStage) { return .blocked }
        return nil
    }

    // Where the SMTP dialogue failed, as Exim, Postfix, Sendmail and OpenSMTPD write it.
    private static let mailFromStage: Phrases = [
        "after mail from", "in reply to mail from", "mail from command", "sender address rejected",
        "reason=mail from rejected", "mail from rejected", "did not like our mail from",
    ]
    private static let heloStage: Phrases = [
        "after initial connection", "after ehlo", "after helo", "in reply to ehlo", "in reply to helo",
        "helo command rejected", "ehlo command rejected", "helo rejected", "ehlo rejected", "banner rejected",
        "greeting rejected", "after connection", "in reply to greeting", "did not like our ehlo", "did not like our helo",
        "could not perform server greeting",
    ]
    private static let recipientStage: Phrases = [
        "after rcpt to", "in reply to rcpt to", "rcpt to command", "recipient address rejected",
        "rcpt rejected", "did not like our rcpt to",
    ]

    // An expiry: the MTA gave up after its retry period. Never in a warning ("will give up").
    private static let expiryPhrases: Phrases = [
        "envelope expired", "message expired", "retry timeout exceeded", "delivery time expired",
        "gave up", "given up", "too long in the queue", "could not be delivered within",
        "has expired", "expired after", "retry time not reached for any host after a long failure period",
        "all hosts have been failing for a long time", "maximum retry time", "message timed out in queue",
        "delivery expired", "was not delivered within", "time limit exceeded",
    ]

    // Specific phrases, lower case, checked in this order: sender-side first, because their
    // replies often also say "rejected" or "unavailable", which would read as an unknown user.
    // Generic words ("try again later", "limit exceeded", "denied") are in `genericRules`, read
    // only when nothing here and no code named a cause.
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
                        "exceeded the rate", "throttl", "sending limit",
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
        (.greylisted, ["greylist", "graylist", "grey-list", "gray-list", "greylisted"]),
        (.mailboxFull, ["mailbox full", "mailbox is full", "over quota", "overquota", "quota exceeded",
                        "exceeded storage", "exceeded its quota", "insufficient storage", "mailbox size limit",
                        "user is over", "out of storage", "inbox is full", "storage allocation",
                        "mailfolder is full", "disk quota", "quota exceed", "mailbox exceeds",
                        "mailbox has exceeded", "is over its storage"]),
        (.emailTooLarge, ["message too large", "message size exceeds", "size limit", "message is too big",
                          "exceeds the maximum size", "message too big", "exceeded the size"]),
        (.suspend, ["account disabled", "account has been disabled", "mailbox disabled", "mailbox is disabled",
                    "account is disabled", "is disabled", "suspended", "inactive", "account is locked",
                    "temporarily disabled", "deactivated", "mailbox is inactive"]),
        (.hasMoved, ["has moved", "address has changed", "no longer at this address", "moved to",
                     "5.1.6"]),
        // Temporary DNS errors: transient, never an unknown domain.
        (.networkError, ["temporary lookup failure", "temporary failure in name resolution", "dns server not responding",
                         "temporary dns", "dns temporary", "dns timeout", "servfail", "name server timeout",
                         "dns lookup timed out", "temporary name resolution"]),
        (.hostUnknown, ["domain is not reachable", "domain not reachable", "host not found", "host unknown", "unknown host", "domain not found",
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
                        "recipient unknown", "unknown local part", "bad recipient address syntax",
                        "recipient address syntax", "invalid recipient address",
                        "not listed in domino directory", "not listed in public name & address book",
                        "name is not recognized", "5.1.1"]),
        (.expired, ["retry timeout exceeded", "retry time not reached", "delivery time expired",
                    "message expired", "could not be delivered within", "too long in the queue",
                    "time limit exceeded", "have been unable to deliver", "gave up",
                    "maximum time", "expired"]),
        (.networkError, ["connection timed out", "connection refused", "timed out", "network is unreachable",
                         "connection reset", "lost connection", "no answer"]),
        (.systemFull, ["insufficient system storage", "system storage", "disk full", "out of disk"]),
        (.systemError, ["mail loop", "loops back", "routing loop", "too many hops", "system error",
                        "internal error", "server error", "local error", "mailer error"]),
    ]

    /// Words that say little: read only after the specific phrases and the codes.
    private static let genericRules: [(BounceReason, Phrases)] = [
        (.mailboxFull, ["is full"]),
        (.rateLimited, ["limit exceeded", "exceeded the limit"]),
        (.greylisted, ["try again later", "temporarily deferred", "temporarily rejected", "please retry later",
                       "try later", "retry later"]),
        (.policyViolation, ["policy", "not authorized", "not authorised", "not permitted", "not allowed",
                            "access denied", "prohibited", "refused", "denied"]),
        (.filtered, ["filtered", "filter", "content", "header"]),
    ]

    private static let microsoftNotFound: Phrases = ["recipientnotfound", "recipnotfound"]
    private static let accessDenied: Phrases = ["address rejected: access denied"]
    private static let vendorRateLimits: Phrases = ["rate limit exceeded", "ratelimit exceeded", "rate-limit exceeded",
                                                    "sending rate exceeded"]

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
        case (2, _): return nil
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
