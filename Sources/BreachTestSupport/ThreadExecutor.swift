import Foundation

/// A task executor on a thread of its own: an async test whose waits must not depend on the
/// cooperative pool (two threads on two CPUs, each held for minutes at a time by a synchronous test
/// running a program beside it) runs its tasks here (`withTaskExecutorPreference`).
public final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    // `@unchecked`: `jobs` and `stopped` are behind `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Ends the thread once the jobs enqueued so far have run.
    public func stop() {
        condition.withLock {
            stopped = true
            condition.signal()
        }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
