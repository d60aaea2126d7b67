/// Amazon SES's bounce notification as it arrives by mail: the JSON that SES publishes to an SNS
/// topic, delivered by an `email-json` subscription inside SNS's own envelope (`"Type":
/// "Notification"`, the SES JSON as the string `"Message"`), or forwarded bare. SES decides
/// `bounceType` (Permanent, Transient, Undetermined) and `bounceSubType` (General, NoEmail,
/// Suppressed, MailboxFull, MessageTooLarge…) itself; the recipients' `status` and
/// `diagnosticCode` are the remote server's DSN fields when there was one.
struct SESNotification {
    struct Recipient {
        var address: String
        var status: String?
        var diagnostic: String?
    }

    var recipients: [Recipient]
    /// SES's judgement when its subtype names a cause (MailboxFull…); nil for General/Undetermined.
    var reason: BounceReason?
    var permanent: Bool
    var reportingMTA: String?
    /// The original message's `Message-ID` and our return path (`mail.source`), as returned headers.
    var returnedHeaders: [HeaderField]

    /// nil unless `text` is an SES `Bounce` notification.
    init?(text: String) {
        // Cheap checks first: most bounces are not JSON at all.
        guard let first = text.utf8.first(where: { !ASCII.isSpace($0) }), first == UInt8(ascii: "{"),
              LowerText(text).contains("notificationtype") else { return nil }
        guard var object = JSON.parse(text)?.object else { return nil }
        if case .string(let inner)? = object["Message"], let message = JSON.parse(inner)?.object { object = message }
        guard object["notificationType"]?.string == "Bounce" || object["eventType"]?.string == "Bounce",
              let bounce = object["bounce"]?.object else { return nil }
        recipients = (bounce["bouncedRecipients"]?.array ?? []).compactMap { value in
            guard let r = value.object, let address = r["emailAddress"]?.string, TextBounce.isRecipientAddress(address) else { return nil }
            return Recipient(address: address, status: r["status"]?.string.flatMap { SMTPReplyScanner.status(in: $0) },
                             diagnostic: r["diagnosticCode"]?.string.map(DeliveryStatus.stripType))
        }
        permanent = bounce["bounceType"]?.string == "Permanent"
        // Without the remote server's words, SES's own verdict is the evidence.
        let verdict = "Amazon SES: \(bounce["bounceType"]?.string ?? "unknown") bounce (\(bounce["bounceSubType"]?.string ?? "no subtype"))"
        for i in recipients.indices where recipients[i].diagnostic?.isEmpty ?? true { recipients[i].diagnostic = verdict }
        switch bounce["bounceSubType"]?.string {
        case "NoEmail": reason = .userUnknown
        case "Suppressed", "OnAccountSuppressionList": reason = .suppressed
        case "MailboxFull": reason = .mailboxFull
        case "MessageTooLarge": reason = .emailTooLarge
        case "ContentRejected", "AttachmentRejected": reason = .contentError
        default: reason = nil
        }
        reportingMTA = bounce["reportingMTA"]?.string.map(DeliveryStatus.stripType)
        var headers: [HeaderField] = []
        let mail = object["mail"]?.object
        if let source = mail?["source"]?.string { headers.append(HeaderField(name: "return-path", value: "<\(source)>")) }
        let messageID = mail?["commonHeaders"]?.object?["messageId"]?.string
            ?? mail?["headers"]?.array?.lazy.compactMap(\.object).first { $0["name"]?.string?.asciiLowercased == "message-id" }?["value"]?.string
        if let messageID { headers.append(HeaderField(name: "message-id", value: messageID)) }
        returnedHeaders = headers
    }
}

/// The JSON that SES notifications need: objects, arrays, strings (with escapes), numbers,
/// true, false, null. Depth-limited; nil on anything malformed.
enum JSON {
    case object([String: JSON])
    case array([JSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var string: String? { if case .string(let s) = self { return s }; return nil }

    static func parse(_ text: String) -> JSON? {
        var parser = Parser(bytes: Array(text.utf8))
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipSpace()
        return parser.i == parser.bytes.count ? value : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() { while i < bytes.count, ASCII.isSpace(bytes[i]) { i += 1 } }

        mutating func value(depth: Int) -> JSON? {
            guard depth < 64 else { return nil }
            skipSpace()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var result: [String: JSON] = [:]
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(result) }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == ASCII.colon else { return nil }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    result[key] = v
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(result) }
                    return nil
                }
            case UInt8(ascii: "["):
                i += 1
                var result: [JSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(result) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    result.append(v)
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(result) }
                    return nil
                }
            case ASCII.quote:
                return string().map(JSON.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            default:
                let start = i
                while i < bytes.count, ASCII.isDigit(bytes[i]) || "+-.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start, let n = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { return nil }
                return .number(n)
            }
        }

        mutating func literal(_ word: String, _ value: JSON) -> JSON? {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return nil }
            i += w.count
            return value
        }

        mutating func string() -> String? {
            guard i < bytes.count, bytes[i] == ASCII.quote else { return nil }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if b == ASCII.quote { return String(decoding: out, as: UTF8.self) }
                guard b == ASCII.backslash else { out.append(b); continue }
                guard i < bytes.count else { return nil }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(ASCII.lf)
                case UInt8(ascii: "r"): out.append(ASCII.cr)
                case UInt8(ascii: "t"): out.append(ASCII.tab)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    // A surrogate pair: two \u escapes make one scalar.
                    if scalar >= 0xD800, scalar < 0xDC00, i + 1 < bytes.count, bytes[i] == ASCII.backslash,
                       bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(e)  // \" \\ \/
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
            i += 4
            return v
        }
    }
}
