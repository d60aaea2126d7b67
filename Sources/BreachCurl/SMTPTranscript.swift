import BreachCore

/// Follows one transaction through libcurl's debug callback: which step the session is at and
/// the server's full reply to each step.
///
/// Only the verb of each command is read: the arguments hold addresses and, after AUTH,
/// credentials, and none of them is kept.
struct SMTPTranscript {
    private(set) var step: SMTPStep = .connect
    /// The last complete reply and the step it answered.
    private(set) var lastReply: (step: SMTPStep, reply: SMTPReply)?
    private var replyLines: [String] = []
    private var partialLine: [UInt8] = []

    /// A command went out (`CURLINFO_HEADER_OUT`).
    mutating func commandSent(_ bytes: UnsafeRawBufferPointer) {
        let verb = String(decoding: bytes.prefix(while: { $0 != 0x20 && $0 != 0x0D && $0 != 0x0A }), as: UTF8.self)
            .uppercased()
        switch verb {
        case "EHLO", "HELO": step = .ehlo
        case "STARTTLS": step = .startTLS
        case "AUTH": step = .authentication
        case "MAIL": step = .mailFrom
        case "RCPT": step = .recipient
        case "DATA": step = .data
        case "QUIT": step = .quit
        default: break  // AUTH continuation lines stay in .authentication
        }
    }

    /// Message bytes went out (`CURLINFO_DATA_OUT`): the reply to come is the end-of-data reply.
    mutating func messageSent() { step = .message }

    /// Reply bytes came in (`CURLINFO_HEADER_IN`), one or more lines or a part of one.
    mutating func replyReceived(_ bytes: UnsafeRawBufferPointer) {
        if step == .connect { step = .greeting }
        for byte in bytes {
            guard byte == 0x0A else {
                partialLine.append(byte)
                continue
            }
            if partialLine.last == 0x0D { partialLine.removeLast() }
            let line = String(decoding: partialLine, as: UTF8.self)
            partialLine.removeAll(keepingCapacity: true)
            replyLines.append(line)
            // "250-more" continues, "250 last" ends the reply (RFC 5321 §4.2.1).
            let utf8 = Array(line.utf8)
            if utf8.count < 4 || utf8[3] != UInt8(ascii: "-") { finishReply() }
        }
    }

    private mutating func finishReply() {
        defer { replyLines.removeAll(keepingCapacity: true) }
        guard let reply = SMTPReply(rawLines: replyLines) else { return }
        lastReply = (step, reply)
    }

    /// Forgets everything before the next transaction.
    mutating func reset() {
        self = SMTPTranscript()
    }
}
