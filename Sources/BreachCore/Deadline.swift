public import Foundation

/// The Art. 33(1) clock: the authority must be notified within 72 hours of awareness.
///
/// 72 hours are 259,200 seconds of real time, whatever the wall clock does in between
/// (a daylight-saving change makes the local deadline hour move, not the instant).
public struct Deadline: Sendable, Equatable {
    public static let notificationWindow: TimeInterval = 72 * 3600

    public let awareness: Date
    public var due: Date { awareness.addingTimeInterval(Self.notificationWindow) }

    public init(awareness: Date) { self.awareness = awareness }

    /// Where the clock stands at `now`.
    public func state(at now: Date) -> State {
        let left = due.timeIntervalSince(now)
        return left >= 0 ? .running(remaining: left) : .overdue(by: -left)
    }

    /// Whether a notification made at `time` is late (at the deadline itself it is not).
    public func isLate(at time: Date) -> Bool { time > due }

    public enum State: Sendable, Equatable {
        /// Time left before the deadline, in seconds (0 exactly at the deadline, which is still in time).
        case running(remaining: TimeInterval)
        /// Time since the deadline passed, in seconds (always > 0).
        case overdue(by: TimeInterval)
    }

    /// Refuses a notification composed after the deadline that gives no reasons for the delay
    /// (Art. 33(1), recital 85). Every composition path calls this before producing anything.
    ///
    /// - Throws: ``LateNotificationError`` when late and `delayReasons` is blank.
    public func requireReasonsIfLate(composedAt time: Date, delayReasons: String) throws(LateNotificationError) {
        guard isLate(at: time) else { return }
        if delayReasons.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw LateNotificationError(due: due, composedAt: time)
        }
    }
}

/// A notification after 72 hours without the reasons for the delay.
public struct LateNotificationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let due: Date
    public let composedAt: Date
    public init(due: Date, composedAt: Date) {
        self.due = due
        self.composedAt = composedAt
    }
    public var description: String {
        "the 72-hour deadline passed \(DurationText.hoursAndMinutes(composedAt.timeIntervalSince(due)))"
            + " ago: a late notification must give the reasons for the delay (GDPR Art. 33(1), recital 85). "
            + "Fill in `delay_reasons` in the incident file and run `breachmail incident update`."
    }
}

/// Durations for people: `2 d 03 h 15 min`.
public enum DurationText {
    /// Hours and minutes up to 99 hours (the 72-hour clock reads best in hours), days beyond.
    public static func hoursAndMinutes(_ seconds: TimeInterval) -> String {
        let total = Int(abs(seconds) / 60)
        let minutes = total % 60
        let mm = "\(minutes < 10 ? "0" : "")\(minutes) min"
        if total < 100 * 60 { return "\(total / 60) h \(mm)" }
        return "\(total / 1440) d \(total % 1440 / 60) h \(mm)"
    }
}
