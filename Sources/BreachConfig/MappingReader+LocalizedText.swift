internal import Yams
import BreachCore

extension MappingReader {
    /// A free-text field: one text (in the incident's language), or a mapping of language
    /// codes to texts. An unknown code or an empty translation is reported with its line.
    func localizedText(_ key: String, required: Bool = false, expected: String = "a text") -> LocalizedText? {
        guard let node = value(key) else {
            if required { missing(key, expected) }
            return required ? nil : ""
        }
        switch node {
        case .scalar:
            return text(key, required: required, expected: expected).map { LocalizedText($0) }
        case .mapping:
            guard let byLanguage = mapping(key) else { return nil }
            var translations: [Language: String] = [:]
            var ok = true
            for code in byLanguage.keys {
                guard let language = Language(rawValue: code) else {
                    let codes = Language.allCases.map(\.rawValue).joined(separator: ", ")
                    document.report(line: byLanguage.lineOf(code), byLanguage.keyPath(code),
                                    "\"\(code)\" is not a language breachmail writes in; use \(codes).")
                    _ = byLanguage.value(code)
                    ok = false
                    continue
                }
                let text = byLanguage.value(code) == nil ? "" : byLanguage.text(code, expected: "the \(language.englishName) text")
                guard let text else { ok = false; continue }
                if text.isEmpty {
                    document.report(line: byLanguage.lineOf(code), byLanguage.keyPath(code),
                                    "is empty; write the \(language.englishName) text or remove the line.")
                    ok = false
                    continue
                }
                translations[language] = text
            }
            if ok, required, translations.isEmpty {
                document.report(node, keyPath(key), "is empty; expected \(expected).")
                return nil
            }
            return ok ? LocalizedText(translations: translations) : nil
        default:
            document.report(node, keyPath(key), "must be \(expected), or one text per language (fr:, en:, de: on lines of their own), not a list.")
            return nil
        }
    }
}

extension Language {
    /// The language's name in English, for messages to the operator.
    var englishName: String {
        switch self {
        case .fr: "French"
        case .en: "English"
        case .de: "German"
        }
    }
}
