import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// One message of each kind, byte for byte, with Date, Message-ID and boundaries fixed.
/// Set `BREACHMAIL_RECORD_GOLDEN=1` to write the files again after a deliberate change.
private let golden: [(MessageKind, Language)] = [
    (.authorityInitial, .fr), (.authorityComplementary, .de), (.subject, .en), (.publicNotice, .fr), (.processorNotice, .de),
]

@Test("golden message", arguments: golden.indices)
func goldenMessage(index: Int) throws {
    let (kind, language) = golden[index]
    let built = try Fixture.message(kind, language, seed: 2026)
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/\(kind.rawValue).\(language.rawValue).eml")
    if ProcessInfo.processInfo.environment["BREACHMAIL_RECORD_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(built.bytes).write(to: url)
    }
    let expected = try #require(FileManager.default.contents(atPath: url.path), "no golden file \(url.lastPathComponent)")
    #expect(Array(expected) == built.bytes, "\(url.lastPathComponent) differs; review, then record with BREACHMAIL_RECORD_GOLDEN=1")
    #expect(try MIMECheck.parse(Array(expected)).error == nil)
}
