public import Foundation

/// A real `breachmail serve` process on 127.0.0.1 port 0, for tests: started, its address read
/// from its first line, stopped by SIGTERM (or killed) by the test.
public final class ServeProcess: @unchecked Sendable {
    public let process: Process
    /// `http://127.0.0.1:PORT` (or https).
    public let url: String
    public var pid: Int32 { process.processIdentifier }
    private let stderrPipe: Pipe
    private let collectedErrors = Buffer()

    /// Starts `breachmail serve --listen 127.0.0.1:0 ARGS` and waits until it prints the address.
    ///
    /// - Throws: ``RunnerError`` when it exits first or prints nothing within `timeout` seconds,
    ///   with its error output.
    public init(work: URL, arguments: [String] = [], environment: [String: String] = [:], timeout: TimeInterval = 60) throws {
        process = Process()
        process.executableURL = CommandRunner.breachmail
        process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                   "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
                   "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "test-dpo",
                   "BREACHMAIL_DIR": work.path]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        stderrPipe = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = collectedErrors
        let errorHandle = stderrPipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let data = errorHandle.availableData
                if data.isEmpty { break }
                errors.append(data)
            }
        }
        let firstLine = Buffer()
        let outHandle = out.fileHandleForReading
        let ready = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while true {
                let data = outHandle.availableData
                if data.isEmpty { break }
                firstLine.append(data)
                if firstLine.text.contains("\n") { ready.signal() }
            }
            ready.signal()
        }
        let timedOut = ready.wait(timeout: .now() + timeout) == .timedOut
        let line = firstLine.text.split(separator: "\n").first.map(String.init) ?? ""
        let prefix = "breachmail serve: listening on "
        guard !timedOut, line.hasPrefix(prefix) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw RunnerError(message: "breachmail serve did not start: \(line) \(collectedErrors.text)")
        }
        url = String(line.dropFirst(prefix.count))
    }

    /// What it wrote to standard error so far (its log).
    public var log: String { collectedErrors.text }

    /// Sends `signal` and waits at most `timeout` seconds for the exit.
    ///
    /// - Returns: the exit status and how long it took.
    /// - Throws: ``RunnerError`` when it is still running then (it is killed).
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 10) throws -> (status: Int32, seconds: TimeInterval) {
        let start = Date()
        kill(process.processIdentifier, signal)
        while process.isRunning && Date().timeIntervalSince(start) < timeout { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw RunnerError(message: "breachmail serve still ran \(Int(timeout)) s after signal \(signal); killed")
        }
        process.waitUntilExit()
        return (process.terminationStatus, Date().timeIntervalSince(start))
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private final class Buffer: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ more: Data) { lock.lock(); data.append(more); lock.unlock() }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }
}

/// One HTTP exchange made with the real `curl` command (Debian package `curl`).
public struct HTTPExchange: Sendable {
    public let status: Int
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: String
    /// Every `Set-Cookie` header, in order (``headers`` keeps only the last of a repeated name).
    public var setCookies: [String] = []

    /// `curl -i` to `url`, with `headers` ("Name: value"), an optional body, a CA file for https.
    ///
    /// - Throws: ``RunnerError`` when curl fails (connection refused, TLS failure), with its message.
    public static func send(_ method: String = "GET", _ url: String, headers: [String] = [], body: Data? = nil,
                            caFile: String? = nil) throws -> HTTPExchange {
        var arguments = ["-sS", "-i", "--max-time", "20", "-X", method]
        for header in headers { arguments += ["-H", header] }
        if let caFile { arguments += ["--cacert", caFile] }
        // The body goes through a file: curl sends it with its Content-Length, without `Expect: 100-continue`.
        let bodyDirectory = try TemporaryDirectory("curl-body")
        if let body {
            try body.write(to: bodyDirectory.file("body"))
            arguments += ["-H", "Expect:", "--data-binary", "@\(bodyDirectory.file("body").path)"]
        }
        let result = try withExtendedLifetime(bodyDirectory) { try CommandRunner.run("curl", arguments + [url], timeout: 30) }
        guard result.status == 0 else { throw RunnerError(message: "curl \(method) \(url) failed (\(result.status)): \(result.stderr)") }
        var text = Substring(result.stdout)
        // Skip interim responses (100 Continue).
        while text.hasPrefix("HTTP/1.1 1"), let end = text.range(of: "\r\n\r\n") { text = text[end.upperBound...] }
        guard let end = text.range(of: "\r\n\r\n") else { throw RunnerError(message: "curl printed no HTTP response: \(result.stdout)") }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw RunnerError(message: "not an HTTP status line: \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        var cookies: [String] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[line[..<colon].lowercased()] = value
            if line[..<colon].lowercased() == "set-cookie" { cookies.append(value) }
        }
        return HTTPExchange(status: status, headers: headers, body: String(text[end.upperBound...]), setCookies: cookies)
    }
}
