import BreachCore

/// Follows one transaction through libcurl's debug callback: which step the session is at and
/// the server's full reply to each step.
///
/// Only the verb of each command is read: the arguments hold addresses and, after AUTH,
/// credentials, and none of them is kept.
///
/// A transaction brings five replies or more; only the last one (what an accepted message is
/// recorded with) and a failing one are ever read. So a reply is kept as the bytes it came in,
/// and parsed into an ``SMTPReply`` when it is asked for (`lastReply`), or at once when it is
/// negative (rare): no text is made of the replies nobody reads.
struct SMTPTranscript {
    private(set) var step: SMTPStep = .connect
    /// The last 4xx or 5xx reply: the one a failure is about, even when QUIT's 221 came after.
    private(set) var failingReply: (step: SMTPStep, reply: SMTPReply)?
    /// The last complete reply's lines, CRLF removed, each ended by LF; and the step it answered.
    private var lastBytes: [UInt8] = []
    private var lastStep: SMTPStep?
    /// The reply being received: its complete lines so far (each ended by LF), then a part of a line.
    private var current: [UInt8] = []
    /// Where the line being received starts in `current`.
    private var lineStart = 0

    /// The last complete reply and the step it answered.
    var lastReply: (step: SMTPStep, reply: SMTPReply)? {
        guard let lastStep, let reply = Self.reply(lastBytes) else { return nil }
        return (lastStep, reply)
    }

    /// A command went out (`CURLINFO_HEADER_OUT`).
    mutating func commandSent(_ bytes: UnsafeRawBufferPointer) {
        // The verb in capitals, up to a space or the line end, as one number (eight letters at
        // most): no text is made of a command, which may carry an address or credentials.
        var verb: UInt64 = 0
        for (count, byte) in bytes.enumerated() {
            if byte == 0x20 || byte == 0x0D || byte == 0x0A { break }
            guard count < 8 else { return }
            verb = verb << 8 | UInt64(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
        }
        switch verb {
        case Self.ehlo, Self.helo: step = .ehlo
        case Self.startTLS: step = .startTLS
        case Self.auth: step = .authentication
        case Self.mail: step = .mailFrom
        case Self.rcpt: step = .recipient
        case Self.data: step = .data
        // AUTH continuation lines stay in .authentication; QUIT after a failure keeps its step.
        default: break
        }
    }

    private static let ehlo = verb("EHLO"), helo = verb("HELO"), startTLS = verb("STARTTLS"), auth = verb("AUTH")
    private static let mail = verb("MAIL"), rcpt = verb("RCPT"), data = verb("DATA")

    private static func verb(_ text: String) -> UInt64 { text.utf8.reduce(0) { $0 << 8 | UInt64($1) } }

    /// Message bytes went out (`CURLINFO_DATA_OUT`): the reply to come is the end-of-data reply.
    mutating func messageSent() { step = .message }

    /// Reply bytes came in (`CURLINFO_HEADER_IN`), one or more lines or a part of one.
    mutating func replyReceived(_ bytes: UnsafeRawBufferPointer) {
        if step == .connect { step = .greeting }
        var from = bytes.startIndex
        while from < bytes.endIndex {
            guard let newline = bytes[from...].firstIndex(of: 0x0A) else {
                current.append(contentsOf: bytes[from...])
                return
            }
            current.append(contentsOf: bytes[from..<newline])
            if current.last == 0x0D, current.count > lineStart { current.removeLast() }
            current.append(0x0A)
            // "250-more" continues, "250 last" ends the reply (RFC 5321 §4.2.1).
            let lineLength = current.count - 1 - lineStart
            let continues = lineLength >= 4 && current[lineStart + 3] == UInt8(ascii: "-")
            lineStart = current.count
            if !continues { finishReply() }
            from = newline + 1
        }
    }

    private mutating func finishReply() {
        defer {
            current.removeAll(keepingCapacity: true)
            lineStart = 0
        }
        // Lines that do not start with three digits are no reply: the last one stays.
        guard let code = SMTPReply.code(of: current) else { return }
        swap(&lastBytes, &current)
        lastStep = step
        if !(200..<400).contains(code), let reply = Self.reply(lastBytes) { failingReply = (step, reply) }
    }

    /// Forgets everything before the next transaction (keeping the buffers' memory).
    mutating func reset() {
        step = .connect
        failingReply = nil
        lastStep = nil
        lastBytes.removeAll(keepingCapacity: true)
        current.removeAll(keepingCapacity: true)
        lineStart = 0
    }

    /// The reply held in `bytes` (lines each ended by LF).
    private static func reply(_ bytes: [UInt8]) -> SMTPReply? {
        guard !bytes.isEmpty else { return nil }
        return SMTPReply(replyBytes: bytes)
    }
}
