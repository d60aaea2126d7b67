import BreachCore
public import Foundation

/// The append-only journal of one campaign run's state changes (see ``Register/foldJournal(_:from:)``).
///
/// A header line `breachmail-subject-journal ID`, then one line per change, fields separated by
/// tabs, text escaped (`\\`, `\t`, `\n`, `\r`; `\N` for none). Each ``append(_:at:)`` is one
/// `write(2)` on a descriptor opened with `O_APPEND`: once it returns, the changes survive the
/// process being killed. A line cut short by a power cut has no line end and is ignored: the
/// change it held is taken back, like the last second of an unsynced SQLite write.
public final class SubjectJournal: @unchecked Sendable {
    // `@unchecked`: `sequence` and the writes are behind `lock`; the descriptor is immutable.
    static let magic = "breachmail-subject-journal"

    /// The journal's file.
    public let path: String
    /// Where the changes start (after the header).
    public let firstOffset: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var sequence: Int64 = 0

    /// Starts a new journal of this run for `register`, after applying whatever earlier runs
    /// left in theirs (and removing those whose run is over).
    ///
    /// Each run has a journal of its own, `REGISTER.subject-log.RUN`, held under an exclusive
    /// `flock(2)` for the run's life: two campaigns (two incidents) in one working directory never
    /// share a file, and whoever folds the journals (``Register/foldJournals()``) removes only
    /// those whose lock is free, i.e. whose run has ended or died. The file is created under a
    /// name no fold looks at, locked, given its header, and only then renamed into place, so no
    /// one ever sees it without its header or its lock.
    /// - Throws: ``RegisterError`` when an old journal cannot be applied or the new one created.
    public init(register: Register) throws(RegisterError) {
        try register.foldJournals()
        var random = SystemRandomNumberGenerator()
        let id = "\(String(random.next(), radix: 16))-\(String(random.next(), radix: 16))"
        path = register.journalPrefix + "." + id
        let staging = register.path + ".new-subject-log." + id
        let fd = open(staging, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .storage(staging, "the subject journal cannot be created (\(String(cString: strerror(errno)))); check that the register's directory is writable")
        }
        let header = Array("\(Self.magic) \(id)\n".utf8)
        firstOffset = header.count
        do throws(RegisterError) {
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                throw .storage(staging, "the subject journal cannot be locked (\(String(cString: strerror(errno))))")
            }
            try Self.write(fd, header, staging)
            guard rename(staging, path) == 0 else {
                throw .storage(path, "the subject journal cannot be put in place (\(String(cString: strerror(errno)))); check that the register's directory is writable")
            }
        } catch {
            close(fd)
            unlink(staging)
            throw error
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Appends `updates`, in order, in one write.
    /// - Throws: ``RegisterError`` when the write fails (disk full…).
    public func append(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) {
        guard !updates.isEmpty else { return }
        let stamp = RFC3339UTC.format(now)
        lock.lock()
        defer { lock.unlock() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 * updates.count)
        for update in updates {
            sequence += 1
            Self.encode(sequence, StateChange(update, stamp: stamp), into: &bytes)
        }
        try Self.write(descriptor, bytes, path)
    }

    /// Flushes the journal to the disk.
    public func sync() throws(RegisterError) {
        guard fsync(descriptor) == 0 else {
            throw .storage(path, "the subject journal cannot be flushed (\(String(cString: strerror(errno))))")
        }
    }

    /// Keeps the journal small during a long run: once more than `limit` bytes of changes were
    /// folded (the campaign folds from `offset` on, once a second), folds the few changes
    /// appended since and empties the journal back to its header, holding off appends meanwhile.
    /// Returns the offset to fold from next: `offset`, or ``firstOffset`` once emptied.
    ///
    /// Crash-safe: every change in the file is applied, and the register remembers the last
    /// one (its sequence), before the file is cut; changes appended afterwards have higher
    /// sequences. A crash before the cut leaves changes that every fold skips as applied.
    /// - Throws: ``RegisterError`` when the journal cannot be read, cut or the register written.
    public func compact(into register: Register, from offset: Int, limit: Int) throws(RegisterError) -> Int {
        guard offset - firstOffset > limit else { return offset }
        lock.lock()
        defer { lock.unlock() }
        let end = Int(lseek(descriptor, 0, SEEK_END))
        let reached = try register.foldJournal(path, from: offset).offset
        // Only whole lines are ever written, under this lock: a shorter reach is a line cut by a
        // failed write, which stays to be seen.
        guard reached == end else { return reached }
        guard ftruncate(descriptor, off_t(firstOffset)) == 0 else {
            throw .storage(path, "the subject journal cannot be emptied (\(String(cString: strerror(errno)))); check the disk")
        }
        return firstOffset
    }

    /// Removes the journal once everything in it is applied (its lock goes with the
    /// descriptor, when the value goes away).
    public func remove() { unlink(path) }

    private static func write(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(RegisterError) {
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 { if errno == EINTR { continue }; return errno }
                written += result
            }
            return nil
        }
        if let failure {
            throw .storage(path, "the subject journal cannot be written (\(String(cString: strerror(failure)))); check the disk")
        }
    }

    // MARK: Lines

    static func encode(_ seq: Int64, _ c: StateChange, into out: inout [UInt8]) {
        func field(_ text: String?) {
            out.append(9)
            guard let text else { out.append(92); out.append(78); return }  // \N
            // Nearly every text has nothing to escape: copied at once.
            if !text.utf8.contains(where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) {
                out.append(contentsOf: text.utf8)
                return
            }
            for b in text.utf8 {
                switch b {
                case 92: out.append(92); out.append(92)
                case 9: out.append(92); out.append(116)
                case 10: out.append(92); out.append(110)
                case 13: out.append(92); out.append(114)
                default: out.append(b)
                }
            }
        }
        out.append(contentsOf: String(seq).utf8)
        field(String(c.id))
        field(c.from?.joined(separator: ","))
        field(c.state)
        field(c.reason)
        field(String(c.attempts))
        field(c.nextAttemptAt)
        field(c.firstAttemptAt)
        field(c.messageID)
        field(c.lastReply)
        field(c.stamp)
        out.append(10)
    }

    /// Reads a line ``encode(_:_:into:)`` wrote; nil for a line it cannot have written. The
    /// fields are taken as they are when none has an escape but `\N`; any other escape sends the
    /// line to ``decodeEscaped(_:)``. `fromLists` keeps the lists of states already read (a
    /// journal has a handful), so that each is split once.
    static func decode(_ line: ArraySlice<UInt8>, fromLists: inout [String: [String]]) -> (seq: Int64, change: StateChange)? {
        var fields: [String?] = []
        fields.reserveCapacity(11)
        var start = line.startIndex
        var index = start
        while true {
            if index == line.endIndex || line[index] == 9 {
                let field = line[start..<index]
                if !field.contains(92) {
                    fields.append(String(decoding: field, as: UTF8.self))
                } else if field.count == 2, field.first == 92, field.last == 78 {
                    fields.append(nil)
                } else {
                    return decodeEscaped(line)
                }
                if index == line.endIndex { break }
                start = index + 1
            }
            index += 1
        }
        guard fields.count == 11, let seqText = fields[0], let seq = Int64(seqText), let idText = fields[1], let id = Int64(idText),
              let state = fields[3], let attemptsText = fields[5], let attempts = Int(attemptsText), let stamp = fields[10] else { return nil }
        let from = fields[2].map { text in
            if let known = fromLists[text] { return known }
            let list = text.split(separator: ",").map(String.init)
            if fromLists.count < 64 { fromLists[text] = list }
            return list
        }
        let change = StateChange(
            id: id, from: from, state: state, reason: fields[4],
            attempts: attempts, nextAttemptAt: fields[6], firstAttemptAt: fields[7], messageID: fields[8], lastReply: fields[9],
            stamp: stamp)
        return (seq, change)
    }

    /// ``decode(_:fromLists:)`` byte by byte, escapes undone.
    static func decodeEscaped(_ line: ArraySlice<UInt8>) -> (seq: Int64, change: StateChange)? {
        var fields: [String?] = []
        var current: [UInt8] = []
        var isNull = false
        var index = line.startIndex
        func finish() {
            fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
            current.removeAll(keepingCapacity: true)
            isNull = false
        }
        while index < line.endIndex {
            let b = line[index]
            if b == 9 {
                finish()
            } else if b == 92, index + 1 < line.endIndex {
                index += 1
                switch line[index] {
                case 92: current.append(92)
                case 116: current.append(9)
                case 110: current.append(10)
                case 114: current.append(13)
                case 78: isNull = true
                default: return nil
                }
            } else {
                current.append(b)
            }
            index += 1
        }
        finish()
        guard fields.count == 11, let seqText = fields[0], let seq = Int64(seqText), let idText = fields[1], let id = Int64(idText),
              let state = fields[3], let attemptsText = fields[5], let attempts = Int(attemptsText), let stamp = fields[10] else { return nil }
        let change = StateChange(
            id: id, from: fields[2].map { $0.split(separator: ",").map(String.init) }, state: state, reason: fields[4],
            attempts: attempts, nextAttemptAt: fields[6], firstAttemptAt: fields[7], messageID: fields[8], lastReply: fields[9],
            stamp: stamp)
        return (seq, change)
    }
}
