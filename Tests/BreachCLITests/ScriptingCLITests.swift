import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §1: the command line for scripts. One table of exit statuses after sysexits(3)
/// (README *Exit status*), each provoked here on the real binary; `-` reads standard input where
/// a file is read; `--json` outputs parsed and their keys checked.
@Suite struct ScriptingCLITests {
    let dir: TemporaryDirectory
    let work: URL
    let example = CommandRunner.exampleIncident.path

    init() throws {
        dir = try TemporaryDirectory("scripting")
        work = dir.url.appendingPathComponent("work")
    }

    func run(_ arguments: [String], input: String? = nil, _ extra: [String: String] = [:]) throws -> ProcessResult {
        var env = ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"]
        env.merge(extra) { $1 }
        return try CommandRunner.breachmail(arguments, environment: env, input: input)
    }

    func makeWork() throws {
        try CommandRunner.makeExampleWorkingDirectory(work) { try run($0) }
    }

    func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test func usageDataAndMissingInputHaveTheirOwnStatus() throws {
        try makeWork()
        let usage = try run(["status"])
        #expect(usage.status == 64, "\(usage.stderr)")
        #expect(try run(["incident", "list", "--colour"]).status == 64)
        let delimiter = try run(["subjects", "import", "BR-2026-0001", example, "--delimiter", "|"])
        #expect(delimiter.status == 64)
        #expect(delimiter.stderr == "Error: --delimiter |: use , ; or tab.\n")

        let missing = dir.file("no-such-incident.yaml").path
        let noFile = try run(["incident", "open", missing])
        #expect(noFile.status == 66)
        #expect(noFile.stderr == "Error: \(missing) does not exist: give the path of the incident file, or - to read it from standard input.\n")
        let noIncident = try run(["status", "BR-2026-0099"])
        #expect(noIncident.status == 66)
        #expect(noIncident.stderr == "Error: no incident BR-2026-0099 in the register; `breachmail incident list` shows the ids.\n")
        let noAuthority = try run(["authority", "compose", "BR-2026-0001", "--authority", "nope"])
        #expect(noAuthority.status == 66)
        #expect(noAuthority.stderr.hasPrefix("Error: --authority nope: no such authority in breachmail.yaml; configured: "), "\(noAuthority.stderr)")

        let broken = dir.file("broken.yaml")
        try "title: A title\nawareness: yesterday\n".write(to: broken, atomically: true, encoding: .utf8)
        let data = try run(["incident", "open", broken.path])
        #expect(data.status == 65)
        #expect(data.stderr.hasPrefix("Error: "))
        #expect(data.stderr.contains("\(broken.path):2: awareness:"), "\(data.stderr)")
    }

    @Test func cannotCreateConfigurationUnavailableAndTemporaryHaveTheirOwnStatus() throws {
        try makeWork()
        let again = try run(["init", work.path])
        #expect(again.status == 73)
        #expect(again.stderr == "Error: \(work.path)/breachmail.yaml already exists; this is already a working directory. Choose another directory.\n")

        // gpg that fails: a program breachmail needs is unusable.
        let bin = dir.url.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let fake = bin.appendingPathComponent("gpg")
        try "#!/bin/sh\necho 'gpg: out of order' >&2\nexit 2\n".write(to: fake, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fake.path)
        let unavailable = try run(["demo", "authority-key"], ["PATH": "\(bin.path):/usr/bin:/bin"])
        #expect(unavailable.status == 69, "\(unavailable.stderr)")
        #expect(unavailable.stderr.contains("gpg out of order") || unavailable.stderr.contains("gpg: out of order"), "\(unavailable.stderr)")

        // Another run holds the campaign (its lock, taken here by flock(1) as `subjects notify` takes it).
        try #require(run(["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path]).status == 0)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [work.appendingPathComponent(".campaign-BR-2026-0001.lock").path, "sleep", "30"]
        try holder.run()
        defer { holder.terminate(); holder.waitUntilExit() }
        let lockFile = work.appendingPathComponent(".campaign-BR-2026-0001.lock").path
        let waitUntil = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: lockFile), Date() < waitUntil { usleep(20_000) }
        usleep(200_000)
        let busy = try run(["subjects", "notify", "BR-2026-0001"])
        #expect(busy.status == 75, "\(busy.stderr)")
        #expect(busy.stderr.hasSuffix("Error: another `subjects notify BR-2026-0001` or `subjects import BR-2026-0001` is running in this working directory; wait for it or stop it.\n"),
                "\(busy.stderr)")

        let config = work.appendingPathComponent("breachmail.yaml")
        try "storage: [\n".write(to: config, atomically: true, encoding: .utf8)
        let configuration = try run(["incident", "open", example])
        #expect(configuration.status == 78, "\(configuration.stderr)")
        #expect(configuration.stderr.hasPrefix("Error: \(config.path):"), "\(configuration.stderr)")
    }

    @Test func aDashReadsStandardInput() throws {
        #expect(try run(["init", work.path]).status == 0)
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let opened = try run(["incident", "open", "-"], input: text)
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.hasPrefix("Opened BR-2026-0001: "))
        let updated = try run(["incident", "update", "BR-2026-0001", "-"], input: text.replacingOccurrences(of: "approximate_records: 1840", with: "approximate_records: 1900"))
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(updated.stdout == "Updated BR-2026-0001 to version 2.\n")
        let bad = try run(["incident", "update", "BR-2026-0001", "-"], input: "title: [\n")
        #expect(bad.status == 65)
        #expect(bad.stderr.hasPrefix("Error: standard input:"), "\(bad.stderr)")

        let answers = try String(contentsOfFile: CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path, encoding: .utf8)
        let assessed = try run(["incident", "assess", "BR-2026-0001", "--answers", "-", "--confirm"], input: answers)
        #expect(assessed.status == 0, "\(assessed.stderr)")
        let shown = try #require(try json(run(["incident", "assess", "BR-2026-0001", "--show", "--json"]).stdout) as? [String: Any])
        #expect(shown["in_force"] as? Bool == true, "\(shown)")
        #expect(shown["actor"] as? String == "test-dpo")
    }

    /// `subjects import -`: the CSV from a pipe, named `standard input` in the summary and in errors.
    @Test func subjectsImportReadsStandardInput() throws {
        try makeWork()
        let csv = try String(contentsOf: CommandRunner.exampleSubjects, encoding: .utf8)
        let imported = try run(["subjects", "import", "BR-2026-0001", "-", "--json"], input: csv)
        #expect(imported.status == 0, "\(imported.stderr)")
        let summary = try #require((try json(imported.stdout) as? [String: Any])?["summary"] as? [String: Any])
        #expect(summary["file"] as? String == "standard input")
        #expect(summary["rows"] as? Int == 300, "\(summary)")
        let direct = try run(["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path, "--json"])
        let again = try #require((try json(direct.stdout) as? [String: Any])?["summary"] as? [String: Any])
        // The SHA-256 of the bytes piped in, as sha256sum counts them.
        #expect(summary["sha256"] as? String == String(try CommandRunner.run("sha256sum", ["-"], input: csv).stdout.prefix(64)))
        #expect(again["rows"] as? Int == 300 && again["accepted"] as? Int == 0, "\(again)")

        let empty = try run(["subjects", "import", "BR-2026-0001", "-"], input: "")
        #expect(empty.status == 65, "\(empty.stderr)")
        #expect(empty.stderr.hasPrefix("Error: standard input"), "\(empty.stderr)")
    }

    /// Issue 17 §10: without --dir and BREACHMAIL_DIR, the working directory is the nearest folder
    /// holding breachmail.yaml from the current one up.
    @Test func theWorkingDirectoryIsFoundFromASubFolder() throws {
        try makeWork()
        let sub = work.appendingPathComponent("portal/deeper")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let env = ["BREACHMAIL_NOW": "2026-10-25T16:00:00+02:00"]
        let found = try CommandRunner.breachmail(["status", "BR-2026-0001"], environment: env, directory: sub)
        #expect(found.status == 0, "\(found.stderr)")
        #expect(found.stdout.hasPrefix("BR-2026-0001  "), "\(found.stdout)")
        let none = try CommandRunner.breachmail(["status", "BR-2026-0001"], environment: env, directory: dir.url)
        #expect(none.status == 78, "\(none.stderr)")
        #expect(none.stderr.contains(dir.url.appendingPathComponent("breachmail.yaml").path), "\(none.stderr)")
    }

    @Test func incidentListAndRegisterVerifyGiveJSON() throws {
        try makeWork()
        let list = try run(["incident", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let incidents = try #require(try json(list.stdout) as? [[String: Any]])
        try #require(incidents.count == 1)
        #expect(Set(incidents[0].keys) == ["id", "version", "title", "awareness", "deadline", "clock", "clock_text"])
        #expect(incidents[0]["id"] as? String == "BR-2026-0001")
        #expect(incidents[0]["clock"] as? String == "running")

        let imported = try run(["subjects", "import", "BR-2026-0001", CommandRunner.exampleSubjects.path, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let importJSON = try #require(try json(imported.stdout) as? [String: Any])
        #expect(Set(importJSON.keys).isSubset(of: ["incident", "summary", "report_path", "warnings"]), "\(importJSON)")
        #expect(importJSON["incident"] as? String == "BR-2026-0001")
        let summary = try #require(importJSON["summary"] as? [String: Any])
        #expect(Set(summary.keys).isSuperset(of: ["file", "sha256", "encoding", "delimiter", "rows", "accepted", "queued", "no_address",
                                                   "duplicates", "rejected", "language_defaulted", "normalised", "blank_lines"]), "\(summary)")
        #expect((summary["rows"] as? Int ?? 0) > 0)
        #expect(summary["accepted"] as? Int == (summary["queued"] as? Int ?? -1) + (summary["no_address"] as? Int ?? -1))

        let verify = try run(["register", "verify", "--json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let intact = try #require(try json(verify.stdout) as? [String: Any])
        #expect(Set(intact.keys) == ["intact", "entries", "head", "injected_clock", "time_regressions"])
        #expect(intact["intact"] as? Bool == true)
        #expect(intact["entries"] as? Int == 3)
        #expect(intact["injected_clock"] as? Bool == true)

        let register = work.appendingPathComponent("register.sqlite").path
        let tamper = try CommandRunner.run("sqlite3", [register, "DROP TRIGGER history_append_only_update; UPDATE history SET actor = 'mallory' WHERE sequence = 1;"])
        try #require(tamper.status == 0, "\(tamper.stderr)")
        let broken = try run(["register", "verify", "--json"])
        #expect(broken.status == 2)
        let report = try #require(try json(broken.stdout) as? [String: Any])
        #expect(report["intact"] as? Bool == false)
        let problem = try #require(report["problem"] as? [String: Any])
        #expect(problem["sequence"] as? Int == 1)
        #expect(problem["message"] is String)
    }

    /// Issue 17 §4: errors that say what to do.
    @Test func readOnlyCommandsWorkWhenTheMailSectionIsBrokenAndSaySoOnce() throws {
        try makeWork()
        let config = work.appendingPathComponent("breachmail.yaml")
        let text = try String(contentsOf: config, encoding: .utf8)
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("  transport: ") }) + 1
        try text.replacingOccurrences(of: "  transport: outbox:outbox", with: "  transport: carrier-pigeon")
            .write(to: config, atomically: true, encoding: .utf8)
        let warning = "Warning: the mail section of breachmail.yaml is broken; this command sends nothing and goes on, but nothing can be sent "
            + "until it is fixed: \(config.path):\(line): mail.transport: \"carrier-pigeon\" is not a transport; use smtp://host:port, "
            + "smtps://host:port or outbox:DIR.\n"
        for arguments in [["status", "BR-2026-0001"], ["status", "BR-2026-0001", "--json"], ["incident", "show", "BR-2026-0001"],
                          ["incident", "list"], ["register", "export", "--format", "csv"], ["register", "verify"]] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stderr == warning, "\(arguments)")
            #expect(!result.stdout.isEmpty)
        }
        // A command that writes or sends still refuses, with the problem.
        let notify = try run(["subjects", "notify", "BR-2026-0001", "--dry-run"])
        #expect(notify.status == 78)
        #expect(notify.stderr == "Error: \(config.path):\(line): mail.transport: \"carrier-pigeon\" is not a transport; use smtp://host:port, smtps://host:port or outbox:DIR.\n")
        // Outside the mail section, nothing is read.
        try text.replacingOccurrences(of: "time_zone: ", with: "time_zonez: ").write(to: config, atomically: true, encoding: .utf8)
        #expect(try run(["status", "BR-2026-0001"]).status == 78)
    }

    @Test func aMissingFileOrAnUnknownWordSaysWhatToDo() throws {
        try makeWork()
        let slip = dir.file("slip.yaml")
        try String(contentsOfFile: example, encoding: .utf8)
            .replacingOccurrences(of: "origin: ransomware", with: "origin: Ransomwear")
            .replacingOccurrences(of: "title: ", with: "title: Second ")
            .write(to: slip, atomically: true, encoding: .utf8)
        let line = try #require(try String(contentsOf: slip, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("origin:") }) + 1
        let result = try run(["incident", "open", slip.path])
        #expect(result.status == 65)
        #expect(result.stderr == "Error: \(slip.path):\(line): origin: \"Ransomwear\" is not known; did you mean ransomware? Use one of: hacking_malware, "
            + "ransomware, phishing, credential_stuffing, lost_or_stolen_device, lost_or_stolen_paper, misdirected_message, unintended_publication, "
            + "improper_disposal, unauthorised_access, software_error, other.\n")

        let answers = dir.file("answers-nowhere.yaml").path
        let noAnswers = try run(["incident", "assess", "BR-2026-0001", "--answers", answers])
        #expect(noAnswers.status == 66)
        #expect(noAnswers.stderr == "Error: \(answers) does not exist: give the path of the answers file, or - to read it from standard input.\n")
        let folder = try run(["incident", "open", dir.url.path])
        #expect(folder.status == 66)
        #expect(folder.stderr == "Error: \(dir.url.path) is a directory: give the path of the incident file, or - to read it from standard input.\n")
    }

    /// Issue 17 §6: the template's examples are comments, so an unfilled template is refused.
    @Test func anUnfilledTemplateIsRefusedRatherThanRecordedWithTheExamples() throws {
        #expect(try run(["init", work.path]).status == 0)
        for lang in ["en", "fr"] {
            let template = try run(["incident", "template", "--lang", lang])
            try #require(template.status == 0)
            let opened = try run(["incident", "open", "-"], input: template.stdout)
            #expect(opened.status == 65, "\(lang): \(opened.stdout)")
            let lines = opened.stderr.split(separator: "\n").map(String.init)
            let titleLine = try #require(template.stdout.split(separator: "\n", omittingEmptySubsequences: false).firstIndex(of: "title:")) + 1
            #expect(lines.contains("  standard input:\(titleLine): title: is missing; expected a text."),
                    "\(opened.stderr)")
            #expect(lines.contains { $0.hasPrefix("  standard input:") && $0.contains(" awareness: ") }, "\(opened.stderr)")
        }
        #expect(try run(["incident", "list"]).stdout == "The register holds no incident yet. Record one with `breachmail incident open FILE`.\n")
    }

    /// Issue 17 §7: every command and group, found from the help itself, has an example; every
    /// example line is a whole command at the default width of 80 columns (or goes on after a
    /// trailing backslash), so it can be pasted.
    @Test func everyHelpHasExamplesThatCanBePasted() throws {
        var queue: [[String]] = [[]]
        var seen = 0
        while let command = queue.first {
            queue.removeFirst()
            seen += 1
            let help = try CommandRunner.breachmail(command + ["--help"])
            #expect(help.status == 0, "\(command)")
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let sub = lines.firstIndex(of: "SUBCOMMANDS:") {
                for line in lines[(sub + 1)...].prefix(while: { !$0.isEmpty }) where line.hasPrefix("  ") && !line.hasPrefix("   ") {
                    let name = String(line.dropFirst(2).prefix { $0 != " " })
                    queue.append(command + [name])
                }
            }
            let example = try #require(lines.firstIndex { $0.hasPrefix("Example") && $0.hasSuffix(":") }, "\(command) has no example")
            let block = lines[(example + 1)...].prefix { !$0.isEmpty }
            #expect(!block.isEmpty, "\(command)")
            var continued = false
            for line in block {
                // A wrapped line would start at the margin: every line is indented, and names the command.
                let whole = line.hasPrefix("  ") && !line.hasPrefix("   ") && line.contains("breachmail ")
                #expect(whole || (continued && line.hasPrefix("      ")),
                        "\(command): an example line that is not a whole command: \(line)")
                #expect(line.count <= 80, "\(command): \(line)")
                continued = line.hasSuffix("\\")
            }
        }
        #expect(seen > 40)
    }
}
