import BreachCore
import Foundation
import Testing

/// Reach per person and the escalation policy, at and around every threshold.
@Suite struct ReachTests {
    static let t0 = Date(timeIntervalSince1970: 1_792_850_400)  // 2026-10-24T14:00:00Z
    static let hour: TimeInterval = 3600
    static let window = 120 * hour
    let policy = EscalationPolicy(windowHours: 120, unreachableShare: 0.05, unreachableCount: 100, senderSideShare: 0.02)

    func submitted(_ id: Int64, _ bounces: [BounceOutcome] = [], at: Date = t0, bounceAt: Date? = nil) -> ReachSubject {
        ReachSubject(id: id, state: "submitted", submittedAt: at,
                     bounces: bounces.map { ReachBounce(receivedAt: bounceAt ?? at.addingTimeInterval(Self.hour), outcome: $0) })
    }

    /// `delivered` people submitted at t0, plus unreachable ones of each kind, plus sender-side.
    func reach(delivered: Int, noAddress: Int = 0, hard: Int = 0, exhausted: Int = 0, senderSide: Int = 0,
               renderFailed: Int = 0, queued: Int = 0, now: Date = t0.addingTimeInterval(window)) -> Reach {
        var subjects: [ReachSubject] = []
        var id: Int64 = 0
        func add(_ n: Int, _ make: (Int64) -> ReachSubject) { for _ in 0..<n { id += 1; subjects.append(make(id)) } }
        add(delivered) { submitted($0) }
        add(noAddress) { ReachSubject(id: $0, state: "no_address", submittedAt: nil) }
        add(hard) { submitted($0, [.hard]) }
        add(exhausted) { ReachSubject(id: $0, state: "failed_permanent", submittedAt: nil) }
        add(senderSide) { submitted($0, [.senderSide]) }
        add(renderFailed) { ReachSubject(id: $0, state: "render_failed", submittedAt: nil) }
        add(queued) { ReachSubject(id: $0, state: "queued", submittedAt: nil) }
        return Reach(subjects, now: now, window: Self.window)
    }

    @Test func categoriesOfOnePerson() {
        let open = Self.t0.addingTimeInterval(Self.window - 1)
        let closed = Self.t0.addingTimeInterval(Self.window)
        func of(_ s: ReachSubject, _ now: Date) -> ReachCategory { .of(s, now: now, window: Self.window) }
        #expect(of(submitted(1), open) == .awaitingWindow)
        #expect(of(submitted(1), closed) == .delivered)
        #expect(of(submitted(1, [.hard]), open) == .hardBounced)
        #expect(of(submitted(1, [.transient]), open) == .transientPending)
        #expect(of(submitted(1, [.transient]), closed) == .retriesExhausted)
        #expect(of(submitted(1, [.senderSide]), closed) == .senderSide)
        #expect(of(submitted(1, [.delay]), closed) == .delivered)
        #expect(of(submitted(1, [.autoReply]), open) == .delivered)
        #expect(of(submitted(1, [.autoReply, .hard]), closed) == .hardBounced)
        // A transient bounce from before the latest submission is about an earlier attempt.
        #expect(of(submitted(1, [.transient], bounceAt: Self.t0.addingTimeInterval(-Self.hour)), closed) == .delivered)
        #expect(of(ReachSubject(id: 1, state: "deferred", submittedAt: nil), closed) == .inProgress)
        #expect(of(ReachSubject(id: 1, state: "from-a-newer-version", submittedAt: nil), closed) == .inProgress)
        #expect(of(ReachSubject(id: 1, state: "render_failed", submittedAt: nil), closed) == .renderFailed)
        #expect(!ReachCategory.renderFailed.isUnreachable && !ReachCategory.senderSide.isUnreachable)
    }

    @Test func countsAndUnreachable() {
        let r = reach(delivered: 90, noAddress: 3, hard: 2, exhausted: 1, senderSide: 1, renderFailed: 3)
        #expect(r.total == 100)
        #expect(r.submitted == 93)
        #expect(r[.delivered] == 90 && r[.hardBounced] == 2 && r[.senderSide] == 1)
        #expect(r.unreachable == 6)
        #expect(r.windowEnds == Self.t0.addingTimeInterval(Self.window))
    }

    @Test func shareThresholdIsStrict() {
        // 5 of 100 is not more than 5 %; 6 of 100 is.
        #expect(policy.recommend(reach(delivered: 95, noAddress: 3, hard: 2), now: Self.t0.addingTimeInterval(Self.window))
            == .individualNoticesSuffice(unreachable: 5, total: 100))
        #expect(policy.recommend(reach(delivered: 94, noAddress: 3, hard: 2, exhausted: 1), now: Self.t0.addingTimeInterval(Self.window))
            == .publicCommunication(unreachable: 6, total: 100, overShare: true, overCount: false))
    }

    @Test func countThresholdIsStrictWhateverTheShare() {
        let now = Self.t0.addingTimeInterval(Self.window)
        // 100 of 10,000 (1 %): not more than 100 people. 101: more.
        #expect(policy.recommend(reach(delivered: 9_900, hard: 100, now: now), now: now)
            == .individualNoticesSuffice(unreachable: 100, total: 10_000))
        #expect(policy.recommend(reach(delivered: 9_899, hard: 101, now: now), now: now)
            == .publicCommunication(unreachable: 101, total: 10_000, overShare: false, overCount: true))
    }

    @Test func renderFailedDoesNotCount() {
        let now = Self.t0.addingTimeInterval(Self.window)
        #expect(policy.recommend(reach(delivered: 50, noAddress: 5, renderFailed: 45), now: now)
            == .individualNoticesSuffice(unreachable: 5, total: 100))
    }

    @Test func decidedOnlyWhenTheWindowHasPassed() {
        let r = reach(delivered: 80, hard: 20, now: Self.t0.addingTimeInterval(Self.window - 1))
        #expect(policy.recommend(r, now: Self.t0.addingTimeInterval(Self.window - 1)) == .decideAt(Self.t0.addingTimeInterval(Self.window)))
        #expect(policy.recommend(reach(delivered: 80, hard: 20), now: Self.t0.addingTimeInterval(Self.window)).recommendsPublicCommunication)
    }

    @Test func unfinishedCampaignIsNotDecided() {
        #expect(policy.recommend(reach(delivered: 50, noAddress: 40, queued: 10), now: Self.t0.addingTimeInterval(Self.window))
            == .campaignUnfinished(inProgress: 10))
    }

    @Test func senderSideWaveSaysFixTheSetUpAndNeverRecommends() {
        let now = Self.t0.addingTimeInterval(Self.window)
        // 2 of 100 submitted is not more than 2 %: no alert. 3 of 100 is.
        #expect(policy.recommend(reach(delivered: 98, senderSide: 2), now: now) == .individualNoticesSuffice(unreachable: 0, total: 100))
        #expect(policy.recommend(reach(delivered: 97, senderSide: 3), now: now) == .fixSendingSetup(senderSide: 3, submitted: 100))
        // A wave of blocks over many unreachable people: still the set-up first, no public notice.
        let wave = policy.recommend(reach(delivered: 40, noAddress: 10, senderSide: 50), now: now)
        #expect(wave == .fixSendingSetup(senderSide: 50, submitted: 90))
        #expect(!wave.recommendsPublicCommunication)
    }

    @Test func nobody() {
        #expect(policy.recommend(Reach(), now: Self.t0) == .nobodyImported)
    }
}
