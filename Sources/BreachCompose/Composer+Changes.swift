internal import BreachCore
internal import Foundation

/// What a complementary notification (Art. 33(4)) tells the authority that it did not know:
/// every field whose value changed since the last notification to that authority, in form
/// order, with the values before and after when they fit on a line.
extension Composer {
    /// The template variables that can change, in form order, with their labels (fr, en, de).
    static let changeable: [(key: String, label: (String, String, String))] = [
        ("awareness", ("Date de prise de connaissance", "Time of awareness", "Zeitpunkt der Kenntnisnahme")),
        ("discovery", ("Circonstances de la découverte", "How it was discovered", "Umstände der Entdeckung")),
        ("period_start", ("Début de la violation", "Start of the breach", "Beginn der Verletzung")),
        ("period_end", ("Fin de la violation", "End of the breach", "Ende der Verletzung")),
        ("ongoing", ("Violation en cours", "Breach ongoing", "Verletzung dauert an")),
        ("period_comment", ("Commentaire sur les dates", "Comment on the dates", "Anmerkung zu den Daten")),
        ("nature", ("Nature de la violation", "Nature of the breach", "Art der Verletzung")),
        ("origin", ("Origine de l'incident", "Origin of the incident", "Ursprung des Vorfalls")),
        ("cause", ("Cause de l'incident", "Cause of the incident", "Ursache des Vorfalls")),
        ("description", ("Descriptif détaillé", "Detailed description", "Ausführliche Beschreibung")),
        ("data_categories", ("Catégories de données", "Categories of data", "Kategorien von Daten")),
        ("special_categories", ("Données sensibles", "Special categories of data", "Besondere Kategorien von Daten")),
        ("approximate_records", ("Nombre approximatif d'enregistrements", "Approximate number of records", "Ungefähre Zahl der Datensätze")),
        ("approximate_subjects", ("Nombre approximatif de personnes", "Approximate number of people", "Ungefähre Zahl der Personen")),
        ("subject_categories", ("Catégories de personnes", "Categories of people", "Kategorien von Personen")),
        ("vulnerable_subjects", ("Personnes vulnérables concernées", "Vulnerable people concerned", "Schutzbedürftige Personen betroffen")),
        ("vulnerable_details", ("Personnes vulnérables", "Vulnerable people", "Schutzbedürftige Personen")),
        ("measures_before", ("Mesures de sécurité en place", "Security measures in place", "Vorhandene Sicherheitsmaßnahmen")),
        ("likely_consequences", ("Conséquences probables", "Likely consequences", "Wahrscheinliche Folgen")),
        ("potential_harms", ("Préjudices potentiels", "Potential harms", "Mögliche Schäden")),
        ("measures_taken", ("Mesures prises", "Measures taken", "Ergriffene Maßnahmen")),
        ("measures_planned", ("Mesures envisagées", "Measures planned", "Geplante Maßnahmen")),
        ("advice_to_subjects", ("Conseils aux personnes concernées", "Advice to the people concerned", "Empfehlungen an die Betroffenen")),
        ("other_organisations", ("Autres organismes impliqués", "Other organisations involved", "Andere beteiligte Stellen")),
        ("cross_border", ("Personnes d'autres pays concernées", "People in other countries concerned", "Personen in anderen Ländern betroffen")),
        ("cross_border_countries", ("Pays concernés", "Countries concerned", "Betroffene Länder")),
        ("other_notifications", ("Autres notifications", "Other notifications", "Andere Meldungen")),
        ("delay_reasons", ("Motifs du retard", "Reasons for the delay", "Gründe für die Verzögerung")),
    ]

    /// The changes between the incident as last notified and as it is now, as template items:
    /// `field`, and `before` and `after` when both fit on a line, else `updated`.
    static func changes(_ c: ComposeContext, since previous: Incident) -> [[String: Any]] {
        var before = c
        before.incident = previous
        let old = (variables(before)["incident"] as? [String: Any]) ?? [:]
        let new = (variables(c)["incident"] as? [String: Any]) ?? [:]
        let l = c.language
        let notKnown = (("pas encore connu", "not known yet", "noch nicht bekannt"))
        var items: [[String: Any]] = []
        for (key, label) in changeable {
            func shown(_ value: Any?, _ incident: Incident) -> String? {
                if key == "approximate_subjects", incident.unknownCounts?.subjects == true { return Labels.pick(notKnown, l) }
                if key == "approximate_records", incident.unknownCounts?.records == true { return Labels.pick(notKnown, l) }
                switch value {
                case let text as String: return text
                case let flag as Bool: return Labels.yesNo(flag, l)
                case nil: return nil
                default: return "\(value!)"
                }
            }
            let a = shown(old[key], previous), b = shown(new[key], c.incident)
            let same: Bool
            if old[key] is [[String: Any]] || new[key] is [[String: Any]] {
                // A list of organisations: the same when every item has the same values.
                func canonical(_ v: Any?) -> [String] {
                    ((v as? [[String: Any]]) ?? []).map { item in item.keys.sorted().map { k in "\(k)=\(item[k]!)" }.joined(separator: "\u{1}") }
                }
                same = canonical(old[key]) == canonical(new[key])
            } else {
                same = a == b
            }
            if same { continue }
            var item: [String: Any] = ["field": Labels.pick(label, l)]
            let fits = { (s: String?) in s.map { !$0.contains("\n") && $0.count <= 120 } ?? true }
            if !(old[key] is [Any]), !(new[key] is [Any]), fits(a), fits(b) {
                item["before"] = a ?? "—"
                item["after"] = b ?? "—"
            } else {
                item["updated"] = true
            }
            items.append(item)
        }
        return items
    }
}
