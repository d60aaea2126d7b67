public import BreachCore
public import BreachRegister
public import Foundation

/// `status --json`: the same facts as the text, for scripts. Keys are snake_case, times RFC 3339
/// (UTC), durations in seconds; nothing is a JSON string inside JSON.
public enum StatusJSON {
    public struct Document: Encodable, Sendable {
        public let incident: String
        public let title: String
        public let version: Int
        public let awareness: String
        public let deadline: String
        public let time_zone: String
        public let clock: ClockJSON
        public let assessment: AssessmentJSON?
        public let notifications: [NotificationJSON]
        /// Replies of an authority read from `scheduler.acknowledgements` whose reference is still
        /// to be confirmed with `authority record`.
        public let acknowledgements: [AcknowledgementJSON]
        public let subjects: [String: Int]
        public let failures: [FailureJSON]
        public let reach: ReachJSON?
    }

    public struct ClockJSON: Encodable, Sendable {
        /// `running`, `overdue`, `notified_in_time`, `notified_late` or `not_required`.
        public let state: String
        public let seconds_left: Int?
        public let overdue_seconds: Int?
        public let late_seconds: Int?
        /// The authorities still to notify (running, overdue).
        public let pending: [String]
        public let reasons_recorded: Bool
        public let authorities: [AuthorityJSON]
    }

    public struct AuthorityJSON: Encodable, Sendable {
        public let authority: String
        /// `notified`, `not_required`, `running` or `overdue`.
        public let state: String
        public let notified_at: String?
        public let outcome: String?
        public let late_seconds: Int?
        public let in_time: Bool?
        public let reference: String
        public let decision_entry: Int64?
        public let prepared_at: String?
        public let complementary: [ComplementaryJSON]
    }

    public struct ComplementaryJSON: Encodable, Sendable {
        public let outcome: String
        public let at: String
        public let reference: String
    }

    public struct AssessmentJSON: Encodable, Sendable {
        public let entry: Int64
        public let recorded_at: String
        public let actor: String
        /// True when this is the DPO's decision (confirmed or overridden); false for a legacy
        /// recommendation never confirmed.
        public let in_force: Bool
        public let record: AssessmentRecord

        public init(entry: Int64, recorded_at: String, actor: String, in_force: Bool, record: AssessmentRecord) {
            self.entry = entry
            self.recorded_at = recorded_at
            self.actor = actor
            self.in_force = in_force
            self.record = record
        }

        /// The DPO's decision in force, as recorded.
        public init(inForce a: RecordedAssessment) {
            self.init(entry: a.entry.sequence, recorded_at: a.entry.recordedAt, actor: a.entry.actor, in_force: true, record: a.record)
        }
    }

    public struct NotificationJSON: Encodable, Sendable {
        public let authority: String
        public let phase: String
        public let channel: String
        public let status: String
        public let recorded_at: String
        public let message_id: String
        public let reference: String
        public let delivered_to: String
        public let refusal_kind: String
    }

    public struct AcknowledgementJSON: Encodable, Sendable {
        public let authority: String
        /// `initial` or `complementary`.
        public let phase: String
        public let received_at: String
        /// The Message-ID of the authority's reply (not its sender, not its text).
        public let message_id: String
        /// What records the reference once read in the reply.
        public let command: String
    }

    public struct FailureJSON: Encodable, Sendable {
        public let state: String
        public let reason: String
        public let count: Int
    }

    public struct ReachJSON: Encodable, Sendable {
        public let total: Int
        public let submitted: Int
        public let unreachable: Int
        public let categories: [String: Int]
        public let delay_notices: Int
        public let window_ends: String?
        /// `nobody_imported`, `fix_sending_setup`, `campaign_unfinished`, `decide_at`,
        /// `public_communication` or `individual_notices_suffice`.
        public let recommendation: String
        public let recommendation_text: String
    }

    public static func render(_ ws: Workspace, record: IncidentRecord, clock: IncidentClock, now: Date) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(try document(ws, record: record, clock: clock, now: now)), as: UTF8.self)
    }

    /// The status of one incident: its clock, decision, notifications, people and reach; the
    /// recommendation explained in `language` (English for `status --json`).
    public static func document(_ ws: Workspace, record: IncidentRecord, clock: IncidentClock, now: Date,
                                language: Language = .en) throws -> Document {
        let zone = ws.zone(for: record.incident)
        let shown = try ws.register.assessmentToShow(incidentID: record.id).shown
        let reasons = try ws.register.subjectReasons(incidentID: record.id, states: [.deferred, .failedPermanent, .renderFailed, .noAddress])
        let report = try ReachReport(ws, incidentID: record.id, now: now)
        let document = Document(
            incident: record.id, title: record.incident.title, version: record.version,
            awareness: record.incident.awareness.description, deadline: utc(clock.deadline.due),
            time_zone: zone.identifier, clock: clockJSON(clock),
            assessment: shown.map {
                AssessmentJSON(entry: $0.entry.sequence, recorded_at: $0.entry.recordedAt, actor: $0.entry.actor,
                               in_force: $0.record.decision.status != .recommended, record: $0.record)
            },
            notifications: try ws.register.notifications(incidentID: record.id).map {
                NotificationJSON(authority: $0.authorityID, phase: $0.phase.rawValue, channel: $0.channel, status: $0.status.rawValue,
                                 recorded_at: $0.recordedAt, message_id: $0.messageID, reference: $0.authorityReference,
                                 delivered_to: $0.deliveredTo, refusal_kind: $0.refusalKind)
            },
            acknowledgements: try AcknowledgementFetch.pending(ws.register, incidentID: record.id).map {
                AcknowledgementJSON(authority: $0.authority, phase: $0.phase, received_at: $0.receivedAt, message_id: $0.messageID,
                                    command: AcknowledgementFetch.recordCommand(incidentID: record.id, $0))
            },
            subjects: try ws.register.subjectCounts(incidentID: record.id),
            failures: reasons.map { FailureJSON(state: $0.state, reason: $0.reason, count: $0.count) },
            reach: report.reach.total == 0 ? nil : ReachJSON(
                total: report.reach.total, submitted: report.reach.submitted, unreachable: report.reach.unreachable,
                categories: Dictionary(uniqueKeysWithValues: ReachCategory.allCases.map { ($0.rawValue, report.reach[$0]) }),
                delay_notices: report.reach.delayNotices, window_ends: report.reach.windowEnds.map { utc($0) },
                recommendation: kind(report.recommendation),
                recommendation_text: ReachText.recommendation(report.recommendation, policy: report.policy, incidentID: record.id, zone: zone,
                                                              language: language)))
        return document
    }

    public static func clockJSON(_ clock: IncidentClock) -> ClockJSON {
        var state = "", left: Int?, overdue: Int?, late: Int?, pending: [String] = []
        switch clock.summary {
        case .running(let l, let ids): (state, left, pending) = ("running", Int(l), ids)
        case .overdue(let by, let ids): (state, overdue, pending) = ("overdue", Int(by), ids)
        case .notifiedInTime: state = "notified_in_time"
        case .notifiedLate(let by, _): (state, late) = ("notified_late", Int(by))
        case .notRequired: state = "not_required"
        }
        let authorities = clock.authorities.map { a -> AuthorityJSON in
            var state = "", at: String?, outcome: String?, lateBy: Int?, inTime: Bool?, entry: Int64?
            switch a.state {
            case .notified(let fact, let l):
                (state, at, outcome, lateBy, inTime) = ("notified", utc(fact.at), fact.outcome.rawValue, l.map { Int($0) }, l == nil)
            case .notRequired(let d): (state, entry) = ("not_required", d.entry)
            case .running: state = "running"
            case .overdue: state = "overdue"
            }
            return AuthorityJSON(
                authority: a.authorityID, state: state, notified_at: at, outcome: outcome, late_seconds: lateBy, in_time: inTime,
                reference: a.reference, decision_entry: entry, prepared_at: a.prepared.map { utc($0.at) },
                complementary: a.complementary.map { ComplementaryJSON(outcome: $0.outcome.rawValue, at: utc($0.at), reference: $0.reference) })
        }
        return ClockJSON(state: state, seconds_left: left, overdue_seconds: overdue, late_seconds: late, pending: pending,
                         reasons_recorded: clock.reasonsRecorded, authorities: authorities)
    }

    /// RFC 3339 in UTC, as the register writes times.
    public static func utc(_ date: Date) -> String { RFC3339Text.utc(date) }

    public static func kind(_ r: EscalationRecommendation) -> String {
        switch r {
        case .nobodyImported: "nobody_imported"
        case .fixSendingSetup: "fix_sending_setup"
        case .campaignUnfinished: "campaign_unfinished"
        case .decideAt: "decide_at"
        case .publicCommunication: "public_communication"
        case .individualNoticesSuffice: "individual_notices_suffice"
        }
    }
}
