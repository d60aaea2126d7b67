import BreachPGP
import BreachTestSupport
import Foundation
import Testing

@Suite("Keyring: own directory, pinned import, refusals")
struct KeyringTests {
    @Test func createsTheKeyringDirectoryWithMode0700() throws {
        let workspace = try Workspace()
        _ = try workspace.keyring()
        let mode = try FileManager.default.attributesOfItem(atPath: workspace.keyringPath)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func refusesAKeyringDirectoryOthersCanRead() throws {
        let workspace = try Workspace()
        try FileManager.default.createDirectory(
            atPath: workspace.keyringPath, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let error = refusal { try workspace.keyring() }
        #expect(error?.kind == .keyringUnusable)
        #expect(
            error?.description
                == "The keyring directory \(workspace.keyringPath) has mode 755: group and others must have no "
                + "access to it. Fix: chmod 700 \(workspace.keyringPath)")
    }

    @Test func acceptsAFingerprintWithSpacesInEitherCase() throws {
        let pin = try KeyPin(
            keyFile: "k.asc", keyFileSetting: "f", fingerprint: "58b2 a722 8113 3E46 E9A1  F528 0D68 0638 1B8C 6BBF",
            fingerprintSetting: "authorities.cnpd.fingerprint")
        #expect(pin.fingerprint.hex == "58B2A72281133E46E9A1F5280D6806381B8C6BBF")
        #expect(pin.fingerprint.description == "58B2 A722 8113 3E46 E9A1 F528 0D68 0638 1B8C 6BBF")
    }

    @Test func refusesAFingerprintOfTheWrongLengthNamingTheSetting() {
        let error = refusal {
            try KeyPin(
                keyFile: "k.asc", keyFileSetting: "f", fingerprint: "1B8C 6BBF",
                fingerprintSetting: "authorities.cnpd.fingerprint")
        }
        #expect(error?.kind == .fingerprintMalformed)
        #expect(
            error?.description
                == "The setting `authorities.cnpd.fingerprint` holds a fingerprint of 8 hexadecimal digits; a full "
                + "OpenPGP fingerprint has 40. Fix: copy the authority's full fingerprint (40 hexadecimal digits, "
                + "spaces allowed) into `authorities.cnpd.fingerprint`.")
    }

    @Test func refusesAFingerprintWithOtherCharacters() {
        let error = refusal {
            try KeyPin(
                keyFile: "k.asc", keyFileSetting: "f", fingerprint: String(repeating: "Z", count: 40),
                fingerprintSetting: "authorities.cnpd.fingerprint")
        }
        #expect(error?.kind == .fingerprintMalformed)
        #expect(error?.description.hasPrefix("The setting `authorities.cnpd.fingerprint` holds a fingerprint with") == true)
    }

    @Test func importsTheAuthorityKeyPinnedByFingerprint() throws {
        let workspace = try Workspace()
        let (key, fingerprint) = try workspace.importedAuthority()
        #expect(key.fingerprint.hex == fingerprint)
        #expect(try workspace.keyringHolds(fingerprint))
        // Never the user's own keyring: the key is in breachmail's directory only.
        #expect(FileManager.default.fileExists(atPath: workspace.keyringPath + "/pubring.kbx"))
    }

    @Test func refusesAMissingKeyFile() throws {
        let workspace = try Workspace()
        let path = workspace.state.file("absent.asc").path
        let pin = try workspace.authorityPin(path, String(repeating: "A", count: 40))
        let error = refusal { try workspace.keyring().importRecipientKey(pin) }
        #expect(error?.kind == .keyFileMissing)
        #expect(
            error?.description
                == "The authority key file \(path) (setting `authorities.cnpd.key_file`) does not exist. Fix: save "
                + "the authority's armored public key there, or correct `authorities.cnpd.key_file`.")
    }

    @Test func refusesAFileHoldingNoKey() throws {
        let workspace = try Workspace()
        let path = try workspace.write(Array("not a key\n".utf8), to: "cnpd.asc")
        let error = refusal {
            try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, String(repeating: "A", count: 40)))
        }
        #expect(error?.kind == .keyFileHoldsNoKey)
        #expect(
            error?.description
                == "The authority key file \(path) (setting `authorities.cnpd.key_file`) holds no OpenPGP key. "
                + "Fix: save the armored key there (a block that begins with -----BEGIN PGP).")
    }

    @Test func refusesAFileHoldingSeveralKeys() throws {
        let workspace = try Workspace()
        let first = try workspace.authority.makeKey(.ed25519, userID: "CNPD <a@cnpd.test>")
        let second = try workspace.authority.makeKey(.ed25519, userID: "Other <b@cnpd.test>")
        let path = try workspace.write(try workspace.authority.exportPublic(first, second), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, first)) }
        #expect(error?.kind == .keyFileHoldsSeveralKeys)
        #expect(
            error?.description
                == "The authority key file \(path) (setting `authorities.cnpd.key_file`) holds 2 keys; it must hold "
                + "exactly one. Fix: export only the key whose fingerprint is \(grouped(first)) into \(path).")
        #expect(!(try workspace.keyringHolds(first)))
        #expect(!(try workspace.keyringHolds(second)))
    }

    @Test func refusesAFileHoldingASecretKey() throws {
        let workspace = try Workspace()
        let fingerprint = try workspace.authority.makeKey(.ed25519, userID: "CNPD <a@cnpd.test>")
        let path = try workspace.write(try workspace.authority.exportSecret(fingerprint), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, fingerprint)) }
        #expect(error?.kind == .keyFileHoldsSecretKey)
        #expect(
            error?.description
                == "The authority key file \(path) (setting `authorities.cnpd.key_file`) holds a secret key; it "
                + "must hold only the authority's public key. Fix: replace it with the public key alone "
                + "(`gpg --export --armor \(fingerprint)`) and keep secret keys out of it.")
        #expect(!(try workspace.keyringHolds(fingerprint)))
    }

    @Test func refusesAKeyWhoseFingerprintIsNotThePinnedOne() throws {
        let workspace = try Workspace()
        let actual = try workspace.authority.makeKey(.ed25519, userID: "Impostor <databreach@cnpd.test>")
        let pinned = "0123456789ABCDEF0123456789ABCDEF01234567"
        let path = try workspace.write(try workspace.authority.exportPublic(actual), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, pinned)) }
        #expect(error?.kind == .fingerprintMismatch)
        #expect(
            error?.description
                == "The key in \(path) (setting `authorities.cnpd.key_file`) has fingerprint \(grouped(actual)), but "
                + "`authorities.cnpd.fingerprint` pins \(grouped(pinned)). Fix: confirm the fingerprint through "
                + "another channel; if the key really changed, update `authorities.cnpd.fingerprint`, otherwise "
                + "put the right key in \(path).")
        #expect(!(try workspace.keyringHolds(actual)))
    }

    @Test func refusesAnExpiredKey() throws {
        let workspace = try Workspace()
        let fingerprint = try workspace.authority.makeKey(
            .ed25519, userID: "CNPD <a@cnpd.test>", fakedTime: "20200101T000000", expiry: "1y")
        let path = try workspace.write(try workspace.authority.exportPublic(fingerprint), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, fingerprint)) }
        #expect(error?.kind == .keyExpired)
        #expect(
            error?.description
                == "The authority key \(grouped(fingerprint)) in \(path) (setting `authorities.cnpd.key_file`) has "
                + "expired. Fix: obtain the authority's current public key and fingerprint from the authority "
                + "itself, then update `authorities.cnpd.key_file` and `authorities.cnpd.fingerprint`.")
        #expect(!(try workspace.keyringHolds(fingerprint)))
    }

    @Test func refusesARevokedKey() throws {
        let workspace = try Workspace()
        let fingerprint = try workspace.authority.makeKey(.ed25519, userID: "CNPD <a@cnpd.test>")
        try workspace.authority.revoke(fingerprint)
        let path = try workspace.write(try workspace.authority.exportPublic(fingerprint), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, fingerprint)) }
        #expect(error?.kind == .keyRevoked)
        #expect(
            error?.description
                == "The authority key \(grouped(fingerprint)) in \(path) (setting `authorities.cnpd.key_file`) has "
                + "been revoked. Fix: obtain the authority's current public key and fingerprint from the authority "
                + "itself, then update `authorities.cnpd.key_file` and `authorities.cnpd.fingerprint`.")
        #expect(!(try workspace.keyringHolds(fingerprint)))
    }

    @Test func refusesAKeyRevokedAfterItWasImported() throws {
        let workspace = try Workspace()
        let (key, fingerprint) = try workspace.importedAuthority()
        try workspace.authority.revoke(fingerprint)
        // The revocation reaches breachmail's keyring another way (a later import, a gpg command).
        try GPGHome.run(["--import"], home: workspace.keyringPath, input: try workspace.authority.exportPublic(fingerprint))
        let error = refusal { try workspace.keyring().encrypt(Array("x".utf8), to: key) }
        #expect(error?.kind == .keyRevoked)
    }

    @Test func refusesADisabledKey() throws {
        let workspace = try Workspace()
        let (key, fingerprint) = try workspace.importedAuthority()
        try GPGHome.run(["--edit-key", fingerprint, "disable", "quit"], home: workspace.keyringPath)
        let error = refusal { try workspace.keyring().encrypt(Array("x".utf8), to: key) }
        #expect(error?.kind == .keyDisabled)
        #expect(
            error?.description
                == "The authority key \(grouped(fingerprint)) in \(workspace.state.file("cnpd.asc").path) (setting "
                + "`authorities.cnpd.key_file`) is disabled in breachmail's keyring \(workspace.keyringPath). Fix: if "
                + "it may be used again, run `gpg --homedir \(workspace.keyringPath) --edit-key \(fingerprint) "
                + "enable`; otherwise obtain a current key.")
    }

    @Test func refusesAKeyWithoutAnEncryptionSubkey() throws {
        let workspace = try Workspace()
        let fingerprint = try workspace.authority.makeKey(.signOnly, userID: "CNPD <a@cnpd.test>")
        let path = try workspace.write(try workspace.authority.exportPublic(fingerprint), to: "cnpd.asc")
        let error = refusal { try workspace.keyring().importRecipientKey(try workspace.authorityPin(path, fingerprint)) }
        #expect(error?.kind == .noEncryptionSubkey)
        #expect(
            error?.description
                == "The authority key \(grouped(fingerprint)) in \(path) (setting `authorities.cnpd.key_file`) has "
                + "no usable encryption subkey (it can only sign, or its encryption subkeys are expired or revoked). "
                + "Fix: obtain the authority's current public key and fingerprint from the authority itself, then "
                + "update `authorities.cnpd.key_file` and `authorities.cnpd.fingerprint`.")
        #expect(!(try workspace.keyringHolds(fingerprint)))
    }

    @Test func refusesASigningKeyFileWithoutTheSecretKey() throws {
        let workspace = try Workspace()
        let fingerprint = try workspace.controller.makeKey(.ed25519, userID: "DPO <dpo@example.test>")
        let path = try workspace.write(try workspace.controller.exportPublic(fingerprint), to: "dpo.asc")
        let error = refusal {
            try workspace.keyring().importSigningKey(try workspace.signingPin(path, fingerprint), passphrase: .agent)
        }
        #expect(error?.kind == .keyFileHoldsNoSecretKey)
        #expect(
            error?.description
                == "The signing key file \(path) (setting `signing.key_file`) holds only a public key. Fix: export "
                + "the controller's secret key there with `gpg --export-secret-keys --armor \(fingerprint)`.")
    }
}
