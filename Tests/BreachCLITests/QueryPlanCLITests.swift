import BreachBounces
import BreachTestSupport
import Foundation
import Testing

/// Every statement the register runs on a table that grows with the people (subjects, their
/// bounces, the subject journal) reads it through an index: `EXPLAIN QUERY PLAN` shows no full
/// scan of it (`SCAN subject`) and no temporary B-tree (`USE TEMP B-TREE`, a sort of the people).
///
/// The statements are not listed by hand: every command runs once on a populated working
/// directory with `BREACHMAIL_SQL_TRACE`, which makes the register write each distinct statement
/// it runs, so a statement added later is checked as soon as a command runs it. The command tree
/// (`--experimental-dump-help`) must equal the commands run here plus those set aside with a
/// reason, so a new command fails this test until it is added.
///
/// Plans are checked on the register as breachmail leaves it, without statistics (breachmail
/// never runs ANALYZE, so SQLite plans from the schema alone), and again on a copy after ANALYZE,
/// so that statistics gathered by someone else do not turn a plan into a scan either.
@Suite struct QueryPlanCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var register: String { work.appendingPathComponent("register.sqlite").path }
    var trace: URL { dir.url.appendingPathComponent("statements.trace") }

    static let growing: Set<String> = ["subject", "bounce", "subject_journal"]
    /// Statements whose job is to read every person once, with why.
    static let wholeTableReads: [String: String] = [
        "SELECT id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason, attempts,\nnext_attempt_at, first_attempt_at, imported_at, updated_at, message_id, last_reply, row_key FROM subject":
            "v8-subject-digest computed the digest of every person's row once",
        "SELECT id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason, attempts,\nnext_attempt_at, first_attempt_at, imported_at, updated_at, message_id, last_reply, row_key FROM subject WHERE import_entry NOT IN (SELECT id FROM subject_import)":
            "register verify recomputes the digest of every person's row (but those of an import under way)",
        "INSERT INTO subject_rebuilt (id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason,\nattempts, next_attempt_at, imported_at, updated_at, message_id, last_reply, row_key, first_attempt_at) SELECT id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason,\nattempts, next_attempt_at, imported_at, updated_at, message_id, last_reply, row_key, first_attempt_at FROM subject ORDER BY id":
            "v13-subject-row-key rebuilt the people's table once, copying every row (its table is gone afterwards: not explained)",
    ]
    /// Commands not run here, with why their statements are covered anyway.
    static let setAside: [String: String] = [
        "bounces fetch": "needs an IMAP server; it records what it fetches with the statements of `bounces ingest`",
        "register seal": "needs the controller's signing key; it reads the head of the history only",
        "register migrate": "copies every row of every table into PostgreSQL, a whole read by design (PostgresCLITests runs it)",
        "serve": "a long-running process: its routes run the use cases of the commands above (UseCaseAPITests drive them)",
    ]
    static let submittedAt = "2026-10-24T14:00:00Z"
    static let during = "2026-10-25T16:00:00+02:00"
    static let after = "2026-10-29T15:00:00+01:00"

    init() throws {
        dir = try TemporaryDirectory("plans")
    }

    @discardableResult
    func bm(_ args: [String], now: String = QueryPlanCLITests.during, input: String? = nil) throws -> ProcessResult {
        let result = try CommandRunner.breachmail(args, environment: [
            "BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now, "BREACHMAIL_SQL_TRACE": trace.path,
            "BREACHMAIL_IMAP_PASSWORD": "unused",
        ], input: input)
        try #require(result.status == 0, "breachmail \(args.joined(separator: " ")): \(result.stdout) \(result.stderr)")
        return result
    }

    func sql(_ statement: String, _ database: String? = nil) throws -> String {
        let result = try CommandRunner.run("sqlite3", [database ?? register, statement])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// 2,400 people, one in twenty without an address, in three languages.
    func people() throws -> URL {
        let url = dir.url.appendingPathComponent("people.csv")
        var text = "email,first_name,last_name,language\n"
        for n in 1...2400 { text += "\(n % 20 == 0 ? "" : "person\(n)@example.org"),Zoé,Weber \(n),\(["fr", "en", "de"][n % 3])\n" }
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Runs every command of breachmail on a working directory of two incidents; returns the commands run.
    func everyCommand() throws -> Set<String> {
        var ran = Set<String>()
        func run(_ command: String, _ args: [String], now: String = QueryPlanCLITests.during, input: String? = nil) throws {
            ran.insert(command)
            try bm(command.split(separator: " ").map(String.init) + args, now: now, input: input)
        }
        let id = "BR-2026-0001", other = "BR-2026-0002"
        try run("init", [work.path], now: Self.submittedAt)
        try run("incident template", ["--lang", "en"])
        try run("incident open", [CommandRunner.exampleIncident.path], now: Self.submittedAt)
        try run("incident open", [CommandRunner.exampleIncident.path], now: Self.submittedAt)
        try run("incident update", [other, CommandRunner.exampleIncident.path], now: Self.submittedAt)
        try run("incident list", [])
        try run("incident show", [id, "--version", "1"])
        try run("incident assess", [id, "--answers", CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path,
                                    "--confirm"], now: Self.submittedAt)
        try run("incident assess", [id, "--show"])
        try run("subjects import", [id, try people().path], now: Self.submittedAt)
        try run("subjects import", [other, CommandRunner.exampleSubjects.path], now: Self.submittedAt)
        try run("templates check", ["--incident", id])
        try run("subjects preview", [id, "--row", "7", "--text"])
        try run("subjects show", [id, "--subject", "5"])
        try run("subjects show", [id, "--email", "-", "--json"], input: "person7@example.org\n")
        try run("subjects notify", [id, "--dry-run"], now: Self.submittedAt)
        try run("subjects notify", [id], now: Self.submittedAt)
        try run("subjects notify", [other], now: Self.submittedAt)

        // Bounces: with tokens (the demo's), by the returned Message-ID, and by an address alone (review).
        try run("demo bounces", [id])
        try run("bounces ingest", [work.appendingPathComponent("demo-bounces").path])
        let rows = try sql("SELECT id, email, message_id FROM subject WHERE incident_id = '\(id)' AND state = 'submitted' ORDER BY id DESC LIMIT 3")
            .split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
        let plain = "bounce@bounces.exemple.lu"
        let byMessageID = SampleBounce.userUnknown.message(returnPath: plain, recipient: rows[0][1], originalMessageID: "<\(rows[0][2])>", serial: 1)
        let byAddress = [1, 2].map { n in
            SampleBounce.mailboxFull.message(returnPath: plain, recipient: rows[n][1], originalMessageID: "<elsewhere.\(n)@example.net>", serial: 10 + n)
        }
        try run("bounces ingest", ["-"], input: byMessageID)
        for message in byAddress { try run("bounces ingest", ["-"], input: message) }
        try run("bounces parse", [work.appendingPathComponent("demo-bounces").path])
        let review = try sql("SELECT id FROM bounce WHERE review = 'pending' ORDER BY id").split(separator: "\n").map(String.init)
        try #require(review.count == 2, "bounces under review: \(review)")
        try run("bounces review", [])
        try run("bounces review", [review[0]])
        try run("bounces confirm", [review[0]])
        try run("bounces reject", [review[1]])
        try run("bounces review", ["--all"])
        try run("bounces review", ["--incident", id, "--all"])

        for now in [Self.during, Self.after] {
            try run("status", [id], now: now)
            try run("status", [id, "--json"], now: now)
        }
        try run("public-notice", [id, "--force", "--output", dir.url.appendingPathComponent("notice.txt").path], now: Self.after)

        // The authority and, as a processor, a controller.
        try run("demo authority-key", [])
        try run("authority compose", [id, "--authority", "cnpd"])
        try run("authority send", [id, "--authority", "cnpd"])
        try run("authority send", [id, "--authority", "cnil"])
        try run("authority record", [id, "--authority", "cnil", "--reference", "CNIL-7"])
        let config = work.appendingPathComponent("breachmail.yaml")
        try (try String(contentsOf: config, encoding: .utf8) + """

            controllers:
              - id: beta
                name: Beta Logistik GmbH
                contact: {name: Paul Weber, email: privacy@beta.example}
                channel: file
                folder: handover/beta
                languages: [de]

            """).write(to: config, atomically: true, encoding: .utf8)
        try run("controller compose", [id])
        try run("controller send", [id])
        try run("controller record", [id, "--reference", "BETA-1"])
        try run("register verify", [])
        for format in ["csv", "json", "html"] {
            try run("register export", ["--format", format, "--output", dir.url.appendingPathComponent("export.\(format)").path])
        }
        // One person's record, by id and by address; tokens; one tick of the scheduler.
        try run("subjects show", [id, "--subject", rows[0][0]])
        try run("subjects show", [id, "--email", "-"], input: rows[1][1] + "\n")
        try run("token create", ["planner", "--role", "auditor"])
        try run("token list", [])
        try run("token revoke", ["planner"])
        try run("scheduler tick", [], now: Self.after)
        return ran
    }

    /// The leaf commands of `breachmail`, as `subjects notify`.
    func commandTree() throws -> Set<String> {
        let dump = try CommandRunner.breachmail(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var leaves = Set<String>()
        func walk(_ command: [String: Any], _ path: [String]) {
            let subcommands = (command["subcommands"] as? [[String: Any]] ?? []).filter { $0["commandName"] as? String != "help" }
            if subcommands.isEmpty { leaves.insert(path.joined(separator: " ")) }
            for sub in subcommands { walk(sub, path + [sub["commandName"] as? String ?? "?"]) }
        }
        walk(try #require(root["command"] as? [String: Any]), [])
        return leaves
    }

    /// `EXPLAIN QUERY PLAN` of each statement on `database`, by statement.
    func plans(_ statements: [String], on database: String) throws -> [String: [String]] {
        var script = ""
        for (n, statement) in statements.enumerated() {
            script += ".print @@@\(n)\nEXPLAIN QUERY PLAN \(statement)\(statement.hasSuffix(";") ? "" : ";")\n"
        }
        let result = try CommandRunner.run("sqlite3", ["-bail", database], input: script)
        try #require(result.status == 0 && result.stderr.isEmpty, "\(result.stderr)")
        var out: [String: [String]] = [:]
        var current: String?
        for line in result.stdout.split(separator: "\n").map(String.init) {
            if line.hasPrefix("@@@"), let n = Int(line.dropFirst(3)) { current = statements[n]; out[statements[n]] = []; continue }
            let step = line.drop { "|`- ".contains($0) }
            if let current, !step.isEmpty, step != "QUERY PLAN" { out[current]?.append(String(step)) }
        }
        return out
    }

    /// The names a statement gives the growing tables: their own and their aliases (`bounce b`).
    static func names(in statement: String) -> Set<String> {
        let keywords: Set<String> = ["where", "join", "on", "set", "left", "inner", "cross", "order", "group", "limit", "values",
                                     "using", "indexed", "not", "union", "and", "or", "natural"]
        var names = Set<String>()
        let words = statement.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).map { $0.lowercased() }
        for (i, word) in words.enumerated() where growing.contains(word) {
            names.insert(word)
            var next = i + 1
            if next < words.count, words[next] == "as" { next += 1 }
            if next < words.count, !keywords.contains(words[next]), !growing.contains(words[next]) { names.insert(words[next]) }
        }
        return names
    }

    /// The plan steps that read a growing table whole or sort its rows.
    static func violations(_ statement: String, _ steps: [String]) -> [String] {
        let names = Self.names(in: statement)
        return steps.filter { step in
            if step.hasPrefix("USE TEMP B-TREE") { return true }
            guard step.hasPrefix("SCAN ") else { return false }
            let table = step.dropFirst(5).prefix { $0 != " " }.lowercased()
            return names.contains(table)
        }
    }

    @Test func noStatementScansOrSortsThePeople() throws {
        let ran = try everyCommand()
        #expect(try commandTree() == ran.union(Self.setAside.keys), "a command was added or removed: run it above, or set it aside with a reason")

        let traced = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) as? String)
        }
        let statements = Set(traced).filter { statement in
            let verb = statement.prefix { $0.isLetter }.uppercased()
            return ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(verb) && !Self.names(in: statement).isEmpty
        }.sorted()
        // The trace works and reaches what matters: reach, the public notice, the campaign, bounces without a token.
        #expect(statements.count >= 30, "\(statements.count) statements on the people's tables")
        for part in ["FROM bounce b JOIN subject s", "UNION ALL SELECT id, incident_id, line, email, first_name", "WHERE message_id IN",
                     "CROSS JOIN subject s", "state = 'submitted' GROUP BY updated_at"] {
            #expect(statements.contains { $0.contains(part) }, "no traced statement contains \(part)")
        }
        for allowed in Self.wholeTableReads.keys { #expect(statements.contains(allowed), "not run any more: \(allowed)") }

        let analysed = dir.url.appendingPathComponent("analysed.sqlite").path
        _ = try sql("VACUUM INTO '\(analysed)'")
        _ = try sql("ANALYZE", analysed)
        #expect(try sql("SELECT COUNT(*) FROM subject") == "2696")
        for (label, database) in [("without statistics", register), ("after ANALYZE", analysed)] {
            let plans = try plans(statements.filter { Self.wholeTableReads[$0] == nil }, on: database)
            for statement in statements where Self.wholeTableReads[statement] == nil {
                let steps = try #require(plans[statement], "no plan for \(statement)")
                let bad = Self.violations(statement, steps)
                #expect(bad.isEmpty, "\(label): \(statement)\n  \(steps.joined(separator: "\n  "))")
            }
        }
    }
}
