import BreachTestSupport
import Foundation
import Testing

/// Issue 12 §1: the 72-hour clock of each authority stops when that authority is notified; a
/// late notification says by how much and whether its reasons are recorded; an authority the
/// decision in force says need not be notified shows that decision; a complementary notification
/// has its own state and never reopens the clock. On the real binary, with the example incident
/// (awareness 2026-10-23 10:00 +02:00, deadline 2026-10-26 09:00 +01:00).
@Suite("the 72-hour clock per authority")
struct ClockCLITests {
    static let afterDeadline = "2026-10-27T12:00:00+01:00"

    func status(_ w: Workdir, at now: String) throws -> (text: String, json: [String: Any]) {
        let text = try w.run(["status", Workdir.id], now: now)
        #expect(text.status == 0, "\(text.stderr)")
        let json = try w.run(["status", Workdir.id, "--json"], now: now)
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        return (text.stdout, try #require(document["clock"] as? [String: Any]))
    }

    func authority(_ clock: [String: Any], _ id: String) throws -> [String: Any] {
        let all = try #require(clock["authorities"] as? [[String: Any]])
        return try #require(all.first { $0["authority"] as? String == id })
    }

    /// The example incident with `delay_reasons` (and any other change) filled in, recorded as a new version.
    func update(_ w: Workdir, at now: String, _ change: (String) -> String) throws {
        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")
        let file = w.temp.file("incident-updated.yaml")
        try change(try String(contentsOf: example, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        let updated = try w.run(["incident", "update", Workdir.id, file.path], now: now)
        #expect(updated.status == 0, "\(updated.stderr)")
    }

    @Test func theClockStopsForEachAuthorityWhenItIsNotified() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        #expect(try w.run(["authority", "send", Workdir.id, "--authority", "cnpd"], now: "2026-10-24T10:00:00+02:00").status == 0)
        #expect(try w.run(["authority", "send", Workdir.id, "--authority", "cnil"], now: "2026-10-24T10:30:00+02:00").status == 0)

        // CNPD notified; the CNIL's form is prepared but not submitted: its clock runs on.
        let (during, duringJSON) = try status(w, at: "2026-10-24T11:00:00+02:00")
        #expect(during.contains("Clock       47 h 00 min left (cnil not yet notified)\n"), "\(during)")
        #expect(during.contains("            cnpd  notified in time at 2026-10-24 10:00 +02:00 (Europe/Luxembourg) (sent), 48 h 00 min before the deadline\n"), "\(during)")
        #expect(during.contains("            cnil  not yet notified: 47 h 00 min left\n"), "\(during)")
        #expect(during.contains("form content prepared 2026-10-24 10:30 +02:00 (Europe/Luxembourg), not submitted yet"), "\(during)")
        #expect(duringJSON["state"] as? String == "running")
        #expect(duringJSON["pending"] as? [String] == ["cnil"])

        #expect(try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-2026-0042"],
                          now: "2026-10-24T12:00:00+02:00").status == 0)

        // After the deadline: notified in time, never "OVERDUE".
        let (after, afterJSON) = try status(w, at: Self.afterDeadline)
        #expect(after.contains("Clock       notified in time (cnpd, sent; cnil, recorded ref CNIL-2026-0042)\n"), "\(after)")
        #expect(after.contains("            cnil  notified in time at 2026-10-24 12:00 +02:00 (Europe/Luxembourg) (recorded, reference CNIL-2026-0042), 46 h 00 min before the deadline\n"), "\(after)")
        #expect(!after.contains("OVERDUE"))
        #expect(!after.contains("delay_reasons"))
        #expect(afterJSON["state"] as? String == "notified_in_time")
        let cnil = try authority(afterJSON, "cnil")
        #expect(cnil["state"] as? String == "notified")
        #expect(cnil["in_time"] as? Bool == true)
        #expect(cnil["reference"] as? String == "CNIL-2026-0042")
        #expect(cnil["notified_at"] as? String == "2026-10-24T10:00:00Z")
        let list = try w.run(["incident", "list"], now: Self.afterDeadline)
        #expect(list.stdout == "BR-2026-0001  v1  notified in time  Rançongiciel sur la base des adhérents\n")

        // A complementary notification after the deadline has its own state; the clock stays stopped.
        try update(w, at: "2026-10-28T09:00:00+01:00") { $0.replacingOccurrences(of: "approximate_subjects: 412", with: "approximate_subjects: 430") }
        let complement = try w.run(["authority", "send", Workdir.id, "--authority", "cnpd", "--complementary"], now: "2026-10-28T10:00:00+01:00")
        #expect(complement.status == 0, "\(complement.stderr)")
        let (later, laterJSON) = try status(w, at: "2026-10-28T11:00:00+01:00")
        #expect(later.contains("Clock       notified in time (cnpd, sent; cnil, recorded ref CNIL-2026-0042)\n"), "\(later)")
        #expect(later.contains("complementary (Art. 33(4)) sent 2026-10-28 10:00 +01:00 (Europe/Luxembourg)"), "\(later)")
        #expect(laterJSON["state"] as? String == "notified_in_time")
        #expect((try authority(laterJSON, "cnpd")["complementary"] as? [[String: Any]])?.count == 1)
    }

    @Test func aLateNotificationSaysByHowMuchAndWhetherItsReasonsAreRecorded() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let (overdue, overdueJSON) = try status(w, at: "2026-10-26T12:30:00+01:00")
        #expect(overdue.contains("Clock       OVERDUE by 3 h 30 min\n            A notification now must give the reasons for the delay (recital 85)"), "\(overdue)")
        #expect(overdueJSON["state"] as? String == "overdue")
        #expect(overdueJSON["overdue_seconds"] as? Int == 12_600)

        try update(w, at: "2026-10-26T12:00:00+01:00") {
            $0.replacingOccurrences(of: "delay_reasons: \"\"", with: "delay_reasons: \"The backup server had to be examined before the scope was known.\"")
        }
        #expect(try w.run(["authority", "send", Workdir.id, "--authority", "cnpd"], now: "2026-10-26T12:30:00+01:00").status == 0)
        let (partly, _) = try status(w, at: "2026-10-26T13:00:00+01:00")
        #expect(partly.contains("Clock       OVERDUE by 4 h 00 min (cnil not yet notified)\n"), "\(partly)")
        #expect(partly.contains("            cnpd  notified late by 3 h 30 min at 2026-10-26 12:30 +01:00 (Europe/Luxembourg) (sent); reasons for the delay recorded\n"), "\(partly)")

        #expect(try w.run(["authority", "send", Workdir.id, "--authority", "cnil"], now: "2026-10-26T13:00:00+01:00").status == 0)
        #expect(try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-7"], now: "2026-10-26T14:00:00+01:00").status == 0)
        let (late, lateJSON) = try status(w, at: Self.afterDeadline)
        #expect(late.contains("Clock       notified late by 5 h 00 min (cnpd, sent; cnil, recorded ref CNIL-7); reasons for the delay recorded\n"), "\(late)")
        #expect(lateJSON["state"] as? String == "notified_late")
        #expect(lateJSON["late_seconds"] as? Int == 18_000)
        #expect(try authority(lateJSON, "cnpd")["late_seconds"] as? Int == 12_600)
        let list = try w.run(["incident", "list"], now: Self.afterDeadline)
        #expect(list.stdout.hasPrefix("BR-2026-0001  v2  notified late by 5 h 00 min (reasons recorded)  "), "\(list.stdout)")
    }

    @Test func anAuthorityTheDecisionSaysNeedNotBeNotifiedShowsThatDecision() throws {
        let w = try Workdir()
        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        let decided = try w.run(["incident", "assess", Workdir.id, "--answers", answers, "--override-authority", "no",
                                 "--reason", "The laptop was found unopened within the hour."])
        #expect(decided.status == 0, "\(decided.stderr)")
        let (text, json) = try status(w, at: Self.afterDeadline)
        #expect(text.contains("Clock       no notification required: the decision in force (entry 2, decided against the recommendation by test-dpo) is not to notify the authority"), "\(text)")
        #expect(text.contains("            cnpd  not required: the decision in force (entry 2"), "\(text)")
        #expect(!text.contains("OVERDUE"))
        #expect(json["state"] as? String == "not_required")
        #expect(try authority(json, "cnil")["decision_entry"] as? Int == 2)
        let list = try w.run(["incident", "list"], now: Self.afterDeadline)
        #expect(list.stdout == "BR-2026-0001  v1  no notification required  Rançongiciel sur la base des adhérents\n")
    }
}
