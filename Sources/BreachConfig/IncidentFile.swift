public import Foundation
public import BreachCore

/// The incident file: YAML with the keys of ``IncidentField/all``.
public enum IncidentFile {
    /// Reads and validates an incident file.
    ///
    /// - Parameter defaultLanguage: the language of the texts given as one text when the file
    ///   has no `language:` key; recorded with the incident.
    /// - Throws: ``FileProblems`` listing every missing, unknown or invalid field with its line.
    public static func load(_ url: URL, defaultLanguage: Language = .fr) throws(FileProblems) -> Incident {
        try parse(YAMLDocument.text(of: url), file: url.path, defaultLanguage: defaultLanguage)
    }

    /// Parses incident YAML; `file` is only used to name the file in problems.
    public static func parse(_ text: String, file: String, defaultLanguage: Language = .fr) throws(FileProblems) -> Incident {
        let document = YAMLDocument(file: file)
        guard let root = document.root(text) else { throw FileProblems(document.problems) }
        let language = root.choice("language", Language.self)
        let fallback = root.choice("fallback_language", Language.self)
        var incident = read(root)
        incident?.language = language ?? defaultLanguage
        incident?.fallbackLanguage = fallback
        root.finish(known: IncidentField.all.map(\.key))
        try document.throwIfProblems()
        guard let incident else {
            throw FileProblems([FileProblem(file: file, line: nil, key: "", message: "is incomplete.")])
        }
        return incident
    }

    private static func read(_ r: MappingReader) -> Incident? {
        let title = r.text("title", required: true)
        let awareness = r.time("awareness", required: true)
        let timeZone = r.text("time_zone")
        if let timeZone, !timeZone.isEmpty, TimeZone(identifier: timeZone) == nil {
            r.document.report(line: r.lineOf("time_zone"), "time_zone",
                              "\"\(timeZone)\" is not a known IANA time zone; use e.g. Europe/Luxembourg or Europe/Paris.")
        }
        let discovery = r.localizedText("discovery", required: true, expected: "how the breach was discovered")
        let period = readPeriod(r.mapping("period"))
        let nature = r.choices("nature", BreachNature.self, required: true)
        let origin = r.choice("origin", BreachOrigin.self, required: true)
        let cause = r.choice("cause", BreachCause.self, required: true)
        let description = r.localizedText("description", required: true, expected: "a description of what happened")
        let data = r.choices("data_categories", DataCategory.self, required: true)
        let special = r.choices("special_categories", SpecialCategory.self)
        let recordsUnknown = r.isWord("approximate_records", "unknown")
        let subjectsUnknown = r.isWord("approximate_subjects", "unknown")
        let records = recordsUnknown ? 0 : r.int("approximate_records", required: true, expected: "a whole number of records, 0 or more, or unknown")
        let subjects = subjectsUnknown ? 0 : r.int("approximate_subjects", required: true, expected: "a whole number of people, 0 or more, or unknown")
        let unknownReason = r.localizedText("counts_unknown_reason") ?? ""
        var unknownCounts: UnknownCounts?
        if recordsUnknown || subjectsUnknown {
            unknownCounts = UnknownCounts(subjects: subjectsUnknown, records: recordsUnknown, reason: unknownReason)
            if unknownReason.isBlank {
                let key = subjectsUnknown ? "approximate_subjects" : "approximate_records"
                r.document.report(line: r.lineOf(key), "counts_unknown_reason",
                                  "is missing; \(key) is unknown, so say why and when it will be known (Art. 33(3)(a): \"where possible\"), "
                                  + "and give the number in a complementary notification (Art. 33(4)).")
            }
        } else if !unknownReason.isBlank {
            r.document.report(line: r.lineOf("counts_unknown_reason"), "counts_unknown_reason",
                              "is set but approximate_records and approximate_subjects are both known; remove it.")
        }
        let subjectCategories = r.choices("subject_categories", SubjectCategory.self, required: true)
        var vulnerable = VulnerableSubjects()
        if let v = r.mapping("vulnerable_subjects") {
            vulnerable.present = v.bool("present", required: true) ?? false
            vulnerable.details = v.localizedText("details") ?? ""
            if vulnerable.present && vulnerable.details.isBlank {
                v.document.report(line: v.line, v.keyPath("details"), "is empty; say who (minors, patients…) when present is true.")
            }
            v.finish()
        }
        let before = r.localizedText("measures_before", required: true, expected: "the security measures in place before the breach")
        let consequences = r.localizedText("likely_consequences", required: true, expected: "the likely consequences for the people")
        let harms = r.choices("potential_harms", PotentialHarm.self)
        let taken = r.localizedText("measures_taken", required: true, expected: "the measures taken to contain the breach")
        let planned = r.localizedText("measures_planned")
        let advice = r.localizedText("advice_to_subjects")
        var organisations: [InvolvedOrganisation] = []
        for o in r.mappings("other_organisations") {
            let name = o.text("name", required: true, expected: "the organisation's name")
            let role = o.choice("role", InvolvedOrganisation.Role.self, required: true)
            let details = o.localizedText("details") ?? ""
            o.finish()
            if let name, let role { organisations.append(InvolvedOrganisation(name: name, role: role, details: details)) }
        }
        var crossBorder = CrossBorder()
        if let c = r.mapping("cross_border") {
            crossBorder.concerned = c.bool("concerned", required: true) ?? false
            crossBorder.countries = c.texts("countries").map { $0.uppercased() }
            for code in crossBorder.countries where code.count != 2 || !code.allSatisfy(\.isLetter) {
                c.document.report(line: c.lineOf("countries"), c.keyPath("countries"),
                                  "\"\(code)\" is not a two-letter country code (ISO 3166), e.g. FR, LU, DE.")
            }
            crossBorder.otherNotifications = c.localizedText("other_notifications") ?? ""
            c.finish()
        }
        let delay = r.localizedText("delay_reasons")
        let communicationPlanned = r.time("communication_planned")

        guard let title, let awareness, let discovery, let period, let nature, let origin, let cause,
              let description, let data, let special, let records, let subjects, let subjectCategories,
              let before, let consequences, let harms, let taken, let planned, let advice, let delay
        else { return nil }
        return Incident(
            title: title, awareness: awareness, timeZone: timeZone.flatMap { $0.isEmpty ? nil : $0 },
            discovery: discovery, period: period, nature: nature, origin: origin, cause: cause,
            description: description, dataCategories: data, specialCategories: special,
            approximateRecords: records, approximateSubjects: subjects, subjectCategories: subjectCategories,
            vulnerableSubjects: vulnerable, measuresBefore: before, likelyConsequences: consequences,
            potentialHarms: harms, measuresTaken: taken, measuresPlanned: planned, adviceToSubjects: advice,
            otherOrganisations: organisations, crossBorder: crossBorder, delayReasons: delay, unknownCounts: unknownCounts,
            communicationPlanned: communicationPlanned)
    }

    private static func readPeriod(_ p: MappingReader?) -> Period? {
        guard let p else { return Period() }
        let start = p.time("start")
        let end = p.time("end")
        let ongoing = p.bool("ongoing") ?? false
        let comment = p.localizedText("comment") ?? ""
        p.finish()
        if let start, let end, end.instant < start.instant {
            p.document.report(line: p.lineOf("end"), p.keyPath("end"), "is before period.start; swap them or correct the date.")
        }
        if ongoing, end != nil {
            p.document.report(line: p.lineOf("ongoing"), p.keyPath("ongoing"), "is true but period.end is set; remove one of them.")
        }
        return Period(start: start, end: end, ongoing: ongoing, comment: comment)
    }

    /// A commented skeleton of the incident file, to fill in.
    public static func template(language: IncidentField.Language) -> String {
        var out = language.pick(
            "# breachmail incident file. Fill in every field; those marked (required) cannot stay empty.\n# Then: breachmail incident open FILE\n\n",
            "# Fiche d'incident breachmail. Remplissez chaque champ ; ceux marqués (obligatoire) ne peuvent rester vides.\n# Puis : breachmail incident open FICHIER\n\n",
            "# breachmail-Vorfallsdatei. Füllen Sie jedes Feld aus; die mit (Pflichtfeld) markierten dürfen nicht leer bleiben.\n# Danach: breachmail incident open DATEI\n\n")
        for field in IncidentField.all {
            let mark = field.required ? language.pick(" (required)", " (obligatoire)", " (Pflichtfeld)") : ""
            out += "# \(field.label.text(language))\(mark): \(field.help.text(language))\n"
            out += templateValue(field, language) + "\n\n"
        }
        return out
    }

    private static func templateValue(_ field: IncidentField, _ language: IncidentField.Language) -> String {
        switch field.key {
        case "period":
            return "period:\n  start:\n  end:\n  ongoing: false\n  comment: \"\""
        case "vulnerable_subjects":
            return "vulnerable_subjects:\n  present: false\n  details: \"\""
        case "other_organisations":
            return "other_organisations: []\n#  - name: Hosting SA\n#    role: host\n#    details: \"\""
        case "communication_planned":
            return "communication_planned:"
        case "cross_border":
            return "cross_border:\n  concerned: false\n  countries: []\n  other_notifications: \"\""
        case "fallback_language":
            return "fallback_language:"
        case "description":
            return language.pick(
                "description: |\n  \n# Or one text per language (each person is written to in theirs):\n# description:\n#   en: |\n#     …\n#   fr: |\n#     …\n#   de: |\n#     …",
                "description: |\n  \n# Ou un texte par langue (chaque personne reçoit la notification dans la sienne) :\n# description:\n#   fr: |\n#     …\n#   en: |\n#     …\n#   de: |\n#     …",
                "description: |\n  \n# Oder ein Text je Sprache (jede Person erhält die Benachrichtigung in ihrer):\n# description:\n#   de: |\n#     …\n#   en: |\n#     …\n#   fr: |\n#     …")
        case _ where Incident.freeTextKeys.contains(field.key):
            return "\(field.key): |\n  "
        default:
            // The example is a comment: a template opened unfilled is refused for its empty
            // required fields rather than recorded with the example's made-up facts.
            let example = field.example.text(language)
            guard !example.isEmpty else { return "\(field.key): \"\"" }
            return "# \(language.pick("e.g.", "p. ex.", "z. B.")) \(field.key): \(example)\n\(field.key):"
        }
    }
}
