internal import CGPGME
import Foundation

/// The checks a key goes through before breachmail uses it, with refusals that name the file,
/// the setting and the fix. The same rules apply to the authority's key and the controller's own.
enum KeyRole {
    case recipient(KeyPin)
    case signer(KeyPin)

    var pin: KeyPin {
        switch self {
        case .recipient(let pin), .signer(let pin): pin
        }
    }

    private var noun: String {
        switch self {
        case .recipient: "\(pin.owner) key"
        case .signer: "signing key"
        }
    }

    private var operation: String {
        switch self {
        case .recipient: "import \(pin.owner) key"
        case .signer: "import signing key"
        }
    }

    /// "The authority key 5C6B … in keys/cnpd.asc (setting `authorities.cnpd.key_file`)"
    private var subject: String {
        "The \(noun) \(pin.fingerprint) in \(pin.keyFile) (setting `\(pin.keyFileSetting)`)"
    }

    /// How to get a good key instead.
    private var fix: String {
        switch self {
        case .recipient:
            "Fix: obtain the \(pin.owner)'s current public key and fingerprint from the \(pin.owner) itself, "
                + "then update `\(pin.keyFileSetting)` and `\(pin.fingerprintSetting)`."
        case .signer:
            "Fix: renew or replace the controller's signing key, export it again to \(pin.keyFile) and "
                + "update `\(pin.fingerprintSetting)`."
        }
    }

    func readKeyFile() throws(PGPError) -> [UInt8] {
        guard FileManager.default.fileExists(atPath: pin.keyFile) else {
            let what =
                switch self {
                case .recipient: "the \(pin.owner)'s armored public key"
                case .signer: "the controller's armored secret key"
                }
            throw PGPError(
                .keyFileMissing, operation: operation,
                "The \(noun) file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) does not exist. "
                    + "Fix: save \(what) there, or correct `\(pin.keyFileSetting)`.")
        }
        guard let data = FileManager.default.contents(atPath: pin.keyFile) else {
            throw PGPError(
                .keyFileUnreadable, operation: operation,
                "The \(noun) file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) cannot be read. "
                    + "Fix: check its permissions.")
        }
        return [UInt8](data)
    }

    /// The one key of a key file, with the pinned fingerprint.
    func single(in keys: [GPGMEKey]) throws(PGPError) -> GPGMEKey {
        guard let key = keys.first else {
            throw PGPError(
                .keyFileHoldsNoKey, operation: operation,
                "The \(noun) file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) holds no OpenPGP key. "
                    + "Fix: save the armored key there (a block that begins with -----BEGIN PGP).")
        }
        guard keys.count == 1 else {
            throw PGPError(
                .keyFileHoldsSeveralKeys, operation: operation,
                "The \(noun) file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) holds \(keys.count) keys; "
                    + "it must hold exactly one. Fix: export only the key whose fingerprint is "
                    + "\(pin.fingerprint) into \(pin.keyFile).")
        }
        guard key.fingerprint == pin.fingerprint else {
            throw PGPError(
                .fingerprintMismatch, operation: operation,
                "The key in \(pin.keyFile) (setting `\(pin.keyFileSetting)`) has fingerprint "
                    + "\(key.fingerprint), but `\(pin.fingerprintSetting)` pins \(pin.fingerprint). Fix: confirm "
                    + "the fingerprint through another channel; if the key really changed, update "
                    + "`\(pin.fingerprintSetting)`, otherwise put the right key in \(pin.keyFile).")
        }
        return key
    }

    func holdsSecretKey() -> PGPError {
        PGPError(
            .keyFileHoldsSecretKey, operation: operation,
            "The \(noun) file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) holds a secret key; it must "
                + "hold only the \(pin.owner)'s public key. Fix: replace it with the public key alone "
                + "(`gpg --export --armor \(pin.fingerprint.hex)`) and keep secret keys out of it.")
    }

    /// Refuses a key that is revoked, expired, disabled, invalid or cannot do its job.
    ///
    /// - Parameter inKeyring: whether `key` comes from the keyring (then a signing key must have
    ///   its secret parts there) rather than from a listing of a key file.
    func check(_ key: GPGMEKey, in keyring: Keyring, inKeyring: Bool) throws(PGPError) {
        if key.isRevoked {
            throw PGPError(.keyRevoked, operation: operation, "\(subject) has been revoked. \(fix)")
        }
        if key.isExpired {
            throw PGPError(.keyExpired, operation: operation, "\(subject) has expired. \(fix)")
        }
        if key.isDisabled {
            throw PGPError(
                .keyDisabled, operation: operation,
                "\(subject) is disabled in breachmail's keyring \(keyring.directory). Fix: if it may be used "
                    + "again, run `gpg --homedir \(keyring.directory) --edit-key \(pin.fingerprint.hex) enable`; "
                    + "otherwise obtain a current key.")
        }
        if key.isInvalid {
            throw PGPError(.keyInvalid, operation: operation, "\(subject) is not a valid OpenPGP key. \(fix)")
        }
        switch self {
        case .recipient where !key.hasUsableSubkey(for: .encrypt, secretRequired: false):
            throw PGPError(
                .noEncryptionSubkey, operation: operation,
                "\(subject) has no usable encryption subkey (it can only sign, or its encryption subkeys "
                    + "are expired or revoked). \(fix)")
        case .signer where !key.hasUsableSubkey(for: .sign, secretRequired: inKeyring):
            throw PGPError(
                .noSigningKey, operation: operation,
                "\(subject) has no usable signing key with its secret part present. \(fix)")
        default:
            return
        }
    }

    /// The key as the keyring holds it now (with the keyring's revocations and flags).
    func lookUp(in keyring: Keyring, context: GPGMEContext) throws(PGPError) -> GPGMEKey {
        var key: gpgme_key_t?
        let secret: Int32 =
            switch self {
            case .recipient: 0
            case .signer: 1
            }
        let error = gpgme_get_key(context.handle, pin.fingerprint.hex, &key, secret)
        guard error == 0, let key else {
            if case .signer = self, agentHoldsSecret(in: keyring, context: context) {
                // The secret key files are there but gpg could not list them: gpg-agent,
                // which reads them, is what failed (gpg emits no status line for that).
                throw keyring.agentUnreachable(signing: pin.fingerprint)
            }
            throw GPGME.failure(
                error == 0 ? bm_gpgme_error(GPG_ERR_EOF) : error, .keyNotInKeyring, operation: "gpgme_get_key",
                "The \(noun) \(pin.fingerprint) is not in breachmail's keyring \(keyring.directory). Fix: "
                    + "import it from \(pin.keyFile) first.")
        }
        return GPGMEKey(taking: key)
    }

    /// Whether gpg-agent's key store in the keyring holds a secret part of the pinned key.
    private func agentHoldsSecret(in keyring: Keyring, context: GPGMEContext) -> Bool {
        var key: gpgme_key_t?
        guard gpgme_get_key(context.handle, pin.fingerprint.hex, &key, 0) == 0, let key else { return false }
        let grips = GPGMEKey(taking: key).keygrips
        return grips.contains { grip in
            FileManager.default.fileExists(atPath: "\(keyring.directory)/private-keys-v1.d/\(grip).key")
        }
    }

    func importFailure(_ error: gpgme_error_t) -> PGPError {
        GPGME.failure(
            error, .library, operation: "gpgme_op_import",
            "gpg could not import the \(noun) from \(pin.keyFile) (setting `\(pin.keyFileSetting)`). "
                + "Fix: export the key again and replace the file.")
    }
}
