import ArgumentParser
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

/// Options every command that works on a working directory takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The working directory made by `breachmail init` (default: $BREACHMAIL_DIR, else the current directory).", valueName: "dir"))
    var dir: String?

    @Option(name: .long, help: ArgumentHelp("Who makes the change, for the register's history (default: $BREACHMAIL_ACTOR, else the login name).", valueName: "name"))
    var actor: String?

    var directory: URL {
        let path = dir ?? ProcessInfo.processInfo.environment["BREACHMAIL_DIR"] ?? FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    /// Who acts: `--actor`, else `$BREACHMAIL_ACTOR`, else the login name (`$USER`, `$LOGNAME`,
    /// else the account of the process's user id).
    ///
    /// - Throws: ``CLIError`` when none of them names anybody: the register never records `unknown`.
    func actorName() throws -> String {
        if let actor {
            guard !actor.allSatisfy(\.isWhitespace) else {
                throw CLIError("--actor is empty: give the name of the person who makes the change; it goes into the register's history.")
            }
            return actor
        }
        let env = ProcessInfo.processInfo.environment
        for key in ["BREACHMAIL_ACTOR", "USER", "LOGNAME"] {
            if let name = env[key], !name.allSatisfy(\.isWhitespace) { return name }
        }
        if let account = getpwuid(geteuid()), let name = account.pointee.pw_name, name.pointee != 0 {
            return String(cString: name)
        }
        throw CLIError("who is acting cannot be told: BREACHMAIL_ACTOR, USER and LOGNAME are unset and user id \(geteuid()) "
            + "has no account name. Set BREACHMAIL_ACTOR=NAME or pass --actor NAME: the register names who made each change.")
    }

    func open() throws -> Workspace {
        let directory = directory
        let actor = try actorName()
        let configuration = try Configuration.load(directory.appendingPathComponent(Configuration.fileName))
        let register = try Register(at: URL(fileURLWithPath: configuration.storage.register, relativeTo: directory))
        if Clock.injected != nil {
            _ = try Clock.now()  // a malformed value gets its own error first
            guard try register.takesInjectedClock() else { throw Self.injectedClockRefused(register) }
        }
        return Workspace(directory: directory, configuration: configuration, register: register, actor: actor)
    }

    private static func injectedClockRefused(_ register: Register) -> CLIError {
        CLIError("BREACHMAIL_NOW is set, but \(register.path) takes the system clock: an injected time would back-date "
            + "the entries of a real register. Unset BREACHMAIL_NOW. (Tests and demos: create the working directory with "
            + "BREACHMAIL_NOW set, and its register takes the injected clock for good.)")
    }
}

/// An opened working directory: its configuration, its register, who acts, and what time it is.
struct Workspace {
    let directory: URL
    let configuration: Configuration
    let register: Register
    let actor: String

    func path(_ relative: String) -> URL { URL(fileURLWithPath: relative, relativeTo: directory).standardizedFileURL }

    /// The language of texts nobody named: the first language of the first authority, else French.
    var defaultLanguage: Language {
        configuration.authorities.first?.languages.first.flatMap { Language(rawValue: $0) } ?? .fr
    }

    /// The time zone to show an incident's times in: the incident's own, else the configuration's.
    func zone(for incident: Incident) -> TimeZone {
        incident.timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: configuration.timeZone) ?? TimeZone(secondsFromGMT: 0)!
    }
}

/// The current time; `BREACHMAIL_NOW` (RFC 3339) fixes it, for reproducible output and tests,
/// on a register created with it only (``WorkspaceOptions/open()`` refuses it on any other).
enum Clock {
    /// `BREACHMAIL_NOW` as given, when set.
    static var injected: String? { ProcessInfo.processInfo.environment["BREACHMAIL_NOW"] }

    static func now() throws -> Date {
        guard let text = injected else { return Date() }
        guard let time = ZonedTime(rfc3339: text) else {
            throw CLIError("BREACHMAIL_NOW=\(text) is not a date and time with offset; use e.g. 2026-11-20T09:30:00+01:00, or unset it.")
        }
        return time.instant
    }
}

enum TimeText {
    /// `2026-11-23 09:30 +01:00 (Europe/Luxembourg)`.
    static func local(_ date: Date, _ zone: TimeZone) -> String {
        let t = ZonedTime(instant: date, offsetSeconds: 0).converted(to: zone).description
        let offset = t.hasSuffix("Z") ? "+00:00" : String(t.suffix(6))
        return "\(t.prefix(10)) \(t.dropFirst(11).prefix(5)) \(offset) (\(zone.identifier))"
    }
}

/// Writes `text` to `url` atomically with mode 0600: a reader never sees half a file.
func writePrivate(_ text: String, to url: URL) throws {
    try Data(text.utf8).write(to: url, options: [.atomic])
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
}
