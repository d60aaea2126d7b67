public import Foundation
import BreachCore
import GRDB

/// One notification to a supervisory authority as the register keeps it: what was sent,
/// prepared for a portal, recorded as submitted, or refused (and why).
///
/// Each one is written together with a history entry holding the same fields, so that
/// `register verify` covers notifications too.
public struct NotificationRecord: Sendable, Equatable, Codable {
    /// Initial notification (Art. 33(1)) or a complement to it (Art. 33(4)).
    public enum Phase: String, Sendable, Codable, CaseIterable {
        case initial, complementary
    }

    /// What happened to the notification.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Encrypted (or clear, where configured) and handed to the transport.
        case sent
        /// Written as text and HTML for the authority's online form; not submitted yet.
        case prepared
        /// Submission recorded by a person, with the reference the authority gave.
        case recorded
        /// Nothing sent: a key, configuration or content problem stopped it.
        case refused

        /// The history entry kind, e.g. `notification.sent`.
        public var historyKind: String { "notification.\(rawValue)" }
    }

    /// The row number, nil before it is stored.
    public var id: Int64?
    public var incidentID: String
    /// The authority's id in the configuration, e.g. `cnpd`.
    public var authorityID: String
    public var phase: Phase
    /// `email-pgp`, `email` or `portal`.
    public var channel: String
    public var status: Status
    /// RFC 3339, UTC.
    public var recordedAt: String
    /// The Message-ID without angle brackets (e-mail channels).
    public var messageID: String
    /// SHA-256 (hex) of the plaintext: the inner entity for PGP/MIME, the text for a portal.
    public var plaintextSHA256: String
    /// SHA-256 (hex) of the bytes sent or written.
    public var sentSHA256: String
    /// The reference the authority gave (empty until recorded).
    public var authorityReference: String
    /// Where it went: the outbox file or the portal files, relative to the working directory.
    public var deliveredTo: String
    /// For a refusal: the kind of problem, e.g. `fingerprintMismatch`.
    public var refusalKind: String
    /// For a refusal: the reason, as the person saw it.
    public var reason: String

    public init(
        incidentID: String, authorityID: String, phase: Phase, channel: String, status: Status, recordedAt: Date,
        messageID: String = "", plaintextSHA256: String = "", sentSHA256: String = "", authorityReference: String = "",
        deliveredTo: String = "", refusalKind: String = "", reason: String = ""
    ) {
        self.id = nil
        self.incidentID = incidentID
        self.authorityID = authorityID
        self.phase = phase
        self.channel = channel
        self.status = status
        self.recordedAt = RFC3339UTC.format(recordedAt)
        self.messageID = messageID
        self.plaintextSHA256 = plaintextSHA256
        self.sentSHA256 = sentSHA256
        self.authorityReference = authorityReference
        self.deliveredTo = deliveredTo
        self.refusalKind = refusalKind
        self.reason = reason
    }

    /// The time it was recorded, parsed back.
    public var recordedDate: Date? { ZonedTime(rfc3339: recordedAt)?.instant }

    /// Whether the authority has this notification (sent to it, or its submission recorded).
    public var reachedAuthority: Bool { status == .sent || status == .recorded }
}

extension Register {
    static let notificationSchema = """
        CREATE TABLE notification (
            id INTEGER PRIMARY KEY,
            incident_id TEXT NOT NULL REFERENCES incident(id),
            authority_id TEXT NOT NULL,
            phase TEXT NOT NULL CHECK (phase IN ('initial', 'complementary')),
            channel TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('sent', 'prepared', 'recorded', 'refused')),
            recorded_at TEXT NOT NULL,
            message_id TEXT NOT NULL,
            plaintext_sha256 TEXT NOT NULL,
            sent_sha256 TEXT NOT NULL,
            authority_reference TEXT NOT NULL,
            delivered_to TEXT NOT NULL,
            refusal_kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            history_sequence INTEGER NOT NULL REFERENCES history(sequence) DEFERRABLE INITIALLY DEFERRED
        );
        CREATE INDEX notification_incident ON notification(incident_id, authority_id, phase);
        """

    /// Stores `notification` and its history entry (`notification.sent`, `.prepared`,
    /// `.recorded` or `.refused`) in one transaction.
    ///
    /// - Throws: ``RegisterError`` when the incident is unknown or the register cannot be written.
    @discardableResult
    public func recordNotification(_ notification: NotificationRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry {
        _ = try incident(notification.incidentID)
        let n = notification
        return try append(kind: n.status.historyKind, incidentID: n.incidentID, payload: n, actor: actor, at: now) { tx in
            // The history entry is appended after this runs: its sequence is the next one.
            try tx.execute("""
                INSERT INTO notification (incident_id, authority_id, phase, channel, status, recorded_at, message_id,
                    plaintext_sha256, sent_sha256, authority_reference, delivered_to, refusal_kind, reason, history_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM history))
                """,
                [.text(n.incidentID), .text(n.authorityID), .text(n.phase.rawValue), .text(n.channel), .text(n.status.rawValue),
                 .text(n.recordedAt), .text(n.messageID), .text(n.plaintextSHA256), .text(n.sentSHA256),
                 .text(n.authorityReference), .text(n.deliveredTo), .text(n.refusalKind), .text(n.reason)])
        }
    }

    /// The notifications of an incident, oldest first; to one authority when `authorityID` is given.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func notifications(incidentID: String, authorityID: String? = nil) throws(RegisterError) -> [NotificationRecord] {
        try read { db in
            var sql = "SELECT * FROM notification WHERE incident_id = ?"
            var arguments: [String] = [incidentID]
            if let authorityID {
                sql += " AND authority_id = ?"
                arguments.append(authorityID)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments)).map { row in
                NotificationRecord(id: row["id"]) { row[$0] }
            }
        }
    }

    /// The initial notification that reached `authorityID` (the first one sent or recorded), if any.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func initialNotification(incidentID: String, authorityID: String) throws(RegisterError) -> NotificationRecord? {
        try notifications(incidentID: incidentID, authorityID: authorityID)
            .first { $0.phase == .initial && $0.reachedAuthority }
    }

    /// The incident as the last notification that reached `authorityID` described it, and when
    /// that notification was made; nil when none reached it. For a submission recorded after
    /// its form content was prepared, the version is the one the content was prepared from.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func incidentAsLastNotified(incidentID: String, authorityID: String) throws(RegisterError) -> (incident: IncidentRecord, date: Date)? {
        guard let (source, date) = NotificationRecord.lastReaching(try notifications(incidentID: incidentID, authorityID: authorityID))
        else { return nil }
        let version = try read { db in
            try Int.fetchOne(db, sql: """
                SELECT MAX(h.version) FROM history h JOIN notification n ON n.id = ?
                WHERE h.incident_id = n.incident_id AND h.kind IN (?, ?) AND h.sequence < n.history_sequence
                """, arguments: [source, HistoryEntry.Kind.incidentOpened, HistoryEntry.Kind.incidentUpdated])
        }
        guard let version else { return nil }
        return (try incident(incidentID, version: version), date)
    }

    /// The last reference `authorityID` gave for this incident, empty when none is recorded.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func authorityReference(incidentID: String, authorityID: String) throws(RegisterError) -> String {
        try notifications(incidentID: incidentID, authorityID: authorityID)
            .last { $0.reachedAuthority && !$0.authorityReference.isEmpty }?.authorityReference ?? ""
    }
}
