public import BreachCore
public import Logging
public import Foundation
import Synchronization

/// Writes each message into a Maildir (`DIR/tmp`, `DIR/new`, `DIR/cur`) instead of sending it:
/// the embedded default for the demo and for trying templates.
///
/// Each file is written in `tmp/`, synced, then renamed into `new/`, so a reader never sees half
/// a message. Files are `0600`, directories `0700`. The envelope, which a Maildir has no place
/// for, is kept the way delivery agents do: a `Return-Path:` and an `X-Envelope-To:` header are
/// prepended to the outbox copy only; the bytes after them are exactly the message's.
public final class OutboxTransport: MailTransport {
    /// The Maildir.
    public let directory: URL
    private let logger: Logger
    private let sequence = Atomic<Int>(0)
    private let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: ":", with: "_")

    /// Creates the Maildir's three folders if they are missing.
    ///
    /// - Throws: the file system's error when a folder cannot be created.
    public init(directory: String, logger: Logger) throws {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        self.logger = logger
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(
                at: self.directory.appendingPathComponent(sub), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
    }

    public func send(_ message: OutgoingMessage) async -> SendOutcome {
        deposit(message)
    }

    /// One thread writes what the feed hands out: a Maildir has no connections to share.
    public func deliver(_ feed: any DeliveryFeed) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                while let message = feed.next(connection: 0) { feed.delivered(message, self.deposit(message), connection: 0) }
                continuation.resume()
            }
            thread.name = "breachmail-outbox"
            thread.start()
        }
    }

    private func deposit(_ message: OutgoingMessage) -> SendOutcome {
        let outcome: SendOutcome
        do {
            let name = try write(message)
            outcome = .accepted(SMTPReply(
                code: 250, enhancedCode: EnhancedStatusCode(statusClass: 2, subject: 0, detail: 0),
                lines: ["written to the outbox as new/\(name)"]))
        } catch {
            outcome = .localError(SendFailure(
                step: nil, reply: nil,
                reason: "cannot write to the outbox \(directory.path) (\(error)); check that the directory is writable and the disk not full"))
        }
        logger.log(outcome, id: message.id)
        return outcome
    }

    public func shutdown() async {}

    /// The Maildir name: time, microseconds, process and a sequence number, then the host.
    private func write(_ message: OutgoingMessage) throws -> String {
        let now = Date().timeIntervalSince1970
        let seconds = Int(now)
        let micro = Int((now - Double(seconds)) * 1_000_000)
        let count = sequence.add(1, ordering: .relaxed).newValue
        let name = "\(seconds).M\(micro)P\(getpid())Q\(count).\(host)"
        var bytes = Array("Return-Path: <\(message.envelope.returnPath)>\r\nX-Envelope-To: <\(message.envelope.recipient)>\r\n".utf8)
        bytes += message.bytes
        let temporary = directory.appendingPathComponent("tmp/\(name)").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Foundation.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 { if errno == EINTR { continue }; return errno }
                written += result
            }
            return fsync(descriptor) == 0 ? nil : errno
        }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
        guard rename(temporary, directory.appendingPathComponent("new/\(name)").path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        return name
    }
}
