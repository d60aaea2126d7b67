public import Foundation

/// An instant together with the UTC offset it was written with, as in `2026-11-20T09:30:00+01:00`.
///
/// The offset is kept because the register must show times as the DPO wrote them; the instant is
/// what every computation uses.
public struct ZonedTime: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var instant: Date
    /// Seconds east of UTC.
    public var offsetSeconds: Int

    public init(instant: Date, offsetSeconds: Int) {
        self.instant = instant
        self.offsetSeconds = offsetSeconds
    }

    /// Parses RFC 3339 with a mandatory offset (`Z` or `±hh:mm`); seconds are optional.
    /// Returns `nil` for anything else, a time without offset included.
    public init?(rfc3339 text: String) {
        guard let parsed = RFC3339.parse(text) else { return nil }
        self = parsed
    }

    /// The same instant shown in an IANA zone (e.g. `Europe/Luxembourg`), with that zone's offset then.
    public func converted(to zone: TimeZone) -> ZonedTime {
        ZonedTime(instant: instant, offsetSeconds: zone.secondsFromGMT(for: instant))
    }

    /// RFC 3339 text with the stored offset, e.g. `2026-11-20T09:30:00+01:00`.
    public var description: String { RFC3339.format(self) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = ZonedTime(rfc3339: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "expected an RFC 3339 time with offset, got \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// RFC 3339 parsing and formatting without `DateFormatter` (which is slow and locale-bound).
enum RFC3339 {
    static func parse(_ text: String) -> ZonedTime? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        func expect(_ at: Int, _ c: UInt8) -> Bool { at < b.count && b[at] == c }
        guard let year = digits(0, 4), expect(4, 45), let month = digits(5, 2), expect(7, 45),
              let day = digits(8, 2), at(b, 10, [84, 116, 32]), let hour = digits(11, 2), expect(13, 58),
              let minute = digits(14, 2)
        else { return nil }
        var i = 16
        var second = 0
        var fraction = 0.0
        if expect(i, 58) {
            guard let s = digits(i + 1, 2) else { return nil }
            second = s
            i += 3
            if expect(i, 46) {
                i += 1
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    fraction += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        guard i < b.count else { return nil }
        let offset: Int
        if b[i] == 90 || b[i] == 122 {  // Z or z
            offset = 0
            i += 1
        } else if b[i] == 43 || b[i] == 45 {  // + or -
            guard let oh = digits(i + 1, 2), expect(i + 3, 58), let om = digits(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (b[i] == 45 ? -1 : 1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count, (1...12).contains(month), hour < 24, minute < 60, second < 61,
              (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return ZonedTime(instant: Date(timeIntervalSince1970: seconds), offsetSeconds: offset)
    }

    static func format(_ t: ZonedTime) -> String {
        let local = Int(t.instant.timeIntervalSince1970.rounded(.down)) + t.offsetSeconds
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secs = local - days * 86_400
        let (y, m, d) = CivilDate.fromDays(days)
        let off = abs(t.offsetSeconds)
        guard (0...9999).contains(y), off < 100 * 3600 else { return slowFormat(y, m, d, secs, t.offsetSeconds) }
        // Written digit by digit: every journal line and register row carries one or two.
        return String(unsafeUninitializedCapacity: 25) { buffer in
            var i = 0
            func put(_ v: Int, _ width: Int) {
                var v = v, j = i + width - 1
                while j >= i {
                    buffer[j] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                    j -= 1
                }
                i += width
            }
            func put(_ c: Unicode.Scalar) {
                buffer[i] = UInt8(ascii: c)
                i += 1
            }
            put(y, 4); put("-"); put(m, 2); put("-"); put(d, 2); put("T")
            put(secs / 3600, 2); put(":"); put(secs % 3600 / 60, 2); put(":"); put(secs % 60, 2)
            if t.offsetSeconds == 0 {
                put("Z")
            } else {
                put(t.offsetSeconds < 0 ? "-" : "+"); put(off / 3600, 2); put(":"); put(off % 3600 / 60, 2)
            }
            return i
        }
    }

    /// Years outside 0…9999 (RFC 3339 writes four digits) and offsets of 100 hours or more.
    private static func slowFormat(_ y: Int, _ m: Int, _ d: Int, _ secs: Int, _ offset: Int) -> String {
        let sign = offset < 0 ? "-" : "+"
        let off = abs(offset)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2))"
            + (offset == 0 ? "Z" : "\(sign)\(pad(off / 3600, 2)):\(pad(off % 3600 / 60, 2))")
    }

    private static func at(_ b: [UInt8], _ i: Int, _ options: [UInt8]) -> Bool {
        i < b.count && options.contains(b[i])
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Howard Hinnant's civil-date algorithms: days since 1970-01-01 to and from year, month, day.
public enum CivilDate {
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func fromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
