import BreachTestSupport
import Foundation
import Testing

/// Issue 17 §1: `authority send --json` and `authority record --json` on the real binary, each
/// output parsed and its keys checked: e-mail (PGP, to the outbox), portal, the record of the
/// portal's reference, and a refusal (still its exit status, with the reason in the object).
@Suite("authority --json")
struct AuthorityJSONTests {
    func object(_ result: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout) \(result.stderr)")
    }

    @Test func sendAndRecordGiveJSON() throws {
        let w = try Workdir()
        let fingerprint = try w.demoKey()
        let sent = try w.run(["authority", "send", Workdir.id, "--authority", "cnpd", "--json"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let email = try object(sent)
        #expect(Set(email.keys) == ["incident", "authority", "phase", "channel", "status", "encrypted", "message_id",
                                    "plaintext_sha256", "sent_sha256", "delivered_to", "fingerprint"], "\(email)")
        #expect(email["incident"] as? String == Workdir.id && email["authority"] as? String == "cnpd")
        #expect(email["phase"] as? String == "initial" && email["channel"] as? String == "email-pgp")
        #expect(email["status"] as? String == "sent" && email["encrypted"] as? Bool == true)
        #expect(email["fingerprint"] as? String == fingerprint)
        #expect(email["message_id"] as? String == (try w.sql("SELECT message_id FROM notification WHERE status = 'sent'")))
        #expect(email["sent_sha256"] as? String == (try w.sql("SELECT sent_sha256 FROM notification WHERE status = 'sent'")))
        #expect((email["delivered_to"] as? [String])?.count == 1)

        let portal = try object(try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--json"]))
        #expect(Set(portal.keys) == ["incident", "authority", "phase", "channel", "status", "encrypted", "plaintext_sha256",
                                     "sent_sha256", "delivered_to", "portal_url"], "\(portal)")
        #expect(portal["status"] as? String == "prepared" && portal["channel"] as? String == "portal" && portal["encrypted"] as? Bool == false)
        #expect(portal["portal_url"] as? String == "https://notifications.cnil.fr/notifications/index")
        let files = try #require(portal["delivered_to"] as? [String])
        #expect(files.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted() == ["BR-2026-0001-cnil-initial.html", "BR-2026-0001-cnil-initial.txt"])

        let recorded = try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-2026-0042", "--json"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let record = try object(recorded)
        #expect(Set(record.keys) == ["incident", "authority", "phase", "channel", "status", "encrypted", "plaintext_sha256",
                                     "sent_sha256", "delivered_to", "portal_url", "reference", "recorded"], "\(record)")
        #expect(record["status"] as? String == "recorded" && record["reference"] as? String == "CNIL-2026-0042")
        #expect(record["recorded"] as? String == "submission")

        // A refusal keeps its exit status and says why, in the object and on standard error.
        let refused = try w.run(["authority", "send", Workdir.id, "--authority", "cnpd", "--complementary", "--json"])
        #expect(refused.status == 65, "\(refused.stderr)")
        let refusal = try object(refused)
        #expect(Set(refusal.keys) == ["incident", "authority", "phase", "channel", "status", "encrypted", "fingerprint", "reason"], "\(refusal)")
        #expect(refusal["status"] as? String == "refused")
        #expect(refusal["phase"] as? String == "complementary")
        #expect((refusal["reason"] as? String)?.hasPrefix("nothing changed since the notification of ") == true, "\(refusal)")
        #expect(refused.stderr.hasPrefix("Refused: nothing changed"))
        #expect(try w.sql("SELECT refusal_kind FROM notification WHERE status = 'refused'") == "nothingChanged")
    }
}

/// Issue 17: the relay's refusal and a set-up of `mail.transport` that cannot be used are two
/// codes of the use case (`transport`, `transportSetup`), each with its exit status (69, 78) and
/// its words in `status`, told apart by the code and not by the text.
@Suite("authority refusal kinds")
struct AuthorityRefusalKindTests {
    @Test func aTransportSetUpRefusalHasItsOwnKind() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        try w.setConfig {
            $0.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://relay.example.lu:25")
              .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        }
        let clear = try w.run(["authority", "send", Workdir.id, "--json"])
        #expect(clear.status == 78, "\(clear.stderr)")
        #expect(clear.stderr.contains("clear text is allowed to a loopback host only"), "\(clear.stderr)")
        #expect(try w.sql("SELECT status, refusal_kind FROM notification") == "refused|transportSetup")
        let refusal = try #require(try JSONSerialization.jsonObject(with: Data(clear.stdout.utf8)) as? [String: Any])
        #expect(refusal["status"] as? String == "refused")
        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains("the sending set-up (mail.transport) must be fixed"), "\(status.stdout)")
        #expect(!status.stdout.contains("transportSetup"), "\(status.stdout)")
    }
}
