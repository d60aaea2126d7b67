public import BreachCore
public import Foundation

/// Why a message was not composed. Nothing is ever produced half-filled: any of these stops it.
public enum ComposeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Items the law requires are missing, by incident-file key (`likely_consequences`, `dpo.email`…).
    case incomplete(kind: MessageKind, missing: [String])
    /// Late (more than 72 hours) and no reasons for the delay.
    case late(LateNotificationError)
    /// The context lacks what this kind needs (e.g. no subject for a subject message).
    case missingContext(kind: MessageKind, what: String)
    /// The template uses a subject field this subject does not have.
    case missingSubjectField(field: String, file: String, line: Int)
    /// The templates directory has no template for this kind and language.
    case noTemplate(kind: MessageKind, language: Language)
    /// A value would reach a header with a line break or control character.
    case header(HeaderValueError)
    /// An address is invalid.
    case address(AddressError)
    /// The template rendered to nothing.
    case emptyMessage(file: String)
    /// A complementary notification (Art. 33(4)) that says nothing the authority does not know yet.
    case nothingChanged(since: Date)
    /// The incident has no text in `language` for free-text fields the template shows (by
    /// incident-file key), though it has them in another; `complete` are the languages that
    /// have every text.
    case untranslated(kind: MessageKind, language: Language, missing: [String], complete: [Language])

    public var description: String {
        switch self {
        case .incomplete(let kind, let missing):
            let law = kind.isAuthority ? "GDPR Art. 33(3)" : (kind == .processorNotice ? "GDPR Art. 33(2)" : "GDPR Art. 34(2)")
            let items = missing.map { key in Completeness.article(of: key, kind).map { "\(key) (\($0))" } ?? key }
            return "cannot compose the \(kind.rawValue) message: \(law) requires \(items.joined(separator: ", ")), "
                + "which \(missing.count == 1 ? "is" : "are") missing or empty. "
                + "Fill \(missing.count == 1 ? "it" : "them") in (incident file, or the configuration for dpo.* and controller.*) "
                + "and run `breachmail incident update`."
        case .late(let error):
            return "cannot compose the notification: \(error.description)"
        case .missingContext(let kind, let what):
            return "cannot compose the \(kind.rawValue) message: \(what)."
        case .missingSubjectField(let field, let file, let line):
            let column = field.hasPrefix("subject.fields.") ? "the CSV column `\(field.dropFirst("subject.fields.".count))`" : "`\(field.dropFirst("subject.".count))`"
            return "render_failed: \(file):\(line) uses `{{\(field)}}`, but this subject has no value for \(column). "
                + "Fill it in the subjects CSV, or guard the line in the template with "
                + "{{#\(field)}}…{{/\(field)}}."
        case .noTemplate(let kind, let language):
            return "no template for \(kind.rawValue) in \(language.rawValue): add \(language.rawValue)/\(kind.rawValue).txt.mustache "
                + "to the templates directory and run `breachmail templates check`."
        case .header(let error): return error.description
        case .address(let error): return error.description
        case .emptyMessage(let file):
            return "\(file) rendered an empty message; check its sections."
        case .nothingChanged(let since):
            return "nothing changed since the notification of \(ZonedTime(instant: since, offsetSeconds: 0).description): a complementary "
                + "notification (GDPR Art. 33(4)) gives the authority what it does not know yet. Record what changed with "
                + "`breachmail incident update`, then send it."
        case .untranslated(let kind, let language, let missing, let complete):
            let has = complete.isEmpty ? "" : " (every text is there in \(complete.map(\.rawValue).joined(separator: ", ")))"
            return "cannot compose the \(kind.rawValue) message in \(language.rawValue): the incident has no \(language.rawValue) text for "
                + "\(missing.joined(separator: ", "))\(has), and a message never carries text in another language than its own. "
                + "Give \(missing.count == 1 ? "it" : "each") per language in the incident file (`\(language.rawValue): …` under the key) "
                + "and run `breachmail incident update`."
        }
    }
}

/// The legal minimum of each message kind, checked before anything is rendered.
enum Completeness {
    static func article(of key: String, _ kind: MessageKind) -> String? {
        // A processor's notice carries what the processor knows of the Art. 33(3) items.
        let art33 = kind.isAuthority || kind == .processorNotice
        let prefix: String? = art33 ? "Art. 33(3)" : "Art. 34(2)"
        let letter: String?
        switch key {
        case "nature", "description", "data_categories", "subject_categories", "approximate_subjects", "approximate_records":
            letter = art33 ? "(a)" : ""
        case "dpo.name", "dpo.email": letter = art33 ? "(b)" : " with 33(3)(b)"
        case "likely_consequences": letter = art33 ? "(c)" : " with 33(3)(c)"
        case "measures_taken": letter = art33 ? "(d)" : " with 33(3)(d)"
        case "advice_to_subjects": letter = ""
        case "authority.initial_date": return "Art. 33(4)"
        default: letter = nil
        }
        guard let prefix, let letter else { return nil }
        return prefix + letter
    }

    /// The keys missing for `context.kind`, in the order of the form map.
    static func missing(_ c: ComposeContext) -> [String] {
        let i = c.incident
        func blank(_ s: String) -> Bool { s.trimmed().isEmpty }
        // Said in any language: the language of the message is checked after (`untranslated`).
        func blank(_ t: LocalizedText) -> Bool { t.isBlank }
        var missing: [String] = []
        if i.nature.isEmpty { missing.append("nature") }
        if blank(i.description) { missing.append("description") }
        if i.dataCategories.isEmpty { missing.append("data_categories") }
        switch c.kind {
        case .authorityInitial, .authorityComplementary, .processorNotice:
            // An initial notification may say a number is not known yet, and why (Art. 33(3)(a),
            // "where possible"); the complementary one must give it (Art. 33(4)).
            let mayBeUnknown = c.kind == .authorityInitial
            if i.subjectCategories.isEmpty { missing.append("subject_categories") }
            if i.approximateSubjects <= 0, !(mayBeUnknown && i.unknownCounts?.subjects == true) { missing.append("approximate_subjects") }
            if i.approximateRecords <= 0, !(mayBeUnknown && i.unknownCounts?.records == true) { missing.append("approximate_records") }
        case .subject, .publicNotice: break
        }
        if blank(c.dpo.name) { missing.append("dpo.name") }
        if blank(c.dpo.email) { missing.append("dpo.email") }
        if blank(i.likelyConsequences) { missing.append("likely_consequences") }
        if blank(i.measuresTaken) && blank(i.measuresPlanned) { missing.append("measures_taken") }
        if c.kind == .subject || c.kind == .publicNotice {
            if blank(i.adviceToSubjects) { missing.append("advice_to_subjects") }
            if blank(c.controller.incidentPage) { missing.append("controller.incident_page") }
        }
        if c.kind.isAuthority, blank(c.authority?.name ?? "") { missing.append("authority.name") }
        if c.kind == .authorityComplementary, c.authority?.initialNotificationDate == nil { missing.append("authority.initial_date") }
        if c.kind == .processorNotice, blank(c.processor?.name ?? "") { missing.append("processor.name") }
        return missing
    }
}
