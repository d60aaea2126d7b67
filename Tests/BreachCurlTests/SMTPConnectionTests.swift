import BreachCore
import BreachTestSupport
import Foundation
import Testing

@testable import BreachCurl

/// A message with what tends to break senders: a line that is a single dot, a line starting
/// with a dot, UTF-8, and a long line.
func sampleMessage(id: String = "m1", to recipient: String = "ana@example.test") throws -> OutgoingMessage {
    let text = "From: DPO <dpo@example.org>\r\nTo: <\(recipient)>\r\nSubject: Notice \(id)\r\n"
        + "Message-ID: <\(id)@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n\r\nBonjour, données personnelles.\r\n.\r\n..two dots\r\n"
        + ".leading dot\r\n" + String(repeating: "x", count: 900) + "\r\nEnd.\r\n"
    return OutgoingMessage(
        id: id, envelope: try Envelope(returnPath: "b-\(id)@bounce.example.org", recipient: recipient),
        bytes: Array(text.utf8))
}

func plainOptions(_ server: SMTPTestServer) -> SMTPSessionOptions {
    SMTPSessionOptions(host: "127.0.0.1", port: server.port, security: .plaintextLoopback, timeout: .seconds(10))
}

@Suite("SMTP over libcurl against a real server")
struct SMTPConnectionTests {
    @Test func clearTextToLoopbackDeliversTheExactBytes() throws {
        let server = try SMTPTestServer()
        let connection = try SMTPConnection(options: plainOptions(server))
        let message = try sampleMessage()
        let outcome = connection.send(message)
        let reply = try #require(outcome.reply)
        #expect(outcome.isAccepted)
        #expect(reply.code == 250)
        #expect(reply.enhancedCode?.description == "2.0.0")
        let received = try server.waitForMessages(1)
        #expect(received.count == 1)
        #expect(received.first?.bytes == message.bytes)
        #expect(received.first?.mailFrom == "b-m1@bounce.example.org")
        #expect(received.first?.recipients == ["ana@example.test"])
    }

    @Test func oneConnectionCarriesSeveralMessages() throws {
        let server = try SMTPTestServer()
        let connection = try SMTPConnection(options: plainOptions(server))
        for index in 0..<5 {
            #expect(connection.send(try sampleMessage(id: "m\(index)")).isAccepted)
        }
        let received = try server.waitForMessages(5)
        #expect(received.count == 5)
        #expect(Set(received.map(\.peerPort)).count == 1)
    }

    @Test func capOfMessagesPerConnectionOpensNewOnes() throws {
        let server = try SMTPTestServer()
        var options = plainOptions(server)
        options.maxMessagesPerConnection = 2
        let connection = try SMTPConnection(options: options)
        for index in 0..<5 {
            #expect(connection.send(try sampleMessage(id: "m\(index)")).isAccepted)
        }
        let received = try server.waitForMessages(5)
        #expect(Set(received.map(\.peerPort)).count == 3)
    }

    @Test func startTLSWithTheTestCA() throws {
        let certificates = try TestCertificates.shared()
        let server = try SMTPTestServer(mode: .startTLS, certificate: certificates.localhost)
        let options = SMTPSessionOptions(host: "127.0.0.1", port: server.port, security: .startTLS, caFile: certificates.caFile)
        let message = try sampleMessage()
        #expect(try SMTPConnection(options: options).send(message).isAccepted)
        let received = try server.waitForMessages(1)
        #expect(received.first?.tls == true)
        #expect(received.first?.bytes == message.bytes)
    }

    @Test func implicitTLSWithTheTestCA() throws {
        let certificates = try TestCertificates.shared()
        let server = try SMTPTestServer(mode: .implicitTLS, certificate: certificates.localhost)
        let options = SMTPSessionOptions(host: "localhost", port: server.port, security: .implicitTLS, caFile: certificates.caFile)
        #expect(try SMTPConnection(options: options).send(try sampleMessage()).isAccepted)
        #expect(try server.waitForMessages(1).first?.tls == true)
    }

    @Test func startTLSRequiredEvenWhenTheServerOffersNone() throws {
        let server = try SMTPTestServer(mode: .plain)
        let options = SMTPSessionOptions(host: "127.0.0.1", port: server.port, security: .startTLS)
        let outcome = try SMTPConnection(options: options).send(try sampleMessage())
        guard case .localError = outcome else {
            Issue.record("expected a local error, got \(outcome)")
            return
        }
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test func certificateForAnotherNameIsRefusedAndNothingIsSent() throws {
        let certificates = try TestCertificates.shared()
        for mode in [SMTPTestServer.Mode.startTLS, .implicitTLS] {
            let server = try SMTPTestServer(mode: mode, certificate: certificates.otherName)
            let options = SMTPSessionOptions(
                host: "127.0.0.1", port: server.port, security: mode == .startTLS ? .startTLS : .implicitTLS,
                caFile: certificates.caFile)
            let outcome = try SMTPConnection(options: options).send(try sampleMessage())
            guard case .localError(let failure) = outcome else {
                Issue.record("expected a local error, got \(outcome)")
                continue
            }
            #expect(failure.reply == nil)
            #expect(try server.receivedMessages().isEmpty)
        }
    }

    @Test func unknownCAIsRefused() throws {
        let certificates = try TestCertificates.shared()
        let server = try SMTPTestServer(mode: .implicitTLS, certificate: certificates.localhost)
        let options = SMTPSessionOptions(host: "127.0.0.1", port: server.port, security: .implicitTLS)
        let outcome = try SMTPConnection(options: options).send(try sampleMessage())
        guard case .localError = outcome else {
            Issue.record("expected a local error, got \(outcome)")
            return
        }
    }

    @Test func authWithTheRightPassword() throws {
        let certificates = try TestCertificates.shared()
        let server = try SMTPTestServer(
            mode: .startTLS, certificate: certificates.localhost, login: ("dpo", "s3cret pass"))
        let options = SMTPSessionOptions(
            host: "127.0.0.1", port: server.port, caFile: certificates.caFile, username: "dpo", password: "s3cret pass")
        #expect(try SMTPConnection(options: options).send(try sampleMessage()).isAccepted)
        #expect(try server.waitForMessages(1).first?.login == "dpo")
    }

    @Test func authWithAWrongPasswordIsALocalErrorWithTheServersWords() throws {
        let server = try SMTPTestServer(login: ("dpo", "right"))
        var options = plainOptions(server)
        options.username = "dpo"
        options.password = "wrong-password"
        let outcome = try SMTPConnection(options: options).send(try sampleMessage())
        guard case .localError(let failure) = outcome else {
            Issue.record("expected a local error, got \(outcome)")
            return
        }
        #expect(failure.step == .authentication)
        #expect(failure.reply?.code == 535)
        #expect(failure.reply?.enhancedCode?.description == "5.7.8")
        #expect(!failure.description.contains("wrong-password"))
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test(arguments: [
        (421, "4.3.2", "transient"), (451, "4.7.1", "transient"), (452, "4.5.3", "transient"),
        (550, "5.1.1", "permanent"), (552, "5.5.3", "transient"),
    ])
    func recipientRefusals(code: Int, enhanced: String, expected: String) throws {
        let server = try SMTPTestServer(faults: ["refused@example.test": .reply(code)])
        let connection = try SMTPConnection(options: plainOptions(server))
        let outcome = connection.send(try sampleMessage(to: "refused@example.test"))
        let failure = try #require(outcome.failure)
        switch (outcome, expected) {
        case (.transient, "transient"), (.permanent, "permanent"): break
        default: Issue.record("expected \(expected), got \(outcome)")
        }
        #expect(failure.step == .recipient)
        #expect(failure.reply?.code == code)
        #expect(failure.reply?.enhancedCode?.description == enhanced)
        #expect(failure.reply?.text.isEmpty == false)
        // The rejection closed the connection; the next message goes through on a new one.
        #expect(connection.send(try sampleMessage(id: "next")).isAccepted)
        #expect(try server.waitForMessages(1).map(\.recipients) == [["ana@example.test"]])
    }

    @Test func rejectionAtTheEndOfDataIsPermanent() throws {
        let server = try SMTPTestServer(faults: ["spam@example.test": .rejectMessage])
        let outcome = try SMTPConnection(options: plainOptions(server)).send(try sampleMessage(to: "spam@example.test"))
        guard case .permanent(let failure) = outcome else {
            Issue.record("expected permanent, got \(outcome)")
            return
        }
        #expect(failure.step == .message)
        #expect(failure.reply?.enhancedCode?.description == "5.7.1")
    }

    @Test func connectionDroppedDuringDataIsTransientNeverAccepted() throws {
        let server = try SMTPTestServer(faults: ["drop@example.test": .dropDuringData])
        let connection = try SMTPConnection(options: plainOptions(server))
        let outcome = connection.send(try sampleMessage(to: "drop@example.test"))
        guard case .transient(let failure) = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
        #expect(failure.step == .message)
        #expect(try server.receivedMessages().isEmpty)
        #expect(connection.send(try sampleMessage(id: "after")).isAccepted)
    }

    @Test func slowServerTimesOutAsTransient() throws {
        let server = try SMTPTestServer(faults: ["slow@example.test": .delay(seconds: 5)])
        var options = plainOptions(server)
        options.timeout = .milliseconds(800)
        let connection = try SMTPConnection(options: options)
        let message = try sampleMessage(to: "slow@example.test")
        let started = ContinuousClock.now
        let outcome = connection.send(message)
        #expect(ContinuousClock.now - started < .seconds(3))
        guard case .transient(let failure) = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
        #expect(failure.step == .message)
        // The timed-out connection is closed, not kept waiting for the late reply.
        let closing = ContinuousClock.now
        _ = consume connection
        #expect(ContinuousClock.now - closing < .seconds(2))
    }

    @Test func refusedConnectionIsTransient() throws {
        // Port 1 on loopback: nothing listens there.
        let options = SMTPSessionOptions(host: "127.0.0.1", port: 1, security: .plaintextLoopback, connectTimeout: .seconds(2))
        let outcome = try SMTPConnection(options: options).send(try sampleMessage())
        guard case .transient(let failure) = outcome else {
            Issue.record("expected transient, got \(outcome)")
            return
        }
        #expect(failure.step == .connect)
        #expect(failure.reply == nil)
    }

    @Test func clearTextToANonLoopbackHostIsRefusedByTheWrapperToo() {
        let options = SMTPSessionOptions(host: "relay.example.org", port: 25, security: .plaintextLoopback)
        #expect(throws: CurlError.self) { try SMTPConnection(options: options) }
    }
}
