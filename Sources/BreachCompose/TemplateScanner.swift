/// Reads the tags of a Mustache template with their line numbers, so that `templates check`
/// can name unknown variables and missing sections by file and line (swift-mustache keeps its
/// parsed tokens to itself).
struct TemplateScanner {
    struct Use: Equatable {
        enum Kind { case variable, unescaped, section, inverted }
        var name: String
        var kind: Kind
        var line: Int
        /// Names of the enclosing sections, outermost first.
        var enclosing: [String]
        /// Whether a transform is applied to the value (`{{uppercased(subject.name)}}`).
        var transformed = false
    }

    struct Problem: Equatable {
        var line: Int
        var message: String
    }

    var uses: [Use] = []
    var problems: [Problem] = []

    /// Scans `text`; `firstLine` is the file line of its first line.
    init(_ text: String, firstLine: Int = 1) {
        let b = Array(text.utf8)
        var i = 0
        var line = firstLine
        var stack: [String] = []
        while i < b.count {
            if b[i] == 10 { line += 1; i += 1; continue }
            guard b[i] == UInt8(ascii: "{"), i + 1 < b.count, b[i + 1] == UInt8(ascii: "{") else { i += 1; continue }
            let tagLine = line
            let triple = i + 2 < b.count && b[i + 2] == UInt8(ascii: "{")
            let start = i + (triple ? 3 : 2)
            var j = start
            while j + 1 < b.count, !(b[j] == UInt8(ascii: "}") && b[j + 1] == UInt8(ascii: "}")) { j += 1 }
            guard j + 1 < b.count else {
                problems.append(Problem(line: tagLine, message: "a tag opened with `{{` is never closed with `}}`"))
                return
            }
            var inner = String(decoding: b[start..<j], as: UTF8.self)
            line += inner.utf8.filter { $0 == 10 }.count
            i = j + 2
            if triple, i < b.count, b[i] == UInt8(ascii: "}") { i += 1 }
            inner = inner.trimmed()
            guard let sigil = inner.first else {
                problems.append(Problem(line: tagLine, message: "empty tag `{{}}`"))
                continue
            }
            let rest = String(inner.dropFirst()).trimmed()
            switch sigil {
            case "!", "%": continue
            case "=":
                problems.append(Problem(line: tagLine, message: "changing delimiters (`{{=…=}}`) is not supported in breachmail templates"))
                return
            case "#", "^":
                let name = Self.baseName(rest)
                uses.append(Use(name: name, kind: sigil == "#" ? .section : .inverted, line: tagLine, enclosing: stack,
                                transformed: name != rest))
                stack.append(name)
            case "/":
                let name = Self.baseName(rest)
                if stack.last == name { stack.removeLast() }
            case ">", "<", "$":
                problems.append(Problem(line: tagLine, message: "partials and blocks (`{{\(sigil)\(rest)}}`) are not used by breachmail templates; write the text in place"))
            case "&":
                let name = Self.baseName(rest)
                uses.append(Use(name: name, kind: .unescaped, line: tagLine, enclosing: stack, transformed: name != rest))
            default:
                let name = Self.baseName(inner)
                uses.append(Use(name: name, kind: triple ? .unescaped : .variable, line: tagLine, enclosing: stack,
                                transformed: name != inner))
            }
        }
    }

    /// `uppercased(incident.title)` → `incident.title`.
    static func baseName(_ s: String) -> String {
        var name = Substring(s)
        while let open = name.firstIndex(of: "("), name.last == ")" {
            name = name[name.index(after: open)..<name.index(before: name.endIndex)]
        }
        return String(name).trimmed()
    }
}

extension String {
    /// Without the white space (Unicode's) at either end.
    func trimmed() -> String {
        // Most values (every person's name, address and fields, for each message) start and end
        // with a visible ASCII character: nothing to trim, and no copy. Such a byte starts no
        // white space, and ends a character that is none (no white space combines before it).
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return self
        }
        return Self.trimmedCharacters(self)
    }

    /// `trimmed()`, a character at a time.
    static func trimmedCharacters(_ text: String) -> String {
        var s = Substring(text)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
