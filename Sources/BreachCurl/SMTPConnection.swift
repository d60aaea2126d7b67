public import BreachCore
internal import CCurl

/// One libcurl easy handle speaking SMTP to one relay, reused message after message so that
/// libcurl keeps the connection (and its TLS session and login) open between them.
///
/// Not `Sendable`: a handle belongs to one thread at a time. `send` blocks that thread for
/// the whole transaction; call it from a thread of your own, never from Swift's cooperative
/// pool.
///
/// ```swift
/// let connection = try SMTPConnection(options: SMTPSessionOptions(host: "relay.example.org", port: 587))
/// let outcome = connection.send(message)
/// ```
public final class SMTPConnection {
    private let handle: UnsafeMutableRawPointer
    private let options: SMTPSessionOptions
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let context = TransferContext()
    /// Messages sent on the connection libcurl holds now.
    private var messagesOnConnection = 0
    /// After a failure, the next transaction starts on a new connection.
    private var needsFreshConnection = false

    /// Opens a handle with the relay's options; connects lazily, on the first `send`.
    ///
    /// - Throws: ``CurlError`` when libcurl cannot create the handle or refuses an option
    ///   (for example a libcurl built without TLS).
    public init(options: SMTPSessionOptions) throws(CurlError) {
        try Curl.initialise()
        guard let handle = curl_easy_init() else {
            throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init returned NULL", operation: "create an easy handle")
        }
        self.handle = handle
        self.options = options
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try configure()
    }

    deinit {
        // Sends QUIT on the cached connection, then closes it.
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    private func configure() throws(CurlError) {
        try set(CURLOPT_URL, options.url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        switch options.security {
        case .startTLS, .implicitTLS:
            try set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .plaintextLoopback:
            guard SMTPSessionOptions.isLoopback(host: options.host) else {
                throw CurlError(
                    code: Int(CURLE_USE_SSL_FAILED.rawValue),
                    message: "clear text is allowed to a loopback host only", operation: "set up SMTP without TLS")
            }
            try set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        if let caFile = options.caFile { try set(CURLOPT_CAINFO, caFile) }
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(options.timeout))
        if let username = options.username { try set(CURLOPT_USERNAME, username) }
        if let password = options.password { try set(CURLOPT_PASSWORD, password) }
        try check(bm_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer), "set CURLOPT_ERRORBUFFER")
        try check(bm_curl_setopt_read_function(handle, readCallback), "set CURLOPT_READFUNCTION")
        try check(bm_curl_setopt_debug_function(handle, debugCallback), "set CURLOPT_DEBUGFUNCTION")
        let opaque = Unmanaged.passUnretained(context).toOpaque()
        try check(bm_curl_setopt_ptr(handle, CURLOPT_READDATA, opaque), "set CURLOPT_READDATA")
        try check(bm_curl_setopt_ptr(handle, CURLOPT_DEBUGDATA, opaque), "set CURLOPT_DEBUGDATA")
        // The debug callback is only called in verbose mode; it replaces libcurl's own output.
        try set(CURLOPT_VERBOSE, 1)
    }

    /// Sends one message to its one recipient and says how it ended. Blocks.
    public func send(_ message: OutgoingMessage) -> SendOutcome {
        context.reset(message: message.bytes)
        errorBuffer[0] = 0
        var recipients: UnsafeMutablePointer<curl_slist>?
        recipients = curl_slist_append(nil, "<\(message.envelope.recipient)>")
        defer { curl_slist_free_all(recipients) }
        do throws(CurlError) {
            try set(CURLOPT_MAIL_FROM, "<\(message.envelope.returnPath)>")
            try check(bm_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients), "set CURLOPT_MAIL_RCPT")
            try check(bm_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.bytes.count)), "set CURLOPT_INFILESIZE_LARGE")
            try set(CURLOPT_FRESH_CONNECT, needsFreshConnection ? 1 : 0)
            // The last message allowed on this connection closes it (with QUIT) when done.
            let last = messagesOnConnection + 1 >= options.maxMessagesPerConnection
            try set(CURLOPT_FORBID_REUSE, last ? 1 : 0)
        } catch {
            return .localError(SendFailure(step: nil, reply: nil, reason: error.description))
        }

        let code = curl_easy_perform(handle)

        var newConnections = 0
        _ = bm_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        messagesOnConnection = newConnections > 0 ? 1 : messagesOnConnection + 1
        if messagesOnConnection >= options.maxMessagesPerConnection { messagesOnConnection = 0 }
        // libcurl closes the connection after a failed transfer; make sure of it (DESIGN §4).
        needsFreshConnection = code != CURLE_OK
        if code != CURLE_OK { messagesOnConnection = 0 }
        return outcome(of: code)
    }

    private func outcome(of code: CURLcode) -> SendOutcome {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        return SMTPOutcomeMapping.outcome(
            code: CurlResult(code), libcurlMessage: detail, transcript: context.transcript)
    }

    private func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(bm_curl_setopt_long(handle, option, value), "set option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        // libcurl copies string options (since 7.17), so the C string may be temporary.
        let code = value.withCString { bm_curl_setopt_ptr(handle, option, $0) }
        try check(code, "set option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ operation: String) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError(code, operation: operation) }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

@available(*, unavailable, message: "an easy handle belongs to one thread at a time")
extension SMTPConnection: Sendable {}

/// What the C callbacks of one transaction read and write; reached through `Unmanaged`.
private final class TransferContext {
    var bytes: [UInt8] = []
    var offset = 0
    var transcript = SMTPTranscript()

    func reset(message: [UInt8]) {
        bytes = message
        offset = 0
        transcript.reset()
    }
}

/// Feeds the message's bytes as they are: CRLF already, not dot-stuffed (libcurl does it).
private let readCallback: curl_read_callback = { buffer, size, count, userData in
    guard let buffer, let userData else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userData).takeUnretainedValue()
    let length = min(size * count, context.bytes.count - context.offset)
    guard length > 0 else { return 0 }
    context.bytes.withUnsafeBytes { source in
        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + context.offset, byteCount: length)
    }
    context.offset += length
    return length
}

/// Follows the SMTP dialogue to keep each step's full reply.
private let debugCallback: curl_debug_callback = { _, type, data, size, userData in
    guard let userData, let data else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(userData).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch type {
    case CURLINFO_HEADER_IN: context.transcript.replyReceived(bytes)
    case CURLINFO_HEADER_OUT: context.transcript.commandSent(bytes)
    case CURLINFO_DATA_OUT: context.transcript.messageSent()
    default: break
    }
    return 0
}
