public import BreachCore
public import Foundation

/// The assessment in force when a notification is composed: the recommendation and what the
/// DPO decided, by whom and when. Templates read it as `assessment.*`.
public struct DecisionInForce: Sendable, Equatable {
    public var record: AssessmentRecord
    public var decidedBy: String
    public var decidedAt: Date

    public init(record: AssessmentRecord, decidedBy: String, decidedAt: Date) {
        self.record = record
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// Where the communication to the people concerned (Art. 34) stands. Templates read it as
/// `communication.*`.
public struct SubjectsCommunication: Sendable, Equatable {
    /// People imported for the incident.
    public var total: Int
    /// Notices the relay accepted.
    public var submitted: Int
    /// People still queued, being sent or deferred.
    public var pending: Int
    /// When the first notice was accepted.
    public var firstSentAt: Date?
    /// When the people will be told, if not yet (`communication_planned` in the incident file).
    public var plannedAt: Date?

    public init(total: Int = 0, submitted: Int = 0, pending: Int = 0, firstSentAt: Date? = nil, plannedAt: Date? = nil) {
        self.total = total
        self.submitted = submitted
        self.pending = pending
        self.firstSentAt = firstSentAt
        self.plannedAt = plannedAt
    }
}

extension Composer {
    /// `assessment.*`: the severity on the ENISA and the CNIL form's scales, the risk, the
    /// decisions with who took them, and every reason, in the message's language (the reasons
    /// are written in French and English; a German message gives them in English).
    static func assessmentVariables(_ d: DecisionInForce, _ c: ComposeContext) -> [String: Any] {
        let l = c.language
        let a = d.record.assessment, decision = d.record.decision
        let reasonLanguage: AssessmentLanguage = l == .fr ? .fr : .en
        var v: [String: Any] = [
            "severity": a.severity.score.formatted(decimalSeparator: l == .en ? "." : ",") + " (" + band(a.severity.band, l) + ")",
            "level": cnilLevel(a.severity.band, l),
            "risk": risk(a.risk, l),
            "notify_authority": decision.notifyAuthority,
            "communicate_to_subjects": decision.communicateToSubjects,
            "overridden": decision.status == .overridden,
            "decided_by": d.decidedBy,
            "decided_at": Labels.dateTime(c.zoned(d.decidedAt), l),
            "subjects_reason": a.subjects.decisive.text(language: reasonLanguage),
            "reasons": uniqueReasons(a).map { $0.text(language: reasonLanguage) },
        ]
        if let reason = decision.reason, !reason.isEmpty { v["dpo_reason"] = reason }
        return v
    }

    /// `communication.*`: done (and when, how many), in progress, planned (when, how), or not
    /// (and why) — the CNIL form's "Communication aux personnes concernées".
    static func communicationVariables(_ s: SubjectsCommunication?, decision: DecisionInForce?, _ c: ComposeContext) -> [String: Any] {
        let l = c.language
        let s = s ?? SubjectsCommunication()
        var v: [String: Any] = ["channel": Labels.pick(("courriel individuel", "individual e-mail", "individuelle E-Mail"), l)]
        let decidedNo = decision.map { !$0.record.decision.communicateToSubjects } ?? false
        if s.submitted > 0 {
            v["done"] = true
            v["people"] = Labels.number(s.submitted, l)
            v["total"] = Labels.number(s.total, l)
            if let first = s.firstSentAt { v["date"] = Labels.dateTime(c.zoned(first), l) }
            if s.pending > 0 { v["in_progress"] = true; v["pending"] = Labels.number(s.pending, l) }
        } else if decidedNo, let d = decision {
            v["not"] = true
            v["reason_not"] = d.record.decision.reason.flatMap { $0.isEmpty ? nil : $0 }
                ?? d.record.assessment.subjects.decisive.text(language: l == .fr ? .fr : .en)
        } else {
            v["planned"] = true
            if let planned = s.plannedAt { v["planned_date"] = Labels.dateTime(c.zoned(planned), l) }
            if s.total > 0 { v["total"] = Labels.number(s.total, l) }
        }
        return v
    }

    private static func uniqueReasons(_ a: Assessment) -> [AssessmentReason] {
        var seen: [AssessmentReason] = []
        for reason in a.decisions.flatMap(\.reasons) where !seen.contains(reason) { seen.append(reason) }
        return seen
    }

    static func band(_ b: SeverityBand, _ l: Language) -> String {
        switch b {
        case .low: Labels.pick(("faible", "low", "niedrig"), l)
        case .medium: Labels.pick(("moyenne", "medium", "mittel"), l)
        case .high: Labels.pick(("élevée", "high", "hoch"), l)
        case .veryHigh: Labels.pick(("très élevée", "very high", "sehr hoch"), l)
        }
    }

    /// The CNIL form's four levels (négligeable, limité, important, maximal), from the ENISA band.
    static func cnilLevel(_ b: SeverityBand, _ l: Language) -> String {
        switch b {
        case .low: Labels.pick(("Négligeable", "Negligible", "Vernachlässigbar"), l)
        case .medium: Labels.pick(("Limité", "Limited", "Begrenzt"), l)
        case .high: Labels.pick(("Important", "Significant", "Erheblich"), l)
        case .veryHigh: Labels.pick(("Maximal", "Maximum", "Maximal"), l)
        }
    }

    static func risk(_ r: RiskLevel, _ l: Language) -> String {
        switch r {
        case .unlikely: Labels.pick(("risque improbable", "unlikely to result in a risk", "voraussichtlich kein Risiko"), l)
        case .risk: Labels.pick(("risque probable", "likely to result in a risk", "voraussichtlich ein Risiko"), l)
        case .high: Labels.pick(("risque élevé probable", "likely to result in a high risk", "voraussichtlich ein hohes Risiko"), l)
        }
    }
}
