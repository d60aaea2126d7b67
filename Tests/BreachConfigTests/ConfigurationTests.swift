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

    @Test func secretsResolveFromEnvironmentAndFiles() throws {
        let dir = try TemporaryDirectory()
        try "s3cret\n".write(to: dir.file("key"), atomically: true, encoding: .utf8)
        #expect(try SecretReference.file("key").resolve(relativeTo: dir.url) == "s3cret")
        #expect(try SecretReference.environment("PATH").resolve(relativeTo: dir.url).isEmpty == false)
        let error = try #require(throws: SecretError.self) { try SecretReference.environment("BREACHMAIL_SURELY_UNSET").resolve(relativeTo: dir.url) }
        #expect(error.description == "the environment variable BREACHMAIL_SURELY_UNSET is not set; export it before running breachmail.")
    }
}
