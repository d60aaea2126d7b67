public import BreachCore
public import BreachRegister
public import Foundation
import PostgresNIO

// The people of the incidents in PostgreSQL: the SQLite register's statements (`Register+Subjects.swift`,
// `Register+Import.swift`, `Register+Coverage.swift`, `Register+Reach.swift`), with the claim of
// several workers: `FOR UPDATE SKIP LOCKED` under a lease.

extension PostgresStore: SubjectStore {
    public typealias Inserter = PostgresSubjectWriter

    public var sharedByWorkers: Bool { true }

    static let subjectColumns = """
        id, incident_id, line, email, first_name, last_name, language, fields, state, state_reason, attempts,
        next_attempt_at, imported_at, updated_at, message_id, last_reply, first_attempt_at
        """
    /// ``SubjectDigest/columns`` as text, as SQLite gives them to the digest, named `digest_0`…
    /// (a statement may return them beside ``subjectColumns``).
    static let digestColumns = digestColumns(of: nil)

    /// ``digestColumns`` of the table named `alias` in a statement.
    static func digestColumns(of alias: String?) -> String {
        SubjectDigest.columns.split(separator: ",").enumerated().map { n, column in
            "\(alias.map { "\($0)." } ?? "")\(column.trimmingCharacters(in: .whitespacesAndNewlines))::text AS digest_\(n)"
        }.joined(separator: ", ")
    }

    /// The person's id (the first of ``digestColumns``) and the row's digest, made from the
    /// cells' bytes (the texts' UTF-8, as ``SubjectDigest/of(_:)-([String?])`` hashes them) without
    /// a string per column: a fold and a claim digest every person they change twice.
    static func digestRow(_ row: PostgresRecord, from start: Int) throws -> (id: Int64, digest: SubjectDigest) {
        var bytes = SubjectDigest.RowBytes()
        var id: Int64 = 0
        for column in start..<start + SubjectDigest.columnCount {
            guard let cell = row.bytes(at: column) else {
                bytes.append(nil as String?)
                continue
            }
            cell.withUnsafeReadableBytes { text in
                if column == start { id = Int64(String(decoding: text, as: UTF8.self)) ?? 0 }
                bytes.appendText(text)
            }
        }
        return (id, bytes.digest())
    }

    static func subject(_ row: PostgresRecord) throws -> Subject {
        try Subject(id: row["id"], incidentID: row["incident_id"], line: Int(row["line"] as Int64), email: row["email"],
                    firstName: row["first_name"], lastName: row["last_name"], language: row["language"], fieldsJSON: row["fields"],
                    state: row["state"], stateReason: row["state_reason"], attempts: Int(row["attempts"] as Int64),
                    nextAttemptAt: row["next_attempt_at"], importedAt: row["imported_at"], updatedAt: row["updated_at"],
                    messageID: row["message_id"], lastReply: row["last_reply"], firstAttemptAt: row["first_attempt_at"])
    }

    // MARK: Import

    public func importSubjects<Payload: Encodable>(incidentID: String, actor: String, at now: Date,
                                                   _ body: (PostgresSubjectWriter) throws -> Payload) throws -> HistoryEntry {
        // The incident's import lock, held by this connection while the import runs (the SQLite
        // register's lock file): a second import into the incident is refused, and a lock found
        // free tells that an unfinished import died.
        let key = PostgresSchema.importLock(incidentID)
        guard try session.value("SELECT pg_try_advisory_lock($1)", [key], as: Bool.self) == true else {
            throw RegisterError.incidentBusy(incidentID)
        }
        defer { _ = try? session.execute("SELECT pg_advisory_unlock($1)", [key]) }
        let stamp = RFC3339UTC.format(now)
        let (importID, afterID) = try session.write { () -> (Int64, Int64) in
            guard try !session.query("SELECT 1 FROM incident WHERE id = $1", [incidentID]).isEmpty else {
                throw RegisterError.notFound(incidentID)
            }
            let lastEntry = try session.value("SELECT MAX(sequence) FROM history", as: Int64.self) ?? 0
            let lastImport = try session.value("SELECT MAX(id) FROM subject_import", as: Int64.self) ?? 0
            let id = max(lastEntry, lastImport) + 1
            let after = try session.value("SELECT MAX(id) FROM subject", as: Int64.self) ?? 0
            try session.execute("INSERT INTO subject_import (id, incident_id, after_id, started_at) VALUES ($1, $2, $3, $4)",
                                [id, incidentID, after, stamp])
            return (id, after)
        }
        var bodyError: (any Error)?
        do {
            let writer = PostgresSubjectWriter(store: self, incidentID: incidentID, importEntry: importID, stamp: stamp)
            let payload: Payload
            do {
                payload = try session.transaction(appending: false) { try body(writer) }
            } catch {
                bodyError = error
                throw error
            }
            return try session.write {
                let entry = try append(kind: HistoryEntry.Kind.subjectsImported, incidentID: incidentID, version: nil,
                                       payload: Register.json(ImportPayload(payload: payload, importEntry: importID)), actor: actor, at: now)
                try movingDigest(subjects: nil, actor: actor, at: now) { $0.add(writer.digest) }
                try session.execute("DELETE FROM subject_import WHERE id = $1", [importID])
                return entry
            }
        } catch {
            _ = try? removeImport(importID, after: afterID)
            if let bodyError { throw (bodyError as? PostgresSession.CommitUnknown)?.error ?? bodyError }
            throw session.map(error)
        }
    }

    public func removeUnfinishedImports(incidentID: String) throws(RegisterError) -> Int {
        var removed = 0
        let imports = try session.read {
            try session.query("SELECT id, incident_id, after_id FROM subject_import WHERE incident_id = $1 ORDER BY id", [incidentID])
                .map { (id: try $0["id"] as Int64, after: try $0["after_id"] as Int64) }
        }
        guard !imports.isEmpty else { return 0 }
        // Only when no import into the incident runs (its lock is free): then every unfinished one died.
        let key = PostgresSchema.importLock(incidentID)
        guard try session.value("SELECT pg_try_advisory_lock($1)", [key], as: Bool.self) == true else { return 0 }
        defer { _ = try? session.execute("SELECT pg_advisory_unlock($1)", [key]) }
        for (id, after) in imports { removed += try removeImport(id, after: after) }
        return removed
    }

    func removeImport(_ id: Int64, after: Int64) throws(RegisterError) -> Int {
        var removed = 0
        while true {
            let n = try session.write(appending: false) {
                try session.execute("""
                    DELETE FROM subject WHERE id IN (SELECT id FROM subject WHERE id > $1 AND import_entry = $2 LIMIT $3)
                    """, [after, id, Register.importBatch])
            }
            removed += n
            if n == 0 { break }
        }
        try session.write(appending: false) { try session.execute("DELETE FROM subject_import WHERE id = $1", [id]) }
        return removed
    }

    // MARK: Reading

    public func subjects(incidentID: String, states: Set<SubjectState>?, after: Int64, limit: Int) throws(RegisterError) -> [Subject] {
        try session.read {
            if let states {
                return try session.query("""
                    SELECT \(Self.subjectColumns) FROM subject WHERE incident_id = $1 AND state = ANY($2) AND id > $3 ORDER BY id LIMIT $4
                    """, [incidentID, states.map(\.rawValue).sorted(), after, limit]).map(Self.subject)
            }
            return try session.query("SELECT \(Self.subjectColumns) FROM subject WHERE incident_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                                     [incidentID, after, limit]).map(Self.subject)
        }
    }

    public func subject(incidentID: String, id: Int64) throws(RegisterError) -> Subject? {
        try session.read {
            try session.query("SELECT \(Self.subjectColumns) FROM subject WHERE incident_id = $1 AND id = $2", [incidentID, id])
                .first.map(Self.subject)
        }
    }

    public func subject(incidentID: String, email: String) throws(RegisterError) -> Subject? {
        try session.read {
            try session.query("SELECT \(Self.subjectColumns) FROM subject WHERE incident_id = $1 AND email = $2", [incidentID, email])
                .first.map(Self.subject)
        }
    }

    public func subjectCounts(incidentID: String) throws(RegisterError) -> [String: Int] {
        try session.read {
            var counts: [String: Int] = [:]
            for row in try session.query("SELECT state, COUNT(*) AS n FROM subject WHERE incident_id = $1 GROUP BY state", [incidentID]) {
                counts[try row["state"]] = Int(try row["n"] as Int64)
            }
            return counts
        }
    }

    public func subjectLanguages(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [String: (count: Int, firstLine: Int)] {
        try session.read {
            var languages: [String: (count: Int, firstLine: Int)] = [:]
            for row in try session.query("""
                SELECT language, COUNT(*) AS n, MIN(line) AS first FROM subject WHERE incident_id = $1 AND state = ANY($2) GROUP BY language
                """, [incidentID, states.map(\.rawValue).sorted()]) {
                languages[try row["language"]] = (Int(try row["n"] as Int64), Int(try row["first"] as Int64))
            }
            return languages
        }
    }

    public func subjectReasons(incidentID: String, states: Set<SubjectState>) throws(RegisterError) -> [(state: String, reason: String, count: Int)] {
        try session.read {
            // No reason and an empty one are one group, as in the SQLite register; most first, then
            // by state and reason in byte order.
            try session.query("""
                SELECT state, COALESCE(state_reason, '') AS reason, COUNT(*) AS n FROM subject
                WHERE incident_id = $1 AND state = ANY($2) GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2
                """, [incidentID, states.map(\.rawValue).sorted()]).map {
                (state: try $0["state"] as String, reason: try $0["reason"] as String, count: Int(try $0["n"] as Int64))
            }
        }
    }

    public func sendableSubjects(incidentID: String, at now: Date) throws(RegisterError) -> (queued: Int, sending: Int, dueDeferred: Int) {
        try session.read {
            guard let row = try session.query("""
                SELECT COUNT(*) FILTER (WHERE state = 'queued') AS queued, COUNT(*) FILTER (WHERE state = 'sending') AS sending,
                       COUNT(*) FILTER (WHERE state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) AS due
                FROM subject WHERE incident_id = $2 AND state IN ('queued', 'sending', 'deferred')
                """, [RFC3339UTC.format(now), incidentID]).first else { return (0, 0, 0) }
            return (Int(try row["queued"] as Int64), Int(try row["sending"] as Int64), Int(try row["due"] as Int64))
        }
    }

    public func firstSubmission(incidentID: String) throws(RegisterError) -> Date? {
        try session.read {
            try session.value("SELECT MIN(first_attempt_at) FROM subject WHERE incident_id = $1 AND state = $2",
                              [incidentID, SubjectState.submitted.rawValue], as: String.self).flatMap { ZonedTime(rfc3339: $0)?.instant }
        }
    }

    // MARK: Changes

    public func updateSubjects(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> Int {
        guard !updates.isEmpty else { return 0 }
        let stamp = RFC3339UTC.format(now)
        return try session.write {
            try changingSubjects(ids: updates.map(\.id), actor: Register.foldActor, at: now) {
                try updates.reduce(0) { changed, u in try apply(StateChange(u, stamp: stamp)) ? changed + 1 : changed }
            }
        }
    }

    /// Applies one change; a change to `sending` takes the lease of `worker` (this handle's by
    /// default) on the person.
    @discardableResult
    func apply(_ change: StateChange, worker: String? = nil) throws -> Bool {
        var (sql, arguments) = change.update { "$\($0)" }
        if change.state == SubjectState.sending.rawValue {
            let lease = "claimed_by = $\(arguments.count + 1), claim_expires = extract(epoch FROM clock_timestamp()) + \(Self.claimLease)"
            sql = sql.replacingOccurrences(of: "\nWHERE id = ", with: ", \(lease)\nWHERE id = ")
            arguments.append(.text(worker ?? self.worker))
        }
        let values: [any PostgresBindable] = arguments.map {
            switch $0 {
            case .text(let text): text
            case .integer(let n): n
            }
        }
        return try session.execute(sql, values) > 0
    }

    public func claimSubjects(incidentID: String, due now: Date, limit: Int) throws(RegisterError) -> [Subject] {
        let stamp = RFC3339UTC.format(now)
        return try session.write {
            // Queued, deferred and due, or left in `sending` by a worker whose lease ran out; never
            // the rows of an import that has not finished; a row another transaction holds is
            // skipped. The rows as the digest reads them, before the claim.
            //
            // After this handle's last claim first, then from the start: the index of the people
            // claimable keeps the entries of every person claimed and sent until the table is
            // vacuumed, and a scan from the start walked past all of them at every claim (a claim
            // took longer the further the campaign went). Those before the cursor (a retry now
            // due, a dead worker's people) are taken when the people after it run out, as a run
            // on the SQLite register reads them in its next pass.
            func choose() throws -> [PostgresRecord] {
                let cursor = claimCursors[incidentID]
                var rows = try claimable(incidentID: incidentID, stamp: stamp, limit: limit, range: "id > $4", cursor)
                if rows.count < limit {
                    rows += try claimable(incidentID: incidentID, stamp: stamp, limit: limit - rows.count, range: "id <= $4", cursor)
                }
                return rows
            }
            var chosen = try choose()
            // A dead worker's people among them: the outcomes every worker recorded first (those
            // it had sent to are not in `sending` any more), and the people chosen again.
            if try chosen.contains(where: { try $0.at(Self.digestStateColumn, as: String?.self) == SubjectState.sending.rawValue }) {
                try foldOutcomes(of: nil, at: now)
                chosen = try choose()
            }
            guard !chosen.isEmpty else { return [] }
            let claimed = try movingDigest(subjects: chosen.count, actor: Register.foldActor, at: now) { lanes in
                var ids: [Int64] = []
                ids.reserveCapacity(chosen.count)
                for row in chosen {
                    let (id, digest) = try Self.digestRow(row, from: 0)
                    lanes.subtract(digest)
                    ids.append(id)
                }
                // One statement for the whole claim: what `StateChange(SubjectUpdate(id:to: .sending))`
                // writes to each, with this worker's lease; the rows as the digest reads them after it.
                let updated = try session.query("""
                    UPDATE subject SET state = 'sending', state_reason = NULL, updated_at = $2, next_attempt_at = NULL,
                        claimed_by = $3, claim_expires = extract(epoch FROM clock_timestamp()) + \(Self.claimLease)
                    WHERE id = ANY($1) RETURNING \(Self.subjectColumns), \(Self.digestColumns)
                    """, [ids, stamp, worker])
                if let last = ids.max(), last > claimCursors[incidentID] { claimCursors[incidentID] = last }
                return try updated.map { row in
                    lanes.add(try Self.digestRow(row, from: row.count - SubjectDigest.columnCount).digest)
                    return try Self.subject(row)
                }
            }
            return claimed.sorted { $0.id < $1.id }
        }
    }

    /// People of `incidentID` a claim may take, in id order, those of `range` (`id > $4` or
    /// `id <= $4`, `$4` being `cursor`), their rows locked: ``digestColumns``.
    private func claimable(incidentID: String, stamp: String, limit: Int, range: String, _ cursor: Int64) throws -> [PostgresRecord] {
        try session.query("""
            SELECT \(Self.digestColumns) FROM subject
            WHERE incident_id = $1 AND state IN ('queued', 'deferred', 'sending') AND \(range)
              AND (state = 'queued'
                   OR (state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= $2))
                   OR (state = 'sending' AND claim_expires < extract(epoch FROM clock_timestamp())))
              AND import_entry NOT IN (SELECT id FROM subject_import)
            ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
            """, [incidentID, stamp, limit, cursor])
    }

    /// Where `state` is among ``digestColumns``.
    static let digestStateColumn = SubjectDigest.columns.split(separator: ",")
        .firstIndex { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "state" }!

    /// Extends the lease of every person this handle holds in `sending`; how many. Called by the
    /// outcome ledger while the run goes (``PostgresOutcomeLedger``).
    @discardableResult
    public func renewClaims() throws(RegisterError) -> Int {
        // Under the history's lock, as every change of people: never waiting for a fold that waits for it.
        try session.write {
            try session.execute("""
                UPDATE subject SET claim_expires = extract(epoch FROM clock_timestamp()) + \(Self.claimLease)
                WHERE claimed_by = $1 AND state = 'sending'
                """, [worker])
        }
    }

    public func reserveSendTurns(relay: String, count: Int, interval: TimeInterval) throws(RegisterError) -> TimeInterval? {
        // One row per relay, locked for the statement: the workers' reservations never overlap.
        let span = Double(count) * interval
        return try session.value("""
            INSERT INTO send_turn AS t (relay, next_turn) VALUES ($1, extract(epoch FROM clock_timestamp()) + $2)
            ON CONFLICT (relay) DO UPDATE SET next_turn = GREATEST(t.next_turn, extract(epoch FROM clock_timestamp())) + $2
            RETURNING next_turn - $2 - extract(epoch FROM clock_timestamp())
            """, [relay, span], as: Double.self) ?? 0
    }

    public func openOutcomeLedger() throws(RegisterError) -> any SubjectOutcomeLedger {
        // What a dead run left in the journal is applied first.
        try session.write { try foldOutcomes(of: nil, at: Date()) }
        // The journal's appends go on a connection of their own, never queued behind this handle's
        // folds and claims, and commit without waiting for the disk (`synchronous_commit` off): a
        // killed worker loses nothing (the database has the row), a crash of the database itself
        // at most its last fraction of a second — as the SQLite journal file, synced once a
        // second; the next fold's commit, synchronous, flushes them.
        let journal = try PostgresSession(session.location, parameters: Self.journalParameters)
        return PostgresOutcomeLedger(store: self, journal: journal)
    }

    /// The journal connections' settings (``openOutcomeLedger()``).
    static let journalParameters = [("synchronous_commit", "off")]

    /// The journal's insert, prepared on each journal connection: the statement a campaign runs
    /// most (one per one or two messages), parsed and planned there once instead of at each call
    /// (a quarter of PostgreSQL's CPU in a campaign went to parsing and planning, measured).
    static let journalInsert = """
        INSERT INTO subject_outcome (worker, subject_id, from_states, state, reason, attempts, next_attempt_at, first_attempt_at,
                                     message_id, last_reply, stamp)
        SELECT $1, v.id, v.from_states, v.state, v.reason, v.attempts, v.next_attempt_at, v.first_attempt_at,
               v.message_id, v.last_reply, v.stamp
        FROM json_to_recordset($2::json) AS v(\(StateChange.recordType))
        ORDER BY v.n
        """

    /// Records `batches` (each its changes and their time), in order, in the outcome journal in
    /// one INSERT on `journal`: one statement whatever the number of rows (their values as one
    /// JSON array).
    func journal(_ batches: [(updates: [SubjectUpdate], at: Date)], on journal: PostgresSession) throws(RegisterError) {
        var changes: [StateChange] = []
        for (updates, at) in batches {
            let stamp = RFC3339UTC.format(at)
            changes += updates.map { StateChange($0, stamp: stamp) }
        }
        guard !changes.isEmpty else { return }
        // `n`, each row's place: the rows keep the order of the array in their sequence numbers.
        try journal.execute(prepared: Self.journalInsert, [worker, StateChange.jsonArray(changes)])
    }

    /// Applies the journal's outcomes of `worker` (of every worker when nil) to the people, in
    /// order, inside the current writing transaction, and removes them from the journal.
    ///
    /// The rows removed are exactly the rows applied (`DELETE … RETURNING`): sequence numbers are
    /// taken when a row is inserted, not when it commits, so a row committed just after a read
    /// may carry a lower number than the last one read — removing "up to the last number read"
    /// lost such an outcome, and its person stayed `sending` under a live worker's lease.
    func foldOutcomes(of worker: String?, at now: Date) throws {
        let taken = worker == nil
            ? try session.query("DELETE FROM subject_outcome RETURNING *")
            : try session.query("DELETE FROM subject_outcome WHERE worker = $1 RETURNING *", [worker ?? ""])
        guard !taken.isEmpty else { return }
        let rows = try taken.map { (seq: try $0["seq"] as Int64, row: $0) }.sorted { $0.seq < $1.seq }.map(\.row)
        var changes: [(change: StateChange, worker: String)] = []
        for row in rows {
            let from: String? = try row["from_states"]
            changes.append((StateChange(id: try row["subject_id"], from: from.map { $0.split(separator: ",").map(String.init) },
                                        state: try row["state"], reason: try row["reason"], attempts: Int(try row["attempts"] as Int64),
                                        nextAttemptAt: try row["next_attempt_at"], firstAttemptAt: try row["first_attempt_at"],
                                        messageID: try row["message_id"], lastReply: try row["last_reply"], stamp: try row["stamp"]),
                            try row["worker"]))
        }
        let owners = Dictionary(changes.map { ($0.change.id, $0.worker) }, uniquingKeysWith: { $1 })
        let at = changes.last.flatMap { ZonedTime(rfc3339: $0.change.stamp)?.instant } ?? now
        // A person with one change (a campaign's outcome: the usual case) is changed with every
        // other such person in one statement; a person with several, in order, one by one.
        var count: [Int64: Int] = [:]
        for (change, _) in changes { count[change.id, default: 0] += 1 }
        var alone: [StateChange] = [], inOrder: [StateChange] = []
        for (change, _) in changes {
            if count[change.id] == 1 && change.state != SubjectState.sending.rawValue { alone.append(change) } else { inOrder.append(change) }
        }
        try changingSubjectsReturningDigests(ids: changes.map(\.change.id), actor: Register.foldActor, at: at) {
            let changed = try applyAtOnce(alone)
            try StateChange.fold(inOrder) { try apply($0, worker: owners[$0.id]) }
            return changed
        }
    }

    /// Applies changes of distinct people, none to `sending`, in one UPDATE: for each, what
    /// ``StateChange/update(placeholder:)`` writes, under the same `from` condition. The digest of
    /// each row changed, by id.
    func applyAtOnce(_ changes: [StateChange]) throws -> [Int64: SubjectDigest] {
        guard !changes.isEmpty else { return [:] }
        var changed: [Int64: SubjectDigest] = [:]
        for row in try session.query("""
            UPDATE subject AS s SET state = v.state, state_reason = v.reason, updated_at = v.stamp,
                attempts = s.attempts + v.attempts, next_attempt_at = v.next_attempt_at,
                first_attempt_at = COALESCE(s.first_attempt_at, v.first_attempt_at),
                message_id = COALESCE(v.message_id, s.message_id),
                last_reply = CASE WHEN v.attempts > 0 THEN v.last_reply ELSE COALESCE(v.last_reply, s.last_reply) END
            FROM json_to_recordset($1::json) AS v(\(StateChange.recordType))
            WHERE s.id = v.id AND (v.from_states IS NULL OR s.state = ANY(string_to_array(v.from_states, ',')))
            RETURNING \(Self.digestColumns(of: "s"))
            """, [StateChange.jsonArray(changes)]) {
            let (id, digest) = try Self.digestRow(row, from: 0)
            changed[id] = digest
        }
        return changed
    }

    // MARK: The people's digest (`Register+Coverage.swift`)

    /// Runs `change`, which changes the people `ids`, inside the current transaction; updates
    /// the digest and appends a `subjects.digest` entry when it moved.
    func changingSubjects<T>(ids: [Int64], actor: String, at now: Date, _ change: () throws -> T) throws -> T {
        var result: T?
        try changingSubjectsReturningDigests(ids: ids, actor: actor, at: now) {
            result = try change()
            return [:]
        }
        return result!
    }

    /// ``changingSubjects(ids:actor:at:_:)`` for a change that returns the digest of rows it
    /// changed (their `RETURNING`): only the others are read again after it.
    func changingSubjectsReturningDigests(ids: [Int64], actor: String, at now: Date, _ change: () throws -> [Int64: SubjectDigest]) throws {
        let unique = Array(Set(ids))
        try movingDigest(subjects: unique.count, actor: actor, at: now) { lanes in
            for row in try digestRows(unique) { lanes.subtract(row) }
            let known = try change()
            for row in try digestRows(unique.filter { known[$0] == nil }) { lanes.add(row) }
            for digest in known.values { lanes.add(digest) }
        }
    }

    private func digestRows(_ ids: [Int64]) throws -> [SubjectDigest] {
        var digests: [SubjectDigest] = []
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let batch = Array(ids[start..<min(start + 1000, ids.count)])
            for row in try session.query("SELECT \(Self.digestColumns) FROM subject WHERE id = ANY($1)", [batch]) {
                digests.append(try Self.digestRow(row, from: 0).digest)
            }
        }
        return digests
    }

    /// The digest of the people's rows that match `condition`.
    func subjectDigest(where condition: String) throws -> SubjectDigest {
        var lanes = SubjectDigest.zero
        for row in try session.query("SELECT \(Self.digestColumns) FROM subject WHERE \(condition)") {
            lanes.add(try Self.digestRow(row, from: 0).digest)
        }
        return lanes
    }

    /// Runs `body` with the people's stored digest, inside the current transaction, for it to
    /// take out the rows it changes as they were and add them as they are; stores the digest and
    /// appends its `subjects.digest` entry (`subjects`: how many people changed) when it moved, at
    /// `now` or the last entry's time when later.
    @discardableResult
    func movingDigest<T>(subjects: Int?, actor: String, at now: Date, _ body: (inout SubjectDigest) throws -> T) throws -> T {
        let before = SubjectDigest(hex: try session.value("SELECT lanes FROM subject_digest WHERE id = 1", as: String.self) ?? "")
        var lanes = before
        let result = try body(&lanes)
        guard lanes != before else { return result }
        try session.execute("UPDATE subject_digest SET lanes = $1 WHERE id = 1", [lanes.hex])
        var at = now
        if let last = try session.value("SELECT recorded_at FROM history ORDER BY sequence DESC LIMIT 1", as: String.self),
           let lastTime = ZonedTime(rfc3339: last)?.instant, lastTime > at { at = lastTime }
        try append(kind: HistoryEntry.Kind.subjectsDigest, incidentID: nil, version: nil,
                   payload: Register.json(SubjectDigestPayload(digest: lanes.hex, subjects: subjects)), actor: actor, at: at)
        return result
    }
}

/// Inserts the people of one import into PostgreSQL, inside ``PostgresStore/importSubjects(incidentID:actor:at:_:)``.
public final class PostgresSubjectWriter: SubjectInserting {
    private let store: PostgresStore
    private let incidentID: String
    private let importEntry: Int64
    private let stamp: String
    private var inBatch = 0
    /// The digest of the rows inserted so far, added to the register's at the end of the import.
    private(set) var digest = SubjectDigest.zero
    private var row = SubjectDigest.RowBytes()

    init(store: PostgresStore, incidentID: String, importEntry: Int64, stamp: String) {
        self.store = store
        self.incidentID = incidentID
        self.importEntry = importEntry
        self.stamp = stamp
    }

    /// One INSERT for the whole batch (the rows as ``JSONRows``, in order, so that of two with
    /// the same address or row the first is kept and their ids follow the file), then the
    /// duplicates looked up one by one.
    public func insert(_ subjects: [NewSubject]) throws -> [SubjectInsertion] {
        guard !subjects.isEmpty else { return [] }
        let session = store.session
        var rows = JSONRows(capacity: subjects.count)
        var fieldsJSON: [String] = []
        fieldsJSON.reserveCapacity(subjects.count)
        for s in subjects {
            let fields = SubjectWriter.json(s.fields)
            fieldsJSON.append(fields)
            rows.row()
            rows.number("line", Int64(s.line))
            rows.text("email", s.email)
            rows.text("first_name", s.firstName)
            rows.text("last_name", s.lastName)
            rows.text("language", s.language)
            rows.text("fields", fields)
            rows.text("state", s.state.rawValue)
            rows.text("reason", s.reason)
            rows.text("row_key", s.rowKey)
        }
        // Lines are unique in a file: what was inserted is found by its line.
        var ids: [Int64: Int64] = [:]
        for row in try session.query("""
            INSERT INTO subject (incident_id, import_entry, line, email, first_name, last_name, language, fields,
                                 state, state_reason, imported_at, updated_at, row_key)
            SELECT $1, $2, v.line, v.email, v.first_name, v.last_name, v.language, v.fields, v.state, v.reason, $3, $3, v.row_key
            FROM json_to_recordset($4::json) AS v(n bigint, line bigint, email text, first_name text, last_name text, language text,
                                                  fields text, state text, reason text, row_key text)
            ORDER BY v.n
            ON CONFLICT DO NOTHING RETURNING id, line
            """, [incidentID, importEntry, stamp, rows.json]) {
            ids[try row["line"] as Int64] = try row["id"] as Int64
        }
        var insertions: [SubjectInsertion] = []
        insertions.reserveCapacity(subjects.count)
        for (s, fields) in zip(subjects, fieldsJSON) {
            if let id = ids[Int64(s.line)] {
                digest.add(row.newSubject(id: id, incidentID: incidentID, importEntry: importEntry, s, fields: fields, stamp: stamp))
                insertions.append(.inserted(id: id))
            } else {
                insertions.append(try duplicate(of: s))
            }
        }
        try counted(ids.count)
        return insertions
    }

    /// One person: a batch of one.
    public func insert(_ s: NewSubject) throws -> SubjectInsertion {
        try insert([s])[0]
    }

    /// Counts `inserted` rows; commits every ``Register/importBatch`` of them (a batch per
    /// transaction, as in the SQLite register).
    private func counted(_ inserted: Int) throws {
        inBatch += inserted
        guard inBatch >= Register.importBatch else { return }
        try store.session.execute("COMMIT")
        try store.session.execute("BEGIN")
        inBatch = 0
    }

    /// The person already recorded with `s`'s address (or row, without one).
    private func duplicate(of s: NewSubject) throws -> SubjectInsertion {
        guard let existing = try store.session.query("""
            SELECT line, import_entry FROM subject WHERE incident_id = $1 AND (email = $2 OR row_key = $3)
            """, [incidentID, s.email, s.rowKey]).first else {
            throw RegisterError.database(store.location, "a conflicting subject could not be found")
        }
        return .duplicate(line: Int(try existing["line"] as Int64), earlierImport: (try existing["import_entry"] as Int64) != importEntry)
    }
}

/// A campaign run's ledger on PostgreSQL: the changes submitted go to the outcome journal by a
/// writer thread of its own, on a connection of its own (``PostgresStore/openOutcomeLedger()``),
/// everything submitted since its last INSERT in the next one (several connections' outcomes in
/// one round trip); folded into the people once a second with one history entry, as the SQLite
/// register folds its journal file; and, while the run goes, the lease on the people this worker
/// holds in `sending` renewed, so that only a dead worker's people are claimed again.
final class PostgresOutcomeLedger: SubjectOutcomeLedger, @unchecked Sendable {
    // `@unchecked`: every mutable field is behind `condition`.
    private let store: PostgresStore
    private let journal: PostgresSession
    private let condition = NSCondition()
    private var lastRenewal = Date()
    /// Submitted and not yet taken by the writer, in order.
    private var queue: [(updates: [SubjectUpdate], at: Date)] = []
    /// Tickets handed out, and the last one whose changes are in the journal.
    private var submitted: UInt64 = 0
    private var written: UInt64 = 0
    /// The writer's failure: every later submission and wait throws it.
    private var failure: RegisterError?
    /// Whether the writer thread runs (it ends after a second with nothing to write: a run that
    /// failed and is never closed leaves no thread behind).
    private var writing = false

    init(store: PostgresStore, journal: PostgresSession) {
        self.store = store
        self.journal = journal
    }

    func append(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) {
        guard !updates.isEmpty else { return }
        try awaitRecorded(try submit(updates, at: now))
    }

    func submit(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) -> LedgerReceipt {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        guard !updates.isEmpty else { return LedgerReceipt(ticket: submitted) }
        queue.append((updates, now))
        submitted += 1
        if writing {
            condition.broadcast()
        } else {
            writing = true
            let thread = Thread { [self] in write() }
            thread.name = "breachmail-outcomes"
            thread.start()
        }
        return LedgerReceipt(ticket: submitted)
    }

    func awaitRecorded(_ receipt: LedgerReceipt) throws(RegisterError) {
        condition.lock()
        defer { condition.unlock() }
        while written < receipt.ticket {
            if let failure { throw failure }
            condition.wait()
        }
    }

    /// The writer: takes everything submitted, writes it in one INSERT, tells the waiting.
    private func write() {
        condition.lock()
        defer {
            writing = false
            condition.broadcast()
            condition.unlock()
        }
        while failure == nil {
            if queue.isEmpty {
                _ = condition.wait(until: Date().addingTimeInterval(1))
                if queue.isEmpty { return }
            }
            let batch = queue
            let upTo = submitted
            queue = []
            condition.unlock()
            var error: RegisterError?
            do { try store.journal(batch, on: journal) } catch let e { error = e }
            condition.lock()
            if let error { failure = error } else { written = upTo }
            condition.broadcast()
        }
    }

    func sync() throws(RegisterError) {
        let due = condition.withLock { () -> Bool in
            guard Date().timeIntervalSince(lastRenewal) >= PostgresStore.claimLease / 4 else { return false }
            lastRenewal = Date()
            return true
        }
        if due { try store.renewClaims() }
    }

    func fold() throws(RegisterError) {
        let store = store
        try store.session.write { try store.foldOutcomes(of: store.worker, at: Date()) }
    }

    func close() throws(RegisterError) {
        // Everything submitted written first.
        try awaitRecorded(LedgerReceipt(ticket: condition.withLock { submitted }))
        try fold()
    }
}
