/// One answer that cannot be used: the question it concerns (its stable key, e.g.
/// `circumstances.confidentiality` or `dpc[1].factors`) and what is expected instead.
public struct AssessmentProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The key of the question to fix.
    public let key: String
    /// Other questions (or incident fields, `incident.…`) the answer contradicts.
    public let relatedKeys: [String]
    /// What is wrong and what is expected, in English.
    public let message: String

    public init(key: String, relatedKeys: [String] = [], message: String) {
        self.key = key
        self.relatedKeys = relatedKeys
        self.message = message
    }

    /// `key: message`, the line the CLI prints.
    public var description: String { "\(key): \(message)" }
}

/// Every problem found in a set of answers; an assessment is computed only when there is none.
public struct AssessmentProblems: Error, Sendable, Equatable, CustomStringConvertible {
    /// In question order, then in the order found.
    public let problems: [AssessmentProblem]

    public init(_ problems: [AssessmentProblem]) { self.problems = problems }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

extension [String] {
    /// `a, b or c`: how the problems list what is expected.
    func orList() -> String {
        count < 2 ? joined() : dropLast().joined(separator: ", ") + " or " + last!
    }
}
