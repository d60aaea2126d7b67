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
        texts.reserveCapacity(rawLines.count)
        for var raw in rawLines {
            let (lineCode, text) = raw.withUTF8 { Self.line($0) }
            if texts.isEmpty { enhanced = lineCode }
            texts.append(text)
        }
        self.init(code: code, enhancedCode: enhanced, lines: texts)
    }

    /// Parses one reply from its bytes as they came off the wire, the lines separated by LF (their
    /// CR taken out) and the last one ended by LF: the same reply as ``init(rawLines:)`` on those
    /// lines, read without making a string of each line first (the transport reads one reply per
    /// message).
    ///
    /// Returns `nil` when the first line does not start with a three-digit code.
    package init?(replyBytes bytes: [UInt8]) {
        guard let code = Self.code(of: bytes) else { return nil }
        var enhanced: EnhancedStatusCode?
        var texts: [String] = []
        bytes.withUnsafeBufferPointer { all in
            let end = all.last == 0x0A ? all.count - 1 : all.count
            var start = 0
            while true {
                var stop = start
                while stop < end, all[stop] != 0x0A { stop += 1 }
                let (lineCode, text) = Self.line(UnsafeBufferPointer(rebasing: all[start..<stop]))
                if texts.isEmpty { enhanced = lineCode }
                texts.append(text)
                guard stop < end else { break }
                start = stop + 1
            }
        }
        self.init(code: code, enhancedCode: enhanced, lines: texts)
    }

    /// One line of a reply: its enhanced code, if it has one, and its text — what follows the code
    /// and the separator (the first four bytes) and the enhanced code with the spaces after it.
    /// RFC 3463: the enhanced code is repeated on every line; a reply keeps the first line's.
    /// Invalid UTF-8 in the text is repaired (U+FFFD).
    private static func line(_ bytes: UnsafeBufferPointer<UInt8>) -> (EnhancedStatusCode?, String) {
        var from = min(4, bytes.count)
        let enhanced = EnhancedStatusCode(prefixOf: UnsafeBufferPointer(rebasing: bytes[from...]))
        if enhanced != nil {
            while from < bytes.count, bytes[from] != 0x20 { from += 1 }
            while from < bytes.count, bytes[from] == 0x20 { from += 1 }
        }
        return (enhanced, String(decoding: UnsafeBufferPointer(rebasing: bytes[from...]), as: UTF8.self))
    }

    /// The reply code of one raw line (its bytes), if it starts with three digits.
    /// Inlinable: the SMTP transcript calls it for every reply of every transaction, and a
    /// generic call across modules would not be specialised.
    @inlinable
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
        var line = String(code)
        if let enhancedCode { line += " " + enhancedCode.description }
        let text = text
        if !text.isEmpty { line += " " + text }
        return line
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

    /// Parses `5.1.1` at the start of a reply line's text (its bytes), followed by a space or the
    /// end: a class of 2, 4 or 5, then a subject and a detail of one to three digits each,
    /// dot-separated.
    package init?(prefixOf bytes: UnsafeBufferPointer<UInt8>) {
        var numbers = (0, 0)
        var part = 0, digits = 0, value = 0
        for byte in bytes {
            if byte == UInt8(ascii: " ") { break }
            if byte == UInt8(ascii: ".") {
                guard digits > 0, part < 2 else { return nil }
                if part == 0 { numbers.0 = value } else { numbers.1 = value }
                part += 1
                digits = 0
                value = 0
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < (part == 0 ? 1 : 3) else { return nil }
            digits += 1
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard part == 2, digits > 0, numbers.0 == 2 || numbers.0 == 4 || numbers.0 == 5 else { return nil }
        self.init(statusClass: numbers.0, subject: numbers.1, detail: value)
    }

    public var description: String { "\(statusClass).\(subject).\(detail)" }
}
