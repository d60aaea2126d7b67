import BreachConfig
import BreachPostgres
import BreachRegister
import BreachTestSupport
import Foundation
import Testing

/// `storage.register: postgres://…`: TLS verified unless the address says otherwise, `disable`
/// for the loopback only, and the password never in the address nor in what is shown.
@Suite struct PostgresLocationTests {
    @Test func tlsIsVerifiedByDefaultAndThePasswordIsNeverShown() throws {
        let location = try PostgresLocation("postgres://breachmail@db.example.lu/registre", password: "s3cret")
        #expect(location.tls == .verifyFull)
        #expect(location.port == 5432 && location.database == "registre" && location.password == "s3cret")
        #expect(location.description == "postgres://breachmail@db.example.lu:5432/registre")
        #expect(try PostgresLocation("postgres://u@db.example.lu:6432/r?sslmode=verify-ca").tls == .verifyCA)
        #expect(try PostgresLocation("postgres://u@127.0.0.1:6432/r?sslmode=disable").description
                == "postgres://u@127.0.0.1:6432/r?sslmode=disable")
    }

    @Test func refusesPlainTextToAnotherHostAndAddressesWithoutTheirParts() throws {
        let plain = try #require(throws: RegisterError.self) { try PostgresLocation("postgres://u@db.example.lu/r?sslmode=disable") }
        #expect(plain.message.contains("sslmode=disable is accepted for a server on the loopback only (db.example.lu is not)"))
        for bad in ["postgres://db.example.lu/r", "postgres://u@db.example.lu/", "postgres://u@h/r?sslmode=maybe", "postgres://u@h/r?x=1"] {
            #expect(throws: RegisterError.self, "\(bad)") { try PostgresLocation(bad) }
        }
    }

    @Test func theConfigurationRefusesAPasswordInTheAddress() throws {
        let shipped = try String(contentsOf: CommandRunner.packageRoot.appendingPathComponent("Config/breachmail.yaml"), encoding: .utf8)
        let withPassword = shipped.replacingOccurrences(of: "register: register.sqlite", with: "register: \"postgres://u:pw@db.example.lu/r\"")
        let error = try #require(throws: FileProblems.self) { try Configuration.parse(withPassword, file: "breachmail.yaml") }
        #expect(error.description.contains("must not hold the database password"), "\(error)")
        let byReference = shipped.replacingOccurrences(of: "register: register.sqlite",
                                                       with: "register: \"postgres://u@db.example.lu/r\"\n  password: {env: DB_PASSWORD}")
        let config = try Configuration.parse(byReference, file: "breachmail.yaml")
        #expect(config.storage.password == .environment("DB_PASSWORD"))
    }
}
