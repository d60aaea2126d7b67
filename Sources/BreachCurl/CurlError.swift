internal import CCurl

/// A libcurl failure outside of a message's outcome (setting up a handle, an option refused).
///
/// Keeps libcurl's code, its message and the operation that failed; never an address or a
/// password.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `CURLcode`.
    public let code: Int
    /// libcurl's words for it.
    public let message: String
    /// What breachmail was doing, e.g. "set CURLOPT_CAINFO".
    public let operation: String

    init(code: Int, message: String, operation: String) {
        self.code = code
        self.message = message
        self.operation = operation
    }

    init(_ code: CURLcode, operation: String) {
        self.init(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)), operation: operation)
    }

    /// The server refused the login (CURLE_LOGIN_DENIED): an operator must fix it, retrying will not.
    public var isLoginDenied: Bool { code == Int(CURLE_LOGIN_DENIED.rawValue) }

    public var description: String { "libcurl could not \(operation): \(message) (CURLcode \(code))" }
}
