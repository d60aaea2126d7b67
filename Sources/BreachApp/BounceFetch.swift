import BreachBounces
import BreachConfig
public import BreachRegister
import BreachCore
import BreachCurl
public import Foundation

/// Reads the bounce mailbox of `mail.bounces.imap` and records every message as `bounces ingest`
/// does, then moves them on the server: read messages to ``processedFolder``, unparsable
/// messages, messages that are not bounces and bounces under review to ``reviewFolder``. Nothing
/// is deleted. libcurl blocks: the whole fetch runs on a thread of its own.
public enum BounceFetch {
    public static let processedFolder = "breachmail-processed"
    public static let reviewFolder = "breachmail-review"
    /// Messages fetched, recorded and moved together: a crash loses at most one batch's moves
    /// (and the next run finds those messages already recorded).
    public static let batchSize = 100

    /// What one fetch did.
    public struct Result: Sendable {
        public let counts: BounceIngestCounts
        /// Where it read from (`imaps://host/INBOX`), for people: no personal data.
        public let source: String
        public let summary: String
        public let movedToProcessed: Int
        public let movedToReview: Int
    }

    /// Fetches and records what waits in the mailbox.
    ///
    /// - Throws: ``AppError`` (`configuration`) when the mailbox is not configured or its login is
    ///   refused (a wrong login does not mend itself); (`unavailable`) when the server cannot be
    ///   reached; the register's errors (`locked`: try again).
    public static func run(_ ws: Workspace, at now: Date) async throws -> Result {
        guard let imap = ws.configuration.mail.bounceIMAP else {
            throw AppError(.configuration, "mail.bounces.imap is not set in \(Configuration.fileName): give url (imaps://host/INBOX), username and password ({env: VARIABLE} or {file: path})",
                           facts: ["field": "mail.bounces.imap"])
        }
        let parser = BounceParser(verp: try BounceSetup.verp(ws))
        return try await ConfiguredMailbox.read(ws, imap, field: "mail.bounces.imap", thread: "imap") { box in
            try fetch(ws, parser: parser, box: box, now: now)
        }
    }

    private static func fetch(_ ws: Workspace, parser: BounceParser, box: IMAPMailbox, now: Date) throws -> Result {
        var ingest = BounceIngestion(parser: parser, register: ws.register, actor: ws.actor, now: now)
        let uids = try box.uids()
        var moved = (processed: 0, review: 0)
        if !uids.isEmpty {
            try box.ensureFolder(processedFolder)
            try box.ensureFolder(reviewFolder)
        }
        for start in stride(from: 0, to: uids.count, by: batchSize) {
            let batchUIDs = Array(uids[start..<min(start + batchSize, uids.count)])
            var batch: [InboundMessage] = []
            for uid in batchUIDs { batch.append(InboundMessage(bytes: try box.fetch(uid: uid), file: nil)) }
            let kinds = try ingest.record(batch)
            // The rows are committed: moving the messages now loses nothing.
            var processed: [UInt64] = [], review: [UInt64] = []
            for (uid, (kind, underReview)) in zip(batchUIDs, kinds) {
                if kind == .unparsable || kind == .notABounce || underReview { review.append(uid) } else { processed.append(uid) }
            }
            try box.move(uids: processed, to: processedFolder)
            try box.move(uids: review, to: reviewFolder)
            moved.processed += processed.count
            moved.review += review.count
        }
        let source = "\(box.server)\(box.mailbox)"
        return Result(counts: ingest.counts, source: source, summary: ingest.summary(source: source + " (IMAP)"),
                      movedToProcessed: moved.processed, movedToReview: moved.review)
    }
}
