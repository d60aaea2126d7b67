import BreachCore
import Testing

@testable import BreachCurl

/// The transcript as libcurl's debug callback feeds it: commands, then reply bytes cut anywhere
/// (libcurl hands over what one read returned: several lines, or part of one).
@Suite("What the SMTP transcript keeps of a transaction")
struct SMTPTranscriptTests {
    /// One transaction: each command and the reply bytes that answer it.
    static let transaction: [(command: String?, reply: String)] = [
        (nil, "220 relay.example.test ESMTP\r\n"),
        ("EHLO client\r\n", "250-relay.example.test\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"),
        ("MAIL FROM:<b+tok@bounce.example.org>\r\n", "250 2.1.0 Ok\r\n"),
        ("RCPT TO:<ana@example.test>\r\n", "250 2.1.5 Ok\r\n"),
        ("DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n"),
    ]

    static func feed(_ transcript: inout SMTPTranscript, _ text: String, cutAt cuts: [Int]) {
        let bytes = Array(text.utf8)
        var start = 0
        for cut in cuts.filter({ $0 > 0 && $0 < bytes.count }).sorted() + [bytes.count] where cut > start {
            bytes[start..<cut].withUnsafeBytes { transcript.replyReceived($0) }
            start = cut
        }
    }

    static func command(_ transcript: inout SMTPTranscript, _ text: String) {
        Array(text.utf8).withUnsafeBytes { transcript.commandSent($0) }
    }

    /// Every reply cut at every byte, and at two bytes at once: the same replies, steps and lines.
    @Test(arguments: ["250 2.0.0 Ok: queued as 4Xk2\r\n", "250-2.0.0 queued\r\n250 2.0.0 as 4Xk2\r\n"])
    func repliesCutAnywhereReadTheSame(final: String) {
        let length = final.utf8.count
        for first in 0...length {
            for second in stride(from: first, through: length, by: 3) {
                var transcript = SMTPTranscript()
                for (command, reply) in Self.transaction {
                    if let command { Self.command(&transcript, command) }
                    Self.feed(&transcript, reply, cutAt: [first, second])
                    #expect(transcript.lastReply?.reply.code == Int(reply.prefix(3)))
                }
                transcript.messageSent()
                Self.feed(&transcript, final, cutAt: [first, second])
                let last = transcript.lastReply
                #expect(last?.step == .message)
                #expect(last?.reply.code == 250)
                #expect(last?.reply.enhancedCode == EnhancedStatusCode(statusClass: 2, subject: 0, detail: 0))
                #expect(last?.reply.text == (final.contains("-") ? "queued as 4Xk2" : "Ok: queued as 4Xk2"))
                #expect(transcript.failingReply == nil)
            }
        }
    }

    @Test func theEHLOReplyKeepsEveryLine() {
        var transcript = SMTPTranscript()
        Self.feed(&transcript, "220 hi\r\n", cutAt: [])
        Self.command(&transcript, "ehlo client\r\n")
        Self.feed(&transcript, "250-relay\r\n250-SIZE 1000\r\n250 8BITMIME\r\n", cutAt: [4, 13])
        #expect(transcript.lastReply?.step == .ehlo)
        #expect(transcript.lastReply?.reply.lines == ["relay", "SIZE 1000", "8BITMIME"])
    }

    /// A refusal stays the failing reply after QUIT's 221; the step is the one refused.
    @Test func aRefusalOutlivesTheQuitAfterIt() {
        var transcript = SMTPTranscript()
        for (command, reply) in Self.transaction.prefix(3) {
            if let command { Self.command(&transcript, command) }
            Self.feed(&transcript, reply, cutAt: [])
        }
        Self.command(&transcript, "RCPT TO:<nobody@example.test>\r\n")
        Self.feed(&transcript, "550-5.1.1 <nobody@example.test>: Recipient address rejected:\r\n550 5.1.1 User unknown\r\n", cutAt: [30])
        Self.command(&transcript, "QUIT\r\n")
        Self.feed(&transcript, "221 2.0.0 Bye\r\n", cutAt: [])
        #expect(transcript.step == .recipient)
        #expect(transcript.lastReply?.reply.code == 221)
        #expect(transcript.failingReply?.step == .recipient)
        #expect(transcript.failingReply?.reply.code == 550)
        #expect(transcript.failingReply?.reply.enhancedCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
        #expect(transcript.failingReply?.reply.lines == ["<nobody@example.test>: Recipient address rejected:", "User unknown"])
    }

    /// Each verb names its step, in any case; AUTH's continuation lines and other words do not.
    @Test func commandsNameTheirSteps() {
        var transcript = SMTPTranscript()
        let steps: [(String, SMTPStep)] = [
            ("EHLO a\r\n", .ehlo), ("starttls\r\n", .startTLS), ("HELO a\r\n", .ehlo), ("AUTH PLAIN\r\n", .authentication),
            ("dXNlcgBwYXNz\r\n", .authentication), ("Mail FROM:<x@y.z>\r\n", .mailFrom), ("RCPT TO:<a@b.c>\r\n", .recipient),
            ("STARTTLSX\r\n", .recipient), ("DATA\r\n", .data), ("QUIT\r\n", .data), ("RSET\r\n", .data),
        ]
        for (command, step) in steps {
            Self.command(&transcript, command)
            #expect(transcript.step == step, "after \(command.debugDescription)")
        }
    }

    /// Lines without a code are no reply: the last real one stays; a bare LF ends a line too.
    @Test func linesWithoutACodeAreNoReply() {
        var transcript = SMTPTranscript()
        Self.feed(&transcript, "220 hi\n", cutAt: [])
        Self.feed(&transcript, "garbage\r\n", cutAt: [3])
        #expect(transcript.lastReply?.reply.code == 220)
        #expect(transcript.lastReply?.reply.lines == ["hi"])
        #expect(transcript.failingReply == nil)
        transcript.reset()
        #expect(transcript.lastReply == nil)
        #expect(transcript.step == .connect)
    }
}
