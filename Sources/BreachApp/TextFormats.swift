import BreachCore
public import Foundation

/// Small text forms shared by the command line, the service and the evidence files.
public enum TextFormat {
    /// A server reply often quotes the address it refused: the terminal shows `[address]` instead.
    public static func withoutAddresses(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).map { word in
            word.contains("@") ? "[address]" : String(word)
        }.joined(separator: " ")
    }

}

public enum RFC3339Text {
    public static func utc(_ date: Date) -> String { ZonedTime(instant: date, offsetSeconds: 0).description }
}
