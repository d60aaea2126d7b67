internal import CCurl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How to reach one IMAP mailbox: the URL (`imaps://host[:port]/MAILBOX`), the login and the TLS
/// set-up. The password is given by the caller, read from the environment or a file, never argv.
public struct IMAPOptions: Sendable {
    /// `imaps://host[:port]/MAILBOX` (TLS from the first byte); `imap://` only to a loopback
    /// host with ``allowPlaintextLoopback``. The mailbox defaults to INBOX.
    public var url: String
    public var username: String
    public var password: String
    /// Clear text to 127.0.0.1 / ::1 / localhost, for a local Dovecot or a test; refused elsewhere.
    public var allowPlaintextLoopback: Bool
    /// A CA bundle for a private CA; nil: the system's.
    public var caFile: String?
    public var connectTimeout: Duration
    /// For one IMAP command (a FETCH of one message included).
    public var timeout: Duration

    public init(url: String, username: String, password: String, allowPlaintextLoopback: Bool = false, caFile: String? = nil,
                connectTimeout: Duration = .seconds(30), timeout: Duration = .seconds(120)) {
        self.url = url
        self.username = username
        self.password = password
        self.allowPlaintextLoopback = allowPlaintextLoopback
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

/// One libcurl easy handle on one IMAP mailbox: list the messages by UID, fetch one, make a
/// folder, move messages to it. libcurl keeps the connection (and the selected mailbox) between
/// calls. Not `Sendable`: a handle belongs to one thread at a time; every call blocks it.
///
/// ```swift
/// let box = try IMAPMailbox(options: IMAPOptions(url: "imaps://imap.exemple.lu/INBOX", username: "bounces", password: p))
/// for uid in try box.uids() { let bytes = try box.fetch(uid: uid) … }
/// try box.move(uids: done, to: "breachmail-processed")
/// ```
public final class IMAPMailbox {
    /// `scheme://host[:port]/` without the mailbox.
    public let server: String
    /// The mailbox, decoded (e.g. INBOX).
    public let mailbox: String
    private let easy: EasyHandle
    private let context = IMAPContext()

    /// Checks the URL and opens a handle; connects lazily, on the first command.
    ///
    /// - Throws: ``CurlError`` for a URL that is not imaps:// (or imap:// to loopback when
    ///   allowed), or an option libcurl refuses.
    public init(options: IMAPOptions) throws(CurlError) {
        guard let components = URLComponents(string: options.url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty else {
            throw CurlError(code: Int(CURLE_URL_MALFORMAT.rawValue), message: "not an IMAP URL (imaps://host/MAILBOX)", operation: "read the IMAP URL")
        }
        switch scheme {
        case "imaps": break
        case "imap":
            guard options.allowPlaintextLoopback, SMTPSessionOptions.isLoopback(host: host) else {
                throw CurlError(code: Int(CURLE_USE_SSL_FAILED.rawValue),
                                message: "imap:// sends the password in clear: use imaps://, or allow_plaintext_loopback to a loopback host",
                                operation: "set up IMAP without TLS")
            }
        default:
            throw CurlError(code: Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue), message: "the scheme must be imaps:// (got \(scheme)://)",
                            operation: "read the IMAP URL")
        }
        var path = components.percentEncodedPath
        while path.hasPrefix("/") { path.removeFirst() }
        if let semicolon = path.firstIndex(of: ";") { path = String(path[..<semicolon]) }
        mailbox = path.isEmpty ? "INBOX" : (path.removingPercentEncoding ?? path)
        let port = components.port.map { ":\($0)" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        server = "\(scheme)://\(hostPart)\(port)/"

        easy = try EasyHandle(callbackContext: context)
        try easy.configureTransport(useSSL: scheme == "imaps" ? CURLUSESSL_ALL : CURLUSESSL_NONE, caFile: options.caFile,
                                    connectTimeout: options.connectTimeout, timeout: options.timeout)
        try easy.set(CURLOPT_USERNAME, options.username)
        try easy.set(CURLOPT_PASSWORD, options.password)
        try EasyHandle.check(bm_curl_setopt_write_function(easy.raw, imapWriteCallback), "set CURLOPT_WRITEFUNCTION")
        try EasyHandle.check(bm_curl_setopt_debug_function(easy.raw, imapDebugCallback), "set CURLOPT_DEBUGFUNCTION")
        try EasyHandle.check(bm_curl_setopt_ptr(easy.raw, CURLOPT_WRITEDATA, easy.callbackData), "set CURLOPT_WRITEDATA")
        try EasyHandle.check(bm_curl_setopt_ptr(easy.raw, CURLOPT_DEBUGDATA, easy.callbackData), "set CURLOPT_DEBUGDATA")
        // Only for the server's replies (kept for error messages); replaces libcurl's own output.
        try easy.set(CURLOPT_VERBOSE, 1)
    }

    /// The UIDs of every message in the mailbox (`UID SEARCH ALL`), ascending.
    public func uids() throws(CurlError) -> [UInt64] {
        try uids(matching: "ALL", operation: "list the messages (UID SEARCH ALL)")
    }

    /// The UIDs of the messages that match IMAP search keys (`UID SEARCH keys`, RFC 3501
    /// §6.4.4: `FROM "cnpd.lu" HEADER In-Reply-To "<id>"`), ascending. The server searches: only
    /// the matching messages are fetched afterwards.
    public func uids(matching keys: String) throws(CurlError) -> [UInt64] {
        try uids(matching: keys, operation: "search the messages (UID SEARCH)")
    }

    private func uids(matching keys: String, operation: String) throws(CurlError) -> [UInt64] {
        let text = String(decoding: try perform(url: mailboxURL, request: "UID SEARCH \(keys)", operation: operation), as: UTF8.self)
        var uids: [UInt64] = []
        for line in text.split(whereSeparator: \.isNewline) where line.uppercased().hasPrefix("* SEARCH") {
            uids += line.dropFirst("* SEARCH".count).split(separator: " ").compactMap { UInt64($0) }
        }
        return uids.sorted()
    }

    /// The whole message with this UID (`UID FETCH uid BODY[]`), as the server stores it.
    public func fetch(uid: UInt64) throws(CurlError) -> [UInt8] {
        try perform(url: mailboxURL + ";UID=\(uid)", request: nil, operation: "fetch message UID \(uid)")
    }

    /// Takes the `\Seen` flag off messages again (`UID STORE uids -FLAGS.SILENT (\Seen)`): a
    /// fetch sets it, and a mailbox a person reads must not show as read what nobody read.
    public func markUnseen(uids: [UInt64]) throws(CurlError) {
        guard !uids.isEmpty else { return }
        _ = try perform(url: mailboxURL, request: "UID STORE \(Self.set(uids)) -FLAGS.SILENT (\\Seen)",
                        operation: "mark \(uids.count) message\(uids.count == 1 ? "" : "s") unread again")
    }

    /// The names of the server's folders (`LIST "" "*"`).
    public func folders() throws(CurlError) -> [String] {
        let text = String(decoding: try perform(url: server, request: "LIST \"\" \"*\"", operation: "list the folders"), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            guard line.uppercased().hasPrefix("* LIST") else { return nil }
            // * LIST (\HasNoChildren) "." name   — the name is last, quoted or atom.
            var rest = Substring(line)
            if let close = rest.firstIndex(of: ")") { rest = rest[rest.index(after: close)...] }
            rest = rest.drop { $0 == " " }
            if rest.hasPrefix("NIL") { rest = rest.dropFirst(3) } else if rest.hasPrefix("\"") {
                rest = rest.dropFirst()
                while let c = rest.first, c != "\"" { rest = rest.dropFirst(c == "\\" ? 2 : 1) }
                rest = rest.dropFirst()
            }
            let name = rest.trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
                return String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            }
            return name
        }
    }

    /// Makes the folder unless it exists (`CREATE`).
    public func ensureFolder(_ name: String) throws(CurlError) {
        if try folders().contains(name) { return }
        _ = try perform(url: server, request: "CREATE \(Self.quoted(name))", operation: "create the folder \(name)")
    }

    /// Moves messages to a folder (`UID MOVE`, RFC 6851; Dovecot, Cyrus, Exchange and Gmail have it).
    public func move(uids: [UInt64], to folder: String) throws(CurlError) {
        guard !uids.isEmpty else { return }
        _ = try perform(url: mailboxURL, request: "UID MOVE \(Self.set(uids)) \(Self.quoted(folder))",
                        operation: "move \(uids.count) message\(uids.count == 1 ? "" : "s") to \(folder)")
    }

    /// A UID set in ranges (`3:7,9`), which keeps the command short for a large batch.
    static func set(_ uids: [UInt64]) -> String {
        var set: [String] = []
        var i = 0
        let sorted = uids.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            set.append(i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])")
            i = j + 1
        }
        return set.joined(separator: ",")
    }

    private var mailboxURL: String {
        server + (mailbox.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: ";?#"))) ?? mailbox)
    }

    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private func perform(url: String, request: String?, operation: String) throws(CurlError) -> [UInt8] {
        context.body = []
        context.replies = []
        try easy.set(CURLOPT_URL, url)
        if let request { try easy.set(CURLOPT_CUSTOMREQUEST, request) } else {
            try EasyHandle.check(bm_curl_setopt_ptr(easy.raw, CURLOPT_CUSTOMREQUEST, nil), "reset CURLOPT_CUSTOMREQUEST")
        }
        let code = easy.perform()
        guard code == CURLE_OK else {
            var message = easy.message(for: code)
            // The server's own words (a tagged NO or BAD), never the login.
            if let last = context.replies.last(where: { Self.isTaggedFailure($0) }) { message += "; the server said: \(last)" }
            throw CurlError(code: Int(code.rawValue), message: message, operation: operation)
        }
        return context.body
    }

    private static func isTaggedFailure(_ line: String) -> Bool {
        let parts = line.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 && !parts[0].hasPrefix("*") && (parts[1] == "NO" || parts[1] == "BAD")
    }

}

@available(*, unavailable, message: "an easy handle belongs to one thread at a time")
extension IMAPMailbox: Sendable {}

/// What one IMAP command brought back: the body (a message, or the untagged lines of a custom
/// command) and the server's reply lines.
final class IMAPContext {
    var body: [UInt8] = []
    var replies: [String] = []
}

private let imapWriteCallback: curl_write_callback = { data, size, count, userData in
    guard let userData, let data else { return 0 }
    let context = Unmanaged<IMAPContext>.fromOpaque(userData).takeUnretainedValue()
    let n = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: n) { context.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
    return n
}

private let imapDebugCallback: curl_debug_callback = { _, type, data, size, userData in
    guard let userData, let data, type == CURLINFO_HEADER_IN else { return 0 }
    let context = Unmanaged<IMAPContext>.fromOpaque(userData).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    if context.replies.count > 50 { context.replies.removeFirst() }
    context.replies.append(line)
    return 0
}
