import BreachCore
import Foundation
import Testing

/// The relay's pauses on a monotonic clock: bounded, ending, and a relay unusable too long ends the run.
@Suite struct RelayOutageTests {
    @Test func aPauseIsBoundedAndEnds() {
        var outage = RelayOutage(maximumPause: 600, giveUpAfter: 7200)
        #expect(outage.pause(for: 86_400, at: 100) == .wait(resumeAt: 700))  // a day asked, ten minutes given
        #expect(outage.remaining(at: 400) == 300)
        #expect(outage.remaining(at: 700) == nil)
        // A shorter pause asked meanwhile never shortens the one in force.
        #expect(outage.pause(for: 10, at: 200) == .wait(resumeAt: 700))
    }

    @Test func aRelayUnusableLongerThanTheBoundEndsTheRunAndAnAnswerResetsIt() {
        var outage = RelayOutage(maximumPause: 300, giveUpAfter: 1000)
        #expect(outage.pause(for: 300, at: 0) == .wait(resumeAt: 300))
        #expect(outage.pause(for: 300, at: 400) == .wait(resumeAt: 700))
        #expect(outage.pause(for: 300, at: 750) == .giveUp(unusableFor: 750))
        // The relay answered a message: its outage starts again from zero.
        outage.answered()
        #expect(outage.pause(for: 300, at: 800) == .wait(resumeAt: 1100))
        #expect(outage.pause(for: 300, at: 1500) == .wait(resumeAt: 1800))
    }
}
