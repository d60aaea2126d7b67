import ArgumentParser
import BreachApp
import BreachCompose
import BreachConfig
import BreachCore
import BreachImport
import BreachPGP
import BreachRegister
import BreachTransport
import Foundation

/// The exit statuses of breachmail, after sysexits(3): one table, the README's *Exit status*.
/// A script tells "fix the input" from "fix the configuration" from "try again later" by the
/// status alone; the message on standard error says what and how. `register verify` (2, 3) and
/// `bounces parse` (3) keep the statuses they document.
enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// Anything not in the table below; the message says what.
    case failure = 1
    /// EX_USAGE: an unknown option, a missing argument, a value no option takes.
    case usage = 64
    /// EX_DATAERR: the data given are wrong (a field of a file, a value) or the request clashes
    /// with the register's state; a refusal to compose or send for missing content.
    case dataError = 65
    /// EX_NOINPUT: a file, incident, authority, controller or person named does not exist.
    case noInput = 66
    /// EX_UNAVAILABLE: a service or program breachmail needs refused for good (gpg missing, the
    /// sending set-up failed).
    case unavailable = 69
    /// EX_IOERR: the register could not be read or written.
    case ioError = 74
    /// EX_CANTCREAT: an output file or folder cannot be created.
    case cannotCreate = 73
    /// EX_TEMPFAIL: try again later (register locked, relay or IMAP server unreachable, a
    /// campaign already running, the relay refusing every message).
    case temporary = 75
    /// EX_CONFIG: `breachmail.yaml`, a secret, a key or the templates must be fixed first.
    case configuration = 78
    /// 128 + SIGINT: stopped by Ctrl-C; what was done is recorded.
    case interrupted = 130

    /// The status for an error a command threw, or nil for ArgumentParser's own errors (help,
    /// usage, `ExitCode`), which ArgumentParser reports and maps itself.
    init?(_ error: any Error) {
        switch error {
        case let error as CLIError: self = error.status
        case let error as AppError:
            // Another run holding the campaign is a clash that ends by itself: try again later.
            self = error.code == .conflict && error.facts["busy"] != nil ? .temporary : Self(error.code)
        case let error as RegisterError:
            switch error.code {
            case .missing: self = .configuration
            case .locked, .unreachable: self = .temporary
            case .incidentNotFound, .versionNotFound, .tokenNotFound: self = .noInput
            case .readOnly, .storage: self = .ioError
            case .newerVersion, .clockChoiceTooLate: self = .configuration
            case .corrupt, .tokenExists, .tokenRevoked: self = .dataError
            }
        case let error as FileProblems:
            // The configuration is `breachmail.yaml`; any other file is data given to the command.
            let isConfiguration = error.problems.contains { $0.file.hasSuffix("/" + Configuration.fileName) || $0.file == Configuration.fileName }
            self = isConfiguration ? .configuration : .dataError
        case is SecretError, is TransportConfigurationError, is TemplateSetError: self = .configuration
        case let refusal as AuthorityRefusal: self = Self(refusal: refusal)
        case is ImportError, is AssessmentProblems, is AssessRefusal, is LateNotificationError: self = .dataError
        case is CancellationError: self = .interrupted
        case is ExitCode, is ValidationError, is CleanExit: return nil
        // ArgumentParser's internal errors (`--help` is one, thrown from the help command's run).
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."): return nil
        default: self = .failure
        }
    }

    init(_ code: AppError.Code) {
        self = switch code {
        case .invalidInput, .conflict: .dataError
        case .notFound: .noInput
        case .configuration: .configuration
        case .unavailable: .temporary
        case .interrupted: .temporary
        }
    }

    /// A notice not sent: its content is missing something (65), the configuration, a key or the
    /// templates must be fixed (78), the relay would not take it (69), its file cannot be written (73).
    init(refusal: AuthorityRefusal) {
        switch refusal.kind {
        case "configuration", "templates", "noTemplate", "key", "signingKey", "fingerprintMissing": self = .configuration
        case _ where PGPError.Kind(rawValue: refusal.kind) != nil: self = .configuration
        case AuthorityRefusal.transportSetup: self = .configuration
        case AuthorityRefusal.relayRefused: self = .unavailable
        case "write": self = .cannotCreate
        default: self = .dataError
        }
    }
}
