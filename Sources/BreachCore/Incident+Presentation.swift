import Foundation

extension Incident {
    /// The incident's fields in form order, each with its label and its value as readable text;
    /// one source for `incident show` and the register export.
    public func presentedFields(_ language: IncidentField.Language) -> [(key: String, label: String, text: String)] {
        let encoder = JSONEncoder()
        guard let data = try? encoder.encode(self),
              let tree = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return IncidentField.all.map { field in
            let text: String
            switch field.key {
            case "approximate_subjects" where unknownCounts?.subjects == true,
                 "approximate_records" where unknownCounts?.records == true:
                text = language.pick("not known yet", "pas encore connu", "noch nicht bekannt")
            case "counts_unknown_reason": text = unknownCounts.map { Self.presented($0.reason, own: ownLanguage) } ?? ""
            default: text = freeTextPresented(field.key) ?? Self.render(tree[field.key], language)
            }
            return (field.key, field.label.text(language), text)
        }
    }

    /// A free text given per language, one language after the other (`[en] …`); nil otherwise.
    private func freeTextPresented(_ key: String) -> String? {
        guard let text = freeText(key), text.single == nil else { return nil }
        return Self.presented(text, own: ownLanguage)
    }

    /// One text as it is, or one language after the other (`[en] …`).
    static func presented(_ text: LocalizedText, own: Language) -> String {
        if let single = text.single { return single }
        return text.languages(own: own).map { "[\($0.rawValue)] \(text.text(in: $0, own: own))" }.joined(separator: "\n")
    }

    private static func render(_ value: Any?, _ language: IncidentField.Language) -> String {
        switch value {
        case nil, is NSNull: return ""
        case let text as String: return text
        case let number as NSNumber:
            // Booleans come back as NSNumber too; their Objective-C type code is "c".
            if String(cString: number.objCType) == "c" {
                return number.boolValue ? language.pick("yes", "oui", "ja") : language.pick("no", "non", "nein")
            }
            return number.stringValue
        case let list as [Any]: return list.map { render($0, language) }.joined(separator: list.first is [String: Any] ? "\n" : ", ")
        case let map as [String: Any]:
            return map.keys.sorted().compactMap { key in
                let text = render(map[key], language)
                return text.isEmpty ? nil : "\(key.replacingOccurrences(of: "_", with: " ")): \(text)"
            }.joined(separator: "; ")
        default: return "\(value!)"
        }
    }
}
