/// A `message/delivery-status` body (RFC 3464 §2.2–2.3): per-message fields, then one block of
/// per-recipient fields each. Read leniently: missing blank lines between blocks, comments in
/// `Action:`, a `Final-Recipient` without its address type, `X-Actual-Recipient` (FB, SS rfc1894).
struct DeliveryStatus {
    struct Recipient {
        var finalRecipient: String?
        var originalRecipient: String?
        var actualRecipient: String?
        var action: String?
        var status: String?
        var remoteMTA: String?
        var diagnostic: String?

        /// Set when a recipient field held something that is no address (a pipe, a file, a fragment).
        var hadJunkAddress = false

        /// The first field that holds a real address: junk (a pipe command, `to:…`, a bare
        /// `@host`) is never reported as a recipient.
        var address: String? {
            [finalRecipient, actualRecipient, originalRecipient].compactMap { $0 }.first(where: TextBounce.isRecipientAddress)
        }
        var isEmpty: Bool { finalRecipient == nil && actualRecipient == nil && originalRecipient == nil && action == nil && status == nil }
    }

    var reportingMTA: String?
    var envelopeID: String?
    var recipients: [Recipient] = []

    init(text: String) {
        var current = Recipient()
        var inRecipient = false
        func close() {
            if !current.isEmpty {
                current.hadJunkAddress = current.address == nil
                    && [current.finalRecipient, current.actualRecipient, current.originalRecipient].contains { $0 != nil }
                recipients.append(current)
            }
            current = Recipient()
            inRecipient = false
        }
        for field in Self.fields(text) {
            guard let field else { if inRecipient { close() }; continue }
            let (name, value) = field
            switch name {
            case "reporting-mta": reportingMTA = Self.stripType(value)
            case "original-envelope-id": envelopeID = value.trimmed
            case "final-recipient":
                if current.finalRecipient != nil { close() }
                current.finalRecipient = Self.address(value); inRecipient = true
            case "original-recipient":
                if current.originalRecipient != nil { close() }
                current.originalRecipient = Self.address(value); inRecipient = true
            case "x-actual-recipient": current.actualRecipient = Self.address(value); inRecipient = true
            case "action":
                current.action = value.trimmed.asciiLowercased.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == ";" }).first.map(String.init)
                inRecipient = true
            case "status":
                current.status = SMTPReplyScanner.status(in: value) ?? value.trimmed
                inRecipient = true
            case "remote-mta": current.remoteMTA = Self.stripType(value)
            case "diagnostic-code": current.diagnostic = Self.stripType(value)
            default: break
            }
        }
        close()
    }

    /// The fields of the body, unfolded; nil marks a blank line (a block boundary).
    private static func fields(_ text: String) -> [(String, String)?] {
        // Read on the UTF-8 bytes: the names and separators are ASCII.
        let bytes = Array(text.utf8)
        var result: [(String, String)?] = []
        var name: String?
        var value: [UInt8] = []
        func flush() {
            if let name { result.append((name, value.text(0..<value.count).collapsingWhitespace)) }
            name = nil
            value.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < bytes.count {
            let (line, next) = bytes.line(at: i, end: bytes.count)
            defer { i = next }
            if line.allSatisfy({ ASCII.isBlank(bytes[$0]) }) {
                flush()
                result.append(nil)
            } else if ASCII.isBlank(bytes[line.lowerBound]) {
                value.append(ASCII.space)
                value.append(contentsOf: bytes[line])
            } else if let colon = bytes[line].firstIndex(of: ASCII.colon) {
                flush()
                var start = line.lowerBound, end = colon
                while start < end, ASCII.isSpace(bytes[start]) { start += 1 }
                while end > start, ASCII.isSpace(bytes[end - 1]) { end -= 1 }
                name = String(decoding: bytes[start..<end].map(ASCII.lower), as: UTF8.self)
                value.append(contentsOf: bytes[(colon + 1)..<line.upperBound])
            }
        }
        flush()
        return result
    }

    /// `rfc822; user@example.org` → `user@example.org`; also without the type, with brackets.
    static func address(_ value: String) -> String {
        var v = stripType(value)
        if v.hasPrefix("<"), v.hasSuffix(">") { v = String(v.dropFirst().dropLast()) }
        return v.trimmed
    }

    /// `dns; mx.example.org` → `mx.example.org`; `smtp; 550 …` → `550 …`.
    static func stripType(_ value: String) -> String {
        let v = value.trimmed
        if let semicolon = v.firstIndex(of: ";"), !v[..<semicolon].contains(" "), !v[..<semicolon].contains("@") {
            return String(v[v.index(after: semicolon)...]).trimmed
        }
        return v
    }
}
