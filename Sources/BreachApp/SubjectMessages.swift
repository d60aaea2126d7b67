public import BreachCompose
import BreachConfig
import BreachCore
public import BreachRegister
public import Foundation

/// Composes the Art. 34 communication for each subject of an incident: the templates are
/// checked and prepared once for every language, then each person's message is composed from
/// them (from a skeleton, see `PreparedComposition`). Immutable: several threads may share one.
public struct SubjectMessages: Sendable {
    public let from: Mailbox
    public let replyTo: Mailbox?
    public let builder: MIMEBuilder
    /// Each language's prepared composition, or what the law or the templates refuse: a refusal
    /// is the failure of each subject in that language. The composition is a large value, kept
    /// in a class: not copied out for every message.
    private let prepared: [Language: Result<Prepared, ComposeError>]

    private final class Prepared: Sendable {
        let composition: PreparedComposition
        init(_ composition: PreparedComposition) { self.composition = composition }
    }

    /// The composer, for what the notices lack per language (``LanguageGaps``).
    public let composer: Composer

    public init(_ ws: Workspace, record: IncidentRecord, at now: Date) throws {
        let c = ws.configuration
        let composer: Composer
        do {
            composer = Composer(templates: try TemplateSet(directory: ws.path(c.storage.templates), kinds: [.subject]))
        } catch {
            throw AppError(.configuration, "\(error.description) Run `breachmail templates check`.", facts: ["field": "templates"])
        }
        self.composer = composer
        do { from = try MailboxText.parse(c.mail.from) } catch { throw AppError(.configuration, "mail.from: \(error). Fix it in \(Configuration.fileName).") }
        do {
            builder = try MIMEBuilder(messageIDDomain: c.mail.messageIDDomain)
        } catch {
            throw AppError(.configuration, "mail.message_id_domain: \(error). Fix it in \(Configuration.fileName).")
        }
        replyTo = try? Mailbox(displayName: c.dpo.name, address: c.dpo.email)
        var prepared: [Language: Result<Prepared, ComposeError>] = [:]
        for language in Language.allCases {
            let context = ComposeContext(kind: .subject, incident: record.incident, reference: record.id, controller: c.controller,
                                         dpo: c.dpo, language: language, composedAt: now)
            var result = Result { () throws(ComposeError) in try composer.prepare(context) }
            // The incident has no text in this language: its people get the notice in the
            // fallback language, when the incident names one, with a line in theirs saying so.
            if case .failure(.untranslated) = result, let fallback = record.incident.fallbackLanguage, fallback != language {
                var instead = context
                instead.language = fallback
                instead.fallbackFrom = language
                result = Result { () throws(ComposeError) in try composer.prepare(instead) }
            }
            prepared[language] = result.map(Prepared.init)
        }
        self.prepared = prepared
    }

    /// One subject's message; a missing field or a bad address is this subject's own failure.
    public func message(for subject: Subject) throws(ComposeError) -> BuiltMessage {
        var random = SystemRandomNumberGenerator()
        return try message(for: subject, using: &random)
    }

    /// One subject's message, its MIME boundaries and Message-ID drawn from `random` (a
    /// campaign's connection passes a ``BufferedSystemRandom`` of its own).
    public func message(for subject: Subject, using random: inout some RandomNumberGenerator) throws(ComposeError) -> BuiltMessage {
        try prepared(Self.language(of: subject)).composition
            .message(subject: Self.fields(of: subject), from: from, replyTo: replyTo, builder: builder, using: &random)
    }

    /// One subject's message rendered (subject line and text), without writing the MIME.
    public func rendered(for subject: Subject) throws(ComposeError) -> RenderedMessage {
        try prepared(Self.language(of: subject)).composition.render(subject: Self.fields(of: subject))
    }

    /// The language's prepared composition (every language is prepared in `init`), or what the
    /// law requires and is missing.
    private func prepared(_ language: Language) throws(ComposeError) -> Prepared {
        try (prepared[language] ?? .failure(.noTemplate(kind: .subject, language: language))).get()
    }

    private static func language(of subject: Subject) -> Language { Language(rawValue: subject.language) ?? .fr }

    private static func fields(of subject: Subject) -> SubjectFields {
        let name = switch (subject.firstName, subject.lastName) {
        case let (first?, last?): first + " " + last
        case let (first?, nil): first
        case let (nil, last?): last
        case (nil, nil): ""
        }
        return SubjectFields(name: name, email: subject.email ?? "", fields: subject.fields)
    }
}
