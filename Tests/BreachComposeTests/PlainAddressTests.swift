@testable import BreachCompose
import BreachCore
import Testing

/// Every address of an import and every recipient of a campaign is read by a one-pass reading of
/// plain ASCII addresses first; it must give what the full checks give, value or error.
@Suite struct PlainAddressTests {
    @Test func theOnePassReadingSaysWhatTheFullChecksSay() {
        // Letters of both cases, digits, atext punctuation, dots, hyphens, `@`, spaces and tabs,
        // an A-label's prefix, control and non-ASCII characters, labels near 63 octets, local
        // parts near 64, whole addresses near 254.
        let common = ["a", "Z", "q", "0", "9", "org", "example", "Marie", "dupont", "-", "."]
        let odd = [".", "-", "@", "+", "_", "!", "~", "`", "'", "/", "=", "?", "{", "|", " ", "\t", "xn--", "XN--",
                   "\u{0}", "\u{7F}", "\n", "é", "ü", "\u{3002}", "[", "]", "\"", "(", ",", ";", "\\", ".com", "localhost",
                   String(repeating: "b", count: 62), String(repeating: "c", count: 63), String(repeating: "d", count: 64),
                   String(repeating: "e", count: 120)]
        var random = SeededRandom(seed: 5321)
        var plain = 0, full = 0
        for round in 0..<60_000 {
            let text: String
            if round % 3 == 0 {
                // Shaped like an address: local@label.label[.label], each part drawn from the pieces.
                func part(_ most: Int) -> String {
                    (0..<Int.random(in: 1...most, using: &random)).map { _ in
                        Int.random(in: 0..<6, using: &random) == 0 ? odd.randomElement(using: &random)! : common.randomElement(using: &random)!
                    }.joined()
                }
                text = part(3) + "@" + (0..<Int.random(in: 1...4, using: &random)).map { _ in part(2) }.joined(separator: ".")
            } else {
                text = (0..<Int.random(in: 0...9, using: &random)).map { _ in (common + odd).randomElement(using: &random)! }.joined()
            }
            let fast = MailAddress.plain(text)
            let checked = Result { () throws(AddressError) in try MailAddress(checking: text) }
            if let fast {
                plain += 1
                #expect(checked == .success(fast), "\(Array(text.unicodeScalars))")
            } else if case .success = checked {
                full += 1
            }
            #expect(Result { () throws(AddressError) in try MailAddress(text) } == checked, "\(Array(text.unicodeScalars))")
        }
        // Both ways are taken, many times.
        #expect(plain > 1_500)
        #expect(full > 150)
        #expect(MailAddress.plain("Marie.Dupont@Example.ORG") == (try? MailAddress(checking: "Marie.Dupont@Example.ORG")))
        #expect(MailAddress.plain("marie@bücher.example") == nil)
        #expect(MailAddress.plain("marie@xn--bcher-kva.example") == nil)
        #expect(MailAddress.plain("marie@example.org.") == nil)
    }
}
