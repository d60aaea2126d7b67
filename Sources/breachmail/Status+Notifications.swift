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
        let rows = notifications.map { n -> [String] in
            let when = n.recordedDate.map { TimeText.local($0, zone) } ?? n.recordedAt
            let detail = switch n.status {
            case .sent: "Message-ID <\(n.messageID)>"
            case .prepared: "\(n.deliveredTo): submit on the form, then `authority record`"
            case .recorded: "reference \(n.authorityReference)"
            case .refused: "\(StatusText.refusal(n.refusalKind)); nothing sent"
            }
            return [when, n.authorityID, n.phase.rawValue, n.channel, n.status.rawValue, detail]
        }
        StatusText.columns(rows, indent: "  ").forEach { print($0) }
        // Read by the scheduler from scheduler.acknowledgements without a reference it could be sure of.
        for ack in try AcknowledgementFetch.pending(ws.register, incidentID: incidentID) {
            let when = ZonedTime(rfc3339: ack.receivedAt).map { TimeText.local($0.instant, zone) } ?? ack.receivedAt
            print("  \(when)  \(ack.authority)  \(ack.phase)  acknowledgement received (Message-ID <\(ack.messageID)>), reference to confirm: "
                + AcknowledgementFetch.recordCommand(incidentID: incidentID, ack))
        }
    }
}
