import BreachCore
import Testing

@Suite("The system's random numbers, fetched in bulk")
struct BufferedSystemRandomTests {
    /// Across several refills: no number twice (64-bit numbers: a repeat among 5,000 would be a
    /// one in 10^12 event), none zero, and every bit set in some and clear in others.
    @Test func drawsAcrossRefillsAreFreshNumbers() {
        var random = BufferedSystemRandom()
        let draws = (0..<5_000).map { _ in random.next() }
        #expect(Set(draws).count == draws.count)
        #expect(!draws.contains(0))
        #expect(draws.reduce(0, |) == .max)
        #expect(draws.reduce(.max, &) == 0)
    }

    /// Two generators do not share their numbers.
    @Test func twoGeneratorsDrawDifferentNumbers() {
        var a = BufferedSystemRandom(), b = BufferedSystemRandom()
        let first = (0..<600).map { _ in a.next() }
        let second = (0..<600).map { _ in b.next() }
        #expect(Set(first).isDisjoint(with: second))
    }
}
