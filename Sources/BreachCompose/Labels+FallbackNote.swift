internal import BreachCore

extension Labels {
    /// The line, in the person's own language, that opens a notice sent in the incident's
    /// fallback language because the incident has no text in theirs.
    static func fallbackNote(person: Language, message: Language) -> String {
        switch person {
        case .fr:
            let name = pick(("français", "anglais", "allemand"), message)
            return "Ce message n'est pas disponible en français : nous vous l'envoyons en \(name)."
        case .en:
            let name = pick(("French", "English", "German"), message)
            return "This notice is not available in English, so we are sending it to you in \(name)."
        case .de:
            let name = pick(("Französisch", "Englisch", "Deutsch"), message)
            return "Diese Mitteilung liegt nicht auf Deutsch vor; wir senden sie Ihnen auf \(name)."
        }
    }
}
