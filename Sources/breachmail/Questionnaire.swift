import BreachApp
import BreachCore
import Foundation

/// Lines in from standard input, prompts out to standard error: standard output keeps only
/// the result, so that `--json` stays machine-readable even when the questions are asked.
struct Terminal {
    /// - Throws: when standard input ends before the answer: nothing is recorded.
    func readAnswer(for key: String) throws -> String {
        write("> ")
        guard let line = readLine(strippingNewline: true) else {
            throw AssessRefusal("standard input ended before \(key) was answered; nothing was recorded. Answer every question, or use --answers FILE.")
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    func say(_ text: String) { write(text + "\n") }
}

/// Asks the assessment questions (``AssessmentQuestion/all``) in order on a terminal, skips
/// those whose condition (on an earlier answer or on the incident) is not met, re-asks on an invalid answer, and builds the same
/// ``RawAnswer`` tree an answers file gives, so both paths share the core's checks.
struct Questionnaire {
    let facts: IncidentFacts
    let language: AssessmentLanguage
    let terminal: Terminal
    private(set) var raw: [String: RawAnswer] = [:]

    init(facts: IncidentFacts, language: AssessmentLanguage, terminal: Terminal) {
        self.facts = facts
        self.language = language
        self.terminal = terminal
    }

    /// Asks until the answers pass the core's validation against the incident.
    mutating func run() throws -> Assessment {
        for question in AssessmentQuestion.all where !question.key.hasPrefix("dpc[]") {
            if question.key == "dpc" {
                try askDataProcessingContext()
            } else if isAsked(question) {
                try ask(question, at: question.key)
            }
        }
        while true {
            prune()
            switch AssessmentAnswers.assess(raw: raw, against: facts) {
            case .success(let assessment):
                return assessment
            case .failure(let problems):
                // Contradictions show only once related answers are known: ask those questions again.
                terminal.say(language.pick("\nTo correct:", "\nÀ corriger :", "\nZu berichtigen:"))
                problems.problems.forEach { terminal.say("  \($0)") }
                var asked: Set<String> = []
                for problem in problems.problems where asked.insert(problem.key).inserted {
                    try reask(problem.key)
                }
            }
        }
    }

    // MARK: Asking

    private mutating func askDataProcessingContext() throws {
        guard let intro = AssessmentQuestion.named("dpc") else { return }
        terminal.say("\n" + intro.text(language: language) + "  (dpc)")
        var entries: [RawAnswer] = []
        while true {
            let index = entries.count
            var entry: [String: RawAnswer] = [:]
            for field in ["category", "score", "factors"] {
                guard let question = AssessmentQuestion.named("dpc[].\(field)") else { continue }
                if let value = try answer(question, at: "dpc[\(index)].\(field)") { entry[field] = value }
            }
            raw["dpc"] = .list(entries + [.map(entry)])
            let problems = currentProblems().filter { $0.key.hasPrefix("dpc[\(index)]") }
            guard problems.isEmpty else {
                // Ask this category again, from its name.
                problems.forEach { terminal.say("  \($0); \(again)") }
                continue
            }
            entries.append(.map(entry))
            if try !yesNo(language.pick("Another category?", "Une autre catégorie ?", "Eine weitere Kategorie?"), key: "dpc") { break }
        }
        raw["dpc"] = .list(entries)
    }

    /// Asks `question` and stores the answer at `key`, until the core accepts it.
    private mutating func ask(_ question: AssessmentQuestion, at key: String) throws {
        while true {
            set(try answer(question, at: key), at: key)
            let problems = currentProblems().filter { $0.key == key }
            if problems.isEmpty { return }
            problems.forEach { terminal.say("  \($0); \(again)") }
        }
    }

    private mutating func reask(_ key: String) throws {
        if key.hasPrefix("dpc") {
            raw["dpc"] = nil
            return try askDataProcessingContext()
        }
        if let question = AssessmentQuestion.named(key) {
            return try ask(question, at: key)
        }
        for question in AssessmentQuestion.all where question.key.hasPrefix(key + ".") {
            try ask(question, at: question.key)
        }
    }

    /// One answer, typed and checked against the question's kind; nil when an optional
    /// question is left empty.
    private func answer(_ question: AssessmentQuestion, at key: String) throws -> RawAnswer? {
        terminal.say("\n" + question.text(language: language) + "  (\(key))")
        switch question.kind {
        case .choice(let allowed), .multipleChoice(let allowed):
            for (number, answer) in allowed.enumerated() {
                terminal.say("  \(number + 1)) \(answer.value): \(answer.meaning(language: language))")
            }
        default: break
        }
        if let hint = hint(question) { terminal.say("  " + hint) }
        while true {
            let line = try terminal.readAnswer(for: key)
            if line.isEmpty {
                if !question.required { return nil }
                terminal.say(language.pick("  An answer is needed.", "  Une réponse est nécessaire.", "  Eine Antwort ist nötig."))
                continue
            }
            switch Self.parse(line, kind: question.kind) {
            case .success(let value): return value
            case .failure(let problem): terminal.say("  \(problem.message); \(again)")
            }
        }
    }

    private func yesNo(_ text: String, key: String) throws -> Bool {
        terminal.say("\n\(text) [\(language.pick("y", "o", "j"))/n]")
        while true {
            if case .success(.bool(let value)) = Self.parse(try terminal.readAnswer(for: key), kind: .boolean) { return value }
            terminal.say(language.pick("  Answer y (yes) or n (no).", "  Répondez o (oui) ou n (non).", "  Antworten Sie j (ja) oder n (nein)."))
        }
    }

    private func hint(_ question: AssessmentQuestion) -> String? {
        let l = language
        switch question.kind {
        case .boolean:
            let choices = l.pick("y (yes) / n (no)", "o (oui) / n (non)", "j (ja) / n (nein)")
            return question.required ? choices : choices + l.pick("; empty = no", " ; vide = non", "; leer = nein")
        case .choice:
            return l.pick("The number or the word.", "Le numéro ou le mot.", "Die Nummer oder das Wort.")
        case .multipleChoice:
            return l.pick("Numbers or words separated by commas; empty = none.", "Numéros ou mots séparés par des virgules ; vide = aucun.",
                          "Nummern oder Wörter, durch Kommas getrennt; leer = keine.")
        case .integer(let range):
            let bounded = range.upperBound != Int.max
            var text = l.pick("A whole number from \(range.lowerBound)", "Un nombre entier à partir de \(range.lowerBound)",
                              "Eine ganze Zahl \(bounded ? "von" : "ab") \(range.lowerBound)")
            if bounded { text += l.pick(" to \(range.upperBound)", " à \(range.upperBound)", " bis \(range.upperBound)") }
            if !question.required { text += l.pick("; empty = the base score", " ; vide = la note de base", "; leer = der Basiswert") }
            return text + "."
        case .text, .list:
            return nil
        }
    }

    private var again: String { language.pick("answer again.", "répondez à nouveau.", "antworten Sie erneut.") }

    /// Reads a typed line as the question's kind expects: a number or word from the list,
    /// y/yes/o/oui/j/ja/true or n/no/non/nein/false, a whole number in range, or text.
    static func parse(_ line: String, kind: AssessmentQuestion.Kind) -> Result<RawAnswer, InputProblem> {
        func word(_ text: String, _ allowed: [AssessmentQuestion.AllowedAnswer]) -> String? {
            if let number = Int(text), allowed.indices.contains(number - 1) { return allowed[number - 1].value }
            return allowed.first { $0.value == text.lowercased() }?.value
        }
        func refuse(_ message: String) -> Result<RawAnswer, InputProblem> { .failure(InputProblem(message: message)) }
        switch kind {
        case .choice(let allowed):
            guard let value = word(line, allowed) else {
                return refuse("\"\(line)\" is not an answer; expected 1 to \(allowed.count) or \(allowed.map(\.value).joined(separator: ", "))")
            }
            return .success(.string(value))
        case .multipleChoice(let allowed):
            let items = line.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            var values: [RawAnswer] = []
            for item in items {
                guard let value = word(item, allowed) else {
                    return refuse("\"\(item)\" is not an answer; expected 1 to \(allowed.count) or \(allowed.map(\.value).joined(separator: ", "))")
                }
                values.append(.string(value))
            }
            return .success(.list(values))
        case .boolean:
            switch line.lowercased() {
            case "y", "yes", "o", "oui", "j", "ja", "true": return .success(.bool(true))
            case "n", "no", "non", "nein", "false": return .success(.bool(false))
            default: return refuse("\"\(line)\" is not an answer; expected y (yes) or n (no)")
            }
        case .integer(let range):
            guard let number = Int(line), range.contains(number) else {
                return refuse("\"\(line)\" is not an answer; expected a whole number from \(range.lowerBound)"
                              + (range.upperBound == Int.max ? "" : " to \(range.upperBound)"))
            }
            return .success(.integer(number))
        case .text, .list:
            return .success(.string(line))
        }
    }

    /// An answer typed that the question's kind does not take.
    struct InputProblem: Error {
        let message: String
    }

    // MARK: The answers so far

    private func isAsked(_ question: AssessmentQuestion) -> Bool {
        if let fact = question.askedForIncident, !fact.holds(for: facts) { return false }
        guard let condition = question.askedWhen else { return true }
        switch value(at: condition.key) {
        case .string(let word)?: return condition.values.contains(word)
        case .bool(let flag)?: return condition.values.contains(String(flag))
        default: return false
        }
    }

    /// Forgets answers to questions no longer asked, so a corrected answer does not leave a
    /// contradiction behind (e.g. `exfiltration` after confidentiality became `none`).
    private mutating func prune() {
        for question in AssessmentQuestion.all where !question.key.hasPrefix("dpc") && !isAsked(question) {
            set(nil, at: question.key)
        }
    }

    private func currentProblems() -> [AssessmentProblem] {
        switch AssessmentAnswers.fromRaw(raw) {
        case .failure(let problems): problems.problems
        case .success(let answers):
            switch answers.validated(against: facts) {
            case .failure(let problems): problems.problems
            case .success: []
            }
        }
    }

    private func value(at key: String) -> RawAnswer? {
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return raw[key] }
        guard case .map(let map)? = raw[parts[0]] else { return nil }
        return map[parts[1]]
    }

    /// Stores an answer at `key` (`encrypted`, `circumstances.integrity`, `dpc[1].score`).
    private mutating func set(_ value: RawAnswer?, at key: String) {
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            raw[key] = value
            return
        }
        if parts[0].hasPrefix("dpc[") {
            guard let index = Int(parts[0].dropFirst(4).dropLast()), case .list(var entries)? = raw["dpc"],
                  entries.indices.contains(index), case .map(var entry) = entries[index] else { return }
            entry[parts[1]] = value
            entries[index] = .map(entry)
            raw["dpc"] = .list(entries)
            return
        }
        var map: [String: RawAnswer] = [:]
        if case .map(let existing)? = raw[parts[0]] { map = existing }
        map[parts[1]] = value
        raw[parts[0]] = .map(map)
    }
}
