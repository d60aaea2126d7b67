@testable import BreachBounces
import Testing

@Suite struct VERPTests {
    let verp = Fixtures.verp
    let key = VERPKey(incident: IncidentNumber("BR-2026-0003")!, subject: 1234)

    @Test func roundTrip() {
        let address = verp.make(key)
        #expect(address == "bounces+ahb5ztla2ietm4mcabyybyz4vc5a@bounce.cs-ettelbreck.lu")  // as in the fixtures
        #expect(verp.parse(address) == .valid(key))
        #expect(verp.parse("<\(address)>") == .valid(key))
        #expect(verp.parse("Bounces <\(address)>") == .valid(key))
    }

    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 1_000_000, UInt64(UInt32.max), UInt64.max])
    func roundTripAnySubjectWithinTheLocalPartLimit(_ subject: UInt64) throws {
        for id in ["BR-2000-0001", "BR-2026-0003", "BR-9999-99999"] {
            let k = VERPKey(incident: try #require(IncidentNumber(id)), subject: subject)
            let address = verp.make(k)
            #expect(verp.parse(address) == .valid(k))
            let local = address.split(separator: "@")[0]
            #expect(local.utf8.count <= 64)
        }
    }

    @Test func longestPrefixStillFits() throws {
        let prefix = String(repeating: "b", count: 64 - 1 - VERPSigner.maximumTokenLength)
        let long = try VERP(prefix: prefix, domain: "bounce.example.org", secret: Fixtures.secret)
        let address = long.make(VERPKey(incident: IncidentNumber("BR-9999-99999")!, subject: .max))
        #expect(address.split(separator: "@")[0].utf8.count == 64)
        #expect(throws: VERPError.self) { try VERP(prefix: prefix + "b", domain: "bounce.example.org", secret: Fixtures.secret) }
    }

    @Test func caseInsensitiveBecauseSomeMTAsChangeCase() {
        let address = verp.make(key)
        #expect(verp.parse(address.uppercased()) == .valid(key))
        #expect(verp.parse("bounces+AHB5ZTLA2ietm4mcabyybyz4vc5a@Bounce.CS-Ettelbreck.LU") == .valid(key))
    }

    @Test func changedSubjectIsForged() {
        // The same MAC with another subject id (1235) spliced in.
        let signer = try! VERPSigner(secret: Fixtures.secret)
        let real = Base32.decode(signer.token(for: key))!
        let other = Base32.decode(signer.token(for: VERPKey(incident: key.incident, subject: 1235)))!
        var spliced = Array(other.dropLast(10)) + Array(real.suffix(10))
        #expect(verp.parse("bounces+\(Base32.encode(spliced))@bounce.cs-ettelbreck.lu") == .forged)
        spliced = Array(real.dropLast(10)) + Array(other.suffix(10))
        #expect(verp.parse("bounces+\(Base32.encode(spliced))@bounce.cs-ettelbreck.lu") == .forged)
    }

    @Test func changedMACIsForged() {
        var bytes = Base32.decode(try! VERPSigner(secret: Fixtures.secret).token(for: key))!
        for i in (bytes.count - 10)..<bytes.count {
            var copy = bytes
            copy[i] ^= 0x01
            #expect(verp.parse("bounces+\(Base32.encode(copy))@bounce.cs-ettelbreck.lu") == .forged)
        }
        bytes.removeLast()
        #expect(verp.parse("bounces+\(Base32.encode(bytes))@bounce.cs-ettelbreck.lu") == .forged)
    }

    @Test func otherSecretIsForged() throws {
        let theirs = try VERP(prefix: "bounces", domain: "bounce.cs-ettelbreck.lu", secret: Array("another-secret-that-is-not-ours!!".utf8))
        #expect(verp.parse(theirs.make(key)) == .forged)
    }

    @Test func garbageUnderOurDomainIsForgedAndOthersAreNotOurs() {
        #expect(verp.parse("bounces+hello@bounce.cs-ettelbreck.lu") == .forged)
        #expect(verp.parse("bounces+@bounce.cs-ettelbreck.lu") == .notOurs)
        #expect(verp.parse("bounces+ahb5ztla2ietm4mcabyybyz4vc5a@elsewhere.example") == .notOurs)
        #expect(verp.parse("news+ahb5ztla2ietm4mcabyybyz4vc5a@bounce.cs-ettelbreck.lu") == .notOurs)
        #expect(verp.parse("dpo@cs-ettelbreck.lu") == .notOurs)
        #expect(verp.parse("") == .notOurs)
    }

    @Test func refusesWeakSetUps() {
        #expect(throws: VERPError.self) { try VERP(prefix: "bounces", domain: "bounce.example.org", secret: Array("short".utf8)) }
        #expect(throws: VERPError.self) { try VERP(prefix: "", domain: "bounce.example.org", secret: Fixtures.secret) }
        #expect(throws: VERPError.self) { try VERP(prefix: "a+b", domain: "bounce.example.org", secret: Fixtures.secret) }
        #expect(throws: VERPError.self) { try VERP(prefix: "bounces", domain: "localhost", secret: Fixtures.secret) }
    }

    @Test func incidentNumbers() {
        #expect(IncidentNumber("BR-2026-0001")?.description == "BR-2026-0001")
        #expect(IncidentNumber("BR-2026-12345")?.description == "BR-2026-12345")
        #expect(IncidentNumber("BR-2026-0000") == nil)
        #expect(IncidentNumber("XX-2026-0001") == nil)
        #expect(IncidentNumber("BR-26-0001") == nil)
        #expect(IncidentNumber("BR-2026-+001") == nil)
    }

    @Test func constantTimeCompare() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
    }

    @Test func base32OneSpellingPerValue() {
        #expect(Base32.encode(Array("foobar".utf8)) == "mzxw6ytboi")  // RFC 4648 §10, lower case, no padding
        #expect(Base32.decode("MZXW6YTBOI") == Array("foobar".utf8))
        #expect(Base32.decode("mzxw6ytboj") == nil)  // non-zero padding bits
        #expect(Base32.decode("mzxw6ytbo1") == nil)
    }
}
