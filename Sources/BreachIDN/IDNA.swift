internal import CIDN2

/// Domain names to ASCII through libidn2: IDNA 2008 with the UTS #46 mapping, non-transitional
/// (`faß.de` stays `xn--fa-hia.de`, as browsers and registries now do), input NFC-normalised.
/// Full-width and compatibility characters are mapped (`ＥＸＡＭＰＬＥ．ｏｒｇ` → `example.org`);
/// disallowed code points, CONTEXTJ/CONTEXTO violations and the Bidi rule (RFC 5893) are refused,
/// with libidn2's reason.
///
/// ```swift
/// try IDNA.toASCII("bücher.example")  // "xn--bcher-kva.example"
/// ```
public enum IDNA {
    /// The flags of every conversion: UTS #46 non-transitional processing of NFC input.
    static let flags = Int32(bitPattern: IDN2_NONTRANSITIONAL.rawValue | IDN2_NFC_INPUT.rawValue)

    /// `domain` (UTF-8, labels separated by dots or their ideographic and full-width forms) as
    /// A-labels joined by dots.
    ///
    /// - Throws: ``IDNAError`` with libidn2's code and reason when the name cannot be converted.
    public static func toASCII(_ domain: String) throws(IDNAError) -> String {
        var output: UnsafeMutablePointer<CChar>?
        let rc = domain.withCString { idn2_to_ascii_8z($0, &output, flags) }
        defer { idn2_free(output) }
        guard rc == IDN2_OK.rawValue, let output else {
            throw IDNAError(code: rc, name: String(cString: idn2_strerror_name(rc)), reason: String(cString: idn2_strerror(rc)))
        }
        return String(cString: output)
    }
}

/// A domain libidn2 refused: its return code, the code's name (`IDN2_DISALLOWED`) and its reason
/// in words (`string contains a disallowed character`). No domain in it: the name may be part of
/// a person's address.
public struct IDNAError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let name: String
    public let reason: String

    public var description: String { "\(reason) (\(name))" }
}
