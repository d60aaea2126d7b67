public import Foundation

/// A file attached to a message: the authority notification as JSON, for example.
public struct Attachment: Sendable, Equatable {
    /// File name shown to the recipient; non-ASCII names are sent per RFC 2231.
    public var filename: String
    /// `type/subtype`, e.g. `application/json`.
    public var contentType: String
    /// The content, sent in base64.
    public var data: [UInt8]

    public init(filename: String, contentType: String, data: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// Everything the MIME layer needs to write one message.
public struct OutgoingMessage: Sendable {
    /// The `From:` mailbox.
    public var from: Mailbox
    /// The `To:` mailboxes (one per message in a campaign).
    public var to: [Mailbox]
    /// Where replies go, when not to `from`.
    public var replyTo: Mailbox?
    /// The subject line, unencoded; non-ASCII text is encoded here.
    public var subject: String
    /// The `Date:` header; shown in `utcOffsetSeconds`.
    public var date: Date
    /// The offset the `Date:` is written in, seconds east of UTC.
    public var utcOffsetSeconds: Int
    /// BCP 47 language of the text (`fr`, `en`, `de`), sent as `Content-Language`.
    public var language: String?
    /// The plain-text body (always sent, always first).
    public var text: String
    /// An optional HTML alternative of the same text.
    public var html: String?
    public var attachments: [Attachment]
    /// More headers (name, value), e.g. `Auto-Submitted`; checked like every other header.
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: Mailbox, to: [Mailbox], replyTo: Mailbox? = nil, subject: String, date: Date,
        utcOffsetSeconds: Int = 0, language: String? = nil, text: String, html: String? = nil,
        attachments: [Attachment] = [], extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.date = date
        self.utcOffsetSeconds = utcOffsetSeconds
        self.language = language
        self.text = text
        self.html = html
        self.attachments = attachments
        self.extraHeaders = extraHeaders
    }
}

/// Everything of a message but its bodies and attachments: what ``MIMEBuilder`` writes as headers.
struct MessageHeaders {
    var from: Mailbox
    var to: [Mailbox]
    var replyTo: Mailbox?
    var subject: String
    var date: Date
    var utcOffsetSeconds: Int
    var language: String?
    var extraHeaders: [(name: String, value: String)] = []
}

extension OutgoingMessage {
    var headers: MessageHeaders {
        MessageHeaders(from: from, to: to, replyTo: replyTo, subject: subject, date: date, utcOffsetSeconds: utcOffsetSeconds,
                       language: language, extraHeaders: extraHeaders)
    }
}

/// The headers written before and after `To`: Date and From; Reply-To and Subject. The same
/// for every person of a campaign, so a prepared composition writes them once.
struct CommonHeaders: Sendable {
    private let from: Mailbox
    private let replyTo: Mailbox?
    private let subject: String
    private let date: Date
    private let utcOffsetSeconds: Int
    /// `Date:` and `From:`.
    let beforeTo: [UInt8]
    /// `Reply-To:` (when there is one) and `Subject:`.
    let afterTo: [UInt8]

    init(_ message: MessageHeaders) {
        from = message.from
        replyTo = message.replyTo
        subject = message.subject
        date = message.date
        utcOffsetSeconds = message.utcOffsetSeconds
        var out: [UInt8] = []
        MIMEBuilder.header(&out, "Date", MIMEText.rfc5322Date(
            secondsSince1970: Int64(message.date.timeIntervalSince1970.rounded(.down)),
            offsetSeconds: message.utcOffsetSeconds))
        MIMEText.foldedHeader("From", message.from.tokens, into: &out)
        beforeTo = out
        out = []
        if let replyTo = message.replyTo { MIMEText.foldedHeader("Reply-To", replyTo.tokens, into: &out) }
        MIMEText.foldedHeader("Subject", MIMEText.unstructuredTokens(message.subject), into: &out)
        afterTo = out
    }

    /// Whether these were written from `message`'s values. The subject is compared byte for
    /// byte: two subjects that are equal as `String`s (canonically equivalent) may be written
    /// with other bytes, and comparing non-ASCII text as `String`s normalizes it, for every message.
    func matches(_ message: MessageHeaders) -> Bool {
        from == message.from && replyTo == message.replyTo && Self.sameBytes(subject, message.subject)
            && date == message.date && utcOffsetSeconds == message.utcOffsetSeconds
    }

    /// Whether `a` and `b` hold the same UTF-8 bytes: one `memcmp` of their storage when both are
    /// native strings (a subject read from a template always is), else byte by byte.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                x.count == 0 || x.baseAddress == y.baseAddress || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
        return (compared ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }
}

/// A text body as ``MIMEBuilder`` writes it: quoted-printable, CRLF line ends, ending with a line end.
///
/// A `String` is encoded as it is written; a prepared subject message brings most of its lines
/// already encoded (``SubjectSkeleton``).
protocol QuotedPrintableText {
    /// The length of the text in UTF-8 (to reserve room for the message).
    var utf8Count: Int { get }
    func writeQuotedPrintable(into out: inout [UInt8])
}

extension String: QuotedPrintableText {
    var utf8Count: Int { utf8.count }
    func writeQuotedPrintable(into out: inout [UInt8]) { MIMEText.quotedPrintable(self, into: &out) }
}

/// The finished message: its bytes and the Message-ID it carries (the campaign keeps it as a
/// fallback key for bounces).
public struct BuiltMessage: Sendable {
    /// The whole message, CRLF line ends, ready for SMTP `DATA` (not dot-stuffed).
    public let bytes: [UInt8]
    /// The Message-ID without angle brackets, e.g. `3f2a…@mail.example.org`.
    public let messageID: String
}

/// Writes RFC 5322 / MIME messages: headers with RFC 2047 encoded words, folded to 78
/// characters; UTF-8 bodies in quoted-printable; attachments in base64; CRLF everywhere.
///
/// ```swift
/// let builder = try MIMEBuilder(messageIDDomain: "mail.acme.example")
/// let message = try builder.build(outgoing)
/// ```
public struct MIMEBuilder: Sendable {
    /// The domain after `@` in every Message-ID (ASCII form).
    public let messageIDDomain: String
    /// The milliseconds since 1970 a Message-ID starts with (``messageIDTime(_:)``).
    private let clock: @Sendable () -> UInt64

    /// - Parameter clock: the time Message-IDs start with, in milliseconds since 1970 (the
    ///   system's clock; fixed for golden files).
    /// - Throws: ``AddressError`` when the domain is not a valid host name.
    public init(messageIDDomain: String, clock: @escaping @Sendable () -> UInt64 = MIMEBuilder.systemMilliseconds) throws(AddressError) {
        self.messageIDDomain = try MailAddress.asciiDomain(messageIDDomain)
        self.clock = clock
    }

    /// Milliseconds since 1970 by the system's clock.
    @Sendable public static func systemMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
    }

    /// A Message-ID's first nine characters: `milliseconds` in base 32 (``alphabet``, in ASCII
    /// order), so that the Message-IDs of a campaign sort in the order they were made. The
    /// register indexes every person's Message-ID (a bounce without a token is found by it): random
    /// ones put each new entry on a page of its own in that index, and a campaign of 1,000,000
    /// people read and wrote a page of it for each message; in the order they are made, they fill
    /// its last pages. The 16 random characters after it keep each Message-ID unique and unguessable
    /// (RFC 5322 §3.6.4 suggests the time and a unique value).
    static func messageIDTime(_ milliseconds: UInt64) -> String {
        var bytes: [UInt8] = []
        appendMessageIDTime(milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``messageIDTime(_:)``'s nine characters to `bytes`.
    private static func appendMessageIDTime(_ milliseconds: UInt64, to bytes: inout [UInt8]) {
        let start = bytes.count
        var rest = milliseconds
        for _ in 0..<9 {
            bytes.append(alphabet[Int(rest & 31)])
            rest >>= 5
        }
        bytes[start...].reverse()
    }

    /// Builds the message with the system's random generator for the Message-ID and boundaries.
    ///
    /// - Throws: ``HeaderValueError`` when a header value holds CR, LF, NUL or another control
    ///   character, or a header name is malformed; ``MIMEError`` when there is no recipient.
    public func build(_ message: OutgoingMessage) throws -> BuiltMessage {
        var random = SystemRandomNumberGenerator()
        return try build(message, using: &random)
    }

    /// Builds the message taking Message-ID and boundaries from `random` (seed it for golden files).
    ///
    /// - Throws: as ``build(_:)``.
    public func build(_ message: OutgoingMessage, using random: inout some RandomNumberGenerator) throws -> BuiltMessage {
        try build(message.headers, text: message.text, html: message.html, attachments: message.attachments, using: &random)
    }

    /// Builds a message whose bodies may come already encoded (a prepared composition's lines),
    /// and whose headers other than `To` may have been written already (`common`, used only
    /// when it was written from the same values as `message`'s).
    ///
    /// - Throws: as ``build(_:)``.
    func build(
        _ message: MessageHeaders, common: CommonHeaders? = nil,
        text: some QuotedPrintableText, html: (some QuotedPrintableText)?,
        attachments: [Attachment], using random: inout some RandomNumberGenerator
    ) throws -> BuiltMessage {
        guard !message.to.isEmpty else { throw MIMEError.noRecipient }
        try HeaderValueError.check(message.subject, field: "Subject")
        for header in message.extraHeaders {
            try Self.checkHeaderName(header.name)
            try HeaderValueError.check(header.value, field: "header \(header.name)")
        }

        var out: [UInt8] = []
        out.reserveCapacity(text.utf8Count * 2 + (html?.utf8Count ?? 0) * 2 + 1024)
        // The time, the random characters and the domain written into one buffer: one string per message.
        var idBytes: [UInt8] = []
        idBytes.reserveCapacity(26 + messageIDDomain.utf8.count)
        Self.appendMessageIDTime(clock(), to: &idBytes)
        Self.appendToken(&random, 16, to: &idBytes)
        idBytes.append(UInt8(ascii: "@"))
        idBytes.append(contentsOf: messageIDDomain.utf8)
        let id = String(decoding: idBytes, as: UTF8.self)

        let common = common.flatMap { $0.matches(message) ? $0 : nil } ?? CommonHeaders(message)
        out.append(contentsOf: common.beforeTo)
        var toTokens: [MIMEText.Token] = []
        for (index, mailbox) in message.to.enumerated() {
            var tokens = mailbox.tokens
            if index < message.to.count - 1, case .plain(let last) = tokens.removeLast() {
                tokens.append(.plain(last + ","))
            }
            toTokens.append(contentsOf: tokens)
        }
        MIMEText.foldedHeader("To", toTokens, into: &out)
        out.append(contentsOf: common.afterTo)
        out.append(contentsOf: "Message-ID: <".utf8)
        out.append(contentsOf: idBytes)
        out.append(contentsOf: ">\r\n".utf8)
        for header in message.extraHeaders {
            MIMEText.foldedHeader(header.name, MIMEText.unstructuredTokens(header.value), into: &out)
        }
        Self.header(&out, "MIME-Version", "1.0")

        // The body entity: text alone, or text and HTML as alternatives.
        func writeBody(into out: inout [UInt8], random: inout some RandomNumberGenerator) {
            if let html {
                let boundary = Self.multipartHeader(&out, "alternative", boundaryPrefix: "=_alt_", using: &random)
                Self.textPart(&out, boundary: boundary, subtype: "plain", text: text, language: message.language)
                Self.textPart(&out, boundary: boundary, subtype: "html", text: html, language: message.language)
                Self.closing(&out, boundary)
            } else {
                Self.textHeaders(&out, subtype: "plain", language: message.language)
                out.append(contentsOf: MIMEText.crlf)
                text.writeQuotedPrintable(into: &out)
            }
        }

        if attachments.isEmpty {
            writeBody(into: &out, random: &random)
        } else {
            let boundary = Self.multipartHeader(&out, "mixed", boundaryPrefix: "=_mix_", using: &random)
            Self.opening(&out, boundary)
            writeBody(into: &out, random: &random)
            for attachment in attachments {
                try Self.attachmentPart(&out, boundary: boundary, attachment)
            }
            Self.closing(&out, boundary)
        }
        return BuiltMessage(bytes: out, messageID: id)
    }

    // MARK: Parts

    fileprivate static func header(_ out: inout [UInt8], _ name: String, _ value: String) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        out.append(contentsOf: value.utf8)
        out.append(contentsOf: MIMEText.crlf)
    }

    /// `Content-Type: multipart/SUBTYPE` with a new boundary (`boundaryPrefix` and 12 random
    /// characters), and the empty line that ends the headers; returns the boundary.
    private static func multipartHeader(_ out: inout [UInt8], _ subtype: String, boundaryPrefix: String,
                                        using random: inout some RandomNumberGenerator) -> [UInt8] {
        var boundary = Array(boundaryPrefix.utf8)
        appendToken(&random, 12, to: &boundary)
        out.append(contentsOf: "Content-Type: multipart/".utf8)
        out.append(contentsOf: subtype.utf8)
        out.append(contentsOf: "; boundary=\"".utf8)
        out.append(contentsOf: boundary)
        out.append(contentsOf: "\"\r\n\r\n".utf8)
        return boundary
    }

    private static func opening(_ out: inout [UInt8], _ boundary: [UInt8]) {
        out.append(contentsOf: "--".utf8)
        out.append(contentsOf: boundary)
        out.append(contentsOf: MIMEText.crlf)
    }

    private static func closing(_ out: inout [UInt8], _ boundary: [UInt8]) {
        out.append(contentsOf: "--".utf8)
        out.append(contentsOf: boundary)
        out.append(contentsOf: "--\r\n".utf8)
    }

    private static func textHeaders(_ out: inout [UInt8], subtype: String, language: String?) {
        out.append(contentsOf: "Content-Type: text/".utf8)
        out.append(contentsOf: subtype.utf8)
        out.append(contentsOf: "; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n".utf8)
        if let language, !language.isEmpty, language.utf8.allSatisfy({ MIMEText.isAtext($0) }) {
            Self.header(&out, "Content-Language", language)
        }
    }

    private static func textPart(_ out: inout [UInt8], boundary: [UInt8], subtype: String, text: some QuotedPrintableText, language: String?) {
        opening(&out, boundary)
        textHeaders(&out, subtype: subtype, language: language)
        out.append(contentsOf: MIMEText.crlf)
        text.writeQuotedPrintable(into: &out)
    }

    private static func attachmentPart(_ out: inout [UInt8], boundary: [UInt8], _ a: Attachment) throws {
        let type = a.contentType.utf8
        guard type.contains(UInt8(ascii: "/")),
              type.allSatisfy({ MIMEText.isAtext($0) || $0 == UInt8(ascii: ".") }) else {
            throw MIMEError.invalidContentType(a.contentType)
        }
        try HeaderValueError.check(a.filename, field: "attachment file name")
        opening(&out, boundary)
        Self.header(&out, "Content-Type", a.contentType)
        Self.header(&out, "Content-Transfer-Encoding", "base64")
        let name = a.filename
        if name.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) && name.utf8.count <= 60 {
            var quoted = ""
            for c in name {
                if c == "\"" || c == "\\" { quoted.append("\\") }
                quoted.append(c)
            }
            Self.header(&out, "Content-Disposition", "attachment; filename=\"\(quoted)\"")
        } else {
            // RFC 2231 §4: charset'language'percent-encoded value.
            var encoded = "utf-8''"
            for b in name.utf8 {
                if MIMEText.isAtext(b) && b != UInt8(ascii: "%") && b != UInt8(ascii: "'")
                    && b != UInt8(ascii: "*") || b == UInt8(ascii: ".") {
                    encoded.append(Character(Unicode.Scalar(b)))
                } else {
                    encoded += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
                }
            }
            MIMEText.foldedHeader("Content-Disposition", [.plain("attachment;"), .plain("filename*=\(encoded)")], into: &out)
        }
        out.append(contentsOf: MIMEText.crlf)
        MIMEText.base64(a.data, into: &out)
    }

    // MARK: Identifiers

    private static let alphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuv".utf8)

    /// Appends `count` random base-32 characters to `bytes`.
    private static func appendToken(_ random: inout some RandomNumberGenerator, _ count: Int, to bytes: inout [UInt8]) {
        var bits = random.next()
        var left = 12
        for _ in 0..<count {
            if left == 0 { bits = random.next(); left = 12 }
            bytes.append(alphabet[Int(bits & 31)])
            bits >>= 5
            left -= 1
        }
    }

    private static func checkHeaderName(_ name: String) throws(HeaderValueError) {
        for b in name.utf8 where b < 33 || b > 126 || b == UInt8(ascii: ":") {
            throw HeaderValueError(field: "header name \"\(name)\"", character: UInt32(b))
        }
        if name.isEmpty { throw HeaderValueError(field: "header name (empty)", character: 0) }
    }
}

/// A message that cannot be written.
public enum MIMEError: Error, Sendable, Equatable, CustomStringConvertible {
    case noRecipient
    case invalidContentType(String)

    public var description: String {
        switch self {
        case .noRecipient: return "the message has no recipient: give at least one `To` address."
        case .invalidContentType(let t): return "attachment content type \"\(t)\" is not of the form type/subtype."
        }
    }
}
