import BreachRegister

/// Rows as one JSON array of objects, for `json_to_recordset`: written byte by byte (Foundation's
/// `JSONSerialization` of dictionaries cast every value and took a quarter of a worker's time).
/// Each row carries its place in the array as `n`, so that a statement can keep their order.
struct JSONRows {
    private var bytes: [UInt8] = [UInt8(ascii: "[")]
    private var firstKey = true
    private(set) var count = 0

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity * 200) }

    /// Starts the next row (its `n` written).
    mutating func row() {
        if count > 0 { bytes += [UInt8(ascii: "}"), UInt8(ascii: ",")] }
        bytes.append(UInt8(ascii: "{"))
        firstKey = true
        number("n", Int64(count))
        count += 1
    }

    mutating func number(_ name: StaticString, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func text(_ name: StaticString, _ value: String?) {
        key(name)
        guard let value else { bytes.append(contentsOf: "null".utf8); return }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The array, closed.
    var json: String {
        String(decoding: bytes + (count > 0 ? [UInt8(ascii: "}"), UInt8(ascii: "]")] : [UInt8(ascii: "]")]), as: UTF8.self)
    }

    private mutating func key(_ name: StaticString) {
        if !firstKey { bytes.append(UInt8(ascii: ",")) }
        firstKey = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

extension StateChange {
    /// `changes` as ``JSONRows`` of ``recordType``.
    static func jsonArray(_ changes: [StateChange]) -> String {
        var rows = JSONRows(capacity: changes.count)
        for c in changes {
            rows.row()
            rows.number("id", c.id)
            rows.text("from_states", c.from?.joined(separator: ","))
            rows.text("state", c.state)
            rows.text("reason", c.reason)
            rows.number("attempts", Int64(c.attempts))
            rows.text("next_attempt_at", c.nextAttemptAt)
            rows.text("first_attempt_at", c.firstAttemptAt)
            rows.text("message_id", c.messageID)
            rows.text("last_reply", c.lastReply)
            rows.text("stamp", c.stamp)
        }
        return rows.json
    }

    /// The row type of ``jsonArray(_:)``'s objects, for `json_to_recordset(…) AS v(…)`.
    static let recordType = """
        n bigint, id bigint, from_states text, state text, reason text, attempts bigint, next_attempt_at text,
        first_attempt_at text, message_id text, last_reply text, stamp text
        """
}
