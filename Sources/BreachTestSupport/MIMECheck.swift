public import Foundation

/// A message as an independent, strict parser sees it: Python's `email` package with
/// `policy.strict`, run by Debian's `/usr/bin/python3` through `Tests/Servers/mime_check.py`.
public struct MIMECheck: Sendable {
    /// One MIME entity, headers decoded (RFC 2047) and body decoded (quoted-printable, base64).
    public struct Part: Sendable, Decodable {
        public let contentType: String
        public let headers: [[String]]
        public let defects: [String]
        public let parts: [Part]?
        public let body: String?
        public let filename: String?
        public let charset: String?
        public let transferEncoding: String?

        /// The decoded value of the first header called `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0[0].lowercased() == name.lowercased() }?[1]
        }

        /// Every header name, in order.
        public var headerNames: [String] { headers.map { $0[0] } }

        /// The leaves of the tree, depth first.
        public var leaves: [Part] { parts.map { $0.flatMap(\.leaves) } ?? [self] }

        enum CodingKeys: String, CodingKey {
            case contentType = "content_type", headers, defects, parts, body, filename, charset
            case transferEncoding = "transfer_encoding"
        }
    }

    /// The parser's refusal, when it refused the message.
    public let error: String?
    public let root: Part?
    /// Raw-format problems: bare CR or LF, lines over 998 octets, no final CRLF.
    public let problems: [String]
    /// The longest header line, in octets.
    public let headerMax: Int
    /// `From`, `To`, `Reply-To` as parsed: [display name, addr-spec].
    public let addresses: [String: [[String]]]

    /// Parses `message` with the strict parser.
    ///
    /// - Throws: when the script cannot be run or prints something that is not its JSON.
    public static func parse(_ message: [UInt8]) throws -> MIMECheck {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(message))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Raw: Decodable {
            let error: String?
            let problems: [String]?
            let header_max: Int?
            let addresses: [String: [[String]]]?
        }
        let raw = try JSONDecoder().decode(Raw.self, from: data)
        let root = raw.error == nil ? try JSONDecoder().decode(Part.self, from: data) : nil
        return MIMECheck(error: raw.error, root: root, problems: raw.problems ?? [], headerMax: raw.header_max ?? 0,
                         addresses: raw.addresses ?? [:])
    }

    /// `Tests/Servers/mime_check.py`, found from this source file's place in the repository.
    public static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Servers/mime_check.py")
    }

    /// The repository's root directory.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}
