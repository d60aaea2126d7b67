import BreachTestSupport
import Foundation
import Testing

/// The layout `scripts/install.sh PREFIX` makes (PREFIX/bin/breachmail, PREFIX/share/breachmail
/// with Config/, Templates/ and the commit): the binary finds its share directory relative to
/// itself, with no BREACHMAIL_SHARE, and `--version` names the commit written there.
@Suite struct InstallLayoutTests {
    @Test func anInstalledBinaryFindsItsShareDirectoryAndNamesItsCommit() throws {
        let dir = try TemporaryDirectory("install")
        let prefix = dir.url.appendingPathComponent("prefix")
        let fm = FileManager.default
        let share = prefix.appendingPathComponent("share/breachmail")
        try fm.createDirectory(at: prefix.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try fm.createDirectory(at: share, withIntermediateDirectories: true)
        let binary = prefix.appendingPathComponent("bin/breachmail")
        try fm.copyItem(at: CommandRunner.breachmail, to: binary)
        for folder in ["Config", "Templates"] {
            try fm.copyItem(at: CommandRunner.packageRoot.appendingPathComponent(folder), to: share.appendingPathComponent(folder))
        }
        try "0123456789abcdef0123456789abcdef01234567\n".write(to: share.appendingPathComponent("commit"), atomically: true, encoding: .utf8)

        let env = ["PATH": "/usr/bin:/bin", "HOME": dir.url.path, "BREACHMAIL_ACTOR": "dpo"]
        let version = try CommandRunner.run(binary, ["--version"], environment: env)
        #expect(version.stdout == "0.1.0 (commit 0123456789ab)\n")
        let work = dir.url.appendingPathComponent("work")
        let made = try CommandRunner.run(binary, ["init", work.path], environment: env)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(fm.fileExists(atPath: work.appendingPathComponent("templates/fr/subject.txt.mustache").path))
        let completion = try CommandRunner.run(binary, ["--generate-completion-script", "bash"], environment: env)
        #expect(completion.stdout.contains("_breachmail"))
    }
}
