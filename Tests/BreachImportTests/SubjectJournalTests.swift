import BreachConfig
import BreachCore
import BreachImport
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// The campaign's subject journal: changes appended, then folded into the subjects, must leave
/// every subject exactly as applying each change at once would have, each applied once.
@Suite struct SubjectJournalTests {
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    /// A register with the same 30 subjects; returns it, the incident id and the subject ids.
    func makeRegister(_ dir: TemporaryDirectory, _ name: String) throws -> (Register, String, [Int64]) {
        let register = try Register(at: dir.file("\(name).sqlite"), create: true)
        let now = Date(timeIntervalSince1970: 1_793_000_000)
        let incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
        let id = try register.openIncident(incident, actor: "test", at: now).id
        let csv = dir.file("\(name).csv")
        // Names beyond ASCII: a fold copies the columns it does not change into the row's digest as read.
        try Data(("email;first_name\n" + (0..<30).map { "p\($0)@example.org;Zoë \($0) 📨\n" }.joined()).utf8).write(to: csv)
        _ = try SubjectImporter.run(file: csv, into: register, incidentID: id, options: .init(),
                                    reportDirectory: dir.file("imports-\(name)"), actor: "test", at: now)
        return (register, id, try register.subjects(incidentID: id).map(\.id))
    }

    /// Changes like a campaign's (claims followed by outcomes), mixed with arbitrary ones.
    func changes(_ ids: [Int64], count: Int) -> [(SubjectUpdate, Date)] {
        var random = Seeded(state: 7)
        let states: [SubjectState] = [.queued, .sending, .submitted, .deferred, .failedPermanent, .renderFailed]
        var out: [(SubjectUpdate, Date)] = []
        var time = Date(timeIntervalSince1970: 1_793_000_100)
        while out.count < count {
            let id = ids.randomElement(using: &random)!
            time += Double(Int.random(in: 1...90, using: &random))
            if Bool.random(using: &random) {
                // A claim, then its outcome.
                out.append((SubjectUpdate(id: id, from: [.queued, .deferred], to: .sending, countsAsAttempt: true,
                                          firstAttemptAt: time), time))
                let to = [SubjectState.submitted, .deferred, .failedPermanent].randomElement(using: &random)!
                out.append((SubjectUpdate(id: id, from: [.sending], to: to, reason: to == .submitted ? nil : "reason \(out.count)",
                                          nextAttemptAt: to == .deferred ? time + 600 : nil,
                                          messageID: Bool.random(using: &random) ? "<m\(out.count)@x>" : nil,
                                          lastReply: "250 \(out.count)", firstAttemptAt: time), time + 1))
            } else {
                let from = Bool.random(using: &random) ? nil : Set(states.filter { _ in Bool.random(using: &random) })
                out.append((SubjectUpdate(id: id, from: from, to: states.randomElement(using: &random)!, reason: "r\(out.count) Größe ✓",
                                          countsAsAttempt: Bool.random(using: &random),
                                          messageID: Bool.random(using: &random) ? "<n\(out.count)@x>" : nil), time))
            }
        }
        return out
    }

    func rows(_ register: Register, _ id: String) throws -> [String] {
        try register.subjects(incidentID: id).map {
            [$0.state, $0.stateReason ?? "-", "\($0.attempts)", $0.nextAttemptAt ?? "-", $0.firstAttemptAt ?? "-",
             $0.messageID ?? "-", $0.lastReply ?? "-", $0.updatedAt].joined(separator: "|")
        }
    }

    /// A change's `from` states are written by name, sorted (the journal and the UPDATE read them
    /// so): the table behind it gives, for every one of the 128 sets of states, what sorting gives.
    @Test func everySetOfFromStatesIsNamedInSortedOrder() {
        let all = SubjectState.allCases
        for mask in 0..<(1 << all.count) {
            let states = Set(all.indices.filter { mask & (1 << $0) != 0 }.map { all[$0] })
            #expect(StateChange.names(states) == states.map(\.rawValue).sorted(), "\(states)")
        }
    }

    @Test func foldingTheJournalEqualsApplyingEachChangeAtOnce() throws {
        let dir = try TemporaryDirectory("subject-journal")
        let (direct, directID, ids) = try makeRegister(dir, "direct")
        let (logged, loggedID, loggedIDs) = try makeRegister(dir, "logged")
        #expect(ids == loggedIDs)
        let all = changes(ids, count: 2_000)
        for (change, time) in all { try direct.updateSubjects([change], at: time) }
        let journal = try SubjectJournal(register: logged)
        var random = Seeded(state: 11)
        var offset = journal.firstOffset
        var index = 0
        var folds = 0
        while index < all.count {
            // Appends of one to twenty, each change stamped with its own time; now and then a fold
            // from where the last one stopped, and now and then one from the start (another
            // process opening the register), which must not apply anything twice.
            let size = min(Int.random(in: 1...20, using: &random), all.count - index)
            for (change, time) in all[index..<index + size] { try journal.append([change], at: time) }
            index += size
            switch Int.random(in: 0..<30, using: &random) {
            case 0: offset = try logged.foldJournal(journal.path, from: offset).offset; folds += 1
            case 1: _ = try logged.foldJournals(); folds += 1
            default: break
            }
        }
        try journal.sync()
        try logged.foldJournal(journal.path, from: offset)
        #expect(folds > 5)
        let expected = try rows(direct, directID)
        #expect(Set(expected.map { $0.prefix(while: { $0 != "|" }) }).count > 3)  // the changes did move people
        #expect(try rows(logged, loggedID) == expected)
        #expect(try logged.foldJournals() == 0)
        // The people's digest the folds moved from what they wrote is the one recomputed from the rows.
        #expect(try logged.verify().isIntact)
        #expect(try direct.verify().isIntact)
    }

    /// Issue 18 §3: a long run's journal is emptied as it goes and stays bounded, and the
    /// subjects still end exactly as applying each change at once would leave them, whether the
    /// run ends or dies (the register opened again folds what is left, from the start of the file).
    @Test func aCompactedJournalStaysBoundedAndFoldsTheSame() throws {
        let dir = try TemporaryDirectory("subject-journal-compact")
        let (direct, directID, ids) = try makeRegister(dir, "direct")
        let (logged, loggedID, _) = try makeRegister(dir, "logged")
        let all = changes(ids, count: 3_000)
        for (change, time) in all { try direct.updateSubjects([change], at: time) }
        let journal = try SubjectJournal(register: logged)
        var random = Seeded(state: 13)
        var offset = journal.firstOffset
        var index = 0, compactions = 0, largest = 0
        let limit = 4_000
        while index < all.count {
            let size = min(Int.random(in: 1...20, using: &random), all.count - index)
            for (change, time) in all[index..<index + size] { try journal.append([change], at: time) }
            index += size
            largest = max(largest, Int(try FileManager.default.attributesOfItem(atPath: journal.path)[.size] as? Int ?? 0))
            if Int.random(in: 0..<4, using: &random) == 0 {
                offset = try logged.foldJournal(journal.path, from: offset).offset
                // The connections append meanwhile, between the folder's fold and its compaction:
                // those changes must be folded before the journal is emptied.
                let more = min(Int.random(in: 0...5, using: &random), all.count - index)
                for (change, time) in all[index..<index + more] { try journal.append([change], at: time) }
                index += more
                let next = try journal.compact(into: logged, from: offset, limit: limit)
                if next < offset { compactions += 1 }
                offset = next
            }
        }
        #expect(compactions > 10)
        // Between two folds the journal grows by the appends in between (up to 20 changes each, a
        // fold every fourth append on average); without compaction it would end at ~450 kB.
        #expect(largest < limit * 8, "the journal grew to \(largest) bytes")
        // The run dies here: the register opened again folds what is left from the file's start.
        let reopened = try Register(at: dir.file("logged.sqlite"))
        #expect(try rows(reopened, loggedID) == rows(direct, directID))
        #expect(try reopened.foldJournals() == 0)
    }

    @Test func openingTheRegisterFoldsWhatADeadCampaignLeftAndACutLineIsIgnored() throws {
        let dir = try TemporaryDirectory("subject-journal-open")
        let (register, id, ids) = try makeRegister(dir, "r")
        let now = Date(timeIntervalSince1970: 1_793_000_500)
        let journal = try SubjectJournal(register: register)
        try journal.append([SubjectUpdate(id: ids[0], from: [.queued], to: .sending, countsAsAttempt: true)], at: now)
        try journal.append([SubjectUpdate(id: ids[0], from: [.sending], to: .submitted, messageID: "<a@x>\twith\ttabs\nand a line",
                                          lastReply: "250 2.0.0 Ok\\N")], at: now)
        try journal.append([SubjectUpdate(id: ids[1], from: [.queued], to: .sending, countsAsAttempt: true)], at: now)
        // A power cut in the middle of the last line: it has no line end and is not applied.
        let handle = try #require(FileHandle(forUpdatingAtPath: journal.path))
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 5)
        try handle.close()
        // Not folded yet: the subjects table still says queued.
        #expect(try register.subjects(incidentID: id).first?.state == "queued")
        let reopened = try Register(at: dir.file("r.sqlite"))
        let subjects = try reopened.subjects(incidentID: id)
        #expect(subjects[0].state == "submitted" && subjects[0].attempts == 1)
        #expect(subjects[0].messageID == "<a@x>\twith\ttabs\nand a line" && subjects[0].lastReply == "250 2.0.0 Ok\\N")
        #expect(subjects[1].state == "queued")
        #expect(try reopened.foldJournals() == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: journal.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// Two runs at once (two incidents' campaigns in one working directory): each has a journal
    /// of its own, a new run applies the others' without touching their files, and a journal is
    /// removed only once its run is over (its lock released), after everything in it is applied.
    @Test func twoRunsKeepTheirOwnJournalsAndOnlyEndedOnesAreRemoved() throws {
        let dir = try TemporaryDirectory("subject-journal-two")
        let (register, id, ids) = try makeRegister(dir, "r")
        let now = Date(timeIntervalSince1970: 1_793_000_500)
        var first: SubjectJournal? = try SubjectJournal(register: register)
        try first!.append([SubjectUpdate(id: ids[0], from: [.queued], to: .sending, countsAsAttempt: true)], at: now)
        let firstPath = first!.path
        // A second run starts while the first is live: it folds the first's changes, leaves its file.
        let second = try SubjectJournal(register: register)
        #expect(second.path != firstPath)
        #expect(register.journalPaths() == [firstPath, second.path].sorted())
        #expect(try register.subjects(incidentID: id)[0].state == "sending")
        // The first goes on appending to the same file, and its changes still arrive.
        try first!.append([SubjectUpdate(id: ids[0], from: [.sending], to: .submitted)], at: now)
        try second.append([SubjectUpdate(id: ids[1], from: [.queued], to: .sending, countsAsAttempt: true)], at: now)
        #expect(try register.foldJournals() == 2)
        #expect(register.journalPaths().count == 2)
        // The first run dies without removing its journal: the next fold applies what is left and removes it.
        try first!.append([SubjectUpdate(id: ids[2], from: [.queued], to: .sending, countsAsAttempt: true)], at: now)
        first = nil
        #expect(try register.foldJournals() == 1)
        #expect(register.journalPaths() == [second.path])
        let states = try register.subjects(incidentID: id).prefix(3).map(\.state)
        #expect(states == ["submitted", "sending", "sending"])
    }
}
