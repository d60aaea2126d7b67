// Messages per second through BreachTransport to a relay (Benchmarks/transport.sh runs it
// against Postfix's smtp-sink), by the campaign's path (`deliver`: each connection's thread asks
// a feed for its next message) and by the single-message path (`send`, as authority mail goes).
// Prints figures; it is never a test.
//
//   TransportBenchmark URL CONNECTIONS COUNT [SIZE]
//   TransportBenchmark smtp://127.0.0.1:2525 4 20000 2000
//   TransportBenchmark smtp://127.0.0.1:2525 direct 20000 2000   (the wrapper alone, no threads)
import BreachCore
import BreachCurl
import BreachTransport
import Foundation
import Logging

let arguments = CommandLine.arguments
let direct = arguments.count >= 3 && arguments[2] == "direct"
guard arguments.count >= 4, let connections = direct ? 1 : Int(arguments[2]), let count = Int(arguments[3]) else {
    print("usage: TransportBenchmark URL CONNECTIONS COUNT [SIZE]")
    exit(2)
}
let size = arguments.count > 4 ? Int(arguments[4]) ?? 2000 : 2000

var configuration = TransportConfiguration(url: arguments[1])
configuration.connections = connections
configuration.allowPlaintextLoopback = true
configuration.maxMessagesPerConnection = Int.max
let logger = Logger(label: "breachmail.benchmark")
let transport = try Transport.make(configuration, logger: logger)

let header = "From: <dpo@example.org>\r\nTo: <subject@example.test>\r\nSubject: benchmark\r\n\r\n"
let line = String(repeating: "x", count: 76) + "\r\n"
let body = String(repeating: line, count: max(size - header.utf8.count, 0) / line.utf8.count)
let bytes = Array((header + body).utf8)
let envelope = try Envelope(returnPath: "bounce@example.org", recipient: "subject@example.test")

func seconds(_ elapsed: Duration) -> Double {
    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

if direct, case .smtp(let options) = try configuration.endpoint() {
    let connection = try SMTPConnection(options: options)
    let message = OutgoingMessage(id: "b", envelope: envelope, bytes: bytes)
    let started = ContinuousClock.now
    var accepted = 0
    for _ in 0..<count where connection.send(message).isAccepted { accepted += 1 }
    let elapsed = seconds(ContinuousClock.now - started)
    print(String(format: "swift SMTPConnection alone: %d/%d accepted, %d bytes, %.2f s, %.0f msg/s",
                 accepted, count, bytes.count, elapsed, Double(count) / elapsed))
    exit(0)
}

/// The campaign's path: each connection's thread asks the feed for its next message.
final class CountingFeed: DeliveryFeed, @unchecked Sendable {
    let count: Int
    let message: (Int) -> OutgoingMessage
    private let lock = NSLock()
    private var next = 0
    private(set) var accepted = 0
    init(count: Int, message: @escaping (Int) -> OutgoingMessage) {
        self.count = count
        self.message = message
    }
    func next(connection: Int) -> OutgoingMessage? {
        lock.withLock {
            guard next < count else { return nil }
            next += 1
            return message(next)
        }
    }
    func delivered(_ message: OutgoingMessage, _ outcome: SendOutcome, connection: Int) {
        if outcome.isAccepted { lock.withLock { accepted += 1 } }
    }
}

let feed = CountingFeed(count: count) { OutgoingMessage(id: "d\($0)", envelope: envelope, bytes: bytes) }
let deliverStarted = ContinuousClock.now
await transport.deliver(feed)
let deliverElapsed = seconds(ContinuousClock.now - deliverStarted)
print(String(format: "swift transport, campaign path (deliver): %d connection(s), %d/%d accepted, %d bytes, %.2f s, %.0f msg/s, %.0f msg/s per connection",
             connections, feed.accepted, count, bytes.count, deliverElapsed, Double(count) / deliverElapsed,
             Double(count) / deliverElapsed / Double(connections)))

let started = ContinuousClock.now
let accepted = await withTaskGroup(of: Bool.self) { group in
    var next = 0
    var accepted = 0
    // Enough in flight to keep every connection busy, without queueing all at once.
    for _ in 0..<min(connections * 2, count) {
        let id = next
        group.addTask { await transport.send(OutgoingMessage(id: "b\(id)", envelope: envelope, bytes: bytes)).isAccepted }
        next += 1
    }
    for await ok in group {
        if ok { accepted += 1 }
        if next < count {
            let id = next
            group.addTask { await transport.send(OutgoingMessage(id: "b\(id)", envelope: envelope, bytes: bytes)).isAccepted }
            next += 1
        }
    }
    return accepted
}
let elapsed = seconds(ContinuousClock.now - started)
await transport.shutdown()
print(String(format: "swift transport, single-message path (send): %d connection(s), %d/%d accepted, %d bytes, %.2f s, %.0f msg/s, %.0f msg/s per connection",
             connections, accepted, count, bytes.count, elapsed, Double(count) / elapsed, Double(count) / elapsed / Double(connections)))
