internal import CCurl

/// libcurl, initialised once for the whole process (curl_global_init is not thread-safe).
public enum Curl {
    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Initialises libcurl if nothing has yet; call before creating any handle.
    static func initialise() throws(CurlError) {
        guard initialised else {
            throw CurlError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_global_init failed", operation: "initialise libcurl")
        }
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.x …`.
    public static var version: String {
        _ = initialised
        return String(cString: curl_version())
    }
}
