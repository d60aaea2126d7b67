internal import CGPGME
import Foundation

/// breachmail's own OpenPGP keyring: a directory used as GnuPG's home, never `~/.gnupg`.
///
/// Every method is synchronous and **blocks** its thread while gpg runs (key import, listing,
/// encryption, and gpg-agent for signing). Call it from a thread of its own, for example through
/// ``PGPThread/run(_:)``, never directly from an `async` context on the cooperative pool.
///
/// The value only names the directory; each operation makes its own GPGME context on the calling
/// thread and releases it before returning, so a `Keyring` may be shared between threads.
///
/// ```swift
/// let keyring = try Keyring(directory: "state/keyring")
/// let authority = try keyring.importRecipientKey(pin)
/// let armored = try keyring.encrypt(Array("hello".utf8), to: authority)
/// ```
public struct Keyring: Sendable {
    /// The keyring directory (GnuPG home).
    public let directory: String

    /// Opens the keyring at `directory`, creating it with mode 0700 when missing.
    ///
    /// - Throws: ``PGPError`` `.keyringUnusable` when the path is not a directory, when group or
    ///   others have any access to it (gpg keeps secret material there), or when it cannot be made.
    public init(directory: String) throws(PGPError) {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PGPError(
                    .keyringUnusable, operation: "open keyring",
                    "The keyring path \(directory) exists but is not a directory. Fix: move that file "
                        + "away or configure another keyring directory.")
            }
            let mode = ((try? files.attributesOfItem(atPath: directory))?[.posixPermissions] as? Int) ?? 0o777
            guard mode & 0o077 == 0 else {
                throw PGPError(
                    .keyringUnusable, operation: "open keyring",
                    "The keyring directory \(directory) has mode \(String(mode & 0o777, radix: 8)): group "
                        + "and others must have no access to it. Fix: chmod 700 \(directory)")
            }
        } else {
            do {
                try files.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                // The umask may have narrowed the mode further, never widened it; set it exactly.
                try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
            } catch {
                throw PGPError(
                    .keyringUnusable, operation: "open keyring",
                    "The keyring directory \(directory) cannot be created. Fix: check that its parent "
                        + "exists and is writable, or configure another keyring directory.")
            }
        }
        self.directory = directory
    }

    // MARK: - Importing pinned keys

    /// Imports the authority's armored public key from `pin.keyFile`, after checking that the file
    /// holds exactly one public key, that its fingerprint is the pinned one, and that it can encrypt.
    ///
    /// A refused key is not imported. The key is checked again in the keyring after import (a
    /// revocation or a disabled flag may already be there).
    ///
    /// - Returns: a handle to pass to ``encrypt(_:to:signedBy:)``.
    /// - Throws: ``PGPError`` naming the file or setting: `.keyFileMissing`, `.keyFileHoldsNoKey`,
    ///   `.keyFileHoldsSeveralKeys`, `.keyFileHoldsSecretKey`, `.fingerprintMismatch`, `.keyRevoked`,
    ///   `.keyExpired`, `.keyDisabled`, `.keyInvalid`, `.noEncryptionSubkey`.
    public func importRecipientKey(_ pin: KeyPin) throws(PGPError) -> RecipientKey {
        let role = KeyRole.recipient(pin)
        let bytes = try role.readKeyFile()
        if bytes.contains(armorHeader: "-----BEGIN PGP PRIVATE KEY BLOCK-----") {
            throw role.holdsSecretKey()
        }
        let context = try GPGMEContext(home: directory)
        let key = try role.single(in: listKeys(in: bytes, context: context))
        guard !key.isSecret else { throw role.holdsSecretKey() }
        try role.check(key, in: self, inKeyring: false)
        try importKeys(bytes, role: role, context: context)
        try role.check(role.lookUp(in: self, context: context), in: self, inKeyring: true)
        return RecipientKey(pin: pin)
    }

    /// Imports the controller's armored secret key from `pin.keyFile` for signing, after the same
    /// checks as ``importRecipientKey(_:)`` (one key, the pinned fingerprint, able to sign).
    ///
    /// - Parameter passphrase: where the key's passphrase comes from at signing time.
    /// - Throws: ``PGPError`` naming the file or setting, as for ``importRecipientKey(_:)``, and
    ///   `.keyFileHoldsNoSecretKey`, `.noSigningKey`.
    public func importSigningKey(_ pin: KeyPin, passphrase: PassphraseSource) throws(PGPError) -> SigningKey {
        let role = KeyRole.signer(pin)
        let bytes = try role.readKeyFile()
        let context = try GPGMEContext(home: directory)
        let key = try role.single(in: listKeys(in: bytes, context: context))
        guard key.isSecret else {
            throw PGPError(
                .keyFileHoldsNoSecretKey, operation: "import signing key",
                "The signing key file \(pin.keyFile) (setting `\(pin.keyFileSetting)`) holds only a public "
                    + "key. Fix: export the controller's secret key there with "
                    + "`gpg --export-secret-keys --armor \(pin.fingerprint.hex)`.")
        }
        try role.check(key, in: self, inKeyring: false)
        // gpg 2.2 moves protected secret keys to gpg-agent as they are; a passphrase is only
        // asked for in unusual set-ups, so lend it when the caller gave one.
        if let box = try PassphraseBox.read(passphrase, for: pin.fingerprint) {
            try box.lend(to: context) { () throws(PGPError) in try importKeys(bytes, role: role, context: context) }
        } else {
            try importKeys(bytes, role: role, context: context)
        }
        try role.check(role.lookUp(in: self, context: context), in: self, inKeyring: true)
        return SigningKey(pin: pin, passphrase: passphrase)
    }

    // MARK: - Encryption

    /// Encrypts `plaintext` to `recipient` only, ASCII-armored, and signs it when `signer` is given
    /// (one OpenPGP message, encrypted and signed: `gpgme_op_encrypt_sign`).
    ///
    /// Both keys are looked up and checked again in the keyring first (a key may have expired since
    /// it was imported); only then is `GPGME_ENCRYPT_ALWAYS_TRUST` used. Any invalid recipient or
    /// signer fails the whole operation and nothing is returned.
    ///
    /// - Returns: the armored OpenPGP message (`-----BEGIN PGP MESSAGE-----`, LF line ends).
    /// - Throws: ``PGPError``: the key refusals of the import, `.invalidRecipient`, `.invalidSigner`,
    ///   `.passphraseUnavailable`, `.badPassphrase`, `.agentUnreachable`, `.library`.
    public func encrypt(_ plaintext: [UInt8], to recipient: RecipientKey, signedBy signer: SigningKey? = nil)
        throws(PGPError) -> [UInt8]
    {
        let context = try GPGMEContext(home: directory)
        let recipientRole = KeyRole.recipient(recipient.pin)
        let recipientKey = try recipientRole.lookUp(in: self, context: context)
        try recipientRole.check(recipientKey, in: self, inKeyring: true)

        let input = try GPGMEData(copying: plaintext)
        let output = try GPGMEData()
        var recipients: [gpgme_key_t?] = [recipientKey.handle, nil]
        let flags = gpgme_encrypt_flags_t(
            rawValue: GPGME_ENCRYPT_ALWAYS_TRUST.rawValue | GPGME_ENCRYPT_NO_ENCRYPT_TO.rawValue)

        guard let signer else {
            let error = gpgme_op_encrypt(context.handle, &recipients, flags, input.handle, output.handle)
            try checkRecipients(context, error, recipient)
            try GPGME.check(error, "gpgme_op_encrypt")
            return try output.bytes()
        }

        let signerRole = KeyRole.signer(signer.pin)
        let signerKey = try signerRole.lookUp(in: self, context: context)
        try signerRole.check(signerKey, in: self, inKeyring: true)
        gpgme_signers_clear(context.handle)
        try GPGME.check(gpgme_signers_add(context.handle, signerKey.handle), "gpgme_signers_add")

        let box = try PassphraseBox.read(signer.passphrase, for: signer.fingerprint)
        let error: gpgme_error_t
        if let box {
            error = try box.lend(to: context) { () throws(PGPError) in
                gpgme_op_encrypt_sign(context.handle, &recipients, flags, input.handle, output.handle)
            }
        } else {
            error = gpgme_op_encrypt_sign(context.handle, &recipients, flags, input.handle, output.handle)
        }
        try checkRecipients(context, error, recipient)
        if error != 0 || box?.wasRejected == true {
            throw signingFailure(error, signer: signer, rejected: box?.wasRejected == true)
        }
        try checkSigners(context, signer)
        return try output.bytes()
    }

    // MARK: - Internals

    /// The keys a key file holds, listed without importing them (`gpg --show-keys`).
    private func listKeys(in bytes: [UInt8], context: GPGMEContext) throws(PGPError) -> [GPGMEKey] {
        let data = try GPGMEData(copying: bytes)
        try GPGME.check(gpgme_op_keylist_from_data_start(context.handle, data.handle, 0), "gpgme_op_keylist_from_data_start")
        var keys: [GPGMEKey] = []
        while true {
            var key: gpgme_key_t?
            let error = gpgme_op_keylist_next(context.handle, &key)
            if GPGME.code(error) == GPG_ERR_EOF.rawValue { break }
            try GPGME.check(error, "gpgme_op_keylist_next")
            if let key { keys.append(GPGMEKey(taking: key)) }
        }
        _ = gpgme_op_keylist_end(context.handle)
        return keys
    }

    private func importKeys(_ bytes: [UInt8], role: KeyRole, context: GPGMEContext) throws(PGPError) {
        let data = try GPGMEData(copying: bytes)
        let error = gpgme_op_import(context.handle, data.handle)
        if error != 0 { throw role.importFailure(error) }
        guard let result = gpgme_op_import_result(context.handle)?.pointee,
            result.not_imported == 0, result.considered == 1
        else {
            throw PGPError(
                .library, operation: "gpgme_op_import",
                "gpg did not import the key from \(role.pin.keyFile) (setting `\(role.pin.keyFileSetting)`). "
                    + "Fix: export the key again and replace the file.")
        }
    }

    private func checkRecipients(_ context: GPGMEContext, _ error: gpgme_error_t, _ recipient: RecipientKey) throws(PGPError) {
        let invalid = gpgme_op_encrypt_result(context.handle)?.pointee.invalid_recipients
        guard invalid != nil || GPGME.code(error) == GPG_ERR_UNUSABLE_PUBKEY.rawValue else { return }
        let reason = invalid?.pointee.reason ?? error
        throw GPGME.failure(
            reason, .invalidRecipient, operation: "gpgme_op_encrypt",
            "gpg refused the \(recipient.pin.owner) key \(recipient.fingerprint) as a recipient; nothing was encrypted. "
                + "Fix: obtain the \(recipient.pin.owner)'s current key and fingerprint from the \(recipient.pin.owner), then update "
                + "`\(recipient.pin.keyFileSetting)` and `\(recipient.pin.fingerprintSetting)`.")
    }

    func checkSigners(_ context: GPGMEContext, _ signer: SigningKey) throws(PGPError) {
        let result = gpgme_op_sign_result(context.handle)?.pointee
        guard let result, result.invalid_signers == nil, result.signatures != nil else {
            throw PGPError(
                .invalidSigner, operation: "gpgme_op_encrypt_sign",
                "gpg did not sign with key \(signer.fingerprint); nothing was encrypted. Fix: check that "
                    + "`\(signer.pin.fingerprintSetting)` names a secret key that can sign.")
        }
    }

    /// gpg-agent, which holds the secret keys, could not be reached or started.
    func agentUnreachable(signing fingerprint: Fingerprint) -> PGPError {
        PGPError(
            .agentUnreachable, operation: "reach gpg-agent",
            "gpg-agent for breachmail's keyring \(directory) cannot be reached, so signing key \(fingerprint) "
                + "cannot be used; nothing was encrypted. Fix: check that "
                + "`gpgconf --homedir \(directory) --launch gpg-agent` succeeds.")
    }

    private func signingFailure(_ error: gpgme_error_t, signer: SigningKey, rejected: Bool) -> PGPError {
        let code = GPGME.code(error)
        let operation = "gpgme_op_encrypt_sign"
        if rejected || code == GPG_ERR_BAD_PASSPHRASE.rawValue {
            return GPGME.failure(
                error == 0 ? bm_gpgme_error(GPG_ERR_BAD_PASSPHRASE) : error, .badPassphrase, operation: operation,
                "The passphrase for signing key \(signer.fingerprint) is wrong; nothing was encrypted. "
                    + "Fix: correct \(signer.passphrase.origin).")
        }
        if code == GPG_ERR_NO_AGENT.rawValue || code == GPG_ERR_ASS_CONNECT_FAILED.rawValue {
            let refusal = agentUnreachable(signing: signer.fingerprint)
            return GPGME.failure(error, .agentUnreachable, operation: operation, refusal.message)
        }
        if [GPG_ERR_NO_PIN_ENTRY, GPG_ERR_PIN_ENTRY, GPG_ERR_CANCELED, GPG_ERR_NO_PASSPHRASE].map(\.rawValue).contains(code) {
            return GPGME.failure(
                error, .passphraseUnavailable, operation: operation,
                "No passphrase reached gpg for signing key \(signer.fingerprint); nothing was encrypted. "
                    + "Fix: give the passphrase in a file or an environment variable, or unlock the key in "
                    + "gpg-agent first.")
        }
        return GPGME.failure(
            error, .library, operation: operation,
            "gpg could not encrypt and sign with key \(signer.fingerprint); nothing was encrypted.")
    }
}

/// The authority's public key, imported and checked; pass it to ``Keyring/encrypt(_:to:signedBy:)``.
public struct RecipientKey: Sendable, Hashable {
    let pin: KeyPin
    /// The pinned fingerprint.
    public var fingerprint: Fingerprint { pin.fingerprint }
}

/// The controller's secret key, imported and checked, with where its passphrase comes from.
public struct SigningKey: Sendable, Hashable {
    let pin: KeyPin
    let passphrase: PassphraseSource
    /// The pinned fingerprint.
    public var fingerprint: Fingerprint { pin.fingerprint }
}

extension PassphraseSource {
    /// Where the passphrase came from, for a message that says what to correct.
    var origin: String {
        switch self {
        case .agent: "the passphrase cached in gpg-agent"
        case .file(let path): "the passphrase file \(path)"
        case .environment(let name): "the environment variable \(name)"
        }
    }
}

extension [UInt8] {
    /// Whether an armor header line appears in these bytes.
    fileprivate func contains(armorHeader: String) -> Bool {
        let needle = Array(armorHeader.utf8)
        guard count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { start in self[start..<start + needle.count].elementsEqual(needle) }
    }
}
