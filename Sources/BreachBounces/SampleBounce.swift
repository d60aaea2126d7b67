/// Realistic returned messages for one notice, as Postfix and a mail client would write them:
/// for the demo (`breachmail demo bounces`) and for tests. Never for a real incident.
///
/// ```swift
/// let text = SampleBounce.userUnknown.message(returnPath: verp.make(key), recipient: "jean@example.org",
///                                             originalMessageID: "<BR-2026-0001.12@exemple.lu>", serial: 1)
/// ```
public enum SampleBounce: String, Sendable, CaseIterable {
    /// 550 5.1.1 user unknown: hard.
    case userUnknown = "user-unknown"
    /// 552 5.2.2 mailbox full: transient.
    case mailboxFull = "mailbox-full"
    /// 554 5.7.1 blocked by an RBL: sender-side.
    case blocked
    /// An out-of-office reply: the notice arrived.
    case autoReply = "auto-reply"
    /// 4.4.1 delayed: the remote MTA is still trying.
    case delay

    /// The message, LF line ends, addressed to `returnPath` (the VERP address of the notice).
    public func message(returnPath: String, recipient: String, originalMessageID: String, serial: Int,
                        date: String = "Tue, 24 Nov 2026 10:02:11 +0100") -> String {
        let queue = "4Xk2Lz0Q8B\(serial)"
        let mta = "mail.bounce-demo.invalid"
        if self == .autoReply {
            return """
                Return-Path: <>
                Delivered-To: \(returnPath)
                From: <\(recipient)>
                To: \(returnPath)
                Subject: Automatic reply: out of office
                Date: \(date)
                Message-ID: <autoreply.\(queue)@example.invalid>
                In-Reply-To: \(originalMessageID)
                Auto-Submitted: auto-replied
                Content-Type: text/plain; charset="us-ascii"

                I am out of the office until 7 December with no access to e-mail.

                """
        }
        let (action, status, diagnostic, text): (String, String, String, String) = switch self {
        case .userUnknown:
            ("failed", "5.1.1", "550 5.1.1 <\(recipient)>: Recipient address rejected: User unknown in virtual mailbox table",
             "host mx.example.invalid[192.0.2.25] said: 550 5.1.1 User unknown")
        case .mailboxFull:
            ("failed", "5.2.2", "552 5.2.2 <\(recipient)>: Mailbox full, quota exceeded",
             "host mx.example.invalid[192.0.2.25] said: 552 5.2.2 Mailbox full")
        case .blocked:
            ("failed", "5.7.1", "554 5.7.1 Service unavailable; Client host [198.51.100.10] blocked using zen.spamhaus.org",
             "host mx.example.invalid[192.0.2.25] said: 554 5.7.1 blocked using zen.spamhaus.org")
        case .delay:
            ("delayed", "4.4.1", "451 4.4.1 Connection timed out", "connect to mx.example.invalid[192.0.2.25]:25: Connection timed out")
        case .autoReply:
            ("", "", "", "")
        }
        let subject = self == .delay ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender"
        return """
            Return-Path: <>
            Delivered-To: \(returnPath)
            Date: \(date)
            From: MAILER-DAEMON@\(mta) (Mail Delivery System)
            Subject: \(subject)
            To: \(returnPath)
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="\(queue).demo"
            Message-Id: <\(queue)@\(mta)>

            This is a MIME-encapsulated message.

            --\(queue).demo
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host \(mta).

            <\(recipient)>: \(text)

            --\(queue).demo
            Content-Description: Delivery report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; \(mta)
            X-Postfix-Queue-ID: \(queue)
            X-Postfix-Sender: rfc822; \(returnPath)

            Final-Recipient: rfc822; \(recipient)
            Original-Recipient: rfc822;\(recipient)
            Action: \(action)
            Status: \(status)
            Remote-MTA: dns; mx.example.invalid
            Diagnostic-Code: smtp; \(diagnostic)

            --\(queue).demo
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            Return-Path: <\(returnPath)>
            To: \(recipient)
            Subject: Information importante
            Message-ID: \(originalMessageID)

            --\(queue).demo--

            """
    }
}
