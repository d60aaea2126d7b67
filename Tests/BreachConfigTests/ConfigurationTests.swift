import BreachConfig
import BreachCore
import BreachTestSupport
import Foundation
import Testing

@Suite struct ConfigurationTests {
    static let shipped = CommandRunner.packageRoot.appendingPathComponent("Config/breachmail.yaml")

    @Test func theShippedConfigurationLoads() throws {
        let config = try Configuration.load(Self.shipped)
        #expect(config.controller.country == "LU")
        #expect(config.dpo.email == "dpo@exemple.lu")
        #expect(config.mail.transport == "outbox:outbox")
        #expect(config.mail.bounceSecret == .file("secrets/verp.key"))
        #expect(config.authority("cnpd")?.channel == .emailPGP)
        #expect(config.authority("cnil")?.channel == .portal)
        #expect(config.escalation.windowHours == 120)
    }

    private func problems(_ replace: String, _ with: String) throws -> [String] {
        let text = try String(contentsOf: Self.shipped, encoding: .utf8)
        precondition(text.contains(replace), replace)
        do {
            _ = try Configuration.parse(text.replacingOccurrences(of: replace, with: with), file: "breachmail.yaml")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func anInlineSecretIsRefused() throws {
        #expect(try problems("secret: {file: secrets/verp.key}", "secret: hunter2") == [
            "breachmail.yaml:53: mail.bounces.secret: must not hold the secret itself; write {env: VARIABLE} or {file: path/to/file}."])
    }

    @Test func aShortFingerprintIsRefused() throws {
        #expect(try problems("fingerprint: \"\"", "fingerprint: \"ABCD 1234\"") == [
            "breachmail.yaml:71: authorities[1].fingerprint: must be the key's full fingerprint, 40 hexadecimal digits (gpg --with-fingerprint), got 8 characters."])
    }

    @Test func aBadTransportAndCountryAreNamed() throws {
        #expect(try problems("transport: outbox:outbox", "transport: http://relay") == [
            "breachmail.yaml:37: mail.transport: \"http://relay\" is not a transport; use smtp://host:port, smtps://host:port or outbox:DIR."])
        #expect(try problems("country: LU                      #", "country: Luxembourg #") == [
            "breachmail.yaml:10: controller.country: \"Luxembourg\" is not a two-letter country code (ISO 3166), e.g. LU or FR."])
    }

    @Test func controllersOfAProcessorAreReadAndValidated() throws {
        let text = try String(contentsOf: Self.shipped, encoding: .utf8)
        #expect(try Configuration.parse(text, file: "breachmail.yaml").controllers.isEmpty)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        let good = text + """
            controllers:
              - id: acme
                name: ACME Retail SA
                contact: {name: Jean Martin, email: dpo@acme.example, phone: +352 20 00 00 01}
                channel: email-pgp
                key_file: keys/acme.asc
                fingerprint: "0123 4567 89ab cdef 0123 4567 89ab cdef 0123 4567"
                languages: [fr, en]
              - id: beta
                name: Beta Logistique SARL
                contact: {name: Paul Weber, email: privacy@beta.example}
                channel: file
                folder: handover/beta

            """
        let config = try Configuration.parse(good, file: "breachmail.yaml")
        #expect(config.controllers.map(\.id) == ["acme", "beta"])
        let acme = try #require(config.notifiedController("ACME"))
        #expect(acme.channel == .emailPGP)
        #expect(acme.address == "dpo@acme.example", "the contact's address by default")
        #expect(acme.fingerprint == "0123456789ABCDEF0123456789ABCDEF01234567")
        #expect(acme.contact.phone == "+352 20 00 00 01")
        #expect(config.controllers[1].folder == "handover/beta")
        #expect(config.controllers[1].languages == ["fr"])

        let bad = text + """
            controllers:
              - id: acme
                name: ACME Retail SA
                contact: {name: Jean Martin}
                channel: email-pgp
                address: not-an-address
              - id: beta
                name: Beta Logistique SARL
                contact: {name: Paul Weber, email: privacy@beta.example}
                channel: fax
              - id: gamma
                name: Other
                contact: {name: A, email: a@b.example}
                channel: file
                fingerprint: "ABCD"
              - id: Gamma
                name: Gamma again
                contact: {name: B, email: b@b.example}
                channel: email

            """
        do {
            _ = try Configuration.parse(bad, file: "breachmail.yaml")
            Issue.record("a bad controllers list was accepted")
        } catch {
            let l = lines - 1   // the line of `controllers:`
            #expect(error.problems.map(\.description) == [
                "breachmail.yaml:\(l + 4): controllers[1].contact.email: is missing; expected an e-mail address.",
                "breachmail.yaml:\(l + 6): controllers[1].address: \"not-an-address\" is not an e-mail address; write it as name@example.org.",
                "breachmail.yaml:\(l + 2): controllers[1].key_file: is missing; expected the file holding the controller's public key (armored).",
                "breachmail.yaml:\(l + 10): controllers[2].channel: \"fax\" is not known; use one of: email-pgp, email, file.",
                "breachmail.yaml:\(l + 15): controllers[3].fingerprint: must be the key's full fingerprint, 40 hexadecimal digits (gpg --with-fingerprint), got 4 characters.",
                "breachmail.yaml:\(l + 11): controllers[3].folder: is missing; expected the folder the notice is written into, to hand over, e.g. handover/acme.",
                "breachmail.yaml:\(l + 16): controllers[4].id: \"Gamma\" is used twice; ids must be unique.",
            ])
        }
    }

    @Test func secretsResolveFromEnvironmentAndFiles() throws {
        let dir = try TemporaryDirectory()
        try "s3cret\n".write(to: dir.file("key"), atomically: true, encoding: .utf8)
        #expect(try SecretReference.file("key").resolve(relativeTo: dir.url) == "s3cret")
        #expect(try SecretReference.environment("PATH").resolve(relativeTo: dir.url).isEmpty == false)
        let error = try #require(throws: SecretError.self) { try SecretReference.environment("BREACHMAIL_SURELY_UNSET").resolve(relativeTo: dir.url) }
        #expect(error.description == "the environment variable BREACHMAIL_SURELY_UNSET is not set; export it before running breachmail.")
    }
}
