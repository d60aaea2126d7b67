public import Foundation

/// Reach without reading every person: from how many people are in each state, how many
/// submitted notices are still in their retry window, when the last one was submitted, and
/// then one correction per person that has bounces. Equal to ``Reach/init(_:now:window:)``
/// over every person (the differential tests compare both on generated populations), at the
/// cost of the people with bounces only.
///
/// A person without bounces falls in a category given by their state alone, and, for a submitted
/// person, by whether the window is still open; bounces only move a person out of that category.
///
/// ```swift
/// var reach = Reach(stateCounts: ["submitted": 900, "no_address": 100], openSubmissions: 300,
///                   lastSubmission: last, window: policy.window)
/// for s in peopleWithBounces { reach.correct(for: s, now: now, window: policy.window) }
/// ```
extension Reach {
    /// Reach of people as if none had bounces.
    /// - Parameters:
    ///   - stateCounts: people per raw state (``SubjectState`` raw values; an unknown one counts as in progress).
    ///   - openSubmissions: people in state `submitted` whose window is still open at `now`
    ///     (submitted after `now - window`).
    ///   - lastSubmission: the latest submission of a person in state `submitted`, nil when none.
    public init(stateCounts: [String: Int], openSubmissions: Int, lastSubmission: Date?, window: TimeInterval) {
        self.init()
        for (state, n) in stateCounts where n > 0 {
            if state == SubjectState.submitted.rawValue {
                bump(.awaitingWindow, by: openSubmissions)
                bump(.delivered, by: n - openSubmissions)
                submitted += n
            } else {
                // Without a bounce, no other state depends on the time.
                bump(ReachCategory.of(ReachSubject(id: 0, state: state, submittedAt: nil), now: .distantPast, window: window), by: n)
            }
        }
        windowEnds = lastSubmission.map { $0.addingTimeInterval(window) }
    }

    /// Moves one person counted by ``init(stateCounts:openSubmissions:lastSubmission:window:)``
    /// from the category of their state to the one their bounces give. Call it once per person
    /// with at least one bounce; `s.submittedAt` as ``ReachSubject`` documents it.
    public mutating func correct(for s: ReachSubject, now: Date, window: TimeInterval) {
        var bare = s
        bare.bounces = []
        let before = ReachCategory.of(bare, now: now, window: window)
        let after = ReachCategory.of(s, now: now, window: window)
        bump(before, by: -1)
        bump(after, by: 1)
        // As ``add(_:now:window:)``: a person whose notice was sent counts as submitted, with
        // their delay notices; the window's end depends on the state alone, not on bounces.
        let isSubmitted = s.state == SubjectState.submitted.rawValue
        if !isSubmitted, after == .transientPending { submitted += 1 }
        if isSubmitted || after == .transientPending {
            delayNotices += s.bounces.filter { $0.outcome == .delay }.count
        }
    }

    /// Adds `n` (which may be negative) to a category, dropping it when it reaches zero, so that
    /// the counts equal those of ``add(_:now:window:)``.
    private mutating func bump(_ category: ReachCategory, by n: Int) {
        let value = counts[category, default: 0] + n
        counts[category] = value == 0 ? nil : value
    }
}
