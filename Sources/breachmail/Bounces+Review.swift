import BreachApp
import ArgumentParser
import BreachCore
import BreachRegister
import Foundation

extension BouncesCommand {
    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "List the bounces that wait for the DPO's review, or show one with its evidence.",
            discussion: """
                A bounce without a verified VERP token that names someone only by an address (or by \
                a Message-ID breachmail sent to another address) is kept for review: anyone can send \
                mail to the bounce address, so it counts for no one until the DPO confirms it. The \
                list shows subject ids, never addresses; one bounce shows its evidence.

                Example:
                  breachmail bounces review
                  breachmail bounces review 12
                  breachmail bounces confirm 12
                  breachmail bounces reject 13
                """)

        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "A bounce id from the list: show its evidence.")
        var id: Int64?
        @Option(help: "Only this incident's.")
        var incident: String?
        @Flag(help: "Also list the bounces already confirmed or rejected.")
        var all = false

        func run() throws {
            let ws = try workspace.open()
            if let id {
                guard let bounce = try ws.register.bounceUnderReview(id) else {
                    throw CLIError("bounce \(id) is not under review; `breachmail bounces review` lists those that are.")
                }
                print(BounceReviewText.evidence(bounce))
                return
            }
            let bounces = try ws.register.bouncesUnderReview(incidentID: incident, decided: all)
            let pending = bounces.filter { $0.review == .pending }.count
            print("\(pending) bounce\(pending == 1 ? "" : "s") wait\(pending == 1 ? "s" : "") for review (no verified VERP token: counted for no one until confirmed).")
            for bounce in bounces { print(BounceReviewText.line(bounce)) }
            if pending > 0 {
                print("Show one: breachmail bounces review ID. Decide: breachmail bounces confirm ID, or breachmail bounces reject ID.")
            }
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "confirm",
            abstract: "Confirm a bounce under review: it counts for its subject from now on.",
            discussion: "Recorded in the history with the actor (--actor or BREACHMAIL_ACTOR).\n\nExample:\n  breachmail bounces confirm 12")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The bounce id (`breachmail bounces review` lists them).")
        var id: Int64

        func run() throws { try BounceReviewText.decide(workspace, id, .confirm) }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Reject a bounce under review: it counts for no one.",
            discussion: "Recorded in the history with the actor (--actor or BREACHMAIL_ACTOR).\n\nExample:\n  breachmail bounces reject 13")
        @OptionGroup var workspace: WorkspaceOptions
        @Argument(help: "The bounce id (`breachmail bounces review` lists them).")
        var id: Int64

        func run() throws { try BounceReviewText.decide(workspace, id, .reject) }
    }
}

/// The words of review.
enum BounceReviewText {
    static func decide(_ workspace: WorkspaceOptions, _ id: Int64, _ decision: BounceReviewDecision) throws {
        let ws = try workspace.open()
        switch try ws.register.decideBounce(id, decision, actor: ws.actor, at: try Clock.now()) {
        case .notFound:
            throw CLIError("there is no bounce \(id); `breachmail bounces review` lists those waiting for review.", .noInput)
        case .notUnderReview:
            throw CLIError("bounce \(id) is not under review (it had a VERP token, or named no one): nothing to decide.")
        case .alreadyDecided(let bounce):
            throw CLIError("bounce \(id) was already \(bounce.review.rawValue); a decision is recorded once.")
        case .decided(let bounce):
            switch decision {
            case .confirm:
                print("Confirmed bounce \(id): it now counts for \(bounce.incidentID) subject \(bounce.subjectID) (\(describe(bounce))).")
            case .reject:
                print("Rejected bounce \(id): it counts for no one.")
            }
        }
    }

    static func describe(_ b: BounceUnderReview) -> String {
        [b.kind.rawValue, b.outcome?.rawValue, b.status, b.reason].compactMap { $0 }.joined(separator: " ")
    }

    /// One line, without any address.
    static func line(_ b: BounceUnderReview) -> String {
        "  \(b.id)  \(b.review.rawValue)  received \(b.receivedAt)  \(b.incidentID) subject \(b.subjectID)"
            + (b.subjectLine.map { " (line \($0))" } ?? "") + "  \(describe(b))"
    }

    /// Everything the DPO needs to decide.
    static func evidence(_ b: BounceUnderReview) -> String {
        let report = try? JSONSerialization.jsonObject(with: Data(b.report.utf8)) as? [String: Any]
        let original = report?["originalMessageID"] as? String
        let sentMatches = original.map { Self.bare($0) } == b.sentMessageID.map { Self.bare($0) }
        var lines = [
            "Bounce \(b.id): \(b.review.rawValue)",
            "  received      \(b.receivedAt)",
            "  message       SHA-256 \(b.sha256) (in the Maildir's .review folder when ingested from a Maildir)",
            "  what          \(describe(b))",
        ]
        if let d = b.diagnostic { lines.append("  diagnostic    \(d)") }
        lines.append("  token         none verified: the bounce went to the plain bounce address, or its token could not be checked")
        if let original {
            lines.append("  Message-ID    \(original): " + (sentMatches ? "the notice breachmail sent this subject, but the bounce names another address"
                : "not the notice breachmail sent this subject"))
        } else {
            lines.append("  Message-ID    none given")
        }
        lines.append("  would count   for \(b.incidentID) subject \(b.subjectID)" + (b.subjectLine.map { ", line \($0) of its import" } ?? "")
            + ", the address the bounce names")
        lines.append("  report        \(b.report)")
        if b.review == .pending {
            lines.append("Decide: breachmail bounces confirm \(b.id), or breachmail bounces reject \(b.id).")
        }
        return lines.joined(separator: "\n")
    }

    private static func bare(_ id: String) -> String {
        id.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
    }
}
