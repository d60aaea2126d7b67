@testable import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// A Message-ID starts with the time it was made, so that a campaign's Message-IDs sort in the
/// order they were made (they fill the last pages of the register's index of them), and goes on
/// with 16 random characters.
@Suite struct MessageIDTests {
    @Test func laterTimesSortAfterEarlierOnes() {
        var random = SeededRandom(seed: 3)
        var times: [UInt64] = [0, 1, 31, 32, 1023, 1024, 1_793_000_000_000, 1_793_000_000_001, 32_000_000_000_000, 35_184_372_088_831]
        for _ in 0..<10_000 { times.append(random.next() % 35_184_372_088_832) }
        let texts = times.map(MIMEBuilder.messageIDTime)
        #expect(texts.allSatisfy { $0.utf8.count == 9 })
        #expect(MIMEBuilder.messageIDTime(0) == "000000000" && MIMEBuilder.messageIDTime(33) == "000000011")
        for (a, b) in zip(times, texts) {
            for (c, d) in zip(times.prefix(50), texts.prefix(50)) where a != c {
                #expect((a < c) == b.utf8.lexicographicallyPrecedes(d.utf8), "\(a) \(b) / \(c) \(d)")
            }
        }
    }

    @Test func aMessageIDIsTheTimeThenSixteenRandomCharacters() throws {
        let builder = try MIMEBuilder(messageIDDomain: "example.org", clock: { 1_793_000_000_000 })
        var random = SeededRandom(seed: 9)
        let message = OutgoingMessage(from: Fixture.sender, to: [Fixture.authorityBox], subject: "x", date: Fixture.fixedDate, text: "x")
        let first = try builder.build(message, using: &random).messageID
        let second = try builder.build(message, using: &random).messageID
        #expect(first.hasPrefix(MIMEBuilder.messageIDTime(1_793_000_000_000)) && first.hasSuffix("@example.org"))
        #expect(first.count == 9 + 16 + "@example.org".count && first != second)
        // By the system's clock: made later, sorted after.
        let live = try MIMEBuilder(messageIDDomain: "example.org")
        let before = try live.build(message, using: &random).messageID
        Thread.sleep(forTimeInterval: 0.002)
        let after = try live.build(message, using: &random).messageID
        #expect(before.prefix(9) < after.prefix(9))
    }
}
