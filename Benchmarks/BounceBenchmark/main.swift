// Parses and classifies a corpus of bounces on one core for a few seconds and prints bounces per
// second. The corpus is the hand-written fixtures (Tests/BreachBouncesTests/Fixtures), each
// replicated with other addresses and freshly signed VERP tokens, so that no two messages are the
// same bytes. Run: `swift run -c release BounceBenchmark [COPIES] [SECONDS]`.
import BreachBounces
import Foundation

let arguments = CommandLine.arguments
let copies = arguments.count > 1 ? Int(arguments[1]) ?? 40 : 40
let seconds = arguments.count > 2 ? Double(arguments[2]) ?? 5 : 5

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Tests/BreachBouncesTests/Fixtures")
let secret = Array("breachmail-test-secret-0123456789".utf8)

do {
    let verp = try VERP(prefix: "bounces", domain: "bounce.cs-ettelbreck.lu", secret: secret)
    let incident = IncidentNumber("BR-2026-0003")!
    let files = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".eml") }.sorted()
    var corpus: [[UInt8]] = []
    for file in files {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(file))
        // Latin-1 round-trips every byte, so binary and ISO-8859-1 fixtures survive the edit.
        let text = String(data: data, encoding: .isoLatin1)!
        let token = text.range(of: "bounces\\+[a-z2-7]+@", options: .regularExpression).map { String(text[$0].dropFirst(8).dropLast()) }
        for n in 0..<copies {
            var variant = text.replacingOccurrences(of: "@example.", with: "\(n)@example.")
            if let token {
                let fresh = verp.make(VERPKey(incident: incident, subject: UInt64(10_000 + corpus.count)))
                let freshToken = String(fresh.split(separator: "+")[1].split(separator: "@")[0])
                variant = variant.replacingOccurrences(of: token, with: freshToken)
            }
            corpus.append(Array(variant.data(using: .isoLatin1)!))
        }
    }
    let parser = BounceParser(verp: verp)
    // Warm-up, and a check that the corpus reads as the fixtures do.
    var kinds: [BounceReport.Kind: Int] = [:]
    var valid = 0
    for message in corpus {
        let report = parser.parse(message)
        kinds[report.kind, default: 0] += 1
        if report.token.status == .valid { valid += 1 }
    }
    let bytes = corpus.reduce(0) { $0 + $1.count }
    print("corpus: \(corpus.count) messages from \(files.count) fixtures, \(bytes / corpus.count) bytes on average")
    print("kinds: " + kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
          + "; valid tokens \(valid)")

    let clock = ContinuousClock()
    let start = clock.now
    var parsed = 0
    var recipients = 0
    while clock.now - start < .seconds(seconds) {
        for message in corpus {
            recipients &+= parser.parse(message).recipients.count
        }
        parsed += corpus.count
    }
    let elapsed = clock.now - start
    let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("parsed and classified \(parsed) bounces in \(String(format: "%.2f", s)) s on one core (\(recipients) recipients)")
    print("\(Int(Double(parsed) / s)) bounces/second")
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
