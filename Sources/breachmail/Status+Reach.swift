import BreachApp
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

extension Status {
    /// Who was reached, and whether a public communication (Art. 34(3)(c)) is recommended.
    func printReach(_ ws: Workspace, report: ReachReport, incidentID: String, zone: TimeZone) throws {
        guard report.reach.total > 0 else {
            print(Message.reach.heading + "no people imported yet")
            return
        }
        for (n, line) in ReachText.lines(report.reach, window: ws.configuration.escalation.windowHours, zone: zone).enumerated() {
            print((n == 0 ? Message.reach.heading : Message.headingIndent) + line)
        }
        print(Message.publicNotice.heading + ReachText.recommendation(report.recommendation, policy: report.policy, incidentID: incidentID, zone: zone))
        let review = try ws.register.bouncesAwaitingReview(incidentID: incidentID)
        if review > 0 {
            print(Message.review.heading + "\(review) bounce\(review == 1 ? "" : "s") without a verified token wait\(review == 1 ? "s" : "") for the DPO "
                + "(counted for no one until confirmed): `breachmail bounces review --incident \(incidentID)`")
        }
    }
}
