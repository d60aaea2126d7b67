/// The closest word of a closed vocabulary to a word that is not in it, for "did you mean …?".
public enum Vocabulary {
    /// The known word nearest to `word`: the same but for case, or at most one edit in three
    /// (Levenshtein) away, and never a word that shares nothing with it; nil when none is near
    /// enough to be a likely slip (`ransomwear` → `ransomware`; `gremlins` → nil).
    public static func closest(to word: String, in known: [String]) -> String? {
        let lowered = word.lowercased()
        if let same = known.first(where: { $0.lowercased() == lowered }) { return same }
        let limit = max(1, lowered.count / 3)
        var best: (word: String, distance: Int)?
        for candidate in known {
            let d = distance(lowered, candidate.lowercased())
            if d <= limit, d < min(lowered.count, candidate.count), d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.word
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// `"X" is not known; use one of: …`, with `did you mean Y?` when a known word is near.
    static func unknown(_ word: String, known: [String], intro: String) -> String {
        let list = known.joined(separator: ", ")
        if let near = closest(to: word, in: known) {
            return "\"\(word)\" is not known; did you mean \(near)? \(intro.prefix(1).uppercased() + intro.dropFirst()): \(list)."
        }
        return "\"\(word)\" is not known; \(intro): \(list)."
    }
}
