public import BreachCompose
import BreachConfig
import BreachCore
import BreachPGP
public import BreachRegister
import BreachTransport
import Crypto
public import Foundation

/// What a send produced, for the register: an authority notification or a processor's notice.
public struct NoticeOutcome {
    public var status: NotificationRecord.Status
    public var messageID = ""
    public var plaintextSHA256: String
    public var sentSHA256: String
    /// Where it went: the relay's or the outbox's acceptance, or the files written.
    public var deliveredTo: [String]
}

/// Who receives a notice by e-mail, with the configuration keys that hold each setting, so that
/// every refusal names the key to fix (`authorities[0].fingerprint`, `controllers[1].key_file`).
public struct NoticeRecipient: Sendable {
    /// The recipient's id in the configuration, e.g. `cnpd`.
    public let id: String
    public let name: String
    public let address: String
    public let keyFile: String
    public let fingerprint: String
    /// The configuration list entry, e.g. `authorities[0]`.
    public let setting: String
    /// Whose key it is, in the refusals: `authority`, `controller`.
    public let keyOwner: String
    /// A last hint for a missing fingerprint (the demo key command), or empty.
    public let demoHint: String
}

/// Composition and delivery shared by the authority notification and the processor's notice:
/// the templates, the MIME message, the pinned-key checks, PGP/MIME and the transport.
public struct NoticeDelivery: Sendable {
    public let ws: Workspace
    public let recipient: NoticeRecipient

    /// The composer over the working directory's templates.
    public static func composer(_ ws: Workspace) throws -> Composer {
        let directory = ws.path(ws.configuration.storage.templates)
        do {
            return Composer(templates: try TemplateSet(directory: directory))
        } catch {
            throw AuthorityRefusal(kind: "templates", description: "\(error.description) Run `breachmail templates check`.")
        }
    }

    /// The full MIME message, addressed to the recipient, answers to the DPO.
    public func message(_ context: ComposeContext, composer: Composer) throws -> BuiltMessage {
        let c = ws.configuration
        let from: Mailbox, to: Mailbox, builder: MIMEBuilder
        do {
            from = try MailboxText.parse(c.mail.from)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "mail.from: \(error). Fix it in \(Configuration.fileName).")
        }
        do {
            to = try Mailbox(displayName: recipient.name, address: recipient.address)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "\(recipient.setting).address: \(error). Fix it in \(Configuration.fileName).")
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
            throw AuthorityNotification.refusal(error)
        }
    }

    /// Encrypts the message built by `build` to the recipient's pinned key (PGP/MIME, signed when
    /// `mail.signing` is set) and hands it to the transport. The key is checked before anything is
    /// composed; nothing leaves in clear.
    ///
    /// - Throws: ``AuthorityRefusal`` for anything that stops it; nothing is sent then.
    public func sendEncrypted(messageName: String, _ build: () throws -> BuiltMessage) async throws -> NoticeOutcome {
        // gpg starts a gpg-agent for the keyring (import, signing): stopped before the command ends.
        defer { Keyring.stopAgent(directory: ws.path(ws.configuration.storage.keyring).path) }
        let transport = try transport()
        // gpg blocks: on a thread of its own, never on the cooperative pool.
        let (keyring, key, signer) = try await PGPThread.run { [self] in
            let (keyring, key) = try pinnedKey()
            return (keyring, key, try signingKey(keyring))
        }
        let built = try build()
        let (headers, inner) = MessageSplit.protectedHeaders(built.bytes)
        let encrypted: PGPMIMEMessage
        do {
            encrypted = try await PGPThread.run {
                try PGPMIME.encrypt(inner, headers: headers, to: key, signedBy: signer, in: keyring)
            }
        } catch let error as PGPError {
            throw AuthorityRefusal(kind: error.kind.rawValue, description: error.description)
        }
        let accepted = try await deliver(encrypted.bytes, messageName: messageName, with: transport)
        return NoticeOutcome(status: .sent, messageID: built.messageID, plaintextSHA256: encrypted.plaintextSHA256,
                             sentSHA256: encrypted.messageSHA256, deliveredTo: [accepted])
    }

    /// Sends the message built by `build` in clear: only for a recipient whose channel is plain `email`.
    ///
    /// - Throws: ``AuthorityRefusal`` for anything that stops it; nothing is sent then.
    public func sendClear(messageName: String, _ build: () throws -> BuiltMessage) async throws -> NoticeOutcome {
        let transport = try transport()
        let built = try build()
        let accepted = try await deliver(built.bytes, messageName: messageName, with: transport)
        let hash = Self.sha256(built.bytes)
        return NoticeOutcome(status: .sent, messageID: built.messageID, plaintextSHA256: hash, sentSHA256: hash, deliveredTo: [accepted])
    }

    /// The transport of `mail.transport`: the relay, or the outbox Maildir.
    private func transport() throws -> any MailTransport {
        do { return try MailSetup.transport(ws) } catch {
            throw AuthorityRefusal(kind: AuthorityRefusal.transportSetup, description: "\(error)")
        }
    }

    /// The recipient's key, imported into breachmail's own keyring and checked against its pin.
    private func pinnedKey() throws -> (Keyring, RecipientKey) {
        let fingerprintSetting = "\(recipient.setting).fingerprint", keyFileSetting = "\(recipient.setting).key_file"
        guard !recipient.fingerprint.isEmpty else {
            throw AuthorityRefusal(
                kind: "fingerprintMissing",
                description: "`\(fingerprintSetting)` (\(recipient.id)) is empty in \(Configuration.fileName): breachmail encrypts only to a key "
                    + "pinned by its full fingerprint. Fix: obtain the \(recipient.keyOwner)'s public key and its fingerprint from the \(recipient.keyOwner) "
                    + "(and check the fingerprint by another channel), save the key as \(recipient.keyFile) (`\(keyFileSetting)`) and write "
                    + "the 40 hexadecimal digits into `\(fingerprintSetting)`.\(recipient.demoHint.isEmpty ? "" : " \(recipient.demoHint)")")
        }
        do {
            var pin = try KeyPin(keyFile: ws.path(recipient.keyFile).path, keyFileSetting: keyFileSetting,
                                 fingerprint: recipient.fingerprint, fingerprintSetting: fingerprintSetting)
            pin.owner = recipient.keyOwner
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
    private func deliver(_ bytes: [UInt8], messageName: String, with transport: any MailTransport) async throws -> String {
        let c = ws.configuration
        let envelope: Envelope
        do {
            // Bounces of notices go back to the DPO, who reads them.
            envelope = try Envelope(returnPath: c.dpo.email, recipient: recipient.address)
        } catch {
            throw AuthorityRefusal(kind: "configuration", description: "dpo.email or \(recipient.setting).address: \(error)")
        }
        let message = BreachCore.OutgoingMessage(id: messageName, envelope: envelope, bytes: bytes)
        let outcome = await transport.send(message)
        await transport.shutdown()
        switch outcome {
        case .accepted(let reply):
            return "\(MailSetup.destination(ws)): \(reply.lines.joined(separator: " "))"
        case let other:
            throw AuthorityRefusal(kind: AuthorityRefusal.relayRefused, description: "the message was not accepted: \(other.failure.map { "\($0)" } ?? "unknown reason"). Nothing was sent; fix the cause and run the command again.")
        }
    }

    /// `url` relative to the working directory when it is inside it.
    public static func relative(_ url: URL, in ws: Workspace) -> String {
        let base = ws.directory.path.hasSuffix("/") ? ws.directory.path : ws.directory.path + "/"
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
