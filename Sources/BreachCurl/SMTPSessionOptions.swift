/// How to reach one relay: address, TLS, credentials, timeouts.
///
/// Verification of the relay's certificate (peer and host name) is always on; there is no
/// option to turn it off.
public struct SMTPSessionOptions: Sendable {
    /// How the session is protected.
    public enum Security: Sendable, Equatable {
        /// `smtp://`: STARTTLS is required (`CURLUSESSL_ALL`); a server without it is refused.
        case startTLS
        /// `smtps://`: TLS from the first byte.
        case implicitTLS
        /// `smtp://` without TLS: only to a loopback host (a local MTA or test server).
        case plaintextLoopback
    }

    /// Host name or IP address of the relay.
    public var host: String
    /// TCP port.
    public var port: Int
    /// STARTTLS, implicit TLS or, to loopback only, clear text.
    public var security: Security
    /// A PEM file of CA certificates to trust instead of the system's; `nil` for the system's.
    public var caFile: String?
    /// Longest wait for the TCP connection and the TLS handshake. Default 30 s.
    public var connectTimeout: Duration
    /// Longest time for one message's whole transaction. Default 5 min.
    public var timeout: Duration
    /// Login name for AUTH, if the relay wants one.
    public var username: String?
    /// Password for AUTH; the caller reads it from the environment or a file, never argv.
    public var password: String?
    /// Close the connection after this many messages and open a new one. Default 100.
    public var maxMessagesPerConnection: Int
    /// The name given in EHLO; `nil` lets libcurl use the local host name.
    public var ehloName: String?
    /// Receives each line of the SMTP conversation, addresses masked (see ``SMTPConversation``),
    /// for `--verbose`. `nil` (the default): nothing is formatted.
    public var conversation: (@Sendable (String) -> Void)?

    /// Options with the defaults above.
    public init(
        host: String,
        port: Int,
        security: Security = .startTLS,
        caFile: String? = nil,
        connectTimeout: Duration = .seconds(30),
        timeout: Duration = .seconds(300),
        username: String? = nil,
        password: String? = nil,
        maxMessagesPerConnection: Int = 100,
        ehloName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.username = username
        self.password = password
        self.maxMessagesPerConnection = maxMessagesPerConnection
        self.ehloName = ehloName
    }

    /// Whether `host` is a loopback name or address: `localhost`, `127.0.0.0/8`, `::1`.
    ///
    /// libcurl (since 7.78) resolves `localhost` to loopback itself, without asking DNS.
    public static func isLoopback(host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// The URL libcurl is given: scheme, host, port and the EHLO name as its path.
    var url: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed):\(port)/\(ehloName ?? "")"
    }
}
