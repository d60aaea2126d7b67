internal import CGPGME
import Foundation

/// Where the passphrase of the controller's signing key comes from. Never from argv.
public enum PassphraseSource: Sendable, Hashable {
    /// gpg-agent supplies it (cached, or asked through its own pinentry).
    case agent
    /// The first line of this file (a trailing newline is not part of the passphrase).
    case file(String)
    /// The value of this environment variable.
    case environment(String)
}

/// The passphrase bytes for one operation, lent to GPGME's callback and wiped afterwards.
final class PassphraseBox {
    private var bytes: [UInt8]
    /// Set when gpg asked again after a wrong answer.
    private(set) var wasRejected = false

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    deinit {
        for index in bytes.indices { bytes[index] = 0 }
    }

    /// Reads the passphrase for `key` from `source`; `nil` for `.agent`.
    static func read(_ source: PassphraseSource, for key: Fingerprint) throws(PGPError) -> PassphraseBox? {
        switch source {
        case .agent:
            return nil
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PGPError(
                    .passphraseUnavailable, operation: "read passphrase",
                    "The passphrase file \(path) for signing key \(key) cannot be read. Fix: create it "
                        + "(mode 0600) holding the passphrase, or correct the passphrase file setting.")
            }
            var bytes = [UInt8](data)
            // Editors end files with a newline; it is never part of the passphrase.
            if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            return PassphraseBox(bytes)
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw PGPError(
                    .passphraseUnavailable, operation: "read passphrase",
                    "The environment variable \(name), which should hold the passphrase of signing key "
                        + "\(key), is not set. Fix: export \(name) before running breachmail, or use a "
                        + "passphrase file.")
            }
            return PassphraseBox(Array(value.utf8))
        }
    }

    /// Lends this box to `context` as its loopback passphrase callback, for the duration of `body`.
    func lend<T>(to context: GPGMEContext, _ body: () throws(PGPError) -> T) throws(PGPError) -> T {
        try GPGME.check(gpgme_set_pinentry_mode(context.handle, GPGME_PINENTRY_MODE_LOOPBACK), "gpgme_set_pinentry_mode")
        let hook = Unmanaged.passUnretained(self).toOpaque()
        gpgme_set_passphrase_cb(context.handle, passphraseCallback, hook)
        defer { gpgme_set_passphrase_cb(context.handle, nil, nil) }
        return try withExtendedLifetime(self) { () throws(PGPError) -> T in try body() }
    }

    /// Writes the passphrase and a newline to gpg; refuses a second attempt after a wrong one.
    fileprivate func answer(previousWasBad: Bool, fd: Int32) -> gpgme_error_t {
        if previousWasBad {
            wasRejected = true
            return bm_gpgme_error(GPG_ERR_BAD_PASSPHRASE)
        }
        // Written in two calls so that no second copy of the passphrase is left unwiped.
        var written = bytes.isEmpty ? 0 : bytes.withUnsafeBytes { gpgme_io_writen(fd, $0.baseAddress, $0.count) }
        if written == 0 { written = gpgme_io_writen(fd, "\n", 1) }
        return written == 0 ? 0 : bm_gpgme_error(GPG_ERR_CANCELED)
    }
}

@available(*, unavailable)
extension PassphraseBox: Sendable {}

/// GPGME's passphrase callback: reaches its Swift owner through the hook; never throws into C.
private func passphraseCallback(
    hook: UnsafeMutableRawPointer?, uidHint: UnsafePointer<CChar>?, info: UnsafePointer<CChar>?,
    previousWasBad: Int32, fd: Int32
) -> gpgme_error_t {
    guard let hook else { return bm_gpgme_error(GPG_ERR_CANCELED) }
    return Unmanaged<PassphraseBox>.fromOpaque(hook).takeUnretainedValue().answer(
        previousWasBad: previousWasBad != 0, fd: fd)
}
