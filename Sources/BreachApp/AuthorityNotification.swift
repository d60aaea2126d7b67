public import BreachCompose
public import BreachConfig
public import BreachCore
public import BreachPGP
public import BreachRegister
public import Foundation

/// Why a notification was not sent. Its `kind` goes to the register with the reason.
public struct AuthorityRefusal: Error, CustomStringConvertible {
    public let kind: String
    public let description: String

    /// The relay (or the outbox) did not accept the message: the set-up worked, the receiver refused.
    public static let relayRefused = "transport"
    /// `mail.transport` cannot be used as configured (clear text to a host that is not loopback, an
    /// outbox that cannot be made): nothing was tried.
    public static let transportSetup = "transportSetup"
}

/// One notification to one authority for one incident: which, in what language, which phase,
/// and everything it is composed and sent with.
public struct AuthorityNotification: Sendable {
    public let ws: Workspace
    public let record: IncidentRecord
    public let authority: Configuration.Authority
    /// The authority's index in `authorities`, for naming settings (`authorities[0].fingerprint`).
    public let index: Int
    public let language: Language
    public let phase: NotificationRecord.Phase
    public let now: Date

    public init(_ ws: Workspace, incidentID: String, authority name: String?, language lang: String?, complementary: Bool) throws {
        self.ws = ws
        record = try ws.register.incident(incidentID)
        let all = ws.configuration.authorities
        guard !all.isEmpty else {
            throw AppError(.configuration, "no authority is configured: add one under `authorities` in \(Configuration.fileName).")
        }
        if let name {
            guard let i = all.firstIndex(where: { $0.id.lowercased() == name.lowercased() || $0.name == name }) else {
                throw AppError(.notFound, "--authority \(name): no such authority in \(Configuration.fileName); configured: \(all.map(\.id).joined(separator: ", ")).")
            }
            index = i
        } else {
            index = 0
        }
        authority = all[index]
        // The authority's first language in which the incident has every text, else its first.
        let complete = record.incident.completeLanguages.map(\.rawValue)
        let code = lang ?? authority.languages.first(where: complete.contains) ?? authority.languages.first ?? "fr"
        guard let language = Language(rawValue: code) else {
            throw AppError(.invalidInput, "--lang \(code): breachmail writes notifications in \(Language.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard authority.languages.contains(code) else {
            throw AppError(.invalidInput, "\(authority.id) takes notifications in \(authority.languages.joined(separator: ", ")) (authorities[\(index)].languages), not \(code); choose one of those with --lang.")
        }
        self.language = language
        phase = complementary ? .complementary : .initial
        now = try Clock.now()
    }

    public var phaseName: String { phase == .initial ? "initial" : "complementary" }

    /// The composition context; for a complementary notification, the initial one it refers to.
    public func context() throws -> ComposeContext {
        var notice = AuthorityNotice(name: authority.name, attachesJSON: authority.channel != .portal)
        if phase == .complementary {
            guard let initial = try ws.register.initialNotification(incidentID: record.id, authorityID: authority.id) else {
                let how = authority.channel == .portal
                    ? "prepare it with `breachmail authority send \(record.id) --authority \(authority.id)`, submit it on the form, and record it with `breachmail authority record \(record.id) --authority \(authority.id) --reference REF`"
                    : "send it with `breachmail authority send \(record.id) --authority \(authority.id)`"
                throw AuthorityRefusal(
                    kind: "noInitialNotification",
                    description: "a complementary notification completes an initial one (GDPR Art. 33(4)), and no initial notification to \(authority.id) is recorded for \(record.id): \(how) first.")
            }
            notice.initialNotificationDate = initial.recordedDate
            // The authority's own reference when it gave one; our Message-ID is never passed off as theirs.
            notice.reference = try ws.register.authorityReference(incidentID: record.id, authorityID: authority.id)
            notice.initialMessageID = initial.messageID
            if let last = try ws.register.incidentAsLastNotified(incidentID: record.id, authorityID: authority.id) {
                notice.previous = (last.incident.incident, last.date)
            }
        }
        let c = ws.configuration
        var context = ComposeContext(
            kind: phase == .initial ? .authorityInitial : .authorityComplementary, incident: record.incident,
            reference: record.id, controller: c.controller, dpo: c.dpo, authority: notice, language: language, composedAt: now)
        if let inForce = try ws.register.decisionInForce(incidentID: record.id) {
            context.decision = DecisionInForce(record: inForce.record, decidedBy: inForce.entry.actor,
                                               decidedAt: ZonedTime(rfc3339: inForce.entry.recordedAt)?.instant ?? now)
        }
        let counts = try ws.register.subjectCounts(incidentID: record.id)
        func count(_ states: SubjectState...) -> Int { states.reduce(0) { $0 + (counts[$1.rawValue] ?? 0) } }
        context.communication = SubjectsCommunication(
            total: counts.values.reduce(0, +), submitted: count(.submitted), pending: count(.queued, .sending, .deferred),
            firstSentAt: try ws.register.firstSubmission(incidentID: record.id),
            plannedAt: record.incident.communicationPlanned?.instant)
        return context
    }

    public func composer() throws -> Composer { try NoticeDelivery.composer(ws) }

    /// How the notification reaches the authority by e-mail, and the keys that configure it.
    public var delivery: NoticeDelivery {
        NoticeDelivery(ws: ws, recipient: NoticeRecipient(
            id: authority.id, name: authority.name, address: authority.address, keyFile: authority.keyFile,
            fingerprint: authority.fingerprint, setting: "authorities[\(index)]", keyOwner: "authority",
            demoHint: "For a demo only: `breachmail demo authority-key`."))
    }

    /// The rendered notification (subject and text), or the refusal of the law's checks.
    public func render() throws -> RenderedMessage {
        let context = try context()
        let composer = try composer()
        do { return try composer.render(context) } catch { throw Self.refusal(error) }
    }

    /// The full MIME message, addressed to the authority, answers to the DPO.
    public func message() throws -> BuiltMessage {
        try delivery.message(try context(), composer: try composer())
    }

    public static func refusal(_ error: ComposeError) -> AuthorityRefusal {
        let kind = switch error {
        case .incomplete: "incomplete"
        case .late: "lateWithoutReasons"
        case .missingContext: "missingContext"
        case .missingSubjectField: "missingSubjectField"
        case .noTemplate: "noTemplate"
        case .header: "headerInjection"
        case .address: "address"
        case .emptyMessage: "emptyMessage"
        case .untranslated: "untranslated"
        case .nothingChanged: "nothingChanged"
        }
        return AuthorityRefusal(kind: kind, description: error.description)
    }

    // MARK: Sending

    public typealias Outcome = NoticeOutcome

    /// Sends (or, for a portal, prepares) the notification by the authority's channel.
    ///
    /// - Throws: ``AuthorityRefusal`` for anything that stops it; nothing is sent then.
    public func send() async throws -> Outcome {
        switch authority.channel {
        case .emailPGP:
            return try await delivery.sendEncrypted(messageName: "\(record.id)-\(authority.id)-\(phaseName)", message)
        case .email:
            return try await delivery.sendClear(messageName: "\(record.id)-\(authority.id)-\(phaseName)", message)
        case .portal:
            let rendered = try render()
            let folder = ws.path("portal")
            let base = "\(record.id)-\(authority.id)-\(phaseName)"
            let text = "\(rendered.subject)\n\n\(rendered.text)"
            let recordCommand = "breachmail authority record \(record.id) --authority \(authority.id)"
                + (phase == .complementary ? " --complementary" : "") + " --reference REF"
            let html: String
            do {
                html = try PortalHTML.page(.init(title: rendered.subject, text: rendered.text, language: language, authority: authority.name,
                                                 incidentID: record.id, phase: phase, recordCommand: recordCommand),
                                           folder: TemplateFolder(directory: TemplateFolder.locate("portal", ws)))
            } catch {
                throw AuthorityRefusal(kind: "templates", description: error.description)
            }
            let txtURL = folder.appendingPathComponent("\(base).txt"), htmlURL = folder.appendingPathComponent("\(base).html")
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                try writePrivate(text, to: txtURL)
                try writePrivate(html, to: htmlURL)
            } catch {
                throw AuthorityRefusal(kind: "write", description: "cannot write the form text to \(folder.path): \(error.localizedDescription)")
            }
            let hash = Self.sha256(Array(text.utf8))
            return Outcome(status: .prepared, plaintextSHA256: hash, sentSHA256: hash, deliveredTo: [relative(txtURL), relative(htmlURL)])
        }
    }

    /// `path` relative to the working directory when it is inside it.
    public func relative(_ url: URL) -> String { NoticeDelivery.relative(url, in: ws) }

    public static func sha256(_ bytes: [UInt8]) -> String { NoticeDelivery.sha256(bytes) }
}

/// `Name <address>` or a bare address, as `mail.from` holds it.
public enum MailboxText {
    public static func parse(_ text: String) throws -> Mailbox {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix(">"), let open = t.lastIndex(of: "<") else { return try Mailbox(address: t) }
        var name = t[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
        let address = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
        return try Mailbox(displayName: name.isEmpty ? nil : name, address: address)
    }
}

/// Splits a built message into its real headers (which PGP/MIME protects inside the encrypted
/// part) and the inner entity (everything else, body included).
public enum MessageSplit {
    public static func protectedHeaders(_ bytes: [UInt8]) -> (MessageHeaders, [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        let split = bytes.firstRange(of: separator) ?? bytes.endIndex..<bytes.endIndex
        let block = String(decoding: bytes[..<split.lowerBound], as: UTF8.self)
        var fields: [String] = []
        for line in block.components(separatedBy: "\r\n") {
            if (line.hasPrefix(" ") || line.hasPrefix("\t")), !fields.isEmpty {
                fields[fields.count - 1] += "\r\n" + line
            } else {
                fields.append(line)
            }
        }
        var values: [String: String] = [:]
        var kept: [String] = []
        for field in fields {
            let name = String(field.prefix { $0 != ":" }).lowercased()
            if ["from", "to", "subject", "date", "message-id"].contains(name) {
                values[name] = field.dropFirst(name.count + 1).replacingOccurrences(of: "\r\n", with: "")
                    .trimmingCharacters(in: .whitespaces)
            } else {
                kept.append(field)
            }
        }
        let headers = MessageHeaders(
            from: values["from"] ?? "", to: values["to"] ?? "", subject: values["subject"] ?? "",
            date: values["date"] ?? "", messageID: values["message-id"] ?? "")
        return (headers, Array(kept.joined(separator: "\r\n").utf8) + bytes[split.lowerBound...])
    }
}

/// The notification as an HTML page to paste into a portal's form, rendered from the template
/// `templates/portal/portal.html.mustache` (its words in `labels/`): one box per section of the
/// form, in its order, numbered as the form numbers them, lists as lists, a box to tick once the
/// section is entered, readable on a screen and printed on clean pages. No script, nothing
/// remote: the style is in the page.
public enum PortalHTML {
    /// What the page says besides the notification's text.
    public struct Page: Sendable {
        public var title: String
        public var text: String
        public var language: Language
        public var authority: String
        public var incidentID: String
        public var phase: NotificationRecord.Phase
        /// The command that records the submission, once the form is sent.
        public var recordCommand: String

        public init(title: String, text: String, language: Language, authority: String, incidentID: String,
                    phase: NotificationRecord.Phase, recordCommand: String) {
            self.title = title
            self.text = text
            self.language = language
            self.authority = authority
            self.incidentID = incidentID
            self.phase = phase
            self.recordCommand = recordCommand
        }
    }

    /// The page, from the templates of `folder`.
    ///
    /// - Throws: ``AppError`` `configuration` when the template is missing.
    public static func page(_ page: Page, folder: TemplateFolder) throws(AppError) -> String {
        let (intro, sections) = sections(page.text)
        return try folder.render("portal.html", [
            "t": folder.words(page.language), "lang": page.language.rawValue, "title": page.title,
            "authority": page.authority, "incident": page.incidentID,
            "phase": folder.word("phase.\(page.phase.rawValue)", page.language),
            "intro": intro, "sections": sections, "record": page.recordCommand,
        ])
    }

    /// The text cut into what comes before the first numbered heading (`1. …`) and the sections,
    /// each with its number, heading and blocks: a paragraph (`text`, lines kept) or a list (`items`).
    static func sections(_ text: String) -> (intro: [[String: Any]], sections: [[String: Any]]) {
        var intro: [[String: Any]] = [], sections: [[String: Any]] = []
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            var lines = block.components(separatedBy: "\n")
            if let first = lines.first, let match = first.range(of: #"^[0-9]+\. "#, options: .regularExpression) {
                let number = String(first[..<match.upperBound].dropLast(2))
                sections.append(["number": number, "heading": String(first[match.upperBound...]), "id": "s" + number,
                                 "blocks": [[String: Any]]()])
                lines.removeFirst()
            }
            let blocks = paragraphs(lines)
            if sections.isEmpty {
                intro += blocks
            } else {
                sections[sections.count - 1]["blocks"] = ((sections[sections.count - 1]["blocks"] as? [[String: Any]]) ?? []) + blocks
            }
        }
        return (intro, sections)
    }

    /// Lines of a block: runs of `- item` lines as a list, the others as a paragraph.
    private static func paragraphs(_ lines: [String]) -> [[String: Any]] {
        var out: [[String: Any]] = [], text: [String] = [], items: [String] = []
        func flush() {
            if !text.isEmpty { out.append(["text": text.joined(separator: "\n")]); text = [] }
            if !items.isEmpty { out.append(["list": true, "items": items]); items = [] }
        }
        for line in lines {
            if line.hasPrefix("- ") {
                if !text.isEmpty { flush() }
                items.append(String(line.dropFirst(2)))
            } else {
                if !items.isEmpty { flush() }
                text.append(line)
            }
        }
        flush()
        return out
    }
}
