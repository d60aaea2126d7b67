public import Foundation
import BreachCore
import GRDB

/// One processor's notice to a controller (GDPR Art. 33(2)) as the register keeps it: sent,
/// written to a file to hand over, its hand-over or acknowledgement recorded, or refused (and why).
///
/// Each one is written together with a history entry holding the same fields
/// (`controller-notice.sent`, `.prepared`, `.recorded`, `.refused`), so that `register verify`
/// covers these notices too. The statuses are those of ``NotificationRecord``.
public struct ControllerNoticeRecord: Sendable, Equatable, Codable {
    /// The row number, nil before it is stored.
    public var id: Int64?
    public var incidentID: String
    /// The controller's id in the configuration (`controllers[].id`), e.g. `acme`.
    public var controllerID: String
    /// `email-pgp`, `email` or `file`.
    public var channel: String
    public var status: NotificationRecord.Status
    /// RFC 3339, UTC.
    public var recordedAt: String
    /// The Message-ID without angle brackets (e-mail channels).
    public var messageID: String
    /// SHA-256 (hex) of the plaintext: the inner entity for PGP/MIME, the text for a file.
    public var plaintextSHA256: String
    /// SHA-256 (hex) of the bytes sent or written.
    public var sentSHA256: String
    /// The reference the controller gave, or of the hand-over (empty until recorded).
    public var reference: String
    /// Where it went: the relay's acceptance or the file, relative to the working directory.
    public var deliveredTo: String
    /// For a refusal: the kind of problem, e.g. `fingerprintMismatch`.
    public var refusalKind: String
    /// For a refusal: the reason, as the person saw it.
    public var reason: String

    public init(
        incidentID: String, controllerID: String, channel: String, status: NotificationRecord.Status, recordedAt: Date,
        messageID: String = "", plaintextSHA256: String = "", sentSHA256: String = "", reference: String = "",
        deliveredTo: String = "", refusalKind: String = "", reason: String = ""
    ) {
        self.id = nil
        self.incidentID = incidentID
        self.controllerID = controllerID
        self.channel = channel
        self.status = status
        self.recordedAt = RFC3339UTC.format(recordedAt)
        self.messageID = messageID
        self.plaintextSHA256 = plaintextSHA256
        self.sentSHA256 = sentSHA256
        self.reference = reference
        self.deliveredTo = deliveredTo
        self.refusalKind = refusalKind
        self.reason = reason
    }

    /// The history entry kind, e.g. `controller-notice.sent`.
    public var historyKind: String { "controller-notice.\(status.rawValue)" }

    /// The time it was recorded, parsed back.
    public var recordedDate: Date? { ZonedTime(rfc3339: recordedAt)?.instant }

    /// Whether the controller has the notice: sent to it, or its hand-over recorded.
    public var reachedController: Bool { status == .sent || status == .recorded }
}

extension Register {
    static func registerControllerNoticeMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-controller-notices") { db in
            try db.execute(sql: """
                CREATE TABLE controller_notice (
                    id INTEGER PRIMARY KEY,
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    controller_id TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('sent', 'prepared', 'recorded', 'refused')),
                    recorded_at TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    plaintext_sha256 TEXT NOT NULL,
                    sent_sha256 TEXT NOT NULL,
                    reference TEXT NOT NULL,
                    delivered_to TEXT NOT NULL,
                    refusal_kind TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    history_sequence INTEGER NOT NULL REFERENCES history(sequence) DEFERRABLE INITIALLY DEFERRED
                );
                CREATE INDEX controller_notice_incident ON controller_notice(incident_id, controller_id);
                """)
        }
    }

    /// Stores `notice` and its history entry in one transaction.
    ///
    /// - Throws: ``RegisterError`` when the incident is unknown or the register cannot be written.
    @discardableResult
    public func recordControllerNotice(_ notice: ControllerNoticeRecord, actor: String, at now: Date) throws(RegisterError) -> HistoryEntry {
        _ = try incident(notice.incidentID)
        let n = notice
        return try append(kind: n.historyKind, incidentID: n.incidentID, payload: n, actor: actor, at: now) { tx in
            // The history entry is appended after this runs: its sequence is the next one.
            try tx.execute("""
                INSERT INTO controller_notice (incident_id, controller_id, channel, status, recorded_at, message_id,
                    plaintext_sha256, sent_sha256, reference, delivered_to, refusal_kind, reason, history_sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sequence), 0) + 1 FROM history))
                """,
                [.text(n.incidentID), .text(n.controllerID), .text(n.channel), .text(n.status.rawValue), .text(n.recordedAt),
                 .text(n.messageID), .text(n.plaintextSHA256), .text(n.sentSHA256), .text(n.reference),
                 .text(n.deliveredTo), .text(n.refusalKind), .text(n.reason)])
        }
    }

    /// The processor's notices of an incident, oldest first; to one controller when `controllerID` is given.
    ///
    /// - Throws: ``RegisterError`` when the register cannot be read.
    public func controllerNotices(incidentID: String, controllerID: String? = nil) throws(RegisterError) -> [ControllerNoticeRecord] {
        try read { db in
            var sql = "SELECT * FROM controller_notice WHERE incident_id = ?"
            var arguments: [String] = [incidentID]
            if let controllerID {
                sql += " AND controller_id = ?"
                arguments.append(controllerID)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: StatementArguments(arguments)).map { row in
                ControllerNoticeRecord(id: row["id"]) { row[$0] }
            }
        }
    }
}
