import BreachRegister

extension StateChange {
    /// `changes` as one JSON array of objects for `json_to_recordset` (``recordType``), each with
    /// its place in the array as `n`: written byte by byte (Foundation's `JSONSerialization` of
    /// dictionaries cast every value and took a quarter of a worker's time).
    static func jsonArray(_ changes: [StateChange]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(changes.count * 160)
        out.append(UInt8(ascii: "["))
        for (n, c) in changes.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            var firstKey = true
            func key(_ name: StaticString) {
                if !firstKey { out.append(UInt8(ascii: ",")) }
                firstKey = false
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                out.append(contentsOf: "\":".utf8)
            }
            func text(_ name: StaticString, _ value: String?) {
                key(name)
                guard let value else { out.append(contentsOf: "null".utf8); return }
                out.append(UInt8(ascii: "\""))
                for byte in value.utf8 {
                    switch byte {
                    case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                    case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                    case 0..<0x20:
                        out.append(contentsOf: "\\u00".utf8)
                        out.append(Self.hexDigits[Int(byte >> 4)])
                        out.append(Self.hexDigits[Int(byte & 0xF)])
                    default: out.append(byte)
                    }
                }
                out.append(UInt8(ascii: "\""))
            }
            func number(_ name: StaticString, _ value: Int64) {
                key(name)
                out.append(contentsOf: String(value).utf8)
            }
            out.append(UInt8(ascii: "{"))
            number("n", Int64(n))
            number("id", c.id)
            text("from_states", c.from?.joined(separator: ","))
            text("state", c.state)
            text("reason", c.reason)
            number("attempts", Int64(c.attempts))
            text("next_attempt_at", c.nextAttemptAt)
            text("first_attempt_at", c.firstAttemptAt)
            text("message_id", c.messageID)
            text("last_reply", c.lastReply)
            text("stamp", c.stamp)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The row type of ``jsonArray(_:)``'s objects, for `json_to_recordset(…) AS v(…)`.
    static let recordType = """
        n bigint, id bigint, from_states text, state text, reason text, attempts bigint, next_attempt_at text,
        first_attempt_at text, message_id text, last_reply text, stamp text
        """
}
