public import BreachConfig
public import BreachCore
import BreachPostgres
public import BreachRegister
public import Foundation

/// An opened working directory: its configuration, its register, who acts, and what time it is —
/// the environment every use case runs in, for the command line and the service alike.
public struct Workspace: Sendable {
    public let directory: URL
    public let configuration: Configuration
    public let register: any RegisterStore
    public let actor: String
    /// `--verbose`: where the transports made for this working directory show their SMTP
    /// conversation, addresses masked. Default none.
    public var smtpConversation: (@Sendable (String) -> Void)?

    public init(directory: URL, configuration: Configuration, register: any RegisterStore, actor: String) {
        self.directory = directory
        self.configuration = configuration
        self.register = register
        self.actor = actor
    }

    /// Opens the working directory `directory` (its `breachmail.yaml` and register) for `actor`.
    ///
    /// - Throws: the configuration's or the register's error, or ``AppError`` when `BREACHMAIL_NOW`
    ///   is set on a register that takes the system clock.
    public static func open(directory: URL, actor: String) throws -> Workspace {
        let configuration = try Configuration.load(directory.appendingPathComponent(Configuration.fileName))
        let register = try openRegister(configuration.storage, directory: directory)
        if Clock.injected != nil {
            _ = try Clock.now()  // a malformed value gets its own error first
            guard try register.takesInjectedClock() else { throw injectedClockRefused(register) }
        }
        return Workspace(directory: directory, configuration: configuration, register: register, actor: actor)
    }

    /// Opens the register `storage.register` names: an SQLite file relative to `directory`
    /// (created with `create`), or a PostgreSQL database (its tables created when it has none),
    /// its password read from `storage.password`.
    ///
    /// - Throws: the register's error (`unreachable` for a database that cannot be reached), or the secret's.
    public static func openRegister(_ storage: Configuration.Storage, directory: URL, create: Bool = false) throws -> any RegisterStore {
        guard PostgresLocation.isAddress(storage.register) else {
            return try Register(at: URL(fileURLWithPath: storage.register, relativeTo: directory), create: create)
        }
        let password = try storage.password?.resolve(relativeTo: directory)
        return try PostgresStore(PostgresLocation(storage.register, password: password))
    }

    /// The same working directory, acted on by someone else (a service request's token).
    public func acting(as actor: String) -> Workspace {
        Workspace(directory: directory, configuration: configuration, register: register, actor: actor)
    }

    static func injectedClockRefused(_ register: any RegisterStore) -> AppError {
        AppError(.configuration, "BREACHMAIL_NOW is set, but \(register.location) takes the system clock: an injected time would back-date "
            + "the entries of a real register. Unset BREACHMAIL_NOW. (Tests and demos: create the working directory with "
            + "BREACHMAIL_NOW set, and its register takes the injected clock for good.)")
    }

    public func path(_ relative: String) -> URL { URL(fileURLWithPath: relative, relativeTo: directory).standardizedFileURL }

    /// The language of texts nobody named: the first language of the first authority, else French.
    public var defaultLanguage: Language {
        configuration.authorities.first?.languages.first.flatMap { Language(rawValue: $0) } ?? .fr
    }

    /// The time zone to show an incident's times in: the incident's own, else the configuration's.
    public func zone(for incident: Incident) -> TimeZone {
        incident.timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: configuration.timeZone) ?? TimeZone(secondsFromGMT: 0)!
    }
}

/// The current time; `BREACHMAIL_NOW` (RFC 3339) fixes it, for reproducible output and tests,
/// on a register created with it only (``WorkspaceOptions/open()`` refuses it on any other).
public enum Clock {
    /// `BREACHMAIL_NOW` as given, when set.
    public static var injected: String? { ProcessInfo.processInfo.environment["BREACHMAIL_NOW"] }

    public static func now() throws -> Date {
        guard let text = injected else { return Date() }
        guard let time = ZonedTime(rfc3339: text) else {
            throw AppError(.configuration, "BREACHMAIL_NOW=\(text) is not a date and time with offset; use e.g. 2026-11-20T09:30:00+01:00, or unset it.")
        }
        return time.instant
    }
}

public enum TimeText {
    /// `2026-11-23 09:30 +01:00 (Europe/Luxembourg)`.
    public static func local(_ date: Date, _ zone: TimeZone) -> String {
        let t = ZonedTime(instant: date, offsetSeconds: 0).converted(to: zone).description
        let offset = t.hasSuffix("Z") ? "+00:00" : String(t.suffix(6))
        return "\(t.prefix(10)) \(t.dropFirst(11).prefix(5)) \(offset) (\(zone.identifier))"
    }
}

/// Writes `text` to `url` atomically with mode 0600: a reader never sees half a file.
public func writePrivate(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url, options: [.atomic])
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
}
