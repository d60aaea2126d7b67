@testable import BreachCompose
import BreachCore
import Testing

/// Trimming every value of every person takes a shortcut when a value starts and ends with a
/// visible ASCII character; it must say what trimming a character at a time says.
@Suite struct TrimmedTests {
    @Test func theShortcutTrimsAsCharactersDo() {
        // Visible ASCII, ASCII and Unicode white space, CR LF, combining and prepended marks,
        // joiners, right-to-left letters, an emoji with a modifier.
        let pieces = ["a", "Z", "!", "~", "0", " ", "\t", "\r\n", "\n", "\u{0B}", "\u{1F}", "\u{85}", "\u{A0}", "\u{2003}",
                      "\u{3000}", "\u{301}", "\u{0600}", "\u{200D}", "\u{200F}", "\u{645}", "\u{5D0}", "\u{915}\u{94D}",
                      "👍🏽", "é", "ß", "\u{7F}"]
        var random = SeededRandom(seed: 34)
        var shortcuts = 0
        for _ in 0..<50_000 {
            let text = (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            #expect(text.trimmed() == String.trimmedCharacters(text), "\(Array(text.unicodeScalars))")
            if let f = text.utf8.first, let l = text.utf8.last, (0x21...0x7E).contains(f), (0x21...0x7E).contains(l) { shortcuts += 1 }
        }
        #expect(shortcuts > 1_000)
        #expect("  Anaïs Weber\u{A0}".trimmed() == "Anaïs Weber")
        #expect("a\u{301} ".trimmed() == "a\u{301}")
    }
}
