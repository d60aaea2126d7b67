import ArgumentParser
import BreachCompose
import BreachConfig
import BreachCore
import BreachPGP
import BreachRegister
import BreachTransport
import Crypto
import Foundation

/// Why a notification was not sent. Its `kind` goes to the register with the reason.
struct AuthorityRefusal: Error, CustomStringConvertible {
    let kind: String
    let description: String
}

/// One notification to one authority for one incident: which, in what language, which phase,
/// and everything it is composed and sent with.
struct AuthorityNotification {
    let ws: Workspace
    let record: IncidentRecord
    let authority: Configuration.Authority
    /// The authority's index in `authorities`, for naming settings (`authorities[0].fingerprint`).
    let index: Int
    let language: Language
    let phase: NotificationRecord.Phase
    let now: Date

    init(_ ws: Workspace, incidentID: String, authority name: String?, language lang: String?, complementary: Bool) throws {
        self.ws = ws
        record = try ws.register.incident(incidentID)
        let all = ws.configuration.authorities
        guard !all.isEmpty else {
            throw CLIError("no authority is configured: add one under `authorities` in \(Configuration.fileName).")
        }
        if let name {
            guard let i = all.firstIndex(where: { $0.id.lowercased() == name.lowercased() || $0.name == name }) else {
                throw CLIError("--authority \(name): no such authority in \(Configuration.fileName); configured: \(all.map(\.id).joined(separator: ", ")).")
            }
            index = i
        } else {
            index = 0
        }
        authority = all[index]
        let code = lang ?? authority.languages.first ?? "fr"
        guard let language = Language(rawValue: code) else {
            throw CLIError("--lang \(code): breachmail writes notifications in \(Language.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard authority.languages.contains(code) else {
            throw CLIError("\(authority.id) takes notifications in \(authority.languages.joined(separator: ", ")) (authorities[\(index)].languages), not \(code); choose one of those with --lang.")
        }
        self.language = language
        phase = complementary ? .complementary : .initial
        now = try Clock.now()
    }

    var phaseName: String { phase == .initial ? "initial" : "complementary" }

    /// The composition context; for a complementary notification, the initial one it refers to.
    func context() throws -> ComposeContext {
        var notice = AuthorityNotice(name: authority.name)
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
            let reference = try ws.register.authorityReference(incidentID: record.id, authorityID: authority.id)
            // Until the authority's own reference is recorded, our Message-ID identifies the initial e-mail.
            notice.reference = reference.isEmpty ? "Message-ID <\(initial.messageID)>" : reference
        }
        let c = ws.configuration
        return ComposeContext(
            kind: phase == .initial ? .authorityInitial : .authorityComplementary, incident: record.incident,
            reference: record.id, controller: c.controller, dpo: c.dpo, authority: notice, language: language, composedAt: now)
    }

    func composer() throws -> Composer {
        let directory = ws.path(ws.configuration.storage.templates)
        do {
            return Composer(templates: try TemplateSet(directory: directory))
        } catch {
            throw AuthorityRefusal(kind: "templates", description: "\(error.description) Run `breachmail templates check`.")
        }
    }

    /// The rendered notification (subject and text), or the refusal of the law's checks.
    func render() throws -> RenderedMessage {
        let context = try context()
        let composer = try composer()
        do { return try composer.render(context) } catch { throw Self.refusal(error) }
    }

    /// The full MIME message, addressed to the authority, answers to the DPO.
    func message() throws -> BuiltMessage {
        let context = try context()
        let composer = try composer()
        let c = ws.configuration
        let from: Mailbox, to: Mailbox, builder: MIMEBuilder
        do {
            from = try MailboxText.parse(c.mail.from)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "mail.from: \(error). Fix it in \(Configuration.fileName).")
        }
        do {
            to = try Mailbox(displayName: authority.name, address: authority.address)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "authorities[\(index)].address: \(error). Fix it in \(Configuration.fileName).")
        }
        do {
            builder = try MIMEBuilder(messageIDDomain: c.mail.messageIDDomain)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "mail.message_id_domain: \(error). Fix it in \(Configuration.fileName).")
        }
        let replyTo = try? Mailbox(displayName: c.dpo.name, address: c.dpo.email)
        do {
            return try composer.message(context, from: from, to: [to], replyTo: replyTo, builder: builder)
        } catch {
            throw Self.refusal(error)
        }
    }

    static func refusal(_ error: ComposeError) -> AuthorityRefusal {
        let kind = switch error {
        case .incomplete: "incomplete"
        case .late: "lateWithoutReasons"
        case .missingContext: "missingContext"
        case .missingSubjectField: "missingSubjectField"
        case .noTemplate: "noTemplate"
        case .header: "headerInjection"
        case .address: "address"
        case .emptyMessage: "emptyMessage"
        }
        return AuthorityRefusal(kind: kind, description: error.description)
    }

    // MARK: Sending

    /// What a send produced, for the register.
    struct Outcome {
        var status: NotificationRecord.Status
        var messageID = ""
        var plaintextSHA256: String
        var sentSHA256: String
        /// Where it went: the relay's or the outbox's acceptance, or the portal files.
        var deliveredTo: [String]
    }

    /// Sends (or, for a portal, prepares) the notification by the authority's channel.
    ///
    /// - Throws: ``AuthorityRefusal`` for anything that stops it; nothing is sent then.
    func send() throws -> Outcome {
        switch authority.channel {
        case .emailPGP:
            // gpg starts a gpg-agent for the keyring (import, signing): stopped before the command ends.
            defer { Keyring.stopAgent(directory: ws.path(ws.configuration.storage.keyring).path) }
            let transport = try transport()
            let (keyring, key) = try pinnedKey()
            let signer = try signingKey(keyring)
            let built = try message()
            let (headers, inner) = MessageSplit.protectedHeaders(built.bytes)
            let encrypted: PGPMIMEMessage
            do {
                // The CLI runs on the main thread, not on the cooperative pool: blocking on gpg is fine here.
                encrypted = try PGPMIME.encrypt(inner, headers: headers, to: key, signedBy: signer, in: keyring)
            } catch {
                throw AuthorityRefusal(kind: error.kind.rawValue, description: error.description)
            }
            let accepted = try deliver(encrypted.bytes, messageID: built.messageID, with: transport)
            return Outcome(status: .sent, messageID: built.messageID, plaintextSHA256: encrypted.plaintextSHA256,
                           sentSHA256: encrypted.messageSHA256, deliveredTo: [accepted])
        case .email:
            let transport = try transport()
            let built = try message()
            let accepted = try deliver(built.bytes, messageID: built.messageID, with: transport)
            let hash = Self.sha256(built.bytes)
            return Outcome(status: .sent, messageID: built.messageID, plaintextSHA256: hash, sentSHA256: hash, deliveredTo: [accepted])
        case .portal:
            let rendered = try render()
            let folder = ws.path("portal")
            let base = "\(record.id)-\(authority.id)-\(phaseName)"
            let text = "\(rendered.subject)\n\n\(rendered.text)"
            let html = PortalHTML.page(title: rendered.subject, text: rendered.text, language: language.rawValue)
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

    /// The transport of `mail.transport`: the relay, or the outbox Maildir.
    private func transport() throws -> any MailTransport {
        do { return try MailSetup.transport(ws) } catch {
            throw AuthorityRefusal(kind: "transport", description: "\(error)")
        }
    }

    /// The authority's key, imported into breachmail's own keyring and checked against its pin.
    private func pinnedKey() throws -> (Keyring, RecipientKey) {
        let fingerprintSetting = "authorities[\(index)].fingerprint", keyFileSetting = "authorities[\(index)].key_file"
        guard !authority.fingerprint.isEmpty else {
            throw AuthorityRefusal(
                kind: "fingerprintMissing",
                description: "`\(fingerprintSetting)` (\(authority.id)) is empty in \(Configuration.fileName): breachmail encrypts only to a key "
                    + "pinned by its full fingerprint. Fix: obtain the authority's public key and its fingerprint from the authority "
                    + "(and check the fingerprint by another channel), save the key as \(authority.keyFile) (`\(keyFileSetting)`) and write "
                    + "the 40 hexadecimal digits into `\(fingerprintSetting)`. For a demo only: `breachmail demo authority-key`.")
        }
        do {
            let pin = try KeyPin(keyFile: ws.path(authority.keyFile).path, keyFileSetting: keyFileSetting,
                                 fingerprint: authority.fingerprint, fingerprintSetting: fingerprintSetting)
            let keyring = try Keyring(directory: ws.path(ws.configuration.storage.keyring).path)
            return (keyring, try keyring.importRecipientKey(pin))
        } catch let error as PGPError {
            throw AuthorityRefusal(kind: error.kind.rawValue, description: error.description)
        } catch {
            throw AuthorityRefusal(kind: "key", description: "\(error)")
        }
    }

    /// The controller's own key when `mail.signing` is configured: the message is then encrypted and signed.
    private func signingKey(_ keyring: Keyring) throws -> SigningKey? {
        guard let signing = ws.configuration.mail.signing else { return nil }
        let passphrase: PassphraseSource
        switch signing.passphrase {
        case nil: passphrase = .agent
        case .environment(let name)?: passphrase = .environment(name)
        case .file(let path)?: passphrase = .file(ws.path(path).path)
        }
        do {
            let pin = try KeyPin(keyFile: ws.path(signing.keyFile).path, keyFileSetting: "mail.signing.key_file",
                                 fingerprint: signing.fingerprint, fingerprintSetting: "mail.signing.fingerprint")
            return try keyring.importSigningKey(pin, passphrase: passphrase)
        } catch let error as PGPError {
            throw AuthorityRefusal(kind: error.kind.rawValue, description: error.description)
        } catch {
            throw AuthorityRefusal(kind: "signingKey", description: "\(error)")
        }
    }

    /// Hands the message to the transport; only an acceptance counts as sent.
    private func deliver(_ bytes: [UInt8], messageID: String, with transport: any MailTransport) throws -> String {
        let c = ws.configuration
        let envelope: Envelope
        do {
            // Bounces of authority mail go back to the DPO, who reads them.
            envelope = try Envelope(returnPath: c.dpo.email, recipient: authority.address)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "dpo.email or authorities[\(index)].address: \(error)")
        }
        let message = BreachCore.OutgoingMessage(id: "\(record.id)-\(authority.id)-\(phaseName)", envelope: envelope, bytes: bytes)
        let outcome = blockOn {
            let outcome = await transport.send(message)
            await transport.shutdown()
            return outcome
        }
        switch outcome {
        case .success(.accepted(let reply)):
            return "\(MailSetup.destination(ws)): \(reply.lines.joined(separator: " "))"
        case .success(let other):
            throw AuthorityRefusal(kind: "transport", description: "the message was not accepted: \(other.failure.map { "\($0)" } ?? "unknown reason"). Nothing was sent; fix the cause and run the command again.")
        case .failure(let error):
            throw AuthorityRefusal(kind: "transport", description: "\(error)")
        }
    }


    /// `path` relative to the working directory when it is inside it.
    func relative(_ url: URL) -> String {
        let base = ws.directory.path.hasSuffix("/") ? ws.directory.path : ws.directory.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// `Name <address>` or a bare address, as `mail.from` holds it.
enum MailboxText {
    static func parse(_ text: String) throws -> Mailbox {
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
enum MessageSplit {
    static func protectedHeaders(_ bytes: [UInt8]) -> (MessageHeaders, [UInt8]) {
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

/// The notification as an HTML page, sections as headings, to paste into a portal's form.
enum PortalHTML {
    static func page(title: String, text: String, language: String) -> String {
        var body = ""
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            var lines = block.components(separatedBy: "\n")
            if let first = lines.first, first.range(of: #"^[0-9]+\. "#, options: .regularExpression) != nil {
                body += "<h2>\(TextEscaping.html(first))</h2>\n"
                lines.removeFirst()
            }
            if !lines.isEmpty { body += "<p>\(lines.map(TextEscaping.html).joined(separator: "<br>\n"))</p>\n" }
        }
        return """
            <!DOCTYPE html>
            <html lang="\(TextEscaping.html(language))">
            <head><meta charset="utf-8"><title>\(TextEscaping.html(title))</title></head>
            <body>
            <h1>\(TextEscaping.html(title))</h1>
            \(body)</body>
            </html>

            """
    }

}
