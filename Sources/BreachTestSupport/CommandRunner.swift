public import Foundation

/// What a finished process left behind.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs real programs for tests: the `breachmail` binary, `sqlite3`, `gpg`… with a time limit.
public enum CommandRunner {
    /// The package's root directory (for `Config/`, `Templates/`, fixtures).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// The `breachmail` executable built beside the running test bundle.
    public static var breachmail: URL {
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("breachmail")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/breachmail")
    }

    /// Runs `breachmail ARGS` with a clean environment plus `environment`.
    public static func breachmail(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
                                  input: String? = nil) throws -> ProcessResult {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                   "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
                   "BREACHMAIL_SHARE": packageRoot.path, "BREACHMAIL_ACTOR": "test-dpo"]
        env.merge(environment) { $1 }
        return try run(breachmail, arguments, environment: env, directory: directory, input: input)
    }

    /// Runs a program found on PATH (or at an absolute path), waiting at most `timeout` seconds.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil,
                           directory: URL? = nil, input: String? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
        let url = program.hasPrefix("/") ? URL(fileURLWithPath: program) : try which(program)
        return try run(url, arguments, environment: environment, directory: directory, input: input, timeout: timeout)
    }

    public static func run(_ url: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
                           input: String? = nil, timeout: TimeInterval = 60) throws -> ProcessResult {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes while the process runs, so that a chatty process never blocks on a full pipe.
        let collected = Collected()
        let group = DispatchGroup()
        for (index, pipe) in [out, err].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(index, data)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            // A child of a threaded test process may have SIGTERM blocked: then it is killed.
            if group.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            group.wait()
            throw RunnerError(message: "\(url.lastPathComponent) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             stdout: String(decoding: collected.get(0), as: UTF8.self),
                             stderr: String(decoding: collected.get(1), as: UTF8.self))
    }

    public static func which(_ program: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = URL(fileURLWithPath: dir).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw RunnerError(message: "\(program) is not installed; run .ci/run or install it with apt-get")
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [Int: Data] = [:]
        func set(_ i: Int, _ d: Data) { lock.lock(); data[i] = d; lock.unlock() }
        func get(_ i: Int) -> Data { lock.lock(); defer { lock.unlock() }; return data[i] ?? Data() }
    }
}

public struct RunnerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension CommandRunner {
    /// The example incident file and subjects CSV shipped in `Config/examples/`.
    public static let exampleIncident = packageRoot.appendingPathComponent("Config/examples/incident.yaml")
    public static let exampleSubjects = packageRoot.appendingPathComponent("Config/examples/subjects.csv")

    /// The working directory most tests start from: `breachmail init WORK`, the example incident
    /// opened (BR-2026-0001) and, when `subjects` is given, that CSV imported. Each step goes
    /// through `run`, the suite's own way of calling the binary (its environment and clock).
    ///
    /// - Throws: ``RunnerError`` naming the step and carrying its error output.
    public static func makeExampleWorkingDirectory(
        _ work: URL, subjects: URL? = nil, run: ([String]) throws -> ProcessResult
    ) throws {
        var steps = [["init", work.path], ["incident", "open", exampleIncident.path]]
        if let subjects { steps.append(["subjects", "import", "BR-2026-0001", subjects.path]) }
        for step in steps {
            let result = try run(step)
            guard result.status == 0 else {
                throw RunnerError(message: "breachmail \(step.joined(separator: " ")) failed: \(result.stdout) \(result.stderr)")
            }
        }
    }
}
