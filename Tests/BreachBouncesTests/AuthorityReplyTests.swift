import BreachBounces
import Testing

/// The reading of an authority's answer: the notification it answers and the reference it gives,
/// taken only when the authority labels one value as its own.
struct AuthorityReplyTests {
    static func reply(subject: String = "RE: Encrypted message", body: String, from: String = "CNPD <databreach@cnpd.lu>") -> AuthorityReply {
        let text = """
            From: \(from)\r
            To: Marie Dupont <dpo@exemple.lu>\r
            Subject: \(subject)\r
            Message-ID: <AM0PR01MB1234@cnpd.lu>\r
            In-Reply-To: <abc.123@exemple.lu>\r
            References: <first@exemple.lu>\r
             <abc.123@exemple.lu>\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(body)
            """
        return AuthorityReply(bytes: Array(text.utf8))
    }

    @Test func headersAreRead() {
        let r = Self.reply(body: "Bonjour")
        #expect(r.fromAddress == "databreach@cnpd.lu")
        #expect(r.messageID == "AM0PR01MB1234@cnpd.lu")
        #expect(r.answeredIDs == ["abc.123@exemple.lu", "first@exemple.lu", "abc.123@exemple.lu"])
        #expect(r.answers(messageID: "abc.123@exemple.lu") && r.answers(messageID: "<first@exemple.lu>"))
        #expect(!r.answers(messageID: "other@exemple.lu"))
        #expect(r.isFrom(domain: "cnpd.lu") && !r.isFrom(domain: "pd.lu") && !r.isFrom(domain: "exemple.lu"))
        #expect(!r.isDeliveryReport)
    }

    @Test(arguments: [
        ("Notre référence : CNPD/VD/2026/0457\nVotre référence : BR-2026-0001", "CNPD/VD/2026/0457"),
        ("Votre référence : BR-2026-0001\nN/Réf. : 2026-123456.", "2026-123456"),
        ("Référence n° 2026-123456", "2026-123456"),
        ("Our reference: DB-2026-0457. Your reference: BR-2026-0001", "DB-2026-0457"),
        ("Unser Zeichen: LU-2026/77 — Aktenzeichen LU-2026/77", "LU-2026/77"),
        ("Numéro de dossier : 26-00457", "26-00457"),
    ])
    func aLabelledReferenceIsTaken(body: String, expected: String) {
        #expect(Self.reply(body: body).reference(excluding: ["BR-2026-0001"]) == expected)
    }

    @Test(arguments: [
        "Nous accusons bonne réception de votre notification.",                       // no reference
        "Votre référence : BR-2026-0001",                                              // ours, quoted back
        "Référence : BR-2026-0001",                                                    // ours, whoever labels it
        "Notre référence : CNPD-2026-0457\nRéférence : CNPD-2026-0458",                // two: the DPO chooses
        "Référence : à venir",                                                         // no value
        "Référence : abc",                                                             // no digits
        "Tél. : +352 26 10 60 - 1, dossier suivi par M. Weber",                        // not labelled
        "Notre référence : 2026-0457@cnpd.lu",                                         // an address, not a reference
    ])
    func nothingUncertainIsTaken(body: String) {
        #expect(Self.reply(body: body).reference(excluding: ["BR-2026-0001"]) == nil)
    }

    /// The quoted notification below the reply (Outlook's `De :` block, Thunderbird's "a écrit",
    /// `>` lines) is not the authority's text.
    @Test func theQuotedOriginalIsNotRead() {
        let outlook = Self.reply(body: "Accusé de réception.\n\nDe : Marie Dupont <dpo@exemple.lu>\nRéférence : XY-2026-999")
        #expect(outlook.reference(excluding: []) == nil)
        #expect(outlook.text == "Accusé de réception.\n")
        let thunderbird = Self.reply(body: "Bien reçu.\nLe 24/10/2026 à 10:00, Marie Dupont a écrit :\n> Référence : XY-2026-999")
        #expect(thunderbird.reference(excluding: []) == nil)
        let quoted = Self.reply(body: "> Notre référence : XY-2026-999\nBien reçu.")
        #expect(quoted.reference(excluding: []) == nil)
    }

    @Test func theSubjectIsRead() {
        let r = Self.reply(subject: "=?utf-8?q?Accus=C3=A9_de_r=C3=A9ception_-_notre_r=C3=A9f=C3=A9rence_CNPD-2026-0457?=", body: "Bien reçu.")
        #expect(r.subject == "Accusé de réception - notre référence CNPD-2026-0457")
        #expect(r.reference(excluding: []) == "CNPD-2026-0457")
    }

    @Test func aDeliveryReportIsNeverAnAcknowledgement() {
        #expect(Self.reply(body: "Undelivered", from: "MAILER-DAEMON@cnpd.lu").isDeliveryReport)
    }
}
