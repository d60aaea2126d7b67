/// Escaping for the two text formats breachmail writes by hand (for speed, or for a stable
/// byte form): HTML text and JSON strings. One implementation each, shared by every writer.
public enum TextEscaping {
    /// `text` safe inside HTML element content and quoted attribute values.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// Appends `text` as a JSON string literal (RFC 8259), with U+2028/U+2029 escaped too so the
    /// result is also valid JavaScript.
    public static func appendJSONString(_ text: String, to out: inout String) {
        out += "\""
        // Most texts (addresses, times, states, replies) have nothing to escape: appended at
        // once, after one scan of their bytes (scalar by scalar, a worker's outcomes took 6 % of
        // its time). A lead byte 0xE2 may start U+2028 or U+2029: such a text goes the long way.
        var copy = text
        if !copy.withUTF8({ $0.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 } }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
