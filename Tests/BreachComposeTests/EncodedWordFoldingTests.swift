import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// A display name with non-ASCII text goes out as RFC 2047 encoded words, folded to fill the
/// header's lines: no line over 78 characters, no word over 75 (§2), and no word that ends
/// inside a character (§5(3): each word must be decodable on its own), whether the name's
/// characters are one scalar each (cut on the bytes) or clusters of several (cut by characters,
/// and a cluster too long for a word by its scalars, the characters RFC 2047 means).
struct EncodedWordFoldingTests {
    /// Names long enough to fold over several lines, in the scripts names come in, and with
    /// characters of several scalars (a letter and its combining accent, a flag, a family emoji).
    static let names: [String] = {
        let pieces = [
            "Zoé Lefèvre-Dubois", "Jürgen Groß", "Νίκος Παπαδόπουλος", "Александра Кузнецова", "김민준", "山田太郎",
            "Łukasz Żółć", "ŐrségiŰrhajós", "Ana\u{301}ïs Me\u{300}re", "🇱🇺 Lëtzebuerg", "👨‍👩‍👧 Famille", "👨‍👩‍👧‍👦 Familles", "Ÿvonne€",
            "فاطمة الزهراء", "דוד כהן", "अनीता शर्मा",
        ]
        var random = SeededRandom(seed: 18)
        return (0..<300).map { _ in
            (0..<(2 + Int(random.next() % 6))).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined(separator: " ")
        }
    }()

    @Test("every encoded word of a folded name decodes alone to whole characters of the name, within the line limits")
    func encodedWordsHoldWholeCharacters() throws {
        let builder = try MIMEBuilder(messageIDDomain: "example.org", clock: { 1_795_000_000_000 })
        for name in Self.names {
            let box = try Mailbox(displayName: name, address: "person@example.org")
            let built = try builder.build(OutgoingMessage(from: box, to: [box], subject: "s", date: Date(timeIntervalSince1970: 0), text: "t"))
            let lines = Self.header("To", in: built.bytes)
            #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "a line over 78 characters for a name of \(name.count) characters")
            var decoded: [String] = []
            for word in lines.joined(separator: " ").split(separator: " ") where word.hasPrefix("=?utf-8?q?") {
                #expect(word.utf8.count <= 75)
                let bytes = Self.qDecode(word.dropFirst(10).dropLast(2))
                let text = try #require(String(validating: bytes, as: UTF8.self), "a word ends inside a UTF-8 sequence")
                decoded.append(text)
            }
            #expect(decoded.joined() == name)
            // Each word starts where a character of the name starts; inside a character too long
            // for one word (more than 63 octets encoded), where one of its scalars starts.
            var offset = 0
            let longCharacter = name.contains { $0.utf8.count * 3 > 63 }
            let starts = Set((longCharacter ? Array(name.unicodeScalars.indices) : Array(name.indices))
                .map { name.utf8.distance(from: name.utf8.startIndex, to: $0) })
            for text in decoded {
                #expect(starts.contains(offset), "a word starts inside a character of \(name)")
                offset += text.utf8.count
            }
        }
    }

    /// The lines of header `name` (continuation lines included), without their CRLF.
    static func header(_ name: String, in message: [UInt8]) -> [String] {
        let text = String(decoding: message, as: UTF8.self)
        var lines: [String] = []
        for line in text.components(separatedBy: "\r\n") {
            if lines.isEmpty {
                if line.hasPrefix(name + ":") { lines.append(line) }
            } else if line.hasPrefix(" ") || line.hasPrefix("\t") {
                lines.append(line)
            } else {
                break
            }
        }
        return lines
    }

    /// The bytes of a Q-encoded word's text (RFC 2047 §4.2).
    static func qDecode(_ text: Substring) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "_") {
                out.append(32)
            } else if b == UInt8(ascii: "="), bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return out
    }
}
