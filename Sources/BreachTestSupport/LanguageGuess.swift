/// A small language identifier for French, English and German prose, by stop words: each
/// language's most frequent short words, leaving out those the three share (`in`, `an`, `a`,
/// `des`…). Enough to tell which language a paragraph of a notice is written in, without
/// looking at the templates it came from.
public enum LanguageGuess {
    static let stopWords: [String: Set<String>] = [
        "fr": ["le", "la", "les", "un", "une", "du", "de", "et", "est", "sont", "au", "aux", "en", "dans", "pour", "par",
               "sur", "avec", "ne", "pas", "que", "qui", "vous", "nous", "votre", "vos", "notre", "nos", "ce", "cette",
               "ces", "été", "il", "elle", "ils", "ont", "ou", "mais", "plus", "leur", "être", "avons", "avez", "qu",
               "se", "son", "sa", "ses", "tout", "tous", "toute", "jamais", "depuis", "vers", "avant", "après", "d", "l"],
        "en": ["the", "and", "is", "are", "was", "were", "to", "of", "for", "with", "by", "from", "that", "this",
               "these", "those", "you", "your", "we", "our", "us", "it", "its", "be", "been", "have", "has", "not",
               "or", "but", "will", "would", "can", "could", "any", "at", "all", "do", "if", "their", "they", "them",
               "what", "how", "which", "who", "never", "before", "after", "may"],
        "de": ["der", "die", "das", "den", "dem", "ein", "eine", "einer", "einen", "eines", "und", "ist", "sind", "war",
               "wurde", "wurden", "zu", "von", "mit", "für", "auf", "im", "aus", "bei", "nicht", "sie", "ihre", "ihr",
               "ihnen", "wir", "unser", "unsere", "uns", "es", "sich", "dass", "oder", "auch", "als", "wie", "nach",
               "vor", "über", "noch", "werden", "haben", "hat", "niemals", "zum", "zur", "vom", "wird"],
    ]

    /// The language (`fr`, `en`, `de`) of `text`, or nil when it has too few stop words to tell
    /// (fewer than three) or two languages tie.
    public static func language(of text: String) -> String? {
        var scores: [String: Int] = [:]
        for word in words(text) {
            for (language, list) in stopWords where list.contains(word) { scores[language, default: 0] += 1 }
        }
        let ranked = scores.sorted { $0.value > $1.value }
        guard let best = ranked.first, best.value >= 3 else { return nil }
        if ranked.count > 1, ranked[1].value == best.value { return nil }
        return best.key
    }

    /// The paragraphs of `text` (its lines: a rendered notice puts each of its sentences or
    /// values on lines of their own) whose language is not `expected`, with the language they
    /// are in; lines too short to tell are left out.
    public static func foreignParagraphs(in text: String, expected: String) -> [(language: String, paragraph: String)] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            guard let language = language(of: String(line)), language != expected else { return nil }
            return (language, String(line))
        }
    }

    /// Lower-case words, split at anything that is not a letter (so `l'argent` is `l`, `argent`).
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter }.map(String.init)
    }
}
