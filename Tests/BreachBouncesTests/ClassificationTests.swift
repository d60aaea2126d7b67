import BreachBounces
import Foundation
import Testing

/// The classification table: DESIGN §4 and mail-anchors §d.13–15, case by case.
@Suite struct ClassificationTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let action: BounceRecipient.Action
        let status: String?
        let code: Int?
        let diagnostic: String
        let reason: BounceReason
        let bounceClass: BounceClass?
        var testDescription: String { "\(status ?? "-") \(diagnostic)" }
        init(_ status: String?, _ code: Int?, _ diagnostic: String, _ reason: BounceReason, _ bounceClass: BounceClass?) {
            self.init(.failed, status, code, diagnostic, reason, bounceClass)
        }
        init(_ action: BounceRecipient.Action, _ status: String?, _ code: Int?, _ diagnostic: String,
             _ reason: BounceReason, _ bounceClass: BounceClass?) {
            self.action = action; self.status = status; self.code = code; self.diagnostic = diagnostic
            self.reason = reason; self.bounceClass = bounceClass
        }
    }

    static let rows: [Row] = [
        // Hard: address-level and permanent.
        Row("5.1.1", 550, "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown", .userUnknown, .hard),
        Row("5.1.10", 550, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", .userUnknown, .hard),
        Row(nil, 550, "550 No such user here", .userUnknown, .hard),
        Row("5.1.2", nil, "Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found", .hostUnknown, .hard),
        Row("5.4.4", 550, "550 5.4.4 Unrouteable address", .hostUnknown, .hard),
        Row("5.1.6", 551, "551 5.1.6 User has moved", .hasMoved, .hard),
        Row("5.1.10", 556, "556 5.1.10 Recipient address has null MX", .notAccept, .hard),
        // Transient: not the person's fault, retry.
        Row("5.2.2", 552, "552 5.2.2 Mailbox full", .mailboxFull, .transient),
        Row("4.2.2", 452, "452 4.2.2 The email account that you tried to reach is over quota", .mailboxFull, .transient),
        Row("4.7.1", 451, "451 4.7.1 Greylisted, please try again in 300 seconds", .greylisted, .transient),
        Row(.delayed, "4.4.1", nil, "connect to mx.example.org[192.0.2.1]:25: Connection timed out", .networkError, .transient),
        Row(.delayed, "5.1.1", 550, "550 5.1.1 User unknown", .delayed, .transient),
        Row("4.4.7", nil, "retry timeout exceeded", .expired, .transient),
        Row("4.1.1", 450, "450 4.1.1 <x@example.org>: Recipient address rejected: User unknown", .userUnknown, .transient),
        Row("5.2.1", 550, "550 5.2.1 The email account that you tried to reach is disabled", .suspend, .transient),
        Row("5.0.0", 550, "550 Something odd happened", .undefined, .transient),
        // Sender-side: alert the operator, never count against the person.
        Row("5.7.1", 554, "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org", .blocked, .senderSide),
        Row("5.7.1", 550, "550 5.7.1 Message rejected as spam by Content Filtering", .spamDetected, .senderSide),
        Row("5.7.1", 550, "550 5.7.1 Delivery not authorized, message refused", .policyViolation, .senderSide),
        Row("5.7.1", 554, "554 5.7.1 <x@example.org>: Recipient address rejected: Access denied", .policyViolation, .senderSide),
        Row("5.7.26", 550, "550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)", .authFailure, .senderSide),
        Row("5.7.1", 550, "550 5.7.1 Email rejected per DMARC policy for cs-ettelbreck.lu", .authFailure, .senderSide),
        Row("4.7.0", 421, "421 4.7.0 Too many concurrent SMTP connections", .rateLimited, .senderSide),
        Row("5.1.1", 550, "550 5.1.1 Rate limit exceeded for this sender", .rateLimited, .senderSide),  // p5-sisimai#236
        Row("5.7.1", 554, "554 5.7.1 <x@example.org>: Relay access denied", .noRelaying, .senderSide),
        Row("5.7.1", 550, "550 5.7.1 Client host rejected: cannot find your reverse hostname (no PTR record)", .requirePTR, .senderSide),
        Row("5.7.1", 550, "550 5.7.1 Your IP is listed on a blacklist (RBL)", .blocked, .senderSide),
        Row("5.7.1", 553, "553 5.7.1 Sender address rejected: not owned by user", .rejected, .senderSide),
        Row("5.3.4", 552, "552 5.3.4 Message size exceeds fixed limit", .emailTooLarge, .senderSide),
        Row("5.7.0", 550, "550 5.7.0 Your server is not authorized to send on behalf of this domain", .rejected, .senderSide),
        // Issue 16: the most specific evidence wins (code, then specific phrase, then generic words).
        Row(nil, 552, "552 Mailbox full, please try again later", .mailboxFull, .transient),
        Row(nil, 552, "552 mailbox size limit exceeded", .mailboxFull, .transient),
        Row("5.0.0", 550, "550 5.2.2 <x@example.org>: Mailbox full, try again later", .mailboxFull, .transient),
        Row("5.0.0", 550, "550 5.1.1 <x@example.org>: Recipient address rejected: try again later", .userUnknown, .hard),
        Row(nil, 550, "550 Too many connections, limit exceeded, try again later", .rateLimited, .senderSide),
        // Whose fault: the stage before RCPT TO is ours; a temporary DNS error is transient.
        Row("5.0.0", 553, "SMTP error from remote mail server after MAIL FROM:<b@exemple.lu>: 553 5.1.8 Domain not found", .rejected, .senderSide),
        Row("5.0.0", 550, "SMTP error from remote mail server after EHLO mta.exemple.lu: 550 5.7.1 Helo command rejected: Host not found", .blocked, .senderSide),
        Row("4.0.0", 451, "451 4.3.0 <x@example.org>: Temporary lookup failure", .networkError, .transient),
        Row("5.4.1", 550, "550 5.4.1 Recipient address rejected: Access denied. [AM0PR01MB1234.eurprd01.prod.outlook.com]", .userUnknown, .hard),
        Row(nil, 550, "550 Requested action not taken: domain is not reachable", .hostUnknown, .hard),
        // Expired is a failure, even when the MTA wrote "delayed".
        Row(.delayed, "4.4.7", nil, "Envelope expired", .expired, .transient),
        Row(.delayed, "4.0.0", nil, "450 4.7.1 Greylisted, try again later: retry timeout exceeded", .expired, .transient),
        // Undefined: decided from the reply, not always transient.
        Row("5.0.0", 550, "SMTP error from remote mail server after RCPT TO:<x@example.org>: 550 Go away", .undefined, .hard),
        Row("5.0.0", 554, "554 Transaction failed", .undefined, .transient),
        // Not failures.
        Row(.delivered, "2.0.0", 250, "250 2.0.0 OK", .delivered, nil),
    ]

    @Test(arguments: rows)
    func classify(_ row: Row) {
        let (reason, bounceClass) = BounceClassifier.classify(action: row.action, status: row.status, smtpCode: row.code,
                                                              diagnostic: row.diagnostic)
        #expect(reason == row.reason)
        #expect(bounceClass == row.bounceClass)
    }

    @Test func everyReasonHasAClass() {
        let hard = BounceReason.allCases.filter { $0.bounceClass(permanent: true) == .hard }
        #expect(Set(hard) == [.userUnknown, .hostUnknown, .hasMoved, .notAccept])
        #expect(BounceReason.allCases.filter { $0.bounceClass(permanent: false) == .hard }.isEmpty)
        #expect(BounceReason.mailboxFull.bounceClass(permanent: true) == .transient)
        for reason in [BounceReason.blocked, .spamDetected, .policyViolation, .authFailure, .rateLimited, .filtered,
                       .noRelaying, .securityError] {
            #expect(reason.bounceClass(permanent: true) == .senderSide)
        }
    }

    @Test func sisimaiNamesAreKeptInJSON() throws {
        // Encoded by the real encoder, as `bounces parse --json` writes them.
        let json = String(decoding: try JSONEncoder().encode([BounceReason.userUnknown, .policyViolation]), as: UTF8.self)
        #expect(json == #"["userunknown","policyviolation"]"#)
        #expect(String(decoding: try JSONEncoder().encode(BounceClass.senderSide), as: UTF8.self) == #""sender-side""#)
        #expect(try JSONDecoder().decode(BounceReason.self, from: Data(#""userunknown""#.utf8)) == .userUnknown)
    }
}
