import BreachApp
import ArgumentParser
import BreachConfig
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try breachmail end to end: a throwaway authority key, example bounces (never for a real breach).",
        discussion: """
            Example:
              breachmail demo authority-key
              breachmail authority send BR-2026-0001
              breachmail demo bounces BR-2026-0001
            """,
        subcommands: [AuthorityKey.self, Bounces.self])
}

extension DemoCommand {
    struct AuthorityKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "authority-key",
            abstract: "Make a THROWAWAY key standing in for the authority's, to try `authority send` end to end.",
            discussion: """
                Runs gpg to make an ed25519/cv25519 key in DIR/demo-authority-secret (a GnuPG home, mode 0700), \
                writes its public key to the authority's key_file and its fingerprint into breachmail.yaml. \
                `gpg --homedir DIR/demo-authority-secret --decrypt FILE` then reads what was sent. \
                Never use this key for a real notification: the authority cannot read it.

                Example:
                  breachmail demo authority-key --dir ./breach-work
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "The email-pgp authority to stand in for (default: the first email-pgp one).")
        var authority: String?

        func run() throws {
            let dir = workspace.directory
            let configURL = dir.appendingPathComponent(Configuration.fileName)
            let configuration = try Configuration.load(configURL)
            guard let index = configuration.authorities.firstIndex(where: {
                $0.channel == .emailPGP && (authority == nil || $0.id == authority)
            }) else {
                throw CLIError("no email-pgp authority\(authority.map { " with id \($0)" } ?? "") in \(configURL.path).", .configuration)
            }
            let a = configuration.authorities[index]
            let home = dir.appendingPathComponent("demo-authority-secret", isDirectory: true)
            let fm = FileManager.default
            if fm.fileExists(atPath: home.path) {
                throw CLIError("\(home.path) already exists: a demo key was made already. Remove that directory to make a new one.", .cannotCreate)
            }
            try fm.createDirectory(at: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { _ = try? GPG.run(["--homedir", home.path, "--kill", "all"], program: GPG.gpgconf) }

            let uid = "breachmail demo authority <demo-authority@example.invalid>"
            let base = ["--homedir", home.path, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]
            _ = try GPG.run(base + ["--quick-gen-key", uid, "ed25519", "cert", "never"])
            let listing = String(decoding: try GPG.run(["--homedir", home.path, "--batch", "--with-colons", "--list-keys", uid]), as: UTF8.self)
            guard let fpr = listing.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") })?
                .split(separator: ":", omittingEmptySubsequences: false).dropFirst(9).first.map(String.init), fpr.count == 40
            else { throw CLIError("gpg made the demo key but listed no fingerprint for it; see gpg --homedir \(home.path) --list-keys.", .unavailable) }
            _ = try GPG.run(base + ["--quick-add-key", fpr, "cv25519", "encr", "never"])
            let armored = try GPG.run(["--homedir", home.path, "--batch", "--armor", "--export", fpr])

            let keyURL = URL(fileURLWithPath: a.keyFile, relativeTo: dir).standardizedFileURL
            try fm.createDirectory(at: keyURL.deletingLastPathComponent(), withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
            try writePrivate(String(decoding: armored, as: UTF8.self), to: keyURL)

            let text = try String(contentsOf: configURL, encoding: .utf8)
            guard let updated = ConfigEdit.settingFingerprint(text, authorityID: a.id, to: fpr) else {
                throw CLIError("could not find `fingerprint:` under the authority \(a.id) in \(configURL.path); write \(fpr) into authorities[\(index)].fingerprint yourself.", .configuration)
            }
            _ = try Configuration.parse(updated, file: Configuration.fileName)
            try writePrivate(updated, to: configURL)

            let bar = String(repeating: "!", count: 78)
            print(bar)
            print("!! THROWAWAY DEMO KEY: it stands in for the key of \(a.id) (\(a.name)).")
            print("!! NEVER use it for a real notification: the authority cannot decrypt it.")
            print("!! Before a real breach, put the authority's own key in \(a.keyFile) and its")
            print("!! fingerprint in authorities[\(index)].fingerprint, and delete demo-authority-secret/.")
            print(bar)
            print("Fingerprint  \(fpr)  (written into authorities[\(index)].fingerprint)")
            print("Public key   \(a.keyFile)")
            print("Secret key   demo-authority-secret/ (GnuPG home, mode 0700)")
            print("Read what was sent: gpg --homedir \(home.path) --decrypt OUTBOX-FILE")
        }
    }
}

/// Runs gpg / gpgconf for the demo (the library never shells out; the demo makes keys as a person would).
enum GPG {
    static var gpg: String { locate("gpg") }
    static var gpgconf: String { locate("gpgconf") }

    static func locate(_ name: String) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return "/usr/bin/\(name)"
    }

    @discardableResult
    static func run(_ arguments: [String], program: String = GPG.gpg) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw CLIError("cannot run \(program): install GnuPG (apt-get install gnupg) to make a demo key.", .unavailable)
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let verb = arguments.first { $0.hasPrefix("--quick") || $0 == "--export" || $0 == "--list-keys" } ?? arguments.last ?? ""
            throw CLIError("\(URL(fileURLWithPath: program).lastPathComponent) \(verb) failed (status \(process.terminationStatus)): \(String(decoding: stderr, as: UTF8.self))", .unavailable)
        }
        return Array(stdout)
    }
}

/// A targeted edit of breachmail.yaml that keeps the user's comments and layout.
enum ConfigEdit {
    /// `text` with the `fingerprint:` line of the authority `id` set to `fingerprint`, or nil when not found.
    static func settingFingerprint(_ text: String, authorityID id: String, to fingerprint: String) -> String? {
        var lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: {
            let t = $0.trimmingCharacters(in: .whitespaces)
            return t == "- id: \(id)" || t.hasPrefix("- id: \(id) ") || t == "- id: \"\(id)\""
        }) else { return nil }
        var i = start + 1
        while i < lines.count, !lines[i].trimmingCharacters(in: .whitespaces).hasPrefix("- id:") {
            let line = lines[i]
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("fingerprint:") {
                let indent = String(line.prefix { $0 == " " })
                lines[i] = "\(indent)fingerprint: \"\(fingerprint)\"   # THROWAWAY DEMO KEY (breachmail demo authority-key): never for a real notification"
                return lines.joined(separator: "\n")
            }
            i += 1
        }
        return nil
    }
}
