#if canImport(Glibc)
import Glibc
#endif

/// The system's random numbers (`getentropy(3)`, the kernel's `getrandom(2)`, as
/// `SystemRandomNumberGenerator` draws them), fetched 256 bytes at a time: one system call for
/// 32 numbers instead of one for each. For a campaign's connection, which draws three for every
/// message (MIME boundaries, Message-ID).
///
/// Not `Sendable`: one per thread.
public struct BufferedSystemRandom: RandomNumberGenerator {
    private var numbers = [UInt64](repeating: 0, count: 32)  // 256 bytes: getentropy's most
    private var index = 32

    public init() {}

    public mutating func next() -> UInt64 {
        if index == numbers.count { refill() }
        defer { index += 1 }
        return numbers[index]
    }

    private mutating func refill() {
        index = 0
        #if canImport(Glibc)
        if numbers.withUnsafeMutableBytes({ getentropy($0.baseAddress, $0.count) }) == 0 { return }
        #endif
        // No getentropy: the standard library's generator, one number at a time.
        var system = SystemRandomNumberGenerator()
        for i in numbers.indices { numbers[i] = system.next() }
    }
}
