import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import BreachTransport
import Foundation

/// The scheduler's own short mails to the DPO and the response team, in the first language of
/// the first authority when breachmail has its words (fr, en, de), else English. Counts and
/// incident facts only: never a name or an address of the people concerned. A small renderer
/// of its own rather than the notice templates: these mails are internal, carry no variable a
/// controller would word differently, and must not fail because a template was edited.
struct SchedulerMail {
    let ws: Workspace
    let now: Date

    struct Text {
        let subject: String
        let body: String
    }

    var language: Language {
        ws.configuration.authorities.first?.languages.first.flatMap { Language(rawValue: $0) } ?? .en
    }

    private func pick(_ fr: String, _ en: String, _ de: String) -> String {
        switch language {
        case .fr: fr
        case .en: en
        case .de: de
        }
    }

    private func when(_ date: Date, _ record: IncidentRecord) -> String { TimeText.local(date, ws.zone(for: record.incident)) }

    private var footer: String {
        pick("— breachmail (message automatique du planificateur ; ne pas répondre)",
             "— breachmail (sent automatically by the scheduler; do not reply)",
             "— breachmail (automatisch vom Planer gesendet; bitte nicht antworten)")
    }

    private func title(_ record: IncidentRecord) -> String { "\(record.id) — \(record.incident.title)" }

    /// 24 h or 6 h before the 72-hour deadline, or once it passed, while authorities are not notified.
    func deadline(_ record: IncidentRecord, stage: String, due: Date, pending: [String]) -> Text {
        let ids = pending.joined(separator: ", ")
        let subject: String, lead: String
        if stage == "passed" {
            subject = pick("\(record.id) : le délai de 72 heures est dépassé", "\(record.id): the 72-hour deadline has passed",
                           "\(record.id): die 72-Stunden-Frist ist abgelaufen")
            lead = pick("Le délai de notification à l'autorité de contrôle (RGPD art. 33(1)) a expiré le \(when(due, record)). "
                            + "Une notification tardive doit indiquer les motifs du retard (considérant 85).",
                        "The deadline to notify the supervisory authority (GDPR Art. 33(1)) passed at \(when(due, record)). "
                            + "A late notification must give the reasons for the delay (recital 85).",
                        "Die Frist für die Meldung an die Aufsichtsbehörde (DSGVO Art. 33 Abs. 1) ist am \(when(due, record)) abgelaufen. "
                            + "Eine verspätete Meldung muss die Gründe für die Verzögerung angeben (Erwägungsgrund 85).")
        } else {
            let hours = stage.dropFirst("before-".count).dropLast()
            subject = pick("\(record.id) : \(hours) h pour notifier l'autorité", "\(record.id): \(hours) h left to notify the authority",
                           "\(record.id): noch \(hours) Std. für die Meldung an die Behörde")
            lead = pick("Le délai de notification à l'autorité de contrôle (RGPD art. 33(1)) expire le \(when(due, record)).",
                        "The deadline to notify the supervisory authority (GDPR Art. 33(1)) is \(when(due, record)).",
                        "Die Frist für die Meldung an die Aufsichtsbehörde (DSGVO Art. 33 Abs. 1) endet am \(when(due, record)).")
        }
        let body = [title(record), "", lead, "",
                    pick("Pas encore notifiée(s) : \(ids)", "Not yet notified: \(ids)", "Noch nicht gemeldet: \(ids)"),
                    pick("État : breachmail status \(record.id)", "Status: breachmail status \(record.id)", "Stand: breachmail status \(record.id)"),
                    "", footer]
        return Text(subject: subject, body: body.joined(separator: "\n"))
    }

    /// A reach recommendation recorded (the first, or a change).
    func reachDecided(_ record: IncidentRecord, recommendation: String, counts r: Reach) -> Text {
        let what: String
        switch recommendation {
        case "public_communication":
            what = pick("communication publique recommandée (RGPD art. 34(3)(c))", "public communication recommended (GDPR Art. 34(3)(c))",
                        "öffentliche Bekanntmachung empfohlen (DSGVO Art. 34 Abs. 3 lit. c)")
        case "fix_sending_setup":
            what = pick("corriger d'abord la configuration d'envoi", "fix the sending set-up first", "zuerst die Versandeinrichtung korrigieren")
        default:
            what = pick("les notifications individuelles suffisent", "the individual notices suffice", "die Einzelbenachrichtigungen genügen")
        }
        let body = [title(record), "",
                    pick("Portée des notifications : \(what).", "Reach of the notices: \(what).", "Reichweite der Benachrichtigungen: \(what)."),
                    pick("Injoignables : \(r.unreachable) sur \(r.total) ; envois acceptés : \(r.submitted).",
                         "Unreachable: \(r.unreachable) of \(r.total); notices submitted: \(r.submitted).",
                         "Nicht erreichbar: \(r.unreachable) von \(r.total); angenommene Sendungen: \(r.submitted)."),
                    pick("Détails : breachmail status \(record.id)", "Details: breachmail status \(record.id)", "Einzelheiten: breachmail status \(record.id)"),
                    "", footer]
        return Text(subject: "\(record.id): \(what)", body: body.joined(separator: "\n"))
    }

    private func role(_ role: Configuration.ResponseTeamMember.Role) -> String {
        switch role {
        case .it: pick("informatique", "IT", "IT")
        case .legal: pick("juridique", "legal", "Recht")
        case .communication: pick("communication", "communication", "Kommunikation")
        }
    }

    /// To a member of the response team: an incident was opened.
    func opened(_ record: IncidentRecord, role member: Configuration.ResponseTeamMember.Role) -> Text {
        let dpo = ws.configuration.dpo
        let due = record.incident.deadline.due
        let body = [title(record), "",
                    pick("Un incident de violation de données a été ouvert dans le registre.", "A personal data breach was opened in the register.",
                         "Eine Datenschutzverletzung wurde im Verzeichnis eröffnet."),
                    pick("Délai de notification à l'autorité : \(when(due, record)).", "Deadline to notify the authority: \(when(due, record)).",
                         "Frist für die Meldung an die Behörde: \(when(due, record))."),
                    pick("Votre rôle dans l'équipe de réponse : \(role(member)).", "Your role in the response team: \(role(member)).",
                         "Ihre Rolle im Reaktionsteam: \(role(member))."),
                    pick("DPO : \(dpo.name) <\(dpo.email)>", "DPO: \(dpo.name) <\(dpo.email)>", "DSB: \(dpo.name) <\(dpo.email)>"),
                    "", footer]
        return Text(subject: pick("Nouvel incident \(record.id)", "New incident \(record.id)", "Neuer Vorfall \(record.id)"),
                    body: body.joined(separator: "\n"))
    }

    /// To a member of the response team: the decision in force changed.
    func decision(_ record: IncidentRecord, notifyAuthority: Bool, communicateToSubjects: Bool,
                  role member: Configuration.ResponseTeamMember.Role) -> Text {
        func yes(_ b: Bool) -> String { b ? pick("oui", "yes", "ja") : pick("non", "no", "nein") }
        let body = [title(record), "",
                    pick("La décision en vigueur du DPO a changé :", "The DPO's decision in force changed:", "Die geltende Entscheidung des DSB hat sich geändert:"),
                    pick("- notifier l'autorité : \(yes(notifyAuthority))", "- notify the authority: \(yes(notifyAuthority))",
                         "- Meldung an die Behörde: \(yes(notifyAuthority))"),
                    pick("- informer les personnes concernées : \(yes(communicateToSubjects))", "- tell the people concerned: \(yes(communicateToSubjects))",
                         "- Benachrichtigung der Betroffenen: \(yes(communicateToSubjects))"),
                    pick("Votre rôle : \(role(member)).", "Your role: \(role(member)).", "Ihre Rolle: \(role(member))."),
                    "", footer]
        return Text(subject: pick("\(record.id) : décision modifiée", "\(record.id): decision changed", "\(record.id): Entscheidung geändert"),
                    body: body.joined(separator: "\n"))
    }

    /// Hands one mail to the configured transport; only an acceptance counts. `X-Breachmail-Duty`
    /// names the duty (`dpo.deadline`…), for a mailbox's filters.
    ///
    /// - Throws: ``AppError`` (`configuration`) for a wrong address or set-up, (`unavailable`) when the relay does not accept it.
    func send(to name: String, address: String, duty: String, _ text: Text) async throws {
        let c = ws.configuration
        let message: BreachCompose.OutgoingMessage
        let builder: MIMEBuilder
        do {
            message = BreachCompose.OutgoingMessage(
                from: try MailboxText.parse(c.mail.from), to: [try Mailbox(displayName: name, address: address)],
                subject: "[breachmail] " + text.subject, date: now, language: language.rawValue, text: text.body + "\n",
                extraHeaders: [(name: "Auto-Submitted", value: "auto-generated"), (name: "X-Breachmail-Duty", value: duty)])
            builder = try MIMEBuilder(messageIDDomain: c.mail.messageIDDomain)
        } catch {
            throw AppError(.configuration, "a scheduler mail cannot be addressed: \(error). Check mail.from, mail.message_id_domain, dpo.email and response_team in \(Configuration.fileName).")
        }
        let built = try builder.build(message)
        let envelope: Envelope
        do { envelope = try Envelope(returnPath: c.dpo.email, recipient: address) } catch {
            throw AppError(.configuration, "dpo.email or response_team: \(error)")
        }
        let transport = try MailSetup.transport(ws)
        let outcome = await transport.send(BreachCore.OutgoingMessage(id: "scheduler-\(UUID().uuidString)", envelope: envelope, bytes: built.bytes))
        await transport.shutdown()
        guard case .accepted = outcome else {
            throw AppError(.unavailable, "the scheduler's mail was not accepted by \(MailSetup.destination(ws)): \(outcome.failure.map { "\($0)" } ?? "unknown reason"); tried again at the next tick.")
        }
    }
}
