import BreachCore
import Foundation
import Testing

/// ENISA `SE = DPC × EI + CB` and its bands, at and just below every edge
/// (test vectors of reference/enisa-severity.md §6).
@Suite("ENISA severity")
struct AssessmentSeverityTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let dpc: Int
        let ei: EaseOfIdentification
        let cb: BreachCircumstances
        let quarters: Int
        let shown: String
        let band: SeverityBand
        var testDescription: String { "\(dpc) × \(ei.rawValue) + CB → \(shown) \(band.rawValue)" }
    }

    static func cb(_ c: ConfidentialityLoss = .none, _ i: IntegrityLoss = .none, _ a: AvailabilityLoss = .none, malicious: Bool = false) -> BreachCircumstances {
        BreachCircumstances(confidentiality: c, integrity: i, availability: a, malicious: malicious)
    }

    static let vectors: [Vector] = [
        Vector(dpc: 1, ei: .negligible, cb: cb(), quarters: 1, shown: "0.25", band: .low),
        Vector(dpc: 1, ei: .maximum, cb: cb(.knownRecipients), quarters: 5, shown: "1.25", band: .low),
        Vector(dpc: 1, ei: .maximum, cb: cb(.knownRecipients, malicious: true), quarters: 7, shown: "1.75", band: .low),
        Vector(dpc: 1, ei: .maximum, cb: cb(.unknownRecipients, malicious: true), quarters: 8, shown: "2.0", band: .medium),
        Vector(dpc: 4, ei: .negligible, cb: cb(.unknownRecipients, malicious: true), quarters: 8, shown: "2.0", band: .medium),
        Vector(dpc: 2, ei: .maximum, cb: cb(.unknownRecipients, .none, .temporary), quarters: 11, shown: "2.75", band: .medium),
        Vector(dpc: 3, ei: .maximum, cb: cb(), quarters: 12, shown: "3.0", band: .high),
        Vector(dpc: 3, ei: .significant, cb: cb(.unknownRecipients, malicious: true), quarters: 13, shown: "3.25", band: .high),
        Vector(dpc: 3, ei: .maximum, cb: cb(.knownRecipients, .recoverable, .temporary), quarters: 15, shown: "3.75", band: .high),
        Vector(dpc: 4, ei: .maximum, cb: cb(), quarters: 16, shown: "4.0", band: .veryHigh),
        Vector(dpc: 4, ei: .maximum, cb: cb(.unknownRecipients, .notRecoverable, .permanent, malicious: true), quarters: 24, shown: "6.0", band: .veryHigh),
    ]

    @Test("score and band", arguments: vectors)
    func scoreAndBand(_ v: Vector) {
        let severity = Severity(dpc: v.dpc, category: .simple, easeOfIdentification: v.ei, circumstances: v.cb)
        #expect(severity.score.quarters == v.quarters)
        #expect(severity.score.description == v.shown)
        #expect(severity.band == v.band)
    }

    @Test("each band starts at its edge, inclusive")
    func bandEdges() {
        #expect(SeverityBand(SeverityScore(quarters: 7)) == .low)
        #expect(SeverityBand(SeverityScore(quarters: 8)) == .medium)
        #expect(SeverityBand(SeverityScore(quarters: 11)) == .medium)
        #expect(SeverityBand(SeverityScore(quarters: 12)) == .high)
        #expect(SeverityBand(SeverityScore(quarters: 15)) == .high)
        #expect(SeverityBand(SeverityScore(quarters: 16)) == .veryHigh)
    }

    @Test("the highest category score is the DPC")
    func highestCategoryWins() {
        let severity = Severity(
            contexts: [
                DPCAnswer(category: .simple),
                DPCAnswer(category: .financial, score: 4, factors: [.volume]),
                DPCAnswer(category: .behavioural, score: 3, factors: [.volume]),
            ],
            easeOfIdentification: .limited, circumstances: Self.cb())
        #expect(severity.dpc == 4)
        #expect(severity.dpcCategory == .financial)
        #expect(severity.score.description == "2.0")
    }

    @Test("a category left unscored keeps its base score")
    func baseScores() {
        #expect(DPCCategory.allCases.map { DPCAnswer(category: $0).score } == [1, 2, 3, 4])
    }

    @Test("the score is a plain, exact JSON number and refuses what is not a quarter")
    func scoreJSON() throws {
        let data = try JSONEncoder().encode([SeverityScore(quarters: 13)])
        #expect(String(decoding: data, as: UTF8.self) == "[3.25]")
        #expect(try JSONDecoder().decode([SeverityScore].self, from: Data("[4.75]".utf8)) == [SeverityScore(quarters: 19)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([SeverityScore].self, from: Data("[2.1]".utf8)) }
    }

    @Test("French scores use a decimal comma")
    func frenchScore() {
        #expect(SeverityScore(quarters: 9).formatted(decimalSeparator: ",") == "2,25")
    }
}
