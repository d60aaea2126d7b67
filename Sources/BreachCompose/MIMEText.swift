internal import BreachCore
/// The low-level encoders of RFC 2045 (quoted-printable, base64) and RFC 2047 (encoded words),
/// header folding and the RFC 5322 date, written on bytes for speed.
enum MIMEText {
    static let crlf: [UInt8] = [13, 10]
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// atext of RFC 5322 §3.2.3.
    static func isAtext(_ b: UInt8) -> Bool {
        switch b {
        case 65...90, 97...122, 48...57: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: "-"), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "?"),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"),
             UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    // MARK: Bodies

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text; any line end in `text` becomes CRLF and
    /// no encoded line is longer than 76 characters.
    static func quotedPrintable(_ text: String, into out: inout [UInt8]) {
        var utf8 = Array(text.utf8)
        if utf8.last != 10 { utf8.append(10) }  // the body ends with a line end
        forEachLine(utf8) { line in
            quotedPrintableLine(line, into: &out)
            out.append(contentsOf: crlf)
        }
    }

    /// Calls `body` with each line of `bytes`, without its end (CRLF, LF or a lone CR); a last
    /// line without an end is left out. Quoted-printable is line-local: the encoding of a text is
    /// the encoding of each of these lines, each followed by CRLF.
    static func forEachLine(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>) -> Void) {
        var start = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 10 || b == 13 {
                body(bytes[start..<i])
                i += b == 13 && i + 1 < n && bytes[i + 1] == 10 ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
    }

    /// Quoted-printable of one line (no CR or LF in it), without its line end; soft breaks keep
    /// every encoded line within 76 characters.
    ///
    /// A "." or "From " that opens an encoded line, the text's own or one a soft break starts, is
    /// encoded (`=2E`, `=46`, RFC 2045 §6.7 rule 1): some MTAs damage a leading "." and mbox tools
    /// a leading "From ", and SMTP would have to double the dot (RFC 5321 §4.5.2), so the bytes
    /// on the wire would no longer be the message's own.
    static func quotedPrintableLine(_ line: ArraySlice<UInt8>, into out: inout [UInt8]) {
        var lineLength = 0
        var i = line.startIndex
        let end = line.endIndex
        while i < end {
            let b = line[i]
            let atLineEnd = i + 1 == end
            // Encoded wherever it opens a line: a "." or the "F" of "From ".
            let unsafeFirst = b == UInt8(ascii: ".") || (b == UInt8(ascii: "F") && startsFrom(line, i))
            var isLiteral: Bool
            switch b {
            case 32, 9: isLiteral = !atLineEnd  // trailing white space would be lost in transport
            case 61: isLiteral = false  // "="
            case 33...126: isLiteral = !(lineLength == 0 && unsafeFirst)
            default: isLiteral = false
            }
            // Keep room for the soft break "=" unless this is the last character of the line.
            let limit = atLineEnd ? 76 : 75
            if lineLength + (isLiteral ? 1 : 3) > limit {
                out.append(61)
                out.append(contentsOf: crlf)
                lineLength = 0
                if unsafeFirst { isLiteral = false }  // this character opens the next line
            }
            if isLiteral {
                out.append(b)
            } else {
                out.append(61)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
            lineLength += isLiteral ? 1 : 3
            i += 1
        }
    }

    private static func startsFrom(_ b: ArraySlice<UInt8>, _ i: Int) -> Bool {
        i + 4 < b.endIndex && b[i + 1] == UInt8(ascii: "r") && b[i + 2] == UInt8(ascii: "o")
            && b[i + 3] == UInt8(ascii: "m") && b[i + 4] == 32
    }

    private static let base64Alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Base64 (RFC 2045 §6.8) in lines of 76 characters, each ended by CRLF.
    static func base64(_ data: [UInt8], into out: inout [UInt8]) {
        var i = 0
        var lineLength = 0
        while i < data.count {
            let b0 = data[i], b1 = i + 1 < data.count ? data[i + 1] : 0, b2 = i + 2 < data.count ? data[i + 2] : 0
            out.append(base64Alphabet[Int(b0 >> 2)])
            out.append(base64Alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < data.count ? base64Alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : 61)
            out.append(i + 2 < data.count ? base64Alphabet[Int(b2 & 63)] : 61)
            i += 3
            lineLength += 4
            if lineLength == 76 {
                out.append(contentsOf: crlf)
                lineLength = 0
            }
        }
        if lineLength > 0 { out.append(contentsOf: crlf) }
    }

    // MARK: Headers

    /// One token of a header value.
    enum Token {
        /// Written as it is, folded as a unit.
        case plain(String)
        /// Text to write as RFC 2047 encoded words, split to fit the lines.
        case encoded(String)
    }

    /// Characters that may stay literal inside a Q-encoded word wherever it stands (RFC 2047 §5(3)).
    private static func isQSafe(_ b: UInt8) -> Bool {
        switch b {
        case 65...90, 97...122, 48...57, UInt8(ascii: "!"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: "-"), UInt8(ascii: "/"):
            return true
        default: return false
        }
    }

    /// The Q encoding of one character's bytes (RFC 2047 §4.2, restricted to the phrase-safe set).
    private static func qPiece(_ bytes: some Collection<UInt8>, into piece: inout [UInt8]) {
        for b in bytes {
            if b == 32 {
                piece.append(UInt8(ascii: "_"))
            } else if isQSafe(b) {
                piece.append(b)
            } else {
                piece.append(61)
                piece.append(hex[Int(b >> 4)])
                piece.append(hex[Int(b & 15)])
            }
        }
    }

    private static let wordPrefix = Array("=?utf-8?q?".utf8), wordSuffix = Array("?=".utf8)
    /// The most a character's encoding may take in a word of 75 characters (RFC 2047 §2).
    private static let longestPiece = 75 - wordPrefix.count - wordSuffix.count

    /// Whether a word of unstructured text can stay as it is.
    private static func isPlainWord(_ word: Substring) -> Bool {
        // ASCII first: on ASCII, `=?` found in the bytes is `=?` found in the characters.
        word.utf8.count <= 70 && word.utf8.allSatisfy { $0 > 32 && $0 < 127 } && !opensEncodedWord(word.utf8)
    }

    /// Whether `=?` (how an encoded word starts) is in these bytes: a scan, not a search for
    /// characters (`String.contains`), for text the caller knows to be ASCII.
    static func opensEncodedWord(_ bytes: some Sequence<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for b in bytes {
            if previous == UInt8(ascii: "="), b == UInt8(ascii: "?") { return true }
            previous = b
        }
        return false
    }

    /// Tokens of an unstructured value (Subject): ASCII words stay readable, runs of words that
    /// need encoding become encoded words (the spaces between them go inside, since white space
    /// between adjacent encoded words is dropped by decoders).
    static func unstructuredTokens(_ value: String) -> [Token] {
        var tokens: [Token] = []
        var run: [Substring] = []
        func flush() {
            guard !run.isEmpty else { return }
            tokens.append(.encoded(run.joined(separator: " ")))
            run.removeAll()
        }
        for word in value.split(separator: " ", omittingEmptySubsequences: true) {
            if isPlainWord(word) {
                flush()
                tokens.append(.plain(String(word)))
            } else {
                run.append(word)
            }
        }
        flush()
        return tokens
    }

    /// Tokens of a display name (RFC 5322 phrase): atoms as they are, a quoted string when it
    /// has specials, encoded words when it has non-ASCII text or is too long to quote.
    static func phraseTokens(_ name: String) -> [Token] {
        let bytes = name.utf8
        // Both ways are for ASCII only, where `=?` in the bytes is `=?` in the characters.
        if bytes.allSatisfy({ isAtext($0) || $0 == 32 }) && !opensEncodedWord(bytes) {
            let words = name.split(separator: " ")
            if words.allSatisfy({ $0.utf8.count <= 70 }) { return words.map { .plain(String($0)) } }
        }
        if bytes.allSatisfy({ $0 >= 32 && $0 < 127 }) && bytes.count <= 60 && !opensEncodedWord(bytes) {
            var quoted = "\""
            for c in name {
                if c == "\"" || c == "\\" { quoted.append("\\") }
                quoted.append(c)
            }
            quoted.append("\"")
            return [.plain(quoted)]
        }
        return [.encoded(name)]
    }

    /// `Name: value` folded so that no line exceeds 78 characters (a plain token longer than a
    /// line stays whole, within 998), with CRLF after the last line. Encoded text is cut into
    /// encoded words of at most 75 characters that fill each line, never splitting a character
    /// (one too long for any word, an emoji sequence, is cut between its code points).
    static func foldedHeader(_ name: String, _ tokens: [Token], into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(UInt8(ascii: ":"))
        let start = name.utf8.count + 1
        var lineLength = start
        func newLine() {
            out.append(contentsOf: crlf)
            lineLength = 0
        }
        for token in tokens {
            switch token {
            case .plain(let text):
                let width = text.utf8.count
                if lineLength + 1 + width > 78 && lineLength > start { newLine() }
                out.append(32)
                out.append(contentsOf: text.utf8)
                lineLength += 1 + width
            case .encoded(let text):
                // Cut between characters (grapheme clusters). When every scalar stands alone
                // (a name in Latin, Greek, Cyrillic… letters), each scalar is a character: the
                // same cuts, found on the UTF-8 bytes without breaking the text into characters.
                if text.unicodeScalars.allSatisfy(SubjectSkeleton.standsAlone) {
                    var bytes = Substring(text).utf8
                    encodedWords(&bytes, out: &out, lineLength: &lineLength) { bytes, piece in
                        let lead = bytes.first!
                        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                        qPiece(bytes.prefix(length), into: &piece)
                        bytes.removeFirst(length)
                    }
                } else {
                    var characters = Substring(text)
                    encodedWords(&characters, out: &out, lineLength: &lineLength) { characters, piece in
                        qPiece(characters.first!.utf8, into: &piece)
                        if piece.count <= longestPiece {
                            characters.removeFirst()
                        } else {
                            // A character longer than a word can hold (a long emoji sequence):
                            // its scalars go one at a time, the characters RFC 2047 means.
                            piece.removeAll(keepingCapacity: true)
                            qPiece(characters.unicodeScalars.first!.utf8, into: &piece)
                            characters = Substring(characters.unicodeScalars.dropFirst())
                        }
                    }
                }
            }
        }
        out.append(contentsOf: crlf)
    }

    /// Writes `text` as encoded words that fill the header's lines, each of at most 75
    /// characters; `next` takes the text's next character off and appends its Q encoding to
    /// `piece` (at most ``longestPiece`` octets), so a piece is never split between two words.
    private static func encodedWords<Text: Collection>(
        _ text: inout Text, out: inout [UInt8], lineLength: inout Int,
        next: (inout Text, inout [UInt8]) -> Void
    ) {
        let overhead = wordPrefix.count + wordSuffix.count
        var piece: [UInt8] = []
        var word: [UInt8] = []
        var payload = 0
        var pending = false  // `piece` holds the encoding of a character not yet in a word
        func writeWord() {
            out.append(32)
            out.append(contentsOf: wordPrefix)
            out.append(contentsOf: word)
            out.append(contentsOf: wordSuffix)
            lineLength += 1 + overhead + word.count
            word.removeAll(keepingCapacity: true)
        }
        while true {
            if !pending {
                guard !text.isEmpty else { break }
                piece.removeAll(keepingCapacity: true)
                next(&text, &piece)
                pending = true
            }
            if word.isEmpty {
                // Room on this line for " =?utf-8?q?…?=" with at least one character (≤ 12 octets),
                // and for this word's first character (a character of several scalars may take more).
                if 78 - lineLength - 1 - overhead < max(12, piece.count) {
                    out.append(contentsOf: crlf)
                    lineLength = 0
                }
                payload = min(78 - lineLength - 1, 75) - overhead
            } else if word.count + piece.count > payload {
                writeWord()
                continue
            }
            word.append(contentsOf: piece)
            pending = false
        }
        if !word.isEmpty { writeWord() }
    }

    // MARK: Date

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// RFC 5322 §3.3 date-time, e.g. `Fri, 20 Nov 2026 09:30:00 +0100`.
    static func rfc5322Date(secondsSince1970: Int64, offsetSeconds: Int) -> String {
        let local = secondsSince1970 + Int64(offsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = Int(local - days * 86_400)
        let (y, m, d) = CivilDate.fromDays(Int(days))
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        let sign = offsetSeconds < 0 ? "-" : "+"
        let off = abs(offsetSeconds) / 60
        return "\(weekday), \(d) \(months[m - 1]) \(y) \(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60)) "
            + "\(sign)\(two(off / 60))\(two(off % 60))"
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
