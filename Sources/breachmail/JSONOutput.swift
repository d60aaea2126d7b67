import Foundation

/// One JSON document on standard output, in the style every `--json` of breachmail shares:
/// snake_case keys (from the Swift names), sorted, slashes unescaped, nested objects as objects.
enum JSONOutput {
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
