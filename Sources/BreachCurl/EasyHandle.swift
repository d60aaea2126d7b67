internal import CCurl

/// The one owner of a libcurl easy handle and its error buffer, shared by every protocol here
/// (SMTP, IMAP): created once, configured with the TLS and time-out options they all need, and
/// freed in `deinit` — which sends QUIT or LOGOUT on the cached connection.
///
/// Not `Sendable`: a handle belongs to one thread at a time.
final class EasyHandle {
    /// The C handle, lent to the protocol's own setopt and getinfo calls.
    let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The callbacks' user data: kept alive by the handle, since libcurl may call them while it
    /// cleans up (the QUIT or LOGOUT exchange).
    private let callbackContext: AnyObject

    /// - Throws: ``CurlError`` when libcurl cannot create the handle or refuses the error buffer.
    init(callbackContext: AnyObject) throws(CurlError) {
        try Curl.initialise()
        guard let raw = curl_easy_init() else {
            throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init returned NULL", operation: "create an easy handle")
        }
        self.raw = raw
        self.callbackContext = callbackContext
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try Self.check(bm_curl_setopt_ptr(raw, CURLOPT_ERRORBUFFER, errorBuffer), "set CURLOPT_ERRORBUFFER")
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// The user-data pointer for the protocol's callbacks.
    var callbackData: UnsafeMutableRawPointer { Unmanaged.passUnretained(callbackContext).toOpaque() }

    /// TLS with the peer and host verified (TLS 1.2 or later), an optional extra CA file, and
    /// the connect and overall time-outs. `useSSL` is `CURLUSESSL_NONE` only for loopback.
    func configureTransport(useSSL: curl_usessl, caFile: String?, connectTimeout: Duration, timeout: Duration) throws(CurlError) {
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        try set(CURLOPT_USE_SSL, Int(useSSL.rawValue))
        if let caFile { try set(CURLOPT_CAINFO, caFile) }
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout))
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try Self.check(bm_curl_setopt_long(raw, option, value), "set option \(option.rawValue)")
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        // libcurl copies string options (since 7.17), so the C string may be temporary.
        let code = value.withCString { bm_curl_setopt_ptr(raw, option, $0) }
        try Self.check(code, "set option \(option.rawValue)")
    }

    /// Runs one transfer with a cleared error buffer. Blocks.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(raw)
    }

    /// Runs one transfer on `multi` (see `bm_curl_multi_transfer`), with a cleared error buffer;
    /// `meanwhile(context)` once, the first time it waits. Blocks.
    func perform(
        on multi: UnsafeMutableRawPointer, socketOnFailure socket: inout curl_socket_t,
        meanwhile: (@convention(c) (UnsafeMutableRawPointer?) -> Void)?, context: UnsafeMutableRawPointer?
    ) -> CURLcode {
        errorBuffer[0] = 0
        return bm_curl_multi_transfer(multi, raw, meanwhile, context, &socket)
    }

    /// libcurl's detailed message for the last transfer, else its generic text for `code`.
    func message(for code: CURLcode) -> String {
        errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
    }

    /// `operation` is written only when the call failed (a campaign sets five options a message).
    static func check(_ code: CURLcode, _ operation: @autoclosure () -> String) throws(CurlError) {
        guard code == CURLE_OK else { throw CurlError(code, operation: operation()) }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
