import BreachConfig
import BreachCore
public import BreachRegister
import Foundation

extension AuthorityNotification {
    /// Sends the notification (or prepares the portal's form text) and records the outcome in
    /// the register; a refusal is recorded too, then thrown. An initial notification already
    /// sent, prepared or recorded is refused: further information goes in a complementary one.
    ///
    /// - Throws: ``AppError`` (`conflict`) when the initial notification exists; ``AuthorityRefusal``
    ///   (recorded as `notification.refused`) when the key, the template or the transport refuse.
    public func sendAndRecord() async throws -> NoticeOutcome {
        let a = authority
        if phase == .initial, let initial = try ws.register.initialNotification(incidentID: record.id, authorityID: a.id) {
            throw AppError(.conflict, "the initial notification of \(record.id) to \(a.id) was already \(initial.status.rawValue) at \(initial.recordedAt); "
                + "to add or correct information send a complementary one: breachmail authority send \(record.id) --authority \(a.id) --complementary",
                facts: ["incident": record.id, "authority": a.id])
        }
        let outcome: NoticeOutcome
        do {
            outcome = try await send()
        } catch let refusal as AuthorityRefusal {
            try ws.register.recordNotification(
                NotificationRecord(incidentID: record.id, authorityID: a.id, phase: phase, channel: a.channel.rawValue,
                                   status: .refused, recordedAt: now, refusalKind: refusal.kind, reason: refusal.description),
                actor: ws.actor, at: now)
            throw refusal
        }
        try ws.register.recordNotification(
            NotificationRecord(incidentID: record.id, authorityID: a.id, phase: phase, channel: a.channel.rawValue,
                               status: outcome.status, recordedAt: now, messageID: outcome.messageID,
                               plaintextSHA256: outcome.plaintextSHA256, sentSHA256: outcome.sentSHA256,
                               deliveredTo: outcome.deliveredTo.joined(separator: " ")),
            actor: ws.actor, at: now)
        return outcome
    }

    /// Records the authority's reference for the notification made (a portal submission, or an
    /// acknowledgement of mail sent); returns the notification it is recorded for.
    ///
    /// - Throws: ``AppError`` (`invalidInput`) for a reference that is not one line of at most
    ///   200 characters; (`conflict`) when no notification of that phase was prepared or sent.
    @discardableResult
    public func recordReference(_ reference: String) throws -> NotificationRecord {
        let ref = reference.trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty, ref.count <= 200, !ref.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError(.invalidInput, "--reference must be the authority's reference on one line (at most 200 characters), e.g. --reference 2026-123456.",
                           facts: ["field": "reference"])
        }
        let a = authority
        guard let made = try ws.register.notifications(incidentID: record.id, authorityID: a.id)
            .last(where: { $0.phase == phase && ($0.status == .prepared || $0.status == .sent) })
        else {
            throw AppError(.conflict, "no \(phaseName) notification of \(record.id) to \(a.id) was prepared or sent: "
                + "run `breachmail authority send \(record.id) --authority \(a.id)\(phase == .complementary ? " --complementary" : "")` first.",
                facts: ["incident": record.id, "authority": a.id])
        }
        try ws.register.recordNotification(
            NotificationRecord(incidentID: record.id, authorityID: a.id, phase: phase, channel: made.channel,
                               status: .recorded, recordedAt: now, messageID: made.messageID,
                               plaintextSHA256: made.plaintextSHA256, sentSHA256: made.sentSHA256,
                               authorityReference: ref, deliveredTo: made.deliveredTo),
            actor: ws.actor, at: now)
        return made
    }
}
