import BreachConfig
import BreachCore
import BreachRegister
public import BreachTransport
import Foundation
import Logging

/// The mail transport of a working directory, from `mail` in `breachmail.yaml`: one place, used
/// by the campaign and by authority mail alike.
public enum MailSetup {
    public static func configuration(_ ws: Workspace) throws -> TransportConfiguration {
        let mail = ws.configuration.mail
        // An outbox path is relative to the working directory, not to wherever breachmail runs.
        let url = mail.transport.hasPrefix("outbox:")
            ? "outbox:" + ws.path(String(mail.transport.dropFirst("outbox:".count))).path
            : mail.transport
        var t = TransportConfiguration(url: url)
        t.connections = mail.connections
        t.messagesPerSecond = mail.ratePerSecond > 0 ? mail.ratePerSecond : nil
        // Workers sharing a register share the relay's limit: turns reserved in the register.
        if ws.register.sharedByWorkers, t.messagesPerSecond != nil {
            t.sharedTurns = RegisterSendTurns(register: ws.register, relay: mail.transport)
        }
        t.maxMessagesPerConnection = mail.messagesPerConnection
        t.caFile = mail.caFile.isEmpty ? nil : ws.path(mail.caFile).path
        t.allowPlaintextLoopback = mail.allowPlaintextLoopback
        t.conversation = ws.smtpConversation
        if !mail.username.isEmpty { t.username = mail.username }
        if let password = mail.password {
            do { t.password = try password.resolve(relativeTo: ws.directory) } catch {
                throw AppError(.configuration, "mail.password: \(error)")
            }
        }
        return t
    }

    public static func transport(_ ws: Workspace) throws -> any MailTransport {
        var logger = Logger(label: "breachmail.transport")
        logger.logLevel = .warning
        do {
            return try Transport.make(try configuration(ws), logger: logger)
        } catch let error as TransportConfigurationError {
            throw AppError(.configuration, "mail.transport in \(Configuration.fileName): \(error)")
        }
    }

    /// Where `mail.transport` delivers, for people: `the outbox outbox/new/` or `the relay smtp://…`.
    public static func destination(_ ws: Workspace) -> String {
        let t = ws.configuration.mail.transport
        return t.hasPrefix("outbox:") ? "the outbox \(t.dropFirst("outbox:".count))/new/" : "the relay \(t)"
    }
}

/// The relay's turns, reserved in a register shared by workers (``SubjectStore/reserveSendTurns(relay:count:interval:)``).
struct RegisterSendTurns: SharedSendTurns {
    let register: any RegisterStore
    let relay: String

    func reserve(count: Int, interval: Double) throws -> Double {
        try register.reserveSendTurns(relay: relay, count: count, interval: interval) ?? 0
    }
}
