@testable import BreachCompose
import BreachCore
import Testing

/// Display names and subject words that hold `=?` (how an RFC 2047 encoded word opens) are
/// encoded, never left as they are; the byte scan that finds it must choose as a search for the
/// characters `=?` did.
@Suite struct EncodedWordScanTests {
    /// The choice as it was made with `String.contains`, for comparison.
    private static func reference(_ name: String) -> [MIMEText.Token] {
        let bytes = Array(name.utf8)
        if bytes.allSatisfy({ MIMEText.isAtext($0) || $0 == 32 }) && !name.contains("=?") {
            let words = name.split(separator: " ")
            if words.allSatisfy({ $0.utf8.count <= 70 }) { return words.map { .plain(String($0)) } }
        }
        if bytes.allSatisfy({ $0 >= 32 && $0 < 127 }) && bytes.count <= 60 && !name.contains("=?") {
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

    private static func same(_ a: [MIMEText.Token], _ b: [MIMEText.Token]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (.plain(let p), .plain(let q)), (.encoded(let p), .encoded(let q)): p == q
            default: false
            }
        }
    }

    @Test func theScanChoosesAsTheCharacterSearchDid() {
        let pieces = ["=", "?", "=?", "?=", "a", "Z", " ", "\"", "\\", ",", "é", "\u{301}", "?\u{301}", "=\u{301}", "王",
                      String(repeating: "x", count: 40)]
        var random = SeededRandom(seed: 2047)
        var encodedForIt = 0
        for _ in 0..<30_000 {
            let name = (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let tokens = MIMEText.phraseTokens(name)
            #expect(Self.same(tokens, Self.reference(name)), "\(Array(name.unicodeScalars))")
            if name.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }), name.utf8.count <= 60, name.contains("=?") { encodedForIt += 1 }
        }
        #expect(encodedForIt > 1_000)
        guard case .encoded = MIMEText.phraseTokens("Marie =?utf-8?q?x?=").first else { Issue.record("not encoded"); return }
        guard case .plain("Marie") = MIMEText.phraseTokens("Marie = ?").first else { Issue.record("encoded"); return }
    }

    @Test func aSubjectWordThatOpensAnEncodedWordIsEncoded() {
        let tokens = MIMEText.unstructuredTokens("Notice =?x about")
        #expect(tokens.count == 3)
        guard case .encoded("=?x") = tokens[1] else { Issue.record("\(tokens)"); return }
    }
}
