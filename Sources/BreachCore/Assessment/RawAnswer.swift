/// A plain tree of values, as a YAML or JSON reader produces it, before it means anything.
///
/// The reader hands the top-level map to ``AssessmentAnswers/fromRaw(_:)``, which reports
/// every problem by question key (`dpc[0].factors`, `circumstances.availability`…).
public enum RawAnswer: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case list([RawAnswer])
    case map([String: RawAnswer])
    /// An explicit empty value (`key:` or `key: null`); treated as not answered.
    case null

    /// How a problem message shows the value: strings quoted, others as written.
    var shown: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .bool(let b): "\(b)"
        case .integer(let i): "\(i)"
        case .number(let d): "\(d)"
        case .list: "a list"
        case .map: "a map"
        case .null: "null"
        }
    }
}

extension AssessmentAnswers {
    /// The top-level keys of an answers file, in question order.
    public static let keys: [String] = [
        "dpc", "ease_of_identification", "circumstances", "encrypted", "key_compromised", "exfiltration",
        "no_basic_protection", "data_scope_unknown", "identity_theft_or_fraud", "special_categories_limited",
        "data_combination", "backup_restored_quickly", "trusted_recipient_deleted",
        "measures_remove_high_risk", "measures_description", "disproportionate_effort", "unreachable_subjects",
    ]

    /// Decodes answers from a plain tree (a YAML answers file as read). Checks types and
    /// vocabulary only; ``validated(against:)`` then checks completeness and contradictions.
    ///
    /// Booleans may also be written `yes`/`no`/`true`/`false` as strings; `exfiltration` also
    /// takes `true` (confirmed) or `false` (ruled out); a null value counts as not answered.
    ///
    /// - Returns: the answers, or every problem found, each naming its key.
    public static func fromRaw(_ values: [String: RawAnswer]) -> Result<AssessmentAnswers, AssessmentProblems> {
        var decoder = RawDecoder()
        var answers = AssessmentAnswers()
        for key in values.keys.sorted() where !keys.contains(key) {
            decoder.problem(key, "unknown question; expected one of \(keys.joined(separator: ", "))")
        }
        let value = { (key: String) -> RawAnswer? in
            guard let raw = values[key], raw != .null else { return nil }
            return raw
        }

        if let raw = value("dpc") { answers.dataProcessingContext = decoder.dpc(raw) }
        answers.easeOfIdentification = value("ease_of_identification").flatMap { decoder.choice($0, key: "ease_of_identification") }
        if let raw = value("circumstances") { answers.circumstances = decoder.circumstances(raw) }
        answers.encrypted = value("encrypted").flatMap { decoder.bool($0, key: "encrypted") }
        answers.keyCompromised = value("key_compromised").flatMap { decoder.bool($0, key: "key_compromised") }
        answers.exfiltration = value("exfiltration").flatMap { raw in
            switch raw {
            case .bool(let b): b ? .confirmed : .ruledOut
            default: decoder.choice(raw, key: "exfiltration", also: "true or false")
            }
        }
        answers.identityTheftOrFraud = value("identity_theft_or_fraud").flatMap { decoder.bool($0, key: "identity_theft_or_fraud") }
        answers.backupRestoredQuickly = value("backup_restored_quickly").flatMap { decoder.bool($0, key: "backup_restored_quickly") }
        answers.trustedRecipientDeleted = value("trusted_recipient_deleted").flatMap { decoder.bool($0, key: "trusted_recipient_deleted") }
        answers.measuresRemoveHighRisk = value("measures_remove_high_risk").flatMap { decoder.bool($0, key: "measures_remove_high_risk") }
        answers.measuresDescription = value("measures_description").flatMap { decoder.string($0, key: "measures_description") }
        answers.disproportionateEffort = value("disproportionate_effort").flatMap { decoder.bool($0, key: "disproportionate_effort") }
        answers.unreachableSubjects = value("unreachable_subjects").flatMap { decoder.integer($0, key: "unreachable_subjects") }
        answers.noBasicProtection = value("no_basic_protection").flatMap { decoder.bool($0, key: "no_basic_protection") }
        answers.dataScopeUnknown = value("data_scope_unknown").flatMap { decoder.bool($0, key: "data_scope_unknown") }
        answers.dataCombination = value("data_combination").flatMap { decoder.bool($0, key: "data_combination") }
        answers.specialCategoriesLimited = value("special_categories_limited").flatMap { decoder.bool($0, key: "special_categories_limited") }

        return decoder.problems.isEmpty ? .success(answers) : .failure(AssessmentProblems(decoder.problems))
    }

    /// Decodes, validates against the incident and assesses, in one step.
    ///
    /// - Returns: the assessment, or the decoding problems (or, when decoding succeeded, the
    ///   validation problems).
    public static func assess(raw values: [String: RawAnswer], against facts: IncidentFacts) -> Result<Assessment, AssessmentProblems> {
        fromRaw(values).flatMap { $0.assess(against: facts) }
    }
}

/// Collects problems while decoding, so that one pass reports them all.
private struct RawDecoder {
    var problems: [AssessmentProblem] = []

    mutating func problem(_ key: String, _ message: String) {
        problems.append(AssessmentProblem(key: key, message: message))
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ raw: RawAnswer, key: String, also: String? = nil) -> T? where T.RawValue == String {
        let known = T.allCases.map(\.rawValue) + (also.map { [$0] } ?? [])
        if case .string(let word) = raw, let value = T(rawValue: word) { return value }
        problem(key, "\(raw.shown) is not an answer; expected \(known.orList())")
        return nil
    }

    mutating func bool(_ raw: RawAnswer, key: String) -> Bool? {
        switch raw {
        case .bool(let b): return b
        case .string(let s) where ["true", "yes"].contains(s.lowercased()): return true
        case .string(let s) where ["false", "no"].contains(s.lowercased()): return false
        default:
            problem(key, "\(raw.shown) is not an answer; expected true or false")
            return nil
        }
    }

    mutating func integer(_ raw: RawAnswer, key: String) -> Int? {
        switch raw {
        case .integer(let i): return i
        case .number(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        case .string(let s) where Int(s) != nil: return Int(s)
        default:
            problem(key, "\(raw.shown) is not an answer; expected a whole number")
            return nil
        }
    }

    mutating func string(_ raw: RawAnswer, key: String) -> String? {
        switch raw {
        case .string(let s): return s
        case .bool, .integer, .number: return raw.shown
        default:
            problem(key, "\(raw.shown) is not an answer; expected text")
            return nil
        }
    }

    mutating func map(_ raw: RawAnswer, key: String, known: [String], expected: String) -> [String: RawAnswer]? {
        guard case .map(let map) = raw else {
            problem(key, "\(raw.shown) is not an answer; expected \(expected)")
            return nil
        }
        for unknown in map.keys.sorted() where !known.contains(unknown) {
            problem("\(key).\(unknown)", "unknown question; expected one of \(known.joined(separator: ", "))")
        }
        return map.filter { $0.value != .null }
    }

    mutating func dpc(_ raw: RawAnswer) -> [DPCAnswer] {
        guard case .list(let entries) = raw else {
            problem("dpc", "\(raw.shown) is not an answer; expected a list of categories, e.g. [{category: financial, score: 3, factors: [volume]}]")
            return []
        }
        var result: [DPCAnswer] = []
        for (index, entry) in entries.enumerated() {
            let key = "dpc[\(index)]"
            guard let map = map(entry, key: key, known: ["category", "score", "factors"], expected: "a map with category, score and factors") else { continue }
            guard let rawCategory = map["category"] else {
                problem("\(key).category", "missing; expected \(DPCCategory.allCases.map(\.rawValue).orList())")
                continue
            }
            let category: DPCCategory? = choice(rawCategory, key: "\(key).category")
            let score = map["score"].flatMap { integer($0, key: "\(key).score") }
            var factors: [ContextFactor] = []
            var factorsReadable = true
            if let rawFactors = map["factors"] {
                let words: [RawAnswer]
                if case .list(let list) = rawFactors { words = list } else { words = [rawFactors] }
                for word in words {
                    if case .string(let name) = word, let factor = ContextFactor(rawValue: name) {
                        factors.append(factor)
                    } else {
                        factorsReadable = false
                        problem("\(key).factors", "unknown factor \(word.shown); expected \(ContextFactor.allCases.map(\.rawValue).orList())")
                    }
                }
            }
            if let category, factorsReadable, map["score"] == nil || score != nil {
                result.append(DPCAnswer(category: category, score: score, factors: factors))
            }
        }
        return result
    }

    mutating func circumstances(_ raw: RawAnswer) -> BreachCircumstances? {
        let parts = ["confidentiality", "integrity", "availability", "malicious"]
        guard let map = map(raw, key: "circumstances", known: parts, expected: "a map with confidentiality, integrity, availability and malicious") else { return nil }
        func missing(_ part: String, _ expected: String) {
            problem("circumstances.\(part)", "missing; expected \(expected)")
        }
        func loss<T: RawRepresentable & CaseIterable>(_ part: String, _ type: T.Type) -> T? where T.RawValue == String {
            guard let raw = map[part] else {
                missing(part, T.allCases.map(\.rawValue).orList())
                return nil
            }
            return choice(raw, key: "circumstances.\(part)")
        }
        let confidentiality = loss("confidentiality", ConfidentialityLoss.self)
        let integrity = loss("integrity", IntegrityLoss.self)
        let availability = loss("availability", AvailabilityLoss.self)
        var malicious: Bool?
        if let raw = map["malicious"] {
            malicious = bool(raw, key: "circumstances.malicious")
        } else {
            missing("malicious", "true or false")
        }
        guard let confidentiality, let integrity, let availability, let malicious else { return nil }
        return BreachCircumstances(confidentiality: confidentiality, integrity: integrity, availability: availability, malicious: malicious)
    }
}
