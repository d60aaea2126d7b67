import BreachApp
import ArgumentParser
import BreachConfig
import BreachPostgres
import BreachRegister
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a working directory: configuration, templates, register (0600) and keyring (0700).",
        discussion: """
            Copies Config/breachmail.yaml and the templates from breachmail's share directory \
            (BREACHMAIL_SHARE, else found beside the executable), creates an empty register and \
            breachmail's own GnuPG keyring. Refuses to overwrite an existing working directory.

            Example:
              breachmail init ./breach-work
              breachmail init ./breach-work --register postgres://bm@db.example.lu/bm \\
                  --register-password env:BREACHMAIL_DB_PASSWORD
            """)

    @Argument(help: "The directory to create (may exist if empty).")
    var directory: String

    @Option(help: "The register: a PostgreSQL database, postgres://USER@HOST:PORT/DATABASE[?sslmode=verify-full] (default: register.sqlite).")
    var register: String?

    @Option(help: "The database's password, by reference: env:NAME or file:PATH (written to storage.password).")
    var registerPassword: String?

    /// `url` and everything under it: directories 0700, files 0600.
    static func ownerOnly(_ url: URL) throws {
        let fm = FileManager.default
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        guard let walker = fm.enumerator(at: url, includingPropertiesForKeys: [.isDirectoryKey]) else { return }
        for case let item as URL in walker {
            let isDirectory = (try item.resourceValues(forKeys: [.isDirectoryKey])).isDirectory ?? false
            try fm.setAttributes([.posixPermissions: isDirectory ? 0o700 : 0o600], ofItemAtPath: item.path)
        }
    }

    /// The configuration's text with the register (and its password's reference) given to `init`.
    static func storage(_ text: String, register: String, password: String?) throws -> String {
        guard PostgresLocation.isAddress(register) else {
            throw CLIError("--register takes a postgres://USER@HOST:PORT/DATABASE address; an SQLite register is storage.register in \(Configuration.fileName).", .usage)
        }
        var lines = ["  register: \"\(register)\""]
        if let password {
            guard let reference = SecretReference(argument: password) else {
                throw CLIError("--register-password takes env:NAME or file:PATH, never the password itself.", .usage)
            }
            lines.append("  password: \(reference.yaml)")
        }
        var out: [String] = []
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("  register:") { out.append(contentsOf: lines) } else { out.append(line) }
        }
        return out.joined(separator: "\n")
    }

    func run() throws {
        let target = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let share = try Share.locate()
        let fm = FileManager.default
        let configURL = target.appendingPathComponent(Configuration.fileName)
        if fm.fileExists(atPath: configURL.path) {
            throw CLIError("\(configURL.path) already exists; this is already a working directory. Choose another directory.", .cannotCreate)
        }
        try fm.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var configText = try String(contentsOf: share.appendingPathComponent("Config/breachmail.yaml"), encoding: .utf8)
        if let register {
            configText = try Self.storage(configText, register: register, password: registerPassword)
        }
        let configuration = try Configuration.parse(configText, file: "Config/breachmail.yaml")
        let templates = target.appendingPathComponent(configuration.storage.templates)
        if !fm.fileExists(atPath: templates.path) {
            try fm.copyItem(at: share.appendingPathComponent("Templates"), to: templates)
            // A copy keeps the checkout's modes (0755/0644): made owner-only, as everything here.
            try Self.ownerOnly(templates)
        }
        let keyring = URL(fileURLWithPath: configuration.storage.keyring, relativeTo: target)
        try fm.createDirectory(at: keyring, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: keyring.path)
        let register = try Workspace.openRegister(configuration.storage, directory: target, create: true)
        // A register made under BREACHMAIL_NOW (tests, the demo) takes the injected clock for good.
        if Clock.injected != nil {
            _ = try Clock.now()
            try register.takeInjectedClock()
        }
        // The outbox Maildir exists from the start (0700): an empty one means nothing was sent.
        if configuration.mail.transport.hasPrefix("outbox:") {
            let outbox = URL(fileURLWithPath: String(configuration.mail.transport.dropFirst("outbox:".count)), relativeTo: target)
            for sub in ["tmp", "new", "cur"] {
                try fm.createDirectory(at: outbox.appendingPathComponent(sub), withIntermediateDirectories: true,
                                       attributes: [.posixPermissions: 0o700])
            }
        }
        let verpKey = try makeVERPSecret(configuration, in: target)
        // The configuration last: its presence marks a complete working directory.
        try writePrivate(configText, to: configURL)
        print("Created \(target.path)")
        print("  \(Configuration.fileName)   configuration: fill in the controller, the DPO and the authorities")
        print("  \(configuration.storage.register)   the breach register (mode 0600)"
            + (Clock.injected != nil ? "; its clock is BREACHMAIL_NOW, for tests and demos: its times are not evidence" : ""))
        print("  \(configuration.storage.keyring)/   breachmail's own keyring (mode 0700)")
        print("  \(configuration.storage.templates)/   message templates (fr, en, de)")
        if let verpKey { print("  \(verpKey)   the secret of the VERP return paths (mode 0600)") }
        print("Next: breachmail incident template > incident.yaml, fill it in, then breachmail incident open --dir \(directory) incident.yaml")
    }
}

extension Init {
    /// A random VERP secret where the configuration expects its file, unless one is there; its
    /// relative path, or nil when nothing was created.
    func makeVERPSecret(_ configuration: Configuration, in target: URL) throws -> String? {
        guard case .file(let path) = configuration.mail.bounceSecret else { return nil }
        let url = URL(fileURLWithPath: path, relativeTo: target)
        let fm = FileManager.default
        if fm.fileExists(atPath: url.path) { return nil }
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        try writePrivate(Data(bytes).base64EncodedString() + "\n", to: url)
        return path
    }
}

/// Where breachmail's shipped files (Config/, Templates/) are.
enum Share {
    static func locate() throws -> URL {
        let fm = FileManager.default
        func holds(_ url: URL) -> Bool {
            fm.fileExists(atPath: url.appendingPathComponent("Config/breachmail.yaml").path)
                && fm.fileExists(atPath: url.appendingPathComponent("Templates").path)
        }
        if let env = ProcessInfo.processInfo.environment["BREACHMAIL_SHARE"] {
            let url = URL(fileURLWithPath: env, isDirectory: true)
            guard holds(url) else {
                throw CLIError("BREACHMAIL_SHARE=\(env) holds no Config/breachmail.yaml and Templates/; point it at breachmail's source checkout.", .configuration)
            }
            return url
        }
        // Beside the executable: a checkout's .build/<triple>/<config>/breachmail, or an installed share dir.
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]).standardizedFileURL
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir)
            candidates.append(dir.appendingPathComponent("share/breachmail"))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/usr/local/share/breachmail"))
        candidates.append(URL(fileURLWithPath: "/usr/share/breachmail"))
        if let found = candidates.first(where: holds) { return found }
        throw CLIError("cannot find breachmail's Config/ and Templates/; set BREACHMAIL_SHARE to the directory that holds them (the source checkout).", .configuration)
    }
}
