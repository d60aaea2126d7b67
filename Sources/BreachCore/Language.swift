/// The languages breachmail writes in; each has a folder under `Templates/`, and an incident's
/// free text may be given in each (``LocalizedText``).
public enum Language: String, Sendable, CaseIterable, Codable, Comparable {
    case fr, en, de

    /// Ordered as ``allCases``: French, English, German.
    public static func < (a: Language, b: Language) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
