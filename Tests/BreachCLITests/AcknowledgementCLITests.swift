import BreachTestSupport
import Foundation
import Testing

/// The authority's acknowledgement read by `breachmail scheduler tick` (one process per tick) from
/// the DPO's mailbox on a real Dovecot: matched to the notification sent (its Message-ID in
/// In-Reply-To/References), the reference recorded as `authority record` records it, or left for
/// the DPO to confirm; each message handled once; the mailbox left as it was (nothing moved,
/// deleted or marked read).
@Suite(.serialized) struct AcknowledgementCLITests {
    let dir: TemporaryDirectory
    var work: URL { dir.url.appendingPathComponent("work") }
    var config: URL { work.appendingPathComponent("breachmail.yaml") }
    var register: String { work.appendingPathComponent("register.sqlite").path }
    static let made = "2026-10-24T08:00:00Z"
    static let password = "ack-imap-Pa55 word"
    static let id = "BR-2026-0001"

    init() throws {
        dir = try TemporaryDirectory("acknowledgement")
        try CommandRunner.makeExampleWorkingDirectory(work) { try bm($0, at: Self.made) }
        let key = try bm(["demo", "authority-key"], at: Self.made)
        try #require(key.status == 0, "\(key.stderr)")
    }

    func bm(_ args: [String], at now: String) throws -> ProcessResult {
        try CommandRunner.breachmail(args, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_NOW": now,
                                                         "BREACHMAIL_ACTOR": "test-dpo", "TEST_ACK_PASSWORD": Self.password])
    }

    @discardableResult
    func tick(at now: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try bm(["scheduler", "tick", "--json"], at: now)
        try #require(result.status == 0, "tick at \(now): \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }

    @discardableResult
    func sql(_ statement: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [register, statement])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The notification to the CNPD, sent (into the outbox) at 10:00 Luxembourg time; its Message-ID.
    func sendToCNPD() throws -> String {
        let sent = try bm(["authority", "send", Self.id, "--authority", "cnpd"], at: "2026-10-24T08:00:00Z")
        try #require(sent.status == 0, "\(sent.stderr)")
        let messageID = try sql("SELECT message_id FROM notification WHERE status = 'sent'")
        try #require(!messageID.isEmpty)
        return messageID
    }

    func configure(_ dovecot: DovecotTestServer) throws {
        var text = try String(contentsOf: config, encoding: .utf8)
        text += """

            scheduler:
              acknowledgements:
                url: imap://127.0.0.1:\(dovecot.port)/INBOX
                username: dpo
                password: {env: TEST_ACK_PASSWORD}
                allow_plaintext_loopback: true

            """
        try Data(text.utf8).write(to: config)
    }

    /// The CNPD's answer as Outlook writes it: multipart/alternative, quoted-printable, the
    /// notification quoted below a `De :` block, the subject of the encrypted envelope.
    static func outlookAcknowledgement(answering messageID: String) -> String {
        """
        Received: from mail.cnpd.lu (mail.cnpd.lu [192.0.2.25])\r
        \tby imap.exemple.lu with ESMTPS id 4Xk2; Sat, 24 Oct 2026 11:42:07 +0200\r
        From: CNPD - Violations de =?iso-8859-1?Q?donn=E9es?= <databreach@cnpd.lu>\r
        To: Marie Dupont <dpo@exemple.lu>\r
        Subject: =?iso-8859-1?Q?Accus=E9_de_r=E9ception?= - RE: Encrypted message\r
        Thread-Topic: Encrypted message\r
        Thread-Index: AQHbJx2k8V0d1n6Q0kS5qWqkqKQ2Hg==\r
        Date: Sat, 24 Oct 2026 09:42:05 +0000\r
        Message-ID: <AM9PR10MB4241A0B7E3C1D9F2@AM9PR10MB4241.EURPRD10.PROD.OUTLOOK.COM>\r
        References: <\(messageID)>\r
        In-Reply-To: <\(messageID)>\r
        Accept-Language: fr-LU, en-US\r
        Content-Language: fr-FR\r
        X-MS-Has-Attach:\r
        MIME-Version: 1.0\r
        Content-Type: multipart/alternative;\r
        \tboundary="_000_AM9PR10MB4241A0B7E3C1D9F2AM9PR10MB4241EURP_"\r
        \r
        --_000_AM9PR10MB4241A0B7E3C1D9F2AM9PR10MB4241EURP_\r
        Content-Type: text/plain; charset="iso-8859-1"\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        Madame, Monsieur,\r
        \r
        La Commission nationale pour la protection des donn=E9es accuse r=E9ception=\r
         de votre notification de violation de donn=E9es.\r
        \r
        Votre r=E9f=E9rence : BR-2026-0001\r
        Notre r=E9f=E9rence : CNPD/VD/2026/0457\r
        \r
        Merci de rappeler notre r=E9f=E9rence dans toute correspondance ult=E9rie=\r
        ure.\r
        \r
        Service Violations de donn=E9es\r
        T=E9l. : +352 26 10 60 - 1\r
        \r
        De : Marie Dupont <dpo@exemple.lu>\r
        Envoy=E9 : samedi 24 octobre 2026 10:00\r
        =C0 : databreach@cnpd.lu\r
        Objet : Encrypted message\r
        \r
        R=E9f=E9rence : BR-2026-0001-X999\r
        \r
        --_000_AM9PR10MB4241A0B7E3C1D9F2AM9PR10MB4241EURP_\r
        Content-Type: text/html; charset="iso-8859-1"\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        <html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; charset=\r
        =3Diso-8859-1"></head><body><p>Madame, Monsieur,</p><p>Votre r&eacute;f&eacute;=\r
        rence : BR-2026-0001<br>Notre r&eacute;f&eacute;rence : CNPD/VD/2026/0457</p></=\r
        body></html>\r
        \r
        --_000_AM9PR10MB4241A0B7E3C1D9F2AM9PR10MB4241EURP_--\r

        """
    }

    /// An answer as Thunderbird writes it, with no reference of the authority's own.
    static func thunderbirdAcknowledgement(answering messageID: String) -> String {
        """
        Message-ID: <6a1f0c2e-5b7d-4e0a-9c3b-1d2e3f4a5b6c@cnpd.lu>\r
        Date: Sat, 24 Oct 2026 12:05:31 +0200\r
        MIME-Version: 1.0\r
        User-Agent: Mozilla Thunderbird\r
        Subject: Re: Encrypted message\r
        Content-Language: fr\r
        To: Marie Dupont <dpo@exemple.lu>\r
        References: <\(messageID)>\r
        From: Luc Weber <luc.weber@cnpd.lu>\r
        In-Reply-To: <\(messageID)>\r
        Content-Type: text/plain; charset=UTF-8; format=flowed\r
        Content-Transfer-Encoding: 8bit\r
        \r
        Bonjour,\r
        \r
        Nous accusons bonne réception de votre notification et reviendrons vers \r
        vous si nécessaire.\r
        \r
        Cordialement,\r
        Luc Weber\r
        \r
        Le 24/10/2026 à 10:00, Marie Dupont a écrit :\r
        > Référence : BR-2026-0001\r

        """
    }

    /// Mail of the same mailbox that is not the authority's answer: a colleague's message about
    /// the incident, and the scheduler's own reminder to the DPO.
    static let unrelated = [
        """
        From: Luc Weber <legal@exemple.lu>\r
        To: dpo@exemple.lu\r
        Subject: BR-2026-0001 : notre référence interne LEG-2026-0042\r
        Message-ID: <legal-1@exemple.lu>\r
        Date: Sat, 24 Oct 2026 09:00:00 +0200\r
        \r
        Voir le dossier.\r

        """,
        """
        From: Exemple SARL <dpo@exemple.lu>\r
        To: Marie Dupont <dpo@exemple.lu>\r
        Subject: [breachmail] BR-2026-0001 : 24 h pour notifier l'autorité\r
        Message-ID: <reminder-1@exemple.lu>\r
        Auto-Submitted: auto-generated\r
        \r
        Pas encore notifiée(s) : cnil\r

        """,
    ]

    /// No message of the mailbox was moved, deleted or left marked read (`S` in a Maildir name).
    func expectMailboxUntouched(_ dovecot: DovecotTestServer, count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let names = dovecot.messages()
        #expect(names.count == count, "\(names)", sourceLocation: sourceLocation)
        #expect(names.allSatisfy { !($0.split(separator: ":").last.map { $0.hasPrefix("2,") && $0.contains("S") } ?? false) },
                "a message was left marked read: \(names)", sourceLocation: sourceLocation)
    }

    @Test func aLabelledReferenceIsRecordedOnceAndTheMailboxIsLeftAsItWas() throws {
        let messageID = try sendToCNPD()
        let dovecot = try DovecotTestServer(user: "dpo", password: Self.password)
        try dovecot.deliver(Array(Self.outlookAcknowledgement(answering: messageID).utf8), name: "1.ack")
        for (i, message) in Self.unrelated.enumerated() { try dovecot.deliver(Array(message.utf8), name: "\(i + 2).other") }
        try configure(dovecot)

        let first = try tick(at: "2026-10-24T10:00:00Z")
        #expect(first["acknowledgements_read"] as? Int == 1, "only the authority's answer is fetched: \(first) \(dovecot.log())")
        #expect(first["references_recorded"] as? Int == 1, "\(first)")
        #expect(try sql("SELECT status || ' ' || phase || ' ' || authority_reference || ' ' || message_id FROM notification ORDER BY id")
                == "sent initial  \(messageID)\nrecorded initial CNPD/VD/2026/0457 \(messageID)")
        #expect(try sql("SELECT actor FROM history WHERE kind = 'notification.recorded'") == "test-dpo")
        expectMailboxUntouched(dovecot, count: 3)
        let status = try bm(["status", Self.id], at: "2026-10-24T10:05:00Z")
        #expect(status.stdout.contains("cnpd  initial  email-pgp  recorded  reference CNPD/VD/2026/0457"), "\(status.stdout)")
        #expect(!status.stdout.contains("to confirm"))

        // Read again after bounce_poll_seconds: handled already, nothing recorded twice.
        let again = try tick(at: "2026-10-24T10:06:00Z")
        #expect(again["acknowledgements_read"] as? Int == 1)
        #expect(again["references_recorded"] as? Int == 0)
        #expect(try sql("SELECT COUNT(*) FROM notification WHERE status = 'recorded'") == "1")
        #expect(try sql("SELECT outcome FROM scheduled_duty WHERE duty = 'authority.ack'") == "reference")
        expectMailboxUntouched(dovecot, count: 3)
        #expect(try bm(["register", "verify"], at: "2026-10-24T10:07:00Z").status == 0)
    }

    @Test func anAcknowledgementWithoutAReferenceIsShownForTheDPOToConfirm() throws {
        let messageID = try sendToCNPD()
        let dovecot = try DovecotTestServer(user: "dpo", password: Self.password)
        try dovecot.deliver(Array(Self.thunderbirdAcknowledgement(answering: messageID).utf8), name: "1.ack")
        try configure(dovecot)

        let first = try tick(at: "2026-10-24T10:10:00Z")
        #expect(first["acknowledgements_to_confirm"] as? Int == 1, "\(first) \(dovecot.log())")
        #expect(first["references_recorded"] as? Int == 0)
        #expect(try sql("SELECT COUNT(*) FROM notification WHERE status = 'recorded'") == "0")
        let payload = try sql("SELECT payload FROM history WHERE kind = 'authority.acknowledged'")
        #expect(payload.contains(#""authority":"cnpd""#) && payload.contains(#""phase":"initial""#), "\(payload)")
        #expect(!payload.contains("luc.weber") && !payload.contains("Weber"), "no sender or text in the history: \(payload)")
        expectMailboxUntouched(dovecot, count: 1)

        let status = try bm(["status", Self.id], at: "2026-10-24T10:15:00Z")
        #expect(status.stdout.contains("""
            cnpd  initial  acknowledgement received (Message-ID <6a1f0c2e-5b7d-4e0a-9c3b-1d2e3f4a5b6c@cnpd.lu>), reference to confirm: \
            breachmail authority record BR-2026-0001 --authority cnpd --reference REF
            """), "\(status.stdout)")
        // The same for scripts and the API: `status --json` lists it with the command to run.
        let json = try bm(["status", Self.id, "--json"], at: "2026-10-24T10:15:00Z")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stderr)")
        let acks = try #require(document["acknowledgements"] as? [[String: Any]])
        #expect(acks.count == 1)
        #expect(acks.first?["authority"] as? String == "cnpd" && acks.first?["phase"] as? String == "initial")
        #expect(acks.first?["message_id"] as? String == "6a1f0c2e-5b7d-4e0a-9c3b-1d2e3f4a5b6c@cnpd.lu")
        #expect(acks.first?["command"] as? String == "breachmail authority record BR-2026-0001 --authority cnpd --reference REF")

        // A restart (another process, after bounce_poll_seconds) does not record it again.
        let again = try tick(at: "2026-10-24T10:20:00Z")
        #expect(again["acknowledgements_to_confirm"] as? Int == 0)
        #expect(try sql("SELECT COUNT(*) FROM history WHERE kind = 'authority.acknowledged'") == "1")

        // The DPO confirms with the existing command; status no longer asks.
        let recorded = try bm(["authority", "record", Self.id, "--authority", "cnpd", "--reference", "2026-123456"], at: "2026-10-24T10:30:00Z")
        #expect(recorded.status == 0, "\(recorded.stderr)")
        let after = try bm(["status", Self.id], at: "2026-10-24T10:31:00Z")
        #expect(after.stdout.contains("recorded  reference 2026-123456"), "\(after.stdout)")
        #expect(!after.stdout.contains("to confirm"), "\(after.stdout)")
        let afterJSON = try bm(["status", Self.id, "--json"], at: "2026-10-24T10:31:00Z")
        let afterDocument = try #require(try JSONSerialization.jsonObject(with: Data(afterJSON.stdout.utf8)) as? [String: Any])
        #expect((afterDocument["acknowledgements"] as? [Any])?.isEmpty == true, "\(afterJSON.stdout)")
        #expect(try bm(["register", "verify"], at: "2026-10-24T10:32:00Z").status == 0)
    }

    /// A wrong mailbox or a password written inline names the file, line, field and the fix.
    @Test func aWrongAcknowledgementsMailboxIsRefusedWithTheField() throws {
        let text = try String(contentsOf: config, encoding: .utf8)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count + 2  // the url's line
        try Data((text + "scheduler:\n  acknowledgements:\n    url: https://imap.exemple.lu/INBOX\n    username: dpo\n    password: {env: X}\n").utf8)
            .write(to: config)
        let result = try bm(["scheduler", "tick"], at: Self.made)
        #expect(result.status != 0)
        #expect(result.stderr == "Error: \(config.path):\(line): scheduler.acknowledgements.url: \"https://imap.exemple.lu/INBOX\" is not an IMAP mailbox; "
                + "use imaps://host/INBOX (imap:// only to a loopback host with allow_plaintext_loopback).\n", "\(result.stderr)")
    }
}
