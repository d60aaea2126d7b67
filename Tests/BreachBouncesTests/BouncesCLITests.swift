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
        // One line of JSON per message (JSON Lines), with the file it came from.
        #expect(result.stdout.contains("\"class\":\"hard\""))
        #expect(result.stdout.hasPrefix("{\"source\":\"\(fixture)\","))
        #expect(result.stdout.split(separator: "\n").count == 1)
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
        #expect(missing.stderr.contains("/nonexistent/bounce.eml does not exist: give a message file, a directory of messages, a Maildir or an mbox file"))
        let short = try CommandRunner.breachmail(["bounces", "parse", "--secret-env", "S", fixture], environment: ["S": "short"])
        #expect(short.status != 0)
        #expect(short.stderr.contains("$S: the VERP secret is too short"))
        let unset = try CommandRunner.breachmail(["bounces", "parse", "--secret-env", "NOT_SET_ANYWHERE", fixture])
        #expect(unset.stderr.contains("the environment variable NOT_SET_ANYWHERE is not set or empty"))
    }

    /// Many messages in one process: files, a directory, a Maildir and an mbox; one JSON line each.
    @Test func parseManyFilesAMaildirAndAnMboxPrintsOneJSONLinePerMessage() throws {
        let dir = try TemporaryDirectory()
        let names = ["postfix-dsn-userunknown.eml", "exim-userunknown.eml", "human-reply.eml", "truncated-exim.eml"]
        let maildir = dir.url.appendingPathComponent("Maildir")
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(at: maildir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        var mbox = Data()
        for (n, name) in names.enumerated() {
            let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent(name))
            try data.write(to: maildir.appendingPathComponent(n % 2 == 0 ? "new" : "cur").appendingPathComponent("\(n).host"))
            mbox.append(Data("From MAILER-DAEMON Tue Nov 24 10:02:11 2026\n".utf8))
            mbox.append(data)
            mbox.append(Data("\n".utf8))
        }
        let mboxFile = dir.url.appendingPathComponent("bounces.mbox")
        try mbox.write(to: mboxFile)
        let files = names.map { Fixtures.directory.appendingPathComponent($0).path }
        let result = try CommandRunner.breachmail(["bounces", "parse", "--json"] + files + [maildir.path, mboxFile.path])
        // One of them is unparsable (a truncated Exim bounce): exit 3, every other still printed.
        #expect(result.status == 3, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 12)
        var kinds: [String: Int] = [:]
        var sources: [String] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            sources.append(try #require(object["source"] as? String))
            kinds[try #require(object["kind"] as? String), default: 0] += 1
            _ = try JSONDecoder().decode(BounceReport.self, from: Data(line.utf8))
        }
        #expect(kinds == ["failure": 6, "notABounce": 3, "unparsable": 3])
        #expect(sources.prefix(4) == files[...])
        #expect(sources.suffix(4) == (1...4).map { "\(mboxFile.path)#\($0)" })
        #expect(sources.filter { $0.hasPrefix(maildir.path + "/new/") }.count == 2)
    }
}
