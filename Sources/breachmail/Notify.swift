import ArgumentParser
import BreachBounces
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import BreachTransport
import Foundation

extension SubjectsCommand {
    struct Notify: ParsableCommand {
        static let configuration = CommandConfiguration(
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
                  breachmail status BR-2026-0001
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The incident id, e.g. BR-2026-0001.")
        var id: String
        @Flag(help: "Compose every message and report what would fail; send nothing, change nothing.")
        var dryRun = false
        @Flag(help: "JSON lines events (start, progress, done) on standard output, with counts only.")
        var json = false
        @Option(help: .hidden)
        var slowMs: Int?

        func run() throws {
            let ws = try workspace.open()
            let record = try ws.register.incident(id)
            let now = try Clock.now()
            warnAboutAssessment(ws)
            let verp = try makeVERP(ws)
            guard let incident = IncidentNumber(record.id) else {
                throw CLIError("\(record.id) is not an incident number of the form BR-YEAR-NNNN; VERP tokens need one.")
            }
            let messages = try SubjectMessages(ws, record: record, at: now)
            let gaps = try LanguageGaps(register: ws.register, record: record, composer: messages.composer)
            if dryRun { return try dryRunReport(ws, messages: messages, gaps: gaps) }
            if let refusal = gaps.refusal { throw CLIError(refusal) }
            for line in gaps.lines() { FileHandle.standardError.write(Data("Note: \(line)\n".utf8)) }

            let transport = try MailSetup.transport(ws)
            let lock = try CampaignLock(ws, incidentID: record.id)
            defer { lock.release() }

            let clock = try CLIDeliveryClock()
            let machine = CampaignStateMachine(policy: RetryPolicy(), clock: clock)
            let delay = slowMs ?? ProcessInfo.processInfo.environment["BREACHMAIL_TEST_DELAY_MS"].flatMap(Int.init) ?? 0
            let stop = StopFlag()
            let campaign = Campaign(register: ws.register, incidentID: record.id, transport: transport,
                                    workers: ws.configuration.mail.connections, delayAfterSend: .milliseconds(delay), stop: stop,
                                    clock: clock)
            // Whatever a dead run left in the journal is applied first, then a new one starts.
            let journal = try SubjectJournal(register: ws.register)
            let recovered = try campaign.recover(machine: machine)
            let before = try ws.register.subjectCounts(incidentID: record.id)
            let total = (before[SubjectState.queued.rawValue] ?? 0) + (before[SubjectState.deferred.rawValue] ?? 0)
            let progress = Progress(json: json, total: total)
            progress.start(workers: campaign.workers, recovered: recovered)
            let env = ProcessInfo.processInfo.environment
            // Test hooks (hidden): short pauses and a short bound, so that a test of an outage stays short.
            let defaults = RelayOutage()
            let outage = RelayOutage(
                maximumPause: env["BREACHMAIL_TEST_RELAY_PAUSE_MS"].flatMap(Double.init).map { $0 / 1000 } ?? defaults.maximumPause,
                giveUpAfter: env["BREACHMAIL_TEST_RELAY_GIVE_UP_MS"].flatMap(Double.init).map { $0 / 1000 } ?? defaults.giveUpAfter)
            let feed = CampaignFeed(register: ws.register, incidentID: record.id, messages: messages, verp: verp, incident: incident,
                                    machine: machine, clock: clock, stop: stop, delayAfterSend: .milliseconds(delay),
                                    connections: campaign.workers, journal: journal, recovered: recovered, outage: outage,
                                    onPause: { progress.paused($0) })

            // Ctrl-C: take no new subject, finish and record those in flight.
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler {
                stop.set()
                FileHandle.standardError.write(Data("\nStopping after the messages in flight…\n".utf8))
            }
            source.resume()
            defer { source.cancel() }

            let outcome = blockOn {
                let result = try await campaign.run(feed: feed) { progress.update($0, pause: $1) }
                await transport.shutdown()
                return result
            }
            let (end, figures) = try outcome.get()
            progress.finish(figures)

            let after = try ws.register.subjectCounts(incidentID: record.id)
            let endName: String
            switch end {
            case .finished: endName = "finished"
            case .interrupted: endName = "interrupted"
            case .halted: endName = "halted"
            case .relayUnusable: endName = "relay_unusable"
            }
            _ = try ws.register.append(kind: "campaign.run", incidentID: record.id,
                                       payload: CampaignRunPayload(end: endName, run: figures, states: after),
                                       actor: ws.actor, at: try Clock.now())
            if json {
                progress.emit(["event": "done", "end": endName, "states": after])
            } else {
                print("Campaign \(endName) for \(record.id): this run submitted \(figures.submitted), deferred \(figures.deferred), failed \(figures.failedPermanent), render_failed \(figures.renderFailed)\(recovered > 0 ? ", \(recovered) interrupted by an earlier run sent again" : "").")
                StateCounts.print(after)
            }
            switch end {
            case .finished:
                if figures.notYetDue > 0 || (after[SubjectState.deferred.rawValue] ?? 0) > 0 {
                    if !json { print("Deferred subjects are retried by running this command again after their next attempt time.") }
                }
            case .interrupted:
                throw CLIError("interrupted: the messages in flight were recorded. Run `breachmail subjects notify \(record.id)` again to carry on.")
            case .halted(let failure):
                throw CLIError("the sending set-up failed (\(failure)); nobody was marked as failed. Fix it, then run `breachmail subjects notify \(record.id)` again.")
            case .relayUnusable(let pause):
                throw CLIError("the relay refused every message for \(Int(pause.seconds.rounded())) s (last reply: \(pause.reply)); the run stopped. Nobody was marked as failed: the people tried are deferred, the others still queued. Run `breachmail subjects notify \(record.id)` again once the relay accepts mail.")
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

        private func makeVERP(_ ws: Workspace) throws -> VERP {
            let mail = ws.configuration.mail
            guard !mail.bounceDomain.isEmpty, let reference = mail.bounceSecret else {
                throw CLIError("mail.bounces.domain and mail.bounces.secret must be set in \(Configuration.fileName): every message carries a VERP return path.")
            }
            let secret: String
            do { secret = try reference.resolve(relativeTo: ws.directory) } catch {
                if case .file(let path) = reference {
                    throw CLIError("the VERP secret file \(ws.path(path).path) cannot be read. Create one: mkdir -p \(ws.path(path).deletingLastPathComponent().path) && head -c 32 /dev/urandom | base64 > \(ws.path(path).path) && chmod 600 \(ws.path(path).path)")
                }
                throw CLIError("mail.bounces.secret: \(error)")
            }
            do { return try VERP(prefix: mail.bouncePrefix, domain: mail.bounceDomain, secret: Array(secret.utf8)) } catch {
                throw CLIError("mail.bounces: \(error)")
            }
        }

        private func dryRunReport(_ ws: Workspace, messages: SubjectMessages, gaps: LanguageGaps) throws {
            var after: Int64 = 0
            var wouldSend = 0, noAddress = 0, done = 0
            var failures: [String: Int] = [:]
            while case let page = try ws.register.subjects(incidentID: id, after: after, limit: 1000), !page.isEmpty {
                for subject in page {
                    switch subject.knownState {
                    case .noAddress: noAddress += 1
                    case .queued, .deferred, .sending:
                        do {
                            _ = try messages.message(for: subject)
                            wouldSend += 1
                        } catch { failures[error.description, default: 0] += 1 }
                    default: done += 1
                    }
                }
                after = page.last!.id
            }
            let failed = failures.values.reduce(0, +)
            if json {
                let progress = Progress(json: true, total: wouldSend + failed)
                let languages = gaps.gaps.map { gap -> [String: Any] in
                    ["language": gap.language.rawValue, "fields": gap.fields, "people": gap.people,
                     "fallback": gap.fallback?.rawValue ?? NSNull()]
                }
                progress.emit(["event": "dry_run", "would_send": wouldSend, "render_failed": failed, "no_address": noAddress,
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

/// The history payload of one run: counts only.
struct CampaignRunPayload: Encodable {
    let end: String
    let run: Campaign.Figures
    let states: [String: Int]
}

/// Counts per state, in the order of the states' lives.
enum StateCounts {
    static func print(_ counts: [String: Int], indent: String = "  ") {
        for state in SubjectState.allCases {
            Swift.print("\(indent)\(state.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))\(counts[state.rawValue] ?? 0)")
        }
    }
}

/// One campaign per incident at a time: an advisory lock the kernel drops when the process dies.
struct CampaignLock {
    let fd: Int32
    init(_ ws: Workspace, incidentID: String) throws {
        let url = URL(fileURLWithPath: ws.configuration.storage.register, relativeTo: ws.directory)
            .deletingLastPathComponent().appendingPathComponent(".campaign-\(incidentID).lock")
        fd = open(url.path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { throw CLIError("cannot create \(url.path): check that the working directory is writable.") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CLIError("another `subjects notify \(incidentID)` is running in this working directory; wait for it or stop it.")
        }
    }
    func release() { close(fd) }
}

/// Progress for people (a line redrawn on a terminal, else a line every 10 s) or JSON lines.
final class Progress: @unchecked Sendable {
    private let json: Bool
    private let total: Int
    private let terminal = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private let lock = NSLock()
    private var lastLine = Date.distantPast

    init(json: Bool, total: Int) {
        self.json = json
        self.total = total
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
        FileHandle.standardError.write(Data(((terminal ? "\n" : "") + "Relay paused for \(Int(pause.seconds.rounded(.up))) s, until \(RFC3339Text.utc(pause.ends)), after refusals in a row: \(pause.reply)\n").utf8))
    }

    func update(_ f: Campaign.Figures, pause: RelayPause? = nil) {
        lock.lock(); defer { lock.unlock() }
        let now = Date()
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
        let line = pause.map { "\(f.done)/\(total) done, relay paused until \(RFC3339Text.utc($0.ends)): \($0.reply)" }
            ?? "\(f.done)/\(total) done, \(Int(rate.rounded())) msg/s, about \(Int(left.rounded())) s left"
        FileHandle.standardError.write(Data((terminal ? "\r\(line)\u{1B}[K" : "\(line)\n").utf8))
    }

    func finish(_ f: Campaign.Figures) {
        if terminal && !json { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
