// Times what a DPO asks of a large register — `status`, `public-notice` and a bounce without a
// VERP token — at 10,000, 100,000 and 1,000,000 people, the way breachmail does it now beside the
// way it did before issue 18 (the walk of every person, page by page, kept below), in one run.
//
//   swift build -c release --product breachmail
//   swift run -c release ScaleBenchmark [--binary BREACHMAIL] [--base BINARY] [--old-max N] [SIZE…]
//
// Set-up per size: `breachmail init` and `incident open` make a working directory; the people and
// their bounces are inserted with SQL (a recursive CTE, seconds for a million): 3 % without an
// address, 2 % failed, 1 % deferred, 0.5 % render failed, the rest submitted over two days (so the
// retry window is open for some and closed for others at the status time), 5 % of them with a
// bounce of one of five classes. A copy of the register without the indexes of v9-scale is what
// the previous breachmail had: the old walk runs on it in-process, and `--base` names the previous
// commit's binary (e.g. built with `swift build -c release --product breachmail --scratch-path
// .build-base/scratch` from `git archive`), which runs `status` and `public-notice` on it.
// The old walk is skipped above `--old-max` people (default: every size), since it is quadratic.
import BreachCore
import BreachRegister
import Foundation

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}
let base = option("--base")
let oldMax = option("--old-max").flatMap { Int($0) } ?? .max
let sizes = arguments.enumerated().filter { $0.offset == 0 || !arguments[$0.offset - 1].hasPrefix("--") }
    .compactMap { Int($0.element.replacingOccurrences(of: "_", with: "")) }
let binary = option("--binary") ?? root.appendingPathComponent(".build/release/breachmail").path
let incidentID = "BR-2026-0001"
let window: TimeInterval = 120 * 3600
let statusTime = "2026-10-30T10:00:00Z"
let now = ZonedTime(rfc3339: statusTime)!.instant

struct Failure: Error, CustomStringConvertible { let description: String }

@discardableResult
func run(_ program: String, _ args: [String], in directory: URL? = nil, input: String? = nil) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = args
    var env = ProcessInfo.processInfo.environment
    env["BREACHMAIL_SHARE"] = root.path
    env["BREACHMAIL_ACTOR"] = "bench"
    env["BREACHMAIL_NOW"] = statusTime
    if let directory { env["BREACHMAIL_DIR"] = directory.path }
    process.environment = env
    let err = Pipe(), inPipe = Pipe()
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    process.standardError = err
    process.standardInput = inPipe
    let start = ContinuousClock.now
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let message = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let elapsed = seconds(ContinuousClock.now - start)
    guard process.terminationStatus == 0 else {
        throw Failure(description: "\(program) \(args.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
    }
    return elapsed
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func time(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return seconds(ContinuousClock.now - start)
}

func sqlite(_ database: String, _ script: String) throws { try run("/usr/bin/sqlite3", ["-bail", database], input: script) }

func populate(_ register: String, people n: Int) throws {
    try sqlite(register, """
        BEGIN;
        WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < \(n))
        INSERT INTO subject (incident_id, import_entry, line, email, language, state, state_reason, attempts, imported_at,
                             updated_at, message_id, row_key, first_attempt_at)
        SELECT '\(incidentID)', 2, i + 1, CASE WHEN i % 33 = 0 THEN NULL ELSE 'person' || i || '@example.org' END,
               CASE i % 3 WHEN 0 THEN 'fr' WHEN 1 THEN 'en' ELSE 'de' END,
               CASE WHEN i % 33 = 0 THEN 'no_address' WHEN i % 50 = 1 THEN 'failed_permanent' WHEN i % 97 = 2 THEN 'deferred'
                    WHEN i % 199 = 3 THEN 'render_failed' ELSE 'submitted' END,
               CASE WHEN i % 33 = 0 THEN 'no address' WHEN i % 50 = 1 THEN '550 5.1.1 user unknown'
                    WHEN i % 97 = 2 THEN '451 4.7.1 try later' WHEN i % 199 = 3 THEN 'missing field' END,
               1, '2026-10-24T09:00:00Z', strftime('%Y-%m-%dT%H:%M:%SZ', '2026-10-24 10:00:00', '+' || (i % 172800) || ' seconds'),
               CASE WHEN i % 33 = 0 THEN NULL ELSE 'bm.' || i || '@breach.example' END,
               CASE WHEN i % 33 = 0 THEN 'row' || i END, '2026-10-24T10:00:00Z'
        FROM k;
        INSERT INTO bounce (message_sha256, incident_id, subject_id, matched_by, received_at, kind, class, reason, status, diagnostic, report)
        SELECT 'sha' || id, incident_id, id, 'token', strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+3600 seconds'),
               CASE id % 5 WHEN 3 THEN 'delay' WHEN 4 THEN 'autoReply' ELSE 'failure' END,
               CASE id % 5 WHEN 0 THEN 'hard' WHEN 1 THEN 'transient' WHEN 2 THEN 'sender-side' WHEN 3 THEN 'delay' ELSE 'auto-reply' END,
               'userunknown', '5.1.1', '550 5.1.1 no such user', '{}'
        FROM subject WHERE id % 20 = 5 AND state = 'submitted';
        COMMIT;
        """)
}

/// The register as breachmail left it before v9-scale: its indexes dropped (v9 stays recorded, so
/// that this breachmail opens it without adding them again); with `forBase`, unrecorded too.
func withoutScaleIndexes(_ from: String, _ to: String, forBase: Bool) throws {
    try sqlite(from, "VACUUM INTO '\(to)'")
    try sqlite(to, """
        DROP INDEX subject_incident; DROP INDEX subject_submitted; DROP INDEX subject_message; DROP INDEX bounce_credited;
        DROP INDEX bounce_under_review; CREATE INDEX bounce_subject ON bounce(incident_id, subject_id);
        \(forBase ? "DELETE FROM grdb_migrations WHERE identifier = 'v9-scale';" : "")
        """)
}

// MARK: The way before issue 18, kept to compare

/// Reach as `status` computed it: every subject, a page at a time, with a dictionary of every bounce.
func oldReach(_ register: Register) throws -> Reach {
    var reach = Reach()
    try oldForEachSubject(register) { _, s, _ in reach.add(s, now: now, window: window) }
    return reach
}

func oldForEachSubject(_ register: Register, _ body: (Subject, ReachSubject, [CreditedBounce]) throws -> Void) throws {
    let bounces = try register.creditedBounces(incidentID: incidentID)
    var after: Int64 = 0
    while case let page = try register.subjects(incidentID: incidentID, after: after), let last = page.last {
        for subject in page { try body(subject, ReachSubject(subject, credited: bounces[subject.id] ?? []), bounces[subject.id] ?? []) }
        after = last.id
    }
}

/// The public notice's evidence as it was built: every row in memory, then one string.
func oldEvidence(_ register: Register, to url: URL) throws -> Int {
    var rows: [[String]] = [["subject_id", "csv_line", "email", "state", "reach"]]
    try oldForEachSubject(register) { subject, s, _ in
        let category = ReachCategory.of(s, now: now, window: window)
        guard category.isUnreachable else { return }
        rows.append([String(subject.id), String(subject.line), subject.email ?? "", subject.state, category.rawValue])
    }
    try Data((rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").utf8).write(to: url)
    return rows.count - 1
}

func newEvidence(_ register: Register, to url: URL) throws -> Int {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let out = try FileHandle(forWritingTo: url)
    defer { try? out.close() }
    var buffer = "subject_id,csv_line,email,state,reach\r\n", count = 0
    try register.forEachPossiblyUnreachable(incidentID: incidentID) { subject, s, _ in
        let category = ReachCategory.of(s, now: now, window: window)
        guard category.isUnreachable else { return }
        buffer += [String(subject.id), String(subject.line), subject.email ?? "", subject.state, category.rawValue].joined(separator: ",") + "\r\n"
        count += 1
        if buffer.utf8.count > 1 << 16 { out.write(Data(buffer.utf8)); buffer.removeAll(keepingCapacity: true) }
    }
    out.write(Data(buffer.utf8))
    return count
}

/// One bounce without a token, found by the Message-ID of the returned notice.
func bounceWithoutToken(_ register: Register, people: Int, serial: Int) throws -> Double {
    var person = people / 2 + serial * 7 + 1
    if person % 33 == 0 { person += 1 }  // one with an address (and so a Message-ID)
    let bounce = NewBounce(sha256: "bench-\(serial)-\(UUID().uuidString)", kind: .failure, outcome: .hard, token: .none,
                           originalMessageID: "<bm.\(person)@breach.example>", returnedTo: "person\(person)@example.org",
                           reason: "userunknown", status: "5.1.1", diagnostic: "550 5.1.1 no such user", report: "{}")
    var matched = false
    let elapsed = try time { matched = try register.recordBounces([bounce], actor: "bench", at: now).first?.subjectID != nil }
    guard matched else { throw Failure(description: "the bounce for person \(person) was not matched") }
    return elapsed
}

func figure(_ s: Double?) -> String {
    guard let s else { return "—" }
    return s < 1 ? String(format: "%.1f ms", s * 1000) : String(format: "%.2f s", s)
}

do {
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw Failure(description: "\(binary) is missing: run `swift build -c release --product breachmail` first")
    }
    print("people     what                                    before (walk)     now          ratio")
    var previous: [String: Double] = [:]
    var ratios: [String] = []
    for n in sizes.isEmpty ? [10_000, 100_000, 1_000_000] : sizes {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("scale-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let work = dir.appendingPathComponent("work"), old = dir.appendingPathComponent("old")
        try run(binary, ["init", work.path])
        try run(binary, ["incident", "open", root.appendingPathComponent("Config/examples/incident.yaml").path], in: work)
        let registerPath = work.appendingPathComponent("register.sqlite").path
        let setUp = try time { try populate(registerPath, people: n) }
        try withoutScaleIndexes(registerPath, dir.appendingPathComponent("old.sqlite").path, forBase: false)
        if base != nil {
            try FileManager.default.copyItem(at: work, to: old)
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: old.appendingPathComponent("register.sqlite").path + suffix) }
            try withoutScaleIndexes(registerPath, old.appendingPathComponent("register.sqlite").path, forBase: true)
        }
        print(String(format: "%-10d set-up (SQL inserts, %.1f s)", n, setUp))
        let register = try Register(at: URL(fileURLWithPath: registerPath))
        let before = try Register(at: dir.appendingPathComponent("old.sqlite"))
        let runOld = n <= oldMax

        var rows: [(String, Double?, Double)] = []
        var reachNew = Reach(), reachOld: Reach?
        let statusNew = try time { reachNew = try register.reach(incidentID: incidentID, now: now, window: window) }
        let statusOld = runOld ? try time { reachOld = try oldReach(before) } : nil
        if let reachOld, reachOld != reachNew { throw Failure(description: "the two reaches differ: \(reachOld) \(reachNew)") }
        rows.append(("status: reach, in-process", statusOld, statusNew))
        let cliNew = try run(binary, ["status", incidentID], in: work)
        let cliOld = try base.map { try run($0, ["status", incidentID], in: old) }
        rows.append(("status: whole CLI process", cliOld, cliNew))
        var listedNew = 0, listedOld = 0
        let noticeNew = try time { listedNew = try newEvidence(register, to: dir.appendingPathComponent("new.csv")) }
        let noticeOld = runOld ? try time { listedOld = try oldEvidence(before, to: dir.appendingPathComponent("old.csv")) } : nil
        if runOld, listedNew != listedOld { throw Failure(description: "evidence: \(listedNew) people now, \(listedOld) before") }
        rows.append(("public-notice evidence, in-process", noticeOld, noticeNew))
        let notice = ["public-notice", incidentID, "--force", "--output", dir.appendingPathComponent("notice.txt").path]
        let publicNew = try run(binary, notice, in: work)
        let publicOld = try base.map { try run($0, notice, in: old) }
        rows.append(("public-notice: whole CLI process", publicOld, publicNew))
        let bounceNew = try (0..<20).map { try bounceWithoutToken(register, people: n, serial: $0) }.reduce(0, +) / 20
        let bounceOld = runOld ? try (0..<3).map { try bounceWithoutToken(before, people: n, serial: 100 + $0) }.reduce(0, +) / 3 : nil
        rows.append(("a bounce without a token (mean)", bounceOld, bounceNew))
        for (what, was, new) in rows {
            let ratio = was.map { String(format: "%.0f×", $0 / max(new, 1e-9)) } ?? ""
            print("           " + what.padding(toLength: 40, withPad: " ", startingAt: 0)
                  + figure(was).padding(toLength: 18, withPad: " ", startingAt: 0) + figure(new).padding(toLength: 13, withPad: " ", startingAt: 0) + ratio)
            if let p = previous[what] { ratios.append(String(format: "%@ ×%.1f", what, new / p)) }
            previous[what] = new
        }
        print("           (\(listedNew) unreachable listed; reach: \(reachNew.unreachable) unreachable of \(reachNew.total))")
        if !ratios.isEmpty { print("           now, growth from the previous size: " + ratios.joined(separator: "; ")); ratios = [] }
    }
} catch {
    FileHandle.standardError.write(Data("ScaleBenchmark: \(error)\n".utf8))
    exit(1)
}
