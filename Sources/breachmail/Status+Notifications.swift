import BreachApp
import BreachCore
import BreachRegister
import Foundation

extension Status {
    /// The notifications to authorities: sent, prepared for a portal, recorded, refused.
    func printNotifications(_ ws: Workspace, incidentID: String, zone: TimeZone) throws {
        let notifications = try ws.register.notifications(incidentID: incidentID)
        guard !notifications.isEmpty else {
            print("Authority   not notified yet: breachmail authority send \(incidentID)")
            return
        }
        print("Authority notifications")
        for n in notifications {
            let when = n.recordedDate.map { TimeText.local($0, zone) } ?? n.recordedAt
            var line = "  \(when)  \(n.authorityID)  \(n.phase.rawValue)  \(n.channel)  \(n.status.rawValue)"
            switch n.status {
            case .sent: line += "  Message-ID <\(n.messageID)>"
            case .prepared: line += "  \(n.deliveredTo): submit on the form, then `authority record`"
            case .recorded: line += "  reference \(n.authorityReference)"
            case .refused: line += "  \(n.refusalKind): nothing sent"
            }
            print(line)
        }
        // Read by the scheduler from scheduler.acknowledgements without a reference it could be sure of.
        for ack in try AcknowledgementFetch.pending(ws.register, incidentID: incidentID) {
            let when = ZonedTime(rfc3339: ack.receivedAt).map { TimeText.local($0.instant, zone) } ?? ack.receivedAt
            print("  \(when)  \(ack.authority)  \(ack.phase)  acknowledgement received (Message-ID <\(ack.messageID)>), reference to confirm: "
                + "breachmail authority record \(incidentID) --authority \(ack.authority) --reference REF\(ack.phase == "complementary" ? " --complementary" : "")")
        }
    }
}
