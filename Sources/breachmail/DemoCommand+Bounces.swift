import BreachApp
import ArgumentParser
import BreachBounces
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

extension DemoCommand {
    struct Bounces: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bounces",
            abstract: "Write a Maildir of realistic example bounces for submitted people of an incident (demo only).",
            discussion: """
                Example bounces must carry VERP tokens made with this working directory's secret for \
                subjects that exist in its register, so they are generated, not stored: for the first \
                submitted subjects in id order, a 5.1.1 user unknown (hard), a 5.2.2 mailbox full \
                (transient), a 5.7.1 RBL block (sender-side), an out-of-office reply and a delay notice; \
                plus a 5.1.1 bounce whose token was made with another secret (forged: never credited). \
                They go to DIR/demo-bounces/new/ (0600 files), ready for `bounces ingest`.

                When mail.bounces.secret is a file that does not exist yet, a random secret is written \
                there (0600). The people must have been sent their notices first (`subjects notify`).

                Example:
                  breachmail subjects notify BR-2026-0001
                  breachmail demo bounces BR-2026-0001
                  breachmail bounces ingest demo-bounces
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Option(help: "Instead of the six examples, COUNT 5.1.1 bounces for the first COUNT submitted people (for benchmarks).")
        var count: Int?
        @Flag(help: "With --count: to the plain bounce address, without a VERP token (found by the returned Message-ID).")
        var withoutToken = false

        func run() throws {
            try Self.ensureSecret(workspace.directory)
            let ws = try workspace.open()
            _ = try ws.register.incident(id)
            let now = try Clock.now()
            let verp = try BounceSetup.verp(ws)
            let domain = ws.configuration.mail.messageIDDomain
            if let count {
                try many(count, ws, verp, domain, stamp: Int(now.timeIntervalSince1970))
                return
            }
            let cases: [SampleBounce] = [.userUnknown, .mailboxFull, .blocked, .autoReply, .delay]
            let subjects = try ws.register.subjects(incidentID: id, states: [.submitted], limit: cases.count + 1)
            guard subjects.count > cases.count, let number = IncidentNumber(id) else {
                throw CLIError("\(id) has \(subjects.count) submitted people; the demo needs \(cases.count + 1). "
                    + "Send the notices first: breachmail subjects notify \(id).")
            }
            let maildir = ws.directory.appendingPathComponent("demo-bounces", isDirectory: true)
            for d in ["tmp", "new", "cur"] {
                try FileManager.default.createDirectory(at: maildir.appendingPathComponent(d), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
            let stamp = Int(now.timeIntervalSince1970)
            func write(_ text: String, _ n: Int, _ label: String) throws {
                try writePrivate(text, to: maildir.appendingPathComponent("new/\(stamp).demo\(n).\(label)"))
            }
            for (n, (kind, subject)) in zip(cases, subjects).enumerated() {
                let returnPath = verp.make(VERPKey(incident: number, subject: UInt64(subject.id)))
                try write(kind.message(returnPath: returnPath, recipient: subject.email ?? "", originalMessageID:
                    subject.messageID ?? "<\(id).demo-\(subject.id)@\(domain)>", serial: n + 1), n + 1, kind.rawValue)
                print("  subject \(subject.id)  \(kind.rawValue)")
            }
            let victim = subjects[cases.count]
            let other = try VERP(prefix: verp.prefix, domain: verp.domain, secret: Array("not-the-secret-of-this-directory".utf8))
            try write(SampleBounce.userUnknown.message(returnPath: other.make(VERPKey(incident: number, subject: UInt64(victim.id))),
                                                       recipient: victim.email ?? "", originalMessageID: "<forged@example.invalid>",
                                                       serial: cases.count + 1), cases.count + 1, "forged")
            print("  subject \(victim.id)  user-unknown with a FORGED token (must be ignored)")
            print("Wrote \(cases.count + 1) example bounces to \(maildir.path)/new; ingest them: breachmail bounces ingest \(maildir.path)")
        }

        /// `count` user-unknown bounces, one per submitted person in id order, into a Maildir of
        /// their own (`demo-bounces-COUNT` or `demo-bounces-COUNT-without-token`).
        func many(_ count: Int, _ ws: Workspace, _ verp: VERP, _ domain: String, stamp: Int) throws {
            guard count > 0, let number = IncidentNumber(id) else { throw CLIError("--count \(count): use a number above 0.") }
            var subjects: [Subject] = []
            var after: Int64 = 0
            while subjects.count < count {
                let page = try ws.register.subjects(incidentID: id, states: [.submitted], after: after)
                guard let last = page.last else { break }
                subjects += page.prefix(count - subjects.count)
                after = last.id
            }
            guard subjects.count == count else {
                throw CLIError("\(id) has \(subjects.count) submitted people; --count \(count) needs as many. "
                    + "Send the notices first: breachmail subjects notify \(id).")
            }
            let name = "demo-bounces-\(count)" + (withoutToken ? "-without-token" : "")
            let maildir = ws.directory.appendingPathComponent(name, isDirectory: true)
            for d in ["tmp", "new", "cur"] {
                try FileManager.default.createDirectory(at: maildir.appendingPathComponent(d), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            }
            for (n, subject) in subjects.enumerated() {
                let returnPath = withoutToken ? "\(verp.prefix)@\(verp.domain)" : verp.make(VERPKey(incident: number, subject: UInt64(subject.id)))
                let sent = subject.messageID.map { $0.hasPrefix("<") ? $0 : "<\($0)>" } ?? "<\(id).demo-\(subject.id)@\(domain)>"
                try writePrivate(SampleBounce.userUnknown.message(returnPath: returnPath, recipient: subject.email ?? "",
                                                                  originalMessageID: sent, serial: n + 1),
                                 to: maildir.appendingPathComponent("new/\(stamp).demo\(n + 1).user-unknown"))
            }
            print("Wrote \(count) example bounces to \(maildir.path)/new; ingest them: breachmail bounces ingest \(maildir.path)")
        }

        /// A random VERP secret where the configuration points to a file that does not exist yet.
        static func ensureSecret(_ directory: URL) throws {
            let configuration = try Configuration.load(directory.appendingPathComponent(Configuration.fileName))
            guard case .file(let path) = configuration.mail.bounceSecret else { return }
            let url = URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL
            guard !FileManager.default.fileExists(atPath: url.path) else { return }
            var bytes = [UInt8](repeating: 0, count: 32)
            var random = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = random.next() }
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try writePrivate(Data(bytes).base64EncodedString() + "\n", to: url)
            print("Made a random VERP secret in \(path) (0600).")
        }
    }
}
