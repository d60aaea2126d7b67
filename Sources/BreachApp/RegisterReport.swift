import BreachCompose
import BreachConfig
public import BreachCore
import BreachRegister
public import Foundation

/// The register as a report to hand to the supervisory authority (Art. 33(5)), rendered from the
/// templates of `templates/report/` in French, English or German: per incident, the facts in
/// words, dates in the incident's time zone, the assessments and every decision with its written
/// reason, every notification with its reference, the campaign's figures with the dashboard's
/// charts, and the history chain with its head hash and the result of `register verify`.
///
/// Reads the register through the storage protocols only, and the figures through the use cases
/// that compute them (`status`'s document, the reach report), so the report says what `status
/// --json` says. Self-contained: no script, nothing remote, the style in the page.
///
/// ```swift
/// let (html, counts) = try RegisterReport(ws, language: .fr, now: try Clock.now()).html()
/// ```
public struct RegisterReport {
    public let ws: Workspace
    public let language: Language
    public let now: Date
    public let folder: TemplateFolder

    /// - Throws: ``AppError`` `configuration` when the report's templates cannot be read.
    public init(_ ws: Workspace, language: Language, now: Date) throws {
        self.ws = ws
        self.language = language
        self.now = now
        folder = try TemplateFolder(directory: TemplateFolder.locate("report", ws))
    }

    /// The number of incidents and of history entries the report covers, once rendered.
    public struct Counts: Sendable { public var incidents = 0, entries = 0 }

    /// The report as one HTML page.
    ///
    /// - Throws: the register's errors; ``AppError`` `configuration` for a template that is missing.
    public func html() throws -> (html: String, counts: Counts) {
        let words = folder.words(language)
        let word = IncidentCharts.Words(words)
        let verification = try ws.register.verify()
        let injected = try ws.register.takesInjectedClock()
        let regressions = verification.isIntact && !injected ? try ws.register.timeRegressions() : []
        let records = try ws.register.incidents()
        let configurationZone = TimeZone(identifier: ws.configuration.timeZone) ?? TimeZone(secondsFromGMT: 0)!
        let c = ws.configuration.controller
        var context: [String: Any] = [
            "t": words, "lang": language.rawValue,
            "controller": ["name": c.name, "registration": c.registration, "address": c.address, "country": c.country],
            "dpo": ["name": ws.configuration.dpo.name, "email": ws.configuration.dpo.email],
            "generatedAt": IncidentWords.dateTime(now, zone: configurationZone, language: language),
            "incidentCount": number(records.count),
            "chain": Self.present([
                "intact": verification.isIntact, "entries": number(verification.entries), "head": verification.head,
                "problem": verification.firstProblem.map { word("chain.problem", ["sequence": String($0.sequence), "message": $0.message]) },
                "regressions": regressions.map(\.description), "hasRegressions": !regressions.isEmpty,
                "verdict": verification.isIntact
                    ? word("chain.intact", ["entries": number(verification.entries)])
                    : word("chain.broken"),
            ]),
            "none": records.isEmpty,
        ]
        context["incidents"] = try records.map { try incident($0, word) }
        return (try folder.render("report.html", context), Counts(incidents: records.count, entries: verification.entries))
    }

    // MARK: One incident

    private func incident(_ record: IncidentRecord, _ word: IncidentCharts.Words) throws -> [String: Any] {
        let id = record.id, incident = record.incident
        let zone = ws.zone(for: incident)
        let clock = try ws.clock(of: record, at: now)
        let status = try StatusJSON.document(ws, record: record, clock: clock, now: now, language: language)
        let history = try ws.register.history(incidentID: id)
        let notifications = try ws.register.notifications(incidentID: id)
        func time(_ rfc3339: String) -> String {
            ZonedTime(rfc3339: rfc3339).map { IncidentWords.dateTime($0.instant, zone: zone, language: language) } ?? rfc3339
        }
        var values: [String: Any] = [
            "id": id, "title": incident.title, "version": number(record.version), "zone": zone.identifier,
            "openedAt": time(record.openedAt), "updatedAt": time(record.updatedAt),
            "facts": IncidentWords.facts(incident, language: language, zone: zone).map { ["label": $0.label, "text": $0.text] },
            "clocks": status.clock.authorities.map { a -> [String: Any] in
                let state = a.state == "notified" ? (a.in_time == false ? "late" : "in_time") : a.state
                return Self.present(["authority": authorityName(a.authority), "state": word("clock.\(state)"),
                                     "at": a.notified_at.map(time), "reference": a.reference])
            },
            "hasClocks": !status.clock.authorities.isEmpty,
        ]
        values["timeline"] = IncidentCharts.timeline(record: record, clock: clock, status: status, history: history,
                                                     notifications: notifications, zone: zone, now: now, idPrefix: id + "-", word)
        let (assessments, unreadable) = try ws.register.assessments(incidentID: id)
        let inForce = try ws.register.decisionInForce(incidentID: id)?.entry.sequence
        values["assessments"] = assessments.map { assessment($0, inForce: $0.entry.sequence == inForce, incident: incident, zone: zone, word) }
        if unreadable > 0 { values["unreadableAssessments"] = word("assessment.unreadable", ["count": number(unreadable)]) }
        if language == .de { values["reasonsNote"] = word("assessment.reasons_language") }
        values["notifications"] = notifications.map { n -> [String: Any] in
            let authority = ws.configuration.authorities.first { $0.id == n.authorityID }
            return Self.present([
                "authority": authorityName(n.authorityID), "phase": word("phase.\(n.phase.rawValue)"),
                "status": word("notification.\(n.status.rawValue)"), "channel": word("channel.\(n.channel)"),
                "at": time(n.recordedAt), "reference": n.authorityReference, "messageID": n.messageID,
                "sha256": n.sentSHA256, "deliveredTo": n.deliveredTo,
                "fingerprint": n.channel == Configuration.Authority.Channel.emailPGP.rawValue ? authority?.fingerprint : nil,
                "refusal": n.reason.isEmpty ? n.refusalKind : n.reason,
            ])
        }
        if let campaign = try campaign(status, id: id, zone: zone, word) { values["campaign"] = campaign }
        values["history"] = history.map { e -> [String: Any] in
            Self.present(["sequence": e.sequence, "at": time(e.recordedAt), "actor": e.actor, "kind": word.words["kind.\(e.kind)"] ?? e.kind,
                          "version": e.version.map { number($0) }, "hash": e.entryHash])
        }
        values["head"] = history.last?.entryHash ?? ""
        return values
    }

    /// One recorded assessment: the severity, the three recommendations with every reason, and
    /// what the DPO decided, with the written reason of an override.
    private func assessment(_ a: RecordedAssessment, inForce: Bool, incident: Incident, zone: TimeZone,
                            _ word: IncidentCharts.Words) -> [String: Any] {
        let at = ZonedTime(rfc3339: a.entry.recordedAt)?.instant ?? now
        let words = IncidentWords.assessment(a.record, decidedBy: a.entry.actor, decidedAt: at, incident: incident,
                                             language: language, zone: zone)
        let reasonLanguage: AssessmentLanguage = language == .fr ? .fr : .en
        let d = a.record.decision
        return Self.present([
            "sequence": a.entry.sequence, "at": words["decided_at"], "actor": a.entry.actor, "inForce": inForce,
            "status": word("decision.\(d.status.rawValue)"), "overridden": d.status == .overridden,
            "severity": words["severity"], "level": words["level"], "risk": words["risk"],
            "reason": d.reason.flatMap { $0.isEmpty ? nil : $0 },
            "decisions": a.record.assessment.decisions.map { r -> [String: Any] in
                let decided = switch r.action {
                case .document: true
                case .notifyAuthority: d.notifyAuthority
                case .communicateToSubjects: d.communicateToSubjects
                }
                return [
                    "title": word("action.\(r.action.rawValue)"), "recommended": word(r.recommended ? "yes" : "no"),
                    "decided": word(decided ? "yes" : "no"), "overridden": d.overridden.contains(r.action),
                    "reasons": r.reasons.map { ["text": $0.text(language: reasonLanguage), "decisive": $0 == r.decisive] },
                ]
            },
        ])
    }

    /// The people by state (with the states bar), failures by reason, the reach figures and the
    /// recommendation (with reach over time); nil before anyone is imported.
    private func campaign(_ status: StatusJSON.Document, id: String, zone: TimeZone, _ word: IncidentCharts.Words) throws -> [String: Any]? {
        guard var values = try IncidentCharts.campaign(ws: ws, id: id, status: status, zone: zone, idPrefix: id + "-", word) else { return nil }
        values["counts"] = SubjectState.allCases.compactMap { state in
            status.subjects[state.rawValue].map { ["label": word("state.\(state.rawValue)"), "count": number($0)] }
        }
        values["total"] = number(status.subjects.values.reduce(0, +))
        values["hasFailures"] = !status.failures.isEmpty
        values["failures"] = status.failures.map { ["state": word("state.\($0.state)"), "reason": $0.reason, "count": number($0.count)] }
        if let r = status.reach {
            let chart = values["reach"]
            values["reach"] = Self.present([
                "figures": ReachCategory.allCases.map { ["label": word("reach.\($0.rawValue)"), "count": number(r.categories[$0.rawValue] ?? 0)] },
                "summary": word("reach.summary", ["submitted": number(r.submitted), "total": number(r.total),
                                                  "unreachable": number(r.unreachable), "share": ReachText.percent(r.unreachable, r.total, language: language)]),
                "recommendation": word("recommendation.\(r.recommendation)"), "text": r.recommendation_text,
                "windowEnds": r.window_ends.map { ZonedTime(rfc3339: $0).map { IncidentWords.dateTime($0.instant, zone: zone, language: language) } ?? $0 },
                "chart": chart,
            ])
        }
        return values
    }

    // MARK: Words

    private func number(_ n: Int) -> String { IncidentWords.number(n, language: language) }

    /// The values that are there. Mustache shows a nil inside an `Any` as "nil", and takes an empty
    /// text for a present one in `{{#…}}`: both are left out, so `{{^…}}` can say "none".
    static func present(_ values: [String: Any?]) -> [String: Any] {
        values.compactMapValues { value in (value as? String)?.isEmpty == true ? nil : value }
    }

    private func authorityName(_ id: String) -> String {
        ws.configuration.authorities.first { $0.id == id }.map { "\($0.name) (\(id))" } ?? id
    }
}
