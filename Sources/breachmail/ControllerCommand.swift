import BreachApp
import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

struct ControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "As a processor: compose, send and record the breach notice to a controller (GDPR Art. 33(2)).",
        discussion: """
            A processor notifies each controller whose data are concerned "without undue delay after becoming \
            aware" of the breach. The controllers are listed under `controllers` in breachmail.yaml, each with \
            a channel: email-pgp (encrypted to its pinned key), email (clear text, only where configured) or \
            file (written into a folder, to hand over by another way). `breachmail status ID` shows, per \
            controller, when it was notified or how long it has been waiting since awareness.

            Example:
              breachmail controller compose BR-2026-0001 --controller acme --lang en
              breachmail controller send BR-2026-0001 --controller acme
              breachmail controller record BR-2026-0001 --controller acme --reference A-118
            """,
        subcommands: [Compose.self, Send.self, Record.self])
}

/// The incident and the controller every `controller` subcommand takes.
struct ControllerSelection: ParsableArguments {
    @OptionGroup var workspace: WorkspaceOptions
    @Argument(help: "The incident id, e.g. BR-2026-0001.")
    var id: String
    @Option(help: "The controller's id or name in the configuration (required when several are configured).")
    var controller: String?
}

extension ControllerCommand {
    struct Compose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compose",
            abstract: "Print the processor's notice to a controller, checked for the items the processor knows (Art. 33(3)(a)-(d)).",
            discussion: "Nothing is sent or recorded.\n\nExample:\n  breachmail controller compose BR-2026-0001 --controller acme --lang en")

        @OptionGroup var selection: ControllerSelection
        @Option(help: "Language: fr, en or de (default: the controller's first language).")
        var lang: String?
        @Flag(help: "Print the full MIME message (as sent in clear, before any encryption).")
        var mime = false

        func run() throws {
            let ws = try selection.workspace.open()
            let n = try ControllerNotice(ws, incidentID: selection.id, controller: selection.controller, language: lang)
            try printComposed(mime: mime, message: n.message, render: n.render)
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send the processor's notice by the controller's channel and record it in the register.",
            discussion: """
                email-pgp: encrypted (PGP/MIME) to the key pinned in controllers[].fingerprint, never in clear; \
                email: in clear, only because the configuration says so; file: written (0600) into \
                controllers[].folder, to hand over, then `controller record` stores the hand-over. E-mail goes \
                through mail.transport. Every refusal is recorded too; nothing is sent then.

                Example:
                  breachmail controller send BR-2026-0001 --controller acme
                """)

        @OptionGroup var selection: ControllerSelection
        @Option(help: "Language: fr, en or de (default: the controller's first language).")
        var lang: String?
        @Flag(help: "Send again although the controller already has a notice (e.g. after `incident update`).")
        var again = false
        @OptionGroup var verbose: VerboseOption

        func run() async throws {
            let ws = verbose.applied(to: try selection.workspace.open())
            let n = try ControllerNotice(ws, incidentID: selection.id, controller: selection.controller, language: lang)
            let c = n.controller
            if !again, let earlier = try ws.register.controllerNotices(incidentID: n.record.id, controllerID: c.id).first(where: \.reachedController) {
                throw CLIError("\(c.id) already has the notice of \(n.record.id) (\(earlier.status.rawValue) at \(earlier.recordedAt)); "
                    + "to send what you have learnt since, update the incident and run: breachmail controller send \(n.record.id) --controller \(c.id) --again")
            }
            let outcome: NoticeOutcome
            do {
                outcome = try await n.send()
            } catch let refusal as AuthorityRefusal {
                try ws.register.recordControllerNotice(
                    ControllerNoticeRecord(incidentID: n.record.id, controllerID: c.id, channel: c.channel.rawValue, status: .refused,
                                           recordedAt: n.now, refusalKind: refusal.kind, reason: refusal.description),
                    actor: ws.actor, at: n.now)
                printError("Refused: \(refusal.description)")
                printError("Nothing was sent. The refusal is recorded in the register (controller-notice.refused).")
                throw ExitCode(ExitStatus(refusal: refusal).rawValue)
            }
            let files = outcome.deliveredTo
            try ws.register.recordControllerNotice(
                ControllerNoticeRecord(incidentID: n.record.id, controllerID: c.id, channel: c.channel.rawValue, status: outcome.status,
                                       recordedAt: n.now, messageID: outcome.messageID, plaintextSHA256: outcome.plaintextSHA256,
                                       sentSHA256: outcome.sentSHA256, deliveredTo: files.joined(separator: " ")),
                actor: ws.actor, at: n.now)
            let since = DurationText.hoursAndMinutes(n.now.timeIntervalSince(n.record.incident.awareness.instant))
            switch c.channel {
            case .emailPGP, .email:
                if c.channel == .email {
                    print("WARNING: sent in clear text, because controllers[\(n.index)].channel is email in \(Configuration.fileName).")
                }
                print("The processor's notice of \(n.record.id) to \(c.id) was accepted by \(files[0])")
                print(c.channel == .emailPGP
                    ? "Encrypted (PGP/MIME) to the pinned key \(c.fingerprint); the outer subject says nothing of the breach."
                    : "Not encrypted.")
                print("Message-ID <\(outcome.messageID)>, SHA-256 \(outcome.sentSHA256); \(since) after awareness; recorded in the register (controller-notice.sent).")
            case .file:
                print("The processor's notice of \(n.record.id) to \(c.id) is written, ready to hand over:")
                files.forEach { print("  \($0)") }
                print("Hand it over (\(since) after awareness so far), then record the hand-over or the controller's acknowledgement:")
                print("  breachmail controller record \(n.record.id) --controller \(c.id) --reference REF")
            }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record that the notice was handed over or acknowledged by the controller, with a reference.",
            discussion: "Example:\n  breachmail controller record BR-2026-0001 --controller acme --reference A-118")

        @OptionGroup var selection: ControllerSelection
        @Option(help: "The controller's reference (its acknowledgement), or of the hand-over.")
        var reference: String

        func run() throws {
            let ref = reference.trimmingCharacters(in: .whitespaces)
            guard !ref.isEmpty, ref.count <= 200, !ref.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw CLIError("--reference must be the controller's reference on one line (at most 200 characters), e.g. --reference A-118.", .usage)
            }
            let ws = try selection.workspace.open()
            let n = try ControllerNotice(ws, incidentID: selection.id, controller: selection.controller, language: nil)
            let c = n.controller
            guard let made = try ws.register.controllerNotices(incidentID: n.record.id, controllerID: c.id)
                .last(where: { $0.status == .prepared || $0.status == .sent })
            else {
                throw CLIError("no notice of \(n.record.id) to \(c.id) was written or sent: run `breachmail controller send \(n.record.id) --controller \(c.id)` first.")
            }
            try ws.register.recordControllerNotice(
                ControllerNoticeRecord(incidentID: n.record.id, controllerID: c.id, channel: made.channel, status: .recorded,
                                       recordedAt: n.now, messageID: made.messageID, plaintextSHA256: made.plaintextSHA256,
                                       sentSHA256: made.sentSHA256, reference: ref, deliveredTo: made.deliveredTo),
                actor: ws.actor, at: n.now)
            let what = made.status == .prepared ? "hand-over of the" : "reference for the"
            print("Recorded the \(what) processor's notice of \(n.record.id) to \(c.id): reference \(ref) (controller-notice.recorded).")
        }
    }
}
