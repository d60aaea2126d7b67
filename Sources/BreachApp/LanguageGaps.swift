public import BreachCompose
import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

/// What the notices to the people of an incident lack, language by language: the free-text
/// fields the subject templates show that the incident has in some language but not in the
/// person's, and how many people (still to be written to) that concerns. A notice never carries
/// prose in another language than its template: without `fallback_language` such a campaign
/// refuses to start; with it, those people get the notice in that language, with one line in
/// theirs saying so.
public struct LanguageGaps: Sendable {
    public struct Gap: Sendable {
        public let language: Language
        /// Incident-file keys, in form order.
        public let fields: [String]
        public let people: Int
        /// The first line of the imported CSV of a person in this language.
        public let firstLine: Int
        /// The language these people get the notice in instead; nil: the campaign refuses.
        public let fallback: Language?
    }

    public let incidentID: String
    public let gaps: [Gap]

    /// The people who are still to be written to: those a campaign run would take.
    public static let pending: Set<SubjectState> = [.queued, .deferred, .sending]

    /// The gaps for the templates of the working directory.
    public init(_ ws: Workspace, record: IncidentRecord, templates: URL? = nil) throws {
        let directory = templates ?? ws.path(ws.configuration.storage.templates)
        let composer: Composer
        do { composer = Composer(templates: try TemplateSet(directory: directory)) } catch {
            throw AppError(.configuration, "\(error.description) Run `breachmail templates check`.", facts: ["field": "templates"])
        }
        try self.init(register: ws.register, record: record, composer: composer)
    }

    public init(register: any RegisterStore, record: IncidentRecord, composer: Composer) throws {
        incidentID = record.id
        let incident = record.incident
        var gaps: [Gap] = []
        let untranslated = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, composer.untranslatedFields(.subject, $0, of: incident)) })
        // Every language complete (the usual case): nobody to count, whatever the number of people.
        guard untranslated.values.contains(where: { !$0.isEmpty }) else {
            self.gaps = []
            return
        }
        for (code, people) in try register.subjectLanguages(incidentID: record.id, states: Self.pending) {
            let language = Language(rawValue: code) ?? .fr
            let fields = untranslated[language] ?? []
            guard !fields.isEmpty else { continue }
            let fallback = incident.fallbackLanguage.flatMap { $0 == language ? nil : $0 }
            gaps.append(Gap(language: language, fields: fields, people: people.count, firstLine: people.firstLine, fallback: fallback))
        }
        self.gaps = gaps.sorted { $0.language < $1.language }
    }

    /// The gaps no fallback covers: the campaign refuses to start while there is one.
    public var blocking: [Gap] { gaps.filter { $0.fallback == nil } }

    /// One line per language: who, which fields, and what happens to them.
    public func lines(csv: String? = nil) -> [String] { gaps.map { Self.line($0, csv: csv) } }

    private static func line(_ gap: Gap, csv: String?) -> String {
        let place = csv.map { "\($0):\(gap.firstLine): language: " } ?? "\(gap.language.rawValue): "
        let who = "\(gap.people) \(gap.people == 1 ? "person is" : "people are") written to in \(gap.language.rawValue)"
            + (csv == nil ? " (first on line \(gap.firstLine) of the imported CSV)" : "")
        let lacks = "the incident has no \(gap.language.rawValue) text for \(gap.fields.joined(separator: ", "))"
        let outcome = gap.fallback.map { "they get the notice in \($0.rawValue) (fallback_language), with one line in their language saying so" }
            ?? "their notices cannot go out"
        return "\(place)\(who), but \(lacks): \(outcome)."
    }

    /// Why the campaign cannot start, or nil when it can.
    public var refusal: String? {
        let blocking = blocking
        guard let fix else { return nil }
        let people = blocking.map(\.people).reduce(0, +)
        return "\(people) \(people == 1 ? "person" : "people") would get a notice with text in another language than their own; nothing was sent:\n"
            + blocking.map { "  \(Self.line($0, csv: nil))" }.joined(separator: "\n") + "\n" + fix
    }

    /// What to do about the gaps no fallback covers; nil when there are none.
    public var fix: String? {
        guard let first = blocking.first else { return nil }
        let own = Set(gaps.map(\.language))
        let suggestion = Language.allCases.first { !own.contains($0) }?.rawValue ?? "fr"
        return "Add the missing texts per language to the incident file (under each key, `\(first.language.rawValue): …` on a line of its own) "
            + "and record them with `breachmail incident update \(incidentID) FILE`; or, to send these people the notice in another "
            + "language with one line in theirs saying so, set `fallback_language: \(suggestion)` in it."
    }
}
