import BreachConfig
import BreachCore
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// The reach that `status` and `public-notice` read from aggregate queries equals the one computed
/// person by person (``Reach/init(_:now:window:)`` over every subject with its credited bounces),
/// on generated populations: every state (an unknown one too), submissions on both sides of the
/// window, bounces of every class before and after submission, bounces under review, forged, and
/// bounces of another incident.
@Suite struct ReachAggregateTests {
    let dir: TemporaryDirectory
    let incident: Incident
    let window: TimeInterval = 120 * 3600
    let t0 = ZonedTime(rfc3339: "2026-10-23T12:00:00Z")!.instant

    init() throws {
        dir = try TemporaryDirectory("reach")
        incident = try IncidentFile.load(CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml"))
    }

    /// A register with two incidents whose people went through random histories; returns it and the ids.
    func population(seed: UInt64, people: Int) throws -> (Register, [String]) {
        var rng = SeededRandom(seed: seed)
        let register = try Register(at: dir.file("register-\(seed).sqlite"), create: true)
        let ids = try (0..<2).map { _ in try register.openIncident(incident, actor: "dpo", at: t0).id }
        var subjects: [(incident: String, id: Int64)] = []
        for (n, incidentID) in ids.enumerated() {
            _ = try register.importSubjects(incidentID: incidentID, actor: "dpo", at: t0) { writer in
                for line in 2..<(2 + (n == 0 ? people : people / 5)) {
                    let address = Int.random(in: 0..<10, using: &rng) > 0
                    let s = NewSubject(line: line, email: address ? "p\(line)@example.org" : nil, firstName: nil, lastName: nil,
                                       language: ["fr", "en", "de"][line % 3], fields: [:], state: address ? .queued : .noAddress,
                                       reason: address ? nil : ["no address column", "invalid address"][line % 2],
                                       rowKey: address ? nil : "row-\(line)")
                    if case .inserted(let id) = try writer.insert(s) { subjects.append((incidentID, id)) }
                }
                return ["rows": people]
            }
        }
        // Times around the window's edge as seen from the `now`s the test asks at.
        let edge = t0.addingTimeInterval(10 * 86_400 - window)
        let times = [t0.addingTimeInterval(3600), edge.addingTimeInterval(-1), edge, edge.addingTimeInterval(1),
                     edge.addingTimeInterval(3600), t0.addingTimeInterval(10 * 86_400 - 60)]
        let states: [SubjectState] = [.queued, .sending, .deferred, .submitted, .submitted, .submitted, .failedPermanent, .renderFailed]
        for round in 0..<3 {
            // Each round: people change state at one of the times, then bounces arrive at another.
            var byTime: [Date: [SubjectUpdate]] = [:]
            for s in subjects where Int.random(in: 0..<3, using: &rng) > 0 {
                let state = states.randomElement(using: &rng)!
                byTime[times.randomElement(using: &rng)!, default: []].append(
                    SubjectUpdate(id: s.id, from: [.queued, .sending, .deferred, .submitted], to: state,
                                  reason: ["mailbox full", "451 try later", nil, ""].randomElement(using: &rng)!, countsAsAttempt: true,
                                  messageID: "<m\(s.id).\(round)@example.org>"))
            }
            for (time, updates) in byTime.sorted(by: { $0.key < $1.key }) { try register.updateSubjects(updates, at: time) }
            var bounces: [Date: [NewBounce]] = [:]
            for s in subjects where Int.random(in: 0..<4, using: &rng) == 0 {
                let outcome: BounceOutcome? = [.hard, .transient, .senderSide, .delay, .autoReply, nil].randomElement(using: &rng)!
                let kind: BounceKind = switch outcome {
                case .delay: .delay
                case .autoReply: .autoReply
                case nil: [.notABounce, .unparsable].randomElement(using: &rng)!
                default: .failure
                }
                let token: BounceTokenCheck = switch Int.random(in: 0..<10, using: &rng) {
                case 0: .forged
                case 1: .none
                case 2: .valid(incidentID: s.incident == ids[0] ? ids[1] : ids[0], subjectID: s.id)  // names the wrong incident
                default: .valid(incidentID: s.incident, subjectID: s.id)
                }
                bounces[times.randomElement(using: &rng)!, default: []].append(NewBounce(
                    sha256: "\(seed)-\(round)-\(s.id)", kind: kind, outcome: outcome, token: token, originalMessageID: nil,
                    returnedTo: token == .none ? "p\(s.id)@example.org" : nil, reason: "userunknown", status: "5.1.1",
                    diagnostic: "550 5.1.1 no such user", report: "{}"))
            }
            for (time, batch) in bounces.sorted(by: { $0.key < $1.key }) { _ = try register.recordBounces(batch, actor: "dpo", at: time) }
        }
        // A state written by a newer breachmail counts as in progress.
        if let s = subjects.first(where: { $0.incident == ids[0] }) {
            _ = try register.append(kind: "test", incidentID: nil, payload: ["state": "paused"], actor: "dpo", at: times.last!) { tx in
                try tx.execute("UPDATE subject SET state = 'paused' WHERE id = ?", [.integer(s.id)])
            }
        }
        return (register, ids)
    }

    /// Every subject of the incident, a page at a time, with its credited bounces: the walk `status` made before.
    func everyone(_ register: Register, _ incidentID: String) throws -> [(Subject, ReachSubject, [CreditedBounce])] {
        let bounces = try register.creditedBounces(incidentID: incidentID)
        var out: [(Subject, ReachSubject, [CreditedBounce])] = []
        var after: Int64 = 0
        while case let page = try register.subjects(incidentID: incidentID, after: after, limit: 97), let last = page.last {
            for s in page { out.append((s, ReachSubject(s, credited: bounces[s.id] ?? []), bounces[s.id] ?? [])) }
            after = last.id
        }
        return out
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func aggregateReachEqualsThePersonByPersonComputation(seed: UInt64) throws {
        let (register, ids) = try population(seed: seed, people: 400)
        let edge = t0.addingTimeInterval(10 * 86_400)
        let nows = [t0, edge.addingTimeInterval(-window - 0.5), edge.addingTimeInterval(-1.5), edge.addingTimeInterval(-0.25), edge,
                    edge.addingTimeInterval(0.75), edge.addingTimeInterval(3600.5), edge.addingTimeInterval(window * 2)]
        let policies = [EscalationPolicy(windowHours: 120, unreachableShare: 0.05, unreachableCount: 100, senderSideShare: 0.02),
                        EscalationPolicy(windowHours: 120, unreachableShare: 0.9, unreachableCount: 100_000, senderSideShare: 0.99)]
        for incidentID in ids {
            let people = try everyone(register, incidentID)
            for now in nows {
                let expected = Reach(people.map(\.1), now: now, window: window)
                let aggregate = try register.reach(incidentID: incidentID, now: now, window: window)
                #expect(aggregate == expected, "seed \(seed), \(incidentID), now \(now.timeIntervalSince1970)")
                for p in policies { #expect(p.recommend(aggregate, now: now) == p.recommend(expected, now: now)) }

                // The public notice's people: the same unreachable people, in the same order, with the same bounces.
                let unreachable = people.filter { ReachCategory.of($0.1, now: now, window: window).isUnreachable }
                var streamed: [(Subject, ReachSubject, [CreditedBounce])] = []
                try register.forEachPossiblyUnreachable(incidentID: incidentID) { s, r, b in
                    if ReachCategory.of(r, now: now, window: window).isUnreachable { streamed.append((s, r, b)) }
                }
                #expect(streamed.map(\.0) == unreachable.map(\.0))
                #expect(streamed.map(\.1) == unreachable.map(\.1))
                #expect(streamed.map(\.2) == unreachable.map(\.2))
            }
        }
        // The populations reach the categories and recommendations that matter, or the comparison proves little.
        let all = try register.reach(incidentID: ids[0], now: nows[3], window: window)
        for category in ReachCategory.allCases { #expect(all[category] > 0, "seed \(seed): no \(category)") }
    }

    @Test func pagesByStateAndCountsByReasonAndLanguageEqualTheirDefinitions() throws {
        let (register, ids) = try population(seed: 9, people: 300)
        let people = try everyone(register, ids[0]).map(\.0)
        for states: Set<SubjectState> in [[.queued], [.queued, .deferred], [.sending], [.deferred, .failedPermanent, .renderFailed, .noAddress]] {
            var pages: [Subject] = []
            var after: Int64 = 0
            while case let page = try register.subjects(incidentID: ids[0], states: states, after: after, limit: 7), let last = page.last {
                pages += page
                after = last.id
            }
            #expect(pages == people.filter { states.map(\.rawValue).contains($0.state) }, "\(states)")
        }
        let failing: Set<SubjectState> = [.deferred, .failedPermanent, .renderFailed, .noAddress]
        var reasons: [String: Int] = [:]
        for p in people where failing.map(\.rawValue).contains(p.state) { reasons["\(p.state)|\(p.stateReason ?? "")", default: 0] += 1 }
        let counted = try register.subjectReasons(incidentID: ids[0], states: failing)
        #expect(Dictionary(uniqueKeysWithValues: counted.map { ("\($0.state)|\($0.reason)", $0.count) }) == reasons)
        #expect(counted.map(\.count) == counted.map(\.count).sorted(by: >))
        var languages: [String: (count: Int, firstLine: Int)] = [:]
        for p in people where p.state == "queued" || p.state == "deferred" {
            languages[p.language] = ((languages[p.language]?.count ?? 0) + 1, min(languages[p.language]?.firstLine ?? .max, p.line))
        }
        let read = try register.subjectLanguages(incidentID: ids[0], states: [.queued, .deferred])
        #expect(read.mapValues { "\($0.count)/\($0.firstLine)" } == languages.mapValues { "\($0.count)/\($0.firstLine)" })
    }

    /// The figures `status` reads are kept between reads (the service is asked again and again)
    /// and read again as soon as the register changes: by this process's own writes, and by
    /// another process writing the same file (the sqlite3 program here, as a `breachmail` command
    /// beside the service would).
    @Test func keptFiguresFollowEveryChangeOfTheRegister() throws {
        let (register, ids) = try population(seed: 11, people: 200)
        let now = t0.addingTimeInterval(86_400)
        func exact() throws -> Reach { Reach(try everyone(register, ids[0]).map(\.1), now: now, window: window) }
        let before = try register.subjectCounts(incidentID: ids[0])
        #expect(try register.reach(incidentID: ids[0], now: now, window: window) == exact())
        #expect(try register.reach(incidentID: ids[0], now: now, window: window) == exact())  // kept, the same

        // This process's writer: one person submitted.
        let own = try #require(try register.subjects(incidentID: ids[0], states: [.queued, .deferred], limit: 1).first)
        try register.updateSubjects([SubjectUpdate(id: own.id, from: [.queued, .deferred], to: .submitted, reason: nil,
                                                   countsAsAttempt: true, messageID: "<kept@example.org>")], at: now)
        let afterOwn = try register.subjectCounts(incidentID: ids[0])
        #expect(afterOwn[own.state] == before[own.state]! - 1 && afterOwn["submitted"] == before["submitted", default: 0] + 1)
        #expect(try register.reach(incidentID: ids[0], now: now, window: window) == exact())

        // Another process: one person failed for good, with a reason of its own.
        let other = try #require(try register.subjects(incidentID: ids[0], states: [.queued, .deferred], limit: 1).first)
        let result = try CommandRunner.run("/usr/bin/sqlite3", [dir.file("register-11.sqlite").path,
            "UPDATE subject SET state = 'failed_permanent', state_reason = 'changed by another process' WHERE id = \(other.id)"])
        #expect(result.status == 0, "\(result.stderr)")
        let afterOther = try register.subjectCounts(incidentID: ids[0])
        #expect(afterOther[other.state] == afterOwn[other.state]! - 1)
        #expect(afterOther["failed_permanent"] == afterOwn["failed_permanent", default: 0] + 1)
        #expect(try register.subjectReasons(incidentID: ids[0], states: [.failedPermanent]).contains { $0.reason == "changed by another process" })
        #expect(try register.reach(incidentID: ids[0], now: now, window: window) == exact())
    }
}
