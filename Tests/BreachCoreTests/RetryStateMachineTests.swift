import BreachCore
import Foundation
import Synchronization
import Testing

extension EnhancedStatusCode {
    /// The code at the start of `text`, read as a reply line's bytes are.
    init?(prefixOf text: String) {
        var text = text
        guard let code = text.withUTF8({ EnhancedStatusCode(prefixOf: $0) }) else { return nil }
        self = code
    }
}

/// A clock the test sets.
final class ManualClock: DeliveryClock {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// Always the same number: 0 gives the lowest jitter, UInt64.max the highest.
struct FixedRandom: RandomNumberGenerator, Sendable {
    let value: UInt64
    mutating func next() -> UInt64 { value }
}

func transient(_ code: Int? = nil, _ text: String = "Try later") -> SendOutcome {
    .transient(SendFailure(step: .recipient, reply: code.map { SMTPReply(code: $0, lines: [text]) }, reason: "test"))
}

func retryTime(_ decision: RetryDecision) -> Date? {
    if case .retry(let at, _) = decision.subject { at } else { nil }
}

@Suite("Retry state machine")
struct RetryStateMachineTests {
    var policy: RetryPolicy = {
        var policy = RetryPolicy()
        policy.jitter = 0
        return policy
    }()

    @Test func backOffGrowsExponentiallyUpToTheCap() {
        let clock = ManualClock()
        var machine = RetryStateMachine(policy: policy, clock: clock)
        var state = RetryState()
        var delays: [TimeInterval] = []
        for _ in 0..<7 {
            let at = retryTime(machine.record(transient(450), for: &state))
            delays.append(at.map { $0.timeIntervalSince(clock.now()) } ?? -1)
        }
        #expect(delays == [600, 1200, 2400, 4800, 9600, 14400, 14400])
        #expect(state.attempts == 7)
    }

    @Test func jitterStaysWithinItsBounds() {
        var policy = RetryPolicy()
        policy.jitter = 0.2
        let clock = ManualClock()
        var low = RetryStateMachine(policy: policy, clock: clock, random: FixedRandom(value: 0))
        var high = RetryStateMachine(policy: policy, clock: clock, random: FixedRandom(value: .max))
        var lowState = RetryState(), highState = RetryState()
        let lowDelay = retryTime(low.record(transient(450), for: &lowState))?.timeIntervalSince(clock.now())
        let highDelay = retryTime(high.record(transient(450), for: &highState))?.timeIntervalSince(clock.now())
        #expect(lowDelay == 480)
        #expect(highDelay.map { $0 > 719.99 && $0 <= 720 } == true)
        var random = RetryStateMachine(policy: policy, clock: clock)
        for _ in 0..<50 {
            var state = RetryState()
            let delay = retryTime(random.record(transient(450), for: &state))?.timeIntervalSince(clock.now()) ?? 0
            #expect(delay >= 480 && delay <= 720)
        }
    }

    @Test func serverHintIsHonoured() {
        let clock = ManualClock()
        var machine = RetryStateMachine(policy: policy, clock: clock)
        var state = RetryState()
        let decision = machine.record(transient(450, "Greylisted, try again in 5 minutes"), for: &state)
        #expect(retryTime(decision) == clock.now().addingTimeInterval(300))
        #expect(RetryStateMachine.serverHint(in: "please retry in 30 seconds") == 30)
        #expect(RetryStateMachine.serverHint(in: "Try again later (in 2 hours)") == 7200)
        #expect(RetryStateMachine.serverHint(in: "Mailbox busy, 3 messages queued") == nil)
    }

    @Test func aWaveOf421PausesTheWholeRelay() {
        let clock = ManualClock()
        var machine = RetryStateMachine(policy: policy, clock: clock)
        var states = [RetryState(), RetryState(), RetryState()]
        #expect(machine.record(transient(421), for: &states[0]).relay == .proceed)
        #expect(machine.record(transient(451), for: &states[1]).relay == .proceed)
        let third = machine.record(transient(452), for: &states[2])
        #expect(third.relay == .pause(until: clock.now().addingTimeInterval(300)))
        #expect(machine.relayPausedUntil == clock.now().addingTimeInterval(300))
        clock.advance(301)
        #expect(machine.relayPausedUntil == nil)
    }

    @Test func acceptedMessagesBetweenRefusalsAreNoWave() {
        let clock = ManualClock()
        var machine = RetryStateMachine(policy: policy, clock: clock)
        var state = RetryState()
        for _ in 0..<5 {
            #expect(machine.record(transient(451), for: &state).relay == .proceed)
            #expect(machine.record(.accepted(SMTPReply(code: 250, lines: ["ok"])), for: &state).relay == .proceed)
        }
        // A greylisted mailbox (450) is about that mailbox, not the relay.
        for _ in 0..<5 { #expect(machine.record(transient(450), for: &state).relay == .proceed) }
    }

    @Test func permanentFailuresAreNeverRetried() {
        var machine = RetryStateMachine(policy: policy, clock: ManualClock())
        var state = RetryState()
        let failure = SendFailure(step: .recipient, reply: SMTPReply(code: 550, lines: ["unknown"]), reason: "test")
        #expect(machine.record(.permanent(failure), for: &state).subject == .failedPermanently(failure))
    }

    @Test func localErrorsHaltTheRelayAndDoNotCountAgainstTheSubject() {
        var machine = RetryStateMachine(policy: policy, clock: ManualClock())
        var state = RetryState()
        let failure = SendFailure(step: .startTLS, reply: nil, reason: "certificate")
        let decision = machine.record(.localError(failure), for: &state)
        #expect(decision.subject == .holdForOperator(failure))
        #expect(decision.relay == .halt(failure))
        #expect(state == RetryState())
    }

    @Test func retriesEndWithTheWindow() throws {
        let clock = ManualClock()
        var machine = RetryStateMachine(policy: policy, clock: clock)
        var state = RetryState()
        let start = clock.now()
        var last: RetryDecision?
        // Bounded: a machine that never gives up fails the test instead of hanging it.
        for attempt in 0... {
            try #require(attempt < 1_000, "still retrying after 1,000 attempts: the window never ends")
            let decision = machine.record(transient(450), for: &state)
            guard let at = retryTime(decision) else {
                last = decision
                break
            }
            #expect(at <= start.addingTimeInterval(5 * 86400))
            clock.advance(at.timeIntervalSince(clock.now()))
        }
        guard case .retriesExhausted = last?.subject else {
            Issue.record("expected exhaustion, got \(String(describing: last))")
            return
        }
        #expect(clock.now() == start.addingTimeInterval(5 * 86400))
    }
}

@Suite("SMTP replies and envelopes")
struct SMTPReplyTests {
    @Test func parsesMultiLineRepliesWithEnhancedCodes() throws {
        let reply = try #require(SMTPReply(rawLines: ["550-5.1.1 The email account does not exist.", "550 5.1.1 Please check the address."]))
        #expect(reply.code == 550)
        #expect(reply.enhancedCode == EnhancedStatusCode(statusClass: 5, subject: 1, detail: 1))
        #expect(reply.lines == ["The email account does not exist.", "Please check the address."])
        #expect(reply.isPermanent)
        #expect(SMTPReply(rawLines: ["250 OK"])?.enhancedCode == nil)
        #expect(SMTPReply(rawLines: ["hello"]) == nil)
    }

    /// RFC 3463's `class.subject.detail`: a class of 2, 4 or 5, then one to three digits twice,
    /// followed by a space or the end of the line; anything else is the reply's text.
    @Test func readsEnhancedCodesOnlyWhenWellFormed() {
        func reply(_ line: String) -> SMTPReply? { SMTPReply(rawLines: [line]) }
        #expect(reply("250 2.0.0 Ok: queued as 4Fx1")?.enhancedCode == EnhancedStatusCode(statusClass: 2, subject: 0, detail: 0))
        #expect(reply("250 2.0.0 Ok: queued as 4Fx1")?.lines == ["Ok: queued as 4Fx1"])
        #expect(reply("550 5.7.509 Access denied")?.enhancedCode == EnhancedStatusCode(statusClass: 5, subject: 7, detail: 509))
        #expect(reply("451 4.3.0")?.enhancedCode == EnhancedStatusCode(statusClass: 4, subject: 3, detail: 0))
        #expect(reply("451 4.3.0")?.lines == [""])
        #expect(reply("550 5.1.1   three spaces")?.lines == ["three spaces"])
        for text in ["3.1.1 no", "5.1 no", "5.1.1.1 no", "55.1.1 no", "5..1 no", "5.1. no", "5.1234.1 no", "5.1.1000 no",
                     ".5.1.1 no", "5.a.1 no", "5.1.1x no", "5.+1.1 no", "" ] {
            #expect(reply("550 " + text)?.enhancedCode == nil, "\(text)")
            #expect(reply("550 " + text)?.lines == [text], "\(text)")
        }
        #expect(EnhancedStatusCode(prefixOf: "2.1.5") == EnhancedStatusCode(statusClass: 2, subject: 1, detail: 5))
        #expect(EnhancedStatusCode(prefixOf: "2.1.5\tx") == nil)
    }

    /// The transport reads a reply from its bytes (``SMTPReply/init(replyBytes:)``): the same reply
    /// as from its lines, for replies of one to four lines made of codes, enhanced codes well and
    /// badly formed, spaces, words and letters of several scripts.
    @Test func readsAReplyFromItsBytesAsFromItsLines() {
        var random = SeededRandom(seed: 11)
        let pieces = ["5.1.1", "2.0.0", "4.7.1", "5.1", "55.1.1", "5.1.1x", " ", "  ", "Ok", "queued as 4Fx1", ".", "é", "Ü", "שלום",
                      "नमस्ते", "中", "250", "-", "\t", ""]
        for _ in 0..<2_000 {
            let code = ["250", "451", "550", "221", "354"][Int(random.next() % 5)]
            let count = 1 + Int(random.next() % 4)
            let lines = (0..<count).map { index in
                (0..<Int(random.next() % 5)).reduce(code + (index == count - 1 ? " " : "-")) { text, _ in text + pieces[Int(random.next() % UInt64(pieces.count))] }
            }
            let bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
            #expect(SMTPReply(replyBytes: bytes) == SMTPReply(rawLines: lines), "\(lines)")
        }
        #expect(SMTPReply(replyBytes: Array("250".utf8) + [0x0A])?.lines == [""])
        #expect(SMTPReply(replyBytes: Array("hello\n".utf8)) == nil)
        #expect(SMTPReply(replyBytes: [0x32, 0x35, 0x30, 0x20, 0x4F, 0xFF, 0x6B, 0x0A])?.lines == ["O\u{FFFD}k"])
    }

    /// A reply written back on one line: the code, the enhanced code, the lines' texts.
    @Test func writesAReplyBackOnOneLine() {
        #expect(SMTPReply(rawLines: ["250 2.0.0 Ok: queued as 4Fx1"])?.description == "250 2.0.0 Ok: queued as 4Fx1")
        #expect(SMTPReply(rawLines: ["250 Ok"])?.description == "250 Ok")
        #expect(SMTPReply(rawLines: ["250"])?.description == "250")
        #expect(SMTPReply(rawLines: ["451 4.3.0"])?.description == "451 4.3.0")
        #expect(SMTPReply(rawLines: ["550-5.1.1 No such", "550 5.1.1 user here"])?.description == "550 5.1.1 No such user here")
    }

    @Test func envelopesRefuseWhatWouldSmuggleCommands() {
        #expect(throws: EnvelopeError(role: .recipient, problem: .forbiddenCharacter)) {
            try Envelope(returnPath: "b@example.org", recipient: "a@example.org>\r\nRCPT TO:<x@example.org")
        }
        #expect(throws: EnvelopeError(role: .recipient, problem: .empty)) { try Envelope(returnPath: "", recipient: "") }
        #expect((try? Envelope(returnPath: "", recipient: "a@example.org")) != nil)
        #expect(!"\((try? Envelope(returnPath: "b@example.org", recipient: "a@example.org"))!)".contains("@"))
    }
}

@Suite("Token bucket")
struct TokenBucketTests {
    @Test func reservesAtTheRate() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(rate: 10, start: start)
        #expect(bucket.reserve(at: start) == .zero)
        #expect(bucket.reserve(at: start) == .milliseconds(100))
        #expect(bucket.reserve(at: start) == .milliseconds(200))
        // After a long idle time only the burst is saved up.
        let later = start.advanced(by: .seconds(10))
        #expect(bucket.reserve(at: later) == .zero)
        #expect(bucket.reserve(at: later) == .milliseconds(100))
    }
}
