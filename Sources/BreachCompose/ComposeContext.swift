public import BreachCore
public import Foundation

/// What an authority notification refers to: which authority, and for a complementary
/// notification, the initial one's date and the reference the authority gave it.
public struct AuthorityNotice: Sendable, Equatable {
    /// The authority's name as the message shows it, e.g. `Commission nationale pour la protection des données (CNPD)`.
    public var name: String
    /// The authority's reference for the initial notification (required for a complementary one).
    public var reference: String
    /// When the initial notification was made (required for a complementary one).
    public var initialNotificationDate: Date?

    public init(name: String, reference: String = "", initialNotificationDate: Date? = nil) {
        self.name = name
        self.reference = reference
        self.initialNotificationDate = initialNotificationDate
    }
}

/// One data subject as the campaign knows them: a row of the subjects CSV.
public struct SubjectFields: Sendable, Equatable {
    /// The person's name; may be empty (templates greet without it then).
    public var name: String
    /// The person's address (validated when the message is written).
    public var email: String
    /// Every other CSV column, by its header (templates use `{{subject.fields.COLUMN}}`).
    public var fields: [String: String]

    public init(name: String = "", email: String, fields: [String: String] = [:]) {
        self.name = name
        self.email = email
        self.fields = fields
    }
}

/// Everything one message is composed from.
///
/// ```swift
/// let context = ComposeContext(kind: .subject, incident: incident, reference: "ACME-2026-007",
///                              controller: acme, dpo: dpo, language: .fr, composedAt: .now,
///                              subject: SubjectFields(name: "Marie Dupont", email: "marie@example.org"))
/// ```
public struct ComposeContext: Sendable {
    /// Which message.
    public var kind: MessageKind
    /// The incident, as the register holds it.
    public var incident: Incident
    /// The breach reference people can check on the controller's own site (the register id).
    public var reference: String
    /// The controller (for a processor notice: the controller notified).
    public var controller: Controller
    /// The DPO or other contact point (Art. 33(3)(b)).
    public var dpo: Person
    /// For authority notifications: which authority, and what a complementary one refers to.
    public var authority: AuthorityNotice?
    /// For a processor's notice (Art. 33(2)): the processor writing to `controller`.
    public var processor: Controller?
    /// The language of the message.
    public var language: Language
    /// When the message is composed: the `Date:` header and the late-notification check.
    public var composedAt: Date
    /// For a subject communication: the person it is for.
    public var subject: SubjectFields?
    /// For a subject communication sent in the incident's fallback language
    /// (``Incident/fallbackLanguage``): the person's own language, in which the message's first
    /// line says that it is not available in it.
    public var fallbackFrom: Language?

    public init(
        kind: MessageKind, incident: Incident, reference: String, controller: Controller, dpo: Person,
        authority: AuthorityNotice? = nil, processor: Controller? = nil, language: Language,
        composedAt: Date, subject: SubjectFields? = nil, fallbackFrom: Language? = nil
    ) {
        self.kind = kind
        self.incident = incident
        self.reference = reference
        self.controller = controller
        self.dpo = dpo
        self.authority = authority
        self.processor = processor
        self.language = language
        self.composedAt = composedAt
        self.subject = subject
        self.fallbackFrom = fallbackFrom
    }

    /// The zone times are shown in: the incident's IANA zone, else the awareness offset.
    func zoned(_ date: Date) -> ZonedTime {
        if let name = incident.timeZone, let zone = TimeZone(identifier: name) {
            return ZonedTime(instant: date, offsetSeconds: zone.secondsFromGMT(for: date))
        }
        return ZonedTime(instant: date, offsetSeconds: incident.awareness.offsetSeconds)
    }
}
