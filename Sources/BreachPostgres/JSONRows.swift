import BreachCore
import BreachRegister

/// Rows as one JSON array of objects, for `json_to_recordset`, written as text (Foundation's
/// `JSONSerialization` of dictionaries cast every value and took a quarter of a worker's time);
/// the strings escaped by ``TextEscaping/appendJSONString(_:to:)``, as the import's `fields`.
/// Each row carries its place in the array as `n`, so that a statement can keep their order.
struct JSONRows {
    private var text = "["
    private var firstKey = true
    private(set) var count = 0

    init(capacity: Int = 0) { text.reserveCapacity(capacity * 200) }

    /// Starts the next row (its `n` written).
    mutating func row() {
        if count > 0 { text += "}," }
        text += "{"
        firstKey = true
        number("n", Int64(count))
        count += 1
    }

    mutating func number(_ name: String, _ value: Int64) {
        key(name)
        text += String(value)
    }

    mutating func text(_ name: String, _ value: String?) {
        key(name)
        guard let value else { text += "null"; return }
        TextEscaping.appendJSONString(value, to: &text)
    }

    /// The array, closed.
    var json: String { text + (count > 0 ? "}]" : "]") }

    private mutating func key(_ name: String) {
        if !firstKey { text += "," }
        firstKey = false
        text += "\""
        text += name
        text += "\":"
    }
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
