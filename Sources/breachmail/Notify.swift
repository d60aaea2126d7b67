import BreachApp
import ArgumentParser
import BreachBounces
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import BreachTransport
import Foundation
import Synchronization

extension SubjectsCommand {
    struct Notify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify",
            abstract: "Send every subject of an incident its Art. 34 message, in its language; safe to run again.",
            discussion: """
                Each subject has a durable state: queued → sending → submitted, or deferred (a transient \
                failure, retried after back-off by a later run), failed_permanent, render_failed, \
                no_address. `sending` is recorded before each message goes and the outcome after \
                it, so after a crash or kill running the command again loses nobody and sends again \
                at most the messages that were in flight (mail.connections). Ctrl-C stops after those.

                Three relay-level refusals in a row (421, 451, 452, a lost connection) pause the \
                relay (5 minutes, doubling, at most an hour; longer when the server asks), shown with \
                the reply and the time the pause ends. A relay that stays unusable for 2 hours ends \
                the run: the people tried stay deferred, nobody is marked failed.

                The return path of each message is a VERP address (mail.bounces) that names the \
                subject without showing the address; its secret is mail.bounces.secret.

                A notice never carries text in another language than its own: when the incident lacks \
                a text in the language of some of the people (see `language` and per-language texts in \
                the incident file), the command names the languages, fields and people and refuses to \
                start, unless the incident sets fallback_language.

                Example:
                  breachmail subjects notify BR-2026-0001 --dry-run
                  breachmail subjects notify BR-2026-0001
                  breachmail subjects notify BR-2026-0001 --verbose
                  breachmail status BR-2026-0001
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Flag(help: "Compose every message and report what would fail; send nothing, change nothing.")
        var dryRun = false
        @Flag(help: "JSON lines events (start, progress, done) on standard output, with counts only.")
        var json = false
        @OptionGroup var verbose: VerboseOption
        @Option(help: .hidden)
        var slowMs: Int?

        func run() async throws {
            let ws = verbose.applied(to: try workspace.open())
            let now = try Clock.now()
            _ = try ws.register.incident(id)
            warnAboutAssessment(ws)
            let campaign = try CampaignRun.prepare(ws, incidentID: id, at: now)
            let gaps = campaign.gaps
            if dryRun { return try dryRunReport(try campaign.dryRun(), gaps: gaps) }
            if let refusal = gaps.refusal { throw CLIError(refusal) }
            for line in gaps.lines() { FileHandle.standardError.write(Data("Note: \(line)\n".utf8)) }

            let transport = try MailSetup.transport(ws)
            let env = ProcessInfo.processInfo.environment
            var options = CampaignRun.Options()
            options.delayAfterSend = .milliseconds(slowMs ?? env["BREACHMAIL_TEST_DELAY_MS"].flatMap(Int.init) ?? 0)
            // Test hooks (hidden): short pauses and a short bound, so that a test of an outage stays short.
            let defaults = RelayOutage()
            options.outage = RelayOutage(
                maximumPause: env["BREACHMAIL_TEST_RELAY_PAUSE_MS"].flatMap(Double.init).map { $0 / 1000 } ?? defaults.maximumPause,
                giveUpAfter: env["BREACHMAIL_TEST_RELAY_GIVE_UP_MS"].flatMap(Double.init).map { $0 / 1000 } ?? defaults.giveUpAfter)
            let zone = ws.zone(for: try ws.register.incident(id).incident)
            let progress = CampaignProgress(json: json, zone: zone)
            let running = Task {
                try await campaign.run(transport: transport, clock: try WorkspaceClock(), options: options) { progress.handle($0) }
            }
            // Ctrl-C: take no new subject, finish and record those in flight.
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler {
                running.cancel()
                FileHandle.standardError.write(Data("\nStopping after the messages in flight…\n".utf8))
            }
            source.resume()
            defer { source.cancel() }
            let outcome = try await running.value
            let (end, figures, after) = (outcome.end, outcome.figures, outcome.states)
            let recovered = figures.recovered
            if json {
                var done: [String: Any] = ["event": "done", "end": outcome.endName, "states": after]
                if let next = outcome.nextRetry { done["next_retry"] = RFC3339Text.utc(next) }
                Progress.emit(done)
            } else {
                print(Message.campaignEnded(end: outcome.endName, id: id, submitted: figures.submitted, deferred: figures.deferred,
                                            failed: figures.failedPermanent, renderFailed: figures.renderFailed, recovered: recovered).text)
                StateCounts.print(after)
            }
            switch end {
            case .finished:
                if figures.notYetDue > 0 || (after[SubjectState.deferred.rawValue] ?? 0) > 0 {
                    if !json {
                        print(Message.deferredRetried(firstDue: outcome.nextRetry.map { TimeText.local($0, zone) }).text)
                    }
                }
            case .interrupted:
                throw CLIError(Message.interrupted(id: id).text, .interrupted)
            case .halted(let failure):
                throw CLIError(Message.setUpFailed(failure: "\(failure)", id: id).text, .unavailable)
            case .relayUnusable(let pause):
                throw CLIError(Message.relayUnusable(seconds: Int(pause.seconds.rounded()), reply: pause.reply, id: id).text, .temporary)
            }
        }

        private func warnAboutAssessment(_ ws: Workspace) {
            guard let inForce = try? ws.register.decisionInForce(incidentID: id) else {
                FileHandle.standardError.write(Data("Warning: no assessment is recorded for \(id) as the DPO's decision; Art. 34 applies when the risk to people is high (`breachmail incident assess \(id)`).\n".utf8))
                return
            }
            if !inForce.record.decision.communicateToSubjects {
                FileHandle.standardError.write(Data("Warning: the assessment in force (entry \(inForce.entry.sequence)) says the people need not be told; you are telling them anyway.\n".utf8))
            }
        }

        private func dryRunReport(_ result: CampaignRun.DryRun, gaps: LanguageGaps) throws {
            let (wouldSend, noAddress, done, failures) = (result.wouldSend, result.noAddress, result.done, result.failures)
            let failed = failures.values.reduce(0, +)
            if json {
                let languages = gaps.gaps.map { gap -> [String: Any] in
                    ["language": gap.language.rawValue, "fields": gap.fields, "people": gap.people,
                     "fallback": gap.fallback?.rawValue ?? NSNull()]
                }
                Progress.emit(["event": "dry_run", "would_send": wouldSend, "render_failed": failed, "no_address": noAddress,
                               "already_done": done, "language_gaps": languages, "would_start": gaps.fix == nil])
                return
            }
            print("Dry run for \(id): nothing sent, nothing recorded.")
            print("  would send      \(wouldSend)")
            print("  render_failed   \(failed)")
            for (reason, n) in failures.sorted(by: { $0.value > $1.value }) { print("    \(n)  \(reason)") }
            print("  no_address      \(noAddress)")
            print("  already done    \(done)")
            if !gaps.gaps.isEmpty {
                print("Languages:")
                for line in gaps.lines() { print("  \(line)") }
            }
            if let fix = gaps.fix { print("`breachmail subjects notify \(id)` would refuse to start. \(fix)") }
        }
    }
}

/// Counts per state, in the order of the states' lives.
enum StateCounts {
    static func print(_ counts: [String: Int], indent: String = "  ") {
        for state in SubjectState.allCases {
            Swift.print("\(indent)\(state.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))\(counts[state.rawValue] ?? 0)")
        }
    }
}

/// Shows a run's events as they come (they come from the connections' threads).
final class CampaignProgress: Sendable {
    private let json: Bool
    private let zone: TimeZone
    private let progress = Mutex<Progress?>(nil)

    init(json: Bool, zone: TimeZone) {
        self.json = json
        self.zone = zone
    }

    func handle(_ event: CampaignRun.Event) {
        switch event {
        case .started(let toSend, let workers, let recovered):
            let shown = Progress(json: json, total: toSend, zone: zone)
            progress.withLock { $0 = shown }
            shown.start(workers: workers, recovered: recovered)
        case .progress(let figures, let pause): progress.withLock { $0 }?.update(figures, pause: pause)
        case .paused(let pause): progress.withLock { $0 }?.paused(pause)
        case .finished(let outcome): progress.withLock { $0 }?.finish(outcome.figures, nextRetry: outcome.nextRetry)
        }
    }
}

/// Progress for people (a line redrawn on a terminal, else a line every 10 s) or JSON lines.
final class Progress: @unchecked Sendable {
    private let json: Bool
    private let total: Int
    private let zone: TimeZone
    private let terminal = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private let lock = NSLock()
    private var lastLine = Date.distantPast
    private var bar = TerminalProgress()
    private var pause: RelayPause?

    init(json: Bool, total: Int, zone: TimeZone) {
        self.json = json
        self.total = total
        self.zone = zone
    }

    func start(workers: Int, recovered: Int) {
        if json { emit(["event": "start", "to_send": total, "workers": workers, "recovered": recovered]) }
    }

    /// A pause starts: said at once, with the reply and when it ends.
    func paused(_ pause: RelayPause) {
        if json {
            emit(["event": "relay_paused", "seconds": Int(pause.seconds.rounded(.up)), "until": RFC3339Text.utc(pause.ends), "reply": pause.reply])
            return
        }
        lock.lock(); defer { lock.unlock() }
        self.pause = pause
        FileHandle.standardError.write(Data(((terminal ? "\n" : "") + "Relay paused for \(Int(pause.seconds.rounded(.up))) s, until \(terminal ? TimeText.local(pause.ends, zone) : RFC3339Text.utc(pause.ends)), after refusals in a row: \(pause.reply)\n").utf8))
    }

    func update(_ f: Campaign.Figures, pause: RelayPause? = nil) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        let recent = terminal && !json ? bar.rate(attempted: f.done, at: now) : nil
        let interval: TimeInterval = terminal && !json ? 0.2 : 10
        guard now.timeIntervalSince(lastLine) >= interval else { return }
        lastLine = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(f.done) / elapsed
        let left = rate > 0 ? Double(max(total - f.done, 0)) / rate : 0
        if json {
            emit(["event": "progress", "done": f.done, "total": total, "submitted": f.submitted, "deferred": f.deferred,
                  "failed_permanent": f.failedPermanent, "render_failed": f.renderFailed, "rate": Int(rate.rounded())])
            return
        }
        if terminal {
            let line = TerminalProgress.line(f, total: total, rate: recent, pause: pause ?? self.pause, now: now, zone: zone)
            FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
            return
        }
        let line = pause.map { "\(f.done)/\(total) done, relay paused until \(RFC3339Text.utc($0.ends)): \($0.reply)" }
            ?? "\(f.done)/\(total) done, \(Int(rate.rounded())) msg/s, about \(Int(left.rounded())) s left"
        FileHandle.standardError.write(Data((terminal ? "\r\(line)\u{1B}[K" : "\(line)\n").utf8))
    }

    func finish(_ f: Campaign.Figures, nextRetry: Date?) {
        guard terminal && !json else { return }
        lock.lock(); defer { lock.unlock() }
        let line = TerminalProgress.line(f, total: total, rate: nil, pause: nil, now: Date(), zone: zone, final: true, nextRetry: nextRetry)
        FileHandle.standardError.write(Data("\r\(line)\u{1B}[K\n".utf8))
    }

    func emit(_ object: [String: Any]) { Self.emit(object) }

    /// One JSON line on standard output.
    static func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
