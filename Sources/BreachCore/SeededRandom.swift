/// A small, fast, seedable generator (SplitMix64): the same seed gives the same sequence on
/// every run and machine, so that golden files can fix the Message-ID and the boundaries, and a
/// test's random files, populations and kill points are the same for a seed. Not for secrets.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The same seed always gives the same sequence.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
