public import ArgumentParser
import BreachApp
import BreachConfig
public import BreachCore
import BreachRegister
import Foundation

extension AssessmentLanguage: ExpressibleByArgument {}

/// `yes` or `no`, for the decisions the DPO sets against the recommendation.
enum YesNo: String, CaseIterable, ExpressibleByArgument {
    case yes, no

    var flag: Bool { self == .yes }
}

extension IncidentCommand {
    struct Assess: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "assess",
            abstract: "Assess the risk of an incident (ENISA severity, Art. 33 and 34) and record the DPO's decision.",
            discussion: """
                Without --answers, the questions are asked on the terminal. The recommendation, its \
                reasons and the DPO's decision go into the register's history in one entry, only when \
                the DPO confirms it (--confirm, or yes on the terminal) or decides otherwise \
                (--override-… with --reason). An answers file without either shows the recommendation \
                and records nothing: the decision in force stays. --show prints the decision in force \
                and changes nothing.

                Example:
                  breachmail incident assess BR-2026-0001 --show
                  breachmail incident assess BR-2026-0001
                  breachmail incident assess BR-2026-0001 --answers assessment.yaml --lang fr
                  breachmail incident assess BR-2026-0001 --answers assessment.yaml --confirm
                  breachmail incident assess BR-2026-0001 --answers assessment.yaml \\
                      --override-subjects no --reason "All members were phoned on 24 October."
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Option(help: ArgumentHelp("The answers, as YAML (see Config/examples/assessment.yaml), or - for standard input; without it the questions are asked.", valueName: "file"))
        var answers: String?
        @Flag(help: "Print the assessment as JSON.")
        var json = false
        @Flag(help: "Show the decision in force (the DPO's last confirmed or overridden assessment); record nothing.")
        var show = false
        @Option(name: .customLong("lang"), help: "Language of the questions and reasons: en, fr or de (default: the language of the messages, `breachmail --lang` or the locale).")
        var chosenLanguage: AssessmentLanguage?
        var lang: AssessmentLanguage { chosenLanguage ?? AssessmentLanguage(rawValue: UILanguage.current.rawValue) ?? .en }
        @Flag(help: "The DPO confirms the recommended decisions.")
        var confirm = false
        @Option(name: .customLong("override-authority"), help: "The DPO decides to notify the authority (yes) or not (no), against the recommendation.")
        var overrideAuthority: YesNo?
        @Option(name: .customLong("override-subjects"), help: "The DPO decides to tell the people (yes) or not (no), against the recommendation.")
        var overrideSubjects: YesNo?
        @Option(help: "The DPO's written reason for an override (required with --override-…); recorded in the register.")
        var reason: String?
        /// Asks the questions even when standard input is not a terminal (for tests and scripts that type the answers).
        @Flag(help: .hidden)
        var interactive = false

        private var overrides: Bool { overrideAuthority != nil || overrideSubjects != nil }

        func validate() throws {
            if show && (answers != nil || confirm || overrides || reason != nil || interactive) {
                throw ValidationError("--show only shows the decision in force; it takes no --answers, --confirm, --override-… or --reason.")
            }
            if confirm && overrides {
                throw ValidationError("--confirm and --override-… exclude each other: confirm the recommendation, or override it with --reason.")
            }
            if overrides && (reason ?? "").allSatisfy(\.isWhitespace) {
                throw ValidationError("--override-authority and --override-subjects need --reason \"…\": the DPO's written reason goes into the register.")
            }
            if reason != nil && !overrides {
                throw ValidationError("--reason goes with --override-authority or --override-subjects; to confirm the recommendation, use --confirm alone.")
            }
        }

        func run() throws {
            let ws = try workspace.open()
            let record = try ws.register.incident(id)
            let inForce = try ws.register.decisionInForce(incidentID: record.id)
            if show {
                try showDecision(inForce, id: record.id)
                return
            }
            let facts = IncidentFacts(record.incident)
            let terminal = Terminal()
            let assessment: Assessment
            let source: String
            let asking = answers == nil
            if let answers {
                let input = try InputFile(answers, what: .answersFile)
                assessment = try AssessmentFile.parse(input.text, file: input.name).assess(against: facts)
                source = input.name
            } else {
                guard interactive || isatty(STDIN_FILENO) == 1 else {
                    throw AssessRefusal("standard input is not a terminal, so the questions cannot be asked; give the answers with --answers FILE (see Config/examples/assessment.yaml).")
                }
                var questionnaire = Questionnaire(facts: facts, language: lang, terminal: terminal)
                assessment = try questionnaire.run()
                source = "terminal"
            }

            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(assessment), as: UTF8.self))
            } else {
                print(AssessmentText.report(assessment, id: record.id, language: lang))
            }
            // With --json, standard output holds the JSON alone.
            func say(_ text: String) { if json { terminal.say(text) } else { print(text) } }
            guard let decision = try decide(assessment, asking: asking, terminal: terminal) else {
                // A recommendation is not a decision: nothing is recorded, the decision in force stays.
                say(lang.pick("\nNothing recorded: a recommendation becomes a decision only when the DPO confirms or overrides it.",
                              "\nRien n'est consigné : une recommandation ne devient une décision que confirmée ou modifiée par le DPO.",
                              "\nNichts eingetragen: Eine Empfehlung wird erst zur Entscheidung, wenn der Datenschutzbeauftragte sie bestätigt oder anders entscheidet."))
                if let inForce {
                    say(AssessmentText.inForce(inForce, language: lang))
                    let changes = AssessmentText.changes(from: inForce.record.decision, to: .pending(assessment), language: lang)
                    if !changes.isEmpty {
                        say(lang.pick("This recommendation differs from it: ", "Cette recommandation en diffère : ", "Diese Empfehlung weicht davon ab: ") + changes + ".")
                    }
                }
                let file = answers ?? "FILE"
                say(lang.pick(
                    "Confirm: breachmail incident assess \(record.id) --answers \(file) --confirm\nOr decide otherwise: … --override-authority yes|no --override-subjects yes|no --reason \"…\"",
                    "Confirmer : breachmail incident assess \(record.id) --answers \(file) --confirm\nOu décider autrement : … --override-authority yes|no --override-subjects yes|no --reason \"…\"",
                    "Bestätigen: breachmail incident assess \(record.id) --answers \(file) --confirm\nOder anders entscheiden: … --override-authority yes|no --override-subjects yes|no --reason \"…\""))
                return
            }
            let entry = try Assessments.record(ws, incidentID: record.id, assessment: assessment, decision: decision,
                                               source: source, language: lang, at: try Clock.now()).entry
            say(AssessmentText.recorded(decision, entry: entry, language: lang))
            if let inForce {
                let changes = AssessmentText.changes(from: inForce.record.decision, to: decision, language: lang)
                say(lang.pick("It replaces the decision of entry \(inForce.entry.sequence)", "Elle remplace la décision de l'entrée \(inForce.entry.sequence)",
                              "Sie ersetzt die Entscheidung aus Eintrag \(inForce.entry.sequence)")
                    + (changes.isEmpty ? lang.pick(" (same decisions).", " (mêmes décisions).", " (gleiche Entscheidungen).") : ": \(changes)."))
            }
        }

        /// `--show`: the decision in force, as recorded; nothing is written.
        private func showDecision(_ inForce: RecordedAssessment?, id: String) throws {
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let document = inForce.map(StatusJSON.AssessmentJSON.init(inForce:))
                print(String(decoding: try encoder.encode(document), as: UTF8.self))
                return
            }
            guard let inForce else {
                print(lang.pick("No decision is recorded for \(id) yet: breachmail incident assess \(id)",
                                "Aucune décision n'est consignée pour \(id) : breachmail incident assess \(id)",
                                "Für \(id) ist noch keine Entscheidung eingetragen: breachmail incident assess \(id)"))
                return
            }
            print(AssessmentText.report(inForce.record.assessment, id: id, language: lang))
            print(AssessmentText.inForce(inForce, language: lang))
            if let reason = inForce.record.decision.reason { print(lang.pick("Reason: ", "Motif : ", "Begründung: ") + reason) }
        }

        /// The options when given; otherwise, on a terminal, the DPO's answer; otherwise nil: no decision.
        private func decide(_ assessment: Assessment, asking: Bool, terminal: Terminal) throws -> DPODecision? {
            if confirm { return .confirmed(assessment) }
            if overrides {
                do {
                    return try DPODecision.overriding(
                        assessment, notifyAuthority: overrideAuthority?.flag, communicateToSubjects: overrideSubjects?.flag,
                        reason: reason ?? "")
                } catch {
                    throw AssessRefusal("\(error) Nothing was recorded.")
                }
            }
            guard asking else { return nil }
            while true {
                if try ask(lang.pick("Confirm these decisions?", "Confirmer ces décisions ?", "Diese Entscheidungen bestätigen?"), terminal) {
                    return .confirmed(assessment)
                }
                let authority = try ask(lang.pick("Notify the supervisory authority?", "Notifier l'autorité de contrôle ?",
                                                  "Der Aufsichtsbehörde melden?"), terminal)
                let subjects = try ask(lang.pick("Communicate to the people concerned?", "Communiquer aux personnes concernées ?",
                                                 "Die betroffenen Personen benachrichtigen?"), terminal)
                terminal.say(lang.pick("\nWritten reason for the decision (kept in the register):", "\nMotif écrit de la décision (consigné dans le registre) :",
                                       "\nSchriftliche Begründung der Entscheidung (wird im Register eingetragen):"))
                var reason = ""
                while reason.isEmpty {
                    reason = try terminal.readAnswer(for: "reason")
                    if reason.isEmpty { terminal.say(lang.pick("  A reason is needed.", "  Un motif est nécessaire.", "  Eine Begründung ist nötig.")) }
                }
                do {
                    return try DPODecision.overriding(assessment, notifyAuthority: authority, communicateToSubjects: subjects, reason: reason)
                } catch {
                    terminal.say(lang.pick("  These are the recommended decisions.", "  Ces décisions sont celles recommandées.",
                                           "  Das sind die empfohlenen Entscheidungen."))
                }
            }
        }

        private func ask(_ question: String, _ terminal: Terminal) throws -> Bool {
            terminal.say("\n\(question) [\(lang.pick("y", "o", "j"))/n]")
            while true {
                if case .success(.bool(let value)) = Questionnaire.parse(try terminal.readAnswer(for: "the decision"), kind: .boolean) {
                    return value
                }
                terminal.say(lang.pick("  Answer y (yes) or n (no).", "  Répondez o (oui) ou n (non).", "  Antworten Sie j (ja) oder n (nein)."))
            }
        }
    }
}

/// A refusal that is not about the command line's syntax, so no usage follows it.
struct AssessRefusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How an assessment reads on the terminal, in the DPO's language.
enum AssessmentText {
    static func report(_ a: Assessment, id: String, language: AssessmentLanguage) -> String {
        let s = a.severity
        let separator = language == .en ? "." : ","
        func score(_ quarters: Int) -> String { SeverityScore(quarters: quarters).formatted(decimalSeparator: separator) }
        var lines: [String] = []
        lines.append(language.pick("\(id): risk assessment", "\(id) : évaluation du risque", "\(id): Risikobewertung"))
        lines.append(language.pick("ENISA severity: ", "Gravité ENISA : ", "Schweregrad nach ENISA: ")
            + "\(score(s.score.quarters)) (\(s.band.name(language: language))) = DPC \(s.dpc) (\(s.dpcCategory.rawValue)) × EI \(score(s.easeOfIdentification.quarters)) + CB \(score(s.circumstances.quarters))")
        lines.append(language.pick("Risk: ", "Risque : ", "Risiko: ") + risk(a.risk, language))
        lines.append("")
        for decision in a.decisions {
            lines.append(decision.text(language: language))
        }
        if let communication = a.publicCommunication {
            lines.append(language.pick(
                "Public communication for \(communication.unreachableSubjects) people who cannot be reached; \(communication.reachableSubjects) are told directly.",
                "Communication publique pour \(communication.unreachableSubjects) personnes injoignables ; \(communication.reachableSubjects) sont informées directement.",
                "Öffentliche Bekanntmachung für \(communication.unreachableSubjects) nicht erreichbare Personen; \(communication.reachableSubjects) werden direkt benachrichtigt."))
        }
        lines.append("")
        lines.append(language.pick("Reasons weighed:", "Motifs pris en compte :", "Berücksichtigte Gründe:"))
        var seen: [AssessmentReason] = []
        for reason in a.decisions.flatMap(\.reasons) where !seen.contains(reason) {
            seen.append(reason)
            lines.append("  - " + reason.text(language: language))
        }
        return lines.joined(separator: "\n")
    }

    static func risk(_ level: RiskLevel, _ language: AssessmentLanguage) -> String {
        switch level {
        case .unlikely: language.pick("unlikely to result in a risk", "risque improbable", "führt voraussichtlich nicht zu einem Risiko")
        case .risk: language.pick("likely to result in a risk", "risque probable", "führt voraussichtlich zu einem Risiko")
        case .high: language.pick("likely to result in a high risk", "risque élevé probable", "führt voraussichtlich zu einem hohen Risiko")
        }
    }

    /// `notify the authority: yes, tell the people: no (overridden)`.
    static func decisions(_ d: DPODecision, language: AssessmentLanguage) -> String {
        func word(_ flag: Bool) -> String { flag ? language.pick("yes", "oui", "ja") : language.pick("no", "non", "nein") }
        func mark(_ action: AssessmentAction) -> String {
            d.overridden.contains(action)
                ? language.pick(" (DPO's decision against the recommendation)", " (décision du DPO contre la recommandation)",
                                " (Entscheidung des Datenschutzbeauftragten entgegen der Empfehlung)")
                : ""
        }
        return language.pick(
            "notify the authority: \(word(d.notifyAuthority))\(mark(.notifyAuthority)), tell the people: \(word(d.communicateToSubjects))\(mark(.communicateToSubjects))",
            "notifier l'autorité : \(word(d.notifyAuthority))\(mark(.notifyAuthority)), informer les personnes : \(word(d.communicateToSubjects))\(mark(.communicateToSubjects))",
            "Meldung an die Aufsichtsbehörde: \(word(d.notifyAuthority))\(mark(.notifyAuthority)), Benachrichtigung der betroffenen Personen: \(word(d.communicateToSubjects))\(mark(.communicateToSubjects))")
    }

    /// `confirmed by dpo`, `recommendation recorded by dpo, not yet confirmed`.
    static func status(_ status: DPODecision.Status, by actor: String, language: AssessmentLanguage) -> String {
        switch status {
        case .recommended:
            language.pick("recommendation recorded by \(actor), not yet confirmed", "recommandation consignée par \(actor), pas encore confirmée",
                          "Empfehlung eingetragen von \(actor), noch nicht bestätigt")
        case .confirmed: language.pick("confirmed by \(actor)", "confirmé par \(actor)", "bestätigt von \(actor)")
        case .overridden: language.pick("overridden by \(actor)", "décidé autrement par \(actor)", "anders entschieden von \(actor)")
        }
    }

    /// `The decision in force is entry 5 (confirmed by dpo at …): notify the authority: yes, tell the people: yes.`
    static func inForce(_ a: RecordedAssessment, language: AssessmentLanguage) -> String {
        let d = a.record.decision
        let state = status(d.status, by: a.entry.actor, language: language)
        return language.pick(
            "Decision in force: entry \(a.entry.sequence) (\(state) at \(a.entry.recordedAt)); \(decisions(d, language: language)).",
            "Décision en vigueur : entrée \(a.entry.sequence) (\(state) le \(a.entry.recordedAt)) ; \(decisions(d, language: language)).",
            "Geltende Entscheidung: Eintrag \(a.entry.sequence) (\(state) am \(a.entry.recordedAt)); \(decisions(d, language: language)).")
    }

    /// `notify the authority: yes → no`, empty when both decisions are the same.
    static func changes(from old: DPODecision, to new: DPODecision, language: AssessmentLanguage) -> String {
        func word(_ flag: Bool) -> String { flag ? language.pick("yes", "oui", "ja") : language.pick("no", "non", "nein") }
        var parts: [String] = []
        if old.notifyAuthority != new.notifyAuthority {
            parts.append(language.pick("notify the authority: ", "notifier l'autorité : ", "Meldung an die Aufsichtsbehörde: ")
                + "\(word(old.notifyAuthority)) → \(word(new.notifyAuthority))")
        }
        if old.communicateToSubjects != new.communicateToSubjects {
            parts.append(language.pick("tell the people: ", "informer les personnes : ", "Benachrichtigung der betroffenen Personen: ")
                + "\(word(old.communicateToSubjects)) → \(word(new.communicateToSubjects))")
        }
        return parts.joined(separator: ", ")
    }

    static func recorded(_ d: DPODecision, entry: HistoryEntry, language: AssessmentLanguage) -> String {
        let state = status(d.status, by: entry.actor, language: language)
        var text = language.pick(
            "\nRecorded in the register (entry \(entry.sequence), \(AssessmentRecord.kind)): \(state); \(decisions(d, language: language)).",
            "\nConsigné au registre (entrée \(entry.sequence), \(AssessmentRecord.kind)) : \(state) ; \(decisions(d, language: language)).",
            "\nIm Register eingetragen (Eintrag \(entry.sequence), \(AssessmentRecord.kind)): \(state); \(decisions(d, language: language)).")
        if let reason = d.reason { text += language.pick("\nReason: ", "\nMotif : ", "\nBegründung: ") + reason }
        return text
    }
}
