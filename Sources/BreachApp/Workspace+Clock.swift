import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

extension Workspace {
    /// Every authority's 72-hour clock for an incident, from the register: the decision in
    /// force and the notifications made.
    public func clock(of record: IncidentRecord, at now: Date) throws -> IncidentClock {
        let decision = try register.decisionInForce(incidentID: record.id).map { d in
            NotificationDecision(notifyAuthority: d.record.decision.notifyAuthority, entry: d.entry.sequence,
                                 actor: d.entry.actor, overridden: d.record.decision.overridden.contains(.notifyAuthority))
        }
        let facts = try register.notifications(incidentID: record.id).compactMap { n -> NotificationFact? in
            guard let at = n.recordedDate else { return nil }
            let outcome: NotificationFact.Outcome = switch n.status {
            case .sent: .sent
            case .prepared: .prepared
            case .recorded: .recorded
            case .refused: .refused
            }
            return NotificationFact(authorityID: n.authorityID, phase: n.phase == .initial ? .initial : .complementary,
                                    outcome: outcome, at: at, reference: n.authorityReference)
        }
        return IncidentClock(deadline: record.incident.deadline, delayReasons: record.incident.delayReasons.anyText(preferring: record.incident.ownLanguage, own: record.incident.ownLanguage),
                             decision: decision, authorityIDs: configuration.authorities.map(\.id), facts: facts, now: now)
    }
}

/// The 72-hour clock in words, for `status` and `incident list`.
public enum ClockText {
    /// One line for `incident list`: `48 h 00 min left`, `notified in time`, `OVERDUE by 3 h 30 min (cnil)`.
    public static func short(_ clock: IncidentClock) -> String {
        switch clock.summary {
        case .running(let left, let ids): "\(DurationText.hoursAndMinutes(left)) left" + pending(ids, clock)
        case .overdue(let by, let ids): "OVERDUE by \(DurationText.hoursAndMinutes(by))" + pending(ids, clock)
        case .notifiedInTime: "notified in time"
        case .notifiedLate(let by, _):
            "notified late by \(DurationText.hoursAndMinutes(by))" + (clock.reasonsRecorded ? " (reasons recorded)" : " (NO reasons recorded)")
        case .notRequired: "no notification required"
        }
    }

    /// ` (cnil)` when only some authorities are still to notify; nothing when all are.
    private static func pending(_ ids: [String], _ clock: IncidentClock) -> String {
        ids.isEmpty || ids.count == clock.authorities.count ? "" : " (\(ids.joined(separator: ", ")))"
    }

    /// The `Clock` block of `status`: the incident's line, then one line per authority.
    public static func lines(_ clock: IncidentClock, incidentID: String, zone: TimeZone) -> [String] {
        var lines: [String] = []
        let late = "A notification now must give the reasons for the delay (recital 85): fill in delay_reasons and run `breachmail incident update`."
        let lateOK = "Reasons for the delay are recorded; they go with the notification."
        switch clock.summary {
        case .running(let left, let ids):
            lines.append("\(DurationText.hoursAndMinutes(left)) left" + notYet(ids, clock))
        case .overdue(let by, let ids):
            lines.append("OVERDUE by \(DurationText.hoursAndMinutes(by))" + notYet(ids, clock))
            lines.append(clock.reasonsRecorded ? lateOK : late)
        case .notifiedInTime:
            lines.append("notified in time (" + clock.authorities.compactMap(how).joined(separator: "; ") + ")")
        case .notifiedLate(let by, _):
            lines.append("notified late by \(DurationText.hoursAndMinutes(by)) ("
                + clock.authorities.compactMap(how).joined(separator: "; ") + ")"
                + (clock.reasonsRecorded ? "; reasons for the delay recorded" : "; NO reasons for the delay recorded: add delay_reasons (recital 85)"))
        case .notRequired(let d):
            lines.append("no notification required: " + decision(d))
        }
        // Per authority, once anything is known beyond "not yet notified".
        let detailed = clock.authorities.contains { !$0.isPending || $0.prepared != nil || !$0.complementary.isEmpty }
        guard detailed else { return lines }
        let width = clock.authorities.map(\.authorityID.count).max() ?? 0
        for a in clock.authorities {
            let name = a.authorityID.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("\(name)  " + state(a, clock, zone: zone))
            let indent = String(repeating: " ", count: width + 2)
            if let p = a.prepared {
                lines.append(indent + "form content prepared \(TimeText.local(p.at, zone)), not submitted yet: submit it, then "
                    + "`breachmail authority record \(incidentID) --authority \(a.authorityID) --reference REF`")
            }
            for c in a.complementary {
                switch c.outcome {
                case .prepared:
                    lines.append(indent + "complementary (Art. 33(4)) prepared \(TimeText.local(c.at, zone)), not submitted yet: "
                        + "`breachmail authority record \(incidentID) --authority \(a.authorityID) --reference REF --complementary`")
                default:
                    lines.append(indent + "complementary (Art. 33(4)) \(c.outcome.rawValue) \(TimeText.local(c.at, zone))"
                        + (c.reference.isEmpty ? "" : ", reference \(c.reference)"))
                }
            }
        }
        return lines
    }

    private static func notYet(_ ids: [String], _ clock: IncidentClock) -> String {
        ids.isEmpty || ids.count == clock.authorities.count ? "" : " (\(ids.joined(separator: ", ")) not yet notified)"
    }

    /// `cnpd, sent` or `cnil, recorded ref CNIL-2026-0042`, for a notified authority.
    private static func how(_ a: AuthorityClock) -> String? {
        guard case .notified(let fact, _) = a.state else {
            if case .notRequired = a.state { return "\(a.authorityID), not required" }
            return nil
        }
        let reference = a.reference.isEmpty ? "" : " ref \(a.reference)"
        return "\(a.authorityID), \(fact.outcome.rawValue)\(reference)"
    }

    private static func state(_ a: AuthorityClock, _ clock: IncidentClock, zone: TimeZone) -> String {
        switch a.state {
        case .notified(let fact, let lateBy):
            let reference = a.reference.isEmpty ? "" : ", reference \(a.reference)"
            let when = "at \(TimeText.local(fact.at, zone)) (\(fact.outcome.rawValue)\(reference))"
            guard let lateBy else {
                let before = clock.deadline.due.timeIntervalSince(fact.at)
                return "notified in time \(when), \(DurationText.hoursAndMinutes(before)) before the deadline"
            }
            return "notified late by \(DurationText.hoursAndMinutes(lateBy)) \(when)"
                + (clock.reasonsRecorded ? "; reasons for the delay recorded" : "; NO reasons for the delay recorded")
        case .notRequired(let d):
            return "not required: " + decision(d)
        case .running(let left):
            return "not yet notified: \(DurationText.hoursAndMinutes(left)) left"
        case .overdue(let by):
            return "not yet notified: OVERDUE by \(DurationText.hoursAndMinutes(by))"
        }
    }

    /// `the decision in force (entry 4, confirmed by dpo) is not to notify the authority`.
    public static func decision(_ d: NotificationDecision) -> String {
        "the decision in force (entry \(d.entry), \(d.overridden ? "decided against the recommendation" : "confirmed") by \(d.actor)) "
            + "is not to notify the authority (Art. 33(1): unlikely to result in a risk)"
    }
}
