import Crypto

/// The real headers of a message, each value already RFC 2047-encoded by the caller (ASCII only).
public struct MessageHeaders: Sendable, Hashable {
    /// `From`, e.g. `DPO Example <dpo@example.lu>`.
    public var from: String
    /// `To`, e.g. `databreach@cnpd.lu`.
    public var to: String
    /// The real `Subject`, which travels only inside the encrypted part.
    public var subject: String
    /// `Date`, RFC 5322 form, e.g. `Tue, 03 Mar 2026 10:15:00 +0100`.
    public var date: String
    /// `Message-ID`, with its angle brackets.
    public var messageID: String

    /// The five headers of a message.
    public init(from: String, to: String, subject: String, date: String, messageID: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.date = date
        self.messageID = messageID
    }
}

/// An encrypted PGP/MIME message ready for SMTP, with the hashes the register records.
public struct PGPMIMEMessage: Sendable, Hashable {
    /// The whole message: RFC 5322 headers and the `multipart/encrypted` body, CRLF line ends.
    public let bytes: [UInt8]
    /// SHA-256 (lower-case hex) of the inner entity that was encrypted, protected headers included.
    public let plaintextSHA256: String
    /// SHA-256 (lower-case hex) of ``bytes``.
    public let messageSHA256: String
}

/// PGP/MIME (RFC 3156) with protected headers (draft-autocrypt-lamps-protected-headers, "v1").
///
/// The real Subject, From, To, Date and Message-ID go inside the encrypted part; the outer
/// message shows ``neutralSubject`` so that the envelope says nothing of a breach.
public enum PGPMIME {
    /// The outer Subject of every encrypted message.
    public static let neutralSubject = "Encrypted message"

    /// Encrypts `inner` (a complete MIME entity: its own headers, Content-Type included, a blank
    /// line and its body, CRLF line ends) to `recipient`, optionally signed, and wraps it as
    /// `multipart/encrypted`.
    ///
    /// Blocks while gpg runs: call it off the cooperative pool (``PGPThread/run(_:)``).
    ///
    /// ```swift
    /// let message = try PGPMIME.encrypt(entity, headers: headers, to: authority, signedBy: nil, in: keyring)
    /// ```
    /// - Throws: ``PGPError`` `.headerInjection` for a header value with CR, LF or NUL,
    ///   `.malformedEntity` for an inner entity that is not canonical MIME, and every refusal of
    ///   ``Keyring/encrypt(_:to:signedBy:)``.
    public static func encrypt(
        _ inner: [UInt8], headers: MessageHeaders, to recipient: RecipientKey, signedBy signer: SigningKey? = nil,
        in keyring: Keyring
    ) throws(PGPError) -> PGPMIMEMessage {
        let outerHeaders = try outerHeaderLines(headers)
        let plaintext = try protectedEntity(inner, headers: headers)
        let armored = try keyring.encrypt(plaintext, to: recipient, signedBy: signer)
        let bytes = try outerMessage(headerLines: outerHeaders, armored: armored)
        return PGPMIMEMessage(bytes: bytes, plaintextSHA256: sha256(plaintext), messageSHA256: sha256(bytes))
    }

    // MARK: - The inner entity

    /// `inner` with the protected headers added and `protected-headers="v1"` on its Content-Type.
    static func protectedEntity(_ inner: [UInt8], headers: MessageHeaders) throws(PGPError) -> [UInt8] {
        try checkCanonical(inner)
        guard let split = inner.firstRange(of: crlf + crlf), split.lowerBound > 0 else {
            throw malformed("The inner entity has no header block. Fix: start it with its Content-Type header.")
        }
        let fields = try headerFields(String(decoding: inner[..<split.lowerBound], as: UTF8.self))
        var contentTypeSeen = false
        var lines: [String] = []
        for field in fields {
            let name = field.prefix { $0 != ":" }.lowercased()
            if protectedNames.contains(name) {
                throw malformed(
                    "The inner entity already has a \(field.prefix { $0 != ":" }) header; the protected headers "
                        + "come from the real headers. Fix: leave Subject, From, To, Date and Message-ID out of it.")
            }
            if name == "content-type" {
                contentTypeSeen = true
                lines.append(field.lowercased().contains("protected-headers=") ? field : field + ";\r\n protected-headers=\"v1\"")
            } else {
                lines.append(field)
            }
        }
        guard contentTypeSeen else {
            throw malformed("The inner entity has no Content-Type header. Fix: give it one.")
        }
        lines += try realHeaderLines(headers, subject: headers.subject)
        return Array(lines.joined(separator: "\r\n").utf8) + inner[split.lowerBound...]
    }

    private static let protectedNames: Set<String> = ["subject", "from", "to", "date", "message-id"]

    /// Splits a header block into fields, each with its continuation lines.
    private static func headerFields(_ block: String) throws(PGPError) -> [String] {
        var fields: [String] = []
        for line in block.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t" {
                guard !fields.isEmpty else {
                    throw malformed("The inner entity starts with a continuation line. Fix: start it with a header.")
                }
                fields[fields.count - 1] += "\r\n" + line
            } else {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw malformed("The inner entity has a header line without a field name and colon.")
                }
                fields.append(String(line))
            }
        }
        return fields
    }

    /// CRLF only, no NUL, no line over 998 octets (RFC 5322 §2.1.1, RFC 3156 §3).
    private static func checkCanonical(_ bytes: [UInt8]) throws(PGPError) {
        var lineLength = 0
        var previous: UInt8 = 0
        for byte in bytes {
            switch byte {
            case 0:
                throw malformed("The inner entity contains a NUL octet. Fix: encode binary content (base64).")
            case 10 where previous != 13:
                throw malformed("The inner entity has a bare LF line end. Fix: end every line with CRLF.")
            case 10:
                lineLength = 0
            case 13:
                break
            default:
                if previous == 13 {
                    throw malformed("The inner entity has a bare CR. Fix: end every line with CRLF.")
                }
                lineLength += 1
                if lineLength > 998 {
                    throw malformed("The inner entity has a line over 998 octets. Fix: encode or wrap it.")
                }
            }
            previous = byte
        }
        if previous == 13 {
            throw malformed("The inner entity has a bare CR. Fix: end every line with CRLF.")
        }
    }

    // MARK: - The outer message

    private static func outerHeaderLines(_ headers: MessageHeaders) throws(PGPError) -> [String] {
        try realHeaderLines(headers, subject: neutralSubject) + ["MIME-Version: 1.0"]
    }

    /// From, To, Subject, Date and Message-ID, checked and folded.
    private static func realHeaderLines(_ headers: MessageHeaders, subject: String) throws(PGPError) -> [String] {
        [
            try field("From", headers.from), try field("To", headers.to), try field("Subject", subject),
            try field("Date", headers.date), try field("Message-ID", headers.messageID),
        ]
    }

    /// `multipart/encrypted` around the armored data, CRLF everywhere.
    private static func outerMessage(headerLines: [String], armored: [UInt8]) throws(PGPError) -> [UInt8] {
        let armor = String(decoding: armored.filter { $0 != 13 }, as: UTF8.self)
        guard armor.hasPrefix("-----BEGIN PGP MESSAGE-----") else {
            throw PGPError(.library, operation: "build PGP/MIME", "gpg returned no armored OpenPGP message.")
        }
        var generator = SystemRandomNumberGenerator()
        let boundary = "=_breachmail_" + (0..<2).map { _ in hex(generator.next() as UInt64) }.joined()
        let lines =
            headerLines + [
                "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";",
                " boundary=\"\(boundary)\"",
                "",
                "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
                "--\(boundary)",
                "Content-Type: application/pgp-encrypted",
                "Content-Description: PGP/MIME version identification",
                "",
                "Version: 1",
                "",
                "--\(boundary)",
                "Content-Type: application/octet-stream; name=\"encrypted.asc\"",
                "Content-Description: OpenPGP encrypted message",
                "Content-Disposition: inline; filename=\"encrypted.asc\"",
                "",
            ]
            + armor.split(separator: "\n", omittingEmptySubsequences: false).dropLast(armor.hasSuffix("\n") ? 1 : 0)
            .map(String.init) + [
                "",
                "--\(boundary)--",
                "",
            ]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    // MARK: - Header values

    /// `Name: value`, folded at spaces to 78 octets where it can be, never over 998.
    static func field(_ name: String, _ value: String) throws(PGPError) -> String {
        if value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
            throw PGPError(
                .headerInjection, operation: "build PGP/MIME",
                "The \(name) header value contains a line break or NUL, which could inject headers; the "
                    + "message was not built. Fix: remove line breaks from the value and encode it (RFC 2047).")
        }
        if value.utf8.contains(where: { $0 >= 0x80 || ($0 < 0x20 && $0 != 9) || $0 == 0x7F }) {
            throw PGPError(
                .headerInjection, operation: "build PGP/MIME",
                "The \(name) header value contains control or non-ASCII characters. Fix: encode it "
                    + "(RFC 2047 encoded words) before building the message.")
        }
        guard value.contains(where: { $0 != " " && $0 != "\t" }) else {
            throw malformed("The \(name) header value is empty. Fix: give it a value.")
        }
        var lines: [String] = []
        var current = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if !word.isEmpty && current != "\(name):" && current.utf8.count + 1 + word.utf8.count > 78 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        guard lines.allSatisfy({ $0.utf8.count <= 998 }) else {
            throw malformed("The \(name) header cannot be folded into lines of at most 998 octets. Fix: shorten it.")
        }
        return lines.joined(separator: "\r\n")
    }

    // MARK: - Helpers

    private static let crlf: [UInt8] = [13, 10]

    private static func malformed(_ message: String) -> PGPError {
        PGPError(.malformedEntity, operation: "build PGP/MIME", message)
    }

    private static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
