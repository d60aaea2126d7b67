import BreachApp
import ArgumentParser
import BreachConfig
import BreachCore
import BreachPGP
import BreachRegister
import Foundation

extension RegisterCommand {
    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seal",
            abstract: "Write the history's head hash, signed with the controller's key, to a file to keep elsewhere.",
            discussion: """
                The seal names the number of history entries and the hash of the last one, signed \
                (detached OpenPGP signature, GPGME) with the key of mail.signing. Keep it outside the \
                working directory (another machine, a printout, a signed e-mail): `register verify \
                --seal FILE` then proves that nothing up to that entry was rewritten or cut, which the \
                chain alone cannot show when someone rewrites or cuts its tail.

                Example:
                  breachmail register seal --output /media/usb/register-seal.txt
                  breachmail register verify --seal /media/usb/register-seal.txt
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Option(help: "Where to write the seal (mode 0600); default register-seal-ENTRY.txt in the working directory.")
        var output: String?

        func run() throws {
            let ws = try workspace.open()
            let chain = try ws.register.verify()
            if let problem = chain.firstProblem {
                throw CLIError("the register history is NOT intact (\(problem)); a seal would vouch for it. Restore it from a backup first.")
            }
            guard chain.entries > 0 else { throw CLIError("the register history is empty: there is nothing to seal yet.") }
            let (keyring, signer, _) = try RegisterSeal.signer(ws, needsPassphrase: true)
            defer { Keyring.stopAgent(directory: keyring.directory) }
            let statement = RegisterSeal.statement(entries: chain.entries, head: chain.head, at: try Clock.now(), signer: signer.fingerprint)
            let signature = try keyring.signDetached(Array(statement.utf8), by: signer)
            let url = output.map { URL(fileURLWithPath: $0) } ?? ws.path("register-seal-\(chain.entries).txt")
            try writePrivate(statement + String(decoding: signature, as: UTF8.self), to: url)
            print("Sealed entry \(chain.entries) (head \(chain.head)) with key \(signer.fingerprint.hex): \(url.path)")
            print("Keep it outside this working directory; `breachmail register verify --seal \(url.path)` checks the register against it.")
        }
    }
}

/// The seal's text and checks.
enum RegisterSeal {
    static let title = "breachmail register seal"
    static let armor = "-----BEGIN PGP SIGNATURE-----"

    static func statement(entries: Int, head: String, at: Date, signer: Fingerprint) -> String {
        "\(title)\nentries: \(entries)\nhead: \(head)\nsealed: \(RFC3339Text.utc(at))\nsigned-by: \(signer.hex)\n"
    }

    /// The controller's key of `mail.signing`, imported into breachmail's keyring.
    static func signer(_ ws: Workspace, needsPassphrase: Bool) throws -> (Keyring, SigningKey, KeyPin) {
        guard let signing = ws.configuration.mail.signing else {
            throw CLIError("mail.signing is not set in \(Configuration.fileName): the seal is signed with the controller's key (key_file, fingerprint, passphrase).", .configuration)
        }
        let passphrase: PassphraseSource
        switch needsPassphrase ? signing.passphrase : nil {
        case nil: passphrase = .agent
        case .environment(let name)?: passphrase = .environment(name)
        case .file(let path)?: passphrase = .file(ws.path(path).path)
        }
        let keyring = try Keyring(directory: ws.path(ws.configuration.storage.keyring).path)
        let pin = try KeyPin(keyFile: ws.path(signing.keyFile).path, keyFileSetting: "mail.signing.key_file",
                             fingerprint: signing.fingerprint, fingerprintSetting: "mail.signing.fingerprint")
        do {
            return (keyring, try keyring.importSigningKey(pin, passphrase: passphrase), pin)
        } catch {
            Keyring.stopAgent(directory: keyring.directory)
            throw error
        }
    }

    /// Checks the register against the seal at `path`; nil when it holds, else the problem.
    static func check(_ ws: Workspace, path: String) throws -> (problem: String?, summary: String) {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw CLIError("the seal \(path) cannot be read: give the file `breachmail register seal` wrote.", .noInput)
        }
        guard let armorStart = text.range(of: armor) else {
            return ("the seal \(path) has no signature", "")
        }
        let statement = String(text[..<armorStart.lowerBound])
        var fields: [String: String] = [:]
        for line in statement.split(separator: "\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard statement.hasPrefix(title + "\n"), let entries = fields["entries"].flatMap(Int64.init), let head = fields["head"] else {
            return ("\(path) is not a breachmail register seal", "")
        }
        let (keyring, signer, pin) = try signer(ws, needsPassphrase: false)
        defer { Keyring.stopAgent(directory: keyring.directory) }
        if let why = try keyring.checkDetached(Array(text[armorStart.lowerBound...].utf8), of: Array(statement.utf8), by: pin) {
            return ("the seal \(path) is not valid: \(why)", "")
        }
        let history = try ws.register.history()
        guard let sealed = history.first(where: { $0.sequence == entries }) else {
            return ("the history was cut: it has \(history.count) entries, the seal \(path) covers \(entries)", "")
        }
        guard sealed.entryHash == head else {
            return ("entry \(entries) is not the one sealed in \(path): the history up to it was rewritten", "")
        }
        return (nil, "The seal \(path) holds: entry \(entries) is the one signed by \(signer.fingerprint.hex) on \(fields["sealed"] ?? "?"); nothing up to it was rewritten or removed.")
    }
}
