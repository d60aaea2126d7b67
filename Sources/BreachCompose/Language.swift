/// Every message breachmail composes; the raw value is the template's file name.
public enum MessageKind: String, Sendable, CaseIterable, Codable {
    /// First notification to the supervisory authority (Art. 33(1), 33(3)).
    case authorityInitial = "authority-initial"
    /// Complement to an earlier notification (Art. 33(4)); cites its date and the authority's reference.
    case authorityComplementary = "authority-complementary"
    /// Communication to one data subject (Art. 34(2)).
    case subject
    /// Public communication when people cannot be reached individually (Art. 34(3)(c)).
    case publicNotice = "public"
    /// A processor's notice to its controller (Art. 33(2)).
    case processorNotice = "processor"

    /// Whether this is a notification to the authority (the 72-hour clock applies).
    public var isAuthority: Bool { self == .authorityInitial || self == .authorityComplementary }
}
