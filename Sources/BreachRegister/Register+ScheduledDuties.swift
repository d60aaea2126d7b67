import BreachCore
public import Foundation
import GRDB

// What the scheduler did, so that a restart repeats none of it.
//
// A duty is one effect the scheduler has on the world or on the history: a reminder mailed to
// the DPO, a message to one member of the response team, a reach decision recorded. It is named
// by (incident, duty, key) — `(BR-2026-0001, dpo.deadline, before-24h)` — and that name is unique.
// A mail is claimed (a row without `done_at`) in a transaction before it is sent and marked done
// after; a history entry is written in the same transaction as its row. A claim that stays
// undone longer than the claim timeout is a dead process's: the next tick takes it again, so a
// crash between the claim and the send never loses the mail, and a crash between the send and
// the mark sends it at most once more.
extension Register {
    static func registerSchedulerMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v11-scheduler") { db in
            try db.execute(sql: """
                CREATE TABLE scheduled_duty (
                    id INTEGER PRIMARY KEY,
                    incident_id TEXT NOT NULL,
                    duty TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL DEFAULT '',
                    claimed_at TEXT NOT NULL,
                    claims INTEGER NOT NULL DEFAULT 1,
                    done_at TEXT,
                    outcome TEXT,
                    UNIQUE (incident_id, duty, key)
                );
                CREATE TABLE scheduler_mark (
                    name TEXT PRIMARY KEY,
                    at TEXT NOT NULL
                );
                """)
        }
    }

    /// Claims the duty `(incidentID, duty, key)` before its effect: true when this caller is to
    /// perform it — nobody claimed it yet, or the claim was left undone for longer than
    /// `staleAfter` (its process died) — false when it is done or claimed by someone alive.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func claimDuty(incidentID: String, duty: String, key: String, value: String = "", at now: Date,
                          staleAfter: TimeInterval) throws(RegisterError) -> Bool {
        // Most ticks find their duties done: a read, without taking the write lock a campaign needs.
        let done = try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM scheduled_duty WHERE incident_id = ? AND duty = ? AND key = ? AND done_at IS NOT NULL",
                              arguments: [incidentID, duty, key]) ?? false
        }
        if done { return false }
        return try write { db in
            let stamp = RFC3339UTC.format(now)
            guard let row = try Row.fetchOne(db, sql: "SELECT claimed_at, done_at FROM scheduled_duty WHERE incident_id = ? AND duty = ? AND key = ?",
                                             arguments: [incidentID, duty, key]) else {
                try db.execute(sql: "INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [incidentID, duty, key, value, stamp])
                return true
            }
            if (row["done_at"] as String?) != nil { return false }
            guard let claimed = ZonedTime(rfc3339: row["claimed_at"])?.instant, now.timeIntervalSince(claimed) >= staleAfter else { return false }
            try db.execute(sql: "UPDATE scheduled_duty SET claimed_at = ?, claims = claims + 1, value = ? WHERE incident_id = ? AND duty = ? AND key = ?",
                           arguments: [stamp, value, incidentID, duty, key])
            return true
        }
    }

    /// Marks a claimed duty done, with its outcome (`sent`, `skipped: …`): never performed again.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func completeDuty(incidentID: String, duty: String, key: String, outcome: String, at now: Date) throws(RegisterError) {
        try write { db in
            try db.execute(sql: "UPDATE scheduled_duty SET done_at = ?, outcome = ? WHERE incident_id = ? AND duty = ? AND key = ?",
                           arguments: [RFC3339UTC.format(now), outcome, incidentID, duty, key])
        }
    }

    /// Gives a claimed duty back after its effect failed (the relay refused): the next tick tries it again.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func releaseDuty(incidentID: String, duty: String, key: String) throws(RegisterError) {
        try write { db in
            try db.execute(sql: "DELETE FROM scheduled_duty WHERE incident_id = ? AND duty = ? AND key = ? AND done_at IS NULL",
                           arguments: [incidentID, duty, key])
        }
    }

    /// The latest occurrence of a duty that follows a value (the reach recommendation, the
    /// decision in force): its generation (1, 2…) and the value it was performed for.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func lastDutyValue(incidentID: String, duty: String) throws(RegisterError) -> (generation: Int, value: String)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT key, value FROM scheduled_duty WHERE incident_id = ? AND duty = ? ORDER BY id DESC LIMIT 1",
                                             arguments: [incidentID, duty]),
                  let generation = Int(row["key"] as String) else { return nil }
            return (generation, row["value"])
        }
    }

    /// Records the next generation of a duty that follows a value together with its history
    /// entry (when `kind` is given), in one transaction: both or neither. False when another process recorded that
    /// generation first (nothing written then).
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func recordDutyChange<Payload: Encodable>(incidentID: String, duty: String, generation: Int, value: String,
                                                    kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool {
        try write { db in
            let stamp = RFC3339UTC.format(now)
            try db.execute(sql: """
                INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at, done_at, outcome)
                VALUES (?, ?, ?, ?, ?, ?, 'recorded') ON CONFLICT DO NOTHING
                """, arguments: [incidentID, duty, String(generation), value, stamp, stamp])
            guard db.changesCount == 1 else { return false }
            guard let kind, let payload else { return true }
            try Self.append(db, kind: kind, incidentID: incidentID, version: nil, payload: Self.json(payload), actor: actor, at: now)
            return true
        }
    }

    /// When the scheduler last did `name` (`bounces.poll`), across processes.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func schedulerMark(_ name: String) throws(RegisterError) -> Date? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT at FROM scheduler_mark WHERE name = ?", arguments: [name]).flatMap { ZonedTime(rfc3339: $0)?.instant }
        }
    }

    /// Sets `name` to `now` when it is unset or older than `interval`: true when this caller is
    /// to do it now (one of two processes ticking together wins).
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    public func takeSchedulerMark(_ name: String, at now: Date, every interval: TimeInterval) throws(RegisterError) -> Bool {
        try write { db in
            if let last = try String.fetchOne(db, sql: "SELECT at FROM scheduler_mark WHERE name = ?", arguments: [name]).flatMap({ ZonedTime(rfc3339: $0)?.instant }),
               now.timeIntervalSince(last) < interval, now >= last {
                return false
            }
            try db.execute(sql: "INSERT INTO scheduler_mark (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
                           arguments: [name, RFC3339UTC.format(now)])
            return true
        }
    }

    /// How many people of an incident a campaign run would take now: queued, left `sending` by
    /// a dead run, and deferred whose next attempt is due at `now`.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func sendableSubjects(incidentID: String, at now: Date) throws(RegisterError) -> (queued: Int, sending: Int, dueDeferred: Int) {
        try read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT COALESCE(SUM(state = 'queued'), 0) AS queued, COALESCE(SUM(state = 'sending'), 0) AS sending,
                       COALESCE(SUM(state = 'deferred' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)), 0) AS due
                FROM subject WHERE incident_id = ? AND state IN ('queued', 'sending', 'deferred')
                """, arguments: [RFC3339UTC.format(now), incidentID])
            return (row?["queued"] ?? 0, row?["sending"] ?? 0, row?["due"] ?? 0)
        }
    }

    /// Whether the history holds an entry of `kind` about the incident (`campaign.run`: a campaign was started).
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func hasEntry(kind: String, incidentID: String) throws(RegisterError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM history WHERE incident_id = ? AND kind = ? LIMIT 1", arguments: [incidentID, kind]) ?? false
        }
    }
}
