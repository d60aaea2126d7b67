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
    public static func percent(_ part: Int, _ whole: Int) -> String {
        whole == 0 ? "0 %" : String(format: "%.2f %%", Double(part) * 100 / Double(whole))
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

    public static func recommendation(_ rec: EscalationRecommendation, policy p: EscalationPolicy, incidentID: String, zone: TimeZone) -> String {
        let rule = "more than \(threshold(p.unreachableShare)) of the people concerned or more than \(p.unreachableCount) people"
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
            let why = [overShare ? "more than \(threshold(p.unreachableShare))" : nil,
                       overCount ? "more than \(p.unreachableCount) people" : nil].compactMap { $0 }.joined(separator: " and ")
            return "RECOMMENDED under GDPR Art. 34(3)(c), for the \(u) people who could not be reached one by one "
                + "(\(u) of \(total), \(percent(u, total)): \(why)). Not for the \(total - u) others, who were written to or can be. "
                + "Draft and evidence: `breachmail public-notice \(incidentID)`"
        case .individualNoticesSuffice(let u, let total):
            return "not recommended: \(u) of \(total) unreachable (\(percent(u, total))), not \(rule); "
                + "the individual notices suffice"
        }
    }
}
