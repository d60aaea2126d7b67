/// One thing wrong in a configuration or incident file, placed by file, line and key.
public struct FileProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line, or nil when the problem is about the whole file.
    public var line: Int?
    /// The key path in the file, e.g. `period.start` or `authorities[1].fingerprint`.
    public var key: String
    /// What is wrong and how to fix it, in one sentence or two.
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// A file that could not be used: every problem found, each on its own line. Nothing was written.
public struct FileProblems: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [FileProblem]
    public init(_ problems: [FileProblem]) { self.problems = problems }
    public var description: String {
        problems.count == 1
            ? problems[0].description
            : "\(problems.count) problems:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
