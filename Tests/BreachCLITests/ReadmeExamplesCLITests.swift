import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §10: the README's examples run as written, from a fresh working directory.
///
/// The examples run are the ```sh blocks of README.md preceded by the line
/// `<!-- example: runs -->` (today: *Using it*, the examples under *Commands*, *Languages*,
/// *Importing subjects*, *Notifying subjects*, and `--verbose` in *Sending mail*), in the order of
/// the README, one after the other in one `sh` (so `export` carries on), in a new temporary
/// directory holding only a link to the clone's `Config/` (the README's commands run from a clone:
/// *Quick start*), with the debug `breachmail` first on the PATH, `BREACHMAIL_NOW` fixed, the
/// default outbox transport and no network. Each line must exit 0; the first that does not fails
/// the test with its status and output.
///
/// Lines of those blocks not run, by reason, are ``skipped``; a skip that matches no line of the
/// README fails the test, so the list stays true. The blocks not marked need what a test does not
/// have: `scripts/demo.sh`, `scripts/test.sh` and `scripts/install.sh /usr/local` install system
/// packages or write under `/usr/local` (root); the service's `curl` examples need `serve`
/// running and tokens; *PostgreSQL: several workers* needs a PostgreSQL server and root.
@Suite struct ReadmeExamplesCLITests {
    static let marker = "<!-- example: runs -->"

    /// Lines of the marked blocks not run (by the start of the line), and why.
    static let skipped: [(line: String, reason: String)] = [
        ("swift build -c release", "building: the test runs the debug binary already built"),
        ("breachmail register export --format pdf", "needs Debian's Chromium, a browser, to print the PDF"),
        ("breachmail authority send BR-2026-0001 --authority cnpd --complementary",
         "needs something new since the initial notification: with nothing new it is refused (65), as documented"),
        ("breachmail controller send BR-2026-0001 --controller acme", "needs a `controllers` section: breachmail used as a processor"),
        ("breachmail subjects import BR-2026-0001 members.csv", "a file of the reader's own (members.csv)"),
        ("breachmail subjects preview BR-2026-0001 --row 12", "needs people imported; the line above imports the reader's own file"),
        ("breachmail bounces parse --secret-file verp.key --json returned.eml", "files of the reader's own (a secret and a returned message)"),
        ("breachmail bounces ingest ~/Maildir/.bounces", "a mailbox of the reader's own"),
        ("breachmail bounces ingest /var/mail/bounces", "a mailbox of the reader's own"),
        ("breachmail bounces fetch", "needs an IMAP server (mail.bounces.imap): the network"),
        ("export-members |", "a program of the reader's own"),
    ]

    /// The lines of the marked blocks, blank lines dropped.
    static func examples(_ readme: String) -> [String] {
        var lines: [String] = []
        var state = 0  // 0: prose; 1: marker seen; 2: inside a marked block
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            switch state {
            case 0: if line == marker { state = 1 }
            case 1: state = line == "```sh" ? 2 : 0
            default:
                if line == "```" { state = 0 } else if !line.allSatisfy(\.isWhitespace) { lines.append(line) }
            }
        }
        return lines
    }

    @Test func theMarkedExamplesRunAsWrittenFromAFreshDirectory() throws {
        let readme = try String(contentsOf: CommandRunner.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = Self.examples(readme)
        #expect(lines.contains { $0.hasPrefix("breachmail init ") }, "\(lines)")
        for skip in Self.skipped {
            #expect(lines.contains { $0.hasPrefix(skip.line) }, "a skipped line no marked block of the README has: \(skip.line)")
        }

        let dir = try TemporaryDirectory("readme")
        try FileManager.default.createSymbolicLink(at: dir.file("Config"), withDestinationURL: CommandRunner.packageRoot.appendingPathComponent("Config"))
        var script = ""
        var run = 0
        for line in lines where !Self.skipped.contains(where: { line.hasPrefix($0.line) }) {
            run += 1
            let quoted = "'" + line.replacingOccurrences(of: "'", with: "'\\''") + "'"
            script += "\(line)\nstatus=$?; if [ $status -ne 0 ]; then echo \"README example failed (exit $status): \"\(quoted) >&2; exit 1; fi\n"
            // The reader's own step, written in the README as a comment: the test fills the template in with the example incident.
            if line.contains("# fill it in"), let target = line.split(separator: ">").last?.split(separator: " ").first {
                script += "cp Config/examples/incident.yaml '\(target)'\n"
            }
        }
        #expect(run >= 25, "only \(run) examples run")
        let bin = CommandRunner.breachmail.deletingLastPathComponent().path
        let result = try CommandRunner.run("/bin/sh", ["-c", script], environment: [
            "PATH": "\(bin):/usr/bin:/bin", "HOME": dir.url.path, "LANG": "C.UTF-8",
            "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "readme-dpo",
            "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00",
        ], directory: dir.url, timeout: 300)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // What the examples' comments promise.
        #expect(result.stdout.contains("Connaissance"), "\(result.stdout)")
        #expect(result.stdout.contains("Geltende Entscheidung"), "\(result.stdout)")
        for file in ["registre.html", "smtp.log", "breach-work/portal/BR-2026-0001-cnil-initial.txt"] {
            #expect(FileManager.default.fileExists(atPath: dir.file(file).path), "\(file)")
        }
        let outbox = try FileManager.default.contentsOfDirectory(atPath: dir.file("breach-work/outbox/new").path)
        #expect(outbox.count > 250, "the campaign of *Notifying subjects* sent \(outbox.count) messages")
    }
}
