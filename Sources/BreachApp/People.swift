import BreachCompose
import BreachCore
import BreachRegister
import Foundation

/// One person's record in an incident, for the DPO answering "was I told?": the state of their
/// notice, its attempts and the server's last reply, and the bounces credited to them. Found by
/// subject id or by address; the address is never written to a log or a URL by breachmail.
public enum People {
    public struct Record: Encodable, Sendable {
        public let incident: String
        public let subject_id: Int64
        public let csv_line: Int
        public let language: String
        public let has_address: Bool
        public let state: String
        public let state_reason: String?
        public let attempts: Int
        public let first_attempt_at: String?
        public let next_attempt_at: String?
        public let updated_at: String
        public let message_id: String?
        public let last_reply: String?
        public let bounces: [Bounce]
    }

    public struct Bounce: Encodable, Sendable {
        public let received_at: String
        public let kind: String
        public let `class`: String?
        public let reason: String?
        public let status: String?
        public let diagnostic: String?
    }

    /// The record of the person `subjectID`, or of the person with `email`; nil when the incident
    /// has no such person.
    ///
    /// - Throws: ``AppError`` (`invalidInput`, field `email`) for something that is not an
    ///   address; the register's errors (an unknown incident).
    public static func find(_ ws: Workspace, incidentID: String, subjectID: Int64? = nil, email: String? = nil) throws -> Record? {
        _ = try ws.register.incident(incidentID)
        let subject: Subject?
        if let subjectID {
            subject = try ws.register.subject(incidentID: incidentID, id: subjectID)
        } else if let email {
            let address: MailAddress
            do { address = try MailAddress(email.trimmingCharacters(in: .whitespaces)) } catch {
                throw AppError(.invalidInput, "email: \(error)", facts: ["field": "email"])
            }
            // The form the import stored: the local part without case, the domain as ASCII.
            subject = try ws.register.subject(incidentID: incidentID, email: address.localPart.lowercased() + "@" + address.domain)
        } else {
            throw AppError(.invalidInput, "give the subject id or the address of the person", facts: ["field": "subject_id"])
        }
        guard let subject else { return nil }
        let bounces = try ws.register.creditedBounces(incidentID: incidentID, subjectID: subject.id)
        return Record(
            incident: incidentID, subject_id: subject.id, csv_line: subject.line, language: subject.language,
            has_address: subject.email != nil, state: subject.state, state_reason: subject.stateReason, attempts: subject.attempts,
            first_attempt_at: subject.firstAttemptAt, next_attempt_at: subject.nextAttemptAt, updated_at: subject.updatedAt,
            message_id: subject.messageID, last_reply: subject.lastReply,
            bounces: bounces.map {
                Bounce(received_at: RFC3339Text.utc($0.receivedAt), kind: $0.kind.rawValue, class: $0.outcome?.rawValue,
                       reason: $0.reason, status: $0.status, diagnostic: $0.diagnostic)
            })
    }
}
