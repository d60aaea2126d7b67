public import BreachRegister
import Foundation
import PostgresNIO

/// Where a PostgreSQL register is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE&sslrootcert=FILE]`.
///
/// TLS is verified unless the address says otherwise: `sslmode` is `verify-full` by default (the
/// server's certificate and name checked against the system's roots, or `sslrootcert`);
/// `verify-ca` checks the certificate without the name; `require` encrypts without checking (not
/// recommended); `disable` is accepted for a server on the loopback only. The password is never
/// shown (``description``).
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public let user: String
    public let password: String?
    public let host: String
    public let port: Int
    public let database: String
    public let tls: TLSMode
    /// The CA certificates (PEM) that verify the server, instead of the system's.
    public let rootCertificate: String?

    /// Whether `text` names a PostgreSQL register rather than an SQLite file.
    public static func isAddress(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads an address; `password`, when given, replaces the one in the address (it comes from
    /// `{env:NAME}` or `{file:PATH}` in the configuration).
    /// - Throws: ``RegisterError`` naming what is wrong in the address and the form it takes.
    public init(_ text: String, password: String? = nil) throws(RegisterError) {
        func bad(_ why: String) -> RegisterError {
            RegisterError.badAddress("\(why); write it postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full, "
                                     + "with the password by {env:NAME} or {file:PATH} in `storage.password`")
        }
        guard Self.isAddress(text), let components = URLComponents(string: text) else { throw bad("not a postgres:// address") }
        guard let user = components.user, !user.isEmpty else { throw bad("no user in the address") }
        guard let host = components.host, !host.isEmpty else { throw bad("no host in the address") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database in the address") }
        var tls = TLSMode.verifyFull
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                switch item.value ?? "" {
                case "verify-full": tls = .verifyFull
                case "verify-ca": tls = .verifyCA
                case "require": tls = .require
                case "disable": tls = .disable
                default: throw bad("sslmode=\(item.value ?? "") is not one of verify-full, verify-ca, require, disable")
                }
            case "sslrootcert": rootCertificate = item.value
            default: throw bad("unknown parameter \(item.name) in the address")
            }
        }
        let loopback = ["127.0.0.1", "::1", "localhost", "[::1]"].contains(host)
        if tls == .disable, !loopback {
            throw bad("sslmode=disable is accepted for a server on the loopback only (\(host) is not)")
        }
        self.user = user.removingPercentEncoding ?? user
        self.password = password ?? components.password?.removingPercentEncoding
        self.host = host
        self.port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    /// The address without its password, for messages and `location`.
    public var description: String {
        var text = "postgres://\(user)@\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)/\(database)"
        var query: [String] = []
        if tls != .verifyFull { query.append("sslmode=\(tls.rawValue)") }
        if let rootCertificate { query.append("sslrootcert=\(rootCertificate)") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    /// The same server, another database (the tests' and `register migrate`'s).
    public func with(database: String) -> PostgresLocation {
        PostgresLocation(user: user, password: password, host: host, port: port, database: database, tls: tls, rootCertificate: rootCertificate)
    }

    private init(user: String, password: String?, host: String, port: Int, database: String, tls: TLSMode, rootCertificate: String?) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
        self.rootCertificate = rootCertificate
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let mode: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            mode = .disable
        case .require, .verifyCA, .verifyFull:
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            tlsConfiguration.certificateVerification = switch tls {
            case .require: .none
            case .verifyCA: .noHostnameVerification
            default: .fullVerification
            }
            if let rootCertificate { tlsConfiguration.trustRoots = .file(rootCertificate) }
            mode = .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                             database: database, tls: mode)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    // MARK: The register's errors, naming the database

    func unreachable(_ detail: String) -> RegisterError { .databaseUnreachable(description, detail) }
    func lost(_ detail: String) -> RegisterError { .databaseUnreachable(description, detail) }
    func locked() -> RegisterError { .locked(description) }
    func readOnly(_ detail: String) -> RegisterError { .readOnly(description) }
    func failed(_ detail: String) -> RegisterError { .database(description, detail) }
}
