import BreachCore
import Foundation
import Testing

/// Which reminder the DPO gets, and which recommendations are decisions: the pure part of the scheduler.
@Suite struct SchedulerDecisionTests {
    let due = Date(timeIntervalSince1970: 1_793_000_000)

    func stage(hoursLeft: Double, _ offsets: [Int] = [24, 6]) -> String? {
        SchedulerDecision.deadlineReminder(due: due, now: due.addingTimeInterval(-hoursLeft * 3600), hoursBefore: offsets)
    }

    @Test func theMostUrgentStageOnly() {
        #expect(stage(hoursLeft: 30) == nil)
        #expect(stage(hoursLeft: 24.01) == nil)
        #expect(stage(hoursLeft: 24) == "before-24h")
        #expect(stage(hoursLeft: 6.5) == "before-24h")
        #expect(stage(hoursLeft: 6) == "before-6h")
        #expect(stage(hoursLeft: 5) == "before-6h")
        #expect(stage(hoursLeft: 0) == "before-6h")  // at the deadline itself it is still in time
        #expect(stage(hoursLeft: -0.001) == "passed")
        #expect(stage(hoursLeft: 2, [48, 12, 3]) == "before-3h")
        #expect(stage(hoursLeft: 40, []) == nil)
        #expect(stage(hoursLeft: -1, []) == "passed")
    }

    @Test func onlyFinalRecommendationsAreDecisions() {
        #expect(SchedulerDecision.reachDecision(.nobodyImported) == nil)
        #expect(SchedulerDecision.reachDecision(.campaignUnfinished(inProgress: 3)) == nil)
        #expect(SchedulerDecision.reachDecision(.decideAt(due)) == nil)
        #expect(SchedulerDecision.reachDecision(.fixSendingSetup(senderSide: 5, submitted: 10)) == "fix_sending_setup")
        #expect(SchedulerDecision.reachDecision(.publicCommunication(unreachable: 9, total: 10, overShare: true, overCount: false)) == "public_communication")
        #expect(SchedulerDecision.reachDecision(.individualNoticesSuffice(unreachable: 0, total: 10)) == "individual_notices_suffice")
    }
}
