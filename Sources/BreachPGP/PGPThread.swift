import BreachCore

/// Runs blocking GPGME work on a thread of its own, off Swift's cooperative pool.
///
/// gpg is a child process: key import, encryption and signing (which may wait on gpg-agent)
/// block for milliseconds to seconds. A dedicated thread per call keeps the cooperative pool
/// free, and keeps each GPGME context on the one thread that made it, as GPGME requires.
public enum PGPThread {
    /// Runs `body` on a new thread and resumes with its result.
    ///
    /// ```swift
    /// let message = try await PGPThread.run { try PGPMIME.encrypt(inner, headers: h, to: key, in: keyring) }
    /// ```
    /// - Throws: whatever `body` throws.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await DedicatedThread.run("pgp", body)
    }
}
