@testable import BreachRegister
import Testing

/// The people's digest is stored in every register and in its history: a row's digest must stay
/// the SHA-256 of its bytes, read as four big-endian lanes, and the sum must stay a wrapping sum
/// lane by lane, whatever the digest's representation in memory.
@Suite struct SubjectDigestTests {
    @Test func aRowsDigestIsTheSHA256OfItsColumns() {
        // `printf 'v1\x1fn\x1fvx\x1f' | sha256sum`
        #expect(SubjectDigest.of(["1", nil, "x"]).hex == "6106e0b4450c143147ffdb5eb508d7880c3bcadbc0266f5a421b71bfe657ec50")
        // `printf 'v\x1f' | sha256sum`
        #expect(SubjectDigest.of([""]).hex == "a0354ba3931985237ddd9383a4877d9f1edc044022dee3ae59914f019158f295")
    }

    @Test func theSumWrapsLaneByLaneAndReadsBack() {
        let a = SubjectDigest(hex: "ffffffffffffffff" + "0000000000000001" + "8000000000000000" + "0123456789abcdef")
        let b = SubjectDigest(hex: "0000000000000002" + "ffffffffffffffff" + "8000000000000000" + "fedcba9876543210")
        var sum = SubjectDigest.zero
        sum.add(a)
        sum.add(b)
        #expect(sum.hex == "0000000000000001" + "0000000000000000" + "0000000000000000" + "ffffffffffffffff")
        sum.subtract(a)
        #expect(sum == b)
        #expect(SubjectDigest(hex: b.hex) == b)
        #expect(SubjectDigest(hex: "not a digest") == .zero)
    }
}
