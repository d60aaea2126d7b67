/// A free-text field of an incident (description, likely consequences, measures…): either one
/// text, written in the incident's own language (``Incident/language``), or one text per
/// language, as the incident file gives it:
///
/// ```yaml
/// description: Un attaquant a chiffré le serveur.      # one text, in the incident's language
/// likely_consequences:                                 # per language
///   fr: Hameçonnage et tentatives de fraude.
///   en: Phishing and attempted fraud.
/// ```
///
/// In the register it is a JSON string (one text, as before languages existed) or an object
/// keyed by language code.
public struct LocalizedText: Sendable, Equatable, Codable, ExpressibleByStringLiteral {
    /// The text of a field given as one text; nil when it is given per language.
    public private(set) var single: String?
    /// The texts of a field given per language; empty when it is given as one text.
    public private(set) var translations: [Language: String]

    /// One text, in the incident's own language.
    public init(_ text: String) {
        single = text
        translations = [:]
    }

    /// One text per language.
    public init(translations: [Language: String]) {
        single = nil
        self.translations = translations
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The text in `language`, trimmed; empty when there is none. `own` is the language of a
    /// single text (the incident's).
    public func text(in language: Language, own: Language) -> String {
        if let single { return language == own ? single.trimmedText : "" }
        return translations[language]?.trimmedText ?? ""
    }

    /// The languages that have a text that is not blank.
    public func languages(own: Language) -> [Language] {
        Language.allCases.filter { !text(in: $0, own: own).isEmpty }
    }

    /// Whether no language has any text.
    public var isBlank: Bool {
        if let single { return single.trimmedText.isEmpty }
        return translations.values.allSatisfy { $0.trimmedText.isEmpty }
    }

    /// The text in `language`, else in `own`, else in the first language that has one: for
    /// the checks that ask whether something was said at all (e.g. the reasons for a delay).
    public func anyText(preferring language: Language, own: Language) -> String {
        for candidate in [language, own] + Language.allCases {
            let text = text(in: candidate, own: own)
            if !text.isEmpty { return text }
        }
        return ""
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self.init(text)
            return
        }
        let byCode = try container.decode([String: String].self)
        var translations: [Language: String] = [:]
        for (code, text) in byCode {
            guard let language = Language(rawValue: code) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown language code \(code)")
            }
            translations[language] = text
        }
        self.init(translations: translations)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let single {
            try container.encode(single)
        } else {
            try container.encode(Dictionary(uniqueKeysWithValues: translations.map { ($0.key.rawValue, $0.value) }))
        }
    }
}

private extension String {
    var trimmedText: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
