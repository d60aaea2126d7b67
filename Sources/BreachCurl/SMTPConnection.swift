public import BreachCore
internal import CCurl
#if canImport(Glibc)
import Glibc
#endif

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
    private let easy: EasyHandle
    /// The multi handle each transfer runs on (what `curl_easy_perform` does with one of its
    /// own), so that the thread can work while the server answers; it holds the connection
    /// between messages.
    private let multi: UnsafeMutableRawPointer
    private let options: SMTPSessionOptions
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
        easy = try EasyHandle(callbackContext: context)
        guard let multi = curl_multi_init() else {
            throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_multi_init returned NULL", operation: "create a multi handle")
        }
        self.multi = multi
        context.multi = multi
        self.options = options
        try configure()
    }

    /// QUIT on the connection held, then close it (before the easy handle goes: libcurl closes a
    /// multi handle's connections on its own handle, with the easy handle's time-outs).
    deinit { curl_multi_cleanup(multi) }

    private func configure() throws(CurlError) {
        try easy.set(CURLOPT_URL, options.url)
        try easy.set(CURLOPT_UPLOAD, 1)
        let useSSL: curl_usessl
        switch options.security {
        case .startTLS, .implicitTLS:
            useSSL = CURLUSESSL_ALL
        case .plaintextLoopback:
            guard SMTPSessionOptions.isLoopback(host: options.host) else {
                throw CurlError(
                    code: Int(CURLE_USE_SSL_FAILED.rawValue),
                    message: "clear text is allowed to a loopback host only", operation: "set up SMTP without TLS")
            }
            useSSL = CURLUSESSL_NONE
        }
        try easy.configureTransport(useSSL: useSSL, caFile: options.caFile, connectTimeout: options.connectTimeout, timeout: options.timeout)
        if let username = options.username { try easy.set(CURLOPT_USERNAME, username) }
        if let password = options.password { try easy.set(CURLOPT_PASSWORD, password) }
        try EasyHandle.check(bm_curl_setopt_read_function(easy.raw, readCallback), "set CURLOPT_READFUNCTION")
        try EasyHandle.check(bm_curl_setopt_debug_function(easy.raw, debugCallback), "set CURLOPT_DEBUGFUNCTION")
        try EasyHandle.check(bm_curl_setopt_ptr(easy.raw, CURLOPT_READDATA, easy.callbackData), "set CURLOPT_READDATA")
        try EasyHandle.check(bm_curl_setopt_ptr(easy.raw, CURLOPT_DEBUGDATA, easy.callbackData), "set CURLOPT_DEBUGDATA")
        // The debug callback is only called in verbose mode; it replaces libcurl's own output.
        try easy.set(CURLOPT_VERBOSE, 1)
    }

    /// Work for the thread while a transaction waits for the server; its argument says whether
    /// the server has answered meanwhile.
    public typealias Meanwhile = (_ answered: () -> Bool) -> Void

    /// Sends one message to its one recipient and says how it ended. Blocks.
    ///
    /// - Parameter meanwhile: work for this thread, done once, the first time the transaction
    ///   waits for the server (a campaign composes its next messages there); nil for none. Its
    ///   argument says whether the server has answered meanwhile (a reply waits to be read),
    ///   for work that can stop early.
    public func send(_ message: OutgoingMessage, meanwhile: Meanwhile? = nil) -> SendOutcome {
        context.reset(message: message.bytes)
        context.conversation = options.conversation
        context.recipient = message.id
        var recipients: UnsafeMutablePointer<curl_slist>?
        recipients = curl_slist_append(nil, "<\(message.envelope.recipient)>")
        defer { curl_slist_free_all(recipients) }
        do throws(CurlError) {
            try easy.set(CURLOPT_MAIL_FROM, "<\(message.envelope.returnPath)>")
            try EasyHandle.check(bm_curl_setopt_slist(easy.raw, CURLOPT_MAIL_RCPT, recipients), "set CURLOPT_MAIL_RCPT")
            try EasyHandle.check(bm_curl_setopt_off(easy.raw, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.bytes.count)), "set CURLOPT_INFILESIZE_LARGE")
            try easy.set(CURLOPT_FRESH_CONNECT, needsFreshConnection ? 1 : 0)
            // The last message allowed on this connection closes it (with QUIT) when done.
            let last = messagesOnConnection + 1 >= options.maxMessagesPerConnection
            try easy.set(CURLOPT_FORBID_REUSE, last ? 1 : 0)
        } catch {
            return .localError(SendFailure(step: nil, reply: nil, reason: error.description))
        }

        var socket = curl_socket_t(-1)
        let code: CURLcode
        if let meanwhile {
            code = withoutActuallyEscaping(meanwhile) { work in
                context.meanwhile = work
                defer { context.meanwhile = nil }  // not kept past this call
                return easy.perform(on: multi, socketOnFailure: &socket, meanwhile: meanwhileCallback, context: easy.callbackData)
            }
        } else {
            code = easy.perform(on: multi, socketOnFailure: &socket, meanwhile: nil, context: nil)
        }

        var newConnections = 0
        _ = bm_curl_getinfo_long(easy.raw, CURLINFO_NUM_CONNECTS, &newConnections)
        messagesOnConnection = newConnections > 0 ? 1 : messagesOnConnection + 1
        if messagesOnConnection >= options.maxMessagesPerConnection { messagesOnConnection = 0 }
        // A rejection or a fault closes the connection (DESIGN §4). libcurl closes it after most
        // failures but keeps it after a timeout at the end of data, and would then wait for the
        // late reply before its QUIT: shut the socket so nothing more is waited for on it.
        needsFreshConnection = code != CURLE_OK
        if code != CURLE_OK {
            messagesOnConnection = 0
            if socket != -1 { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
        return outcome(of: code)
    }

    private func outcome(of code: CURLcode) -> SendOutcome {
        SMTPOutcomeMapping.outcome(
            code: CurlResult(code), libcurlMessage: easy.message(for: code), transcript: context.transcript)
    }

}

@available(*, unavailable, message: "an easy handle belongs to one thread at a time")
extension SMTPConnection: Sendable {}

/// The caller's work while a transaction waits (``TransferContext/meanwhile``).
private let meanwhileCallback: @convention(c) (UnsafeMutableRawPointer?) -> Void = { userData in
    guard let userData else { return }
    let context = Unmanaged<TransferContext>.fromOpaque(userData).takeUnretainedValue()
    guard let work = context.meanwhile, let multi = context.multi else { return }
    work { bm_curl_multi_answered(multi) != 0 }
}

/// What the C callbacks of one transaction read and write; reached through `Unmanaged`.
private final class TransferContext {
    var bytes: [UInt8] = []
    var offset = 0
    var transcript = SMTPTranscript()
    /// `--verbose`: where the masked conversation goes, and the name of the recipient in it.
    var conversation: (@Sendable (String) -> Void)?
    var recipient = ""
    /// The caller's work while this transaction waits for the server, set for the transfer only.
    var meanwhile: SMTPConnection.Meanwhile?
    /// The multi handle the transfer runs on (whether the server answered: ``meanwhile``).
    var multi: UnsafeMutableRawPointer?

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
    if let conversation = context.conversation {
        // Several connections speak at once: each line says whose transaction it is.
        let show = { (line: String) in conversation("[\(context.recipient)] \(line)") }
        switch type {
        case CURLINFO_HEADER_IN: SMTPConversation.reply(bytes).forEach(show)
        case CURLINFO_HEADER_OUT: show(SMTPConversation.command(bytes, recipient: context.recipient))
        case CURLINFO_DATA_OUT where context.transcript.step != .message: show(SMTPConversation.message(bytes: context.bytes.count))
        default: break
        }
    }
    switch type {
    case CURLINFO_HEADER_IN: context.transcript.replyReceived(bytes)
    case CURLINFO_HEADER_OUT: context.transcript.commandSent(bytes)
    case CURLINFO_DATA_OUT: context.transcript.messageSent()
    default: break
    }
    return 0
}
