import BreachCore
@testable import BreachRegister
import Testing

/// Every outcome of a campaign goes through the journal file as a line, read back by the fold.
/// Lines without escapes are read by taking their fields as they are; the result must be what
/// undoing escapes byte by byte gives, for every line: those the journal writes (texts with tabs,
/// line breaks, backslashes, `\N`, other scripts, NULLs) and lines it could not have written.
@Suite struct JournalLineTests {
    @Test func fieldsTakenAsTheyAreReadAsEscapesUndone() {
        let texts: [String?] = [nil, "", "queued", "250 2.0.0 Ok: queued as 4F2", "a\tb", "line\nbreak", "cr\r", "back\\slash",
                                "\\N", "N", "Zoé Müller", "علي", "2026-10-24T14:00:00Z", "m1@example.org"]
        let states = ["queued", "sending", "deferred", "submitted"]
        var random = SeededRandom(seed: 9)
        var lists: [String: [String]] = [:]
        var plain = 0
        for n in 0..<20_000 {
            var line: [UInt8] = []
            if n % 4 == 3 {
                // Bytes the journal may or may not have written: tabs, backslashes, digits, commas.
                let alphabet: [UInt8] = [9, 9, 92, 78, 110, 116, 49, 44, 97, 0xC3, 0xA9, 10]
                line = (0..<Int.random(in: 0...40, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
            } else {
                let from: [String]? = Bool.random(using: &random) ? nil : Array(states.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random))).sorted()
                let change = StateChange(id: Int64.random(in: 1...1_000_000, using: &random), from: from, state: states.randomElement(using: &random)!,
                                         reason: texts.randomElement(using: &random)!, attempts: Int.random(in: 0...5, using: &random),
                                         nextAttemptAt: texts.randomElement(using: &random)!, firstAttemptAt: texts.randomElement(using: &random)!,
                                         messageID: texts.randomElement(using: &random)!, lastReply: texts.randomElement(using: &random)!,
                                         stamp: texts.randomElement(using: &random)! ?? "2026-10-24T14:00:00Z")
                SubjectJournal.encode(Int64(n), change, into: &line)
                line.removeLast()  // the line's end
                let read = SubjectJournal.decode(line[...], fromLists: &lists)
                #expect(read?.seq == Int64(n) && read?.change == change, "\(String(decoding: line, as: UTF8.self))")
            }
            let fast = SubjectJournal.decode(line[...], fromLists: &lists)
            let escaped = SubjectJournal.decodeEscaped(line[...])
            #expect(fast?.seq == escaped?.seq && fast?.change == escaped?.change, "\(line)")
            // Taken as they are: no escape in any field but `\N` alone.
            if line.split(separator: 9, omittingEmptySubsequences: false).allSatisfy({ !$0.contains(92) || Array($0) == [92, 78] }) { plain += 1 }
        }
        #expect(plain > 2_000)
    }
}
