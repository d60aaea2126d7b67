public import BreachConfig
public import BreachCore
import BreachRegister
public import Foundation

/// Reach of one incident, read from the register: subject states and the bounces credited.
public struct ReachReport {
    public let reach: Reach
    public let policy: EscalationPolicy
    public let recommendation: EscalationRecommendation

    public init(_ ws: Workspace, incidentID: String, now: Date) throws {
        let policy = Self.policy(ws.configuration.escalation)
        self.reach = try ws.register.reach(incidentID: incidentID, now: now, window: policy.window)
        self.policy = policy
        recommendation = policy.recommend(reach, now: now)
    }

    public static func policy(_ e: Configuration.Escalation) -> EscalationPolicy {
        EscalationPolicy(windowHours: e.windowHours, unreachableShare: e.unreachableShare,
                         unreachableCount: e.unreachableCount, senderSideShare: e.senderSideShare)
    }

}

/// The words for reach and the recommendation, shared by `status` and `public-notice`.
public enum ReachText {
    /// `12.50 %`; `12,50 %` in French and German.
    public static func percent(_ part: Int, _ whole: Int, language: Language = .en) -> String {
        let text = whole == 0 ? "0 %" : String(format: "%.2f %%", Double(part) * 100 / Double(whole))
        return language == .en ? text : text.replacingOccurrences(of: ".", with: ",")
    }

    public static func threshold(_ share: Double) -> String {
        var text = String(format: "%.2f", share * 100)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return "\(text) %"
    }

    public static func lines(_ r: Reach, window hours: Int, zone: TimeZone) -> [String] {
        var lines = ["\(r.total) people concerned; retry window \(hours) h after each notice"
            + (r.windowEnds.map { ", the last one ends \(TimeText.local($0, zone))" } ?? "")]
        lines.append("submitted \(r.submitted): delivered \(r[.delivered]), awaiting the window \(r[.awaitingWindow]), "
            + "transient pending \(r[.transientPending]), hard-bounced \(r[.hardBounced]), sender-side \(r[.senderSide])")
        lines.append("retries exhausted \(r[.retriesExhausted]), no address \(r[.noAddress]), render failed \(r[.renderFailed]), "
            + "in progress \(r[.inProgress]), delay notices \(r.delayNotices)")
        lines.append("unreachable \(r.unreachable) of \(r.total) (\(percent(r.unreachable, r.total))) = no address \(r[.noAddress]) "
            + "+ hard bounces \(r[.hardBounced]) + retries exhausted \(r[.retriesExhausted])")
        if r[.renderFailed] > 0 {
            lines.append("\(r[.renderFailed]) message(s) could not be composed: fix the templates (`breachmail templates check`) "
                + "and send them; these people have an address, so they are not counted as unreachable")
        }
        return lines
    }

    /// The recommendation explained, in `language` (English by default: `status`, `public-notice`;
    /// the dashboard and the register report pass theirs).
    public static func recommendation(_ rec: EscalationRecommendation, policy p: EscalationPolicy, incidentID: String, zone: TimeZone,
                                      language: Language = .en) -> String {
        let share = threshold(p.unreachableShare), count = p.unreachableCount
        func percent(_ part: Int, _ whole: Int) -> String { Self.percent(part, whole, language: language) }
        switch language {
        case .en: break
        case .fr:
            let rule = "plus de \(share) des personnes concernées ou plus de \(count) personnes"
            switch rec {
            case .nobodyImported:
                return "rien à décider : personne n'est encore importé (`breachmail subjects import \(incidentID) FILE`)"
            case .fixSendingSetup(let n, let submitted):
                return "RÉPAREZ D'ABORD LE DISPOSITIF D'ENVOI : \(n) des \(submitted) notifications remises (\(percent(n, submitted)), seuil "
                    + "\(threshold(p.senderSideShare))) ont été refusées à cause de notre dispositif d'envoi (blocages, spam, politique, "
                    + "authentification, limites de débit). Ce n'est pas le fait des personnes : réparez le relais, SPF/DKIM/DMARC ou la "
                    + "réputation, puis écrivez-leur de nouveau. Aucune communication publique n'est recommandée sur cette base."
            case .campaignUnfinished(let n):
                return "pas encore décidé : \(n) personnes sont encore en file, en cours d'envoi ou différées ; terminez d'abord la campagne"
            case .decideAt(let end):
                return "pas encore décidé : des rejets peuvent encore arriver jusqu'au \(TimeText.local(end, zone)) ; décidé alors (\(rule) injoignables)"
            case .publicCommunication(let u, let total, let overShare, let overCount):
                let why = [overShare ? "plus de \(share)" : nil, overCount ? "plus de \(count) personnes" : nil].compactMap { $0 }.joined(separator: " et ")
                return "RECOMMANDÉE au titre de l'art. 34(3)(c) du RGPD, pour les \(u) personnes qui n'ont pas pu être jointes individuellement "
                    + "(\(u) sur \(total), \(percent(u, total)) : \(why)). Pas pour les \(total - u) autres, à qui l'on a écrit ou que l'on peut joindre. "
                    + "Projet et éléments de preuve : `breachmail public-notice \(incidentID)`"
            case .individualNoticesSuffice(let u, let total):
                return "non recommandée : \(u) sur \(total) injoignables (\(percent(u, total))), pas \(rule) ; les notifications individuelles suffisent"
            }
        case .de:
            let rule = "mehr als \(share) der betroffenen Personen oder mehr als \(count) Personen"
            switch rec {
            case .nobodyImported:
                return "nichts zu entscheiden: noch niemand importiert (`breachmail subjects import \(incidentID) FILE`)"
            case .fixSendingSetup(let n, let submitted):
                return "ZUERST DEN VERSAND REPARIEREN: \(n) von \(submitted) eingelieferten Mitteilungen (\(percent(n, submitted)), Schwelle "
                    + "\(threshold(p.senderSideShare))) wurden wegen unseres Versands abgelehnt (Sperren, Spam, Richtlinien, "
                    + "Authentifizierung, Ratenbegrenzung). Das liegt nicht an den Personen: Relay, SPF/DKIM/DMARC oder Reputation "
                    + "reparieren, dann erneut an sie senden. Darauf gestützt wird keine öffentliche Bekanntmachung empfohlen."
            case .campaignUnfinished(let n):
                return "noch nicht entschieden: \(n) Personen sind noch in der Warteschlange, im Versand oder zurückgestellt; zuerst die Kampagne beenden"
            case .decideAt(let end):
                return "noch nicht entschieden: Rückläufer können bis \(TimeText.local(end, zone)) eintreffen; dann entschieden (\(rule) unerreichbar)"
            case .publicCommunication(let u, let total, let overShare, let overCount):
                let why = [overShare ? "mehr als \(share)" : nil, overCount ? "mehr als \(count) Personen" : nil].compactMap { $0 }.joined(separator: " und ")
                return "EMPFOHLEN nach Art. 34 Abs. 3 Buchst. c DSGVO, für die \(u) Personen, die nicht einzeln erreicht werden konnten "
                    + "(\(u) von \(total), \(percent(u, total)): \(why)). Nicht für die \(total - u) anderen, die angeschrieben wurden oder erreichbar sind. "
                    + "Entwurf und Nachweise: `breachmail public-notice \(incidentID)`"
            case .individualNoticesSuffice(let u, let total):
                return "nicht empfohlen: \(u) von \(total) unerreichbar (\(percent(u, total))), nicht \(rule); die einzelnen Mitteilungen genügen"
            }
        }
        let rule = "more than \(share) of the people concerned or more than \(count) people"
        switch rec {
        case .nobodyImported:
            return "nothing to decide: no people imported yet (`breachmail subjects import \(incidentID) FILE`)"
        case .fixSendingSetup(let n, let submitted):
            return "FIX THE SENDING SET-UP FIRST: \(n) of \(submitted) submitted notices (\(percent(n, submitted)), threshold "
                + "\(threshold(p.senderSideShare))) were refused because of our sending set-up (blocks, spam, policy, "
                + "authentication, rate limits). That is not the people's fault: fix the relay, SPF/DKIM/DMARC or reputation, "
                + "then send to them again. No public communication is recommended on that basis."
        case .campaignUnfinished(let n):
            return "not decided yet: \(n) people are still queued, being sent or deferred; finish the campaign first"
        case .decideAt(let end):
            return "not decided yet: bounces may still arrive until \(TimeText.local(end, zone)); decided then (\(rule) unreachable)"
        case .publicCommunication(let u, let total, let overShare, let overCount):
            let why = [overShare ? "more than \(share)" : nil, overCount ? "more than \(count) people" : nil].compactMap { $0 }.joined(separator: " and ")
            return "RECOMMENDED under GDPR Art. 34(3)(c), for the \(u) people who could not be reached one by one "
                + "(\(u) of \(total), \(percent(u, total)): \(why)). Not for the \(total - u) others, who were written to or can be. "
                + "Draft and evidence: `breachmail public-notice \(incidentID)`"
        case .individualNoticesSuffice(let u, let total):
            return "not recommended: \(u) of \(total) unreachable (\(percent(u, total))), not \(rule); "
                + "the individual notices suffice"
        }
    }
}
