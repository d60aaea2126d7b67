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
        var result: [(String, String)?] = []
        var name: String?
        var value = ""
        func flush() {
            if let name { result.append((name, value.collapsingWhitespace)) }
            name = nil
            value = ""
        }
        // "\r\n" is one Character in Swift: split on both forms.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                flush()
                result.append(nil)
            } else if line.first == " " || line.first == "\t" {
                value += " " + line
            } else if let colon = line.firstIndex(of: ":") {
                flush()
                name = String(line[..<colon]).trimmed.asciiLowercased
                value = String(line[line.index(after: colon)...])
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
