// A small, forgiving MIME reader for bounces: header unfolding, RFC 2047 words, multipart
// walking and the two transfer encodings. It reads what bounces look like in practice
// (bare LF, missing closing boundaries, unquoted parameters) and never throws: what it cannot
// read it records in `problems`, so that the caller can say why a bounce is unparsable.

/// One header field, unfolded; the name is lower-cased.
struct HeaderField: Sendable {
    let name: String
    let value: String
}

/// A parsed `Content-Type`: lower-cased type and subtype, and its parameters (names lower-cased).
struct ContentType: Sendable {
    var type: String = "text"
    var subtype: String = "plain"
    var parameters: [String: String] = [:]

    var mediaType: String { "\(type)/\(subtype)" }

    init() {}

    init(_ raw: String) {
        // Read on the UTF-8 bytes: every delimiter is ASCII, and Character iteration was one of
        // the costliest steps of reading a bounce.
        let bytes = Array(raw.utf8)
        var pieces = Self.splitParameters(bytes)
        guard !pieces.isEmpty else { return }
        let media = bytes.text(pieces.removeFirst()).trimmed.asciiLowercased
        if let slash = media.utf8.firstIndex(of: UInt8(ascii: "/")) {
            type = String(media[..<slash]).trimmed
            subtype = String(media[media.utf8.index(after: slash)...]).trimmed
        } else if !media.isEmpty {
            type = media
            subtype = ""
        }
        for piece in pieces {
            guard let eq = bytes[piece].firstIndex(of: ASCII.equals) else { continue }
            let name = bytes.text(piece.lowerBound..<eq).trimmed.asciiLowercased
            var value = bytes.text((eq + 1)..<piece.upperBound).trimmed
            if value.utf8.count >= 2, value.utf8.first == ASCII.quote, value.utf8.last == ASCII.quote {
                value = String(value.dropFirst().dropLast())
                value = value.replacingBackslashEscapes()
            }
            parameters[name] = value
        }
    }

    /// Splits on `;` outside quoted strings.
    private static func splitParameters(_ raw: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        var inQuotes = false
        var escaped = false
        for i in 0..<raw.count {
            let c = raw[i]
            if escaped { escaped = false } else if c == ASCII.backslash && inQuotes { escaped = true } else if c == ASCII.quote {
                inQuotes.toggle()
            } else if c == ASCII.semicolon && !inQuotes {
                result.append(start..<i)
                start = i + 1
            }
        }
        result.append(start..<raw.count)
        return result
    }
}

extension String {
    fileprivate func replacingBackslashEscapes() -> String {
        guard contains("\\") else { return self }
        var out = ""
        var escaped = false
        for c in self {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}

/// A MIME entity inside a message's bytes: its headers and where its body lies.
struct MIMEEntity: Sendable {
    let headers: [HeaderField]
    let contentType: ContentType
    /// Where the body lies in the message bytes.
    let body: Range<Int>
    /// Sub-parts of a multipart entity, or the enclosed message of a `message/rfc822` part.
    let children: [MIMEEntity]
    /// Whether a header/body separator was found (a message that is all headers has none).
    let hasSeparator: Bool

    /// The first value of the header `name` (lower case), unfolded.
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// Every value of the header `name` (lower case).
    func headers(_ name: String) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }

    var transferEncoding: String {
        (header("content-transfer-encoding") ?? "7bit").trimmed.asciiLowercased
    }

    /// Every entity of the tree, depth first, this one included.
    func walk(_ visit: (MIMEEntity) -> Void) {
        visit(self)
        for child in children { child.walk(visit) }
    }

    /// The body's bytes, transfer decoding undone.
    func decodedBody(in bytes: [UInt8]) -> [UInt8] {
        switch transferEncoding {
        case "base64": return TransferDecoding.base64(bytes, body)
        case "quoted-printable": return TransferDecoding.quotedPrintable(bytes, body)
        default: return Array(bytes[body])
        }
    }

    /// The body as text: transfer decoding undone, UTF-8 or else ISO-8859-1.
    func decodedText(in bytes: [UInt8]) -> String {
        let decoded = decodedBody(in: bytes)
        return decoded.text(0..<decoded.count)
    }
}

/// Reads a message into a tree of `MIMEEntity`, recording what was wrong with it.
struct MIMEReader {
    let bytes: [UInt8]
    private(set) var problems: [String] = []
    private var entityCount = 0

    /// Nested multiparts deeper than this are not read (bounces nest three levels at most).
    static let maximumDepth = 8
    /// Parts beyond this number are not read (a bounce has a handful).
    static let maximumEntities = 200

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Reads the entity in `range`; `defaultType` is `message/rfc822` inside `multipart/digest`.
    mutating func read(_ range: Range<Int>, depth: Int = 0, defaultType: ContentType = ContentType()) -> MIMEEntity {
        entityCount += 1
        let (headers, bodyStart, separated) = Self.readHeaders(bytes, range)
        var contentType = defaultType
        if let raw = headers.first(where: { $0.name == "content-type" })?.value { contentType = ContentType(raw) }
        let body = bodyStart..<range.upperBound
        var children: [MIMEEntity] = []
        if depth < Self.maximumDepth && entityCount < Self.maximumEntities {
            if contentType.type == "multipart" {
                if let boundary = contentType.parameters["boundary"], !boundary.isEmpty {
                    let childDefault: ContentType = contentType.subtype == "digest" ? ContentType("message/rfc822") : ContentType()
                    for part in splitMultipart(body, boundary: boundary) {
                        children.append(read(part, depth: depth + 1, defaultType: childDefault))
                    }
                } else {
                    problems.append("a multipart part has no boundary parameter")
                }
            } else if contentType.mediaType == "message/rfc822" || contentType.mediaType == "message/global"
                || contentType.mediaType == "text/rfc822-headers" {
                let encoding = (headers.first { $0.name == "content-transfer-encoding" }?.value ?? "").trimmed.asciiLowercased
                if encoding == "base64" || encoding == "quoted-printable" {
                    // Rare, but seen: the returned copy itself encoded. Read it from its decoded bytes.
                    let decoded = encoding == "base64" ? TransferDecoding.base64(bytes, body) : TransferDecoding.quotedPrintable(bytes, body)
                    let inner = MIMEReader(bytes: decoded)
                    let enclosed = inner.readHeadersOnly()
                    children.append(enclosed)
                } else {
                    children.append(readEnclosedHeaders(body))
                }
            }
        }
        return MIMEEntity(headers: headers, contentType: contentType, body: body, children: children, hasSeparator: separated)
    }

    /// The enclosed message's headers only: bounces are read for the returned Message-ID, To
    /// and Return-Path, never for the returned body.
    private func readEnclosedHeaders(_ range: Range<Int>) -> MIMEEntity {
        let (headers, bodyStart, separated) = Self.readHeaders(bytes, range)
        let contentType = headers.first { $0.name == "content-type" }.map { ContentType($0.value) } ?? ContentType()
        return MIMEEntity(headers: headers, contentType: contentType, body: bodyStart..<range.upperBound,
                          children: [], hasSeparator: separated)
    }

    private func readHeadersOnly() -> MIMEEntity { readEnclosedHeaders(0..<bytes.count) }

    /// Splits a multipart body into its parts' ranges; records a missing closing boundary.
    mutating func splitMultipart(_ body: Range<Int>, boundary: String) -> [Range<Int>] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [Range<Int>] = []
        var partStart: Int?
        var closed = false
        var lineStart = body.lowerBound
        while lineStart < body.upperBound {
            let (content, next) = bytes.line(at: lineStart, end: body.upperBound)
            if content.count >= delimiter.count && bytes[content.lowerBound] == ASCII.hyphen
                && bytes.firstIndex(of: delimiter, in: content.lowerBound..<(content.lowerBound + delimiter.count)) != nil {
                let rest = (content.lowerBound + delimiter.count)..<content.upperBound
                let isClose = rest.count >= 2 && bytes[rest.lowerBound] == ASCII.hyphen && bytes[rest.lowerBound + 1] == ASCII.hyphen
                // A delimiter line may carry trailing blanks only (RFC 2046 §5.1.1).
                let tail = isClose ? (rest.lowerBound + 2)..<rest.upperBound : rest
                if tail.allSatisfy({ ASCII.isBlank(bytes[$0]) }) {
                    if let start = partStart {
                        // The CRLF before a delimiter belongs to the delimiter.
                        var end = lineStart
                        if end > start && bytes[end - 1] == ASCII.lf { end -= 1 }
                        if end > start && bytes[end - 1] == ASCII.cr { end -= 1 }
                        parts.append(start..<max(start, end))
                    }
                    if isClose { closed = true; break }
                    partStart = next
                }
            }
            lineStart = next
        }
        if !closed {
            if let start = partStart {
                parts.append(start..<body.upperBound)
                problems.append("the multipart body ends without its closing boundary (the message looks truncated)")
            } else {
                problems.append("no part was found for the multipart boundary (the message looks truncated or malformed)")
            }
        }
        return parts
    }

    /// Reads the header block at the start of `range`, unfolding continuation lines.
    static func readHeaders(_ bytes: [UInt8], _ range: Range<Int>) -> (fields: [HeaderField], bodyStart: Int, separated: Bool) {
        var fields: [HeaderField] = []
        var i = range.lowerBound
        var currentName: String?
        var currentValue: [UInt8] = []
        func flush() {
            if let name = currentName {
                let raw = currentValue.collapsedWhitespaceText()
                let encoded = currentValue.firstIndex(of: [ASCII.equals, ASCII.question], in: 0..<currentValue.count) != nil
                fields.append(HeaderField(name: name, value: encoded ? EncodedWords.decode(raw) : raw))
            }
            currentName = nil
            currentValue.removeAll(keepingCapacity: true)
        }
        while i < range.upperBound {
            let (content, next) = bytes.line(at: i, end: range.upperBound)
            if content.isEmpty {
                flush()
                return (fields, next, true)
            }
            if ASCII.isBlank(bytes[content.lowerBound]) {
                // A continuation line: unfolded by keeping its blank and dropping the line break.
                if currentName != nil { currentValue.append(contentsOf: bytes[content]) }
            } else if let colon = bytes[content].firstIndex(of: ASCII.colon), colon > content.lowerBound {
                flush()
                var nameEnd = colon
                while nameEnd > content.lowerBound && ASCII.isBlank(bytes[nameEnd - 1]) { nameEnd -= 1 }
                currentName = String(decoding: bytes[content.lowerBound..<nameEnd].map(ASCII.lower), as: UTF8.self)
                currentValue.append(contentsOf: bytes[(colon + 1)..<content.upperBound])
            } else {
                // Not a header line: the header block ended without a blank line.
                flush()
                return (fields, i, false)
            }
            i = next
        }
        flush()
        return (fields, range.upperBound, false)
    }
}

/// Content-Transfer-Encoding decoders, tolerant of line breaks and stray characters.
enum TransferDecoding {
    private static let base64Table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    static func base64(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for i in range {
            let c = bytes[i]
            if c == ASCII.equals { break }
            let v = base64Table[Int(c)]
            if v == 0xFF { continue }
            accumulator = (accumulator << 6) | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        return out
    }

    static func quotedPrintable(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        while i < range.upperBound {
            let c = bytes[i]
            if c == ASCII.equals {
                if i + 1 < range.upperBound && (bytes[i + 1] == ASCII.lf) { i += 2; continue }
                if i + 2 < range.upperBound && bytes[i + 1] == ASCII.cr && bytes[i + 2] == ASCII.lf { i += 3; continue }
                if i + 2 < range.upperBound, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return out
    }

    @inline(__always) static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}

/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header values; UTF-8 and ISO-8859-1 only,
/// other charsets are decoded as ISO-8859-1, which keeps ASCII keywords readable.
enum EncodedWords {
    static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        let bytes = Array(value.utf8)
        var out: [UInt8] = []
        var i = 0
        var lastWasWord = false
        var pendingBlanks: [UInt8] = []
        while i < bytes.count {
            if bytes[i] == ASCII.equals, i + 1 < bytes.count, bytes[i + 1] == ASCII.question,
               let (decoded, end) = word(bytes, from: i) {
                // Blanks between two adjacent encoded words are dropped (RFC 2047 §6.2).
                if !lastWasWord { out.append(contentsOf: pendingBlanks) }
                pendingBlanks.removeAll()
                out.append(contentsOf: decoded)
                lastWasWord = true
                i = end
                continue
            }
            if ASCII.isBlank(bytes[i]) {
                pendingBlanks.append(bytes[i])
            } else {
                out.append(contentsOf: pendingBlanks)
                pendingBlanks.removeAll()
                out.append(bytes[i])
                lastWasWord = false
            }
            i += 1
        }
        out.append(contentsOf: pendingBlanks)
        return out.text(0..<out.count)
    }

    private static func word(_ b: [UInt8], from start: Int) -> ([UInt8], Int)? {
        // =?charset?E?text?=
        var i = start + 2
        let charsetStart = i
        while i < b.count && b[i] != ASCII.question { i += 1 }
        guard i + 2 < b.count, b[i + 2] == ASCII.question else { return nil }
        let charset = String(decoding: b[charsetStart..<i].map(ASCII.lower), as: UTF8.self)
        let encoding = ASCII.lower(b[i + 1])
        let textStart = i + 3
        var j = textStart
        while j + 1 < b.count && !(b[j] == ASCII.question && b[j + 1] == ASCII.equals) { j += 1 }
        guard j + 1 < b.count else { return nil }
        var raw: [UInt8]
        switch encoding {
        case UInt8(ascii: "b"): raw = TransferDecoding.base64(b, textStart..<j)
        case UInt8(ascii: "q"):
            let underscored = b[textStart..<j].map { $0 == ASCII.underscore ? ASCII.space : $0 }
            raw = TransferDecoding.quotedPrintable(underscored, 0..<underscored.count)
        default: return nil
        }
        if !charset.hasPrefix("utf-8") && !charset.hasPrefix("utf8") && !charset.hasPrefix("us-ascii") {
            // ISO-8859-x / Windows-125x: re-encode as UTF-8 through Latin-1 scalars.
            raw = Array(String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) })).utf8)
        }
        return (raw, j + 2)
    }
}
