public import Foundation
internal import BreachCore
internal import Mustache

/// A problem in a template, with the file and line to fix.
public struct TemplateProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, relative to the templates directory (e.g. `fr/subject.txt.mustache`).
    public let file: String
    /// 1-based line, when the problem has one.
    public let line: Int?
    /// What is wrong and how to fix it.
    public let message: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// A set of templates that failed to load: every problem, not just the first.
public struct TemplateSetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The templates directory.
    public let directory: String
    /// Every problem found.
    public let problems: [TemplateProblem]
    public var description: String {
        "the templates in \(directory) cannot be used:\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
            + "\nFix them, then run `breachmail templates check \(directory)`."
    }
}

/// One message kind in one language, parsed.
struct LoadedTemplate: Sendable {
    let file: String
    let subject: MustacheTemplate
    let body: MustacheTemplate
    let html: MustacheTemplate?
    let htmlFile: String?
    /// `subject.*` names used outside a section guarding them: each subject must have them.
    let requiredSubjectNames: [(name: String, file: String, line: Int)]
    /// Every `subject.*` name the templates use, in order of first use: what differs from one
    /// person to the next.
    let subjectNames: [String]
    /// Why messages from this template cannot be composed from a skeleton
    /// (``SubjectSkeleton``), if they cannot.
    let skeletonObstacle: String?
    /// The incident's free-text fields (incident-file keys) the templates show: each must have
    /// a text in the template's language.
    let freeTextKeys: Set<String>

    /// Throws the error of the first name this template requires and `values` lacks.
    ///
    /// - Throws: ``ComposeError/missingSubjectField(field:file:line:)``.
    func checkRequired(_ values: SubjectValues) throws(ComposeError) {
        for need in requiredSubjectNames where values.value(of: need.name) == nil {
            throw .missingSubjectField(field: need.name, file: need.file, line: need.line)
        }
    }
}

/// The templates directory: `<dir>/<lang>/<kind>.txt.mustache` for every kind and language, with
/// `Subject: …` on the first line and the body after an empty line; optionally
/// `<dir>/<lang>/subject.html.mustache`, the HTML alternative of the subject communication.
///
/// ```swift
/// let templates = try TemplateSet(directory: URL(fileURLWithPath: "Templates"))
/// let problems = TemplateSet.check(directory: URL(fileURLWithPath: "Templates"))
/// ```
public struct TemplateSet: Sendable {
    /// Where the templates were read from.
    public let directory: URL
    private let templates: [String: LoadedTemplate]

    /// Loads and checks the templates of `kinds` (every kind unless told), in every language.
    /// A command that composes one kind loads that kind only: a campaign does not wait for the
    /// authority's templates to be parsed (`templates check` still checks them all).
    ///
    /// - Throws: ``TemplateSetError`` listing every problem ``check(directory:)`` finds in them.
    public init(directory: URL, kinds: [MessageKind] = MessageKind.allCases) throws(TemplateSetError) {
        var problems: [TemplateProblem] = []
        var templates: [String: LoadedTemplate] = [:]
        for language in Language.allCases {
            for kind in kinds {
                if let t = Self.load(directory, kind, language, &problems) { templates["\(language.rawValue)/\(kind.rawValue)"] = t }
            }
        }
        guard problems.isEmpty else { throw TemplateSetError(directory: directory.path, problems: problems) }
        self.directory = directory
        self.templates = templates
    }

    /// Every problem in the templates of `directory`: missing files, Mustache syntax errors,
    /// unknown variables (names outside ``TemplateVariables/documented``), mandatory sections
    /// left out, and HTML that could load remote content or offer a link. Empty when all is well.
    public static func check(directory: URL) -> [TemplateProblem] {
        var problems: [TemplateProblem] = []
        for language in Language.allCases {
            for kind in MessageKind.allCases { _ = load(directory, kind, language, &problems) }
        }
        return problems
    }

    func template(_ kind: MessageKind, _ language: Language) -> LoadedTemplate? {
        templates["\(language.rawValue)/\(kind.rawValue)"]
    }

    // MARK: Loading

    private static func load(_ dir: URL, _ kind: MessageKind, _ language: Language, _ problems: inout [TemplateProblem]) -> LoadedTemplate? {
        let file = "\(language.rawValue)/\(kind.rawValue).txt.mustache"
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) else {
            problems.append(TemplateProblem(file: file, line: nil, message: "missing: every message kind needs a template in every language (fr, en, de)"))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            problems.append(TemplateProblem(file: file, line: nil, message: "not valid UTF-8; save the file as UTF-8"))
            return nil
        }
        let before = problems.count
        var required: [(String, String, Int)] = []
        var subjectUses = SubjectUses()

        // Front matter: `Subject: …` on line 1, an empty line 2.
        let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("Subject:") else {
            problems.append(TemplateProblem(file: file, line: 1, message: "the first line must be `Subject: …`, the subject line of the message"))
            return nil
        }
        guard lines.count == 3, String(lines[1]).trimmed().isEmpty else {
            problems.append(TemplateProblem(file: file, line: 2, message: "line 2 must be empty; the body starts on line 3"))
            return nil
        }
        let subjectText = String(first.dropFirst("Subject:".count)).trimmed()
        let bodyText = String(lines[2])

        let subject = parse(subjectText, file: file, firstLine: 1, text: true, &problems)
        let body = parse(bodyText, file: file, firstLine: 3, text: true, &problems)
        var uses = scan(subjectText, file: file, firstLine: 1, &problems, &required)
        uses += scan(bodyText, file: file, firstLine: 3, &problems, &required)
        subjectUses.add(uses, text: text, file: file)
        requireSections(kind, uses: uses, file: file, &problems)
        var shown = freeText(uses)

        var html: MustacheTemplate?
        var htmlFile: String?
        if kind == .subject {
            let name = "\(language.rawValue)/subject.html.mustache"
            if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) {
                if let htmlText = String(data: data, encoding: .utf8) {
                    html = parse(htmlText, file: name, firstLine: 1, text: false, &problems)
                    let htmlUses = scan(htmlText, file: name, firstLine: 1, &problems, &required)
                    subjectUses.add(htmlUses, text: htmlText, file: name)
                    shown.formUnion(freeText(htmlUses))
                    requireSections(kind, uses: htmlUses, file: name, &problems)
                    checkHTML(htmlText, uses: htmlUses, file: name, &problems)
                    htmlFile = name
                } else {
                    problems.append(TemplateProblem(file: name, line: nil, message: "not valid UTF-8; save the file as UTF-8"))
                }
            }
        }
        guard problems.count == before, let subject, let body else { return nil }
        return LoadedTemplate(file: file, subject: subject, body: body, html: html, htmlFile: htmlFile,
                              requiredSubjectNames: required.map { (name: $0.0, file: $0.1, line: $0.2) },
                              subjectNames: subjectUses.names, skeletonObstacle: subjectUses.obstacle, freeTextKeys: shown)
    }

    /// The incident-file keys of the free-text fields among `uses` (`incident.description` → `description`).
    private static func freeText(_ uses: [TemplateScanner.Use]) -> Set<String> {
        let prefix = "incident."
        return Set(uses.compactMap { use in
            guard use.name.hasPrefix(prefix) else { return nil }
            let name = String(use.name.dropFirst(prefix.count))
            let key = Incident.freeTextOfVariable[name] ?? name
            return Incident.freeTextKeys.contains(key) ? key : nil
        })
    }

    /// The `subject.*` names of a kind's templates, and what keeps its messages from a skeleton.
    private struct SubjectUses {
        var names: [String] = []
        var obstacle: String?

        mutating func add(_ uses: [TemplateScanner.Use], text: String, file: String) {
            if obstacle == nil, text.unicodeScalars.contains(where: SubjectSkeleton.isMarker) {
                obstacle = "\(file) holds a character of the private-use area that marks values in a skeleton"
            }
            for use in uses {
                if use.name.hasPrefix("subject."), !names.contains(use.name) { names.append(use.name) }
                // A transform sees the value itself; inside a subject section, `.` is a subject value.
                if obstacle == nil, use.transformed,
                   use.name.hasPrefix("subject.") || use.enclosing.contains(where: { $0.hasPrefix("subject.") }) {
                    obstacle = "\(file):\(use.line) transforms `\(use.name)`"
                }
            }
            if obstacle == nil, names.count > SubjectSkeleton.maximumNames {
                obstacle = "the templates use more than \(SubjectSkeleton.maximumNames) subject names"
            }
        }
    }

    private static func parse(_ text: String, file: String, firstLine: Int, text isText: Bool, _ problems: inout [TemplateProblem]) -> MustacheTemplate? {
        do {
            // Plain text is not HTML: without this pragma `&` would come out as `&amp;`.
            // It is put on the same line so that line numbers stay those of the file.
            return try MustacheTemplate(string: (isText ? "{{% CONTENT_TYPE: TEXT}}" : "") + text)
        } catch let error as MustacheTemplate.ParserError {
            problems.append(TemplateProblem(file: file, line: error.context.lineNumber + firstLine - 1,
                                            message: "Mustache syntax error: \(describe(error.error)) near `\(error.context.line.trimmed())`"))
        } catch {
            problems.append(TemplateProblem(file: file, line: nil, message: "Mustache syntax error: \(error)"))
        }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: return "a section is closed with a name other than the one that opened it"
        case .unfinishedName: return "a tag is not finished (a name is followed by something other than `}}`)"
        case .expectedSectionEnd: return "a section is opened and never closed (`{{/name}}` missing)"
        case .invalidSetDelimiter: return "bad delimiter change"
        default: return "\(error)"
        }
    }

    private static func scan(_ text: String, file: String, firstLine: Int, _ problems: inout [TemplateProblem],
                             _ required: inout [(String, String, Int)]) -> [TemplateScanner.Use] {
        let scanner = TemplateScanner(text, firstLine: firstLine)
        for p in scanner.problems { problems.append(TemplateProblem(file: file, line: p.line, message: p.message)) }
        for use in scanner.uses {
            if !TemplateVariables.isKnown(use.name, enclosing: use.enclosing) {
                let hint = TemplateVariables.suggestion(for: use.name).map { " (did you mean `\($0)`?)" } ?? ""
                problems.append(TemplateProblem(file: file, line: use.line,
                    message: "unknown variable `\(use.name)`\(hint); the variables templates may use are listed in Templates/README.md"))
            }
            if use.name.hasPrefix("subject."), use.kind == .variable || use.kind == .unescaped,
               !use.enclosing.contains(use.name) {
                required.append((use.name, file, use.line))
            }
        }
        return scanner.uses
    }

    /// What each kind must say, by law or by design, and the variable that says it.
    static func mandatory(_ kind: MessageKind) -> [(name: String, why: String)] {
        let a: [(String, String)] = [
            ("incident.nature", "nature of the breach"),
            ("incident.description", "description of the breach"),
            ("incident.data_categories", "categories of data"),
        ]
        let dpo: [(String, String)] = [("dpo.name", "DPO or contact point"), ("dpo.email", "DPO or contact point")]
        let cd: [(String, String)] = [
            ("incident.likely_consequences", "likely consequences"),
            ("incident.measures_taken", "measures taken"),
        ]
        switch kind {
        case .authorityInitial, .authorityComplementary:
            var list = a + [
                ("incident.approximate_subjects", "approximate number of people (Art. 33(3)(a))"),
                ("incident.approximate_records", "approximate number of records (Art. 33(3)(a))"),
                ("incident.subject_categories", "categories of people (Art. 33(3)(a))"),
                ("incident.awareness", "date of awareness (Art. 33(1))"),
                ("incident.delay_reasons", "reasons for a late notification (recital 85)"),
                ("controller.name", "the controller"),
                ("incident.measures_planned", "measures proposed (Art. 33(3)(d))"),
            ] + dpo + cd
            if kind == .authorityComplementary {
                list += [("authority.reference", "the authority's reference of the initial notification"),
                         ("authority.initial_date", "the date of the initial notification")]
            }
            return list
        case .subject, .publicNotice:
            return a + dpo + cd + [
                ("incident.advice_to_subjects", "advice to the people (Art. 34(2))"),
                ("controller.incident_page", "where people can check the reference"),
                ("reference", "the reference people can check"),
                ("controller.name", "who writes"),
            ]
        case .processorNotice:
            return a + dpo + cd + [
                ("processor.name", "the processor who writes (Art. 33(2))"),
                ("controller.name", "the controller notified (Art. 33(2))"),
                ("incident.awareness", "when the processor became aware (Art. 33(2): without undue delay)"),
                ("incident.approximate_subjects", "approximate number of people (Art. 33(3)(a))"),
                ("incident.approximate_records", "approximate number of records (Art. 33(3)(a))"),
                ("incident.subject_categories", "categories of people (Art. 33(3)(a))"),
                ("incident.measures_planned", "measures proposed (Art. 33(3)(d))"),
            ]
        }
    }

    private static func requireSections(_ kind: MessageKind, uses: [TemplateScanner.Use], file: String, _ problems: inout [TemplateProblem]) {
        let used = Set(uses.filter { $0.kind == .variable || $0.kind == .unescaped }.map(\.name))
        for item in mandatory(kind) where !used.contains(item.name) {
            problems.append(TemplateProblem(file: file, line: nil,
                message: "missing mandatory section for a \(kind.rawValue) message: \(item.why) — the template never shows `{{\(item.name)}}`"))
        }
    }

    /// Subject messages are a phishing pretext: no remote content, nothing to click, all values escaped.
    private static func checkHTML(_ text: String, uses: [TemplateScanner.Use], file: String, _ problems: inout [TemplateProblem]) {
        for use in uses where use.kind == .unescaped {
            problems.append(TemplateProblem(file: file, line: use.line,
                message: "`\(use.name)` is inserted unescaped; use `{{\(use.name)}}` so that no value can add HTML"))
        }
        let forbidden = ["<a ", "<a>", "href", "src=", "<img", "<link", "<script", "<iframe", "<form", "url(", "@import", "http://", "https://"]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lower = line.lowercased()
            if let bad = forbidden.first(where: { lower.contains($0) }) {
                problems.append(TemplateProblem(file: file, line: index + 1,
                    message: "`\(bad)` is not allowed: subject messages carry no link to click and load nothing remote (no tracking pixel)"))
            }
        }
    }
}
