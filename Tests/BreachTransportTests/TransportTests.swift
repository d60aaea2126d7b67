import BreachCore
import BreachCurl
import BreachTestSupport
import BreachTransport
import Foundation
import Logging
import Testing

func message(_ index: Int, to recipient: String? = nil) throws -> OutgoingMessage {
    let text = "From: <dpo@example.org>\r\nTo: <s\(index)@example.test>\r\nSubject: Notice \(index)\r\n\r\nLine.\r\n.\r\nEnd \(index).\r\n"
    return OutgoingMessage(
        id: "d\(index)",
        envelope: try Envelope(returnPath: "b-\(index)@bounce.example.org", recipient: recipient ?? "s\(index)@example.test"),
        bytes: Array(text.utf8))
}

let logger = Logger(label: "breachmail.transport.tests")

@Suite("Transport configuration")
struct TransportConfigurationTests {
    @Test func clearTextToANonLoopbackHostIsRefused() {
        var configuration = TransportConfiguration(url: "smtp://relay.example.org:25")
        configuration.allowPlaintextLoopback = true
        #expect(throws: TransportConfigurationError(
            setting: "transport.allow_plaintext_loopback",
            problem: "clear text is allowed to a loopback host only (127.0.0.1, ::1, localhost), and 'relay.example.org' is not one",
            fix: "remove allow_plaintext_loopback so that STARTTLS is required, or send to a local MTA")
        ) { try configuration.endpoint() }
    }

    @Test func smtpRequiresSTARTTLSAndSMTPSImplicitTLSWithDefaultPorts() throws {
        guard case .smtp(let starttls) = try TransportConfiguration(url: "smtp://relay.example.org").endpoint(),
            case .smtp(let implicit) = try TransportConfiguration(url: "smtps://relay.example.org").endpoint()
        else {
            Issue.record("expected SMTP endpoints")
            return
        }
        #expect(starttls.security == .startTLS && starttls.port == 587)
        #expect(implicit.security == .implicitTLS && implicit.port == 465)
    }

    @Test func clearTextToLoopbackWhenAllowed() throws {
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:2525")
        configuration.allowPlaintextLoopback = true
        guard case .smtp(let options) = try configuration.endpoint() else {
            Issue.record("expected an SMTP endpoint")
            return
        }
        #expect(options.security == .plaintextLoopback)
    }

    @Test func badSettingsNameTheSetting() {
        var configuration = TransportConfiguration(url: "http://example.org")
        #expect(throws: TransportConfigurationError.self) { try configuration.endpoint() }
        configuration.url = "smtp://relay.example.org"
        configuration.connections = 0
        #expect { try configuration.endpoint() } throws: { ($0 as? TransportConfigurationError)?.setting == "transport.connections" }
        configuration.connections = 2
        configuration.password = "secret"
        #expect { try configuration.endpoint() } throws: { ($0 as? TransportConfigurationError)?.setting == "transport.username" }
        #expect(!"\(configuration)".contains("secret"))
    }
}

@Suite("Transports against real receivers")
struct TransportTests {
    @Test func outboxWritesAMaildirWithTheEnvelopeOnTop() async throws {
        let directory = try TemporaryDirectory()
        let transport = try Transport.make(TransportConfiguration(url: "outbox:\(directory.path)/outbox"), logger: logger)
        let sent = try message(1)
        #expect(await transport.send(sent).isAccepted)
        let new = directory.url.appendingPathComponent("outbox/new")
        let names = try FileManager.default.contentsOfDirectory(atPath: new.path)
        #expect(names.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("outbox/tmp").path).isEmpty)
        let file = new.appendingPathComponent(try #require(names.first))
        let header = Array("Return-Path: <b-1@bounce.example.org>\r\nX-Envelope-To: <s1@example.test>\r\n".utf8)
        #expect(try Array(Data(contentsOf: file)) == header + sent.bytes)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func parallelConnectionsDeliverEveryMessageExactlyOnce() async throws {
        let server = try SMTPTestServer()
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        configuration.allowPlaintextLoopback = true
        configuration.connections = 4
        let transport = try Transport.make(configuration, logger: logger)
        let messages = try (0..<40).map { try message($0) }
        let outcomes = await withTaskGroup(of: SendOutcome.self) { group in
            for sent in messages { group.addTask { await transport.send(sent) } }
            return await group.reduce(into: [SendOutcome]()) { $0.append($1) }
        }
        await transport.shutdown()
        #expect(outcomes.filter { $0.isAccepted }.count == 40)
        let received = try server.waitForMessages(40)
        #expect(received.count == 40)
        #expect(Set(received.map(\.bytes)) == Set(messages.map(\.bytes)))
        #expect(Set(received.map(\.peerPort)).count > 1)
        #expect(Set(received.map(\.peerPort)).count <= 4)
    }

    @Test func deliverDrainsAFeedOverEveryConnection() async throws {
        let server = try SMTPTestServer()
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        configuration.allowPlaintextLoopback = true
        configuration.connections = 4
        let transport = try Transport.make(configuration, logger: logger)
        let feed = ListFeed(messages: try (0..<40).map { try message($0) })
        await transport.deliver(feed)
        await transport.shutdown()
        let log = feed.log
        #expect(log.outcomes.count == 40)
        #expect(log.outcomes.filter { $0.value.isAccepted }.count == 40)
        #expect(log.outOfOrder == 0)
        #expect(Set(log.connections).isSubset(of: [0, 1, 2, 3]))
        let received = try server.waitForMessages(40)
        #expect(received.count == 40)
        #expect(Set(received.map(\.bytes)) == Set(feed.messages.map(\.bytes)))
        #expect(Set(received.map(\.peerPort)).count > 1)
    }

    /// Issue 20 §2: the campaign's path (`deliver`, several connections) honours `rate_per_second`
    /// as the single-message path does: one bucket for the whole relay, not one per connection.
    @Test func deliverHonoursTheRateLimitAcrossConnections() async throws {
        let server = try SMTPTestServer()
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        configuration.allowPlaintextLoopback = true
        configuration.connections = 4
        configuration.messagesPerSecond = 20
        let transport = try Transport.make(configuration, logger: logger)
        let feed = ListFeed(messages: try (0..<21).map { try message($0) })
        let started = ContinuousClock.now
        await transport.deliver(feed)
        let elapsed = ContinuousClock.now - started
        await transport.shutdown()
        #expect(feed.log.outcomes.filter { $0.value.isAccepted }.count == 21)
        // One token at start, then one per 50 ms for the whole relay: twenty waits, whatever the connections.
        #expect(elapsed >= .milliseconds(950), "21 messages in \(elapsed) at 20 per second")
        #expect(try server.waitForMessages(21).count == 21)
    }

    @Test func outboxDeliverWritesWhatTheFeedHandsOut() async throws {
        let directory = try TemporaryDirectory()
        let transport = try Transport.make(TransportConfiguration(url: "outbox:\(directory.path)/outbox"), logger: logger)
        let feed = ListFeed(messages: try (0..<5).map { try message($0) })
        await transport.deliver(feed)
        #expect(feed.log.outcomes.filter { $0.value.isAccepted }.count == 5)
        #expect(feed.log.outOfOrder == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("outbox/new").path).count == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("outbox/tmp").path).isEmpty)
    }

    @Test func rateLimitSpacesMessages() async throws {
        let server = try SMTPTestServer()
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        configuration.allowPlaintextLoopback = true
        configuration.messagesPerSecond = 20
        let transport = try Transport.make(configuration, logger: logger)
        let started = ContinuousClock.now
        for index in 0..<6 {
            let sent = try message(index)
            #expect(await transport.send(sent).isAccepted)
        }
        // One token at start, then one per 50 ms: five waits.
        #expect(ContinuousClock.now - started >= .milliseconds(240))
        await transport.shutdown()
    }

    @Test func outcomesKeepTheServersWordsThroughTheTransport() async throws {
        let server = try SMTPTestServer(faults: ["gone@example.test": .reply(550), "later@example.test": .reply(451)])
        var configuration = TransportConfiguration(url: "smtp://localhost:\(server.port)")
        configuration.allowPlaintextLoopback = true
        let transport = try Transport.make(configuration, logger: logger)
        let gone = await transport.send(try message(1, to: "gone@example.test"))
        let later = await transport.send(try message(2, to: "later@example.test"))
        let fine = await transport.send(try message(3))
        await transport.shutdown()
        guard case .permanent(let refusal) = gone, case .transient(let deferral) = later else {
            Issue.record("expected permanent then transient, got \(gone), \(later)")
            return
        }
        #expect(refusal.reply?.enhancedCode?.description == "5.1.1")
        #expect(deferral.reply?.text.contains("try again in 5 minutes") == true)
        #expect(fine.isAccepted)
        #expect(try server.waitForMessages(1).count == 1)
    }

    @Test func sendAfterShutdownIsRefusedNotLost() async throws {
        let server = try SMTPTestServer()
        var configuration = TransportConfiguration(url: "smtp://127.0.0.1:\(server.port)")
        configuration.allowPlaintextLoopback = true
        let transport = try Transport.make(configuration, logger: logger)
        await transport.shutdown()
        guard case .localError = await transport.send(try message(1)) else {
            Issue.record("expected a local error after shutdown")
            return
        }
    }
}

/// A feed over a list: hands each message out once and checks that each connection reports a
/// message before asking for the next.
final class ListFeed: DeliveryFeed, @unchecked Sendable {
    struct Log {
        var next = 0
        var outcomes: [String: SendOutcome] = [:]
        var inFlight: [Int: String] = [:]
        var connections: [Int] = []
        var outOfOrder = 0
    }

    let messages: [OutgoingMessage]
    private let lock = NSLock()
    private var state = Log()
    var log: Log { lock.withLock { state } }

    init(messages: [OutgoingMessage]) { self.messages = messages }

    func next(connection: Int) -> OutgoingMessage? {
        lock.withLock {
            if state.inFlight[connection] != nil { state.outOfOrder += 1 }
            guard state.next < messages.count else { return nil }
            let message = messages[state.next]
            state.next += 1
            state.inFlight[connection] = message.id
            state.connections.append(connection)
            return message
        }
    }

    func delivered(_ message: OutgoingMessage, _ outcome: SendOutcome, connection: Int) {
        lock.withLock {
            if state.inFlight[connection] != message.id { state.outOfOrder += 1 }
            state.inFlight[connection] = nil
            state.outcomes[message.id] = outcome
        }
    }
}
