import ArgumentParser
import BreachApp
import BreachCore
import Foundation

/// `breachmail scheduler tick`: the service's scheduler, once, by hand or from cron.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Run the duties of the scheduler of `breachmail serve` by hand (or from cron).",
        discussion: """
            Example:
              breachmail scheduler tick
              breachmail scheduler tick --json
            """,
        subcommands: [Tick.self])

    struct Tick: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tick",
            abstract: "Do once every duty due now: retries, bounce mailbox, reach, reminders to the DPO, the response team.",
            discussion: """
                Sends due deferred people again (and people a stopped run left, once a campaign was \
                started with `subjects notify`), reads mail.bounces.imap when scheduler.bounce_poll_seconds \
                have passed, records the reach recommendation when the retry window has ended \
                (reach.decided, again only when it changes), mails the DPO 24 h and 6 h before the \
                72-hour deadline and when it passes while an authority is not notified, and tells \
                the response_team when an incident is opened or its decision changes. Each duty is \
                recorded in the register: running the command again, or beside `breachmail serve`, \
                repeats none.

                Exit status: 0 when every duty is done; 75 (EX_TEMPFAIL) when one failed and will be \
                tried again at the next tick (the problems are printed).

                Example (cron, every minute):
                  * * * * * breachmail scheduler tick --dir /srv/breach
                """)

        @OptionGroup var workspace: WorkspaceOptions

        @Flag(name: .long, help: "Print the tick's counts as JSON.")
        var json = false

        func run() async throws {
            let ws = try workspace.open()
            let report = try await Scheduler(ws, clock: try WorkspaceClock()).runOnce(now: try Clock.now())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("\(report.incidents) incident(s): \(report.campaignsRun) campaign run(s) (\(report.messagesSubmitted) submitted, "
                    + "\(report.messagesDeferred) deferred), \(report.campaignsSkipped) already running; "
                    + "bounce mailbox \(report.bounceMessagesRead.map { "read, \($0) message(s)" } ?? "not read"); "
                    + "acknowledgements \(report.acknowledgementsRead.map { "read, \($0) message(s), \(report.referencesRecorded) reference(s) recorded, \(report.acknowledgementsToConfirm) to confirm" } ?? "not read"); "
                    + "\(report.reachRecorded) reach decision(s) recorded; \(report.remindersSent) reminder(s) to the DPO; "
                    + "\(report.teamMessagesSent) message(s) to the response team.")
            }
            for problem in report.problems {
                FileHandle.standardError.write(Data("breachmail: \(problem)\n".utf8))
            }
            if !report.problems.isEmpty { throw ExitCode(ExitStatus.temporary.rawValue) }
        }
    }
}
