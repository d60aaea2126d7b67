/// A reply of a supervisory authority to a notification, read for what the scheduler needs: who
/// sent it, which message it answers, its subject, its own text (the quoted copy of our
/// notification cut off) and the reference the authority gives, if one is clearly given.
///
/// The CNPD "sends an electronic acknowledgement of receipt to the address that sent the
/// notification"; its reference format is not published, so a reference is taken only when the
/// authority labels it as its own (`Notre référence : CNPD-2026-0457`, `Our reference: …`,
/// `Aktenzeichen: …`) and exactly one such value is found. Anything less certain is left to the
/// DPO to confirm.
///
/// ```swift
/// let reply = AuthorityReply(bytes: message)
/// if reply.answers(messageID: sent.messageID) { reply.reference(excluding: ["BR-2026-0001"]) }
/// ```
public struct AuthorityReply: Sendable {
    /// The sender's address, lower-cased, without display name or angle brackets; "" when absent.
    public let fromAddress: String
    /// The Message-ID of this reply, without angle brackets; "" when absent.
    public let messageID: String
    /// Every message id of `In-Reply-To` and `References`, without angle brackets.
    public let answeredIDs: [String]
    /// The decoded subject.
    public let subject: String
    /// The authority's own words: the first text part, HTML reduced to text, quoted lines and
    /// everything from the quoted original message on removed.
    public let text: String
    /// A delivery report (`multipart/report`) or a message from a mailer daemon: never an acknowledgement.
    public let isDeliveryReport: Bool

    public init(bytes: [UInt8]) {
        var reader = MIMEReader(bytes: bytes)
        let root = reader.read(0..<bytes.count)
        fromAddress = Self.address(root.header("from") ?? "")
        messageID = Self.ids(root.header("message-id") ?? "").first ?? ""
        answeredIDs = Self.ids((root.header("in-reply-to") ?? "") + " " + (root.header("references") ?? ""))
        subject = EncodedWords.decode(root.header("subject") ?? "").collapsingWhitespace
        let local = fromAddress.split(separator: "@").first.map { String($0) } ?? ""
        isDeliveryReport = root.contentType.mediaType == "multipart/report"
            || ["mailer-daemon", "postmaster"].contains(local)
        var plain: String?, html: String?
        root.walk { entity in
            guard entity.children.isEmpty, entity.contentType.type == "text",
                  !(entity.header("content-disposition") ?? "").asciiLowercased.hasPrefix("attachment") else { return }
            if entity.contentType.subtype == "plain", plain == nil { plain = entity.decodedText(in: bytes) }
            if entity.contentType.subtype == "html", html == nil { html = entity.decodedText(in: bytes) }
        }
        text = Self.ownWords(plain ?? html.map(Self.textOfHTML) ?? "")
    }

    /// Whether this reply names `messageID` (with or without angle brackets) in `In-Reply-To` or `References`.
    public func answers(messageID: String) -> Bool {
        let id = Self.ids(messageID).first ?? messageID
        return !id.isEmpty && answeredIDs.contains { $0.asciiLowercased == id.asciiLowercased }
    }

    /// Whether the sender's domain is `domain` or one of its subdomains (`cnpd.lu`, `mail.cnpd.lu`).
    public func isFrom(domain: String) -> Bool {
        guard let at = fromAddress.lastIndex(of: "@") else { return false }
        let host = fromAddress[fromAddress.index(after: at)...]
        let d = domain.asciiLowercased
        return !d.isEmpty && (host == d || host.hasSuffix("." + d))
    }

    /// The reference the authority gives as its own, in the subject or its text: the single value
    /// labelled as such; nil when none is, or when two different values are (the DPO chooses then).
    /// Values in `excluding` (the incident's own number, which the authority quotes back as "your
    /// reference") are never taken.
    public func reference(excluding: [String]) -> String? {
        let excluded = Set(excluding.map(\.asciiLowercased))
        var found: [String] = []
        for source in [subject, text] {
            for match in source.matches(of: Self.labelled()) where !Self.isOurs(source, before: match.range.lowerBound) {
                let value = String(match.output.1)
                if excluded.contains(value.asciiLowercased) || found.contains(value) { continue }
                found.append(value)
            }
        }
        return found.count == 1 ? found[0] : nil
    }

    // MARK: Reading

    /// A label the authority uses for its own reference, then the value: letters, digits and
    /// `- / . _`, at least three digits, four to forty characters, ending in a letter or digit
    /// that is not followed by more of an address or a word. "Votre référence", "your reference",
    /// "Ihr Zeichen" (ours, quoted back) are refused by ``isOurs(_:before:)``.
    static func labelled() -> Regex<(Substring, Substring)> {
        let label = #"\b(?:(?:notre|nos|our|unser(?:e|es)?)\s+(?:r[ée]f[ée]rences?|r[ée]f\.?|ref\.?|reference|zeichen|aktenzeichen)"#
            + #"|n/\s?r[ée]f\.?|aktenzeichen|(?:num[ée]ro\s+de\s+)?dossier(?:\s+n[°o]\.?)?"#
            + #"|(?:case|file)\s+(?:number|no\.?|ref(?:erence)?\.?)|r[ée]f[ée]rence(?:\s+(?:number|n[°o]\.?|num[ée]ro))?)"#
        let value = #"([A-Za-z0-9](?=(?:[A-Za-z0-9./_-]*\d){3})[A-Za-z0-9./_-]{2,38}[A-Za-z0-9])(?![A-Za-z0-9@]|[./_-][A-Za-z0-9])"#
        do {
            return try Regex(label + #"\s*(?:[:#]|n[°o]\.?)?\s*(?:[:#]\s*)?"# + value, as: (Substring, Substring).self).ignoresCase()
        } catch {
            preconditionFailure("the reference pattern does not compile: \(error)")
        }
    }

    /// Whether the label at `index` is preceded by "votre", "your", "vos", "Ihr(e)" or "v/": the
    /// authority quoting our own reference back.
    static func isOurs(_ source: String, before index: String.Index) -> Bool {
        let before = source[..<index].suffix(12).lowercased()
        let words = before.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
        if before.hasSuffix("v/") || before.hasSuffix("v/ ") { return true }
        guard let last = words.last, before.last == " " || before.last == "\t" || before.last == "\n" else { return false }
        return ["votre", "vos", "your", "ihr", "ihre", "ihres"].contains(String(last))
    }

    /// The lower-cased address of a From field (`"CNPD" <DataBreach@cnpd.lu>` → `databreach@cnpd.lu`).
    static func address(_ field: String) -> String {
        let value = EncodedWords.decode(field)
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            return String(value[value.index(after: open)..<close]).trimmed.asciiLowercased
        }
        return value.trimmed.asciiLowercased
    }

    /// The `<id>` tokens of a Message-ID, In-Reply-To or References field, without brackets; a
    /// bare id (no brackets at all) is taken whole.
    static func ids(_ field: String) -> [String] {
        var result: [String] = []
        var rest = Substring(field)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = String(rest[rest.index(after: open)..<close]).trimmed
            if !id.isEmpty { result.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if result.isEmpty, !field.trimmed.isEmpty, !field.contains(" ") { result.append(field.trimmed) }
        return result
    }

    /// The reply's own lines: up to the quoted original (`-----Original Message-----`,
    /// `-------- Message original --------`, `Le … a écrit :`, `On … wrote:`, an Outlook
    /// `From:`/`De :` block), without `>` quoted lines.
    static func ownWords(_ text: String) -> String {
        var kept: [Substring] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let t = line.trimmed
            let lower = t.lowercased()
            if t.hasPrefix(">") { continue }
            let startsQuote = (lower.hasPrefix("-----") && (lower.contains("original") || lower.contains("message")))
                || (lower.hasPrefix("le ") && lower.hasSuffix("a écrit :")) || (lower.hasPrefix("le ") && lower.hasSuffix("a écrit:"))
                || (lower.hasPrefix("on ") && lower.hasSuffix("wrote:")) || (lower.hasPrefix("am ") && lower.hasSuffix("schrieb:"))
                || lower.hasPrefix("from: ") || lower.hasPrefix("de : ") || lower.hasPrefix("de: ") || lower.hasPrefix("von: ")
            if startsQuote { break }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    /// HTML reduced to its text: tags removed (a block tag ends a line), the common entities read.
    static func textOfHTML(_ html: String) -> String {
        var out = ""
        var inTag = false
        var tag = ""
        var skipping = false
        for c in html {
            if inTag {
                if c == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                    if name == "style" || name == "script" || name == "head" { skipping = true }
                    if tag.lowercased().hasPrefix("/style") || tag.lowercased().hasPrefix("/script") || tag.lowercased().hasPrefix("/head") { skipping = false }
                    if ["br", "p", "/p", "div", "/div", "tr", "/tr", "li", "blockquote"].contains(name) { out.append("\n") }
                    if name == "blockquote" { break }
                } else { tag.append(c) }
            } else if c == "<" {
                inTag = true
                tag = ""
            } else if !skipping {
                out.append(c)
            }
        }
        for (entity, character) in [("&nbsp;", " "), ("&eacute;", "é"), ("&egrave;", "è"), ("&agrave;", "à"), ("&ccedil;", "ç"),
                                    ("&deg;", "°"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingAll(entity, with: character)
        }
        return out
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation in this module).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard contains(target) else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
