// Byte-level helpers for the bounce reader: bounces are read as bytes because most of a bounce
// (the returned copy, binary attachments) is skipped, and decoding it all to String is the cost
// that makes other analysers slow.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ASCII {
    static let cr: UInt8 = 13, lf: UInt8 = 10, space: UInt8 = 32, tab: UInt8 = 9
    static let colon: UInt8 = 58, hyphen: UInt8 = 45, equals: UInt8 = 61, at: UInt8 = 64
    static let less: UInt8 = 60, greater: UInt8 = 62, dot: UInt8 = 46, semicolon: UInt8 = 59
    static let quote: UInt8 = 34, backslash: UInt8 = 92, underscore: UInt8 = 95, question: UInt8 = 63

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b | 0x20 : b }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }
}

extension Array where Element == UInt8 {
    /// The index of the first occurrence of `needle` (bytes compared exactly) in `range`.
    func firstIndex(of needle: [UInt8], in range: Range<Int>) -> Int? {
        guard !needle.isEmpty, needle.count <= range.count else { return nil }
        // memchr/memcmp from the C library: several times faster than a byte loop in Swift.
        return withUnsafeBufferPointer { buffer in
            needle.withUnsafeBufferPointer { n in
                guard let base = buffer.baseAddress, let nb = n.baseAddress else { return nil }
                let first = Int32(nb.pointee)
                var i = range.lowerBound
                let last = range.upperBound - n.count
                while i <= last {
                    guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, nb, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
    }

    /// The range of the line starting at `start` (without its CR LF / LF) and where the next line begins.
    func line(at start: Int, end: Int) -> (content: Range<Int>, next: Int) {
        guard start < end else { return (start..<start, end) }
        // memchr: every line of every part goes through here.
        let i = withUnsafeBufferPointer { buffer -> Int in
            guard let base = buffer.baseAddress, let hit = memchr(base + start, Int32(ASCII.lf), end - start) else { return end }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        let next = i < end ? i + 1 : end
        var stop = i
        if stop > start && self[stop - 1] == ASCII.cr { stop -= 1 }
        return (start..<stop, next)
    }

    /// The bytes as text with whitespace runs collapsed to one space and the ends trimmed: the
    /// same as `text(_:)` then `collapsingWhitespace`, with one String made instead of two.
    func collapsedWhitespaceText() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var pendingSpace = false
        for b in self {
            if ASCII.isSpace(b) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(ASCII.space); pendingSpace = false }
                out.append(b)
            }
        }
        return out.text(0..<out.count)
    }

    /// Decodes `range` as UTF-8, falling back to ISO-8859-1 (which never fails) for legacy bounces.
    func text(_ range: Range<Int>) -> String {
        let slice = self[range]
        if let s = String(validating: slice, as: UTF8.self) { return s }
        return String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) }))
    }
}

/// A lower-cased ASCII copy of a text, searched for many fixed phrases.
struct LowerText {
    let bytes: [UInt8]

    init(_ text: String) {
        var copy = text
        bytes = copy.withUTF8 { Self.lowered($0) }
    }
    init(bytes: [UInt8]) { self.bytes = bytes.withUnsafeBufferPointer { Self.lowered($0) } }

    /// A tight loop over contiguous bytes: `map` over a String's UTF-8 view was the single
    /// costliest function of reading a bounce.
    static func lowered(_ source: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: source.count) { out, initialized in
            for i in 0..<source.count {
                let b = source[i]
                out[i] = b &- 65 < 26 ? b | 0x20 : b
            }
            initialized = source.count
        }
    }

    /// Whether the text contains `phrase` (give it in lower case).
    func contains(_ phrase: String) -> Bool {
        bytes.firstIndex(of: Array(phrase.utf8), in: 0..<bytes.count) != nil
    }

    /// Whether the text contains any of `phrases`.
    func containsAny(_ phrases: Phrases) -> Bool {
        phrases.needles.contains { bytes.firstIndex(of: $0, in: 0..<bytes.count) != nil }
    }

    /// Where the first of `phrases` occurs earliest in lower-cased `bytes`, if any does.
    func firstOffset(in bytes: [UInt8], of phrases: Phrases) -> Int? {
        phrases.needles.compactMap { bytes.firstIndex(of: $0, in: 0..<bytes.count) }.min()
    }

    /// Where the first of `phrases` occurs earliest, if any does.
    func firstOffset(of phrases: Phrases) -> Int? {
        phrases.needles.compactMap { bytes.firstIndex(of: $0, in: 0..<bytes.count) }.min()
    }
}

/// Lower-case phrases kept as bytes, made once (static lists), so that searching allocates nothing.
struct Phrases: ExpressibleByArrayLiteral, Sendable {
    let needles: [[UInt8]]
    init(arrayLiteral elements: String...) { needles = elements.map { Array($0.utf8) } }
}

extension String {
    /// The lines of the text (LF or CR LF, the CR dropped), split on the UTF-8 bytes with memchr:
    /// splitting on Characters runs grapheme breaking over every byte, which made it the costliest
    /// step of reading a text bounce.
    var lineStrings: [String] {
        var result: [String] = []
        var copy = self
        copy.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { result.append(""); return }
            let n = buffer.count
            var start = 0
            while start <= n {
                let lf: Int
                if start < n, let hit = memchr(base + start, Int32(ASCII.lf), n - start) {
                    lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                } else {
                    result.append(String(decoding: UnsafeBufferPointer(start: base + start, count: n - start), as: UTF8.self))
                    break
                }
                var end = lf
                if end > start && base[end - 1] == ASCII.cr { end -= 1 }
                result.append(String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self))
                start = lf + 1
            }
        }
        return result
    }
}

extension StringProtocol {
    /// Leading and trailing blanks, CR and LF removed (no Foundation needed).
    var trimmed: String {
        // On the UTF-8 bytes: the blanks are ASCII, so the slice stays valid UTF-8.
        let string = String(self)
        let bytes = string.utf8
        guard let start = bytes.firstIndex(where: { !ASCII.isSpace($0) }) else { return "" }
        let end = bytes.lastIndex(where: { !ASCII.isSpace($0) })!
        if start == bytes.startIndex && end == bytes.index(before: bytes.endIndex) { return string }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }

    /// ASCII-only lower-casing: cheaper than `lowercased()` and enough for header names and keywords.
    var asciiLowercased: String {
        var copy = String(self)
        // Most header names and keywords are lower case already: no copy then.
        if !copy.utf8.contains(where: { $0 &- 65 < 26 }) { return copy }
        return copy.withUTF8 { String(decoding: LowerText.lowered($0), as: UTF8.self) }
    }

    /// Whitespace runs (including folded line breaks) collapsed to one space, ends trimmed.
    var collapsingWhitespace: String {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        for b in utf8 {
            if ASCII.isSpace(b) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(ASCII.space); pendingSpace = false }
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

}
