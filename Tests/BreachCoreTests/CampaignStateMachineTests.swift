import BreachCore
import Foundation
import Testing


@Suite struct CampaignStateMachineTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    var policy: RetryPolicy {
        var p = RetryPolicy()
        p.jitter = 0
        return p
    }

    func machine(_ clock: ManualClock) -> CampaignStateMachine {
        CampaignStateMachine(policy: policy, clock: clock, random: FixedRandom(value: 1 << 63))
    }

    func failure(_ code: Int, _ enhanced: String, step: SMTPStep = .recipient) -> SendFailure {
        let reply = SMTPReply(rawLines: ["\(code) \(enhanced) mailbox <ana@example.org> says no"])!
        return SendFailure(step: step, reply: reply, reason: "server reply")
    }

    @Test func sendingLeftByACrashGoesBackToQueued() {
        let m = machine(ManualClock(start))
        let t = m.recover(CampaignSubject(id: 7, state: .sending))
        #expect(t == CampaignTransition(subject: 7, from: [.sending], to: .queued, reason: CampaignStateMachine.interruptedReason))
        #expect(m.recover(CampaignSubject(id: 8, state: .submitted)) == nil)
        #expect(m.recover(CampaignSubject(id: 9, state: .queued)) == nil)
    }

    @Test func queuedIsClaimedInSendingBeforeTheTransaction() {
        let m = machine(ManualClock(start))
        let s = CampaignSubject(id: 1, state: .queued)
        #expect(m.step(for: s) == .send)
        #expect(m.claim(s) == CampaignTransition(subject: 1, from: [.queued, .deferred], to: .sending))
        for state in [SubjectState.submitted, .failedPermanent, .renderFailed, .noAddress, .sending] {
            #expect(m.step(for: CampaignSubject(id: 1, state: state)) == .skip)
        }
    }

    @Test func acceptedIsSubmittedWithTheFirstAttemptRecorded() {
        var m = machine(ManualClock(start))
        let (t, relay) = m.record(.accepted(SMTPReply(code: 250, lines: ["ok"])), for: CampaignSubject(id: 1, state: .sending))
        #expect(t.to == .submitted && t.from == [.sending] && t.countsAsAttempt && t.firstAttemptAt == start)
        #expect(relay == .proceed)
    }

    @Test func transientIsDeferredWithBackOffThatGrows() {
        let clock = ManualClock(start)
        var m = machine(clock)
        let (first, _) = m.record(.transient(failure(450, "4.2.1")), for: CampaignSubject(id: 1, state: .sending))
        #expect(first.to == .deferred)
        #expect(first.nextAttemptAt == start + 600)
        #expect(first.reason == "450 4.2.1 at rcpt-to")  // groupable, no address
        #expect(first.reply?.contains("ana@example.org") == true)
        // The deferred subject is not due before its time, then it is.
        let deferred = CampaignSubject(id: 1, state: .deferred, retry: RetryState(firstAttempt: start, attempts: 1),
                                       nextAttemptAt: first.nextAttemptAt)
        #expect(m.step(for: deferred) == .notYet(start + 600))
        clock.advance(600)
        #expect(m.step(for: deferred) == .send)
        let (second, _) = m.record(.transient(failure(450, "4.2.1")), for: deferred)
        #expect(second.nextAttemptAt == start + 600 + 1200)
        #expect(second.firstAttemptAt == nil)  // kept from the first attempt
    }

    @Test func permanentIsFailedPermanent() {
        var m = machine(ManualClock(start))
        let (t, _) = m.record(.permanent(failure(550, "5.1.1")), for: CampaignSubject(id: 3, state: .sending))
        #expect(t.to == .failedPermanent && t.reason == "550 5.1.1 at rcpt-to" && t.countsAsAttempt)
    }

    @Test func renderErrorIsRenderFailedWithItsReason() {
        let m = machine(ManualClock(start))
        let t = m.renderFailed(CampaignSubject(id: 4, state: .queued), reason: "the field contract_id is missing")
        #expect(t.to == .renderFailed && t.reason == "the field contract_id is missing" && !t.countsAsAttempt)
    }

    @Test func theRetryWindowEndsInFailure() {
        let clock = ManualClock(start + policy.window + 1)
        var m = machine(clock)
        let s = CampaignSubject(id: 5, state: .sending, retry: RetryState(firstAttempt: start, attempts: 12))
        let (t, _) = m.record(.transient(failure(451, "4.3.0", step: .data)), for: s)
        #expect(t.to == .failedPermanent)
        #expect(t.reason == "retry window exhausted: 451 4.3.0 at data")
    }

    @Test func aBrokenSetUpHoldsTheSubjectAndHaltsTheRun() {
        var m = machine(ManualClock(start))
        let f = SendFailure(step: .authentication, reply: nil, reason: "login refused")
        let (t, relay) = m.record(.localError(f), for: CampaignSubject(id: 6, state: .sending))
        #expect(t.to == .queued && !t.countsAsAttempt)
        #expect(relay == .halt(f))
    }
}
