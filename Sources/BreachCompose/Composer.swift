public import BreachCore
internal import Foundation
internal import Mustache

/// A message rendered from its template, before MIME.
public struct RenderedMessage: Sendable, Equatable {
    /// The kind of message.
    public let kind: MessageKind
    /// The language it is written in.
    public let language: Language
    /// The subject line (one line, checked for header injection).
    public let subject: String
    /// The plain-text body.
    public let text: String
    /// The HTML alternative (subject communication, when the template exists).
    public let html: String?
    /// Attachments (the authority notification as JSON).
    public let attachments: [Attachment]
}

/// Composes messages from a ``TemplateSet``: checks the legal content, renders, and writes MIME.
///
/// For a campaign, ``prepare(_:)`` once and render each subject with
/// ``PreparedComposition/render(subject:)``: the incident part is checked and built only once.
public struct Composer: Sendable {
    /// The templates messages are rendered from.
    public let templates: TemplateSet

    /// A composer over `templates` (loaded and checked by ``TemplateSet/init(directory:)``).
    public init(templates: TemplateSet) { self.templates = templates }

    /// Checks completeness (Art. 33(3) / 34(2)) and lateness (recital 85), and builds everything
    /// that does not depend on the person.
    ///
    /// - Throws: ``ComposeError`` (`incomplete`, `late`, `missingContext`, `noTemplate`).
    public func prepare(_ context: ComposeContext) throws(ComposeError) -> PreparedComposition {
        let missing = Completeness.missing(context)
        guard missing.isEmpty else { throw .incomplete(kind: context.kind, missing: missing) }
        if context.kind.isAuthority {
            // A complementary notification completes one already made: the clock stopped then.
            let notifiedAt = context.kind == .authorityComplementary
                ? (context.authority?.initialNotificationDate ?? context.composedAt) : context.composedAt
            do {
                let reasons = context.incident.delayReasons.anyText(preferring: context.language, own: context.incident.ownLanguage)
                try context.incident.deadline.requireReasonsIfLate(composedAt: notifiedAt, delayReasons: reasons)
            } catch {
                throw .late(error)
            }
        }
        guard let template = templates.template(context.kind, context.language) else {
            throw .noTemplate(kind: context.kind, language: context.language)
        }
        // Never a paragraph in another language than the template's.
        let untranslated = context.incident.untranslated(template.freeTextKeys, in: context.language)
        guard untranslated.isEmpty else {
            throw .untranslated(kind: context.kind, language: context.language, missing: untranslated,
                                complete: context.incident.completeLanguages)
        }
        var base = Self.variables(context)
        if context.kind == .authorityComplementary, let previous = context.authority?.previous {
            let changes = Self.changes(context, since: previous.incident)
            guard !changes.isEmpty else { throw .nothingChanged(since: previous.date) }
            base["changes"] = changes
        }
        var attachments: [Attachment] = []
        if context.kind.isAuthority, context.authority?.attachesJSON ?? true {
            let name = context.kind == .authorityComplementary ? "notification-complementary" : "notification-initial"
            attachments.append(Attachment(filename: "\(context.reference.isEmpty ? "breach" : context.reference)-\(name).json",
                                          contentType: "application/json",
                                          data: NotificationJSON.encode(NotificationJSON.document(context))))
        }
        return PreparedComposition(context: context, template: template, base: base, attachments: attachments)
    }

    /// Renders one message.
    ///
    /// - Throws: ``ComposeError``; for a subject message, `missingContext` without
    ///   ``ComposeContext/subject`` and `missingSubjectField` when the template needs a value
    ///   this subject lacks (the campaign marks that subject `render_failed`).
    public func render(_ context: ComposeContext) throws(ComposeError) -> RenderedMessage {
        try prepare(context).render(subject: context.subject)
    }

    /// The plain-text body alone (for `authority compose` and `subjects preview`).
    ///
    /// - Throws: as ``render(_:)``.
    public func plainText(_ context: ComposeContext) throws(ComposeError) -> String {
        try render(context).text
    }

    /// The free-text fields (incident-file keys) that the `kind` template of `language` shows
    /// and that `incident` has in some language but not in this one: what keeps a message in
    /// `language` from being composed. Empty when there is no such template.
    public func untranslatedFields(_ kind: MessageKind, _ language: Language, of incident: Incident) -> [String] {
        guard let template = templates.template(kind, language) else { return [] }
        return incident.untranslated(template.freeTextKeys, in: language)
    }

    /// The full message bytes: rendered, then written as MIME.
    ///
    /// - Parameters:
    ///   - from: the sender (the DPO's mailbox, or the campaign's sender).
    ///   - to: the recipients; for a subject message, `nil` means the subject's own address.
    ///   - replyTo: where answers go (the DPO, typically).
    /// - Throws: ``ComposeError``, including `address` and `header` errors from MIME.
    public func message(
        _ context: ComposeContext, from: Mailbox, to: [Mailbox]? = nil, replyTo: Mailbox? = nil,
        builder: MIMEBuilder
    ) throws(ComposeError) -> BuiltMessage {
        var random = SystemRandomNumberGenerator()
        return try prepare(context).message(subject: context.subject, from: from, to: to, replyTo: replyTo,
                                            builder: builder, using: &random)
    }

    // MARK: Variables

    static func variables(_ c: ComposeContext) -> [String: Any] {
        let l = c.language, i = c.incident
        func put(_ dict: inout [String: Any], _ key: String, _ value: String) {
            let t = value.trimmed()
            if !t.isEmpty { dict[key] = t }
        }
        func person(_ p: Person) -> [String: Any] {
            var d: [String: Any] = [:]
            put(&d, "name", p.name); put(&d, "function", p.function); put(&d, "email", p.email); put(&d, "phone", p.phone)
            return d
        }
        func organisation(_ o: Controller) -> [String: Any] {
            var d: [String: Any] = [:]
            put(&d, "name", o.name); put(&d, "registration", o.registration); put(&d, "address", o.address)
            put(&d, "country", o.country); put(&d, "sector", o.sector); put(&d, "incident_page", o.incidentPage)
            if let r = o.legalRepresentative { d["legal_representative"] = person(r) }
            return d
        }
        func time(_ t: ZonedTime) -> String { Labels.dateTime(c.zoned(t.instant), l) }

        var incident: [String: Any] = [:]
        put(&incident, "title", i.title)
        put(&incident, "awareness", time(i.awareness))
        put(&incident, "deadline", Labels.dateTime(c.zoned(i.deadline.due), l))
        put(&incident, "discovery", i.text(i.discovery, in: l))
        incident["period_known"] = i.period.isKnown
        if let s = i.period.start { put(&incident, "period_start", time(s)) }
        if let e = i.period.end { put(&incident, "period_end", time(e)) }
        incident["ongoing"] = i.period.ongoing
        put(&incident, "period_comment", i.text(i.period.comment, in: l))
        let notifiedAt = c.kind == .authorityComplementary ? (c.authority?.initialNotificationDate ?? c.composedAt) : c.composedAt
        incident["late"] = i.deadline.isLate(at: notifiedAt)
        put(&incident, "delay_reasons", i.text(i.delayReasons, in: l))
        put(&incident, "nature", Labels.list(i.nature.sorted().map { Labels.nature($0, l) }, l))
        put(&incident, "origin", Labels.origin(i.origin, l))
        put(&incident, "cause", Labels.cause(i.cause, l))
        put(&incident, "description", i.text(i.description, in: l))
        put(&incident, "data_categories", Labels.list(i.dataCategories.sorted().map { Labels.dataCategory($0, l) }, l))
        put(&incident, "special_categories", Labels.list(i.specialCategories.sorted().map { Labels.specialCategory($0, l) }, l))
        if i.approximateRecords > 0 { incident["approximate_records"] = Labels.number(i.approximateRecords, l) }
        if i.approximateSubjects > 0 { incident["approximate_subjects"] = Labels.number(i.approximateSubjects, l) }
        if let unknown = i.unknownCounts {
            incident["approximate_subjects_unknown"] = unknown.subjects
            incident["approximate_records_unknown"] = unknown.records
            put(&incident, "counts_unknown_reason", i.text(unknown.reason, in: l))
        }
        put(&incident, "subject_categories", Labels.list(i.subjectCategories.sorted().map { Labels.subjectCategory($0, l) }, l))
        incident["vulnerable_subjects"] = i.vulnerableSubjects.present
        put(&incident, "vulnerable_details", i.text(i.vulnerableSubjects.details, in: l))
        put(&incident, "measures_before", i.text(i.measuresBefore, in: l))
        put(&incident, "likely_consequences", i.text(i.likelyConsequences, in: l))
        put(&incident, "potential_harms", Labels.list(i.potentialHarms.sorted().map { Labels.harm($0, l) }, l))
        put(&incident, "measures_taken", i.text(i.measuresTaken, in: l))
        put(&incident, "measures_planned", i.text(i.measuresPlanned, in: l))
        put(&incident, "advice_to_subjects", i.text(i.adviceToSubjects, in: l))
        if !i.otherOrganisations.isEmpty {
            incident["other_organisations"] = i.otherOrganisations.map { o -> [String: Any] in
                var d: [String: Any] = ["role": Labels.role(o.role, l)]
                put(&d, "name", o.name); put(&d, "details", i.text(o.details, in: l))
                return d
            }
        }
        incident["cross_border"] = i.crossBorder.concerned
        put(&incident, "cross_border_countries", i.crossBorder.countries.joined(separator: ", "))
        put(&incident, "other_notifications", i.text(i.crossBorder.otherNotifications, in: l))

        var root: [String: Any] = [
            "incident": incident,
            "controller": organisation(c.controller),
            "dpo": person(c.dpo),
            "language": l.rawValue,
            "notification": ["initial": c.kind == .authorityInitial, "complementary": c.kind == .authorityComplementary],
        ]
        put(&root, "reference", c.reference)
        put(&root, "composed_at", Labels.dateTime(c.zoned(c.composedAt), l))
        if let a = c.authority {
            var d: [String: Any] = [:]
            put(&d, "name", a.name); put(&d, "reference", a.reference); put(&d, "initial_message_id", a.initialMessageID)
            if let date = a.initialNotificationDate { put(&d, "initial_date", Labels.dateTime(c.zoned(date), l)) }
            if let previous = a.previous { put(&d, "previous_date", Labels.dateTime(c.zoned(previous.date), l)) }
            root["authority"] = d
            root["notification"] = ["initial": c.kind == .authorityInitial, "complementary": c.kind == .authorityComplementary,
                                    "json_attached": a.attachesJSON]
        }
        if let p = c.processor { root["processor"] = organisation(p) }
        if c.kind.isAuthority {
            if let d = c.decision { root["assessment"] = assessmentVariables(d, c) }
            root["communication"] = communicationVariables(c.communication, decision: c.decision, c)
        }
        return root
    }
}

/// What the templates of a message rendered, before tidying.
struct TemplateOutput {
    var subject: String
    var text: String
    var html: String?
}

/// A composition checked and ready: render it for one subject, or for the authority.
///
/// A subject message is composed from a skeleton (``SubjectSkeleton``): the templates are
/// rendered once for each combination of present subject values, and each person's values are
/// put in; the bytes are those of rendering. Safe to use from several threads at once. A class,
/// immutable: as a structure it was copied for every message (its context, template and values
/// retained and released, 3 % of a campaign's work).
public final class PreparedComposition: @unchecked Sendable {
    // `@unchecked`: `base` holds only strings, booleans, arrays and dictionaries of them, never mutated.
    /// The context it was prepared from.
    public let context: ComposeContext
    let template: LoadedTemplate
    let base: [String: Any]
    let attachments: [Attachment]
    /// The offset the `Date:` header is written in.
    let utcOffsetSeconds: Int
    let skeletons: SkeletonCache

    init(context: ComposeContext, template: LoadedTemplate, base: [String: Any], attachments: [Attachment]) {
        self.context = context
        self.template = template
        self.base = base
        self.attachments = attachments
        utcOffsetSeconds = context.zoned(context.composedAt).offsetSeconds
        skeletons = SkeletonCache(template: template, base: base)
    }

    /// Renders the message for `subject` (ignored by kinds that have no subject).
    ///
    /// - Throws: ``ComposeError/missingContext(kind:what:)`` for a subject message without a
    ///   subject, ``ComposeError/missingSubjectField(field:file:line:)`` when the template needs a
    ///   value this subject lacks, ``ComposeError/header(_:)`` when the subject line would carry a
    ///   line break.
    public func render(subject: SubjectFields?) throws(ComposeError) -> RenderedMessage {
        var root = base
        if context.kind == .subject {
            root["subject"] = try subjectValues(subject).object
        }
        return try finish(render(root))
    }

    /// Renders and writes the message as MIME.
    ///
    /// - Throws: as ``render(subject:)``, plus ``ComposeError/address(_:)`` for the subject's
    ///   address and ``ComposeError/header(_:)`` for any header value with a line break.
    public func message(
        subject: SubjectFields?, from: Mailbox, to: [Mailbox]? = nil, replyTo: Mailbox? = nil,
        builder: MIMEBuilder, using random: inout some RandomNumberGenerator
    ) throws(ComposeError) -> BuiltMessage {
        if context.kind == .subject, let subject {
            let values = try subjectValues(subject)
            switch skeletonPlan(values) {
            case .success(let filled):
                skeletons.count(fromSkeleton: true)
                return try write(subject: filled.values.subjectLine(filled.skeleton), to: recipients(to: to, subject: subject),
                                 from: from, replyTo: replyTo,
                                 text: FilledBody(body: filled.skeleton.text, values: filled.values),
                                 html: filled.skeleton.html.map { FilledBody(body: $0, values: filled.values) },
                                 builder: builder, using: &random, sharingHeaders: true)
            case .failure:
                skeletons.count(fromSkeleton: false)
            }
        }
        return try renderedMessage(subject: subject, from: from, to: to, replyTo: replyTo, builder: builder, using: &random)
    }

    /// ``message(subject:from:to:replyTo:builder:using:)`` by rendering the templates, never
    /// from a skeleton: the reference the skeleton's bytes are held to.
    ///
    /// - Throws: as ``message(subject:from:to:replyTo:builder:using:)``.
    package func renderedMessage(
        subject: SubjectFields?, from: Mailbox, to: [Mailbox]? = nil, replyTo: Mailbox? = nil,
        builder: MIMEBuilder, using random: inout some RandomNumberGenerator
    ) throws(ComposeError) -> BuiltMessage {
        let rendered = try render(subject: subject)
        return try write(subject: rendered.subject, to: recipients(to: to, subject: subject), from: from, replyTo: replyTo,
                         text: rendered.text, html: rendered.html, builder: builder, using: &random)
    }

    /// The subject's values, checked against what the template requires.
    func subjectValues(_ subject: SubjectFields?) throws(ComposeError) -> SubjectValues {
        guard let subject else {
            throw .missingContext(kind: .subject, what: "no subject given: a subject message is for one person (name, email)")
        }
        let values = SubjectValues(subject)
        try template.checkRequired(values)
        return values
    }

    /// The three templates rendered with `root`, before tidying.
    func render(_ root: [String: Any]) -> TemplateOutput {
        TemplateOutput(subject: template.subject.render(root), text: template.body.render(root),
                       html: template.html.map { $0.render(root) })
    }

    /// A render tidied and checked: a subject line on one line, a body.
    func finish(_ output: TemplateOutput) throws(ComposeError) -> RenderedMessage {
        let subjectLine = Self.oneLine(output.subject)
        do { try HeaderValueError.check(subjectLine, field: "Subject (\(template.file):1)") } catch { throw .header(error) }
        var text = Self.tidy(output.text)
        guard !text.isEmpty, !subjectLine.isEmpty else { throw .emptyMessage(file: template.file) }
        var html = output.html.map { Self.tidy($0) }
        if let person = context.fallbackFrom, person != context.language {
            let note = Labels.fallbackNote(person: person, message: context.language)
            text = note + "\n\n" + text
            html = html.map { Self.insertAtTop($0, "<p lang=\"\(person.rawValue)\">\(TextEscaping.html(note))</p>") }
        }
        return RenderedMessage(kind: context.kind, language: context.language, subject: subjectLine, text: text,
                               html: html, attachments: attachments)
    }

    /// `to`, or for a subject message without it, the subject's own mailbox.
    private func recipients(to: [Mailbox]?, subject: SubjectFields?) throws(ComposeError) -> [Mailbox] {
        var recipients = to ?? []
        if to == nil, context.kind == .subject, let subject {
            do {
                let name = subject.name.trimmed()
                recipients = [try Mailbox(displayName: name.isEmpty ? nil : name, address: MailAddress(subject.email))]
            } catch let error as AddressError {
                throw .address(error)
            } catch let error as HeaderValueError {
                throw .header(error)
            } catch {
                throw .missingContext(kind: context.kind, what: "\(error)")
            }
        }
        guard !recipients.isEmpty else { throw .missingContext(kind: context.kind, what: "no recipient given") }
        return recipients
    }

    /// The MIME message of a rendered or filled-in composition.
    private func write(
        subject: String, to recipients: [Mailbox], from: Mailbox, replyTo: Mailbox?,
        text: some QuotedPrintableText, html: (some QuotedPrintableText)?,
        builder: MIMEBuilder, using random: inout some RandomNumberGenerator, sharingHeaders: Bool = false
    ) throws(ComposeError) -> BuiltMessage {
        let headers = MessageHeaders(from: from, to: recipients, replyTo: replyTo, subject: subject, date: context.composedAt,
                                     utcOffsetSeconds: utcOffsetSeconds, language: context.language.rawValue)
        let common = sharingHeaders ? skeletons.commonHeaders(headers) : nil
        do {
            return try builder.build(headers, common: common, text: text, html: html, attachments: attachments, using: &random)
        } catch let error as HeaderValueError {
            throw .header(error)
        } catch {
            throw .missingContext(kind: context.kind, what: "\(error)")
        }
    }

    private static func oneLine(_ s: String) -> String { s.trimmed() }

    /// `html` with `line` on a line of its own after the `<body…>` line, or first when it has none.
    static func insertAtTop(_ html: String, _ line: String) -> String {
        guard let body = html.range(of: "<body", options: .caseInsensitive),
              let end = html[body.upperBound...].firstIndex(of: ">") else { return line + "\n" + html }
        let after = html.index(after: end)
        let rest = html[after...]
        return rest.hasPrefix("\n")
            ? String(html[..<after]) + "\n" + line + String(rest)
            : String(html[..<after]) + "\n" + line + "\n" + String(rest)
    }

    /// Sections left out leave empty lines behind: keep at most one empty line in a row, and no
    /// trailing spaces.
    static func tidy(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var blankRun = 0
        for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
            var l = Substring(line)
            while l.last == " " || l.last == "\t" || l.last == "\r" { l.removeLast() }
            if l.isEmpty {
                blankRun += 1
                if blankRun > 1 || out.isEmpty { continue }
            } else {
                blankRun = 0
            }
            out += l
            out += "\n"
        }
        while out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }
}
