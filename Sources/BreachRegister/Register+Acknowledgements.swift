import BreachCore
public import Foundation
import GRDB

// The authorities' acknowledgements the scheduler read from the DPO's mailbox. Each message read
// is one `scheduled_duty` row (incident "", duty `authority.ack`, key: a digest of its
// Message-ID), so that a message is handled once whatever the number of ticks, restarts and
// processes; an acknowledgement whose reference is to be confirmed is a history entry written in
// the same transaction as that row.
extension Register {
    /// The duty name of a message read from the acknowledgements mailbox.
    public static let acknowledgementDuty = "authority.ack"

    /// Whether the message with this key was handled already.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func acknowledgementHandled(key: String) throws(RegisterError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM scheduled_duty WHERE incident_id = '' AND duty = ? AND key = ? AND done_at IS NOT NULL",
                              arguments: [Self.acknowledgementDuty, key]) ?? false
        }
    }

    /// Marks the message with this key handled, with what was done (`value`: incident, authority,
    /// phase; `outcome`: `reference`, `to-confirm`, `already-recorded`, `not-matched`), and
    /// appends the history entry `kind` in the same transaction when given. False when another
    /// process handled it first (nothing written then).
    ///
    /// - Throws: ``RegisterError`` when the register cannot be written.
    @discardableResult
    public func recordAcknowledgement<Payload: Encodable>(key: String, incidentID: String?, value: String, outcome: String,
                                                          kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool {
        try write { db in
            let stamp = RFC3339UTC.format(now)
            try db.execute(sql: """
                INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at, done_at, outcome)
                VALUES ('', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, arguments: [Self.acknowledgementDuty, key, value, stamp, stamp, outcome])
            guard db.changesCount == 1 else { return false }
            if let kind, let payload {
                try Self.append(db, kind: kind, incidentID: incidentID, version: nil, payload: Self.json(payload), actor: actor, at: now)
            }
            return true
        }
    }

    /// The history entries of one kind about an incident, oldest first.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func entries(kind: String, incidentID: String) throws(RegisterError) -> [HistoryEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM history WHERE incident_id = ? AND kind = ? ORDER BY sequence",
                             arguments: [incidentID, kind]).map(Self.entry)
        }
    }
}
