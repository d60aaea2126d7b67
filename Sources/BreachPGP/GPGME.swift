internal import CGPGME

/// GPGME, initialised once for the whole process (gpgme_check_version must run first).
public enum GPGME {
    private static let checkedVersion: String? = bm_gpgme_check_version(nil).map { String(cString: $0) }

    /// The GPGME library version, e.g. `1.18.0`.
    public static var version: String { checkedVersion ?? "unknown" }

    /// Runs the one-time initialisation; every owner of a GPGME handle calls it first.
    static func initialise() { _ = checkedVersion }

    /// GPGME's message for `error`, through the thread-safe `gpgme_strerror_r`.
    static func message(for error: gpgme_error_t) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = gpgme_strerror_r(error, &buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The error code of `error`, as a plain integer.
    static func code(_ error: gpgme_error_t) -> UInt32 { UInt32(bm_gpgme_err_code_value(error)) }

    /// A ``PGPError`` for a failed GPGME call, keeping GPGME's code and message.
    static func failure(
        _ error: gpgme_error_t, _ kind: PGPError.Kind = .library, operation: String, _ message: String
    ) -> PGPError {
        PGPError(kind, operation: operation, code: code(error), libraryMessage: self.message(for: error), message)
    }

    /// Throws a `.library` error when a GPGME call failed.
    static func check(_ error: gpgme_error_t, _ operation: String) throws(PGPError) {
        guard error != 0 else { return }
        throw failure(error, operation: operation, "GPGME failed during \(operation).")
    }
}

/// Owns one `gpgme_ctx_t`, set up for OpenPGP in breachmail's keyring; released in `deinit`.
///
/// A context belongs to one thread at a time (GPGME's rule); breachmail makes a new one per
/// operation so that signers and passphrase callbacks never leak from one use to the next.
final class GPGMEContext {
    let handle: gpgme_ctx_t

    init(home: String) throws(PGPError) {
        GPGME.initialise()
        var context: gpgme_ctx_t?
        try GPGME.check(gpgme_new(&context), "gpgme_new")
        guard let context else {
            throw PGPError(.library, operation: "gpgme_new", "GPGME returned no context.")
        }
        handle = context
        try GPGME.check(gpgme_set_protocol(handle, GPGME_PROTOCOL_OpenPGP), "gpgme_set_protocol")
        try GPGME.check(
            gpgme_ctx_set_engine_info(handle, GPGME_PROTOCOL_OpenPGP, nil, home), "gpgme_ctx_set_engine_info")
        gpgme_set_armor(handle, 1)
        gpgme_set_offline(handle, 1)
        try GPGME.check(
            gpgme_set_keylist_mode(handle, gpgme_keylist_mode_t(GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_WITH_KEYGRIP)), "gpgme_set_keylist_mode")
    }

    deinit { gpgme_release(handle) }
}

@available(*, unavailable)
extension GPGMEContext: Sendable {}

/// Owns one `gpgme_data_t`; released in `deinit`.
final class GPGMEData {
    let handle: gpgme_data_t

    /// An empty buffer for GPGME to write into.
    init() throws(PGPError) {
        GPGME.initialise()
        var data: gpgme_data_t?
        try GPGME.check(gpgme_data_new(&data), "gpgme_data_new")
        guard let data else { throw PGPError(.library, operation: "gpgme_data_new", "GPGME returned no data buffer.") }
        handle = data
    }

    /// A buffer holding a copy of `bytes`.
    init(copying bytes: [UInt8]) throws(PGPError) {
        GPGME.initialise()
        var data: gpgme_data_t?
        let error = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                gpgme_data_new_from_mem(&data, chars.baseAddress, chars.count, 1)
            }
        }
        try GPGME.check(error, "gpgme_data_new_from_mem")
        guard let data else {
            throw PGPError(.library, operation: "gpgme_data_new_from_mem", "GPGME returned no data buffer.")
        }
        handle = data
    }

    /// Everything written into the buffer.
    func bytes() throws(PGPError) -> [UInt8] {
        guard gpgme_data_seek(handle, 0, SEEK_SET) == 0 else {
            throw PGPError(.library, operation: "gpgme_data_seek", "GPGME could not rewind its output buffer.")
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { gpgme_data_read(handle, $0.baseAddress, $0.count) }
            if count == 0 { return result }
            guard count > 0 else {
                throw PGPError(.library, operation: "gpgme_data_read", "GPGME could not read its output buffer.")
            }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    deinit { gpgme_data_release(handle) }
}

@available(*, unavailable)
extension GPGMEData: Sendable {}

/// Owns one reference to a `gpgme_key_t`; released in `deinit`.
final class GPGMEKey {
    let handle: gpgme_key_t

    /// Takes over the reference GPGME handed out.
    init(taking handle: gpgme_key_t) { self.handle = handle }

    deinit { gpgme_key_unref(handle) }

    var fingerprint: Fingerprint {
        Fingerprint(trusted: handle.pointee.fpr.map { String(cString: $0) } ?? "")
    }
    var isSecret: Bool { handle.pointee.secret != 0 }
    var isRevoked: Bool { handle.pointee.revoked != 0 }
    var isExpired: Bool { handle.pointee.expired != 0 }
    var isDisabled: Bool { handle.pointee.disabled != 0 }
    var isInvalid: Bool { handle.pointee.invalid != 0 }

    /// The keygrips of the key's subkeys (the primary included), which name gpg-agent's key files.
    var keygrips: [String] {
        var grips: [String] = []
        var subkey = handle.pointee.subkeys
        while let current = subkey {
            if let grip = current.pointee.keygrip { grips.append(String(cString: grip)) }
            subkey = current.pointee.next
        }
        return grips
    }

    /// Whether a subkey (the primary included) can do `purpose` today.
    ///
    /// - Parameter secretRequired: for signing, also require the subkey's secret part, which only a
    ///   secret-key listing of a keyring reports (a listing of a file's keys does not).
    func hasUsableSubkey(for purpose: KeyPurpose, secretRequired: Bool) -> Bool {
        var subkey = handle.pointee.subkeys
        while let current = subkey {
            let capable = purpose == .encrypt ? current.pointee.can_encrypt != 0 : current.pointee.can_sign != 0
            let secretPresent = !secretRequired || current.pointee.secret != 0
            if capable && secretPresent && current.pointee.revoked == 0 && current.pointee.expired == 0
                && current.pointee.disabled == 0 && current.pointee.invalid == 0
            {
                return true
            }
            subkey = current.pointee.next
        }
        return false
    }
}

@available(*, unavailable)
extension GPGMEKey: Sendable {}

/// What a key is about to be used for.
enum KeyPurpose { case encrypt, sign }
