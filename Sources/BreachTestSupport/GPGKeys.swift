public import Foundation

/// What a finished child process left behind.
public struct ProcessOutput: Sendable {
    /// The exit status.
    public let status: Int32
    /// Everything written to standard output.
    public let stdout: [UInt8]
    /// Everything written to standard error, as text.
    public let stderr: String
}

/// Child processes with a time limit, for tests that drive real programs.
public enum BoundedProcess {
    /// Runs `executable` with `arguments`, feeding `input`, and gives up after `timeout` seconds.
    ///
    /// Output goes through temporary files, never pipes, so a chatty child cannot block on a full
    /// pipe while the caller waits.
    /// - Throws: when the process cannot start or runs out of time (it is killed then).
    public static func run(
        _ executable: String, _ arguments: [String], input: [UInt8]? = nil, environment: [String: String]? = nil,
        timeout: TimeInterval = 60
    ) throws -> ProcessOutput {
        let scratch = try TemporaryDirectory("proc")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let inputFile = scratch.file("stdin")
        try Data(input ?? []).write(to: inputFile)
        try Data().write(to: scratch.file("stdout"))
        try Data().write(to: scratch.file("stderr"))
        let stdin = try FileHandle(forReadingFrom: inputFile)
        let stdout = try FileHandle(forWritingTo: scratch.file("stdout"))
        let stderr = try FileHandle(forWritingTo: scratch.file("stderr"))
        defer {
            try? stdin.close()
            try? stdout.close()
            try? stderr.close()
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw ProcessTimeout(command: ([executable] + arguments).joined(separator: " "), seconds: timeout)
        }
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: [UInt8]((try? Data(contentsOf: scratch.file("stdout"))) ?? Data()),
            stderr: String(decoding: (try? Data(contentsOf: scratch.file("stderr"))) ?? Data(), as: UTF8.self))
    }
}

/// A child process that did not finish in time.
public struct ProcessTimeout: Error, CustomStringConvertible {
    /// The command line.
    public let command: String
    /// The time it was given.
    public let seconds: TimeInterval
    public var description: String { "\(command) did not finish within \(Int(seconds)) s" }
}

/// A failed gpg run in a test.
public struct GPGFailure: Error, CustomStringConvertible {
    /// The gpg arguments.
    public let arguments: [String]
    /// gpg's exit status.
    public let status: Int32
    /// gpg's standard error.
    public let stderr: String
    public var description: String { "gpg \(arguments.joined(separator: " ")) failed (\(status)): \(stderr)" }
}

/// A throwaway GnuPG home in which real `gpg` makes, exports, revokes and uses keys for tests.
///
/// Every call is bounded in time; the directory is removed and its gpg-agent killed when the
/// value goes away.
///
/// ```swift
/// let authority = try GPGHome()
/// let fingerprint = try authority.makeKey(.ed25519, userID: "CNPD <databreach@cnpd.test>")
/// try authority.exportPublic(fingerprint)   // armored public key
/// ```
public final class GPGHome: @unchecked Sendable {
    /// The kinds of keys a test can ask for.
    public enum KeyKind: Sendable {
        /// ed25519 primary (sign, certify) with a cv25519 encryption subkey.
        case ed25519
        /// RSA-3072 primary (sign, certify) with an RSA-3072 encryption subkey.
        case rsa3072
        /// An ed25519 primary key that can only sign and certify: no encryption subkey.
        case signOnly
    }

    /// What `gpg --decrypt` produced.
    public struct Decryption: Sendable {
        /// The plaintext.
        public let plaintext: [UInt8]
        /// gpg's `[GNUPG:]` status lines, without the prefix (e.g. `GOODSIG …`, `DECRYPTION_OKAY`).
        public let status: [String]
    }

    /// The gpg binary.
    public static let gpg = "/usr/bin/gpg"
    /// The gpgconf binary.
    public static let gpgconf = "/usr/bin/gpgconf"

    private let directory: TemporaryDirectory

    /// The home directory (mode 0700).
    public var path: String { directory.path }

    /// Makes an empty home.
    public init() throws {
        directory = try TemporaryDirectory("gpg")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
    }

    deinit { Self.killAgent(home: directory.path) }

    /// Runs gpg in `home` in batch mode with loopback pinentry and `passphrase` (empty by default).
    ///
    /// - Throws: ``GPGFailure`` when gpg exits with a status other than 0.
    @discardableResult
    public static func run(
        _ arguments: [String], home: String, passphrase: String = "", input: [UInt8]? = nil, timeout: TimeInterval = 60
    ) throws -> ProcessOutput {
        let full =
            ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", passphrase]
            + arguments
        let output = try BoundedProcess.run(gpg, full, input: input, timeout: timeout)
        guard output.status == 0 else {
            throw GPGFailure(arguments: arguments, status: output.status, stderr: output.stderr)
        }
        return output
    }

    /// Runs gpg in this home; see ``run(_:home:passphrase:input:timeout:)``.
    @discardableResult
    public func gpg(_ arguments: [String], passphrase: String = "", input: [UInt8]? = nil) throws -> ProcessOutput {
        try Self.run(arguments, home: path, passphrase: passphrase, input: input)
    }

    /// Makes a key and returns its 40-digit fingerprint.
    ///
    /// - Parameters:
    ///   - fakedTime: a gpg time (`20200101T000000`) at which the key is made; with an `expiry`
    ///     of `1y` this gives a key that has already expired.
    ///   - expiry: gpg's expiry spelling, `0` for never.
    public func makeKey(
        _ kind: KeyKind, userID: String, passphrase: String = "", fakedTime: String? = nil, expiry: String = "0"
    ) throws -> String {
        let time = fakedTime.map { ["--faked-system-time", $0] } ?? []
        let (primary, subkey): (String, String?) =
            switch kind {
            case .ed25519: ("ed25519", "cv25519")
            case .rsa3072: ("rsa3072", "rsa3072")
            case .signOnly: ("ed25519", nil)
            }
        let created = try gpg(
            time + ["--status-fd", "1", "--quick-gen-key", userID, primary, "sign,cert", expiry], passphrase: passphrase)
        let fingerprint = try Self.statusLines(created.stdout)
            .first { $0.hasPrefix("KEY_CREATED") }
            .map { String($0.split(separator: " ")[2]) }
            .unwrap("gpg reported no KEY_CREATED for \(userID)")
        if let subkey {
            try gpg(time + ["--quick-add-key", fingerprint, subkey, "encr", expiry], passphrase: passphrase)
        }
        return fingerprint
    }

    /// The armored public keys with these fingerprints, in one block.
    public func exportPublic(_ fingerprints: String...) throws -> [UInt8] {
        try gpg(["--armor", "--export"] + fingerprints).stdout
    }

    /// The armored secret key with this fingerprint.
    public func exportSecret(_ fingerprint: String, passphrase: String = "") throws -> [UInt8] {
        try gpg(["--armor", "--export-secret-keys", fingerprint], passphrase: passphrase).stdout
    }

    /// Revokes the key with the revocation certificate gpg wrote when it made the key.
    public func revoke(_ fingerprint: String) throws {
        let file = URL(fileURLWithPath: path).appendingPathComponent("openpgp-revocs.d/\(fingerprint).rev")
        let text = try String(contentsOf: file, encoding: .utf8)
        // gpg prefixes the armor line with a colon so that the certificate is not imported by accident.
        let certificate = text.replacingOccurrences(
            of: ":-----BEGIN PGP PUBLIC KEY BLOCK-----", with: "-----BEGIN PGP PUBLIC KEY BLOCK-----")
        try gpg(["--import"], input: Array(certificate.utf8))
    }

    /// Imports armored keys (for example a signer's public key, to verify its signatures).
    public func importKeys(_ armored: [UInt8]) throws {
        try gpg(["--import"], input: armored)
    }

    /// Decrypts (and verifies, when signed) with real gpg.
    ///
    /// - Throws: ``GPGFailure`` when gpg cannot decrypt.
    public func decrypt(_ message: [UInt8], passphrase: String = "") throws -> Decryption {
        let output = try gpg(["--status-fd", "2", "--decrypt"], passphrase: passphrase, input: message)
        return Decryption(plaintext: output.stdout, status: Self.statusLines(Array(output.stderr.utf8)))
    }

    /// Stops every GnuPG daemon started for `home`.
    public static func killAgent(home: String) {
        _ = try? BoundedProcess.run(gpgconf, ["--homedir", home, "--kill", "all"], timeout: 20)
    }

    private static func statusLines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            line.hasPrefix("[GNUPG:] ") ? String(line.dropFirst("[GNUPG:] ".count)) : nil
        }
    }
}

extension Optional {
    fileprivate func unwrap(_ message: String) throws -> Wrapped {
        guard let self else { throw GPGFailure(arguments: [], status: -1, stderr: message) }
        return self
    }
}
