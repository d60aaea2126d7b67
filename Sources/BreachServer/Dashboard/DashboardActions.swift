import BreachApp
import BreachCharts
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation
import HTTPTypes
import Hummingbird

/// The dashboard's actions: each a POST form with the session's CSRF token (checked before the
/// handler runs), for the roles allowed, done by the same use case as the API with the signed-in
/// token as the history's actor; each answers with a redirect back to the incident (303, so a
/// reload does not post again). Sending to an authority and starting a campaign ask for confirmation first.
struct DashboardActions: Sendable {
    let pages: DashboardPages
    var environment: ServerEnvironment { pages.environment }

    func register(_ add: DashboardPages.Add) {
        add(.post, "/incidents/{id}/assessment", .administer) { _, context, visit in
            let id = try context.parameters.require("id")
            let ws = try environment.workspace(for: visit.token)
            let now = environment.now()
            try await blocking {
                guard let shown = try ws.register.assessmentToShow(incidentID: id).shown else {
                    throw Problem.conflict(visit.word("assessment.none"))
                }
                let choice: Assessments.Choice
                switch visit.form["decision"] {
                case "confirm": choice = .confirm
                case "override":
                    func yesNo(_ field: String) -> Bool? { visit.form[field].flatMap { $0 == "yes" ? true : $0 == "no" ? false : nil } }
                    choice = .override(notifyAuthority: yesNo("notify_authority"), communicateToSubjects: yesNo("communicate_to_subjects"),
                                       reason: visit.form["reason"] ?? "")
                default: throw Problem.unprocessable(field: "decision", visit.word("assessment.choose"))
                }
                let decision = try Assessments.decision(on: shown.record.assessment, choice)
                _ = try Assessments.record(ws, incidentID: id, assessment: shown.record.assessment, decision: decision, source: "dashboard",
                                           language: visit.language == .fr ? .fr : .en, at: now)
            }
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(id)#assessment")
        }
        // Sending mails: the first POST shows what would be sent; only the second, with confirm=yes, sends.
        add(.post, "/incidents/{id}/authorities/{authority}/send", .administer) { _, context, visit in
            let n = try pages.notification(context, visit, complementary: visit.form["phase"] == "complementary")
            guard visit.form["confirm"] == "yes" else {
                let rendered = try n.render()
                return try pages.page(visit, "confirm-send", [
                    "incident": n.record.id, "authority": n.authority.id, "authorityName": n.authority.name,
                    "phase": n.phaseName, "phaseLabel": visit.word("phase.\(n.phaseName)"), "portal": n.authority.channel == .portal,
                    "fingerprint": n.authority.fingerprint, "address": n.authority.address,
                    "subject": rendered.subject, "text": rendered.text,
                ])
            }
            _ = try await n.sendAndRecord()
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(n.record.id)#notifications")
        }
        add(.post, "/incidents/{id}/authorities/{authority}/reference", .administer) { _, context, visit in
            let reference = (visit.form["reference"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !reference.isEmpty else { throw Problem.unprocessable(field: "reference", visit.word("reference.empty")) }
            let n = try pages.notification(context, visit, complementary: visit.form["phase"] == "complementary")
            _ = try await blocking { try n.recordReference(reference) }
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(n.record.id)#notifications")
        }
        // Starting the campaign mails people: the first POST shows how many and in which
        // languages; only the second, with confirm=yes, starts it.
        add(.post, "/incidents/{id}/campaign/start", .campaign) { _, context, visit in
            let id = try context.parameters.require("id")
            let ws = try environment.workspace(for: visit.token)
            guard visit.form["confirm"] == "yes" else {
                let now = environment.now()
                let (due, languages, decision) = try await blocking {
                    _ = try ws.register.incident(id)  // an unknown incident is a 404, not an empty page
                    return (try ws.register.sendableSubjects(incidentID: id, at: now),
                            try ws.register.subjectLanguages(incidentID: id, states: [.queued, .deferred]),
                            try ws.register.assessmentToShow(incidentID: id).shown?.record.decision)
                }
                return try pages.page(visit, "confirm-campaign", [
                    // The DPO may still tell the people against the decision in force, but is told first.
                    "againstDecision": decision.map { !$0.communicateToSubjects } ?? false,
                    "incident": id, "total": due.queued + due.sending + due.dueDeferred,
                    "queued": due.queued, "sending": due.sending, "deferred": due.dueDeferred,
                    "hasLanguages": !languages.isEmpty, "peopleLanguages": languages.keys.sorted().map { ["language": visit.word("language.\($0)"), "count": languages[$0]!.count] },
                ])
            }
            try await environment.campaigns.start(ws, incidentID: id)
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(id)#campaign")
        }
        add(.post, "/incidents/{id}/campaign/pause", .campaign) { _, context, visit in
            let id = try context.parameters.require("id")
            _ = try await environment.campaigns.pause(try environment.workspace(for: visit.token), incidentID: id)
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(id)#campaign")
        }
        add(.post, "/incidents/{id}/campaign/resume", .campaign) { _, context, visit in
            let id = try context.parameters.require("id")
            try await environment.campaigns.resume(try environment.workspace(for: visit.token), incidentID: id)
            return Dashboard.redirect("\(Dashboard.prefix)/incidents/\(id)#campaign")
        }
    }
}
