internal import CGPGME
import Foundation

extension Keyring {
    /// A detached OpenPGP signature of `data` by `signer`, ASCII-armored (`gpgme_op_sign`,
    /// `GPGME_SIG_MODE_DETACH`): what `register seal` keeps beside the register's head hash.
    ///
    /// - Throws: ``PGPError``: `.invalidSigner`, `.badPassphrase`, `.passphraseUnavailable`, `.library`.
    public func signDetached(_ data: [UInt8], by signer: SigningKey) throws(PGPError) -> [UInt8] {
        let context = try GPGMEContext(home: directory)
        let role = KeyRole.signer(signer.pin)
        let key = try role.lookUp(in: self, context: context)
        try role.check(key, in: self, inKeyring: true)
        gpgme_signers_clear(context.handle)
        try GPGME.check(gpgme_signers_add(context.handle, key.handle), "gpgme_signers_add")
        let input = try GPGMEData(copying: data)
        let output = try GPGMEData()
        let box = try PassphraseBox.read(signer.passphrase, for: signer.fingerprint)
        let error: gpgme_error_t
        if let box {
            error = try box.lend(to: context) { () throws(PGPError) in
                gpgme_op_sign(context.handle, input.handle, output.handle, GPGME_SIG_MODE_DETACH)
            }
        } else {
            error = gpgme_op_sign(context.handle, input.handle, output.handle, GPGME_SIG_MODE_DETACH)
        }
        if box?.wasRejected == true || GPGME.code(error) == GPG_ERR_BAD_PASSPHRASE.rawValue {
            throw GPGME.failure(error == 0 ? bm_gpgme_error(GPG_ERR_BAD_PASSPHRASE) : error, .badPassphrase, operation: "gpgme_op_sign",
                                "The passphrase for signing key \(signer.fingerprint) is wrong; no seal was written. Fix: correct \(signer.passphrase.origin).")
        }
        if error != 0 {
            throw GPGME.failure(error, .library, operation: "gpgme_op_sign",
                                "gpg could not sign with key \(signer.fingerprint); no seal was written. Fix: check `\(signer.pin.fingerprintSetting)` and its passphrase.")
        }
        try checkSigners(context, signer)
        return try output.bytes()
    }

    /// Whether `signature` (detached, armored) is a good signature of `data` by the key `pin`
    /// names (its primary key or one of its subkeys), checked with the keys of this keyring.
    /// Returns nil when it is, else why not (in words for the person).
    ///
    /// - Throws: ``PGPError`` `.library` when GPGME cannot run the check at all.
    public func checkDetached(_ signature: [UInt8], of data: [UInt8], by pin: KeyPin) throws(PGPError) -> String? {
        let context = try GPGMEContext(home: directory)
        let signed = try GPGMEData(copying: data)
        let sig = try GPGMEData(copying: signature)
        let error = gpgme_op_verify(context.handle, sig.handle, signed.handle, nil)
        if error != 0 { return "it is not an OpenPGP signature (\(GPGME.message(for: error)))" }
        guard let result = gpgme_op_verify_result(context.handle)?.pointee, let first = result.signatures else {
            return "it holds no signature"
        }
        let signature = first.pointee
        let fingerprint = signature.fpr.map { String(cString: $0) } ?? ""
        guard bm_gpgme_err_code_value(signature.status) == 0 else {
            return "the signature does not match (\(GPGME.message(for: signature.status))): the sealed text was changed, or the key is not in the keyring"
        }
        // The signing subkey's fingerprint: its primary key must be the pinned one.
        var key: gpgme_key_t?
        guard gpgme_get_key(context.handle, fingerprint, &key, 0) == 0, let key else {
            return "it was signed by key \(fingerprint), which is not in breachmail's keyring"
        }
        let owner = GPGMEKey(taking: key)
        guard owner.fingerprint == pin.fingerprint else {
            return "it was signed by key \(owner.fingerprint.hex), not by the controller's key \(pin.fingerprint.hex) (`\(pin.fingerprintSetting)`)"
        }
        return nil
    }
}
