import BreachCore
import Foundation
import Testing

/// `TextEscaping.appendJSONString` appends a text with nothing to escape at once: whichever way a
/// text goes, a JSON parser reads back the text given, and U+2028/U+2029 never appear unescaped.
@Suite struct JSONStringTests {
    static let pieces = ["a", "Z", "0", " ", "@", "<m1@x>", "250 2.0.0 Ok", "é", "Größe", "✓", "’", "📨", "ش", "עברית", "नाम",
                         "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{202A}"]

    @Test func everyTextReadsBackAsGiven() throws {
        var random = SeededRandom(seed: 5)
        var texts = ["", "plain ascii", "person1@example.org", "2026-10-24T14:00:00Z"] + Self.pieces
        for _ in 0..<5_000 {
            texts.append((0..<Int.random(in: 1...12, using: &random)).map { _ in Self.pieces.randomElement(using: &random)! }.joined())
        }
        for text in texts {
            var out = "["
            TextEscaping.appendJSONString(text, to: &out)
            out += "]"
            let read = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String])
            #expect(read == [text], "\(out.debugDescription)")
            #expect(!out.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{2029}" || $0.value < 0x20 })
        }
    }
}
