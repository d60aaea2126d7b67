/// The SMTP conversation as `--verbose` shows it: each command and reply line, with nobody's
/// address in it. The recipient is named by the message's id (`RCPT TO:<subject-42>`), the
/// return path is `<return path>`, any word with an `@` in a reply is `<address>`, AUTH shows
/// its mechanism only and its exchanges (334 challenges, the client's answers) as `***`, and the
/// message itself is one line with its size.
///
/// Built only when a conversation sink is set (``SMTPSessionOptions/conversation``): without
/// `--verbose` the debug callback does not format a thing.
enum SMTPConversation {
    /// The command as shown; `recipient` names the person (the message's id).
    static func command(_ bytes: UnsafeRawBufferPointer, recipient: String) -> String {
        let line = String(decoding: bytes, as: UTF8.self).trimmingLineEnd()
        let verb = String(line.prefix { $0 != " " }).uppercased()
        switch verb {
        case "EHLO", "HELO", "STARTTLS", "DATA", "QUIT", "RSET", "NOOP":
            return "C: " + line
        case "MAIL":
            return "C: MAIL FROM:<return path>" + parameters(after: line)
        case "RCPT":
            return "C: RCPT TO:<\(recipient)>" + parameters(after: line)
        case "AUTH":
            let words = line.split(separator: " ")
            return "C: AUTH" + (words.count > 1 ? " \(words[1])" : "") + (words.count > 2 ? " ***" : "")
        default:
            // An AUTH exchange (base64 credentials) or a command breachmail never sends.
            return "C: ***"
        }
    }

    /// The reply lines as shown, one or more; a part of a line is shown as it came.
    static func reply(_ bytes: UnsafeRawBufferPointer) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map { raw in
            let line = String(raw)
            if line.hasPrefix("334") { return "S: 334 ***" }
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
                .map { $0.contains("@") ? "<address>" : String($0) }
            return "S: " + words.joined(separator: " ")
        }
    }

    /// `SIZE=1234` and other parameters after the `>` of a path; never the path.
    private static func parameters(after line: String) -> String {
        guard let end = line.lastIndex(of: ">") else { return "" }
        return String(line[line.index(after: end)...])
    }

    /// The message's one line.
    static func message(bytes: Int) -> String { "C: (the message, \(bytes) bytes, not shown)" }
}

extension String {
    fileprivate func trimmingLineEnd() -> String {
        var text = self
        // "\r\n" is one Character.
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
