public import BreachCore
public import Foundation

/// What an authority notification refers to: which authority, and for a complementary
/// notification, the initial one, the reference the authority gave it, and the incident as the
/// authority last knew it.
public struct AuthorityNotice: Sendable, Equatable {
    /// The authority's name as the message shows it, e.g. `Commission nationale pour la protection des données (CNPD)`.
    public var name: String
    /// The authority's own reference for the initial notification; empty while it gave none.
    /// Never our Message-ID: that is ``initialMessageID``.
    public var reference: String
    /// When the initial notification was made (required for a complementary one).
    public var initialNotificationDate: Date?
    /// Our Message-ID of the initial notification when it was e-mailed (without angle brackets).
    public var initialMessageID: String
    /// For a complementary notification: the incident as the last notification to this
    /// authority described it, and when that was. What changed since is listed, and a
    /// complementary notification with nothing changed is refused.
    public var previous: (incident: Incident, date: Date)?
    /// Whether the message goes by e-mail with its JSON attachment (false for a portal's form content).
    public var attachesJSON: Bool

    public init(name: String, reference: String = "", initialNotificationDate: Date? = nil, initialMessageID: String = "",
                previous: (incident: Incident, date: Date)? = nil, attachesJSON: Bool = true) {
        self.name = name
        self.reference = reference
        self.initialNotificationDate = initialNotificationDate
        self.initialMessageID = initialMessageID
        self.previous = previous
        self.attachesJSON = attachesJSON
    }

    public static func == (a: AuthorityNotice, b: AuthorityNotice) -> Bool {
        a.name == b.name && a.reference == b.reference && a.initialNotificationDate == b.initialNotificationDate
            && a.initialMessageID == b.initialMessageID && a.previous?.incident == b.previous?.incident
            && a.previous?.date == b.previous?.date && a.attachesJSON == b.attachesJSON
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
    /// For an authority notification: the assessment in force (`assessment.*` in templates).
    public var decision: DecisionInForce?
    /// For an authority notification: where telling the people stands (`communication.*`).
    public var communication: SubjectsCommunication?
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
