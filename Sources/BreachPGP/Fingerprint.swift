/// A full OpenPGP v4 fingerprint: 40 hexadecimal digits, held upper-case without spaces.
///
/// Authorities publish fingerprints in groups of four; spaces are ignored and case does not
/// matter, so `5C6B 1F2A …` and `5c6b1f2a…` are the same pin. A short key id is never accepted.
public struct Fingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 40 upper-case hexadecimal digits.
    public let hex: String

    /// Parses a fingerprint written in the configuration.
    ///
    /// - Parameters:
    ///   - text: the fingerprint, spaces allowed.
    ///   - setting: the configuration setting it came from, named in the error.
    /// - Throws: ``PGPError`` `.fingerprintMalformed` when it is not 40 hexadecimal digits.
    public init(_ text: String, setting: String) throws {
        let compact = String(text.filter { $0 != " " && $0 != "\t" }).uppercased()
        guard compact.count == 40 else {
            throw PGPError(
                .fingerprintMalformed, operation: "read fingerprint",
                "The setting `\(setting)` holds a fingerprint of \(compact.count) hexadecimal digits; "
                    + "a full OpenPGP fingerprint has 40. Fix: copy the authority's full fingerprint "
                    + "(40 hexadecimal digits, spaces allowed) into `\(setting)`.")
        }
        guard compact.allSatisfy(\.isHexDigit) else {
            throw PGPError(
                .fingerprintMalformed, operation: "read fingerprint",
                "The setting `\(setting)` holds a fingerprint with characters other than hexadecimal "
                    + "digits and spaces. Fix: copy the authority's full fingerprint (40 hexadecimal "
                    + "digits, spaces allowed) into `\(setting)`.")
        }
        hex = compact
    }

    /// Wraps a fingerprint reported by GPGME (already 40 hexadecimal digits).
    init(trusted hex: String) {
        self.hex = hex.uppercased()
    }

    /// The fingerprint in ten groups of four, as authorities publish it.
    public var description: String {
        stride(from: 0, to: hex.count, by: 4).map { offset -> String in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return String(hex[start..<hex.index(start, offsetBy: min(4, hex.count - offset))])
        }.joined(separator: " ")
    }
}

/// Where a key comes from and which fingerprint it must have, with the names of the
/// configuration settings so that every refusal can say what to fix.
public struct KeyPin: Sendable, Hashable {
    /// The armored key file.
    public let keyFile: String
    /// The setting naming ``keyFile``, e.g. `authorities.cnpd.key_file`.
    public let keyFileSetting: String
    /// The pinned fingerprint.
    public let fingerprint: Fingerprint
    /// The setting holding ``fingerprint``, e.g. `authorities.cnpd.fingerprint`.
    public let fingerprintSetting: String
    /// Whose public key a recipient key is, for the refusals' wording: `authority` (the default)
    /// or `controller` (a processor's notice, Art. 33(2)).
    public var owner = "authority"

    /// Pins the key in `keyFile` to `fingerprint`.
    ///
    /// ```swift
    /// let pin = try KeyPin(keyFile: "Config/keys/cnpd.asc", keyFileSetting: "authorities.cnpd.key_file",
    ///                      fingerprint: "5C6B 1F2A …", fingerprintSetting: "authorities.cnpd.fingerprint")
    /// ```
    /// - Throws: ``PGPError`` `.fingerprintMalformed` naming `fingerprintSetting`.
    public init(keyFile: String, keyFileSetting: String, fingerprint: String, fingerprintSetting: String) throws {
        self.keyFile = keyFile
        self.keyFileSetting = keyFileSetting
        self.fingerprint = try Fingerprint(fingerprint, setting: fingerprintSetting)
        self.fingerprintSetting = fingerprintSetting
    }
}
