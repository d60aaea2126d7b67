/// The variables a template may use: the documented set that `templates check` holds templates to.
///
/// Names follow the incident file's keys (snake_case). A text variable that is empty is absent,
/// so `{{#incident.measures_planned}}…{{/incident.measures_planned}}` shows its block only when
/// there is something to say, and `{{^…}}` gives the alternative.
public enum TemplateVariables {
    /// Every top-level name, with what it holds.
    public static let documented: [(name: String, meaning: String)] = [
        ("reference", "the breach reference people can check on the controller's own site"),
        ("language", "fr, en or de"),
        ("composed_at", "when the message is composed (date and time, with UTC offset)"),
        ("notification.initial", "true in an initial authority notification"),
        ("notification.complementary", "true in a complementary authority notification"),
        ("notification.json_attached", "true when the notification is e-mailed with its content as JSON (false for a portal's form content)"),
        ("authority.name", "the supervisory authority's name"),
        ("authority.reference", "the authority's own reference for the initial notification; absent until it gave one"),
        ("authority.initial_date", "when the initial notification was made"),
        ("authority.initial_message_id", "our Message-ID of the initial notification when it was e-mailed (not the authority's reference)"),
        ("authority.previous_date", "when the last notification to this authority was made (complementary notification)"),
        ("changes", "complementary notification: what changed since the last notification, a list; inside: field, before, after (when they fit on a line), updated (true otherwise)"),
        ("assessment", "section: present when the DPO's decision on the risk is recorded (authority notifications)"),
        ("assessment.severity", "the ENISA severity score and band, in words, e.g. 5,0 (très élevée)"),
        ("assessment.level", "the severity on the CNIL form's scale: Négligeable, Limité, Important, Maximal"),
        ("assessment.risk", "the likely risk to people, in words"),
        ("assessment.notify_authority", "true when the decision is to notify the authority"),
        ("assessment.communicate_to_subjects", "true when the decision is to tell the people"),
        ("assessment.overridden", "true when the DPO decided against the recommendation"),
        ("assessment.dpo_reason", "the DPO's written reason for an override"),
        ("assessment.decided_by", "who confirmed or overrode the recommendation"),
        ("assessment.decided_at", "when"),
        ("assessment.subjects_reason", "the decisive reason for telling the people or not"),
        ("assessment.reasons", "every reason weighed, a list of texts (`{{.}}` inside)"),
        ("communication.done", "true once notices to the people were accepted by the relay"),
        ("communication.people", "how many notices were accepted"),
        ("communication.total", "how many people were imported"),
        ("communication.date", "when the first notice was accepted"),
        ("communication.in_progress", "true while some people are still queued, being sent or deferred"),
        ("communication.pending", "how many"),
        ("communication.planned", "true when the people will be told and none was yet"),
        ("communication.planned_date", "when (`communication_planned` in the incident file)"),
        ("communication.channel", "how: individual e-mail, in words"),
        ("communication.not", "true when the decision is not to tell the people"),
        ("communication.reason_not", "why not: the DPO's reason, or the assessment's decisive reason"),
        ("controller.name", "the controller's name"),
        ("controller.registration", "company register or national number"),
        ("controller.address", "postal address"),
        ("controller.country", "ISO country code"),
        ("controller.sector", "sector of activity"),
        ("controller.incident_page", "the page of the controller's own site where a reference can be checked (text, never a link)"),
        ("controller.legal_representative", "section: present when a legal representative is known"),
        ("controller.legal_representative.name", "legal representative's name"),
        ("controller.legal_representative.function", "legal representative's function"),
        ("controller.legal_representative.email", "legal representative's e-mail"),
        ("controller.legal_representative.phone", "legal representative's phone"),
        ("processor.name", "the processor writing (processor notice)"),
        ("processor.registration", "the processor's register number"),
        ("processor.address", "the processor's address"),
        ("processor.country", "the processor's country"),
        ("dpo.name", "DPO or contact point: name (Art. 33(3)(b))"),
        ("dpo.function", "DPO or contact point: function"),
        ("dpo.email", "DPO or contact point: e-mail"),
        ("dpo.phone", "DPO or contact point: phone"),
        ("incident.title", "internal title (never for subjects)"),
        ("incident.awareness", "when the controller became aware"),
        ("incident.deadline", "awareness + 72 hours"),
        ("incident.discovery", "how the breach was discovered"),
        ("incident.period_known", "true when a start or end date is known"),
        ("incident.period_start", "when the breach started"),
        ("incident.period_end", "when the breach ended"),
        ("incident.ongoing", "true while the breach is still ongoing"),
        ("incident.period_comment", "comment on the dates"),
        ("incident.late", "true when the notification comes after 72 hours"),
        ("incident.delay_reasons", "reasons for the delay (recital 85)"),
        ("incident.nature", "loss of confidentiality / integrity / availability, in words"),
        ("incident.origin", "what happened (hacking, lost device…)"),
        ("incident.cause", "internal/external, accidental/malicious"),
        ("incident.description", "what happened, in detail"),
        ("incident.data_categories", "categories of data, in words"),
        ("incident.special_categories", "special categories (Art. 9/10), in words; absent when none"),
        ("incident.approximate_records", "approximate number of records; absent while not known"),
        ("incident.approximate_subjects", "approximate number of people; absent while not known"),
        ("incident.approximate_records_unknown", "true when the number of records is not known yet"),
        ("incident.approximate_subjects_unknown", "true when the number of people is not known yet"),
        ("incident.counts_unknown_reason", "why a number is not known yet, and when it will be (Art. 33(3)(a), 33(4))"),
        ("incident.subject_categories", "categories of people, in words"),
        ("incident.vulnerable_subjects", "true when minors or vulnerable people are concerned"),
        ("incident.vulnerable_details", "who they are"),
        ("incident.measures_before", "security measures in place before the breach"),
        ("incident.likely_consequences", "likely consequences (Art. 33(3)(c))"),
        ("incident.potential_harms", "kinds of harm, in words"),
        ("incident.measures_taken", "measures taken (Art. 33(3)(d))"),
        ("incident.measures_planned", "measures planned (Art. 33(3)(d))"),
        ("incident.advice_to_subjects", "what people can do to protect themselves (Art. 34(2))"),
        ("incident.other_organisations", "list of other organisations; inside: name, role, details"),
        ("incident.cross_border", "true when people in other countries are concerned"),
        ("incident.cross_border_countries", "those countries' codes"),
        ("incident.other_notifications", "other authorities notified"),
        ("subject.name", "the person's name (subject communication); may be absent"),
        ("subject.email", "the person's e-mail address"),
        ("subject.fields.COLUMN", "any other column of the subjects CSV, by its header"),
    ]

    /// Names usable inside `{{#incident.other_organisations}}…{{/incident.other_organisations}}`.
    public static let organisationItem: Set<String> = ["name", "role", "details", "."]

    /// Names usable inside `{{#changes}}…{{/changes}}`.
    public static let changeItem: Set<String> = ["field", "before", "after", "updated", "."]

    static let names: Set<String> = Set(documented.map(\.name)).subtracting(["subject.fields.COLUMN"])

    /// Whether `name` is in the documented set, inside the sections `enclosing` (a list's
    /// items have names of their own: `name` in `incident.other_organisations`, `.` in `assessment.reasons`).
    static func isKnown(_ name: String, enclosing: [String]) -> Bool {
        if names.contains(name) { return true }
        if name.hasPrefix("subject.fields."), name.count > "subject.fields.".count { return true }
        return (enclosing.contains("incident.other_organisations") && organisationItem.contains(name))
            || (enclosing.contains("changes") && changeItem.contains(name))
            || (enclosing.contains("assessment.reasons") && name == ".")
    }

    /// The closest documented name, for "did you mean".
    static func suggestion(for name: String) -> String? {
        var best: (String, Int)?
        for candidate in names {
            let d = editDistance(name, candidate)
            if d <= max(2, name.count / 3), d < (best?.1 ?? .max) { best = (candidate, d) }
        }
        return best?.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
}
