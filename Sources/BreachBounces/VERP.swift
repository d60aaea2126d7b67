import Crypto

/// An incident number as the register writes it, `BR-YEAR-NNNN`, in a form a token can carry.
public struct IncidentNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The year of opening (2000–9999).
    public let year: Int
    /// The number within the year (1–99999).
    public let sequence: Int

    /// - Returns: nil when the year or sequence is out of range.
    public init?(year: Int, sequence: Int) {
        guard (2000...9999).contains(year), (1...99_999).contains(sequence) else { return nil }
        self.year = year
        self.sequence = sequence
    }

    /// Reads `BR-2026-0001`; nil for anything else.
    public init?(_ id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "BR", parts[1].count == 4,
              let year = Int(parts[1]), let sequence = Int(parts[2]), !parts[2].isEmpty,
              parts[1].allSatisfy(\.isASCIIDigit), parts[2].allSatisfy(\.isASCIIDigit) else { return nil }
        self.init(year: year, sequence: sequence)
    }

    /// `BR-2026-0001`.
    public var description: String {
        let digits = String(sequence)
        return "BR-\(year)-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits)"
    }

    var packed: UInt64 { UInt64(year) * 100_000 + UInt64(sequence) }

    init?(packed: UInt64) {
        self.init(year: Int(packed / 100_000), sequence: Int(packed % 100_000))
    }
}

/// What a VERP token names: one notice, to one subject, for one incident.
public struct VERPKey: Sendable, Hashable, Codable {
    /// The incident the notice was about.
    public let incident: IncidentNumber
    /// The subject's id in the register.
    public let subject: UInt64

    /// The key for the notice about `incident` to `subject`.
    public init(incident: IncidentNumber, subject: UInt64) {
        self.incident = incident
        self.subject = subject
    }
}

/// What a VERP address turned out to be.
public enum VERPResult: Sendable, Equatable {
    /// A token we made, for this incident and subject.
    case valid(VERPKey)
    /// Under our prefix and domain, but its token is not one we made: never credit it.
    case forged
    /// Not one of our bounce addresses.
    case notOurs
}

/// A VERP set-up is refused: the reason names the setting and the fix.
public struct VERPError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// The opaque, signed token carried in the return path: `PREFIX+TOKEN@BOUNCE-DOMAIN`.
///
/// The token is a version byte, the incident number and the subject id as unsigned LEB128
/// integers, then the first 10 bytes (80 bits) of HMAC-SHA256 over all of that, in lower-case
/// base32 without padding: 24 to 42 characters (29 for a 2026 incident and a subject id below 16,384). It hides the address (Mailman's VERP shows it),
/// stays within the 64-octet local part (RFC 5321 §4.5.3.1.1), and cannot be forged without
/// the secret. MTAs that lower-case addresses do not break it: base32 is read case-insensitively.
///
/// ```swift
/// let verp = try VERP(prefix: "bounces", domain: "bounce.example.org", secret: secretBytes)
/// let address = verp.make(VERPKey(incident: IncidentNumber("BR-2026-0003")!, subject: 1234))
/// // bounces+aeabc…@bounce.example.org
/// verp.parse(address) // .valid(VERPKey(incident: BR-2026-0003, subject: 1234))
/// ```
public struct VERP: Sendable {
    /// The local part before `+`.
    public let prefix: String
    /// The bounce domain, lower case.
    public let domain: String
    private let signer: VERPSigner

    /// The shortest secret accepted, in bytes (128 bits).
    public static let minimumSecretLength = VERPSigner.minimumSecretLength

    /// - Throws: `VERPError` when the prefix or domain is empty or not plain ASCII, or the secret too short.
    public init(prefix: String, domain: String, secret: [UInt8]) throws(VERPError) {
        guard !prefix.isEmpty, prefix.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != ASCII.at && $0 != UInt8(ascii: "+") }) else {
            throw VERPError(description: "the VERP prefix must be plain ASCII without '@' or '+', e.g. \"bounces\"")
        }
        guard prefix.utf8.count + 1 + VERPSigner.maximumTokenLength <= 64 else {
            throw VERPError(description: "the VERP prefix is too long: prefix + '+' + token must fit the 64-octet local part; use at most \(63 - VERPSigner.maximumTokenLength) characters")
        }
        guard !domain.isEmpty, domain.contains("."), domain.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != ASCII.at }) else {
            throw VERPError(description: "the bounce domain must be an ASCII domain name (punycode for IDN), e.g. \"bounce.example.org\"")
        }
        self.prefix = prefix
        self.domain = domain.asciiLowercased
        self.signer = try VERPSigner(secret: secret)
    }

    /// The return path for one notice.
    public func make(_ key: VERPKey) -> String {
        "\(prefix)+\(signer.token(for: key))@\(domain)"
    }

    /// Reads a return path (or a bounce's `To`): ours and valid, ours and forged, or not ours.
    /// Angle brackets and a display name around the address are accepted.
    public func parse(_ address: String) -> VERPResult {
        guard let parts = VERPSigner.split(address) else { return .notOurs }
        guard parts.domain.asciiLowercased == domain,
              parts.prefix.asciiLowercased == prefix.asciiLowercased else { return .notOurs }
        return signer.verify(parts.token).map(VERPResult.valid) ?? .forged
    }
}

/// HMAC-SHA256 (RFC 2104) keyed once and never changed, to be copied: the inner and outer
/// SHA-256 hashers with their pad blocks hashed. A `SHA256` is a value whose state is copied on
/// the first write to a copy, so copies made on several threads at once are independent (the
/// `@unchecked`: swift-crypto does not mark its hashers `Sendable`). Written on `SHA256` rather
/// than `HMAC` because `HMAC` takes its message only through a generic `DataProtocol` call, which
/// other modules run unspecialised (a tenth of composing a message); `SHA256` takes a buffer.
final class KeyedHMAC: @unchecked Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(secret: [UInt8]) {
        // A key longer than the block (64 bytes) is hashed first; then padded with zeros.
        var key = secret.count > 64 ? Array(SHA256.hash(data: secret)) : secret
        key += Array(repeating: 0, count: 64 - key.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(data: key.map { $0 ^ 0x36 })
        outer.update(data: key.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of `message`, its first `count` bytes.
    func mac(_ message: [UInt8], count: Int) -> [UInt8] {
        var inner = self.inner
        message.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { Array($0.prefix(count)) }
    }
}

/// Makes and checks tokens without knowing the prefix or the bounce domain (for `bounces parse`,
/// which runs outside any working directory).
public struct VERPSigner: Sendable {
    /// HMAC-SHA256 keyed with the secret once (the two pad blocks hashed): each MAC starts from
    /// a copy of it, instead of hashing the key again for every message of a campaign.
    private let keyed: KeyedHMAC
    static let version: UInt8 = 1
    static let macLength = 10
    /// 1 version byte, the incident (5 LEB128 bytes at most), the subject (10 at most), the MAC.
    static let maximumTokenLength = Base32.encodedLength(1 + 5 + 10 + 10)
    static let minimumTokenLength = Base32.encodedLength(1 + 1 + 1 + 10)
    /// The shortest secret accepted, in bytes (128 bits).
    public static let minimumSecretLength = 16

    /// - Throws: `VERPError` when the secret is shorter than 16 bytes.
    public init(secret: [UInt8]) throws(VERPError) {
        guard secret.count >= Self.minimumSecretLength else {
            throw VERPError(description: "the VERP secret is too short: use at least \(Self.minimumSecretLength) random bytes, e.g. `openssl rand -base64 32`")
        }
        keyed = KeyedHMAC(secret: secret)
    }

    /// The token for `key`, lower-case base32.
    public func token(for key: VERPKey) -> String {
        var payload: [UInt8] = [Self.version]
        LEB128.append(key.incident.packed, to: &payload)
        LEB128.append(key.subject, to: &payload)
        payload.append(contentsOf: mac(payload))
        return Base32.encode(payload)
    }

    /// The key a token names, or nil when it is malformed or its MAC does not match.
    public func verify(_ token: String) -> VERPKey? {
        guard let decoded = VERPSigner.decode(token) else { return nil }
        let expected = mac(decoded.signed)
        guard ConstantTime.equal(expected, decoded.mac) else { return nil }
        return decoded.key
    }

    /// The key a token claims, without checking its MAC: for display only, never for crediting.
    public static func unverifiedKey(_ token: String) -> VERPKey? { decode(token)?.key }

    /// The token in a VERP-shaped address (`local+TOKEN@domain`), if it has the shape of one.
    public static func token(in address: String) -> String? {
        guard let parts = split(address), decode(parts.token) != nil else { return nil }
        return parts.token
    }

    private func mac(_ payload: [UInt8]) -> [UInt8] {
        keyed.mac(payload, count: Self.macLength)
    }

    private static func decode(_ token: String) -> (key: VERPKey, signed: [UInt8], mac: [UInt8])? {
        guard token.utf8.count >= minimumTokenLength, token.utf8.count <= maximumTokenLength,
              let bytes = Base32.decode(token), bytes.count > macLength + 2, bytes[0] == version else { return nil }
        let signed = Array(bytes.dropLast(macLength))
        var index = 1
        guard let packed = LEB128.read(signed, &index), let subject = LEB128.read(signed, &index),
              index == signed.count, let incident = IncidentNumber(packed: packed) else { return nil }
        return (VERPKey(incident: incident, subject: subject), signed, Array(bytes.suffix(macLength)))
    }

    static func split(_ raw: String) -> (prefix: Substring, token: String, domain: Substring)? {
        // Most addresses a bounce names have no "+" at all: a byte scan rules them out cheaply.
        guard raw.utf8.contains(UInt8(ascii: "+")) else { return nil }
        // On the UTF-8 bytes: every delimiter is ASCII.
        let b = Array(raw.utf8)
        var lo = 0, hi = b.count
        func trim() {
            while lo < hi, ASCII.isSpace(b[lo]) { lo += 1 }
            while hi > lo, ASCII.isSpace(b[hi - 1]) { hi -= 1 }
        }
        trim()
        if let open = b[lo..<hi].lastIndex(of: ASCII.less) {
            lo = open + 1
            if let close = b[lo..<hi].firstIndex(of: ASCII.greater) { hi = close }
        }
        if hi - lo >= rfc822Prefix.count, b[lo..<(lo + rfc822Prefix.count)].elementsEqual(rfc822Prefix) { lo += rfc822Prefix.count }
        trim()
        guard let at = b[lo..<hi].lastIndex(of: ASCII.at), at - lo <= 64,
              let plus = b[lo..<at].lastIndex(of: UInt8(ascii: "+")), plus + 1 < at else { return nil }
        return (Substring(b.text(lo..<plus)), b.text((plus + 1)..<at), Substring(b.text((at + 1)..<hi)))
    }

    private static let rfc822Prefix = Array("rfc822;".utf8)
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Lower-case RFC 4648 base32 without padding; decoding accepts either case.
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() {
            t[Int(c)] = UInt8(i)
            if c >= 97 { t[Int(c - 32)] = UInt8(i) }  // upper case too: some MTAs change case
        }
        return t
    }()

    static func encodedLength(_ bytes: Int) -> Int { (bytes * 8 + 4) / 5 }

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(bytes.count))
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v = table[Int(c)]
            guard v != 0xFF else { return nil }
            buffer = (buffer << 5) | UInt32(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        // Leftover bits must be zero padding, so that one token has one spelling (modulo case).
        guard bits < 5, buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}

/// Unsigned LEB128: small ids take one or two bytes, which keeps tokens short.
enum LEB128 {
    static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while v != 0
    }

    static func read(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // Refuse over-long encodings: one value, one token.
                if byte == 0 && shift > 0 { return nil }
                return result
            }
            shift += 7
        }
        return nil
    }
}

enum ConstantTime {
    /// Compares without an early exit, so that timing does not tell how many bytes matched.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
