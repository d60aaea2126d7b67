import BreachCore
public import BreachRegister
public import Foundation
import PostgresNIO

// Notifications, controller notices, tokens, the service's lease and the scheduler's duties in
// PostgreSQL: the SQLite register's statements (`Register+Notifications.swift`,
// `Register+ControllerNotices.swift`, `Register+Tokens.swift`, `Register+Lease.swift`,
// `Register+ScheduledDuties.swift`, `Register+Acknowledgements.swift`).

extension PostgresStore: NotificationStore {
    public func recordNotification(_ notification: NotificationRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry {
        _ = try incident(notification.incidentID)
        let n = notification
        return try session.write {
            // Under the history's lock: the entry appended next has the next sequence.
            try session.execute("""
                INSERT INTO notification (incident_id, authority_id, phase, channel, status, recorded_at, message_id,
                    plaintext_sha256, sent_sha256, authority_reference, delivered_to, refusal_kind, reason, history_sequence)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM history))
                """, [n.incidentID, n.authorityID, n.phase.rawValue, n.channel, n.status.rawValue, n.recordedAt, n.messageID,
                      n.plaintextSHA256, n.sentSHA256, n.authorityReference, n.deliveredTo, n.refusalKind, n.reason])
            return try append(kind: n.status.historyKind, incidentID: n.incidentID, version: nil, payload: Register.json(n), actor: actor, at: now)
        }
    }

    public func notifications(incidentID: String, authorityID: String?) throws(RegisterError) -> [NotificationRecord] {
        try session.read {
            let rows = authorityID == nil
                ? try session.query("SELECT * FROM notification WHERE incident_id = $1 ORDER BY id", [incidentID])
                : try session.query("SELECT * FROM notification WHERE incident_id = $1 AND authority_id = $2 ORDER BY id",
                                    [incidentID, authorityID ?? ""])
            return try rows.map { row in try NotificationRecord(id: row["id"]) { try row[$0] } }
        }
    }

    public func initialNotification(incidentID: String, authorityID: String) throws(RegisterError) -> NotificationRecord? {
        try notifications(incidentID: incidentID, authorityID: authorityID).first { $0.phase == .initial && $0.reachedAuthority }
    }

    public func incidentAsLastNotified(incidentID: String, authorityID: String) throws(RegisterError) -> (incident: IncidentRecord, date: Date)? {
        guard let (source, date) = NotificationRecord.lastReaching(try notifications(incidentID: incidentID, authorityID: authorityID))
        else { return nil }
        let version = try session.read {
            try session.value("""
                SELECT MAX(h.version) FROM history h JOIN notification n ON n.id = $1
                WHERE h.incident_id = n.incident_id AND h.kind IN ($2, $3) AND h.sequence < n.history_sequence
                """, [source, HistoryEntry.Kind.incidentOpened, HistoryEntry.Kind.incidentUpdated], as: Int64.self)
        }
        guard let version else { return nil }
        return (try incident(incidentID, version: Int(version)), date)
    }

    public func authorityReference(incidentID: String, authorityID: String) throws(RegisterError) -> String {
        try notifications(incidentID: incidentID, authorityID: authorityID)
            .last { $0.reachedAuthority && !$0.authorityReference.isEmpty }?.authorityReference ?? ""
    }

    public func recordControllerNotice(_ notice: ControllerNoticeRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry {
        _ = try incident(notice.incidentID)
        let n = notice
        return try session.write {
            try session.execute("""
                INSERT INTO controller_notice (incident_id, controller_id, channel, status, recorded_at, message_id,
                    plaintext_sha256, sent_sha256, reference, delivered_to, refusal_kind, reason, history_sequence)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM history))
                """, [n.incidentID, n.controllerID, n.channel, n.status.rawValue, n.recordedAt, n.messageID, n.plaintextSHA256,
                      n.sentSHA256, n.reference, n.deliveredTo, n.refusalKind, n.reason])
            return try append(kind: n.historyKind, incidentID: n.incidentID, version: nil, payload: Register.json(n), actor: actor, at: now)
        }
    }

    public func controllerNotices(incidentID: String, controllerID: String?) throws(RegisterError) -> [ControllerNoticeRecord] {
        try session.read {
            let rows = controllerID == nil
                ? try session.query("SELECT * FROM controller_notice WHERE incident_id = $1 ORDER BY id", [incidentID])
                : try session.query("SELECT * FROM controller_notice WHERE incident_id = $1 AND controller_id = $2 ORDER BY id",
                                    [incidentID, controllerID ?? ""])
            return try rows.map { row in try ControllerNoticeRecord(id: row["id"]) { try row[$0] } }
        }
    }
}

extension PostgresStore: ServiceStateStore {
    public func createToken(name: String, role: String, secretSHA256: String, actor: String, at now: Date) throws(RegisterError) -> TokenRecord {
        try session.write {
            if let existing = try session.query("SELECT revoked_at FROM api_token WHERE name = $1", [name]).first {
                throw RegisterError.tokenExists(name, revokedAt: try existing["revoked_at"])
            }
            let stamp = RFC3339UTC.format(now)
            try session.execute("INSERT INTO api_token (name, role, secret_sha256, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
                                [name, role, secretSHA256, stamp, actor])
            try append(kind: HistoryEntry.Kind.tokenCreated, incidentID: nil, version: nil,
                       payload: Register.json(Register.TokenEvent(name: name, role: role)), actor: actor, at: now)
            return TokenRecord(name: name, role: role, secretSHA256: secretSHA256, createdAt: stamp, createdBy: actor,
                               lastUsedAt: nil, revokedAt: nil, revokedBy: nil)
        }
    }

    public func revokeToken(name: String, actor: String, at now: Date) throws(RegisterError) {
        try session.write {
            guard let row = try session.query("SELECT role, revoked_at FROM api_token WHERE name = $1 FOR UPDATE", [name]).first else {
                throw RegisterError.tokenNotFound(name)
            }
            if let revokedAt = try row["revoked_at"] as String? { throw RegisterError.tokenRevoked(name, revokedAt) }
            try session.execute("UPDATE api_token SET revoked_at = $1, revoked_by = $2 WHERE name = $3", [RFC3339UTC.format(now), actor, name])
            try append(kind: HistoryEntry.Kind.tokenRevoked, incidentID: nil, version: nil,
                       payload: Register.json(Register.TokenEvent(name: name, role: try row["role"])), actor: actor, at: now)
        }
    }

    public func tokens() throws(RegisterError) -> [TokenRecord] {
        try session.read {
            try session.query("SELECT * FROM api_token ORDER BY created_at, name").map { row in
                try TokenRecord(name: row["name"], role: row["role"], secretSHA256: row["secret_sha256"], createdAt: row["created_at"],
                                createdBy: row["created_by"], lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"],
                                revokedBy: row["revoked_by"])
            }
        }
    }

    public func touchToken(name: String, at now: Date) throws(RegisterError) {
        try session.write(appending: false) {
            try session.execute("UPDATE api_token SET last_used_at = $1 WHERE name = $2", [RFC3339UTC.format(now), name])
        }
    }

    private static func lease(_ row: PostgresRecord) throws -> ServiceLease {
        try ServiceLease(holder: row["holder"], host: row["host"], pid: Int32(row["pid"] as Int64), acquiredAt: row["acquired_at"],
                         renewedAt: row["renewed_at"], expiresAt: row["expires_at"])
    }

    public func acquireServiceLease(holder: String, host: String, pid: Int32, at now: Date,
                                    duration: TimeInterval) throws(RegisterError) -> LeaseAcquisition {
        try session.write {
            let current = try session.query("SELECT * FROM service_lease WHERE name = 'serve' FOR UPDATE").first.map(Self.lease)
            if let current, current.holder != holder, current.expiresAt > now { return .held(by: current) }
            let t = now.timeIntervalSince1970
            try session.execute("""
                INSERT INTO service_lease (name, holder, host, pid, acquired_at, renewed_at, expires_at) VALUES ('serve', $1, $2, $3, $4, $5, $6)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid,
                    acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
                """, [holder, host, Int64(pid), t, t, t + duration])
            return .acquired(replacing: current?.holder == holder ? nil : current)
        }
    }

    public func renewServiceLease(holder: String, at now: Date, duration: TimeInterval) throws(RegisterError) -> Bool {
        let t = now.timeIntervalSince1970
        return try session.write(appending: false) {
            try session.execute("UPDATE service_lease SET renewed_at = $1, expires_at = $2 WHERE name = 'serve' AND holder = $3",
                                [t, t + duration, holder]) == 1
        }
    }

    public func releaseServiceLease(holder: String) throws(RegisterError) {
        try session.write(appending: false) {
            try session.execute("DELETE FROM service_lease WHERE name = 'serve' AND holder = $1", [holder])
        }
    }

    public func serviceLease() throws(RegisterError) -> ServiceLease? {
        try session.read { try session.query("SELECT * FROM service_lease WHERE name = 'serve'").first.map(Self.lease) }
    }

    public func claimDuty(incidentID: String, duty: String, key: String, value: String, at now: Date,
                          staleAfter: TimeInterval) throws(RegisterError) -> Bool {
        try session.write(appending: false) {
            let stamp = RFC3339UTC.format(now)
            guard let row = try session.query("""
                SELECT claimed_at, done_at FROM scheduled_duty WHERE incident_id = $1 AND duty = $2 AND key = $3 FOR UPDATE
                """, [incidentID, duty, key]).first else {
                // Two processes inserting at once: the second finds the row and claims nothing.
                return try session.execute("""
                    INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                    """, [incidentID, duty, key, value, stamp]) == 1
            }
            if (try row["done_at"] as String?) != nil { return false }
            guard let claimed = ZonedTime(rfc3339: try row["claimed_at"])?.instant, now.timeIntervalSince(claimed) >= staleAfter else { return false }
            try session.execute("""
                UPDATE scheduled_duty SET claimed_at = $1, claims = claims + 1, value = $2 WHERE incident_id = $3 AND duty = $4 AND key = $5
                """, [stamp, value, incidentID, duty, key])
            return true
        }
    }

    public func completeDuty(incidentID: String, duty: String, key: String, outcome: String, at now: Date) throws(RegisterError) {
        try session.write(appending: false) {
            try session.execute("UPDATE scheduled_duty SET done_at = $1, outcome = $2 WHERE incident_id = $3 AND duty = $4 AND key = $5",
                                [RFC3339UTC.format(now), outcome, incidentID, duty, key])
        }
    }

    public func releaseDuty(incidentID: String, duty: String, key: String) throws(RegisterError) {
        try session.write(appending: false) {
            try session.execute("DELETE FROM scheduled_duty WHERE incident_id = $1 AND duty = $2 AND key = $3 AND done_at IS NULL",
                                [incidentID, duty, key])
        }
    }

    public func lastDutyValue(incidentID: String, duty: String) throws(RegisterError) -> (generation: Int, value: String)? {
        try session.read {
            guard let row = try session.query("""
                SELECT key, value FROM scheduled_duty WHERE incident_id = $1 AND duty = $2 ORDER BY id DESC LIMIT 1
                """, [incidentID, duty]).first, let generation = Int(try row["key"] as String) else { return nil }
            return (generation, try row["value"])
        }
    }

    public func recordDutyChange<Payload: Encodable>(incidentID: String, duty: String, generation: Int, value: String,
                                                    kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool {
        try session.write {
            let stamp = RFC3339UTC.format(now)
            guard try session.execute("""
                INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at, done_at, outcome)
                VALUES ($1, $2, $3, $4, $5, $6, 'recorded') ON CONFLICT DO NOTHING
                """, [incidentID, duty, String(generation), value, stamp, stamp]) == 1 else { return false }
            guard let kind, let payload else { return true }
            try append(kind: kind, incidentID: incidentID, version: nil, payload: Register.json(payload), actor: actor, at: now)
            return true
        }
    }

    public func schedulerMark(_ name: String) throws(RegisterError) -> Date? {
        try session.read {
            try session.value("SELECT at FROM scheduler_mark WHERE name = $1", [name], as: String.self).flatMap { ZonedTime(rfc3339: $0)?.instant }
        }
    }

    public func takeSchedulerMark(_ name: String, at now: Date, every interval: TimeInterval) throws(RegisterError) -> Bool {
        try session.write {
            if let last = try session.value("SELECT at FROM scheduler_mark WHERE name = $1 FOR UPDATE", [name], as: String.self)
                .flatMap({ ZonedTime(rfc3339: $0)?.instant }), now.timeIntervalSince(last) < interval, now >= last {
                return false
            }
            try session.execute("INSERT INTO scheduler_mark (name, at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET at = excluded.at",
                                [name, RFC3339UTC.format(now)])
            return true
        }
    }

    public func acknowledgementHandled(key: String) throws(RegisterError) -> Bool {
        try session.read {
            try !session.query("""
                SELECT 1 FROM scheduled_duty WHERE incident_id = '' AND duty = $1 AND key = $2 AND done_at IS NOT NULL
                """, [Register.acknowledgementDuty, key]).isEmpty
        }
    }

    public func recordAcknowledgement<Payload: Encodable>(key: String, incidentID: String?, value: String, outcome: String,
                                                          kind: String?, payload: Payload?, actor: String, at now: Date) throws(RegisterError) -> Bool {
        try session.write {
            let stamp = RFC3339UTC.format(now)
            guard try session.execute("""
                INSERT INTO scheduled_duty (incident_id, duty, key, value, claimed_at, done_at, outcome)
                VALUES ('', $1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
                """, [Register.acknowledgementDuty, key, value, stamp, stamp, outcome]) == 1 else { return false }
            if let kind, let payload {
                try append(kind: kind, incidentID: incidentID, version: nil, payload: Register.json(payload), actor: actor, at: now)
            }
            return true
        }
    }
}

extension PostgresStore: RegisterStore, IncidentStore, HistoryStore {}
