public import Foundation

/// A real SMTP server on 127.0.0.1 for one test: `Tests/Servers/smtp_server.py` on Debian's
/// `/usr/bin/python3` with `python3-aiosmtpd`. Stopped when the value goes away.
///
/// ```swift
/// let server = try SMTPTestServer(faults: ["gone@example.test": .reply(550)])
/// // send to smtp://127.0.0.1:\(server.port)
/// let messages = try server.waitForMessages(1)
/// ```
public final class SMTPTestServer: @unchecked Sendable {
    /// How the server protects sessions.
    public enum Mode: String, Sendable {
        /// No TLS offered.
        case plain
        /// STARTTLS offered and required before MAIL.
        case startTLS = "starttls"
        /// TLS from the first byte (smtps).
        case implicitTLS = "implicit"
    }

    /// A fault for one recipient.
    public enum Fault: Sendable {
        /// Reply this code to RCPT TO: 421 (and close), 451, 452, 550 or 552.
        case reply(Int)
        /// Reply 550 at the end of data.
        case rejectMessage
        /// Cut the connection after the first line of data.
        case dropDuringData
        /// Wait before the end-of-data reply.
        case delay(seconds: Double)

        var argument: String {
            switch self {
            case .reply(let code): String(code)
            case .rejectMessage: "data550"
            case .dropDuringData: "drop"
            case .delay(let seconds): "delay:\(seconds)"
            }
        }
    }

    /// A relay that refuses every recipient with 451 ("try again in 5 minutes").
    public enum Outage: Sendable {
        case none
        /// For this long after the server starts, then it accepts as usual.
        case `for`(seconds: Double)
        /// Never recovers.
        case forever
    }

    /// How many RCPT TO the server refused in an outage so far.
    public func refusedInOutage() -> Int {
        (try? String(contentsOf: records.file("refused.count"), encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    /// One message as the server received it.
    public struct ReceivedMessage: Sendable {
        public let mailFrom: String
        public let recipients: [String]
        /// The exact bytes after the end of data, dot-stuffing undone.
        public let bytes: [UInt8]
        /// The client's port: one per connection.
        public let peerPort: Int
        /// Whether the session was under TLS.
        public let tls: Bool
        /// The AUTH login, if the client logged in.
        public let login: String?
        /// When the server wrote it down (its record's modification time).
        public var receivedAt: Date = .distantPast
    }

    /// The port the server listens on, on 127.0.0.1.
    public let port: Int
    private let process: Process
    private let records: TemporaryDirectory

    /// Starts the server and waits (at most 10 s) until it listens.
    ///
    /// - Throws: when the server does not start; its error output is in the message.
    public init(
        mode: Mode = .plain,
        certificate: TestCertificates.Pair? = nil,
        login: (user: String, password: String)? = nil,
        faults: [String: Fault] = [:],
        outage: Outage = .none
    ) throws {
        records = try TemporaryDirectory("breachmail-smtp")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Tests/Servers/smtp_server.py").standardizedFileURL.path
        var arguments = [script, "--record", records.path, "--mode", mode.rawValue]
        if let certificate { arguments += ["--cert", certificate.certificate, "--key", certificate.key] }
        if let login { arguments += ["--user", login.user] }
        for (address, fault) in faults.sorted(by: { $0.key < $1.key }) {
            arguments += ["--rule", "\(address)=\(fault.argument)"]
        }
        switch outage {
        case .none: break
        case .for(let seconds): arguments += ["--outage", String(seconds)]
        case .forever: arguments += ["--outage", "-1"]
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SMTP_TEST_PASSWORD"] = login?.password ?? ""
        process.environment = environment
        let output = Pipe()
        let errorLog = records.file("server.log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardOutput = output
        // The server stops when this pipe closes, even if the test process is killed.
        process.standardInput = Pipe()
        process.standardError = try FileHandle(forWritingTo: errorLog)
        try process.run()

        let reader = PortReader(output.fileHandleForReading)
        guard let port = reader.wait(seconds: 10) else {
            kill(process.processIdentifier, SIGKILL)
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw ProcessRunner.Failure(description: "the SMTP test server did not start within 10 s: \(log)")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        let end = Date().addingTimeInterval(5)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Every message received so far, in order of arrival.
    public func receivedMessages() throws -> [ReceivedMessage] {
        let names = try FileManager.default.contentsOfDirectory(atPath: records.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: records.file(name))) as? [String: Any] ?? [:]
            let bytes = try Data(contentsOf: records.file(name.replacingOccurrences(of: ".json", with: ".eml")))
            return ReceivedMessage(
                mailFrom: meta["mail_from"] as? String ?? "",
                recipients: meta["rcpt_tos"] as? [String] ?? [],
                bytes: Array(bytes),
                peerPort: meta["peer_port"] as? Int ?? 0,
                tls: meta["tls"] as? Bool ?? false,
                login: meta["login"] as? String,
                receivedAt: (try? FileManager.default.attributesOfItem(atPath: records.file(name).path)[.modificationDate] as? Date) ?? .distantPast)
        }
    }

    /// Waits until at least `count` messages have arrived, at most `seconds`, and returns all.
    public func waitForMessages(_ count: Int, seconds: Double = 10) throws -> [ReceivedMessage] {
        let end = Date().addingTimeInterval(seconds)
        while true {
            let messages = try receivedMessages()
            if messages.count >= count || Date() > end { return messages }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

/// Reads the "PORT n" line on a thread of its own so that the wait for it can be bounded.
private final class PortReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var port: Int?

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var line = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
                if line.contains(0x0A) { break }
            }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("PORT "), let value = Int(text.dropFirst(5).prefix(while: \.isNumber)) {
                port = value
            }
            done.signal()
        }
    }

    func wait(seconds: Double) -> Int? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return port
    }
}
