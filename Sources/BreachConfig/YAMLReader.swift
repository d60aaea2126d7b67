import Foundation
internal import Yams
import BreachCore

/// Reads a YAML file through Yams' node tree so that every problem can name its line, and
/// collects all problems instead of stopping at the first.
final class YAMLDocument {
    let file: String
    private(set) var problems: [FileProblem] = []

    init(file: String) { self.file = file }

    /// Reads a YAML file as UTF-8 text, or the problem that names it.
    static func text(of url: URL) throws(FileProblems) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw FileProblems([FileProblem(file: url.path, line: nil, key: "",
                                            message: "cannot be read as UTF-8 text; check the path and the encoding.")])
        }
    }

    /// Parses `text`; returns the root mapping or records why it cannot.
    func root(_ text: String) -> MappingReader? {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            problems.append(Self.problem(for: error, file: file))
            return nil
        } catch {
            problems.append(FileProblem(file: file, line: nil, key: "", message: "is not valid YAML (\(error))."))
            return nil
        }
        guard let node else {
            problems.append(FileProblem(file: file, line: nil, key: "", message: "is empty; fill in the template."))
            return nil
        }
        guard case .mapping = node else {
            report(node, "", "must be a mapping of `key: value` lines at the top level.")
            return nil
        }
        return MappingReader(document: self, node: node, path: "")
    }

    func report(_ node: Node?, _ key: String, _ message: String) {
        problems.append(FileProblem(file: file, line: node?.mark?.line, key: key, message: message))
    }

    func report(line: Int?, _ key: String, _ message: String) {
        problems.append(FileProblem(file: file, line: line, key: key, message: message))
    }

    func throwIfProblems() throws(FileProblems) {
        if !problems.isEmpty { throw FileProblems(problems) }
    }

    private static func problem(for error: YamlError, file: String) -> FileProblem {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            return FileProblem(file: file, line: context.mark.line, key: duplicates.joined(separator: ", "),
                               message: "appears more than once in the same mapping; keep one.")
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            return FileProblem(file: file, line: mark.line, key: "",
                               message: "is not valid YAML (\(what)); check the indentation and quotes on this line.")
        default:
            return FileProblem(file: file, line: nil, key: "", message: "is not valid YAML (\(error)).")
        }
    }
}

/// A mapping in the file; reading a key marks it known, and `finish()` reports unknown keys.
struct MappingReader {
    let document: YAMLDocument
    let node: Node
    let path: String
    private let entries: [(key: String, keyNode: Node, value: Node)]
    private let seen: SeenKeys

    final class SeenKeys { var keys: Set<String> = [] }

    init(document: YAMLDocument, node: Node, path: String) {
        self.document = document
        self.node = node
        self.path = path
        // Yams refuses duplicate keys while parsing, so each key appears once here.
        if case .mapping(let mapping) = node {
            entries = mapping.map { (key: $0.key.string ?? "", keyNode: $0.key, value: $0.value) }
        } else {
            entries = []
        }
        self.seen = SeenKeys()
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var line: Int? { node.mark?.line }

    /// The keys of the mapping, in the file's order.
    var keys: [String] { entries.map(\.key) }

    func keyPath(_ key: String) -> String { Self.join(path, key) }

    /// The value node of `key`, nil when absent or null.
    func value(_ key: String) -> Node? {
        seen.keys.insert(key)
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .scalar(let s) = entry.value, s.style == .plain, ["", "~", "null", "Null", "NULL"].contains(s.string) {
            return nil
        }
        return entry.value
    }

    /// The line of `key` itself when present, otherwise the mapping's line.
    func lineOf(_ key: String) -> Int? {
        entries.first(where: { $0.key == key })?.keyNode.mark?.line ?? line
    }

    func missing(_ key: String, _ expected: String) {
        document.report(line: lineOf(key), keyPath(key), "is missing; expected \(expected).")
    }

    /// Reports every key that no reader asked for: a typo must not be silently ignored.
    func finish(known hint: [String]? = nil) {
        for entry in entries where !seen.keys.contains(entry.key) {
            let list = (hint ?? seen.keys.sorted()).joined(separator: ", ")
            document.report(entry.keyNode, keyPath(entry.key), "is not a known key; known keys here: \(list).")
        }
    }

    // MARK: Typed readers

    func text(_ key: String, required: Bool = false, expected: String = "a text") -> String? {
        guard let node = value(key) else {
            if required { missing(key, expected) }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            document.report(node, keyPath(key), "must be \(expected), not a list or mapping.")
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
        if required && text.isEmpty {
            document.report(node, keyPath(key), "is empty; expected \(expected).")
            return nil
        }
        return text
    }

    /// Whether `key` holds the plain word `word` (any case), e.g. `unknown` where a number may be.
    func isWord(_ key: String, _ word: String) -> Bool {
        guard let node = entries.first(where: { $0.key == key })?.value, case .scalar(let scalar) = node else { return false }
        guard scalar.string.trimmingCharacters(in: .whitespaces).lowercased() == word else { return false }
        _ = value(key)
        return true
    }

    func int(_ key: String, required: Bool = false, range: ClosedRange<Int> = 0...Int.max, expected: String) -> Int? {
        guard let node = value(key) else {
            if required { missing(key, expected) }
            return nil
        }
        guard case .scalar(let scalar) = node, let number = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            document.report(node, keyPath(key), "must be \(expected), got \(Self.show(node)).")
            return nil
        }
        guard range.contains(number) else {
            document.report(node, keyPath(key), "must be \(expected), got \(number).")
            return nil
        }
        return number
    }

    func double(_ key: String, range: ClosedRange<Double>, expected: String) -> Double? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node, let number = Double(scalar.string), range.contains(number) else {
            document.report(node, keyPath(key), "must be \(expected), got \(Self.show(node)).")
            return nil
        }
        return number
    }

    func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let node = value(key) else {
            if required { missing(key, "true or false") }
            return nil
        }
        guard case .scalar(let scalar) = node, let flag = Self.bools[scalar.string.lowercased()] else {
            document.report(node, keyPath(key), "must be true or false, got \(Self.show(node)).")
            return nil
        }
        return flag
    }

    private static let bools = ["true": true, "yes": true, "false": false, "no": false]

    func time(_ key: String, required: Bool = false) -> ZonedTime? {
        let expected = "a date and time with its UTC offset, e.g. 2026-11-20T09:30:00+01:00"
        guard let node = value(key) else {
            if required { missing(key, expected) }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            document.report(node, keyPath(key), "must be \(expected).")
            return nil
        }
        if let time = ZonedTime(rfc3339: scalar.string) { return time }
        let text = scalar.string
        let hasTime = text.count >= 16
        let noZone = hasTime && ZonedTime(rfc3339: text + "Z") != nil
            || ZonedTime(rfc3339: text.replacingOccurrences(of: " ", with: "T") + "Z") != nil
        if noZone {
            document.report(node, keyPath(key),
                            "\"\(text)\" has no time zone; add the UTC offset, e.g. \(text.replacingOccurrences(of: " ", with: "T"))+01:00.")
        } else {
            document.report(node, keyPath(key), "\"\(text)\" is not a date and time; expected \(expected).")
        }
        return nil
    }

    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, required: Bool = false) -> E?
    where E.RawValue == String {
        let known = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let node = value(key) else {
            if required { missing(key, "one of: \(known)") }
            return nil
        }
        guard case .scalar(let scalar) = node else {
            document.report(node, keyPath(key), "must be one of: \(known).")
            return nil
        }
        guard let value = E(rawValue: scalar.string) else {
            document.report(node, keyPath(key), Vocabulary.unknown(scalar.string, known: E.allCases.map(\.rawValue), intro: "use one of"))
            return nil
        }
        return value
    }

    /// A list of words from a closed vocabulary; duplicates are harmless.
    func choices<E: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: E.Type, required: Bool = false) -> Set<E>?
    where E.RawValue == String {
        let known = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let node = value(key) else {
            if required { missing(key, "a list of one or more of: \(known)") }
            return required ? nil : []
        }
        let items: [Node]
        switch node {
        case .sequence(let seq): items = Array(seq)
        case .scalar: items = [node]
        default:
            document.report(node, keyPath(key), "must be a list of: \(known).")
            return nil
        }
        var result = Set<E>()
        var ok = true
        for item in items {
            guard let word = item.string, let value = E(rawValue: word) else {
                document.report(item, keyPath(key), Vocabulary.unknown(Self.show(item), known: E.allCases.map(\.rawValue), intro: "use any of"))
                ok = false
                continue
            }
            result.insert(value)
        }
        if ok && required && result.isEmpty {
            document.report(node, keyPath(key), "is empty; give at least one of: \(known).")
            return nil
        }
        return ok ? result : nil
    }

    func texts(_ key: String) -> [String] {
        guard let node = value(key) else { return [] }
        switch node {
        case .sequence(let seq): return seq.compactMap { $0.string }
        case .scalar(let s): return s.string.isEmpty ? [] : [s.string]
        default:
            document.report(node, keyPath(key), "must be a list of texts.")
            return []
        }
    }

    func mapping(_ key: String, required: Bool = false, expected: String = "a mapping") -> MappingReader? {
        guard let node = value(key) else {
            if required { missing(key, expected) }
            return nil
        }
        guard case .mapping = node else {
            document.report(node, keyPath(key), "must be \(expected) (indented `key: value` lines).")
            return nil
        }
        return MappingReader(document: document, node: node, path: keyPath(key))
    }

    /// A list of mappings, each read with its index in the path: `other_organisations[2].name`.
    func mappings(_ key: String) -> [MappingReader] {
        guard let node = value(key) else { return [] }
        guard case .sequence(let seq) = node else {
            document.report(node, keyPath(key), "must be a list (lines starting with `- `).")
            return []
        }
        return seq.enumerated().compactMap { index, item in
            guard case .mapping = item else {
                document.report(item, "\(keyPath(key))[\(index + 1)]", "must be a mapping of `key: value` lines.")
                return nil
            }
            return MappingReader(document: document, node: item, path: "\(keyPath(key))[\(index + 1)]")
        }
    }

    static func show(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return "\"\(s.string)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
