public import BreachCurl
import Foundation

/// Where and how breachmail hands its messages over. Loaded by the configuration layer; the
/// names in errors (`transport.url`, …) are the keys of its `transport:` section.
///
/// ```swift
/// var configuration = TransportConfiguration(url: "smtp://relay.example.org:587")
/// configuration.username = "dpo"
/// configuration.password = ProcessInfo.processInfo.environment["BREACHMAIL_SMTP_PASSWORD"]
/// let transport = try Transport.make(configuration, logger: logger)
/// ```
public struct TransportConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// `smtp://host[:port]` (STARTTLS required, port 587 by default),
    /// `smtps://host[:port]` (implicit TLS, port 465 by default) or `outbox:DIR` (a Maildir).
    public var url: String
    /// Connections used in parallel, each on a thread of its own. Default 1; 1…64.
    public var connections: Int = 1
    /// Most messages per second over all connections; `nil` for no limit. Default `nil`.
    public var messagesPerSecond: Double?
    /// Messages sent on one connection before it is closed and a new one opened. Default 100.
    public var maxMessagesPerConnection: Int = 100
    /// Longest wait for the TCP connection and the TLS handshake. Default 30 s.
    public var connectTimeout: Duration = .seconds(30)
    /// Longest time for one message's whole transaction. Default 5 min.
    public var timeout: Duration = .seconds(300)
    /// A PEM file of CA certificates to trust instead of the system's. Default none.
    public var caFile: String?
    /// Allows `smtp://` without TLS, to a loopback host only (a local MTA). Default `false`.
    public var allowPlaintextLoopback = false
    /// AUTH login. Default none.
    public var username: String?
    /// AUTH password (secret: read it from the environment or a file, never argv). Default none.
    public var password: String?
    /// The name given in EHLO. Default: the local host name.
    public var ehloName: String?
    /// Where turns are taken when several processes share `messagesPerSecond` (workers on one
    /// register); nil: the limit is this process's. Default nil.
    public var sharedTurns: (any SharedSendTurns)?
    /// `--verbose`: receives each line of the SMTP conversation, addresses masked. Not a key of
    /// the configuration file. Default none: nothing is formatted.
    public var conversation: (@Sendable (String) -> Void)?

    /// A configuration with the defaults above.
    public init(url: String) { self.url = url }

    public var description: String {
        "TransportConfiguration(url: \(url), connections: \(connections), password: \(password == nil ? "none" : "<redacted>"))"
    }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }

    /// Checks every setting and says where the messages go.
    ///
    /// - Throws: ``TransportConfigurationError`` naming the setting and the fix.
    public func endpoint() throws(TransportConfigurationError) -> TransportEndpoint {
        try checkLimits()
        if url.hasPrefix("outbox:") {
            let directory = String(url.dropFirst("outbox:".count))
            guard !directory.isEmpty else {
                throw TransportConfigurationError(setting: "transport.url", problem: "'outbox:' names no directory", fix: "write outbox:DIR, e.g. outbox:./outbox")
            }
            return .outbox(directory: directory)
        }
        return .smtp(try sessionOptions())
    }

    private func sessionOptions() throws(TransportConfigurationError) -> SMTPSessionOptions {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let rawHost = components.host, !rawHost.isEmpty
        else {
            throw TransportConfigurationError(
                setting: "transport.url", problem: "'\(url)' is not a transport URL",
                fix: "write smtp://host:port (STARTTLS), smtps://host:port (TLS) or outbox:DIR")
        }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let loopback = SMTPSessionOptions.isLoopback(host: host)
        var security: SMTPSessionOptions.Security = scheme == "smtps" ? .implicitTLS : .startTLS
        if allowPlaintextLoopback {
            guard scheme == "smtp" else {
                throw TransportConfigurationError(
                    setting: "transport.allow_plaintext_loopback", problem: "clear text was asked for an smtps:// URL",
                    fix: "use smtp:// for a clear-text loopback relay, or remove allow_plaintext_loopback")
            }
            guard loopback else {
                throw TransportConfigurationError(
                    setting: "transport.allow_plaintext_loopback",
                    problem: "clear text is allowed to a loopback host only (127.0.0.1, ::1, localhost), and '\(host)' is not one",
                    fix: "remove allow_plaintext_loopback so that STARTTLS is required, or send to a local MTA")
            }
            security = .plaintextLoopback
        }
        if password != nil && username == nil {
            throw TransportConfigurationError(
                setting: "transport.username", problem: "a password is set without a username", fix: "set the username the relay expects")
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw TransportConfigurationError(
                setting: "transport.ca_file", problem: "'\(caFile)' cannot be read", fix: "give the path of a readable PEM file of CA certificates")
        }
        var options = SMTPSessionOptions(
            host: host, port: components.port ?? (scheme == "smtps" ? 465 : 587), security: security,
            caFile: caFile, connectTimeout: connectTimeout, timeout: timeout, username: username,
            password: password, maxMessagesPerConnection: maxMessagesPerConnection, ehloName: ehloName)
        options.conversation = conversation
        return options
    }

    private func checkLimits() throws(TransportConfigurationError) {
        guard (1...64).contains(connections) else {
            throw TransportConfigurationError(setting: "transport.connections", problem: "\(connections) is out of range", fix: "give a number from 1 to 64")
        }
        if let rate = messagesPerSecond, !(rate > 0 && rate.isFinite) {
            throw TransportConfigurationError(setting: "transport.messages_per_second", problem: "\(rate) is not a positive rate", fix: "give a number above 0, or remove the setting for no limit")
        }
        guard maxMessagesPerConnection >= 1 else {
            throw TransportConfigurationError(setting: "transport.max_messages_per_connection", problem: "\(maxMessagesPerConnection) is below 1", fix: "give 1 or more")
        }
        guard connectTimeout > .zero, timeout > .zero else {
            throw TransportConfigurationError(setting: connectTimeout > .zero ? "transport.timeout" : "transport.connect_timeout", problem: "a timeout must be longer than zero", fix: "give a number of seconds above 0")
        }
    }
}

/// Where messages go, once the configuration is checked.
public enum TransportEndpoint: Sendable {
    /// A relay over SMTP.
    case smtp(SMTPSessionOptions)
    /// A Maildir on disk.
    case outbox(directory: String)
}

/// A transport setting that cannot work: which setting, what is wrong, how to fix it.
public struct TransportConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key, e.g. `transport.url`.
    public let setting: String
    /// What is wrong.
    public let problem: String
    /// What to write instead.
    public let fix: String

    /// An error from its parts.
    public init(setting: String, problem: String, fix: String) {
        self.setting = setting
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "\(setting): \(problem); \(fix)." }
}

/// Turns to send, shared by every process sending to one relay: each call reserves `count`
/// consecutive turns `interval` seconds apart, after every turn reserved before by anyone.
public protocol SharedSendTurns: Sendable {
    /// Reserves `count` turns `interval` seconds apart; returns in how many seconds the first is.
    func reserve(count: Int, interval: Double) throws -> Double
}
