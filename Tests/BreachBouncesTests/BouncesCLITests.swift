import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// `breachmail bounces parse` run as a real process, from a directory that is no working directory.
@Suite struct BouncesCLITests {
    let fixture = Fixtures.directory.appendingPathComponent("postfix-dsn-userunknown.eml").path

    @Test func parseJSONWithSecretFromTheEnvironment() throws {
        let dir = try TemporaryDirectory()
        let result = try CommandRunner.breachmail(
            ["bounces", "parse", "--json", "--secret-env", "TEST_VERP_SECRET", fixture],
            environment: ["TEST_VERP_SECRET": "breachmail-test-secret-0123456789"], directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode(BounceReport.self, from: Data(result.stdout.utf8))
        #expect(report.kind == .failure)
        #expect(report.token.status == .valid)
        #expect(report.token.subject == 1234)
        #expect(report.recipients.first?.reason == .userUnknown)
        #expect(report.recipients.first?.bounceClass == .hard)
        #expect(result.stdout.contains("\"class\" : \"hard\""))
        // No working directory was made or opened.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).isEmpty)
    }

    @Test func parseTextWithoutSecretShowsTheTokenUnverified() throws {
        let dir = try TemporaryDirectory()
        let result = try CommandRunner.breachmail(["bounces", "parse", fixture], directory: dir.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("recipient   jean.dupont@example.org"))
        #expect(result.stdout.contains("status      5.1.1, SMTP 550"))
        #expect(result.stdout.contains("reason      userunknown"))
        #expect(result.stdout.contains("class       hard (the address cannot be reached)"))
        #expect(result.stdout.contains("token         present, not verified (no secret given; claims BR-2026-0003, subject 1234)"))
    }

    @Test func forgedTokenWithSecretFile() throws {
        let dir = try TemporaryDirectory()
        let secretFile = dir.url.appendingPathComponent("verp.key")
        try Data("breachmail-test-secret-0123456789\n".utf8).write(to: secretFile)
        let result = try CommandRunner.breachmail(
            ["bounces", "parse", "--secret-file", secretFile.path, Fixtures.directory.appendingPathComponent("forged-token.eml").path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("token         FORGED or not ours"))
    }

    @Test func unparsableExitsThreeWithWhy() throws {
        let result = try CommandRunner.breachmail(["bounces", "parse", Fixtures.directory.appendingPathComponent("truncated-exim.eml").path])
        #expect(result.status == 3)
        #expect(result.stdout.contains("UNPARSABLE"))
        #expect(result.stdout.contains("problem       recognised a bounce in exim format but it names no recipient that could be read (truncated?)"))
    }

    @Test func missingFileAndShortSecretAreClearErrors() throws {
        let missing = try CommandRunner.breachmail(["bounces", "parse", "/nonexistent/bounce.eml"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/nonexistent/bounce.eml does not exist: give the path of one message file"))
        let short = try CommandRunner.breachmail(["bounces", "parse", "--secret-env", "S", fixture], environment: ["S": "short"])
        #expect(short.status != 0)
        #expect(short.stderr.contains("$S: the VERP secret is too short"))
        let unset = try CommandRunner.breachmail(["bounces", "parse", "--secret-env", "NOT_SET_ANYWHERE", fixture])
        #expect(unset.stderr.contains("the environment variable NOT_SET_ANYWHERE is not set or empty"))
    }
}
