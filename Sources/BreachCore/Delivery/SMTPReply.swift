/// A server's full reply to one SMTP step: the three-digit code, the RFC 3463 enhanced status
/// code when the server gave one, and every text line.
///
/// libcurl's own error text keeps only the number ("RCPT failed: 550"); the transport keeps the
/// whole reply so that bounce classification and the register see the server's words.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The reply code, e.g. 250, 451, 550.
    public let code: Int
    /// The enhanced status code of the first line, e.g. `5.1.1`, if the server sent one.
    public let enhancedCode: EnhancedStatusCode?
    /// The text of each line, without the code, the separator and the enhanced code.
    public let lines: [String]

    /// A reply from its parts.
    public init(code: Int, enhancedCode: EnhancedStatusCode? = nil, lines: [String]) {
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines
    }

    /// Parses the raw lines of one reply (`"550-5.1.1 No such user"`, `"550 5.1.1 here"`).
    ///
    /// Returns `nil` when the first line does not start with a three-digit code.
    public init?(rawLines: [String]) {
        guard let first = rawLines.first, let code = Self.code(of: first.utf8) else { return nil }
        var enhanced: EnhancedStatusCode?
        var texts: [String] = []
        for (index, raw) in rawLines.enumerated() {
            var text = Substring(raw.utf8.count > 4 ? String(raw.dropFirst(4)) : "")
            if let parsed = EnhancedStatusCode(prefixOf: text) {
                // RFC 3463: the enhanced code is repeated on every line; keep the first.
                if index == 0 { enhanced = parsed }
                text = text.dropFirst(parsed.description.count).drop(while: { $0 == " " })
            }
            texts.append(String(text))
        }
        self.init(code: code, enhancedCode: enhanced, lines: texts)
    }

    /// The reply code of one raw line (its bytes), if it starts with three digits.
    package static func code(of line: some Collection<UInt8>) -> Int? {
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// 2xx and 3xx.
    public var isPositive: Bool { (200..<400).contains(code) }
    /// 4xx: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx: do not try again as it is.
    public var isPermanent: Bool { (500..<600).contains(code) }

    /// All the text, lines joined by a space.
    public var text: String { lines.joined(separator: " ") }

    /// `550 5.1.1 text…`, as a server would write it on one line.
    public var description: String {
        [String(code), enhancedCode?.description, text].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}

/// An RFC 3463 enhanced mail system status code: `class.subject.detail`, e.g. `5.1.1`.
public struct EnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    /// 2 (success), 4 (persistent transient) or 5 (permanent).
    public let statusClass: Int
    /// 0-999: the category (1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 security).
    public let subject: Int
    /// 0-999: the detail inside the subject.
    public let detail: Int

    /// A code from its three numbers.
    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// Parses `5.1.1` at the start of `text`, followed by a space or the end.
    public init?(prefixOf text: Substring) {
        let token = text.prefix(while: { $0 != " " })
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let c = Int(parts[0]), [2, 4, 5].contains(c), parts[0].count == 1,
            let s = Int(parts[1]), (1...3).contains(parts[1].count),
            let d = Int(parts[2]), (1...3).contains(parts[2].count)
        else { return nil }
        self.init(statusClass: c, subject: s, detail: d)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
