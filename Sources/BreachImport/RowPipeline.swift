import BreachRegister
import Foundation

/// Reads and classifies the rows of an import on a thread of its own while the caller writes
/// them to the register: the CSV parsing and address checks of one batch overlap the inserts of
/// the one before (issue 18: about half of an import's time each, on two cores).
///
/// The rows come back in file order, in batches of ``batchSize``; at most ``depth`` batches wait,
/// so memory stays bounded whatever the file's size. ``start()`` starts the thread; ``finish()``
/// stops it (early, when the caller gave up) and waits for it: only after it may the caller touch
/// the reader again (its digest, its counts).
///
/// `@unchecked Sendable`: the reader is used by the thread alone between ``start()`` and
/// ``finish()``; everything else shared is guarded by `condition`.
final class RowPipeline: @unchecked Sendable {
    /// One row of the file and what it became (a `subject`: the next of the batch's ``Batch/people``).
    struct Row {
        let record: CSVRecord
        let outcome: SubjectImporter.Outcome
    }

    struct Batch {
        /// The people of ``rows``, in order, as the register takes them.
        var people: [NewSubject]
        var rows: [Row]
        /// The reader's bytes read once the batch was read (for the progress line).
        var bytesRead: Int64
    }

    static let batchSize = 256
    static let depth = 2

    private let reader: CSVReader
    private let mapping: ColumnMapping
    private let options: SubjectImporter.Options
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var ready: [Batch] = []
    /// Batches the caller is done with, freed by the thread (a million rows' records and
    /// people are freed off the thread writing to the register).
    private var spent: [Batch] = []
    private var failure: ImportError?
    private var producing = false
    private var stopped = false

    init(reader: CSVReader, mapping: ColumnMapping, options: SubjectImporter.Options) {
        self.reader = reader
        self.mapping = mapping
        self.options = options
    }

    func start() {
        condition.withLock { producing = true }
        let thread = Thread { [self] in produce() }
        thread.name = "breachmail-import-reader"
        thread.start()
    }

    /// The next batch in file order; nil after the last.
    /// - Throws: the reader's ``ImportError`` (an unclosed quote, a read error), after the rows before it.
    func next() throws(ImportError) -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && producing { condition.wait() }
        if !ready.isEmpty {
            condition.broadcast()
            return ready.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Gives back a batch ``next()`` returned, once used, to be freed on the reading thread.
    func recycle(_ batch: Batch) {
        condition.withLock { spent.append(batch) }
    }

    /// Stops the thread if it still runs and waits until it has let go of the reader.
    func finish() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while producing { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }

    private func produce() {
        var batch = Batch(people: [], rows: [], bytesRead: 0)
        defer {
            condition.withLock {
                producing = false
                condition.broadcast()
            }
        }
        while true {
            let record: CSVRecord?
            do { record = try reader.next() } catch {
                _ = push(&batch)
                condition.withLock { failure = error }
                return
            }
            guard let record else { break }
            let outcome = SubjectImporter.classify(record, mapping, options, into: &batch.people)
            batch.rows.append(Row(record: record, outcome: outcome))
            if batch.rows.count == Self.batchSize {
                guard push(&batch) else { return }
            }
        }
        _ = push(&batch)
    }

    /// Hands a batch over (and starts `batch` anew), waiting while ``depth`` are waiting; false
    /// when the caller stopped. The batches the caller gave back are freed here, outside the lock.
    private func push(_ batch: inout Batch) -> Bool {
        batch.bytesRead = reader.bytesRead
        var freed: [Batch] = []
        condition.lock()
        while ready.count >= Self.depth && !stopped { condition.wait() }
        if stopped {
            condition.unlock()
            return false
        }
        if !batch.rows.isEmpty {
            ready.append(batch)
            condition.broadcast()
        }
        swap(&freed, &spent)
        condition.unlock()
        freed.removeAll()
        batch = Batch(people: [], rows: [], bytesRead: 0)
        batch.people.reserveCapacity(Self.batchSize)
        batch.rows.reserveCapacity(Self.batchSize)
        return true
    }
}
