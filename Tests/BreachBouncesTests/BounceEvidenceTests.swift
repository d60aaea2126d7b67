import BreachBounces
import Testing

/// Damaged messages and junk (issue 16 item 6), and the human-readable part read beside a DSN
/// (item 1), on small hand-written messages.
@Suite struct BounceEvidenceTests {
    /// A pipe command, a `to:` fragment and a bare `@host` are never reported as recipients;
    /// the real address beside them is.
    @Test func junkIsNeverARecipient() {
        let message = """
            From: MAILER-DAEMON@mx.example.net
            To: bounces@bounce.example.lu
            Subject: Undelivered Mail Returned to Sender
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

            --b1
            Content-Type: text/plain

            This is the mail system at host mx.example.net.

            to:someone@example.org: 550 5.1.1 user unknown
            @mx.example.org: 550 5.1.1 user unknown

            --b1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; |/usr/bin/procmail -a local
            Action: failed
            Status: 5.1.1

            Final-Recipient: rfc822; @mx.example.org
            Action: failed
            Status: 5.1.1

            Final-Recipient: rfc822; to:someone@example.org
            Action: failed
            Status: 5.1.1

            Final-Recipient: rfc822; real.person@example.org
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 user unknown
            --b1--

            """
        let report = BounceParser().parse(Array(message.utf8))
        #expect(report.recipients.map(\.address) == ["real.person@example.org"])
        #expect(report.problems.filter { $0.hasPrefix("a per-recipient block names no valid address") }.count == 3)

        // The same junk in a plain-text bounce.
        let text = """
            From: MAILER-DAEMON@mx.example.net
            Subject: Undelivered Mail Returned to Sender

            This is the mail system at host mx.example.net.

            to:someone@example.org: 550 5.1.1 user unknown
            |/usr/bin/procmail@example.org: 550 5.1.1 user unknown
            <real.person@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 user unknown
            """
        #expect(BounceParser().parse(Array(text.utf8)).recipients.map(\.address) == ["real.person@example.org"])
    }

    /// OpenSMTPD's expiry notice: `Action: delayed`, no Diagnostic-Code, "Envelope expired" in
    /// the text. It is a failure (expired), not a delay.
    @Test func anExpiryNoticeWrittenAsDelayedIsAFailure() {
        let message = """
            From: Mailer Daemon <MAILER-DAEMON@mx.example.net>
            Subject: Delivery status notification: delayed
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b2"

            --b2
            Content-Type: text/plain; charset=us-ascii

                This is the MAILER-DAEMON, please DO NOT REPLY to this email.

                A message is delayed for more than 4 hours for the following
                list of recipients:

            slow@example.org: Envelope expired

                Please note that this is only a temporary failure report.

            --b2
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.net

            Final-Recipient: rfc822; slow@example.org
            Action: delayed
            Status: 4.4.7
            --b2--

            """
        let report = BounceParser().parse(Array(message.utf8))
        #expect(report.kind == .failure)
        #expect(report.recipients.first?.action == .failed)
        #expect(report.recipients.first?.reason == .expired)
        #expect(report.recipients.first?.bounceClass == .transient)
    }
}
