/// Reads one message that arrived at the bounce address and says what it is: a failure, a
/// delay, an auto-reply, not a bounce, or unparsable (with why). Pure: no I/O, no logging.
///
/// ```swift
/// let parser = BounceParser(verp: try VERP(prefix: "bounces", domain: "bounce.example.org", secret: secret))
/// let report = parser.parse(Array(try Data(contentsOf: url)))
/// for r in report.recipients { print(r.reason, r.bounceClass as Any) }
/// ```
public struct BounceParser: Sendable {
    private enum Checker: Sendable {
        case none
        case signer(VERPSigner)
        case verp(VERP)
    }

    private let checker: Checker

    /// A parser that reports VERP tokens as present but unverified (no secret).
    public init() { checker = .none }

    /// A parser that verifies tokens with the secret, under any prefix and domain.
    public init(signer: VERPSigner) { checker = .signer(signer) }

    /// A parser that verifies tokens under our prefix and bounce domain only.
    public init(verp: VERP) { checker = .verp(verp) }

    /// Headers of the bounce that may carry the return path it was sent to, best first.
    private static let tokenHeaders = ["x-original-to", "delivered-to", "envelope-to", "x-envelope-to", "to"]

    /// Parses one message (its raw bytes, CRLF or LF).
    public func parse(_ bytes: [UInt8]) -> BounceReport {
        guard bytes.contains(where: { !ASCII.isSpace($0) }) else {
            return BounceReport(kind: .unparsable, format: "none", problems: ["the message is empty"])
        }
        var reader = MIMEReader(bytes: bytes)
        let root = reader.read(0..<bytes.count)
        guard !root.headers.isEmpty else {
            return BounceReport(kind: .unparsable, format: "none",
                                problems: ["no header block: this is not an e-mail message, or its headers were cut off"])
        }
        var problems = reader.problems
        if !root.hasSeparator && root.body.isEmpty {
            problems.append("the message has headers but no body (truncated?)")
        }

        var deliveryStatus: MIMEEntity?
        var returned: MIMEEntity?
        var textPart: MIMEEntity?
        var htmlPart: MIMEEntity?
        root.walk { entity in
            switch entity.contentType.mediaType {
            case "message/delivery-status", "message/global-delivery-status":
                if deliveryStatus == nil { deliveryStatus = entity }
            case "message/rfc822", "message/global", "text/rfc822-headers":
                if returned == nil { returned = entity.children.first }
            case "text/plain":
                // The first one is the human-readable report (RFC 3462 puts it first).
                if textPart == nil { textPart = entity }
            case "text/html":
                if htmlPart == nil { htmlPart = entity }
            default: break
            }
        }

        let from = root.header("from") ?? ""
        let subject = root.header("subject") ?? ""
        var report = BounceReport(kind: .notABounce, format: "none", messageID: root.header("message-id")?.trimmed,
                                  problems: problems)
        var returnedHeaders = returned?.headers ?? []

        // Our own return path is never a failed recipient. DragonFly's dma puts the failed
        // recipient (not ours) in the X-Original-To of its bounce.
        let fromDMA = root.headers("received").contains { $0.contains("(DragonFly Mail Agent") }
        let ourAddresses = Set(Self.tokenHeaders.filter { !(fromDMA && $0 == "x-original-to") }.compactMap { root.header($0) }
            .flatMap(Self.addresses).map(\.asciiLowercased))
        let vendor = Self.vendor(root, subject: subject)

        // A multipart whose boundary is broken or missing still carries its delivery-status part
        // somewhere in the body: find it by its header rather than lose it.
        var dsnText = deliveryStatus.map { $0.decodedText(in: bytes) }
        if dsnText == nil, root.contentType.type == "multipart", let recovered = Self.recoverDeliveryStatus(bytes, from: root.body) {
            dsnText = recovered
            report.problems.append("the delivery-status part was found outside a readable multipart structure (broken boundary?)")
        }
        let humanText = textPart.map { $0.decodedText(in: bytes) } ?? htmlPart.map { Self.stripTags($0.decodedText(in: bytes)) } ?? ""
        let bounceHint = Self.looksLikeBounce(from: from, subject: subject)
        // The lower-cased copy of the text, made once and only when something searches it.
        var humanLowerCache: LowerText?
        func humanLower() -> LowerText {
            if let cached = humanLowerCache { return cached }
            let made = LowerText(humanText)
            humanLowerCache = made
            return made
        }
        // Amazon WorkMail writes the delivery-status fields inside its text ("Technical report:");
        // read only from a sender or subject of bounces: a person may quote such fields.
        var inlineDSN = false
        if dsnText == nil, bounceHint, let inline = Self.inlineDeliveryStatus(humanText, lower: humanLower()) {
            dsnText = inline
            inlineDSN = true
        }

        if let dsnText {
            let dsn = DeliveryStatus(text: dsnText)
            report.format = inlineDSN ? vendor ?? "rfc3464" : "rfc3464"
            report.reportingMTA = dsn.reportingMTA
            report.envelopeID = dsn.envelopeID
            // What the human-readable part says about each recipient: Exim and OpenSMTPD put the
            // reason there (and a generic 5.0.0 in the DSN).
            var said: [String: TextBounce.Recipient] = [:]
            // Skipped when every block already has a specific status and a reply (Postfix): the
            // text would only repeat them.
            let needText = dsn.recipients.contains { r in
                r.diagnostic == nil || r.status.map { BounceClassifier.isGeneric($0) || !$0.contains(".") } ?? true
                    || r.action.map { $0 != "failed" } ?? true
            }
            if needText, !humanText.isEmpty {
                for r in TextBounce.scan(text: humanText, lower: humanLower(), ignore: ourAddresses).recipients {
                    said[r.address.asciiLowercased] = said[r.address.asciiLowercased] ?? r
                }
            }
            for r in dsn.recipients {
                guard let address = r.address else {
                    report.problems.append(r.hadJunkAddress
                        ? "a per-recipient block names no valid address (a command, a file or a fragment instead): skipped"
                        : "a per-recipient block has no Final-Recipient (truncated?)")
                    continue
                }
                let context = said[address.asciiLowercased] ?? r.originalRecipient.flatMap { said[$0.asciiLowercased] }
                let contextText = context.map { [$0.diagnostic] } ?? []
                let dsnStatus = r.status.flatMap { SMTPReplyScanner.status(in: $0) }
                let status = dsnStatus ?? r.diagnostic.flatMap(SMTPReplyScanner.status)
                    ?? contextText.first.flatMap(SMTPReplyScanner.status)
                guard let action = Self.action(r.action, status: status) else {
                    report.problems.append("the recipient block for one address has neither a known Action nor a Status (truncated?)")
                    continue
                }
                let code = r.diagnostic.flatMap(SMTPReplyScanner.code) ?? contextText.first.flatMap(SMTPReplyScanner.code)
                let verdict = BounceClassifier.judge(action: action, status: status, smtpCode: code, diagnostic: r.diagnostic,
                                                     context: context?.diagnostic)
                let diagnostic = r.diagnostic ?? context.flatMap { $0.diagnostic.isEmpty ? nil : $0.diagnostic }
                report.recipients.append(BounceRecipient(
                    address: address, originalRecipient: r.originalRecipient, action: verdict.action, status: verdict.status,
                    smtpCode: code, diagnostic: diagnostic, reason: verdict.reason, bounceClass: verdict.bounceClass,
                    remoteMTA: r.remoteMTA ?? context?.remoteMTA))
            }
            if report.recipients.isEmpty {
                report.problems.append("the delivery-status part names no recipient that could be read")
            }
        }

        // Amazon SES's own notification (SNS `email-json`): JSON, not a mail-server report.
        if report.recipients.isEmpty, dsnText == nil, let ses = SESNotification(text: humanText) {
            report.format = "amazonses"
            report.reportingMTA = ses.reportingMTA
            for r in ses.recipients where !ourAddresses.contains(r.address.asciiLowercased) {
                let code = r.diagnostic.flatMap(SMTPReplyScanner.code)
                var verdict = BounceClassifier.judge(action: .failed, status: r.status, smtpCode: code, diagnostic: r.diagnostic,
                                                     context: nil)
                if let reason = ses.reason {
                    verdict.reason = reason
                    verdict.bounceClass = reason.bounceClass(permanent: ses.permanent)
                } else if !ses.permanent, verdict.bounceClass == .hard {
                    verdict.bounceClass = .transient
                }
                report.recipients.append(BounceRecipient(
                    address: r.address, action: .failed, status: verdict.status, smtpCode: code, diagnostic: r.diagnostic,
                    reason: verdict.reason, bounceClass: verdict.bounceClass, remoteMTA: nil))
            }
            returnedHeaders = ses.returnedHeaders
            if report.recipients.isEmpty { report.problems.append("an Amazon SES bounce notification that names no recipient") }
        }

        if report.recipients.isEmpty, report.format != "amazonses" {
            if let textBounce = TextBounce.read(text: humanText, lower: humanLower(), bounceHint: bounceHint || dsnText != nil, ignore: ourAddresses,
                                                vendor: dsnText == nil ? vendor : nil,
                                                failedRecipients: root.header("x-failed-recipients")) {
                if dsnText == nil { report.format = textBounce.format }
                if returnedHeaders.isEmpty, let headerText = textBounce.returnedHeaders {
                    let headerBytes = Array((headerText + "\n\n").utf8)
                    returnedHeaders = MIMEReader.readHeaders(headerBytes, 0..<headerBytes.count).fields
                }
                let subjectSaysDelay = LowerText(subject).containsAny(Self.delaySubjects)
                for r in textBounce.recipients {
                    let action: BounceRecipient.Action = textBounce.delayed || subjectSaysDelay ? .delayed : .failed
                    let diagnostic = r.diagnostic.isEmpty ? nil : r.diagnostic
                    let status = diagnostic.flatMap(SMTPReplyScanner.status)
                    let code = diagnostic.flatMap(SMTPReplyScanner.code)
                    var verdict = BounceClassifier.judge(action: action, status: status, smtpCode: code, diagnostic: diagnostic,
                                                         context: nil)
                    if let reason = r.reason, verdict.action == .failed {
                        verdict.reason = reason
                        verdict.bounceClass = reason.bounceClass(permanent: BounceClassifier.isPermanent(status: status, smtpCode: code))
                    }
                    report.recipients.append(BounceRecipient(
                        address: r.address, action: verdict.action, status: verdict.status, smtpCode: code, diagnostic: diagnostic,
                        reason: verdict.reason, bounceClass: verdict.bounceClass, remoteMTA: r.remoteMTA))
                }
                if textBounce.recipients.isEmpty {
                    report.problems.append("recognised a bounce in \(textBounce.format) format but it names no recipient that could be read (truncated?)")
                }
            } else if dsnText == nil, !bounceHint, let autoReply = Self.autoReply(root, subject: subject, from: from) {
                // Never from MAILER-DAEMON or with a bounce subject: an auto-reply credits delivery,
                // and a bounce in an unknown format (many say "Auto-Submitted: auto-replied") must not.
                report.kind = .autoReply
                report.format = "auto-reply"
                report.autoReplyFrom = autoReply
            } else if dsnText == nil && bounceHint {
                report.format = "generic"
                report.problems.append("looks like a bounce (From or Subject) but is in no format breachmail reads")
            }
        }

        // Microsoft 365 and some others answer "In-Reply-To" our notice: a fallback when no copy is returned.
        report.originalMessageID = returnedHeaders.first { $0.name == "message-id" }?.value.trimmed
            ?? (report.kind == .autoReply || !report.recipients.isEmpty ? root.header("in-reply-to")?.trimmed : nil)
        report.returnedTo = returnedHeaders.first { $0.name == "to" }?.value.trimmed
        report.token = token(root: root, returned: returnedHeaders)

        if report.kind != .autoReply {
            if report.recipients.contains(where: { $0.action == .failed }) {
                report.kind = .failure
            } else if report.recipients.contains(where: { $0.action == .delayed }) {
                report.kind = .delay
            } else if !report.recipients.isEmpty {
                report.kind = .notABounce  // a success DSN: delivered, relayed or expanded
            } else if dsnText != nil || report.format != "none" {
                report.kind = .unparsable
            } else {
                report.kind = .notABounce
            }
        }
        return report
    }

    /// The format the bounce's headers name, for vendors whose text alone is ambiguous: GMX and
    /// 1&1 write Exim's sentences, IMail and Domino little more than an address.
    static func vendor(_ root: MIMEEntity, subject: String) -> String? {
        if root.header("x-gmx-antispam") != nil { return "gmx" }
        let mailer = root.header("x-mailer") ?? root.header("x-original-mailer") ?? ""
        if mailer == "Amazon WorkMail" { return "amazonworkmail" }
        if root.header("x-ses-outgoing") != nil || root.header("x-aws-outgoing") != nil { return "amazonses" }
        if mailer == "m-FILTER" { return "mfilter" }
        if mailer.hasPrefix("<SMTP32 v") || subject.trimmed == "Undeliverable Mail" { return "imail" }
        if subject.hasPrefix("DELIVERY FAILURE:") || subject.hasPrefix("DELIVERY_FAILURE:") { return "domino" }
        if subject.hasPrefix("Undeliverable message") { return "notes" }
        return nil
    }

    /// Delivery-status fields written inside the human-readable text (Amazon WorkMail's
    /// "Technical report:"), from the first `Reporting-MTA:` or `Final-Recipient:` line on.
    static func inlineDeliveryStatus(_ text: String, lower: LowerText) -> String? {
        guard let recipient = lower.bytes.firstIndex(of: inlineFinalRecipient, in: 0..<lower.bytes.count),
              lower.bytes.firstIndex(of: inlineStatus, in: recipient..<lower.bytes.count) != nil
                || lower.bytes.firstIndex(of: inlineAction, in: 0..<lower.bytes.count) != nil
        else { return nil }
        var start = recipient + 1
        if let mta = lower.bytes.firstIndex(of: inlineReportingMTA, in: 0..<recipient) { start = mta + 1 }
        let bytes = Array(text.utf8)
        return bytes.text(start..<bytes.count)
    }

    private static let inlineFinalRecipient = Array("\nfinal-recipient:".utf8)
    private static let inlineReportingMTA = Array("\nreporting-mta:".utf8)
    private static let inlineStatus = Array("\nstatus:".utf8)
    private static let inlineAction = Array("\naction:".utf8)

    /// The body of a `message/delivery-status` part found by its header line, when the multipart
    /// structure around it could not be read (a boundary that matches nothing, no boundary at all).
    static func recoverDeliveryStatus(_ bytes: [UInt8], from body: Range<Int>) -> String? {
        guard !body.isEmpty else { return nil }
        let b = LowerText(bytes: Array(bytes[body])).bytes
        let needles: Phrases = ["content-type: message/delivery-status", "content-type: message/global-delivery-status",
                                "content-type:message/delivery-status"]
        guard let hit = LowerText(bytes: []).firstOffset(in: b, of: needles) else { return nil }
        // The part's body starts after the next blank line and ends at a boundary line ("--…") or the end.
        var i = hit
        var start: Int?
        while i < b.count {
            let (content, next) = b.line(at: i, end: b.count)
            if content.allSatisfy({ ASCII.isBlank(b[$0]) }) { start = next; break }
            i = next
        }
        guard let start, start < b.count else { return nil }
        var j = start
        var stop = b.count
        while j < b.count {
            let (content, next) = b.line(at: j, end: b.count)
            if content.count >= 2, b[content.lowerBound] == ASCII.hyphen, b[content.lowerBound + 1] == ASCII.hyphen {
                stop = j
                break
            }
            j = next
        }
        return bytes.text((body.lowerBound + start)..<(body.lowerBound + stop))
    }

    /// The action a DSN gives, or the one its status implies when `Action:` is missing or odd.
    private static func action(_ raw: String?, status: String?) -> BounceRecipient.Action? {
        if let raw, let action = BounceRecipient.Action(rawValue: raw) { return action }
        switch status?.first {
        case "5": return .failed
        case "4": return .delayed
        case "2": return .delivered
        default: return nil
        }
    }

    static func looksLikeBounce(from: String, subject: String) -> Bool {
        let f = LowerText(from), s = LowerText(subject)
        return f.containsAny(bounceSenders) || s.containsAny(bounceSubjects)
    }

    private static let delaySubjects: Phrases = ["(delay)", "delayed", "warning: message", "delivery delayed"]
    private static let bounceSenders: Phrases = ["mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon"]
    private static let bounceSubjects: Phrases = ["undeliver", "delivery status notification", "mail delivery failed", "returned mail",
                              "failure notice", "delivery failure", "non remis", "unzustellbar", "delivery has failed",
                              "could not be delivered", "mail system error", "returned to sender", "nondeliverable",
                              "undelivered mail", "delivery notification", "not delivered"]

    /// The auto-reply's sender when the message is a vacation or out-of-office reply (RFC 3834
    /// `Auto-Submitted: auto-replied`, the vendors' X- headers, the usual subjects in en/fr/de).
    static func autoReply(_ root: MIMEEntity, subject: String, from: String) -> String? {
        let autoSubmitted = (root.header("auto-submitted") ?? "").asciiLowercased
        let precedence = (root.header("precedence") ?? "").asciiLowercased
        let s = LowerText(subject)
        let byHeader = autoSubmitted.hasPrefix("auto-replied")
            || root.header("x-autoreply") != nil || root.header("x-autorespond") != nil
            || root.header("x-autoresponder") != nil || precedence.contains("auto_reply")
            || (root.header("x-auto-response-suppress") != nil && s.containsAny(outlookAutoReplies))
        let bySubject = s.containsAny(autoReplySubjects) || subject.hasPrefix("Auto:") || subject.hasPrefix("AW: Automatische")
        guard byHeader || bySubject else { return nil }
        return addresses(from).first ?? from.trimmed
    }

    private static let outlookAutoReplies: Phrases = ["automatic reply", "automatische antwort", "réponse automatique"]
    private static let autoReplySubjects: Phrases = [
            "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply", "autoreply",
            "vacation", "absence", "abwesenheit", "abwesenheitsnotiz", "automatische antwort", "réponse automatique",
            "reponse automatique", "je suis absent", "ich bin nicht im büro", "ich bin abwesend", "away from",
        ]

    /// The VERP token in the bounce's own addresses, then in the returned headers.
    private func token(root: MIMEEntity, returned: [HeaderField]) -> BounceToken {
        var candidates: [(String, String)] = []
        for name in Self.tokenHeaders {
            for value in root.headers(name) { for a in Self.addresses(value) { candidates.append((a, name)) } }
        }
        for name in ["return-path", "sender", "errors-to"] {
            for field in returned where field.name == name {
                for a in Self.addresses(field.value) { candidates.append((a, "returned \(name)")) }
            }
        }
        var firstForged: BounceToken?
        for (address, header) in candidates {
            guard let token = VERPSigner.token(in: address) ?? forgedLooking(address) else { continue }
            let claimed = VERPSigner.unverifiedKey(token)
            switch checker {
            case .none:
                return BounceToken(status: .unverified, token: token, incident: claimed?.incident.description,
                                   subject: claimed?.subject, foundIn: header)
            case .signer(let signer):
                if let key = signer.verify(token) {
                    return BounceToken(status: .valid, token: token, incident: key.incident.description, subject: key.subject, foundIn: header)
                }
            case .verp(let verp):
                switch verp.parse(address) {
                case .valid(let key):
                    return BounceToken(status: .valid, token: token, incident: key.incident.description, subject: key.subject, foundIn: header)
                case .notOurs: continue
                case .forged: break
                }
            }
            if firstForged == nil {
                firstForged = BounceToken(status: .forged, token: token, incident: claimed?.incident.description,
                                          subject: claimed?.subject, foundIn: header)
            }
        }
        return firstForged ?? BounceToken()
    }

    /// With a VERP configured, `prefix+anything@our-domain` is ours even when the token is garbage:
    /// it must be counted as forged, not ignored as someone else's.
    private func forgedLooking(_ address: String) -> String? {
        guard case .verp(let verp) = checker, let parts = VERPSigner.split(address),
              parts.domain.asciiLowercased == verp.domain,
              parts.prefix.asciiLowercased == verp.prefix.asciiLowercased else { return nil }
        return parts.token
    }

    /// The addresses in a header value (`"Name" <a@b>, c@d`).
    static func addresses(_ value: String) -> [String] {
        var hasAt = false, plain = true
        for b in value.utf8 {
            if b == ASCII.at { hasAt = true } else if b == UInt8(ascii: ",") || b == ASCII.less { plain = false; break }
        }
        if plain { return hasAt ? [value.trimmed] : [] }
        // On the UTF-8 bytes: every delimiter is ASCII.
        let b = Array(value.utf8)
        var result: [String] = []
        var start = 0
        while start < b.count {
            let end = b[start...].firstIndex(of: UInt8(ascii: ",")) ?? b.count
            var lo = start, hi = end
            if let open = b[lo..<hi].lastIndex(of: ASCII.less) {
                lo = open + 1
                if let close = b[lo..<hi].firstIndex(of: ASCII.greater) { hi = close }
            }
            while lo < hi, ASCII.isSpace(b[lo]) { lo += 1 }
            while hi > lo, ASCII.isSpace(b[hi - 1]) { hi -= 1 }
            if b[lo..<hi].contains(ASCII.at) { result.append(b.text(lo..<hi)) }
            start = end + 1
        }
        return result
    }

    /// Crude tag removal for HTML-only bounces: enough to find the sentences and codes.
    static func stripTags(_ html: String) -> String {
        var out = ""
        var inTag = false
        for c in html.unicodeScalars {
            if c == "<" { inTag = true; continue }
            if c == ">" { inTag = false; out.unicodeScalars.append(" "); continue }
            if !inTag { out.unicodeScalars.append(c) }
        }
        return out.replacingEntities
    }
}

extension String {
    fileprivate var replacingEntities: String {
        guard contains("&") else { return self }
        var s = self
        for (entity, value) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
            s = s.split(separator: entity, omittingEmptySubsequences: false).joined(separator: value)
        }
        return s
    }
}
