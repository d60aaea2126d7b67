import BreachBounces
import Foundation
import Testing

/// The hand-written fixtures (see Fixtures/README.md), and the test secret that made their tokens.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let secret = Array("breachmail-test-secret-0123456789".utf8)
    static let verp = try! VERP(prefix: "bounces", domain: "bounce.cs-ettelbreck.lu", secret: secret)
    static let incident = IncidentNumber("BR-2026-0003")!

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func parse(_ name: String) throws -> BounceReport {
        BounceParser(verp: verp).parse(try bytes(name))
    }
}

/// What one fixture must give, recipient by recipient.
struct Expected: Sendable, CustomTestStringConvertible {
    struct Recipient: Sendable {
        let address: String
        let action: BounceRecipient.Action
        let status: String?
        let code: Int?
        let reason: BounceReason
        let bounceClass: BounceClass?
    }

    let file: String
    let kind: BounceReport.Kind
    let format: String
    let recipients: [Recipient]
    let subject: UInt64?
    let originalMessageID: String?

    var testDescription: String { file }

    init(_ file: String, _ kind: BounceReport.Kind, _ format: String, _ recipients: [Recipient],
         subject: UInt64?, messageID: String? = nil) {
        self.file = file
        self.kind = kind
        self.format = format
        self.recipients = recipients
        self.subject = subject
        self.originalMessageID = messageID
    }
}

private func r(_ address: String, _ action: BounceRecipient.Action, _ status: String?, _ code: Int?,
               _ reason: BounceReason, _ c: BounceClass?) -> Expected.Recipient {
    .init(address: address, action: action, status: status, code: code, reason: reason, bounceClass: c)
}

let fixtureExpectations: [Expected] = [
    Expected("postfix-dsn-userunknown.eml", .failure, "rfc3464",
             [r("jean.dupont@example.org", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1234, messageID: "<BR-2026-0003.1234.7f3a9c@mail.cs-ettelbreck.lu>"),
    Expected("postfix-dsn-delay.eml", .delay, "rfc3464",
             [r("marie.schmit@example.net", .delayed, "4.4.1", nil, .networkError, .transient)],
             subject: 1235, messageID: "<BR-2026-0003.1235.a41b02@mail.cs-ettelbreck.lu>"),
    Expected("dsn-two-recipients.eml", .failure, "rfc3464",
             [r("old.address@example.org", .failed, "5.1.6", 551, .hasMoved, .hard),
              r("full.box@example.org", .failed, "5.2.2", 552, .mailboxFull, .transient)],
             subject: 1250),
    Expected("dsn-spamhaus-blocked.eml", .failure, "rfc3464",
             [r("olivier.bernard@example.fr", .failed, "5.7.1", 554, .blocked, .senderSide)], subject: 1246),
    Expected("dsn-dmarc-authfailure.eml", .failure, "rfc3464",
             [r("julie.simon@example.com", .failed, "5.7.26", 550, .authFailure, .senderSide)], subject: 1247),
    Expected("dsn-ratelimited.eml", .failure, "rfc3464",
             [r("hugo.lambert@example.net", .failed, "4.7.0", 421, .rateLimited, .senderSide)], subject: 1248),
    Expected("dsn-greylisted-delay.eml", .delay, "rfc3464",
             [r("ines.moreau@example.be", .delayed, "4.7.1", 450, .greylisted, .transient)], subject: 1249),
    Expected("dsn-access-denied-policy.eml", .failure, "rfc3464",
             [r("chef@example.lu", .failed, "5.7.1", 554, .policyViolation, .senderSide)], subject: 1234),
    Expected("dsn-base64.eml", .failure, "rfc3464",
             [r("giulia.rossi@dominio-inesistente.example", .failed, "5.1.2", nil, .hostUnknown, .hard)],
             subject: 1245, messageID: "<BR-2026-0003.1245.b64@mail.cs-ettelbreck.lu>"),
    Expected("exchange-o365-dsn.eml", .failure, "rfc3464",
             [r("thomas.wagner@contoso.com", .failed, "5.1.10", 550, .userUnknown, .hard)],
             subject: 1241, messageID: "<BR-2026-0003.1241.93be10@mail.cs-ettelbreck.lu>"),
    Expected("exchange-text-ndr.eml", .failure, "exchange",
             [r("eva.fischer@corp.example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1242, messageID: "<BR-2026-0003.1242.6e7d81@mail.cs-ettelbreck.lu>"),
    Expected("exim-userunknown.eml", .failure, "exim",
             [r("paul.weber@example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1236, messageID: "<BR-2026-0003.1236.0b9e11@mail.cs-ettelbreck.lu>"),
    Expected("exim-delay.eml", .delay, "exim",
             [r("luc.muller@example.com", .delayed, "4.3.0", 451, .systemError, .transient)], subject: 1237),
    Expected("qmail-hostunknown.eml", .failure, "qmail",
             [r("sophie.klein@no-such-domain.example", .failed, "5.1.2", nil, .hostUnknown, .hard)],
             subject: 1238, messageID: "<BR-2026-0003.1238.c0ffee@mail.cs-ettelbreck.lu>"),
    Expected("postfix-text-mailboxfull.eml", .failure, "postfix",
             [r("claude.hoffmann@example.lu", .failed, "5.2.2", 552, .mailboxFull, .transient)], subject: 1239),
    Expected("sendmail-userunknown.eml", .failure, "sendmail",
             [r("anna.becker@example.edu", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1240, messageID: "<BR-2026-0003.1240.51d2aa@mail.cs-ettelbreck.lu>"),
    Expected("gmail-address-not-found.eml", .failure, "gmail",
             [r("lea.martin.nonexistent@gmail.com", .failed, nil, nil, .userUnknown, .hard)], subject: 1243),
    Expected("gmail-delay.eml", .delay, "gmail",
             [r("marc.roth@example.de", .delayed, "4.7.1", 451, .greylisted, .transient)], subject: 1244),
    Expected("yahoo-userunknown.eml", .failure, "yahoo",
             [r("nadia.petit.nobody@yahoo.com", .failed, nil, 554, .userUnknown, .hard)],
             subject: 1245, messageID: "<BR-2026-0003.1245.e4d001@mail.cs-ettelbreck.lu>"),
    Expected("autoreply-en.eml", .autoReply, "auto-reply", [], subject: 1234),
    Expected("autoreply-fr.eml", .autoReply, "auto-reply", [], subject: 1235),
    Expected("autoreply-de.eml", .autoReply, "auto-reply", [], subject: 1236),
    Expected("human-reply.eml", .notABounce, "none", [], subject: nil),
    Expected("truncated-dsn-recovered.eml", .failure, "rfc3464",
             [r("jean.dupont@example.org", .failed, "5.1.1", 550, .userUnknown, .hard)], subject: 1234),
] + vendorExpectations

/// The vendors' own layouts (issue 16 item 5), hand-written after each vendor's documented or
/// coded layout; `mta/dma-NN.eml` were written by a real DragonFly Mail Agent (see Fixtures/README.md).
let vendorExpectations: [Expected] = [
    Expected("googlegroups-rejected.eml", .failure, "googlegroups",
             [r("conseil-parents@groups.example.org", .failed, nil, nil, .rejected, .senderSide)],
             subject: 1237, messageID: "<BR-2026-0003.1237.9a0b1c@mail.cs-ettelbreck.lu>"),
    Expected("amazonses-expired-dsn.eml", .failure, "rfc3464",
             [r("noemie.girard@example.org", .failed, "4.4.7", 550, .expired, .transient)],
             subject: 1238, messageID: "<BR-2026-0003.1238.5e5e01@mail.cs-ettelbreck.lu>"),
    Expected("amazonses-json-userunknown.eml", .failure, "amazonses",
             [r("yann.leclerc@example.org", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1240, messageID: "<BR-2026-0003.1240.5e5a01@mail.cs-ettelbreck.lu>"),
    Expected("amazonses-json-mailboxfull.eml", .failure, "amazonses",
             [r("romain.dubois@example.com", .failed, nil, nil, .mailboxFull, .transient)],
             subject: 1241, messageID: "<BR-2026-0003.1241.5e5a02@mail.cs-ettelbreck.lu>"),
    Expected("amazonworkmail-userunknown.eml", .failure, "amazonworkmail",
             [r("camille.roussel@example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1242, messageID: "<BR-2026-0003.1242.a3c0de@mail.cs-ettelbreck.lu>"),
    Expected("exchange2003-ndr.eml", .failure, "exchange2003",
             [r("chantal.weiss@corp.example.net", .failed, "5.1.1", nil, .userUnknown, .hard),
              r("mathis.keller@corp.example.net", .failed, nil, nil, .userUnknown, .hard)],
             subject: 1243, messageID: "<BR-2026-0003.1243.e2003a@mail.cs-ettelbreck.lu>"),
    Expected("domino-userunknown.eml", .failure, "domino",
             [r("laura.schmitt@example.org", .failed, nil, nil, .userUnknown, .hard)],
             subject: 1244, messageID: "<BR-2026-0003.1244.d0d0d0@mail.cs-ettelbreck.lu>"),
    Expected("notes-userunknown.eml", .failure, "notes",
             [r("sebastien.meyer@example.com", .failed, nil, nil, .userUnknown, .hard)],
             subject: 1245, messageID: "<BR-2026-0003.1245.0a0b0c@mail.cs-ettelbreck.lu>"),
    Expected("imail-userunknown.eml", .failure, "imail",
             [r("yves.lambert@example.net", .failed, nil, nil, .userUnknown, .hard),
              r("zoe.martin@example.net", .failed, nil, nil, .expired, .transient)],
             subject: 1246, messageID: "<BR-2026-0003.1246.1a2b3c@mail.cs-ettelbreck.lu>"),
    Expected("mfilter-userunknown.eml", .failure, "mfilter",
             [r("kenji.sato@example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1247, messageID: "<BR-2026-0003.1247.3f3f3f@mail.cs-ettelbreck.lu>"),
    Expected("opensmtpd-text-mailboxfull.eml", .failure, "opensmtpd",
             [r("alice.roux@example.org", .failed, "5.2.2", 550, .mailboxFull, .transient),
              r("bruno.petit@example.org", .failed, nil, nil, .expired, .transient)],
             subject: 1248, messageID: "<BR-2026-0003.1248.0b5d01@mail.cs-ettelbreck.lu>"),
    Expected("v5sendmail-userunknown.eml", .failure, "v5sendmail",
             [r("hugo.martin@example.net", .failed, nil, 550, .userUnknown, .hard)],
             subject: 1249, messageID: "<BR-2026-0003.1249.5a5a5a@mail.cs-ettelbreck.lu>"),
    Expected("gmx-userunknown.eml", .failure, "gmx",
             [r("nina.schulz@example.com", .failed, "5.1.1", nil, .userUnknown, .hard),
              r("oskar.braun@example.org", .failed, nil, nil, .expired, .transient)],
             subject: 1250, messageID: "<BR-2026-0003.1250.9b9b9b@mail.cs-ettelbreck.lu>"),
    Expected("1and1-toolarge.eml", .failure, "1and1",
             [r("eva.fischer@example.org", .failed, nil, nil, .emailTooLarge, .senderSide)],
             subject: 1234, messageID: "<BR-2026-0003.1234.1e1e1e@mail.cs-ettelbreck.lu>"),
    Expected("gmail-failed-permanently.eml", .failure, "gmail",
             [r("lucie.garnier@example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1235, messageID: "<BR-2026-0003.1235.6b6b6b@mail.cs-ettelbreck.lu>"),
    Expected("text-failed-permanently.eml", .failure, "generic",
             [r("marc.dupuis@example.org", .failed, "5.3.0", 553, .userUnknown, .hard)], subject: 1236),
    Expected("mta/dma-01.eml", .failure, "dma",
             [r("unknown@recipient.example.com", .failed, "5.1.1", 550, .userUnknown, .hard)],
             subject: 1236, messageID: "<BR-2026-0003.1236.dma01@mail.cs-ettelbreck.lu>"),
    Expected("mta/dma-02.eml", .failure, "dma",
             [r("full@recipient.example.com", .failed, "5.2.2", 552, .mailboxFull, .transient)],
             subject: 1236, messageID: "<BR-2026-0003.1236.dma02@mail.cs-ettelbreck.lu>"),
]

@Suite struct BounceFixtureTests {
    @Test(arguments: fixtureExpectations)
    func fixtureIsReadAndClassifiedExactly(_ expected: Expected) throws {
        let report = try Fixtures.parse(expected.file)
        #expect(report.kind == expected.kind)
        #expect(report.format == expected.format)
        #expect(report.recipients.count == expected.recipients.count)
        for (got, want) in zip(report.recipients, expected.recipients) {
            #expect(got.address == want.address)
            #expect(got.action == want.action)
            #expect(got.status == want.status)
            #expect(got.smtpCode == want.code)
            #expect(got.reason == want.reason)
            #expect(got.bounceClass == want.bounceClass)
            if got.action == .failed { #expect(got.diagnostic?.isEmpty == false) }
        }
        if let subject = expected.subject {
            #expect(report.token.status == .valid)
            #expect(report.token.verifiedKey == VERPKey(incident: Fixtures.incident, subject: subject))
        } else {
            #expect(report.token.status == BounceToken.Status.none)
        }
        if let id = expected.originalMessageID { #expect(report.originalMessageID == id) }
    }

    @Test(arguments: fixtureExpectations)
    func crlfLineEndingsReadTheSame(_ expected: Expected) throws {
        let lf = try Fixtures.bytes(expected.file)
        var crlf: [UInt8] = []
        for b in lf { if b == 10 { crlf.append(13) }; crlf.append(b) }
        let parser = BounceParser(verp: Fixtures.verp)
        var a = parser.parse(lf), b = parser.parse(crlf)
        // Diagnostics are whitespace-collapsed, so only the returned-copy ranges could differ.
        a.problems = []; b.problems = []
        #expect(a == b)
    }

    @Test func postfixDSNKeepsTheRawReplyRemoteMTAAndKeys() throws {
        let report = try Fixtures.parse("postfix-dsn-userunknown.eml")
        let r = try #require(report.recipients.first)
        #expect(r.diagnostic == "550 5.1.1 <jean.dupont@example.org>: Recipient address rejected: User unknown in virtual mailbox table")
        #expect(r.remoteMTA == "mx1.example.org")
        #expect(r.originalRecipient == "jean.dupont@example.org")
        #expect(report.reportingMTA == "mail.cs-ettelbreck.lu")
        #expect(report.returnedTo == "jean.dupont@example.org")
        #expect(report.messageID == "<20261124090211.4Xk2Lz0Q8Bz9tJ@mail.cs-ettelbreck.lu>")
        #expect(report.token.foundIn == "x-original-to" || report.token.foundIn == "delivered-to")
        #expect(report.problems.isEmpty)
    }

    @Test func exchangeTextPrefersTheAdministratorsReplyWithItsCode() throws {
        let r = try #require(try Fixtures.parse("exchange-text-ndr.eml").recipients.first)
        #expect(r.diagnostic == "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##")
    }

    /// The layouts where the reason is not beside the address: under a label (Domino "because:",
    /// 1&1 "For the following reason:", m-FILTER "-------server message") or above it (Notes).
    @Test(arguments: [
        ("domino-userunknown.eml", "User Laura Schmitt (laura.schmitt@example.org) not listed in Domino Directory"),
        ("1and1-toolarge.eml", "Mail size limit exceeded. For explanation visit http://postmaster.kundenserver.example/en/error-messages?ip=%1s"),
        ("mfilter-userunknown.eml", "550 5.1.1 <kenji.sato@example.com>... User Unknown"),
        ("notes-userunknown.eml", "User not listed in public Name & Address Book"),
        ("exchange2003-ndr.eml", "MSEXCH:IMS:EXAMPLE:CORP:EXCH01 0 (000C05A6) Unknown Recipient"),
        ("mta/dma-02.eml", "127.0.0.1 [127.0.0.1] did not like our RCPT TO: 552 5.2.2 <full@recipient.example.com>: Mailbox full, please try again later"),
    ])
    func vendorDiagnosticIsTheReasonTheVendorGives(_ file: String, _ diagnostic: String) throws {
        let recipients = try Fixtures.parse(file).recipients
        #expect(recipients.last?.diagnostic == diagnostic)
    }

    @Test func gmxKeepsTheRemoteHost() throws {
        #expect(try Fixtures.parse("gmx-userunknown.eml").recipients.first?.remoteMTA == "mx.example.com")
    }

    /// dma names the failed recipient in the X-Original-To of its bounce: it is not our address.
    @Test func dmaOriginalToIsTheRecipientNotOurs() throws {
        let report = try Fixtures.parse("mta/dma-01.eml")
        #expect(report.recipients.map(\.address) == ["unknown@recipient.example.com"])
    }

    @Test func sesNotificationKeepsItsReportingMTA() throws {
        #expect(try Fixtures.parse("amazonses-json-userunknown.eml").reportingMTA == "a4-9.smtp-out.eu-west-1.amazonses.com")
    }

    @Test func eximKeepsTheRemoteHost() throws {
        let r = try #require(try Fixtures.parse("exim-userunknown.eml").recipients.first)
        #expect(r.remoteMTA == "mx.example.com")
    }

    @Test func dsnEnvelopeIDIsKeptAsAFallbackKey() throws {
        #expect(try Fixtures.parse("dsn-spamhaus-blocked.eml").envelopeID == "BR-2026-0003.ahb5ztla3yeymtamdqkmhycj2fna")
    }

    @Test func autoRepliesNameWhoAnswered() throws {
        #expect(try Fixtures.parse("autoreply-en.eml").autoReplyFrom == "robert.taylor@example.co.uk")
        #expect(try Fixtures.parse("autoreply-fr.eml").autoReplyFrom == "celine.francois@example.fr")
        #expect(try Fixtures.parse("autoreply-de.eml").autoReplyFrom == "jens.schneider@example.de")
    }

    @Test func forgedTokenIsNeverCredited() throws {
        let report = try Fixtures.parse("forged-token.eml")
        #expect(report.kind == .failure)
        #expect(report.token.status == .forged)
        #expect(report.token.verifiedKey == nil)
        // Still forged when checked with the secret alone (as `bounces parse` does).
        let bySigner = BounceParser(signer: try VERPSigner(secret: Fixtures.secret)).parse(try Fixtures.bytes("forged-token.eml"))
        #expect(bySigner.token.status == .forged)
    }

    @Test func withoutASecretATokenIsOnlyUnverified() throws {
        let report = BounceParser().parse(try Fixtures.bytes("postfix-dsn-userunknown.eml"))
        #expect(report.token.status == .unverified)
        #expect(report.token.subject == 1234)
        #expect(report.token.verifiedKey == nil)
    }

    @Test(arguments: [
        ("malformed-binary.eml", "no header block: this is not an e-mail message, or its headers were cut off"),
        ("truncated-dsn.eml", "the multipart body ends without its closing boundary (the message looks truncated)"),
        ("truncated-exim.eml", "recognised a bounce in exim format but it names no recipient that could be read (truncated?)"),
    ])
    func malformedAndTruncatedAreUnparsableWithWhy(_ file: String, _ why: String) throws {
        let report = try Fixtures.parse(file)
        #expect(report.kind == .unparsable)
        #expect(report.recipients.isEmpty)
        #expect(report.problems.contains(why))
    }

    /// The boundary parameter matches no delimiter line: the delivery-status part inside is
    /// intact and is read all the same (issue 16 item 6; it was unparsable before), and the
    /// report says what was wrong.
    @Test func aBrokenBoundaryDoesNotLoseAnIntactDeliveryStatusPart() throws {
        let report = try Fixtures.parse("malformed-no-boundary.eml")
        #expect(report.kind == .failure)
        #expect(report.recipients.map(\.address) == ["someone@example.net"])
        #expect(report.recipients.first?.reason == .userUnknown)
        #expect(report.recipients.first?.bounceClass == .hard)
        #expect(report.problems.contains("no part was found for the multipart boundary (the message looks truncated or malformed)"))
        #expect(report.problems.contains("the delivery-status part was found outside a readable multipart structure (broken boundary?)"))
    }

    @Test func truncatedButRecoveredSaysSo() throws {
        let report = try Fixtures.parse("truncated-dsn-recovered.eml")
        #expect(report.problems.contains("the multipart body ends without its closing boundary (the message looks truncated)"))
        #expect(report.problems.contains("the delivery-status part names no recipient that could be read"))
    }

    @Test func emptyInputIsUnparsable() {
        #expect(BounceParser().parse([]).problems == ["the message is empty"])
        #expect(BounceParser().parse(Array("\r\n  \n".utf8)).kind == .unparsable)
    }
}

@Suite struct BounceEdgeTests {
    private func message(_ headers: String, _ body: String) -> [UInt8] {
        Array((headers + "\n\n" + body).utf8)
    }

    @Test func aBounceInAnUnknownFormatIsNeverTakenForAnAutoReply() {
        let report = BounceParser().parse(message("""
            From: MAILER-DAEMON@mx.example.net
            To: bounces+ahb5ztla2ietm4mcabyybyz4vc5a@bounce.cs-ettelbreck.lu
            Subject: Nondeliverable mail
            Auto-Submitted: auto-replied
            """, "Zustellung fehlgeschlagen. Bitte wenden Sie sich an den Administrator."))
        #expect(report.kind == .unparsable)
        #expect(report.autoReplyFrom == nil)
    }

    @Test func aPersonWritingAboutDeliveryIsNotABounce() {
        let report = BounceParser().parse(message("""
            From: Paul Weber <paul.weber@example.com>
            To: dpo@cs-ettelbreck.lu
            Subject: Re: Information importante
            """, """
            Hello, your message couldn't be delivered to my wife, I think. Her address is:
            anne.weber@example.com
            """))
        #expect(report.kind == .notABounce)
        #expect(report.recipients.isEmpty)
    }

    /// Every message of a GMX user carries `X-GMX-Antispam`, which names the format of GMX's
    /// bounces: it must not turn a person's reply into one.
    @Test func aVendorHeaderAloneNeverMakesABounce() {
        let report = BounceParser().parse(message("""
            From: Nina Schulz <nina.schulz@example.com>
            To: dpo@cs-ettelbreck.lu
            Subject: Re: Information importante
            X-GMX-Antispam: 0 (Mail was not recognized as spam); Detail=V3;
            """, """
            Hello, please write to my new address instead:
            nina.schulz@example.org
            """))
        #expect(report.kind == .notABounce)
        #expect(report.recipients.isEmpty)
    }

    /// A person who quotes delivery-status fields (forwarding a bounce to the DPO) is not a bounce.
    @Test func quotedDeliveryStatusFieldsFromAPersonAreNotABounce() {
        let report = BounceParser().parse(message("""
            From: Paul Weber <paul.weber@example.com>
            To: dpo@cs-ettelbreck.lu
            Subject: Re: Information importante
            """, """
            My colleague got this, is it about us?

            Final-Recipient: rfc822; anne.weber@example.com
            Action: failed
            Status: 5.1.1
            """))
        #expect(report.kind == .notABounce)
        #expect(report.recipients.isEmpty)
    }

    @Test func ourOwnReturnPathIsNeverAFailedRecipient() {
        let report = BounceParser().parse(message("""
            From: MAILER-DAEMON@relay.example.com
            To: bounces+ahb5ztla2ietm4mcabyybyz4vc5a@bounce.cs-ettelbreck.lu
            Subject: Mail delivery failed
            """, """
            This message was created automatically by mail delivery software.

            A message that you sent could not be delivered to one or more of its
            recipients. This is a permanent error. The following address(es) failed:

              bounces+ahb5ztla2ietm4mcabyybyz4vc5a@bounce.cs-ettelbreck.lu
                Unrouteable address

              x@example.org
                550 5.1.1 No such user
            """))
        #expect(report.recipients.map(\.address) == ["x@example.org"])
    }

    @Test func jsonUsesTheDocumentedNames() throws {
        let report = try Fixtures.parse("dsn-spamhaus-blocked.eml")
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"class\":\"sender-side\""))
        #expect(json.contains("\"reason\":\"blocked\""))
        #expect(json.contains("\"kind\":\"failure\""))
        #expect(try JSONDecoder().decode(BounceReport.self, from: Data(json.utf8)) == report)
    }
}

@Suite struct FallbackKeyTests {
    @Test func inReplyToIsTheFallbackWhenNoCopyIsReturned() throws {
        var text = String(decoding: try Fixtures.bytes("exchange-o365-dsn.eml"), as: UTF8.self)
        // Drop the returned copy: only the NDR's own In-Reply-To is left to tie it to the notice.
        text = String(text[..<text.range(of: "Content-Type: message/rfc822")!.lowerBound])
        let report = BounceParser(verp: Fixtures.verp).parse(Array(text.utf8))
        #expect(report.originalMessageID == "<BR-2026-0003.1241.93be10@mail.cs-ettelbreck.lu>")
        #expect(report.recipients.first?.reason == .userUnknown)
    }

    @Test func aPersonsReplyDoesNotLendItsInReplyTo() throws {
        #expect(try Fixtures.parse("human-reply.eml").originalMessageID == nil)
    }
}

@Suite struct RobustnessTests {
    /// A bounce is untrusted input: cut anywhere, it must give a report, never a trap.
    @Test func everyFixtureCutAnywhereStillGivesAReport() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path).filter { $0.hasSuffix(".eml") }
        let parser = BounceParser(verp: Fixtures.verp)
        var reports = 0
        for file in files {
            let bytes = try Fixtures.bytes(file)
            for cut in stride(from: 0, to: bytes.count, by: 3) {
                let report = parser.parse(Array(bytes[..<cut]))
                // A cut message never gains a verified subject it did not carry.
                if report.token.status == .valid { #expect(report.token.verifiedKey?.incident == Fixtures.incident) }
                reports += 1
            }
        }
        #expect(reports > 5_000)
    }
}
