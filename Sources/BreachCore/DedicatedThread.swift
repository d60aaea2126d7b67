import Foundation

/// Blocking work (a C library's call that waits on the network or a child process, an fsync)
/// on a thread of its own, so that Swift's cooperative pool is never held by it.
public enum DedicatedThread {
    /// Runs `body` on a new thread named `breachmail.NAME` and resumes with its result.
    ///
    /// ```swift
    /// let uids = try await DedicatedThread.run("imap") { try mailbox.uids() }
    /// ```
    /// - Throws: whatever `body` throws.
    public static func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "breachmail.\(name)"
            thread.start()
        }
    }
}
