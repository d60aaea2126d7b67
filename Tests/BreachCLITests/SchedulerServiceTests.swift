import BreachApp
import BreachCore
import BreachTestSupport
import Foundation
import Testing

/// The scheduler as the service runs it, in-process: ticks on its interval, ends cleanly when
/// its task is cancelled, and does each duty once however many ticks there were.
@Suite struct SchedulerServiceTests {
    struct FixedClock: DeliveryClock {
        let date: Date
        func now() -> Date { date }
    }

    final class Ticks: @unchecked Sendable {
        private let lock = NSLock()
        private var reports: [SchedulerReport] = []
        func add(_ r: SchedulerReport) { lock.lock(); reports.append(r); lock.unlock() }
        var all: [SchedulerReport] { lock.lock(); defer { lock.unlock() }; return reports }
    }

    @Test func ticksUntilCancelledAndRemindsOnce() async throws {
        // On a thread of its own: beside the whole suite, the cooperative pool (two threads on two
        // CPUs) is held by the synchronous tests, which block a thread each while their programs
        // run — CI runs saw this test wait 200 to 270 s for a thread (0.3 s alone).
        let executor = ThreadExecutor(name: "scheduler-service-test")
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) {
            let dir = try TemporaryDirectory("scheduler-service")
            let work = dir.url.appendingPathComponent("work")
            try CommandRunner.makeExampleWorkingDirectory(work) {
                try CommandRunner.breachmail($0, environment: ["BREACHMAIL_DIR": work.path, "BREACHMAIL_ACTOR": "test-dpo"])
            }
            let ws = try Workspace.open(directory: URL(fileURLWithPath: work.path, isDirectory: true), actor: "scheduler")
            // Two days after the example incident's deadline (2026-10-26 08:00 UTC).
            let clock = FixedClock(date: try #require(ZonedTime(rfc3339: "2026-10-28T08:00:00Z")).instant)
            let ticks = Ticks()
            let service = SchedulerService(scheduler: Scheduler(ws, clock: clock), interval: .milliseconds(20)) { ticks.add($0) }
            let task = Task(executorPreference: executor) { try await service.run() }
            let deadline = Date().addingTimeInterval(60)  // a tenth of a second beside the whole suite, here
            while ticks.all.count < 3 && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            try await task.value
            let reports = ticks.all
            #expect(reports.count >= 3)
            #expect(reports.allSatisfy { $0.problems.isEmpty }, "\(reports.flatMap(\.problems))")
            #expect(reports.map(\.remindersSent).reduce(0, +) == 1)
            let mails = try Maildir.files(in: work.appendingPathComponent("outbox/new"))
                .map { try String(contentsOf: $0, encoding: .utf8) }.filter { $0.contains("X-Breachmail-Duty: dpo.deadline") }
            #expect(mails.count == 1)
            let count = reports.count
            try await Task.sleep(for: .milliseconds(100))
            #expect(ticks.all.count == count, "a tick after cancellation")
        }
    }
}
