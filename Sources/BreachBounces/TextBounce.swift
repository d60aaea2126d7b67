/// Bounces without a delivery-status part: the human-readable text that Exim, qmail, Postfix
/// (without DSN), old Sendmail, Exchange, Gmail, Yahoo and others write. Each is recognised by
/// its fixed sentences; recipients are the addresses that start a line of the report (before the
/// returned copy), and the diagnostic is the text that follows them.
struct TextBounce {
    struct Recipient {
        var address: String
        var diagnostic: String
        var remoteMTA: String?
    }

    var format: String
    var delayed: Bool
    var recipients: [Recipient]
    /// The returned copy's header block as text, when a marker announced it.
    var returnedHeaders: String?

    /// Fixed sentences per format. Those marked `weak` could also occur in a person's message,
    /// so they count only when the headers already look like a bounce.
    private static let signatures: [(format: String, phrases: Phrases, weak: Bool)] = [
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
    static func read(text: String, bounceHint: Bool, ignore: Set<String>) -> TextBounce? {
        let lower = LowerText(text)
        guard let format = signatures.first(where: { (bounceHint || !$0.weak) && lower.containsAny($0.phrases) })?.format
        else { return nil }
        var bounce = scan(text: text, lower: lower, ignore: ignore)
        bounce.format = format
        return bounce
    }

    /// The recipients a human-readable report names, each with what the report says about it:
    /// read beside a delivery-status part, whose `Diagnostic-Code` is often missing or generic.
    static func scan(text: String, lower: LowerText, ignore: Set<String>) -> TextBounce {

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
            let rest = utf8.text(min(afterMarker + 1, utf8.count)..<utf8.count)
            let restLines = rest.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                .drop { $0.trimmed.isEmpty }
                .prefix { !$0.trimmed.isEmpty }
            // Only "Name: value" blocks count as returned headers.
            if let first = restLines.first, first.contains(":"), first.first != " " {
                returnedHeaders = restLines.joined(separator: "\n")
            }
        }
        // "\r\n" is one Character in Swift: split on both forms.
        let lines = reportText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)

        let report = lines.joined(separator: "\n")
        let reportLower = LowerText(report)
        let delayed = reportLower.containsAny(delayPhrases) && !reportLower.containsAny(permanentPhrases)

        var recipients: [Recipient] = []
        func add(_ address: String, _ diagnostic: String, _ remoteMTA: String?) {
            let key = address.asciiLowercased
            guard !ignore.contains(key), !key.hasPrefix("mailer-daemon@"), !key.hasPrefix("postmaster@") else { return }
            if let i = recipients.firstIndex(where: { $0.address.asciiLowercased == key }) {
                // Exchange repeats the address in its administrators' section, with the code.
                let hasCode = SMTPReplyScanner.status(in: recipients[i].diagnostic) != nil
                if !hasCode && SMTPReplyScanner.status(in: diagnostic) != nil || recipients[i].diagnostic.isEmpty {
                    recipients[i].diagnostic = diagnostic
                }
                if recipients[i].remoteMTA == nil { recipients[i].remoteMTA = remoteMTA }
            } else {
                recipients.append(Recipient(address: address, diagnostic: diagnostic, remoteMTA: remoteMTA))
            }
        }

        var i = 0
        while i < lines.count {
            guard lines[i].utf8.contains(UInt8(ascii: "@")) else { i += 1; continue }
            let trimmed = lines[i].trimmed
            guard let (address, rest) = leadingAddress(trimmed) else { i += 1; continue }
            var block = [rest]
            var j = i + 1
            while j < lines.count, lines[j].utf8.contains(where: { !ASCII.isSpace($0) }), leadingAddress(lines[j].trimmed) == nil {
                block.append(lines[j].trimmed)
                j += 1
            }
            // qmail and Yahoo put the reply after a blank line only when the address line ends with ':'.
            let diagnostic = cleanDiagnostic(block.joined(separator: " ").collapsingWhitespace)
            add(address, diagnostic, remoteMTA(in: block))
            i = j
        }

        // Sentences that name the address inside a line (Gmail, Office 365).
        let reportBytes = Array(report.utf8)
        for phrase in ["wasn't delivered to ", "delivering your message to ", "your message to ", "delivery to "] {
            let needle = Array(phrase.utf8)
            var from = 0
            while let hit = reportLower.bytes.firstIndex(of: needle, in: from..<reportLower.bytes.count) {
                from = hit + needle.count
                var end = from
                while end < reportBytes.count, !ASCII.isSpace(reportBytes[end]), reportBytes[end] != UInt8(ascii: ","),
                      reportBytes[end] != ASCII.semicolon { end += 1 }
                let address = reportBytes.text(from..<end).trimmingAddressPunctuation
                if isAddress(address) {
                    add(address, gmailDiagnostic(reportBytes, reportLower) ?? sentence(around: hit, in: reportBytes), nil)
                }
            }
        }
        return TextBounce(format: "generic", delayed: delayed, recipients: recipients, returnedHeaders: returnedHeaders)
    }

    /// An address at the start of a line, bare or in angle brackets, with what follows it.
    static func leadingAddress(_ line: String) -> (String, String)? {
        // Most lines name no address at all: a byte scan for "@" is far cheaper than what follows.
        guard line.utf8.contains(UInt8(ascii: "@")) else { return nil }
        var rest = Substring(line)
        var bracketed = false
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
            for marker in ["host ", "while talking to "] {
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
