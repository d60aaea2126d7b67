import BreachApp
import ArgumentParser
import BreachBounces
import Foundation

struct BouncesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bounces",
        abstract: "Bounces: parse returned messages, record them from a Maildir or IMAP, review the doubtful ones.",
        discussion: """
            Example:
              breachmail bounces parse returned.eml
              breachmail bounces parse --json --secret-file verp.key returned.eml
              breachmail bounces ingest ~/Maildir/.bounces
              breachmail bounces review --incident BR-2026-0001
            """,
        subcommands: [Parse.self, Ingest.self, Fetch.self, Review.self, Confirm.self, Reject.self])
}

extension BouncesCommand {
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "parse",
            abstract: "Show what breachmail reads in bounces, without touching any register.",
            discussion: """
                Prints the kind of message (failure, delay, autoReply, notABounce, unparsable), then per \
                recipient the address, action, status code, reason and class (hard, transient, \
                sender-side), and the VERP token: valid or forged when a secret is given, present but \
                not verified otherwise. Works in any directory: no working directory is opened.

                Reads any number of messages in one process: message files, directories of message \
                files, Maildirs (new/ and cur/) and mbox files (a file whose first line starts with \
                "From "). With --json, prints one line of JSON per message (JSON Lines), with the \
                report's fields and "source": the file, or FILE#N for the Nth message of an mbox.

                The secret is the VERP secret's bytes: the value of an environment variable, or a \
                file's content (a trailing newline is ignored). Never on the command line.

                Exit status: 0 when every message was read (whatever its kind), 3 when one or more \
                are unparsable.

                Example:
                  breachmail bounces parse --secret-file /etc/breachmail/verp.key returned.eml
                  breachmail bounces parse --json ~/Maildir/.bounces > reports.jsonl
                """)

        @Argument(help: "Message files, directories, Maildirs or mbox files (`-` for one message on standard input).")
        var files: [String]
        @Flag(help: "Print one line of JSON per message.")
        var json = false
        @Option(help: "Read the VERP secret from this environment variable.")
        var secretEnv: String?
        @Option(help: "Read the VERP secret from this file.")
        var secretFile: String?

        func validate() throws {
            if secretEnv != nil && secretFile != nil {
                throw ValidationError("give either --secret-env or --secret-file, not both")
            }
            if files.isEmpty {
                throw ValidationError("give at least one message file, directory, Maildir or mbox file (or - for standard input)")
            }
        }

        func run() throws {
            let parser = try makeParser()
            var unparsable = 0
            let out = FileHandle.standardOutput
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var first = true
            for source in files {
                try Self.eachMessage(in: source) { name, bytes in
                    let report = parser.parse(bytes)
                    if report.kind == .unparsable { unparsable += 1 }
                    if json {
                        // {"source":"…",<the report's fields>}
                        let encoded = try encoder.encode(report)
                        let quoted = try encoder.encode(name)
                        buffer.append(contentsOf: Array("{\"source\":".utf8))
                        buffer.append(contentsOf: quoted)
                        if encoded.count > 2 { buffer.append(UInt8(ascii: ",")) }
                        buffer.append(contentsOf: encoded.dropFirst())
                        buffer.append(0x0A)
                    } else {
                        if !first { buffer.append(0x0A) }
                        buffer.append(contentsOf: Array((BounceText.render(report, file: name) + "\n").utf8))
                    }
                    first = false
                    if buffer.count > 1 << 15 { out.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
                }
            }
            out.write(Data(buffer))
            if unparsable > 0 { throw ExitCode(3) }
        }

        /// Calls `body` for each message a command-line argument names, with the name to show for
        /// it; one file is read at a time.
        static func eachMessage(in source: String, _ body: (String, [UInt8]) throws -> Void) throws {
            if source == "-" { return try body("-", Array(FileHandle.standardInput.readDataToEndOfFile())) }
            let fm = FileManager.default
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: source, isDirectory: &isDirectory) else {
                throw CLIError("\(source) does not exist: give a message file, a directory of messages, a Maildir or an mbox file", .noInput)
            }
            if isDirectory.boolValue {
                let root = URL(fileURLWithPath: source, isDirectory: true)
                let urls: [URL]
                if fm.fileExists(atPath: root.appendingPathComponent("new").path), fm.fileExists(atPath: root.appendingPathComponent("cur").path) {
                    urls = try Maildir(root).messages()
                } else {
                    guard let names = try? fm.contentsOfDirectory(atPath: source) else {
                        throw CLIError("\(source) cannot be read: check its permissions", .noInput)
                    }
                    urls = names.sorted().filter { !$0.hasPrefix(".") }.map { root.appendingPathComponent($0) }
                        .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
                }
                for url in urls {
                    guard let data = fm.contents(atPath: url.path) else { throw CLIError("\(url.path) cannot be read: check its permissions", .noInput) }
                    try body(url.path, Array(data))
                }
                return
            }
            guard let data = fm.contents(atPath: source) else {
                throw CLIError("\(source) cannot be read: check its permissions", .noInput)
            }
            let bytes = Array(data)
            if bytes.starts(with: Array("From ".utf8)) {
                for (n, message) in Mbox.split(bytes).enumerated() { try body("\(source)#\(n + 1)", message) }
                return
            }
            try body(source, bytes)
        }

        private func makeParser() throws -> BounceParser {
            var secret: [UInt8]?
            if let secretEnv {
                guard let value = ProcessInfo.processInfo.environment[secretEnv], !value.isEmpty else {
                    throw CLIError("the environment variable \(secretEnv) is not set or empty: export the VERP secret in it, or use --secret-file", .usage)
                }
                secret = Array(value.utf8)
            } else if let secretFile {
                guard var data = FileManager.default.contents(atPath: secretFile) else {
                    throw CLIError("\(secretFile) cannot be read: give the file that holds the VERP secret", .noInput)
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
