/// RFC 3492 Punycode, the encoding behind internationalised domain labels (`xn--…`).
///
/// Written here rather than taken from Foundation because Foundation on Linux has no IDNA API,
/// and the algorithm is short enough to own and test against the RFC's vectors.
public enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
    private static let initialBias = 72, initialN = 0x80

    /// Encodes Unicode scalars as Punycode (without the `xn--` prefix).
    ///
    /// ```swift
    /// Punycode.encode("bücher")  // "bcher-kva"
    /// ```
    /// - Returns: `nil` if the input is too long to encode without overflow.
    public static func encode(_ input: String) -> String? {
        let scalars = input.unicodeScalars.map { Int($0.value) }
        var output: [UInt8] = scalars.filter { $0 < 0x80 }.map { UInt8($0) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }
        var n = initialN, delta = 0, bias = initialBias
        while handled < scalars.count {
            // The smallest code point not yet handled.
            let m = scalars.filter { $0 >= n }.min()!
            let (product, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow, delta <= Int(Int32.max) - product else { return nil }
            delta += product
            n = m
            for c in scalars {
                if c < n {
                    delta += 1
                    guard delta <= Int(Int32.max) else { return nil }
                }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Punycode (without the `xn--` prefix) back to Unicode.
    /// - Returns: `nil` for malformed input.
    public static func decode(_ input: String) -> String? {
        let bytes = Array(input.utf8)
        var output: [Int] = []
        var start = 0
        if let lastDash = bytes.lastIndex(of: UInt8(ascii: "-")) {
            for b in bytes[..<lastDash] {
                guard b < 0x80 else { return nil }
                output.append(Int(b))
            }
            start = lastDash + 1
        }
        var n = initialN, i = 0, bias = initialBias
        var index = start
        while index < bytes.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard index < bytes.count, let d = value(of: bytes[index]) else { return nil }
                index += 1
                guard d <= (Int(Int32.max) - i) / w else { return nil }
                i += d * w
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if d < t { break }
                guard w <= Int(Int32.max) / (base - t) else { return nil }
                w *= base - t
                k += base
            }
            bias = adapt(i - oldI, output.count + 1, oldI == 0)
            guard i / (output.count + 1) <= Int(Int32.max) - n else { return nil }
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n >= 0x80, let _ = Unicode.Scalar(UInt32(n)) else { return nil }
            output.insert(n, at: i)
            i += 1
        }
        var text = String.UnicodeScalarView()
        for c in output {
            guard let scalar = Unicode.Scalar(UInt32(c)) else { return nil }
            text.append(scalar)
        }
        return String(text)
    }

    private static func adapt(_ delta: Int, _ numPoints: Int, _ firstTime: Bool) -> Int {
        var delta = firstTime ? delta / damp : delta / 2
        delta += delta / numPoints
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func digit(_ d: Int) -> UInt8 {
        d < 26 ? UInt8(97 + d) : UInt8(22 + d)  // a-z, then 0-9
    }

    private static func value(of b: UInt8) -> Int? {
        switch b {
        case 48...57: return Int(b) - 22
        case 65...90: return Int(b) - 65
        case 97...122: return Int(b) - 97
        default: return nil
        }
    }
}
