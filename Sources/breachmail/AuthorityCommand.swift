import BreachApp
import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

struct AuthorityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authority",
        abstract: "Compose, send and record the notification to the supervisory authority (GDPR Art. 33).",
        discussion: """
            Each authority in the configuration has a channel: email-pgp (encrypted to its pinned key), \
            email (clear text, only where configured) or portal (text and HTML to paste into its online form).

            Example:
              breachmail authority compose BR-2026-0001
              breachmail authority send BR-2026-0001 --authority cnpd
              breachmail authority send BR-2026-0001 --authority cnil
              breachmail authority record BR-2026-0001 --authority cnil --reference CN-123
              breachmail authority send BR-2026-0001 --authority cnpd --complementary
            """,
        subcommands: [Compose.self, Send.self, Record.self])
}

/// The incident, the authority and the phase every `authority` subcommand takes.
struct AuthoritySelection: ParsableArguments {
    @OptionGroup var workspace: WorkspaceOptions
    @Argument(help: "The incident id, e.g. BR-2026-0001.")
    var id: String
    @Option(help: "The authority's id or name in the configuration (default: the first configured).")
    var authority: String?
    @Flag(help: "A complementary notification (Art. 33(4)), referring to the initial one.")
    var complementary = false
}

extension AuthorityCommand {
    struct Compose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compose",
            abstract: "Print the notification to the authority, checked for the Art. 33(3) items and lateness.",
            discussion: "Nothing is sent or recorded.\n\nExample:\n  breachmail authority compose BR-2026-0001 --authority cnpd --lang fr")

        @OptionGroup var selection: AuthoritySelection
        @Option(help: "Language: fr, en or de (default: the authority's first language).")
        var lang: String?
        @Flag(help: "Print the full MIME message (as sent in clear, before any encryption).")
        var mime = false

        func run() throws {
            let ws = try selection.workspace.open()
            let n = try AuthorityNotification(ws, incidentID: selection.id, authority: selection.authority,
                                              language: lang, complementary: selection.complementary)
            try printComposed(mime: mime, message: n.message, render: n.render)
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send the notification by the authority's channel and record it in the register.",
            discussion: """
                email-pgp: encrypted (PGP/MIME) to the key pinned in the configuration; email: in clear, only \
                because the configuration says so; portal: written as text and HTML to paste into the \
                authority's form, then `authority record` stores the reference it gives. E-mail goes through \
                mail.transport: the SMTP relay, or the outbox Maildir (outbox:DIR). \
                Every refusal is recorded too; nothing is sent then.

                Example:
                  breachmail authority send BR-2026-0001 --authority cnpd
                  breachmail authority send BR-2026-0001 --authority cnil --json
                """)

        @OptionGroup var selection: AuthoritySelection
        @Option(help: "Language: fr, en or de (default: the authority's first language).")
        var lang: String?
        @Flag(help: "Print what was sent, prepared or refused as one JSON object (snake_case keys); the exit status is the same.")
        var json = false
        @OptionGroup var verbose: VerboseOption

        func run() async throws {
            let ws = verbose.applied(to: try selection.workspace.open())
            let n = try AuthorityNotification(ws, incidentID: selection.id, authority: selection.authority,
                                              language: lang, complementary: selection.complementary)
            let a = n.authority
            let outcome: NoticeOutcome
            do {
                outcome = try await n.sendAndRecord()
            } catch let refusal as AuthorityRefusal {
                if json { try JSONOutput.print(NotificationJSON(n, status: "refused", reason: refusal.description)) }
                printError("Refused: \(refusal.description)")
                printError("Nothing was sent. The refusal is recorded in the register (notification.refused).")
                throw ExitCode(ExitStatus(refusal: refusal).rawValue)
            }
            if json {
                return try JSONOutput.print(NotificationJSON(n, status: outcome.status.rawValue, messageID: outcome.messageID,
                                                             plaintextSHA256: outcome.plaintextSHA256, sentSHA256: outcome.sentSHA256,
                                                             deliveredTo: outcome.deliveredTo))
            }
            let files = outcome.deliveredTo
            switch a.channel {
            case .emailPGP, .email:
                if a.channel == .email {
                    print("WARNING: sent in clear text, because authorities[\(n.index)].channel is email in \(Configuration.fileName).")
                }
                print("The \(n.phaseName) notification of \(n.record.id) to \(a.id) was accepted by \(files[0])")
                print(a.channel == .emailPGP
                    ? "Encrypted (PGP/MIME) to the pinned key \(a.fingerprint); the outer subject says nothing of the breach."
                    : "Not encrypted.")
                print("Message-ID <\(outcome.messageID)>, SHA-256 \(outcome.sentSHA256); recorded in the register (notification.sent).")
            case .portal:
                print("\(a.name) takes notifications only through its online form: nothing was sent.")
                print("The \(n.phaseName) notification of \(n.record.id), in the form's section order, is ready to paste:")
                files.forEach { print("  \($0)") }
                print("Open \(a.portalURL), fill in the form from these files, submit it, then record the reference it gives:")
                print("  breachmail authority record \(n.record.id) --authority \(a.id)\(n.phase == .complementary ? " --complementary" : "") --reference REF")
            }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record that a notification was submitted (portal) or acknowledged, with the authority's reference.",
            discussion: "Example:\n  breachmail authority record BR-2026-0001 --authority cnil --reference CN-123\n  breachmail authority record BR-2026-0001 --reference CN-123 --json")

        @OptionGroup var selection: AuthoritySelection
        @Option(help: "The reference the authority gave (its acknowledgement or the form's receipt).")
        var reference: String
        @Flag(help: "Print what was recorded as one JSON object (snake_case keys).")
        var json = false

        func run() throws {
            let ws = try selection.workspace.open()
            let n = try AuthorityNotification(ws, incidentID: selection.id, authority: selection.authority,
                                              language: nil, complementary: selection.complementary)
            let a = n.authority
            let made = try n.recordReference(reference)
            let ref = reference.trimmingCharacters(in: .whitespaces)
            if json {
                return try JSONOutput.print(NotificationJSON(n, status: NotificationRecord.Status.recorded.rawValue, messageID: made.messageID,
                                                             plaintextSHA256: made.plaintextSHA256, sentSHA256: made.sentSHA256,
                                                             // The register joins the portal's files with spaces; an acceptance is one text.
                                                             deliveredTo: a.channel == .portal ? made.deliveredTo.split(separator: " ").map(String.init)
                                                                                               : [made.deliveredTo],
                                                             reference: ref,
                                                             recorded: made.status == .prepared ? "submission" : "acknowledgement"))
            }
            let what = made.status == .prepared ? "submission of the" : "reference for the"
            print("Recorded the \(what) \(n.phaseName) notification of \(n.record.id) to \(a.id): reference \(ref) (notification.recorded).")
        }
    }
}

/// `authority send --json` and `authority record --json`: the notification, its phase and channel,
/// what became of it (`sent`, `prepared`, `recorded`, `refused`) and its evidence (Message-ID,
/// SHA-256 of the plain text and of what was sent, where it went). Absent keys do not apply.
struct NotificationJSON: Encodable {
    let incident: String
    let authority: String
    let phase: String
    let channel: String
    let status: String
    var encrypted: Bool
    var messageId: String?
    var plaintextSha256: String?
    var sentSha256: String?
    var deliveredTo: [String]?
    /// Portal: where the DPO submits the form.
    var portalUrl: String?
    /// Email-pgp: the pinned key it was encrypted to.
    var fingerprint: String?
    var reference: String?
    /// `submission` (portal) or `acknowledgement` (e-mail), for `authority record`.
    var recorded: String?
    var reason: String?

    init(_ n: AuthorityNotification, status: String, messageID: String? = nil, plaintextSHA256: String? = nil, sentSHA256: String? = nil,
         deliveredTo: [String]? = nil, reference: String? = nil, recorded: String? = nil, reason: String? = nil) {
        let a = n.authority
        incident = n.record.id
        authority = a.id
        phase = n.phaseName
        channel = a.channel.rawValue
        self.status = status
        encrypted = a.channel == .emailPGP
        messageId = messageID.flatMap { $0.isEmpty ? nil : $0 }
        plaintextSha256 = plaintextSHA256
        sentSha256 = sentSHA256
        self.deliveredTo = deliveredTo
        portalUrl = a.channel == .portal ? a.portalURL : nil
        fingerprint = a.channel == .emailPGP ? a.fingerprint : nil
        self.reference = reference
        self.recorded = recorded
        self.reason = reason
    }
}

/// `compose`: the notice as text (subject, then body), or its full MIME message; a refusal of
/// the law's checks is printed with its reason and the exit status of its kind (`ExitStatus(refusal:)`).
func printComposed(mime: Bool, message: () throws -> BuiltMessage, render: () throws -> RenderedMessage) throws {
    do {
        if mime {
            print(String(decoding: try message().bytes, as: UTF8.self), terminator: "")
        } else {
            let rendered = try render()
            print("Subject: \(rendered.subject)\n")
            print(rendered.text, terminator: rendered.text.hasSuffix("\n") ? "" : "\n")
        }
    } catch let refusal as AuthorityRefusal {
        printError("Refused: \(refusal.description)")
        throw ExitCode(ExitStatus(refusal: refusal).rawValue)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
