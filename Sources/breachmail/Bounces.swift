import ArgumentParser
import BreachBounces
import Foundation

struct BouncesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounces",
        abstract: "Read bounces: what breachmail makes of a returned message.",
        discussion: """
            Example:
              breachmail bounces parse returned.eml
              BREACHMAIL_VERP_SECRET=… breachmail bounces parse --json --secret-env BREACHMAIL_VERP_SECRET returned.eml
            """,
        subcommands: [Parse.self, Ingest.self, Fetch.self, Review.self, Confirm.self, Reject.self])
}

extension BouncesCommand {
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what breachmail reads in one bounce, without touching any register.",
            discussion: """
                Prints the kind of message (failure, delay, autoReply, notABounce, unparsable), then per \
                recipient the address, action, status code, reason and class (hard, transient, \
                sender-side), and the VERP token: valid or forged when a secret is given, present but \
                not verified otherwise. Works in any directory: no working directory is opened.

                The secret is the VERP secret's bytes: the value of an environment variable, or a \
                file's content (a trailing newline is ignored). Never on the command line.

                Exit status: 0 when the message was read (whatever its kind), 3 when it is unparsable.

                Example:
                  breachmail bounces parse --secret-file /etc/breachmail/verp.key returned.eml
                """)

        @Argument(help: "The message file (one message, as received; `-` for standard input).")
        var file: String
        @Flag(help: "Print the report as JSON.")
        var json = false
        @Option(help: "Read the VERP secret from this environment variable.")
        var secretEnv: String?
        @Option(help: "Read the VERP secret from this file.")
        var secretFile: String?

        func validate() throws {
            if secretEnv != nil && secretFile != nil {
                throw ValidationError("give either --secret-env or --secret-file, not both")
            }
        }

        func run() throws {
            let bytes = try readMessage()
            let parser = try makeParser()
            let report = parser.parse(bytes)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(BounceText.render(report, file: file))
            }
            if report.kind == .unparsable { throw ExitCode(3) }
        }

        private func readMessage() throws -> [UInt8] {
            if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
            guard let data = FileManager.default.contents(atPath: file) else {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) {
                    throw CLIError(isDirectory.boolValue
                        ? "\(file) is a directory: give one message file (bounces ingest reads Maildir folders)"
                        : "\(file) cannot be read: check its permissions")
                }
                throw CLIError("\(file) does not exist: give the path of one message file")
            }
            return Array(data)
        }

        private func makeParser() throws -> BounceParser {
            var secret: [UInt8]?
            if let secretEnv {
                guard let value = ProcessInfo.processInfo.environment[secretEnv], !value.isEmpty else {
                    throw CLIError("the environment variable \(secretEnv) is not set or empty: export the VERP secret in it, or use --secret-file")
                }
                secret = Array(value.utf8)
            } else if let secretFile {
                guard var data = FileManager.default.contents(atPath: secretFile) else {
                    throw CLIError("\(secretFile) cannot be read: give the file that holds the VERP secret")
                }
                while let last = data.last, last == 0x0A || last == 0x0D { data.removeLast() }
                secret = Array(data)
            }
            guard let secret else { return BounceParser() }
            do {
                return BounceParser(signer: try VERPSigner(secret: secret))
            } catch {
                throw CLIError("\(secretEnv.map { "$\($0)" } ?? secretFile ?? "the secret"): \(error)")
            }
        }
    }
}

/// The human-readable form of a report, for an operator puzzled by a bounce.
enum BounceText {
    static func render(_ report: BounceReport, file: String) -> String {
        var lines: [String] = []
        let kind: String
        switch report.kind {
        case .failure: kind = "failure"
        case .delay: kind = "delay (the remote server is still trying; not a failure)"
        case .autoReply: kind = "auto-reply (the notice reached the person; not a failure)"
        case .notABounce: kind = "not a bounce"
        case .unparsable: kind = "UNPARSABLE"
        }
        lines.append("\(file): \(kind)" + (report.format == "none" ? "" : ", format \(report.format)"))
        for r in report.recipients {
            lines.append("")
            lines.append("  recipient   \(r.address)" + (r.originalRecipient.map { $0 == r.address ? "" : " (originally \($0))" } ?? ""))
            lines.append("  action      \(r.action.rawValue)")
            let smtp = r.smtpCode.map { ", SMTP \($0)" } ?? ""
            lines.append("  status      \(r.status ?? "none given")\(smtp)")
            lines.append("  reason      \(r.reason.rawValue)")
            lines.append("  class       \(r.bounceClass.map(describe) ?? "none (not a failure)")")
            if let mta = r.remoteMTA { lines.append("  remote MTA  \(mta)") }
            if let d = r.diagnostic { lines.append("  diagnostic  \(d)") }
        }
        if let from = report.autoReplyFrom { lines.append("  from        \(from)") }
        lines.append("")
        lines.append("token         \(describe(report.token))")
        if let id = report.originalMessageID { lines.append("original      Message-ID \(id)") }
        if let to = report.returnedTo { lines.append("returned To   \(to)") }
        if let envid = report.envelopeID { lines.append("envelope id   \(envid)") }
        for problem in report.problems { lines.append("problem       \(problem)") }
        return lines.joined(separator: "\n")
    }

    static func describe(_ c: BounceClass) -> String {
        switch c {
        case .hard: return "hard (the address cannot be reached)"
        case .transient: return "transient (retry later)"
        case .senderSide: return "sender-side (our sending set-up: alert the operator; not the person's fault)"
        }
    }

    static func describe(_ t: BounceToken) -> String {
        let claimed = [t.incident, t.subject.map { "subject \($0)" }].compactMap { $0 }.joined(separator: ", ")
        switch t.status {
        case .none: return "none"
        case .valid: return "valid: \(claimed) (in \(t.foundIn ?? "?"))"
        case .forged: return "FORGED or not ours (claims \(claimed.isEmpty ? "nothing readable" : claimed)): never credited"
        case .unverified: return "present, not verified (no secret given; claims \(claimed.isEmpty ? "nothing readable" : claimed))"
        }
    }
}
