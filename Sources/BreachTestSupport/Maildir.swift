public import Foundation

/// A Maildir the tests read: the outbox, a bounce folder.
public enum Maildir {
    /// The files of `folder` (e.g. `outbox/new`), sorted by name.
    ///
    /// - Throws: when the folder does not exist or cannot be read: a missing folder is an error,
    ///   never "nothing was sent".
    public static func files(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { folder.appendingPathComponent($0) }
    }
}
