import BreachApp
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

extension Status {
    /// As a processor: per configured controller, when it got the notice (Art. 33(2)) measured
    /// from awareness, or how long it has been waiting. Nothing when no controller is configured.
    func printControllerNotices(_ ws: Workspace, record: IncidentRecord, zone: TimeZone, now: Date) throws {
        let controllers = ws.configuration.controllers
        guard !controllers.isEmpty else { return }
        let awareness = record.incident.awareness.instant
        let notices = try ws.register.controllerNotices(incidentID: record.id)
        print("Controllers (processor's notice, GDPR Art. 33(2))")
        for c in controllers {
            let mine = notices.filter { $0.controllerID == c.id }
            if let first = mine.first(where: \.reachedController), let at = first.recordedDate {
                var line = "  \(c.id)  notified at \(TimeText.local(at, zone)) (\(DurationText.hoursAndMinutes(at.timeIntervalSince(awareness))) after awareness)"
                line += first.status == .sent ? "  \(first.channel)  Message-ID <\(first.messageID)>" : "  \(first.channel)  reference \(first.reference)"
                if let reference = mine.last(where: { $0.status == .recorded && !$0.reference.isEmpty })?.reference, first.status == .sent {
                    line += "  reference \(reference)"
                }
                print(line)
            } else {
                print("  \(c.id)  not yet notified — \(DurationText.hoursAndMinutes(now.timeIntervalSince(awareness))) since awareness (Art. 33(2): without undue delay)")
                if let written = mine.last(where: { $0.status == .prepared }) {
                    print("        written to \(written.deliveredTo): hand it over, then `breachmail controller record \(record.id) --controller \(c.id) --reference REF`")
                } else if let refused = mine.last, refused.status == .refused {
                    print("        last attempt refused (\(StatusText.refusal(refused.refusalKind))): nothing sent; `breachmail controller send \(record.id) --controller \(c.id)`")
                } else {
                    print("        send it: breachmail controller send \(record.id) --controller \(c.id)")
                }
            }
        }
    }
}
