import BreachApp
import BreachCharts
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's pages (incidents, one incident, one person, a composed notification, the
/// campaign's live events) and its actions (decide, send, record a reference, run the campaign).
/// Every action is a POST with the session's CSRF token, done by the use case with the signed-in
/// token as the actor, so the history says who.
struct DashboardPages: Sendable {
    let dashboard: Dashboard
    var environment: ServerEnvironment { dashboard.environment }

    typealias Add = (HTTPRequest.Method, String, Permission, @escaping Dashboard.Handler) -> Void

    func register(_ add: Add) {
        add(.get, "/incidents", .read) { _, _, visit in try await incidents(visit) }
        add(.get, "/incidents/{id}", .read) { _, context, visit in try await incident(try context.parameters.require("id"), visit) }
        add(.get, "/incidents/{id}/events", .read) { _, context, _ in try await events(try context.parameters.require("id")) }
        add(.get, "/incidents/{id}/authorities/{authority}/notification", .read) { request, context, visit in
            let n = try notification(context, visit, complementary: request.uri.queryParameters.get("phase") == "complementary")
            let rendered = try n.render()
            return try page(visit, "notification", [
                "incident": n.record.id, "authority": n.authority.id, "authorityName": n.authority.name, "phase": visit.word("phase.\(n.phaseName)"),
                "subject": rendered.subject, "text": rendered.text,
            ])
        }
        // The address comes in the body and is never put in a URL, a redirect or a log.
        add(.post, "/incidents/{id}/people", .read) { _, context, visit in
            let id = try context.parameters.require("id")
            let email = (visit.form["email"] ?? "").trimmingCharacters(in: .whitespaces)
            let subject = Int64((visit.form["subject_id"] ?? "").trimmingCharacters(in: .whitespaces))
            guard !email.isEmpty || subject != nil else {
                throw Problem.unprocessable(field: "email", visit.word("person.give"))
            }
            return try await person(id, subjectID: email.isEmpty ? subject : nil, email: email.isEmpty ? nil : email, visit)
        }
        add(.get, "/incidents/{id}/people/{subject}", .read) { _, context, visit in
            let id = try context.parameters.require("id")
            guard let subject = Int64(try context.parameters.require("subject")) else {
                throw Problem.notFound(visit.word("person.none"))
            }
            return try await person(id, subjectID: subject, email: nil, visit)
        }
        DashboardActions(pages: self).register(add)
    }

    // MARK: Incidents

    private func incidents(_ visit: Dashboard.Visit) async throws -> Response {
        let ws = try environment.workspace(for: visit.token)
        let now = environment.now()
        let rows = try await blocking { () throws -> Unchecked<[[String: Any]]> in
            Unchecked(try ws.register.incidents().map { record in
                let clock = try ws.clock(of: record, at: now)
                let status = try StatusJSON.document(ws, record: record, clock: clock, now: now, language: visit.language.language)
                let zone = ws.zone(for: record.incident)
                return [
                    "id": record.id, "title": record.incident.title,
                    "awareness": DashboardText.time(record.incident.awareness.instant, zone),
                    "deadline": DashboardText.time(clock.deadline.due, zone),
                    "clocks": clocks(status, visit, zone: zone, now: now),
                    "decision": decision(status.assessment, visit) as Any,
                    "reach": reach(status, visit) as Any,
                    "next": try nextSteps(status, record: record, ws: ws, visit),
                ] as [String: Any]
            })
        }.value
        return try page(visit, "incidents", ["incidents": rows, "none": rows.isEmpty])
    }

    /// Each authority's clock in words, with a state for the page's marks.
    func clocks(_ status: StatusJSON.Document, _ visit: Dashboard.Visit, zone: TimeZone, now: Date) -> [[String: Any]] {
        let due = ZonedTime(rfc3339: status.deadline)?.instant ?? now
        return status.clock.authorities.map { a in
            let text: String
            switch a.state {
            case "running": text = visit.word("clock.running", ["left": DurationText.hoursAndMinutes(due.timeIntervalSince(now)),
                                                               "due": DashboardText.time(due, zone)])
            case "overdue": text = visit.word("clock.overdue", ["by": DurationText.hoursAndMinutes(now.timeIntervalSince(due))])
            case "not_required": text = visit.word("clock.not_required")
            default:
                let at = a.notified_at.flatMap { ZonedTime(rfc3339: $0)?.instant }.map { DashboardText.time($0, zone) } ?? ""
                if a.in_time == false {
                    text = visit.word("clock.notified_late", ["at": at, "by": DurationText.hoursAndMinutes(TimeInterval(a.late_seconds ?? 0))])
                        + " " + visit.word(status.clock.reasons_recorded ? "clock.reasons_recorded" : "clock.reasons_missing")
                } else {
                    text = visit.word("clock.notified_in_time", ["at": at])
                }
            }
            let state = a.state == "notified" ? (a.in_time == false ? "late" : "in-time") : a.state.replacingOccurrences(of: "_", with: "-")
            return ["authority": a.authority, "state": state, "text": text, "reference": a.reference]
        }
    }

    func decision(_ assessment: StatusJSON.AssessmentJSON?, _ visit: Dashboard.Visit) -> [String: Any]? {
        guard let assessment else { return nil }
        let d = assessment.record.decision
        return [
            "status": visit.word("decision.\(d.status.rawValue)"), "pending": d.status == .recommended,
            "authority": visit.word(d.notifyAuthority ? "yes" : "no"), "subjects": visit.word(d.communicateToSubjects ? "yes" : "no"),
            "reason": d.reason as Any, "actor": assessment.actor, "at": assessment.recorded_at,
        ]
    }

    func reach(_ status: StatusJSON.Document, _ visit: Dashboard.Visit) -> [String: Any]? {
        guard let r = status.reach else { return nil }
        return ["text": visit.word("reach.summary", ["submitted": String(r.submitted), "total": String(r.total),
                                                     "unreachable": String(r.unreachable), "share": ReachText.percent(r.unreachable, r.total)])]
    }

    /// What the DPO should do next, most urgent first.
    func nextSteps(_ status: StatusJSON.Document, record: IncidentRecord, ws: Workspace, _ visit: Dashboard.Visit) throws -> [String] {
        var steps: [String] = []
        guard let assessment = status.assessment else { return [visit.word("next.assess")] }
        let d = assessment.record.decision
        if d.status == .recommended { steps.append(visit.word("next.confirm")) }
        if status.clock.state == "overdue" {
            steps.append(visit.word("next.overdue", ["authorities": status.clock.pending.joined(separator: ", ")]))
        } else if status.clock.state == "running", !status.clock.pending.isEmpty {
            steps.append(visit.word("next.notify", ["authorities": status.clock.pending.joined(separator: ", ")]))
        }
        for a in status.clock.authorities where a.state == "notified" && a.reference.isEmpty && a.outcome == "prepared" {
            steps.append(visit.word("next.reference", ["authority": a.authority]))
        }
        if d.communicateToSubjects {
            if status.subjects.isEmpty { steps.append(visit.word("next.import")) }
            else if (status.subjects["queued"] ?? 0) + (status.subjects["deferred"] ?? 0) > 0 { steps.append(visit.word("next.campaign")) }
        }
        if status.reach?.recommendation == "public_communication" { steps.append(visit.word("next.public")) }
        if status.reach?.recommendation == "fix_sending_setup" { steps.append(visit.word("next.fix_sending")) }
        return steps.isEmpty ? [visit.word("next.nothing")] : steps
    }

    // MARK: One incident

    private func incident(_ id: String, _ visit: Dashboard.Visit) async throws -> Response {
        let ws = try environment.workspace(for: visit.token)
        let now = environment.now()
        let running = await environment.campaigns.isRunning(id)
        let values = try await blocking { () throws -> Unchecked<[String: Any]> in
            let record = try ws.register.incident(id)
            let zone = ws.zone(for: record.incident)
            let clock = try ws.clock(of: record, at: now)
            let status = try StatusJSON.document(ws, record: record, clock: clock, now: now, language: visit.language.language)
            let history = try ws.register.history(incidentID: id)
            let notifications = try ws.register.notifications(incidentID: id)
            let paused = try CampaignSupervisor.isPaused(ws.register, incidentID: id)
            let role = visit.token.role
            var values: [String: Any] = [
                "id": id, "incidentID": id, "title": record.incident.title, "version": record.version,
                "awareness": DashboardText.time(record.incident.awareness.instant, zone),
                "deadline": DashboardText.time(clock.deadline.due, zone), "zone": zone.identifier,
                "clocks": clocks(status, visit, zone: zone, now: now),
                "decision": decision(status.assessment, visit) as Any,
                "next": try nextSteps(status, record: record, ws: ws, visit),
                "canDecide": role.allows(.administer), "canCampaign": role.allows(.campaign),
            ]
            values["timeline"] = IncidentCharts.timeline(record: record, clock: clock, status: status, history: history,
                                                          notifications: notifications, zone: zone, now: now, visit.chartWords)
            values["assessment"] = assessment(status.assessment, visit) as Any
            values["notifications"] = notifications.map { n -> [String: Any] in
                let authority = ws.configuration.authorities.first { $0.id == n.authorityID }
                return [
                    "authority": n.authorityID, "phase": visit.word("phase.\(n.phase.rawValue)"), "status": visit.word("notification.\(n.status.rawValue)"),
                    "channel": n.channel, "at": ZonedTime(rfc3339: n.recordedAt).map { DashboardText.time($0.instant, zone) } ?? n.recordedAt,
                    "messageID": n.messageID, "sha256": n.sentSHA256, "reference": n.authorityReference, "deliveredTo": n.deliveredTo,
                    "fingerprint": (n.channel == Configuration.Authority.Channel.emailPGP.rawValue ? authority?.fingerprint : nil) as Any,
                    "refusal": n.refusalKind,
                ]
            }
            values["authorities"] = ws.configuration.authorities.map { a -> [String: Any] in
                let notified = notifications.contains { $0.authorityID == a.id && $0.phase == .initial && $0.reachedAuthority }
                return ["id": a.id, "name": a.name, "channel": a.channel.rawValue, "notified": notified,
                        "phase": notified ? "complementary" : "initial",
                        "portal": a.channel == .portal]
            }
            values["campaign"] = try IncidentCharts.campaign(ws: ws, id: id, status: status, zone: zone, visit.chartWords) as Any
            values["campaignState"] = visit.word(running ? "campaign.running" : paused ? "campaign.paused" : "campaign.idle")
            values["running"] = running
            values["paused"] = paused
            values["failures"] = status.failures.map { ["state": visit.word("state.\($0.state)"), "reason": $0.reason, "count": $0.count] }
            if let r = status.reach {
                values["recommendation"] = [
                    "kind": visit.word("recommendation.\(r.recommendation)"), "text": r.recommendation_text,
                    "public": r.recommendation == "public_communication",
                    "evidence": ReachCategory.allCases.map { ["label": visit.word("reach.\($0.rawValue)"), "count": r.categories[$0.rawValue] ?? 0] },
                    "unreachable": r.unreachable, "total": r.total,
                ]
            }
            values["history"] = history.suffix(50).reversed().map { e -> [String: Any] in
                ["sequence": e.sequence, "at": ZonedTime(rfc3339: e.recordedAt).map { DashboardText.time($0.instant, zone) } ?? e.recordedAt,
                 "actor": e.actor, "kind": visit.templates.words(visit.language)["kind.\(e.kind)"] ?? e.kind]
            }
            return Unchecked(values)
        }.value
        return try page(visit, "incident", values)
    }

    /// The decision's three recommendations with every reason, and what the DPO made of them.
    func assessment(_ a: StatusJSON.AssessmentJSON?, _ visit: Dashboard.Visit) -> [String: Any]? {
        guard let a else { return nil }
        let language: AssessmentLanguage = visit.language == .fr ? .fr : .en
        let s = a.record.assessment
        return [
            "score": s.severity.score.description, "band": s.severity.band.name(language: language),
            "decisions": s.decisions.map { d -> [String: Any] in
                ["title": d.action.title(language: language), "recommended": visit.word(d.recommended ? "yes" : "no"),
                 "decisive": d.decisive.text(language: language),
                 "reasons": d.reasons.map { ["text": $0.text(language: language), "decisive": $0 == d.decisive] }]
            },
            "status": visit.word("decision.\(a.record.decision.status.rawValue)"),
            "overridden": a.record.decision.overridden.map { $0.title(language: language) },
            "hasOverridden": !a.record.decision.overridden.isEmpty,
            "reason": a.record.decision.reason as Any, "actor": a.actor, "at": a.recorded_at,
            "pending": a.record.decision.status == .recommended,
            // Confirming the recommendation again undoes an override; a confirmed one needs no second confirmation.
            "canConfirm": a.record.decision.status != .confirmed,
            "recommendedAuthority": s.authority.recommended, "recommendedSubjects": s.subjects.recommended,
        ]
    }

    // MARK: One person

    private func person(_ id: String, subjectID: Int64?, email: String?, _ visit: Dashboard.Visit) async throws -> Response {
        let ws = try environment.workspace(for: visit.token)
        let found = try await blocking { try People.find(ws, incidentID: id, subjectID: subjectID, email: email) }
        guard let p = found else {
            return try page(visit, "person", ["incident": id, "missing": true], status: .notFound)
        }
        return try page(visit, "person", [
            "incident": id, "person": [
                "subject": p.subject_id, "line": p.csv_line, "language": p.language, "hasAddress": visit.word(p.has_address ? "yes" : "no"),
                "state": visit.word("state.\(p.state)"), "reason": p.state_reason as Any, "attempts": p.attempts,
                "first": p.first_attempt_at as Any, "next": p.next_attempt_at as Any, "updated": p.updated_at,
                "messageID": p.message_id as Any, "reply": p.last_reply as Any,
                "bounces": p.bounces.map { ["at": $0.received_at, "kind": $0.kind, "class": $0.class as Any, "reason": $0.reason as Any,
                                            "status": $0.status as Any, "diagnostic": $0.diagnostic as Any] },
                "told": p.state == SubjectState.submitted.rawValue && !p.bounces.contains { $0.class == "hard" },
            ] as [String: Any],
        ])
    }

    // MARK: Events

    /// The campaign's server-sent events, as the API sends them, for the page's script.
    private func events(_ id: String) async throws -> Response {
        let register = environment.register
        let counts = try await blocking { () throws -> [String: Int] in
            _ = try register.incident(id)
            return try register.subjectCounts(incidentID: id)
        }
        let stream = await environment.campaigns.follow(id)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: ResponseBody { writer in
            guard let stream else {
                try await writer.write(ByteBuffer(string: CampaignEvents.line("idle", ["states": counts])))
                try await writer.finish(nil)
                return
            }
            for await event in stream { try await writer.write(ByteBuffer(string: CampaignEvents.line(event))) }
            try await writer.finish(nil)
        })
    }

    // MARK: Helpers

    func notification(_ context: ServerRequestContext, _ visit: Dashboard.Visit, complementary: Bool) throws -> AuthorityNotification {
        let id = try context.parameters.require("id"), authority = try context.parameters.require("authority")
        return try AuthorityNotification(try environment.workspace(for: visit.token), incidentID: id, authority: authority,
                                         language: visit.form["lang"], complementary: complementary)
    }

    func page(_ visit: Dashboard.Visit, _ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) throws -> Response {
        try dashboard.render(visit.templates, name, visit, status: status, values)
    }
}

extension ServerEnvironment {
    /// The working directory as a use case sees it, acted on by the signed-in token.
    func workspace(for token: AuthenticatedToken) throws -> Workspace {
        Workspace(directory: directory, configuration: configuration, register: register, actor: token.actor)
    }
}

/// A page's values (plain dictionaries for Mustache) carried back from the thread that read the register.
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Times and numbers as the pages show them.
enum DashboardText {
    /// `2026-10-24 10:00 (+02:00)`: the incident's time zone, to the minute.
    static func time(_ date: Date, _ zone: TimeZone) -> String {
        let t = ZonedTime(instant: date, offsetSeconds: 0).converted(to: zone).description
        let offset = t.hasSuffix("Z") ? "+00:00" : String(t.suffix(6))
        return "\(t.prefix(10)) \(t.dropFirst(11).prefix(5)) (\(offset))"
    }
}
