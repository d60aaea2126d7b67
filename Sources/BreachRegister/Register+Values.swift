import BreachCore
package import Foundation

// The register's values built from their columns by a store other than ``Register`` (the
// PostgreSQL one, in its own module): the same values, whatever the store.

extension Subject {
    /// A person from the columns of their row (`fields` as the JSON object the register stores).
    package init(id: Int64, incidentID: String, line: Int, email: String?, firstName: String?, lastName: String?,
                 language: String, fieldsJSON: String, state: String, stateReason: String?, attempts: Int,
                 nextAttemptAt: String?, importedAt: String, updatedAt: String, messageID: String?, lastReply: String?,
                 firstAttemptAt: String?) throws {
        self.id = id
        self.incidentID = incidentID
        self.line = line
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.language = language
        fields = fieldsJSON == "{}" ? [:] : try JSONDecoder().decode([String: String].self, from: Data(fieldsJSON.utf8))
        self.state = state
        self.stateReason = stateReason
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.importedAt = importedAt
        self.updatedAt = updatedAt
        self.messageID = messageID
        self.lastReply = lastReply
        self.firstAttemptAt = firstAttemptAt
    }
}

extension CreditedBounce {
    package init(receivedAt: String, kind: String, outcome: String?, reason: String?, status: String?, diagnostic: String?) {
        self.init(receivedAt: ZonedTime(rfc3339: receivedAt)?.instant ?? .distantPast, kind: BounceKind(rawValue: kind) ?? .unparsable,
                  outcome: outcome.flatMap(BounceOutcome.init(rawValue:)), reason: reason, status: status, diagnostic: diagnostic)
    }
}

extension BounceRecording {
    package init(duplicate: Bool, matchedBy: BounceMatch, incidentID: String?, subjectID: Int64?, underReview: Bool, _: Void = ()) {
        self.duplicate = duplicate
        self.matchedBy = matchedBy
        self.incidentID = incidentID
        self.subjectID = subjectID
        self.underReview = underReview
    }
}

extension BounceUnderReview {
    package init(id: Int64, sha256: String, receivedAt: String, kind: String, outcome: String?, reason: String?, status: String?,
                 diagnostic: String?, report: String, review: String?, incidentID: String?, subjectID: Int64?,
                 subjectLine: Int?, sentMessageID: String?) {
        self.init(id: id, sha256: sha256, receivedAt: receivedAt, kind: BounceKind(rawValue: kind) ?? .unparsable,
                  outcome: outcome.flatMap(BounceOutcome.init(rawValue:)), reason: reason, status: status, diagnostic: diagnostic,
                  report: report, review: review.flatMap(BounceReviewState.init(rawValue:)) ?? .pending,
                  incidentID: incidentID ?? "", subjectID: subjectID ?? 0, subjectLine: subjectLine, sentMessageID: sentMessageID)
    }
}

extension TokenRecord {
    package init(name: String, role: String, secretSHA256: String, createdAt: String, createdBy: String,
                 lastUsedAt: String?, revokedAt: String?, revokedBy: String?, _: Void = ()) {
        self.name = name
        self.role = role
        self.secretSHA256 = secretSHA256
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
    }
}

extension ServiceLease {
    package init(holder: String, host: String, pid: Int32, acquiredAt: Double, renewedAt: Double, expiresAt: Double) {
        self.init(holder: holder, host: host, pid: pid, acquiredAt: Date(timeIntervalSince1970: acquiredAt),
                  renewedAt: Date(timeIntervalSince1970: renewedAt), expiresAt: Date(timeIntervalSince1970: expiresAt))
    }
}

extension NotificationRecord {
    /// A notification from its row, `column(NAME)` giving each column's text.
    package init(id: Int64, column: (String) throws -> String) rethrows {
        self.init(
            incidentID: try column("incident_id"), authorityID: try column("authority_id"),
            phase: Phase(rawValue: try column("phase")) ?? .initial, channel: try column("channel"),
            status: Status(rawValue: try column("status")) ?? .refused, recordedAt: Date(),
            messageID: try column("message_id"), plaintextSHA256: try column("plaintext_sha256"), sentSHA256: try column("sent_sha256"),
            authorityReference: try column("authority_reference"), deliveredTo: try column("delivered_to"),
            refusalKind: try column("refusal_kind"), reason: try column("reason"))
        self.id = id
        recordedAt = try column("recorded_at")
    }
}

extension ControllerNoticeRecord {
    /// A processor's notice from its row, `column(NAME)` giving each column's text.
    package init(id: Int64, column: (String) throws -> String) rethrows {
        self.init(
            incidentID: try column("incident_id"), controllerID: try column("controller_id"), channel: try column("channel"),
            status: NotificationRecord.Status(rawValue: try column("status")) ?? .refused, recordedAt: Date(),
            messageID: try column("message_id"), plaintextSHA256: try column("plaintext_sha256"), sentSHA256: try column("sent_sha256"),
            reference: try column("reference"), deliveredTo: try column("delivered_to"), refusalKind: try column("refusal_kind"),
            reason: try column("reason"))
        self.id = id
        recordedAt = try column("recorded_at")
    }
}

extension NotificationRecord {
    /// Of `all` (one authority's, oldest first), the last that reached the authority: the id of
    /// the notification whose content it carried (the prepared one, for a submission recorded
    /// after its content was prepared) and when it was made; nil when none reached it.
    package static func lastReaching(_ all: [NotificationRecord]) -> (source: Int64, date: Date)? {
        guard let index = all.lastIndex(where: \.reachedAuthority), let date = all[index].recordedDate, let id = all[index].id else { return nil }
        if all[index].status == .recorded,
           let prepared = all[..<index].last(where: { $0.status == .prepared && $0.phase == all[index].phase }), let pid = prepared.id {
            return (pid, date)
        }
        return (id, date)
    }
}
