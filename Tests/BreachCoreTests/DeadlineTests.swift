import BreachCore
import Foundation
import Testing

@Suite struct ZonedTimeTests {
    @Test func parsesOffsetsAndKeepsThem() throws {
        let t = try #require(ZonedTime(rfc3339: "2026-11-20T09:30:00+01:00"))
        #expect(t.instant.timeIntervalSince1970 == 1_795_163_400)
        #expect(t.offsetSeconds == 3600)
        #expect(t.description == "2026-11-20T09:30:00+01:00")
        #expect(ZonedTime(rfc3339: "2026-11-20T08:30Z")?.instant == t.instant)
        #expect(ZonedTime(rfc3339: "2026-11-20T03:00:00.5-05:30")?.instant.timeIntervalSince1970 == 1_795_163_400.5)
    }

    @Test func refusesTimesWithoutOffsetOrOutOfRange() {
        for text in ["2026-11-20T09:30:00", "2026-11-20 09:30", "2026-11-20", "2026-02-29T10:00:00Z",
                     "2026-13-01T10:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T09:30:00+1:00", "yesterday"] {
            #expect(ZonedTime(rfc3339: text) == nil, "\(text)")
        }
        #expect(ZonedTime(rfc3339: "2028-02-29T10:00:00Z") != nil)
    }

    @Test func convertsToAZoneAcrossDaylightSaving() throws {
        let summer = try #require(ZonedTime(rfc3339: "2026-10-24T08:00:00Z"))
        let zone = try #require(TimeZone(identifier: "Europe/Luxembourg"))
        #expect(summer.converted(to: zone).description == "2026-10-24T10:00:00+02:00")
        let winter = ZonedTime(instant: summer.instant.addingTimeInterval(2 * 86_400), offsetSeconds: 0)
        #expect(winter.converted(to: zone).description == "2026-10-26T09:00:00+01:00")
    }

    /// The text written digit by digit says what Foundation's calendar says of the same instant
    /// and offset, and reads back as the same second, over years 1 to 9999 (the calendar's from 1583) and offsets of ±18:00 (the most Foundation takes).
    @Test func writesWhatTheCalendarSaysAndReadsItBack() throws {
        var random = SeededRandom(seed: 20_261_203)
        var calendar = Calendar(identifier: .gregorian)
        for round in 0..<20_000 {
            // Years 0001–9999 (the first rounds around 1970 and today, where the register lives).
            let span: ClosedRange<Double> = round < 10_000 ? -2e9...4e9 : -62_135_596_800...253_402_214_400
            let seconds = Double.random(in: span, using: &random).rounded(.down)
            let offset = round % 3 == 0 ? 0 : Int.random(in: -18 * 3600...18 * 3600, using: &random) / 60 * 60
            let t = ZonedTime(instant: Date(timeIntervalSince1970: seconds), offsetSeconds: offset)
            calendar.timeZone = try #require(TimeZone(secondsFromGMT: offset))
            let c = calendar.dateComponents([.era, .year, .month, .day, .hour, .minute, .second], from: t.instant)
            let sign = offset < 0 ? "-" : "+"
            let zone = offset == 0 ? "Z" : sign + String(format: "%02d:%02d", abs(offset) / 3600, abs(offset) % 3600 / 60)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!) + zone
            // Foundation's calendar is Julian before October 1582; RFC 3339's is Gregorian throughout.
            if c.era == 1, (1583...9999).contains(c.year!) { #expect(t.description == expected, "\(seconds) \(offset)") }
            let back = try #require(ZonedTime(rfc3339: t.description), "\(t.description)")
            #expect(back.instant == t.instant && back.offsetSeconds == offset, "\(t.description)")
        }
    }
}

@Suite struct DeadlineTests {
    let awareness = ZonedTime(rfc3339: "2026-10-23T10:00:00+02:00")!
    var deadline: Deadline { Deadline(awareness: awareness.instant) }

    @Test func isSeventyTwoHoursOfRealTime() {
        #expect(deadline.due.timeIntervalSince(awareness.instant) == 259_200)
    }

    @Test func runsBeforeIsExactlyOnTimeAtAndOverdueAfter() {
        let before = deadline.due.addingTimeInterval(-1)
        #expect(deadline.state(at: awareness.instant) == .running(remaining: 259_200))
        #expect(deadline.state(at: before) == .running(remaining: 1))
        #expect(deadline.state(at: deadline.due) == .running(remaining: 0))
        #expect(!deadline.isLate(at: deadline.due))
        #expect(deadline.state(at: deadline.due.addingTimeInterval(90)) == .overdue(by: 90))
        #expect(deadline.isLate(at: deadline.due.addingTimeInterval(0.001)))
    }

    @Test func localDeadlineMovesByAnHourAcrossTheAutumnChange() throws {
        // Europe/Luxembourg leaves summer time on 2026-10-25: 72 real hours end at 09:00 local, not 10:00.
        let zone = try #require(TimeZone(identifier: "Europe/Luxembourg"))
        let due = ZonedTime(instant: deadline.due, offsetSeconds: 0).converted(to: zone)
        #expect(due.description == "2026-10-26T09:00:00+01:00")
    }

    @Test func localDeadlineMovesByAnHourAcrossTheSpringChange() throws {
        let zone = try #require(TimeZone(identifier: "Europe/Paris"))
        let spring = try #require(ZonedTime(rfc3339: "2026-03-27T10:00:00+01:00"))
        let due = ZonedTime(instant: Deadline(awareness: spring.instant).due, offsetSeconds: 0).converted(to: zone)
        #expect(due.description == "2026-03-30T11:00:00+02:00")
    }

    @Test func aLateNotificationNeedsReasons() throws {
        let late = deadline.due.addingTimeInterval(3 * 3600 + 5 * 60)
        #expect(throws: LateNotificationError(due: deadline.due, composedAt: late)) {
            try deadline.requireReasonsIfLate(composedAt: late, delayReasons: "  \n")
        }
        do {
            try deadline.requireReasonsIfLate(composedAt: late, delayReasons: "")
        } catch {
            #expect(error.description == "the 72-hour deadline passed 3 h 05 min ago: a late notification must give the reasons for the delay (GDPR Art. 33(1), recital 85). Fill in `delay_reasons` in the incident file and run `breachmail incident update`.")
        }
        try deadline.requireReasonsIfLate(composedAt: late, delayReasons: "Forensics needed to confirm the scope.")
        try deadline.requireReasonsIfLate(composedAt: deadline.due, delayReasons: "")
    }
}
