import BreachApp
import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachRegister
import Foundation

struct PublicNotice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public-notice",
        abstract: "Draft the public communication (GDPR Art. 34(3)(c)) for the people who could not be reached.",
        discussion: """
            Writes the draft from the `public` template and the evidence: the figures and, per \
            unreachable person (no address, hard bounce, retries exhausted), the subject id, CSV line, \
            state, attempts and the last reply or bounce. The printed list carries no address; the \
            evidence file evidence/ID-unreachable.csv beside the register (0600) does, because it \
            is the controller's own proof of who could not be reached and why.

            Refused when the escalation policy (`breachmail status ID`) does not recommend a public \
            communication: the CNIL sanctioned a controller that published a notice while it held the \
            addresses of half the people concerned. --force writes it anyway, with a warning.

            Example:
              breachmail public-notice BR-2026-0001 --lang fr --output notice-fr.txt
            """)

    @OptionGroup var workspace: WorkspaceOptions
    @Argument(help: "The incident id, e.g. BR-2026-0001.")
    var id: String
    @Option(help: "The language of the draft: fr, en or de.")
    var lang = "fr"
    @Option(help: "Write the draft to this file (0600) instead of standard output.")
    var output: String?
    @Flag(help: "Write the draft even though the policy does not recommend a public communication.")
    var force = false

    /// The most people listed on the terminal; the evidence file has them all.
    static let printedLimit = 200

    func run() throws {
        guard let language = Language(rawValue: lang) else {
            throw CLIError("--lang \(lang) is not a language breachmail writes: use fr, en or de", .usage)
        }
        let ws = try workspace.open()
        let record = try ws.register.incident(id)
        let zone = ws.zone(for: record.incident)
        let now = try Clock.now()
        let report = try ReachReport(ws, incidentID: id, now: now)
        let recommendation = ReachText.recommendation(report.recommendation, policy: report.policy, incidentID: id, zone: zone)
        if !report.recommendation.recommendsPublicCommunication {
            guard force else {
                throw CLIError("no public communication is recommended for \(id): \(recommendation). A public notice is for "
                    + "people who cannot be reached one by one; the CNIL sanctioned a controller that used one while it held "
                    + "the addresses of half the people concerned. Use --force only for another documented reason.")
            }
            FileHandle.standardError.write(Data(("Warning: the policy does not recommend a public communication for \(id) "
                + "(\(recommendation)). The CNIL sanctioned a controller that published a notice while it held the addresses "
                + "of half the people concerned: the individual notices remain due to everyone you can reach.\n").utf8))
        }

        let c = ws.configuration
        let rendered: RenderedMessage
        do {
            let composer = Composer(templates: try TemplateSet(directory: ws.path(c.storage.templates), kinds: [.publicNotice]))
            rendered = try composer.render(ComposeContext(kind: .publicNotice, incident: record.incident, reference: record.id,
                                                          controller: c.controller, dpo: c.dpo, language: language, composedAt: now))
        } catch {
            throw CLIError("\(error) Run `breachmail templates check`.", .configuration)
        }
        let draft = "Subject: \(rendered.subject)\n\n\(rendered.text)"

        // The evidence: every unreachable person, with the address (the controller's own proof),
        // written as it is read and renamed into place once complete.
        let evidenceDir = URL(fileURLWithPath: c.storage.register, relativeTo: ws.directory).standardizedFileURL
            .deletingLastPathComponent().appendingPathComponent("evidence", isDirectory: true)
        try FileManager.default.createDirectory(at: evidenceDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let evidence = evidenceDir.appendingPathComponent("\(id)-unreachable.csv")
        let csv = try EvidenceWriter(evidence)
        try csv.append(Self.csvHeader)
        var printed: [String] = []
        var listed = 0
        try ws.register.forEachPossiblyUnreachable(incidentID: id) { subject, s, bounces in
            let category = ReachCategory.of(s, now: now, window: report.policy.window)
            guard category.isUnreachable else { return }
            let last = bounces.last { $0.kind == .failure }
            let why = last.map { "\($0.outcome?.rawValue ?? "failure") \($0.status ?? "") \($0.reason ?? "")" }
                ?? subject.lastReply ?? subject.stateReason ?? ""
            try csv.append([String(subject.id), String(subject.line), subject.email ?? "", subject.state, category.rawValue,
                            String(subject.attempts), last.map { RFC3339Text.utc($0.receivedAt) } ?? "",
                            last?.outcome?.rawValue ?? "", last?.reason ?? "", last?.status ?? "", last?.diagnostic ?? "",
                            subject.lastReply ?? "", subject.stateReason ?? ""])
            listed += 1
            if listed <= Self.printedLimit {
                printed.append("  subject \(subject.id)  line \(subject.line)  \(subject.state)  \(category.rawValue)  "
                    + "attempts \(subject.attempts)  \(TextFormat.withoutAddresses(why))")
            }
        }
        try csv.finish()

        let r = report.reach
        _ = try ws.register.append(kind: Self.historyKind, incidentID: id, payload: Drafted(
            language: language.rawValue, unreachable: r.unreachable, total: r.total, noAddress: r[.noAddress],
            hardBounced: r[.hardBounced], retriesExhausted: r[.retriesExhausted],
            recommended: report.recommendation.recommendsPublicCommunication,
            forced: !report.recommendation.recommendsPublicCommunication), actor: ws.actor, at: now)

        if let output {
            try writePrivate(draft, to: URL(fileURLWithPath: output))
            print("Draft        \(output) (\(language.rawValue), 0600): review it before publishing")
        } else {
            print(draft)
            print(String(repeating: "-", count: 78))
        }
        print("Policy       \(recommendation)")
        print("Figures      " + ReachText.lines(r, window: c.escalation.windowHours, zone: zone).joined(separator: "\n             "))
        print("Evidence     \(evidence.path) (0600; holds the addresses: the controller's own proof, not for publication)")
        print("Unreachable  \(listed) people (no addresses shown here):")
        printed.forEach { print($0) }
        if listed > Self.printedLimit { print("  … \(listed - Self.printedLimit) more in the evidence file") }
    }

    static let historyKind = "public-notice.drafted"
    static let csvHeader = ["subject_id", "csv_line", "email", "state", "reach", "attempts", "last_bounce_at", "bounce_class",
                            "bounce_reason", "bounce_status", "diagnostic", "last_reply", "state_reason"]

    /// Figures only: the history never holds an address.
    struct Drafted: Encodable {
        let language: String
        let unreachable: Int
        let total: Int
        let noAddress: Int
        let hardBounced: Int
        let retriesExhausted: Int
        let recommended: Bool
        let forced: Bool
    }
}
