/// Bounces without a delivery-status part: the human-readable text that Exim, qmail, Postfix
/// (without DSN), old Sendmail and V5 sendmail, Exchange (2003 and later), Gmail, Google Groups,
/// Yahoo, OpenSMTPD, Lotus Domino and Notes, IMail, m-FILTER, DragonFly's dma, GMX and 1&1
/// write. Each is recognised by its fixed sentences (or, for a few, by a header the caller
/// passes as `vendor`); recipients are the addresses that start a line of the report (before the
/// returned copy), and the diagnostic is the text that follows them, or the paragraph under the
/// label that follows them ("because:", "Reason:", "-------server message").
struct TextBounce {
    struct Recipient {
        var address: String
        var diagnostic: String
        var remoteMTA: String?
        /// A reason the vendor's layout states for certain (Google Groups' refusal, Exchange 2003's
        /// MSEXCH code, IMail's "Delivery failed N attempts"): it wins over the words.
        var reason: BounceReason? = nil
    }

    var format: String
    var delayed: Bool
    var recipients: [Recipient]
    /// The returned copy's header block as text, when a marker announced it.
    var returnedHeaders: String?

    /// Fixed sentences per format. Those marked `weak` could also occur in a person's message,
    /// so they count only when the headers already look like a bounce.
    private static let signatures: [(format: String, phrases: Phrases, weak: Bool)] = [
        // Vendors whose text also holds a more common signature (GMX and 1&1 write Exim's
        // sentences; V5 sendmail writes Sendmail's transcript) come first.
        ("googlegroups", ["the group you tried to contact", "any other google group"], false),
        ("dma", ["this is the dragonfly mail agent"], false),
        ("1and1", ["--- the header of the original message is following. ---"], false),
        ("exchange2003", ["did not reach the following recipient(s)"], false),
        ("domino", ["not listed in domino directory"], false),
        ("notes", ["------- failure reasons"], false),
        ("imail", ["body of message generated response:"], false),
        ("mfilter", ["-------server message"], false),
        ("v5sendmail", ["----- unsent message follows -----", "----- no message was collected -----"], false),
        ("gmail", ["delivery to the following recipient failed permanently", "technical details of permanent failure",
                   "delivery to the following recipient has been delayed", "technical details of temporary failure"], false),
        ("qmail", ["this is the qmail-send program", "qmail-send program at"], false),
        ("exim", ["this message was created automatically by mail delivery software",
                  "a message that you sent could not be delivered",
                  "a message that you sent has not yet been delivered"], false),
        ("postfix", ["this is the mail system at host", "i'm sorry to have to inform you"], false),
        ("sendmail", ["----- transcript of session follows -----",
                      "----- the following addresses had permanent fatal errors -----",
                      "----- the following addresses had transient non-fatal errors -----"], false),
        ("gmail", ["** address not found **", "** message not delivered **", "** delivery incomplete **",
                   "the email account that you tried to reach does not exist"], false),
        ("gmail", ["wasn't delivered to", "there was a temporary problem delivering your message to"], true),
        ("yahoo", ["sorry, we were unable to deliver your message"], false),
        ("opensmtpd", ["this is the mailer-daemon, please do not reply to this e", "a message is delayed for more than",
                       "an error has occurred while attempting to deliver a message for"], false),
        ("exchange", ["delivery has failed to these recipients", "diagnostic information for administrators",
                      "resolver.adr."], false),
        ("exchange", ["couldn't be delivered"], true),
        ("generic", ["could not be delivered", "undeliverable", "delivery failed", "delivery to the following",
                     "permanent error", "returned mail", "unable to deliver", "failed to deliver",
                     "delivery status notification", "was not delivered", "not be delivered"], true),
    ]

    private static let returnedMarkers: Phrases = [
        "------ this is a copy of the message, including all the headers. ------",
        "------ this is a copy of the message's headers. ------",
        "--- below this line is a copy of the message.",
        "----- original message follows -----",
        "----- message header follows -----",
        "----- original message -----",
        "-----original message-----",
        "original message headers:",
        "--- original message ---",
        "------ original message ------",
        "----- unsent message follows -----",  // V5 sendmail
        "----- no message was collected -----",
        "------- returned message --------",  // Lotus Notes
        "-------original message",  // m-FILTER
        "-------original mail info",
        "--- the header of the original message is following. ---",  // GMX, 1&1
        "below is a copy of the original message:",  // OpenSMTPD
        "message headers follow.",  // dma
        "original message follows.",  // dma, IMail
    ]

    private static let delayPhrases: Phrases = [
        "has not yet been delivered", "will retry", "delivery attempts will continue", "will continue trying",
        "still trying", "this is a warning message only", "temporary problem delivering", "delivery incomplete",
        "warning: message still undelivered", "delayed", "not yet been delivered", "no action is required on your part",
        "only a temporary failure report",
    ]
    private static let permanentPhrases: Phrases = [
        "permanent error", "permanent fatal", "could not be delivered", "couldn't be delivered", "wasn't delivered",
        "delivery has failed", "unable to deliver", "i've given up", "address not found",
    ]

    /// Reads `text`; `bounceHint` says whether the headers already look like a bounce (From
    /// MAILER-DAEMON, a bounce Subject), which lets generic sentences count as a signature.
    /// `ignore` holds lower-cased addresses never to report as recipients (our own).
    /// `vendor` is the format the headers name (`X-GMX-Antispam`, IMail's `X-Mailer`…): it names
    /// the format of a bounce, never makes one (every message of a GMX user has that header), so
    /// it counts only beside a signature or when the headers look like a bounce.
    /// `failedRecipients` is the `X-Failed-Recipients` header (Google Groups names them only there).
    static func read(text: String, lower: LowerText, bounceHint: Bool, ignore: Set<String>, vendor: String? = nil,
                     failedRecipients: String? = nil) -> TextBounce? {
        let signature = signatures.first(where: { (bounceHint || !$0.weak) && lower.containsAny($0.phrases) })?.format
        guard let format = signature == nil && !bounceHint ? nil : vendor ?? signature else { return nil }
        if format == "googlegroups" {
            return googleGroups(text: text, lower: lower, failed: failedRecipients ?? "", ignore: ignore)
        }
        var bounce = scan(text: text, lower: lower, ignore: ignore, format: format)
        bounce.format = format
        return bounce
    }

    /// Google Groups names the refused group only in `X-Failed-Recipients`; its text says the
    /// group may not exist or refuses our posts, which Sisimai reads as `rejected`: not proof
    /// that the address is dead.
    static func googleGroups(text: String, lower: LowerText, failed: String, ignore: Set<String>) -> TextBounce {
        let end = lower.firstOffset(of: returnedMarkers) ?? lower.bytes.count
        let bytes = Array(text.utf8)
        let explanation = bytes.text(0..<min(end, bytes.count)).collapsingWhitespace
        let recipients = failed.split(separator: ",").map { String($0).trimmed.trimmingAddressPunctuation }
            .filter { isAddress($0) && !ignore.contains($0.asciiLowercased) }
            .map { Recipient(address: $0, diagnostic: explanation, remoteMTA: nil, reason: .rejected) }
        let returnedHeaders = scan(text: text, lower: lower, ignore: ignore).returnedHeaders
        return TextBounce(format: "googlegroups", delayed: false, recipients: recipients, returnedHeaders: returnedHeaders)
    }

    /// The recipients a human-readable report names, each with what the report says about it:
    /// read beside a delivery-status part, whose `Diagnostic-Code` is often missing or generic.
    static func scan(text: String, lower: LowerText, ignore: Set<String>, format: String = "generic") -> TextBounce {

        // The report ends where the returned copy begins; that copy's headers are the fallback keys.
        var reportText = text
        var returnedHeaders: String?
        if let offset = lower.firstOffset(of: returnedMarkers) {
            let utf8 = Array(text.utf8)
            var lineStart = offset
            while lineStart > 0, utf8[lineStart - 1] != ASCII.lf { lineStart -= 1 }
            var afterMarker = offset
            while afterMarker < utf8.count, utf8[afterMarker] != ASCII.lf { afterMarker += 1 }
            reportText = utf8.text(0..<lineStart)
            // The returned copy's first block of lines (its headers), read on the bytes: the copy
            // can be long and only its headers matter.
            var k = min(afterMarker + 1, utf8.count)
            var blockStart: Int?
            var blockEnd = utf8.count
            while k < utf8.count {
                let (content, next) = utf8.line(at: k, end: utf8.count)
                let blank = content.allSatisfy { ASCII.isSpace(utf8[$0]) }
                if blockStart == nil {
                    if !blank { blockStart = k }
                } else if blank {
                    blockEnd = k
                    break
                }
                k = next
            }
            // Only "Name: value" blocks count as returned headers.
            if let blockStart, !ASCII.isBlank(utf8[blockStart]) {
                let (firstLine, _) = utf8.line(at: blockStart, end: blockEnd)
                if utf8[firstLine].contains(ASCII.colon) {
                    returnedHeaders = utf8.text(blockStart..<blockEnd).lineStrings.filter { !$0.isEmpty }.joined(separator: "\n")
                }
            }
        }
        let lines = reportText.lineStrings

        let report = lines.joined(separator: "\n")
        let reportLower = LowerText(report)
        let delayed = reportLower.containsAny(delayPhrases) && !reportLower.containsAny(permanentPhrases)

        var recipients: [Recipient] = []
        func add(_ address: String, _ diagnostic: String, _ remoteMTA: String?, reason: BounceReason? = nil) {
            let key = address.asciiLowercased
            guard !ignore.contains(key), !key.hasPrefix("mailer-daemon@"), !key.hasPrefix("postmaster@") else { return }
            if let i = recipients.firstIndex(where: { $0.address.asciiLowercased == key }) {
                // Exchange repeats the address in its administrators' section, with the code.
                let hasCode = SMTPReplyScanner.status(in: recipients[i].diagnostic) != nil
                if !hasCode && SMTPReplyScanner.status(in: diagnostic) != nil || recipients[i].diagnostic.isEmpty {
                    recipients[i].diagnostic = diagnostic
                }
                if recipients[i].remoteMTA == nil { recipients[i].remoteMTA = remoteMTA }
                if recipients[i].reason == nil { recipients[i].reason = reason }
            } else {
                recipients.append(Recipient(address: address, diagnostic: diagnostic, remoteMTA: remoteMTA, reason: reason))
            }
        }

        var i = 0
        while i < lines.count {
            guard lines[i].utf8.contains(UInt8(ascii: "@")) else { i += 1; continue }
            let trimmed = lines[i].trimmed
            if let address = sendmailV5Address(trimmed) {
                // "550 <user@example.org>... User unknown": the line is the reply.
                add(address, trimmed, nil)
                i += 1
                continue
            }
            if format == "imail", let (address, said) = trailingAddress(trimmed) {
                // IMail: "Unknown user: user@example.org", "Delivery failed 5 attempts: user@example.org".
                let l = LowerText(said)
                add(address, said, nil, reason: l.contains("delivery failed") && l.contains("attempts") ? .expired : nil)
                i += 1
                continue
            }
            guard let (address, rest) = leadingAddress(bulletless(trimmed)) else { i += 1; continue }
            // Exchange: "user@example.org on Wed, 2 Dec 2026 10:14:12 +0100": the date says nothing.
            var block = [rest.hasPrefix("on ") ? "" : rest]
            var j = i + 1
            while j < lines.count, lines[j].utf8.contains(where: { !ASCII.isSpace($0) }), leadingAddress(bulletless(lines[j].trimmed)) == nil {
                block.append(lines[j].trimmed)
                j += 1
            }
            // qmail and Yahoo put the reply after a blank line only when the address line ends with ':'.
            var diagnostic = cleanDiagnostic(block.joined(separator: " ").collapsingWhitespace)
            if diagnostic.isEmpty {
                // Domino "because:", GMX "Reason:", 1&1 "For the following reason:", m-FILTER
                // "-------server message", Gmail "Technical details of permanent failure:".
                diagnostic = labelledDiagnostic(lines, from: j) ?? ""
            }
            if diagnostic.isEmpty && format == "notes" {
                // Lotus Notes writes the reason above the address.
                diagnostic = paragraphAbove(lines, i) ?? ""
            }
            add(address, diagnostic, remoteMTA(in: block), reason: format == "exchange2003" ? exchangeCode(diagnostic) : nil)
            i = j
        }

        // Sentences that name the address inside a line (Gmail, Office 365).
        let reportBytes = Array(report.utf8)
        for phrase in ["wasn't delivered to ", "delivering your message to ", "delivering your mail to ", "your message to ", "delivery to "] {
            let needle = Array(phrase.utf8)
            var from = 0
            while let hit = reportLower.bytes.firstIndex(of: needle, in: from..<reportLower.bytes.count) {
                from = hit + needle.count
                var end = from
                while end < reportBytes.count, !ASCII.isSpace(reportBytes[end]), reportBytes[end] != UInt8(ascii: ","),
                      reportBytes[end] != ASCII.semicolon { end += 1 }
                let address = reportBytes.text(from..<end).trimmingAddressPunctuation
                if isAddress(address) {
                    // dma: "There was an error delivering your mail to <…>." and, below, what the server said.
                    let below = format == "dma" ? textBelow(hit, in: reportBytes) : nil
                    add(address, below ?? gmailDiagnostic(reportBytes, reportLower) ?? sentence(around: hit, in: reportBytes), nil)
                }
            }
        }
        return TextBounce(format: "generic", delayed: delayed, recipients: recipients, returnedHeaders: returnedHeaders)
    }

    /// A list bullet ("* user@example.org") removed.
    static func bulletless(_ line: String) -> String {
        line.hasPrefix("* ") || line.hasPrefix("- ") ? String(line.dropFirst(2)).trimmed : line
    }

    /// V5 sendmail's transcript line `550 <user@example.org>... User unknown`.
    static func sendmailV5Address(_ line: String) -> String? {
        let b = Array(line.utf8)
        guard b.count > 8, ASCII.isDigit(b[0]), ASCII.isDigit(b[1]), ASCII.isDigit(b[2]), ASCII.isBlank(b[3]) else { return nil }
        var i = 4
        while i < b.count, ASCII.isBlank(b[i]) { i += 1 }
        guard i < b.count, b[i] == ASCII.less, let close = b[i...].firstIndex(of: ASCII.greater),
              b.count >= close + 4, b[close + 1] == ASCII.dot, b[close + 2] == ASCII.dot, b[close + 3] == ASCII.dot
        else { return nil }
        let address = b.text((i + 1)..<close)
        return isAddress(address) ? address : nil
    }

    /// IMail's `Unknown user: user@example.org`: what was said, then the address that ends the line.
    static func trailingAddress(_ line: String) -> (String, String)? {
        guard let colon = line.lastIndex(of: ":") else { return nil }
        let said = String(line[..<colon]).trimmed
        let address = String(line[line.index(after: colon)...]).trimmed.trimmingAddressPunctuation
        guard !said.isEmpty, !said.contains("@"), isAddress(address) else { return nil }
        return (address, said)
    }

    /// The paragraphs under the labels that follow a bare address line ("because:", "Reason:",
    /// "-------server message"), up to the first that holds an SMTP code; nil when none follows.
    static func labelledDiagnostic(_ lines: [String], from start: Int) -> String? {
        var parts: [String] = []
        var k = start
        while k < lines.count, parts.count < 3 {
            let t = lines[k].trimmed
            if t.isEmpty || isSeparator(t) { k += 1; continue }
            guard isLabel(t) else { break }
            k += 1
            while k < lines.count, lines[k].trimmed.isEmpty { k += 1 }
            var paragraph: [String] = []
            while k < lines.count {
                let u = lines[k].trimmed
                if u.isEmpty || isSeparator(u) || leadingAddress(bulletless(u)) != nil { break }
                paragraph.append(u)
                k += 1
            }
            guard !paragraph.isEmpty else { break }
            let text = paragraph.joined(separator: " ")
            parts.append(text)
            if SMTPReplyScanner.code(in: text) != nil || SMTPReplyScanner.status(in: text) != nil { break }
            if k < lines.count, leadingAddress(bulletless(lines[k].trimmed)) != nil { break }
        }
        let joined = parts.joined(separator: " ").collapsingWhitespace
        return joined.isEmpty ? nil : cleanDiagnostic(joined)
    }

    /// "because:", "Reason:", "Technical details of permanent failure:", "-------server message".
    private static func isLabel(_ line: String) -> Bool {
        if line.hasPrefix("-------"), let c = line.utf8.dropFirst(7).first, (c | 0x20) >= 97 && (c | 0x20) <= 122 { return true }
        return line.hasSuffix(":") && line.utf8.count <= 60 && !line.contains("@")
    }

    /// A rule line: `=====`, `-----`, `*****`.
    private static func isSeparator(_ line: String) -> Bool {
        line.utf8.count >= 3 && line.utf8.allSatisfy { $0 == UInt8(ascii: "=") || $0 == ASCII.hyphen || $0 == UInt8(ascii: "*") || $0 == ASCII.underscore }
    }

    /// The non-blank lines just above line `index` (Lotus Notes puts the reason there).
    static func paragraphAbove(_ lines: [String], _ index: Int) -> String? {
        var k = index - 1
        var paragraph: [String] = []
        while k >= 0 {
            let t = lines[k].trimmed
            if t.isEmpty || isSeparator(t) || t.hasPrefix("-------") || leadingAddress(t) != nil { break }
            paragraph.insert(t, at: 0)
            k -= 1
        }
        return paragraph.isEmpty ? nil : paragraph.joined(separator: " ").collapsingWhitespace
    }

    /// Exchange 2003's `MSEXCH:IMS:… (000C05A6) Unknown Recipient`: the code names the cause
    /// (as Sisimai's Exchange2003 table reads them).
    static func exchangeCode(_ diagnostic: String) -> BounceReason? {
        guard diagnostic.contains("MSEXCH:"), let open = diagnostic.firstIndex(of: "(") else { return nil }
        let code = diagnostic[diagnostic.index(after: open)...].prefix(8)
        switch code {
        case "000C05A6": return .userUnknown
        case "000B099C", "000B09AA", "000B09B6": return .onHold
        case "00010256", "000D06B5": return .systemError
        case "00120270": return .networkError
        case "00050311", "000502CC": return .contentError
        case "000B0981": return .securityError
        case "000C0595": return .filtered
        default: return nil
        }
    }

    /// The text from the line after `index` to the end of the report (dma writes the server's
    /// reply under its sentence).
    private static func textBelow(_ index: Int, in bytes: [UInt8]) -> String? {
        var start = index
        while start < bytes.count, bytes[start] != ASCII.lf { start += 1 }
        let text = bytes.text(min(start + 1, bytes.count)..<bytes.count).collapsingWhitespace
        return text.isEmpty ? nil : text
    }

    /// An address at the start of a line, bare, in angle brackets or in quotes, with what follows it.
    static func leadingAddress(_ line: String) -> (String, String)? {
        // Most lines name no address at all: a byte scan for "@" is far cheaper than what follows.
        guard line.utf8.contains(UInt8(ascii: "@")) else { return nil }
        var rest = Substring(line)
        var bracketed = false
        // GMX: `"user@example.org":`
        if rest.hasPrefix("\""), let close = rest.dropFirst().firstIndex(of: "\"") {
            let address = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            guard isAddress(address), after.allSatisfy({ $0 == ":" || $0 == " " }) else { return nil }
            return (address, "")
        }
        if rest.hasPrefix("<") { rest = rest.dropFirst(); bracketed = true }
        let token = rest.prefix { c in
            !(c == " " || c == "\t" || c == ">" || c == "," || c == ";" || c == "(" || c == ")" || c == "'" || c == "\"")
        }
        var address = String(token)
        if !bracketed, address.hasSuffix(":") { address.removeLast() }
        address = address.trimmingAddressPunctuation
        guard isAddress(address) else { return nil }
        rest = rest.dropFirst(token.count)
        if bracketed && rest.hasPrefix(">") { rest = rest.dropFirst() }
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        let tail = String(rest).trimmed
        // "user@example.org on 03/11/2026 10:00" (Exchange 2007) and "… (generated from …)" are fine;
        // a sentence that merely starts with an address is not a recipient line.
        if !tail.isEmpty && !bracketed && !tail.hasPrefix("on ") && !tail.hasPrefix("(") && !tail.hasPrefix("host ")
            && !tail.hasPrefix("<") && !line.contains(":") { return nil }
        return (address, tail)
    }

    /// An address as a DSN names it: any domain (`user@localhost` too), but never junk.
    static func isRecipientAddress(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@"), at != s.startIndex, s.index(after: at) != s.endIndex else { return false }
        let local = s[..<at]
        guard let first = local.first, first != "|", first != "/", !local.contains(":") else { return false }
        return s.unicodeScalars.allSatisfy { $0.value > 32 && $0 != "<" && $0 != ">" && $0 != "," && $0 != "\"" }
    }

    static func isAddress(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@"), at != s.startIndex else { return false }
        // A pipe command, a file, a "to:" prefix or a header name glued to the address is junk.
        let local = s[..<at]
        guard let first = local.first, first != "|", first != "/", !local.contains(":") else { return false }
        let domain = s[s.index(after: at)...]
        guard domain.contains("."), !domain.hasSuffix("."), !domain.hasPrefix("."), s.utf8.count <= 254 else { return false }
        return s.unicodeScalars.allSatisfy { $0.value > 32 && $0 != "<" && $0 != ">" && $0 != "(" && $0 != ")" && $0 != "," && $0 != "\"" && $0 != "[" && $0 != "]" }
            && s.filter({ $0 == "@" }).count == 1
    }

    /// Drops the prefixes MTAs put before the server's reply, so that the diagnostic starts with it.
    static func cleanDiagnostic(_ text: String) -> String {
        // Every prefix and marker below has a quote, a parenthesis or "said": most replies have none.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ":") }) else {
            return text.trimmed
        }
        var t = text
        for prefix in ["Remote Server returned '", "Remote server returned '", "(reason: "] {
            if let r = t.asciiRange(of: prefix) {
                t = String(t[r.upperBound...])
                if let close = t.lastIndex(where: { $0 == "'" || $0 == ")" }) { t = String(t[..<close]) }
                return t.trimmed
            }
        }
        for marker in ["Remote host said: ", " said: "] {
            if let r = t.asciiRange(of: marker) { return (String(t[..<r.lowerBound]) + ": " + String(t[r.upperBound...])).trimmed }
        }
        return t.trimmed
    }

    /// "The response from the remote server was:" and the reply that follows (Gmail).
    static func gmailDiagnostic(_ bytes: [UInt8], _ lower: LowerText) -> String? {
        for marker in ["the response from the remote server was:", "the response was:"] {
            let needle = Array(marker.utf8)
            guard let hit = lower.bytes.firstIndex(of: needle, in: 0..<lower.bytes.count) else { continue }
            var start = hit + needle.count
            while start < bytes.count, ASCII.isSpace(bytes[start]) { start += 1 }
            // The reply runs to the next blank line.
            var end = start
            while end < bytes.count {
                if bytes[end] == ASCII.lf {
                    var k = end + 1
                    while k < bytes.count, ASCII.isBlank(bytes[k]) || bytes[k] == ASCII.cr { k += 1 }
                    if k >= bytes.count || bytes[k] == ASCII.lf { break }
                }
                end += 1
            }
            let text = bytes.text(start..<end).collapsingWhitespace
            if !text.isEmpty { return text }
        }
        return nil
    }

    private static func sentence(around index: Int, in bytes: [UInt8]) -> String {
        var start = index
        while start > 0, bytes[start - 1] != ASCII.lf { start -= 1 }
        var end = index
        while end < bytes.count, bytes[end] != ASCII.lf { end += 1 }
        return bytes.text(start..<end).collapsingWhitespace
    }

    /// `host mx.example.org[192.0.2.1]`, `host mx.example.org [192.0.2.1]`, `while talking to mx.example.org.`
    static func remoteMTA(in block: [String]) -> String? {
        for line in block {
            for marker in ["host ", "host: ", "while talking to "] {
                guard let r = line.asciiRange(of: marker) else { continue }
                let name = line[r.upperBound...].prefix { !$0.isWhitespace && $0 != "[" && $0 != ":" }
                var host = String(name)
                while host.hasSuffix(".") { host.removeLast() }
                if host.contains(".") && !host.contains("@") { return host }
            }
        }
        return nil
    }
}

extension String {
    /// The first occurrence of `needle`, searched on the UTF-8 bytes: much cheaper than
    /// `firstRange(of:)`, which compares Characters.
    func asciiRange(of needle: String) -> Range<String.Index>? {
        let hay = Array(utf8), n = Array(needle.utf8)
        guard let i = hay.firstIndex(of: n, in: 0..<hay.count) else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: i)
        return lower..<utf8.index(lower, offsetBy: n.count)
    }

    /// Quotes, brackets and trailing sentence punctuation around an address removed.
    var trimmingAddressPunctuation: String {
        var s = Substring(self)
        while let f = s.first, "<'\"(".contains(f) { s = s.dropFirst() }
        while let l = s.last, ">'\".,:;)".contains(l) { s = s.dropLast() }
        return String(s)
    }
}
