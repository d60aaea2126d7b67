public import BreachCompose
public import BreachConfig
public import BreachCore
public import BreachRegister
public import Foundation

/// One processor's notice (GDPR Art. 33(2)) to one configured controller for one incident: the
/// organisation running breachmail is the processor (`controller` in the configuration), the one
/// notified is an entry of `controllers`.
public struct ControllerNotice {
    public let ws: Workspace
    public let record: IncidentRecord
    public let controller: Configuration.NotifiedController
    /// The controller's index in `controllers`, for naming settings (`controllers[0].fingerprint`).
    public let index: Int
    public let language: Language
    public let now: Date

    public init(_ ws: Workspace, incidentID: String, controller name: String?, language lang: String?) throws {
        self.ws = ws
        record = try ws.register.incident(incidentID)
        let all = ws.configuration.controllers
        guard !all.isEmpty else {
            throw AppError(.configuration, "no controller is configured: a processor lists the controllers it notifies under `controllers` in \(Configuration.fileName).")
        }
        if let name {
            guard let i = all.firstIndex(where: { $0.id.lowercased() == name.lowercased() || $0.name == name }) else {
                throw AppError(.notFound, "--controller \(name): no such controller in \(Configuration.fileName); configured: \(all.map(\.id).joined(separator: ", ")).")
            }
            index = i
        } else {
            // A notice about one controller's data sent to another would itself be a breach: no default among several.
            guard all.count == 1 else {
                throw AppError(.invalidInput, "several controllers are configured (\(all.map(\.id).joined(separator: ", "))): name the one whose data are concerned with --controller ID.")
            }
            index = 0
        }
        controller = all[index]
        let code = lang ?? controller.languages.first ?? "fr"
        guard let language = Language(rawValue: code) else {
            throw AppError(.invalidInput, "--lang \(code): breachmail writes notices in \(Language.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard controller.languages.contains(code) else {
            throw AppError(.invalidInput, "\(controller.id) takes notices in \(controller.languages.joined(separator: ", ")) (controllers[\(index)].languages), not \(code); choose one of those with --lang.")
        }
        self.language = language
        now = try Clock.now()
    }

    /// The `OutgoingMessage` id and the base of the file name.
    public var name: String { "\(record.id)-\(controller.id)-processor" }

    /// The composition context: we (the configuration's `controller`) write as the processor to
    /// the controller notified; the contact point is our DPO.
    public func context() -> ComposeContext {
        let c = ws.configuration
        let notified = Controller(name: controller.name, country: "")
        return ComposeContext(kind: .processorNotice, incident: record.incident, reference: record.id, controller: notified,
                              dpo: c.dpo, processor: c.controller, language: language, composedAt: now)
    }

    public var delivery: NoticeDelivery {
        NoticeDelivery(ws: ws, recipient: NoticeRecipient(
            id: controller.id, name: controller.name, address: controller.address, keyFile: controller.keyFile,
            fingerprint: controller.fingerprint, setting: "controllers[\(index)]", keyOwner: "controller", demoHint: ""))
    }

    /// The rendered notice (subject and text), or the refusal of the law's checks.
    public func render() throws -> RenderedMessage {
        let composer = try NoticeDelivery.composer(ws)
        do { return try composer.render(context()) } catch { throw AuthorityNotification.refusal(error) }
    }

    /// The full MIME message, addressed to the controller, answers to our DPO.
    public func message() throws -> BuiltMessage {
        try delivery.message(context(), composer: try NoticeDelivery.composer(ws))
    }

    /// Sends the notice by the controller's channel, or writes it for a hand-over.
    ///
    /// - Throws: ``AuthorityRefusal`` for anything that stops it; nothing is sent or written then.
    public func send() async throws -> NoticeOutcome {
        switch controller.channel {
        case .emailPGP:
            return try await delivery.sendEncrypted(messageName: name, message)
        case .email:
            return try await delivery.sendClear(messageName: name, message)
        case .file:
            let rendered = try render()
            let folder = ws.path(controller.folder)
            let url = folder.appendingPathComponent("\(name).txt")
            let text = "Subject: \(rendered.subject)\n\n\(rendered.text)"
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try writePrivate(text, to: url)
            } catch {
                throw AuthorityRefusal(kind: "write", description: "cannot write the notice to \(folder.path) (controllers[\(index)].folder): \(error.localizedDescription)")
            }
            let hash = NoticeDelivery.sha256(Array(text.utf8))
            return NoticeOutcome(status: .prepared, plaintextSHA256: hash, sentSHA256: hash, deliveredTo: [NoticeDelivery.relative(url, in: ws)])
        }
    }
}
