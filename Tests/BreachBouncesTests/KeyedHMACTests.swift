@testable import BreachBounces
import BreachCore
import Crypto
import Foundation
import Testing

/// Every VERP token's MAC is HMAC-SHA256 written on SHA-256 with its pads hashed once; it must be
/// the HMAC of RFC 2104, for keys shorter than, as long as and longer than a block.
@Suite struct KeyedHMACTests {
    @Test func rfc4231TestCaseTwo() {
        let mac = KeyedHMAC(secret: Array("Jefe".utf8)).mac(Array("what do ya want for nothing?".utf8), count: 32)
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func theSameAsSwiftCryptosHMAC() {
        var random = SeededRandom(seed: 2104)
        for keyLength in [0, 1, 16, 32, 63, 64, 65, 100, 200] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &random) }
            let keyed = KeyedHMAC(secret: key)
            for messageLength in [0, 1, 10, 55, 56, 64, 119, 300] {
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &random) }
                let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
                #expect(keyed.mac(message, count: 32) == expected, "key \(keyLength) bytes, message \(messageLength) bytes")
                #expect(keyed.mac(message, count: 10) == Array(expected.prefix(10)))
            }
        }
    }
}
