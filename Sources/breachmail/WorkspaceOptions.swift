import ArgumentParser
import BreachApp
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

/// Options every command that works on a working directory takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The working directory made by `breachmail init` (default: $BREACHMAIL_DIR, else the nearest folder holding breachmail.yaml from the current one up).", valueName: "dir"))
    var dir: String?

    @Option(name: .long, help: ArgumentHelp("Who makes the change, for the register's history (default: $BREACHMAIL_ACTOR, else the login name).", valueName: "name"))
    var actor: String?

    var directory: URL {
        if let path = dir ?? ProcessInfo.processInfo.environment["BREACHMAIL_DIR"] {
            return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        }
        return Self.nearestWorkingDirectory(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
    }

    /// The nearest folder from `start` up that holds `breachmail.yaml` (as git finds `.git`), so
    /// that a command works from `imports/` or `portal/`; `start` itself when none does, for the
    /// error that says how to make one.
    static func nearestWorkingDirectory(from start: URL) -> URL {
        var folder = start.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(Configuration.fileName).path) { return folder }
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { return start.standardizedFileURL }
            folder = parent
        }
    }

    /// Who acts: `--actor`, else `$BREACHMAIL_ACTOR`, else the login name (`$USER`, `$LOGNAME`,
    /// else the account of the process's user id).
    ///
    /// - Throws: ``CLIError`` when none of them names anybody: the register never records `unknown`.
    func actorName() throws -> String {
        if let actor {
            guard !actor.allSatisfy(\.isWhitespace) else {
                throw CLIError("--actor is empty: give the name of the person who makes the change; it goes into the register's history.", .usage)
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
            + "has no account name. Set BREACHMAIL_ACTOR=NAME or pass --actor NAME: the register names who made each change.", .configuration)
    }

    func open() throws -> Workspace {
        try Workspace.open(directory: directory, actor: try actorName())
    }

    /// For a command that sends nothing: a broken `mail` section is said once, on standard
    /// error, and the command goes on.
    func openForReading() throws -> Workspace {
        let (ws, mailProblems) = try Workspace.openForReading(directory: directory, actor: try actorName())
        if let first = mailProblems.first {
            let more = mailProblems.count > 1 ? " (and \(mailProblems.count - 1) more problems there)" : ""
            FileHandle.standardError.write(Data(("Warning: the mail section of \(Configuration.fileName) is broken\(more); this command sends nothing "
                + "and goes on, but nothing can be sent until it is fixed: \(first)\n").utf8))
        }
        return ws
    }
}
