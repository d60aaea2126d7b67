import BreachCore
public import Foundation
import GRDB

// The SQLite register as the first implementation of the storage protocols (`RegisterStore.swift`):
// by conformance, its own methods serve, but for the few shapes below.

extension Register: RegisterStore {
    /// The SQLite file.
    public var location: String { path }
}

extension Register: IncidentStore {}

extension Register: HistoryStore {
    /// Appends an entry about an incident (see ``append(kind:incidentID:payload:actor:at:update:)``).
    public func append<Payload: Encodable>(kind: String, incidentID: String?, payload: Payload, actor: String,
                                           at now: Date) throws(RegisterError) -> HistoryEntry {
        try append(kind: kind, incidentID: incidentID, payload: payload, actor: actor, at: now, update: nil)
    }
}

extension SubjectWriter: SubjectInserting {}

extension Register: SubjectStore {
    public typealias Inserter = SubjectWriter

    /// The campaign's journal beside the register (``SubjectJournal``), folded into the people
    /// once a second and when the run ends.
    public func openOutcomeLedger() throws(RegisterError) -> any SubjectOutcomeLedger {
        try SubjectJournalLedger(register: self)
    }

    public func claimSubjects(incidentID: String, due now: Date, limit: Int) throws(RegisterError) -> [Subject] {
        let stamp = RFC3339UTC.format(now)
        do {
            // IMMEDIATE: the write lock is taken before the people are chosen, so another process's
            // claim waits (busy timeout) instead of choosing the same people.
            return try pool.writeWithoutTransaction { db in
                var claimed: [Subject] = []
                try db.inTransaction(.immediate) {
                    let ids = try Int64.fetchAll(db, sql: """
                        SELECT id FROM subject WHERE incident_id = ? AND state = 'queued'
                        UNION ALL
                        SELECT id FROM subject WHERE incident_id = ? AND state = 'deferred'
                            AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                        ORDER BY id LIMIT ?
                        """, arguments: [incidentID, incidentID, stamp, limit])
                    guard !ids.isEmpty else { return .commit }
                    try Self.changingSubjects(db, ids: ids, actor: Self.foldActor, at: now) {
                        for id in ids {
                            let claim = SubjectUpdate(id: id, from: [.queued, .deferred], to: .sending)
                            try Self.apply(StateChange(claim, stamp: stamp), db)
                        }
                    }
                    for id in ids {
                        if let row = try Row.fetchOne(db, sql: "SELECT \(Subject.columns) FROM subject WHERE id = ?", arguments: [id]) {
                            claimed.append(try Subject(row: row))
                        }
                    }
                    return .commit
                }
                return claimed
            }
        } catch { throw Self.map(error, path) }
    }
}

extension Register: BounceStore {}

extension Register: NotificationStore {}

extension Register: ServiceStateStore {}

/// A campaign run's ``SubjectJournal``: appended to as each message goes, flushed and folded
/// into the register by the campaign's folder, removed when the run ends.
final class SubjectJournalLedger: SubjectOutcomeLedger, @unchecked Sendable {
    // `@unchecked`: `offset` is behind `lock`; the journal locks its own appends.
    private let register: Register
    private let journal: SubjectJournal
    private let lock = NSLock()
    /// The journal is emptied once this many bytes of it were folded (about 40,000 changes), so
    /// that it stays bounded whatever the campaign's size; `BREACHMAIL_TEST_JOURNAL_LIMIT` sets
    /// it for the crash tests.
    static let limit = ProcessInfo.processInfo.environment["BREACHMAIL_TEST_JOURNAL_LIMIT"].flatMap(Int.init) ?? 8 << 20
    /// How far this run has folded its journal.
    private var offset: Int

    init(register: Register) throws(RegisterError) {
        self.register = register
        journal = try SubjectJournal(register: register)
        offset = journal.firstOffset
    }

    func append(_ updates: [SubjectUpdate], at now: Date) throws(RegisterError) {
        try journal.append(updates, at: now)
    }

    func sync() throws(RegisterError) {
        try journal.sync()
    }

    func fold() throws(RegisterError) {
        lock.lock()
        defer { lock.unlock() }
        offset = try register.foldJournal(journal.path, from: offset).offset
        offset = try journal.compact(into: register, from: offset, limit: Self.limit)
    }

    func close() throws(RegisterError) {
        try sync()
        try fold()
        journal.remove()
    }
}
