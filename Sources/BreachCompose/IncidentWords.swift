public import BreachCore
public import Foundation

/// The incident, its assessment and its figures in words a reader understands, in French,
/// English or German, for documents that are not messages (the register report): the same
/// vocabulary, dates and numbers as the notifications, so the report and what was sent agree.
public enum IncidentWords {
    /// One fact of the incident: its incident-file key, its label and its value, in words.
    public struct Fact: Sendable, Equatable {
        public let key: String
        public let label: String
        public let text: String
    }

    /// The incident's facts in the authorities' form order, each with its label in `language`
    /// and its value in words (no code of the incident file: `external_malicious` is
    /// "acte externe malveillant"); dates in `zone`, counts with the language's separator. A free
    /// text the incident does not give in `language` is given in its own, marked `[fr] …`.
    /// Facts with nothing to say are left out.
    public static func facts(_ incident: Incident, language l: Language, zone: TimeZone) -> [Fact] {
        let words = variables(incident, l, zone)
        let own = l == incident.ownLanguage ? words : variables(incident, incident.ownLanguage, zone)
        var facts: [Fact] = []
        for (key, label) in Composer.changeable {
            var value = text(words[key], key, incident, l)
            if value.isEmpty, isFreeText(key) {
                let fallback = text(own[key], key, incident, incident.ownLanguage)
                if !fallback.isEmpty { value = "[\(incident.ownLanguage.rawValue)] " + fallback }
            }
            guard !value.isEmpty else { continue }
            facts.append(Fact(key: key, label: Labels.pick(label, l), text: value))
        }
        let deadline = Fact(key: "deadline", label: Labels.pick(("Échéance de notification (72 h)", "Notification deadline (72 h)",
                                                                  "Meldefrist (72 Stunden)"), l),
                            text: (words["deadline"] as? String) ?? "")
        facts.insert(deadline, at: min(1, facts.count))
        return facts
    }

    /// `20 novembre 2026 à 09:30 (UTC+01:00)`: `date` in `zone`, as the messages write it.
    public static func dateTime(_ date: Date, zone: TimeZone, language: Language) -> String {
        Labels.dateTime(ZonedTime(instant: date, offsetSeconds: zone.secondsFromGMT(for: date)), language)
    }

    /// `12 500`, `12,500`, `12.500`.
    public static func number(_ n: Int, language: Language) -> String { Labels.number(n, language) }

    /// The ENISA severity (`5,0 (très élevée)`), the CNIL form's level, the risk and every reason
    /// of one recorded assessment, in `language` (reasons exist in French and English; German
    /// gives them in English). Keys: `severity`, `level`, `risk`, `reasons`, `subjects_reason`,
    /// `overridden`, `dpo_reason`, `decided_by`, `decided_at`.
    public static func assessment(_ record: AssessmentRecord, decidedBy: String, decidedAt: Date, incident: Incident,
                                  language: Language, zone: TimeZone) -> [String: Any] {
        var c = context(incident, language, zone)
        c.decision = DecisionInForce(record: record, decidedBy: decidedBy, decidedAt: decidedAt)
        var words = Composer.assessmentVariables(c.decision!, c)
        words["decided_at"] = dateTime(decidedAt, zone: zone, language: language)
        return words
    }

    // MARK: Helpers

    private static func context(_ incident: Incident, _ l: Language, _ zone: TimeZone) -> ComposeContext {
        var incident = incident
        // The messages' dates follow the incident's own zone; the report's follow `zone`, the same
        // when the incident names one.
        if incident.timeZone == nil { incident.timeZone = zone.identifier }
        return ComposeContext(kind: .authorityInitial, incident: incident, reference: "", controller: Controller(name: "", country: ""),
                              dpo: Person(name: "", email: ""), language: l, composedAt: incident.awareness.instant)
    }

    private static func variables(_ incident: Incident, _ l: Language, _ zone: TimeZone) -> [String: Any] {
        (Composer.variables(context(incident, l, zone))["incident"] as? [String: Any]) ?? [:]
    }

    private static func isFreeText(_ key: String) -> Bool {
        let file = Incident.freeTextOfVariable[key] ?? key
        return Incident.freeTextKeys.contains(file)
    }

    /// A variable as text: yes/no for a flag, the organisations one per line, "not known yet"
    /// for a number that is not known.
    private static func text(_ value: Any?, _ key: String, _ incident: Incident, _ l: Language) -> String {
        let notKnown = Labels.pick(("pas encore connu", "not known yet", "noch nicht bekannt"), l)
        if key == "approximate_subjects", incident.unknownCounts?.subjects == true { return notKnown }
        if key == "approximate_records", incident.unknownCounts?.records == true { return notKnown }
        switch value {
        case let text as String: return text
        case let flag as Bool: return Labels.yesNo(flag, l)
        case let list as [[String: Any]]:
            return list.map { o in
                let name = (o["name"] as? String) ?? "", role = (o["role"] as? String) ?? "", details = (o["details"] as? String) ?? ""
                return "\(name) (\(role))" + (details.isEmpty ? "" : ": \(details)")
            }.joined(separator: "\n")
        default: return ""
        }
    }
}
