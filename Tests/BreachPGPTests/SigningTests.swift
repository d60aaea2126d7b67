import BreachPGP
import BreachTestSupport
import Foundation
import Testing

@Suite("Signing with the controller's key: encrypted and signed")
struct SigningTests {
    private static let passphrase = "correct horse battery staple"

    /// The controller's passphrase-protected key, exported and imported into breachmail's keyring.
    private func signer(
        _ workspace: Workspace, passphrase source: (String) throws -> PassphraseSource
    ) throws -> (SigningKey, String) {
        let fingerprint = try workspace.controller.makeKey(
            .ed25519, userID: "DPO Example <dpo@example.test>", passphrase: Self.passphrase)
        let path = try workspace.write(
            try workspace.controller.exportSecret(fingerprint, passphrase: Self.passphrase), to: "dpo-secret.asc")
        let key = try workspace.keyring().importSigningKey(
            try workspace.signingPin(path, fingerprint), passphrase: try source(Self.passphrase))
        return (key, fingerprint)
    }

    @Test func realGPGVerifiesTheSignatureInsideTheEncryption() throws {
        let workspace = try Workspace()
        let (authority, _) = try workspace.importedAuthority()
        let (key, fingerprint) = try signer(workspace) { passphrase in
            .file(try workspace.write(Array((passphrase + "\n").utf8), to: "passphrase"))
        }
        let armored = try workspace.keyring().encrypt(Array("signed report".utf8), to: authority, signedBy: key)
        try workspace.authority.importKeys(try workspace.controller.exportPublic(fingerprint))
        let decrypted = try workspace.authority.decrypt(armored)
        #expect(decrypted.plaintext == Array("signed report".utf8))
        #expect(decrypted.status.contains { $0.hasPrefix("GOODSIG ") })
        #expect(decrypted.status.contains { $0.hasPrefix("VALIDSIG \(fingerprint) ") })
    }

    @Test func takesThePassphraseFromTheEnvironment() throws {
        let workspace = try Workspace()
        let (authority, _) = try workspace.importedAuthority()
        let variable = "BREACHMAIL_TEST_PASSPHRASE_\(UUID().uuidString.prefix(8))"
        setenv(variable, Self.passphrase, 1)
        defer { unsetenv(variable) }
        let (key, fingerprint) = try signer(workspace) { _ in .environment(variable) }
        let armored = try workspace.keyring().encrypt(Array("x".utf8), to: authority, signedBy: key)
        try workspace.authority.importKeys(try workspace.controller.exportPublic(fingerprint))
        #expect(try workspace.authority.decrypt(armored).status.contains { $0.hasPrefix("VALIDSIG \(fingerprint) ") })
    }

    @Test func refusesAWrongPassphraseAndProducesNothing() throws {
        let workspace = try Workspace()
        let (authority, _) = try workspace.importedAuthority()
        let wrong = try workspace.write(Array("not the passphrase\n".utf8), to: "passphrase")
        let (key, fingerprint) = try signer(workspace) { _ in .file(wrong) }
        let error = refusal { try workspace.keyring().encrypt(Array("x".utf8), to: authority, signedBy: key) }
        #expect(error?.kind == .badPassphrase)
        #expect(
            error?.message
                == "The passphrase for signing key \(grouped(fingerprint)) is wrong; nothing was encrypted. Fix: "
                + "correct the passphrase file \(wrong).")
        #expect(error?.code == 11)
        #expect(error?.description.contains("not the passphrase") == false)
    }

    @Test func refusesAnUnsetPassphraseVariableBeforeImporting() throws {
        let workspace = try Workspace()
        let error = refusal {
            try signer(workspace) { _ in .environment("BREACHMAIL_TEST_UNSET_VARIABLE") }
        }
        let fingerprint = try #require(
            try GPGHome.run(["--with-colons", "--list-secret-keys"], home: workspace.controller.path).stdout
                .split(separator: UInt8(ascii: "\n")).lazy.map { String(decoding: $0, as: UTF8.self) }
                .first { $0.hasPrefix("fpr:") }?.split(separator: ":").last.map(String.init))
        #expect(error?.kind == .passphraseUnavailable)
        // Refused before importing: breachmail's keyring holds no secret key (asked of real gpg).
        if FileManager.default.fileExists(atPath: workspace.keyringPath) {
            let secret = try CommandRunner.run("gpg", ["--homedir", workspace.keyringPath, "--batch", "--with-colons", "--list-secret-keys"])
            #expect(secret.status == 0 || secret.stderr.contains("No secret key"), "\(secret.stderr)")
            #expect(!secret.stdout.contains("\nfpr:") && !secret.stdout.hasPrefix("fpr:"), "\(secret.stdout)")
        }
        #expect(
            error?.description
                == "The environment variable BREACHMAIL_TEST_UNSET_VARIABLE, which should hold the passphrase of "
                + "signing key \(grouped(fingerprint)), is not set. Fix: export BREACHMAIL_TEST_UNSET_VARIABLE "
                + "before running breachmail, or use a passphrase file.")
    }

    @Test func refusesWhenGPGAgentCannotBeReached() throws {
        let workspace = try Workspace()
        let (authority, _) = try workspace.importedAuthority()
        let (key, _) = try signer(workspace) { passphrase in
            .file(try workspace.write(Array(passphrase.utf8), to: "passphrase"))
        }
        // Stop the agent and make sure gpg cannot start another one.
        GPGHome.killAgent(home: workspace.keyringPath)
        try Data("agent-program /bin/false\n".utf8).write(to: URL(fileURLWithPath: workspace.keyringPath + "/gpg.conf"))
        let error = refusal { try workspace.keyring().encrypt(Array("x".utf8), to: authority, signedBy: key) }
        #expect(error?.kind == .agentUnreachable)
        #expect(
            error?.message
                == "gpg-agent for breachmail's keyring \(workspace.keyringPath) cannot be reached, so signing key "
                + "\(key.fingerprint) cannot be used; nothing was encrypted. Fix: check that `gpgconf --homedir "
                + "\(workspace.keyringPath) --launch gpg-agent` succeeds.")
    }

    @Test func encryptsAndSignsAPGPMIMEMessage() throws {
        let workspace = try Workspace()
        let (authority, _) = try workspace.importedAuthority(.rsa3072)
        let (key, fingerprint) = try signer(workspace) { passphrase in
            .file(try workspace.write(Array(passphrase.utf8), to: "passphrase"))
        }
        let headers = MessageHeaders(
            from: "dpo@example.test", to: "databreach@cnpd.test", subject: "Notification BR-1",
            date: "Tue, 03 Mar 2026 10:15:00 +0100", messageID: "<m1@example.test>")
        let message = try PGPMIME.encrypt(
            Array("Content-Type: text/plain\r\n\r\nbody\r\n".utf8), headers: headers, to: authority, signedBy: key,
            in: try workspace.keyring())
        let text = String(decoding: message.bytes, as: UTF8.self)
        let armor = try #require(text.range(of: "-----BEGIN PGP MESSAGE-----"))
        let end = try #require(text.range(of: "-----END PGP MESSAGE-----"))
        try workspace.authority.importKeys(try workspace.controller.exportPublic(fingerprint))
        let decrypted = try workspace.authority.decrypt(Array(text[armor.lowerBound..<end.upperBound].utf8))
        #expect(decrypted.status.contains { $0.hasPrefix("VALIDSIG \(fingerprint) ") })
        #expect(String(decoding: decrypted.plaintext, as: UTF8.self).contains("Subject: Notification BR-1\r\n"))
    }
}
