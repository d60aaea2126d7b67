public import Foundation
public import BreachCore
internal import Yams

/// An assessment answers file (`incident assess ID --answers FILE`): YAML with the question
/// keys of ``AssessmentAnswers`` (see its documentation, or `Config/examples/assessment.yaml`).
///
/// The file is read into a plain ``RawAnswer`` tree and decoded by the core, which names each
/// problem by question key (`dpc[0].factors`); the line of every key is kept so that problems
/// — including those found later against the incident — name the line to fix.
///
/// ```swift
/// let file = try AssessmentFile.load(URL(fileURLWithPath: "assessment.yaml"))
/// let assessment = try file.assess(against: IncidentFacts(record.incident))
/// ```
public struct AssessmentFile: Sendable {
    /// The path as given, used in problems.
    public let file: String
    /// The answers, decoded; not yet checked against the incident.
    public let answers: AssessmentAnswers
    /// The line of every key path (`circumstances.integrity`, `dpc[1]`, `dpc[1].score`).
    let lines: [String: Int]

    /// Reads and decodes an answers file.
    ///
    /// - Throws: ``FileProblems`` naming the file, the line and the question of every unreadable,
    ///   unknown or mistyped answer.
    public static func load(_ url: URL) throws(FileProblems) -> AssessmentFile {
        try parse(YAMLDocument.text(of: url), file: url.path)
    }

    /// Parses answers YAML; `file` only names the file in problems.
    ///
    /// - Throws: ``FileProblems``, as ``load(_:)``.
    public static func parse(_ text: String, file: String) throws(FileProblems) -> AssessmentFile {
        let document = YAMLDocument(file: file)
        guard let root = document.root(text) else { throw FileProblems(document.problems) }
        var converter = RawConverter(document: document)
        guard case .map(let values) = converter.convert(root.node, path: "") else {
            throw FileProblems(document.problems)
        }
        try document.throwIfProblems()
        switch AssessmentAnswers.fromRaw(values) {
        case .success(let answers):
            return AssessmentFile(file: file, answers: answers, lines: converter.lines)
        case .failure(let problems):
            throw FileProblems(problems.problems.map { Self.place($0, file: file, lines: converter.lines) })
        }
    }

    /// Checks the answers against the incident and assesses them.
    ///
    /// - Throws: ``FileProblems`` with every missing or contradictory answer, each on the line
    ///   of its question (the line of the enclosing key, or the file alone, when it is missing).
    public func assess(against facts: IncidentFacts) throws(FileProblems) -> Assessment {
        switch answers.assess(against: facts) {
        case .success(let assessment): return assessment
        case .failure(let problems): throw fileProblems(problems)
        }
    }

    /// The core's problems placed in this file.
    public func fileProblems(_ problems: AssessmentProblems) -> FileProblems {
        FileProblems(problems.problems.map { Self.place($0, file: file, lines: lines) })
    }

    /// The line of the problem's key; for a missing answer, the line of the nearest enclosing
    /// key (a missing `circumstances.malicious` points at `circumstances:`), else of the answer
    /// that makes it needed (`key_compromised` at `encrypted:`); nil when none is in the file.
    static func line(of problem: AssessmentProblem, in lines: [String: Int]) -> Int? {
        line(of: problem.key, in: lines) ?? problem.relatedKeys.lazy.compactMap { line(of: $0, in: lines) }.first
    }

    static func line(of key: String, in lines: [String: Int]) -> Int? {
        var path = Substring(key)
        while !path.isEmpty {
            if let line = lines[String(path)] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = path[..<cut]
        }
        return nil
    }

    private static func place(_ problem: AssessmentProblem, file: String, lines: [String: Int]) -> FileProblem {
        FileProblem(file: file, line: line(of: problem, in: lines), key: problem.key, message: problem.message + ".")
    }
}

/// Turns Yams nodes into ``RawAnswer`` values the way the YAML core schema reads plain scalars,
/// recording the line of each key path on the way.
private struct RawConverter {
    let document: YAMLDocument
    var lines: [String: Int] = [:]

    init(document: YAMLDocument) { self.document = document }

    mutating func convert(_ node: Node, path: String) -> RawAnswer {
        switch node {
        case .scalar(let scalar):
            return Self.value(scalar)
        case .sequence(let sequence):
            return .list(sequence.enumerated().map { index, item in
                let itemPath = "\(path)[\(index)]"
                if let line = item.mark?.line { lines[itemPath] = line }
                return convert(item, path: itemPath)
            })
        case .mapping(let mapping):
            var result: [String: RawAnswer] = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.string else {
                    document.report(keyNode, path, "has a key that is not a word; write `key: value` with a plain key.")
                    continue
                }
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                if let line = keyNode.mark?.line { lines[keyPath] = line }
                result[key] = convert(value, path: keyPath)
            }
            return .map(result)
        case .alias:
            document.report(node, path, "is an alias (*name); write the value itself.")
            return .null
        }
    }

    /// A quoted scalar is always text; a plain one may be null, a boolean or a number.
    static func value(_ scalar: Node.Scalar) -> RawAnswer {
        let text = scalar.string
        guard scalar.style == .plain else { return .string(text) }
        switch text.lowercased() {
        case "", "~", "null": return .null
        case "true", "yes": return .bool(true)
        case "false", "no": return .bool(false)
        default: break
        }
        guard let first = text.first, first.isNumber || first == "-" || first == "+" || first == "." else {
            return .string(text)
        }
        let digits = text.replacingOccurrences(of: "_", with: "")
        if let integer = Int(digits) { return .integer(integer) }
        if let number = Double(digits), number.isFinite { return .number(number) }
        return .string(text)
    }
}
