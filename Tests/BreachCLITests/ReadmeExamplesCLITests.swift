import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §10: the README's examples run as written, from a fresh working directory.
///
/// The examples run are the ```sh blocks of README.md preceded by the line
/// `<!-- example: runs -->` (today: *Using it*, *Languages*, and `--verbose` in *Sending mail*),
/// in the order of the README, one after the other in one `sh` (so `export` carries on), with the
/// debug `breachmail` first on the PATH, `BREACHMAIL_NOW` fixed, the default outbox transport and
/// no network. Each line must exit 0; the first that does not fails the test with its output.
///
/// Lines not run, by reason:
/// - `swift build -c release`: building; the test runs the debug binary already built.
/// - a line whose comment says `fill it in`: the reader's own step; the test runs it, then puts the
///   example incident (`Config/examples/incident.yaml`) in the file it wrote, as the reader would.
/// Blocks not marked are not run: they need a relay or the network (`authority send` to an
/// authority's key, `bounces fetch`), root (`scripts/install.sh /usr/local`), PostgreSQL, a file
/// of the reader's own (`members.csv`, a Maildir of bounces) or a program of theirs
/// (`export-members | …`).
@Suite struct ReadmeExamplesCLITests {
    static let marker = "<!-- example: runs -->"

    /// The lines of the marked blocks, comments kept, blank lines dropped.
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
        #expect(lines.count >= 8, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("breachmail init ") })

        let dir = try TemporaryDirectory("readme")
        var script = "cd '\(dir.url.path)'\n"
        for line in lines {
            if line.hasPrefix("swift build") { continue }
            script += "\(line)\nstatus=$?; if [ $status -ne 0 ]; then echo \"README example failed (exit $status): \"'\(line.replacingOccurrences(of: "'", with: "'\\''"))' >&2; exit 1; fi\n"
            if line.contains("# fill it in"), let target = line.split(separator: ">").last?.split(separator: " ").first {
                script += "cp '\(CommandRunner.exampleIncident.path)' '\(target)'\n"
            }
        }
        let bin = CommandRunner.breachmail.deletingLastPathComponent().path
        let result = try CommandRunner.run("/bin/sh", ["-c", script], environment: [
            "PATH": "\(bin):/usr/bin:/bin", "HOME": dir.url.path, "LANG": "C.UTF-8",
            "BREACHMAIL_SHARE": CommandRunner.packageRoot.path, "BREACHMAIL_ACTOR": "readme-dpo",
            "BREACHMAIL_NOW": "2026-10-24T16:00:00+02:00",
        ], directory: dir.url, timeout: 120)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // What the examples promise in their comments.
        #expect(result.stdout.contains("Connaissance"), "\(result.stdout)")
        #expect(result.stdout.contains("Geltende Entscheidung"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("smtp.log").path))
    }
}
