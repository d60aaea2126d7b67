public import BreachCore
public import Logging

/// Something that takes one message for one recipient and says how it went.
///
/// `send` never throws: every way a message can fail is a ``SendOutcome``, and the caller
/// believes a message submitted only on `.accepted`.
public protocol MailTransport: Sendable {
    /// Hands one message over. Waits for the rate limit and a free connection.
    func send(_ message: OutgoingMessage) async -> SendOutcome
    /// Sends what `feed` hands out, each connection taking its next message on its own thread
    /// as soon as it is free, until `feed` has no more for any of them.
    ///
    /// This is the campaign's path: no hop between threads per message, so that composing and
    /// recording run in parallel on the connections' threads, beside the sending.
    func deliver(_ feed: any DeliveryFeed) async
    /// Finishes the messages already handed over, then closes every connection.
    func shutdown() async
}

/// The messages of a campaign, handed to a transport's connections one at a time.
///
/// Both calls are made on a connection's own thread, which is not one of Swift's cooperative
/// pool: they may block (compose, write the register, wait for the rate). A connection calls
/// ``delivered(_:_:connection:)`` for a message before it asks for its next one.
public protocol DeliveryFeed: Sendable {
    /// The next message for `connection` (0 ..< connections), or `nil` when it is to stop.
    func next(connection: Int) -> OutgoingMessage?
    /// How the message last handed to `connection` went.
    func delivered(_ message: OutgoingMessage, _ outcome: SendOutcome, connection: Int)
    /// Called on `connection`'s thread while the relay works on its message (once a message, at
    /// most): the feed may get that connection's next messages ready, to hand them over at its
    /// next calls of `next(connection:)` — or not at all, when an outcome stops the run.
    /// `answered` says whether the relay has answered meanwhile (then the connection would
    /// rather go on with its transaction).
    func prepareNext(connection: Int, answered: () -> Bool)
}

extension DeliveryFeed {
    /// Nothing prepared ahead: `next(connection:)` does everything.
    public func prepareNext(connection: Int, answered: () -> Bool) {}
}

/// Makes the transport a configuration asks for.
public enum Transport {
    /// The transport for `configuration`: SMTP to a relay, or a Maildir outbox.
    ///
    /// - Throws: ``TransportConfigurationError`` when a setting cannot work.
    public static func make(_ configuration: TransportConfiguration, logger: Logger) throws(TransportConfigurationError) -> any MailTransport {
        switch try configuration.endpoint() {
        case .smtp(let options):
            return SMTPTransport(
                options: options, connections: configuration.connections,
                messagesPerSecond: configuration.messagesPerSecond, logger: logger, sharedTurns: configuration.sharedTurns)
        case .outbox(let directory):
            do {
                return try OutboxTransport(directory: directory, logger: logger)
            } catch {
                throw TransportConfigurationError(setting: "transport.url", problem: "the outbox \(directory) cannot be created (\(error))", fix: "give a directory breachmail may write to")
            }
        }
    }
}

extension Logger {
    /// Logs an outcome with the message id and the reply's codes; never an address or reply text,
    /// which may quote the address.
    func log(_ outcome: SendOutcome, id: String) {
        let (level, text): (Logger.Level, Logger.Message)
        switch outcome {
        case .accepted: (level, text) = (.debug, "message accepted")
        case .transient: (level, text) = (.info, "message deferred")
        case .permanent: (level, text) = (.info, "message refused")
        case .localError: (level, text) = (.error, "sending set-up failed")
        }
        guard logLevel <= level else { return }  // a campaign logs nothing per accepted message
        var metadata: Metadata = ["message.id": "\(id)"]
        if let reply = outcome.reply {
            metadata["smtp.code"] = "\(reply.code)"
            if let enhanced = reply.enhancedCode { metadata["smtp.enhanced"] = "\(enhanced)" }
        }
        if let step = outcome.failure?.step { metadata["smtp.step"] = "\(step.rawValue)" }
        log(level: level, text, metadata: metadata)
    }
}
