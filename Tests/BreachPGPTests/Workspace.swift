import BreachPGP
import BreachTestSupport
import Foundation
import Testing

/// One test's world: the authority's own GnuPG home (which makes its key and later decrypts),
/// the controller's home (which makes the signing key), and breachmail's keyring.
final class Workspace {
    let authority: GPGHome
    let controller: GPGHome
    let state: TemporaryDirectory
    let keyringPath: String

    init() throws {
        authority = try GPGHome()
        controller = try GPGHome()
        state = try TemporaryDirectory("pgp-state")
        keyringPath = state.file("keyring").path
    }

    deinit { GPGHome.killAgent(home: keyringPath) }

    func keyring() throws -> Keyring { try Keyring(directory: keyringPath) }

    /// Writes `bytes` to a file under the state directory and returns its path.
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        let url = state.file(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A pin for the authority key file `path` with the configuration's setting names.
    func authorityPin(_ path: String, _ fingerprint: String) throws -> KeyPin {
        try KeyPin(
            keyFile: path, keyFileSetting: "authorities.cnpd.key_file", fingerprint: fingerprint,
            fingerprintSetting: "authorities.cnpd.fingerprint")
    }

    func signingPin(_ path: String, _ fingerprint: String) throws -> KeyPin {
        try KeyPin(
            keyFile: path, keyFileSetting: "signing.key_file", fingerprint: fingerprint,
            fingerprintSetting: "signing.fingerprint")
    }

    /// Makes an authority key, exports it and imports it into breachmail's keyring.
    func importedAuthority(_ kind: GPGHome.KeyKind = .ed25519) throws -> (RecipientKey, String) {
        let fingerprint = try authority.makeKey(kind, userID: "CNPD Test <databreach@cnpd.test>")
        let path = try write(try authority.exportPublic(fingerprint), to: "cnpd.asc")
        return (try keyring().importRecipientKey(try authorityPin(path, fingerprint)), fingerprint)
    }

    /// Whether breachmail's keyring holds a key with this fingerprint (asked of real gpg).
    ///
    /// - Throws: when gpg itself fails for another reason than "no such key": a broken gpg must
    ///   fail the test, never pass for "the key was not imported".
    func keyringHolds(_ fingerprint: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: keyringPath) else { return false }
        let gpg = try CommandRunner.run("gpg", ["--homedir", keyringPath, "--batch", "--with-colons", "--list-keys", fingerprint])
        if gpg.status == 0 { return gpg.stdout.contains("fpr:::::::::\(fingerprint.uppercased()):") }
        try #require(gpg.stderr.contains("No public key"), "gpg --list-keys failed: \(gpg.stderr)")
        return false
    }
}

/// The fingerprint as breachmail shows it: ten groups of four.
func grouped(_ hex: String) -> String {
    (try? Fingerprint(hex, setting: "test").description) ?? hex
}

/// Runs `body` and returns the ``PGPError`` it threw; records an issue when it returned instead.
func refusal<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> PGPError? {
    do {
        let output = try body()
        Issue.record("expected a refusal, got output \(output)", sourceLocation: sourceLocation)
        return nil
    } catch let error as PGPError {
        return error
    } catch {
        Issue.record("expected a PGPError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
