import BreachTestSupport
import Foundation
import Testing

/// A working directory made by the real binary, holding the example incident BR-2026-0001.
final class Workdir: @unchecked Sendable {
    let temp: TemporaryDirectory
    var url: URL { temp.url.appendingPathComponent("work") }
    static let now = "2026-10-24T10:00:00+02:00"
    static let id = "BR-2026-0001"

    init() throws {
        temp = try TemporaryDirectory("authority")
        let made = try CommandRunner.breachmail(["init", temp.url.appendingPathComponent("work").path],
                                                environment: ["BREACHMAIL_NOW": Self.now])
        try #require(made.status == 0, "\(made.stderr)")
        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml").path
        let opened = try run(["incident", "open", example])
        try #require(opened.stdout.contains("Opened \(Self.id)"), "\(opened.stderr)")
    }

    deinit { GPGHome.killAgent(home: url.appendingPathComponent("demo-authority-secret").path) }

    /// `breachmail ARGS --dir WORKDIR` at `now`.
    @discardableResult
    func run(_ arguments: [String], now: String = Workdir.now) throws -> ProcessResult {
        try CommandRunner.breachmail(arguments + ["--dir", url.path], environment: ["BREACHMAIL_NOW": now])
    }

    func demoKey() throws -> String {
        let result = try run(["demo", "authority-key"])
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("THROWAWAY DEMO KEY"))
        #expect(result.stdout.contains("NEVER use it for a real notification"))
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("Fingerprint") })
        return String(line.split(separator: " ")[1])
    }

    /// The messages in the outbox (`init` creates it: a missing folder fails the test).
    func outboxFiles() throws -> [URL] {
        try Maildir.files(in: url.appendingPathComponent("outbox/new"))
    }

    func sql(_ query: String) throws -> String {
        let result = try CommandRunner.run("sqlite3", [url.appendingPathComponent("register.sqlite").path, query])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func decrypt(_ file: URL) throws -> String {
        let home = url.appendingPathComponent("demo-authority-secret").path
        let message = Array(try Data(contentsOf: file))
        let output = try GPGHome.run(["--decrypt"], home: home, input: message)
        return String(decoding: output.stdout, as: UTF8.self)
    }

    func setConfig(_ transform: (String) -> String) throws {
        let config = url.appendingPathComponent("breachmail.yaml")
        try transform(try String(contentsOf: config, encoding: .utf8)).write(to: config, atomically: true, encoding: .utf8)
    }

    /// `mail.transport` to the test relay on loopback, in clear text.
    func useRelay(_ server: SMTPTestServer) throws {
        try setConfig {
            $0.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
              .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        }
    }

    func expectRegisterIntact() throws {
        let verify = try run(["register", "verify"])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("The register history is intact"))
    }

    static func mode(_ url: URL) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) & 0o777
    }
}

/// Quoted-printable bodies decoded, so that tests can look for French text.
func decodeQuotedPrintable(_ text: String) -> String {
    let bytes = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count,
           let value = UInt8(String(decoding: bytes[i + 1...i + 2], as: UTF8.self), radix: 16) {
            out.append(value)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("templates check")
struct TemplatesCheckTests {
    @Test func shippedTemplatesAreFine() throws {
        let w = try Workdir()
        let result = try w.run(["templates", "check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("are fine"))
    }

    @Test func unknownVariableIsReportedWithFileAndLine() throws {
        let temp = try TemporaryDirectory("templates")
        let copy = temp.url.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: CommandRunner.packageRoot.appendingPathComponent("Templates"), to: copy)
        let file = copy.appendingPathComponent("en/public.txt.mustache")
        var lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
        lines.insert("Also: {{incident.colour_of_the_sky}}", at: 4)   // line 5
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)

        let result = try CommandRunner.breachmail(["templates", "check", copy.path])
        #expect(result.status == 65)
        let report = try #require(result.stdout.split(separator: "\n").first { $0.contains("colour_of_the_sky") })
        #expect(report.hasPrefix("\(copy.path)/en/public.txt.mustache:5: "))
        #expect(result.stdout.contains("1 problem in \(copy.path)"))
    }
}

@Suite("authority compose")
struct AuthorityComposeTests {
    @Test func printsTheFrenchNotificationWithTheArticle33Items() throws {
        let w = try Workdir()
        let result = try w.run(["authority", "compose", Workdir.id])
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.stdout
        #expect(text.hasPrefix("Subject: Notification d'une violation de données personnelles (RGPD art. 33) – Exemple SARL – réf. BR-2026-0001\n"))
        #expect(text.contains("À l'attention de : Commission nationale pour la protection des données"))
        for section in ["8. Nature de la violation", "11. Nature des données concernées", "13. Personnes concernées",
                        "4. Personne à contacter (délégué à la protection des données)", "15. Conséquences probables",
                        "16. Préjudices potentiels et estimation du niveau de gravité", "17. Mesures prises et envisagées",
                        "18. Communication aux personnes concernées"] {
            #expect(text.contains("\n\(section)\n"), "missing \(section)")
        }
        #expect(text.contains("Marie Dupont"))
        #expect(text.contains("Courriel : dpo@exemple.lu"))
        #expect(text.contains("Nombre approximatif : 412"))
        #expect(text.contains("hameçonnage"))
        #expect(text.contains("plainte déposée auprès de la police grand-ducale"))
    }

    @Test func lateWithoutReasonsIsRefused() throws {
        let w = try Workdir()
        let result = try w.run(["authority", "compose", Workdir.id], now: "2026-10-27T10:00:00+01:00")
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == """
            Refused: cannot compose the notification: the 72-hour deadline passed 25 h 00 min ago: a late notification \
            must give the reasons for the delay (GDPR Art. 33(1), recital 85). Fill in `delay_reasons` in the incident file \
            and run `breachmail incident update`.

            """)
    }
}

@Suite("authority send, e-mail with PGP")
struct AuthoritySendPGPTests {
    @Test func encryptsToTheDemoKeyAndRecordsIt() throws {
        let w = try Workdir()
        let fingerprint = try w.demoKey()
        #expect(fingerprint.count == 40)
        let config = try String(contentsOf: w.url.appendingPathComponent("breachmail.yaml"), encoding: .utf8)
        #expect(config.contains("fingerprint: \"\(fingerprint)\""))
        #expect(try Workdir.mode(w.url.appendingPathComponent("demo-authority-secret")) == 0o700)

        let sent = try w.run(["authority", "send", Workdir.id, "--authority", "cnpd"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let files = try w.outboxFiles()
        try #require(files.count == 1)
        #expect(try Workdir.mode(files[0]) == 0o600)
        let outer = try String(contentsOf: files[0], encoding: .utf8)
        #expect(outer.contains("\r\nSubject: Encrypted message\r\n"))
        #expect(outer.contains("multipart/encrypted; protocol=\"application/pgp-encrypted\""))
        #expect(!outer.contains("violation") && !outer.contains("BR-2026"))

        let inner = try w.decrypt(files[0])
        #expect(inner.contains("protected-headers=\"v1\""))
        #expect(inner.contains("\r\nSubject: Notification d'une violation de =?utf-8?q?donn=C3=A9es?= personnelles\r\n"), "the real subject travels inside")
        let body = decodeQuotedPrintable(inner)
        #expect(body.contains("Notification d'une violation de données à caractère personnel") || body.contains("8. Nature de la violation"))
        #expect(body.contains("15. Conséquences probables"))
        #expect(body.contains("hameçonnage"))

        let messageID = try w.sql("SELECT message_id FROM notification WHERE status = 'sent'")
        #expect(inner.contains("Message-ID: <\(messageID)>"))
        let row = try w.sql("SELECT incident_id, authority_id, phase, channel, length(plaintext_sha256), length(sent_sha256) FROM notification")
        #expect(row == "BR-2026-0001|cnpd|initial|email-pgp|64|64")
        // The outbox copy starts with the envelope (Return-Path, X-Envelope-To), as a delivery agent
        // writes it; what was sent is the rest, byte for byte.
        let sha = try w.sql("SELECT sent_sha256 FROM notification")
        let stored = Array(try Data(contentsOf: files[0]))
        let envelope = Array("Return-Path: <dpo@exemple.lu>\r\nX-Envelope-To: <databreach@cnpd.lu>\r\n".utf8)
        #expect(Array(stored.prefix(envelope.count)) == envelope)
        #expect(sha == (try sha256(Array(stored.dropFirst(envelope.count)))))
        #expect(try w.sql("SELECT kind FROM history ORDER BY sequence DESC LIMIT 1") == "notification.sent")

        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains("cnpd  initial  email-pgp  sent  Message-ID <\(messageID)>"))

        // A second initial is refused; a complementary one refers to the initial.
        let again = try w.run(["authority", "send", Workdir.id])
        #expect(again.status != 0)
        #expect(again.stderr.contains("--complementary"))
        // A complementary notification with nothing new is refused (Art. 33(4)); after an update it lists the change.
        let nothing = try w.run(["authority", "send", Workdir.id, "--complementary"], now: "2026-10-25T14:00:00+02:00")
        #expect(nothing.status == 65)
        #expect(nothing.stderr.contains("nothing changed since the notification of 2026-10-24T08:00:00Z"), "\(nothing.stderr)")
        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")
        let updated = w.temp.file("updated.yaml")
        try String(contentsOf: example, encoding: .utf8).replacingOccurrences(of: "approximate_subjects: 412", with: "approximate_subjects: 430")
            .write(to: updated, atomically: true, encoding: .utf8)
        #expect(try w.run(["incident", "update", Workdir.id, updated.path], now: "2026-10-25T14:30:00+02:00").status == 0)
        let complement = try w.run(["authority", "send", Workdir.id, "--complementary"], now: "2026-10-25T15:00:00+02:00")
        #expect(complement.status == 0, "\(complement.stderr)")
        let after = try w.outboxFiles()
        try #require(after.count == 2)
        let second = try #require(after.first { $0 != files[0] })
        let complementary = decodeQuotedPrintable(try w.decrypt(second))
        #expect(complementary.contains("Notification complémentaire"))
        #expect(complementary.contains("notification initiale du 24"))
        #expect(complementary.contains("(notre courriel Message-ID <\(messageID)> ; nous n'avons pas encore reçu votre référence)"))
        #expect(!complementary.contains("votre référence Message-ID"))
        #expect(complementary.contains("- Nombre approximatif de personnes : 412 → 430"), "\(complementary)")
        #expect(try w.sql("SELECT phase, status FROM notification ORDER BY id") == "initial|sent\ncomplementary|refused\ncomplementary|sent")
        try w.expectRegisterIntact()
    }

    /// A notification row edited or removed with sqlite3 (the authority reference, the status) is
    /// seen by `register verify`: each row is compared with the history entry written with it.
    @Test func verifySeesAnEditedOrRemovedNotificationRow() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        #expect(try w.run(["authority", "send", Workdir.id, "--authority", "cnpd"]).status == 0)
        try w.expectRegisterIntact()
        let sequence = try w.sql("SELECT history_sequence FROM notification")
        _ = try w.sql("UPDATE notification SET authority_reference = 'CNPD-2026-999'")
        let edited = try w.run(["register", "verify"])
        #expect(edited.status == 2)
        #expect(edited.stdout.hasPrefix("The register history is NOT intact: entry \(sequence): notification 1 (BR-2026-0001, cnpd) was changed outside the history (authority_reference).\n"), "\(edited.stdout)")
        _ = try w.sql("UPDATE notification SET authority_reference = '', status = 'recorded'")
        #expect(try w.run(["register", "verify"]).stdout.contains("was changed outside the history (status)"))
        _ = try w.sql("DELETE FROM notification")
        #expect(try w.run(["register", "verify"]).stdout.hasPrefix("The register history is NOT intact: entry \(sequence): its notification row was removed from the register.\n"))
    }

    @Test func complementaryWithoutInitialIsRefusedAndRecorded() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let result = try w.run(["authority", "send", Workdir.id, "--complementary"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("no initial notification to cnpd is recorded for BR-2026-0001"))
        #expect(result.stderr.contains("Nothing was sent."))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT status, phase, refusal_kind FROM notification") == "refused|complementary|noInitialNotification")
        try w.expectRegisterIntact()
    }

    @Test func emptyFingerprintIsRefusedNamingTheSetting() throws {
        let w = try Workdir()
        let result = try w.run(["authority", "send", Workdir.id])
        #expect(result.status == 78)
        #expect(result.stderr.hasPrefix("Refused: `authorities[0].fingerprint` (cnpd) is empty in breachmail.yaml"))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT refusal_kind FROM notification") == "fingerprintMissing")
        #expect(try w.sql("SELECT kind FROM history ORDER BY sequence DESC LIMIT 1") == "notification.refused")
    }

    @Test func wrongFingerprintIsRefusedAndNothingSent() throws {
        let w = try Workdir()
        let fingerprint = try w.demoKey()
        let wrong = String(fingerprint.dropLast()) + (fingerprint.hasSuffix("0") ? "1" : "0")
        try w.setConfig { $0.replacingOccurrences(of: fingerprint, with: wrong) }
        let result = try w.run(["authority", "send", Workdir.id])
        #expect(result.status == 78)
        #expect(result.stderr.contains("authorities[0].fingerprint"))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT status, refusal_kind FROM notification") == "refused|fingerprintMismatch")
        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains("cnpd  initial  email-pgp  refused  the key file does not hold the pinned fingerprint; nothing sent"))
        try w.expectRegisterIntact()
    }

    @Test func missingKeyFileIsRefusedAndNothingSent() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        try FileManager.default.removeItem(at: w.url.appendingPathComponent("keys/cnpd.asc"))
        let result = try w.run(["authority", "send", Workdir.id])
        #expect(result.status == 78)
        #expect(result.stderr.contains("authorities[0].key_file"))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT status, refusal_kind FROM notification") == "refused|keyFileMissing")
    }

    @Test func sendsThroughARealSMTPServerOnLoopback() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let server = try SMTPTestServer()
        try w.setConfig {
            $0.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
              .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        }
        let result = try w.run(["authority", "send", Workdir.id])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("was accepted by the relay smtp://127.0.0.1:\(server.port): "))
        let received = try server.waitForMessages(1)
        try #require(received.count == 1)
        #expect(received[0].mailFrom == "dpo@exemple.lu")
        #expect(received[0].recipients == ["databreach@cnpd.lu"])
        // What the server received is exactly what the register says was sent.
        let sha = try w.sql("SELECT sent_sha256 FROM notification WHERE status = 'sent'")
        #expect(sha == (try sha256(received[0].bytes)))
        #expect(try w.outboxFiles().isEmpty)
    }

    /// `authority send --verbose`: the SMTP conversation on standard error, the recipient named
    /// by the message's name, no address (neither the authority's nor ours) and no message body.
    @Test func verboseShowsTheConversationWithoutAnAddress() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let server = try SMTPTestServer()
        try w.useRelay(server)
        let result = try w.run(["authority", "send", Workdir.id, "--verbose"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try server.waitForMessages(1).count == 1)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("SMTP [") }
        for shown in ["] C: EHLO ", "] C: MAIL FROM:<return path>", "] C: RCPT TO:<", "] C: DATA", "] S: 354 ", "] S: 250 2.0.0 "] {
            #expect(lines.contains { $0.contains(shown) }, "\(shown): \(result.stderr)")
        }
        #expect(!result.stderr.contains("@"), "\(result.stderr)")
        #expect(!result.stderr.contains("BEGIN PGP"), "the message is shown: \(result.stderr)")
    }

    @Test func aRelayThatRefusesOrCannotBeReachedSendsNothingAndIsRecorded() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let server = try SMTPTestServer(faults: ["databreach@cnpd.lu": .reply(550)])
        try w.setConfig {
            $0.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
              .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        }
        let refused = try w.run(["authority", "send", Workdir.id])
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("the message was not accepted: 550"))
        #expect(try w.sql("SELECT status, refusal_kind FROM notification") == "refused|transport")
        #expect(try server.receivedMessages().isEmpty)

        // Clear text to a host that is not loopback is refused before anything is sent.
        try w.setConfig { $0.replacingOccurrences(of: "smtp://127.0.0.1:\(server.port)", with: "smtp://relay.example.lu:25") }
        let clear = try w.run(["authority", "send", Workdir.id])
        #expect(clear.status == 78)
        #expect(clear.stderr.contains("clear text is allowed to a loopback host only"))
        try w.expectRegisterIntact()
    }
}

/// SHA-256 of bytes by the real `sha256sum` (messages are 7-bit: base64, quoted-printable, armor).
func sha256(_ bytes: [UInt8]) throws -> String {
    String(try CommandRunner.run("sha256sum", ["-"], input: String(decoding: bytes, as: UTF8.self)).stdout.prefix(64))
}

@Suite("authority send, CNIL portal")
struct AuthorityPortalTests {
    @Test func writesTheFormTextAndRecordsTheReference() throws {
        let w = try Workdir()
        let sent = try w.run(["authority", "send", Workdir.id, "--authority", "cnil"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("https://notifications.cnil.fr/notifications/index"))
        let txt = w.url.appendingPathComponent("portal/BR-2026-0001-cnil-initial.txt")
        let html = w.url.appendingPathComponent("portal/BR-2026-0001-cnil-initial.html")
        #expect(try Workdir.mode(txt) == 0o600)
        #expect(try Workdir.mode(html) == 0o600)
        let text = try String(contentsOf: txt, encoding: .utf8)
        #expect(text.contains("À l'attention de : Commission nationale de l'informatique et des libertés"))
        let order = ["1. Type de notification", "8. Nature de la violation", "15. Conséquences probables", "16. Préjudices potentiels et estimation du niveau de gravité", "18. Communication aux personnes concernées", "20. Conseils"]
        let positions = try order.map { try #require(text.range(of: $0)).lowerBound }
        #expect(positions == positions.sorted())
        #expect(try String(contentsOf: html, encoding: .utf8).contains("<span class=\"number\">8</span> <span class=\"heading\">Nature de la violation</span>"))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT status FROM notification") == "prepared")

        // Complementary before the submission is recorded: refused.
        let early = try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--complementary"])
        #expect(early.status == 65)

        let recorded = try w.run(["authority", "record", Workdir.id, "--authority", "cnil", "--reference", "CNIL-2026-0042"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(try w.sql("SELECT status, authority_reference FROM notification WHERE status = 'recorded'") == "recorded|CNIL-2026-0042")
        #expect(try w.sql("SELECT kind FROM history ORDER BY sequence DESC LIMIT 1") == "notification.recorded")
        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains("cnil  initial        portal  recorded  reference CNIL-2026-0042"), "\(status.stdout)")

        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")
        let updated = w.temp.file("updated.yaml")
        try String(contentsOf: example, encoding: .utf8).replacingOccurrences(of: "approximate_records: 1840", with: "approximate_records: 1900")
            .write(to: updated, atomically: true, encoding: .utf8)
        #expect(try w.run(["incident", "update", Workdir.id, updated.path], now: "2026-10-25T14:30:00+02:00").status == 0)
        let complement = try w.run(["authority", "send", Workdir.id, "--authority", "cnil", "--complementary"],
                                   now: "2026-10-25T15:00:00+02:00")
        #expect(complement.status == 0, "\(complement.stderr)")
        let second = try String(contentsOf: w.url.appendingPathComponent("portal/BR-2026-0001-cnil-complementary.txt"), encoding: .utf8)
        #expect(second.contains("votre référence CNIL-2026-0042"))
        try w.expectRegisterIntact()
    }
}

@Suite("authority send, encrypted and signed")
struct AuthoritySendSignedTests {
    @Test func signsWithTheControllersKeyWhenConfigured() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        // The controller's own key, made by real gpg, its secret half exported into the working directory.
        let controller = try GPGHome()
        let fingerprint = try controller.makeKey(.ed25519, userID: "Exemple SARL <dpo@exemple.lu>", passphrase: "correct horse")
        try Data(try controller.exportSecret(fingerprint, passphrase: "correct horse"))
            .write(to: w.url.appendingPathComponent("keys/controller-secret.asc"))
        try w.setConfig {
            $0.replacingOccurrences(of: """
                  # signing:
                  #   key_file: keys/controller-secret.asc
                  #   fingerprint: ""
                  #   passphrase: {env: BREACHMAIL_SIGNING_PASSPHRASE}
                """, with: """
                  signing:
                    key_file: keys/controller-secret.asc
                    fingerprint: "\(fingerprint)"
                    passphrase: {env: BREACHMAIL_SIGNING_PASSPHRASE}
                """)
        }
        let unset = try CommandRunner.breachmail(["authority", "send", Workdir.id, "--dir", w.url.path],
                                                 environment: ["BREACHMAIL_NOW": Workdir.now])
        #expect(unset.status != 0)
        #expect(unset.stderr.contains("BREACHMAIL_SIGNING_PASSPHRASE"))
        #expect(try w.outboxFiles().isEmpty)

        let sent = try CommandRunner.breachmail(
            ["authority", "send", Workdir.id, "--dir", w.url.path],
            environment: ["BREACHMAIL_NOW": Workdir.now, "BREACHMAIL_SIGNING_PASSPHRASE": "correct horse"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let file = try #require(try w.outboxFiles().first)
        // The authority's side: it knows the controller's public key and checks the signature.
        let authority = w.url.appendingPathComponent("demo-authority-secret").path
        _ = try GPGHome.run(["--import"], home: authority, input: try controller.exportPublic(fingerprint))
        let decrypted = try GPGHome.run(["--status-fd", "2", "--decrypt"], home: authority, input: Array(try Data(contentsOf: file)))
        #expect(decrypted.stderr.contains("[GNUPG:] VALIDSIG \(fingerprint)"))
        #expect(decrypted.stderr.contains("[GNUPG:] GOODSIG"))
        #expect(!sent.stdout.contains("correct horse") && !sent.stderr.contains("correct horse"))
        try w.expectRegisterIntact()
        // The gpg-agent that signing needed for breachmail's keyring is gone with the command
        // (only this test's keyring is looked at: other tests and sessions run agents of their own).
        #expect(try Self.agents(home: w.url.appendingPathComponent("keyring").path).isEmpty)
    }

    /// `register seal` signs the head with the controller's key; `register verify --seal` then
    /// sees what the chain alone cannot: a history cut after the sealed entry was rewritten
    /// (its tail removed), and a seal whose text was edited.
    @Test func aSealProvesNothingBeforeItWasRewrittenOrCut() throws {
        let w = try Workdir()
        _ = try w.demoKey()
        let controller = try GPGHome()
        let fingerprint = try controller.makeKey(.ed25519, userID: "Exemple SARL <dpo@exemple.lu>", passphrase: "correct horse")
        try Data(try controller.exportSecret(fingerprint, passphrase: "correct horse"))
            .write(to: w.url.appendingPathComponent("keys/controller-secret.asc"))
        try w.setConfig {
            $0.replacingOccurrences(of: """
                  # signing:
                  #   key_file: keys/controller-secret.asc
                  #   fingerprint: ""
                  #   passphrase: {env: BREACHMAIL_SIGNING_PASSPHRASE}
                """, with: """
                  signing:
                    key_file: keys/controller-secret.asc
                    fingerprint: "\(fingerprint)"
                    passphrase: {env: BREACHMAIL_SIGNING_PASSPHRASE}
                """)
        }
        let env = ["BREACHMAIL_NOW": Workdir.now, "BREACHMAIL_SIGNING_PASSPHRASE": "correct horse"]
        #expect(try CommandRunner.breachmail(["authority", "send", Workdir.id, "--dir", w.url.path], environment: env).status == 0)
        let seal = w.temp.url.appendingPathComponent("seal.txt")
        let sealed = try CommandRunner.breachmail(["register", "seal", "--output", seal.path, "--dir", w.url.path], environment: env)
        #expect(sealed.status == 0, "\(sealed.stderr)")
        #expect(sealed.stdout.hasPrefix("Sealed entry 2 (head "), "\(sealed.stdout)")
        #expect(try Workdir.mode(seal) == 0o600)
        let text = try String(contentsOf: seal, encoding: .utf8)
        #expect(text.hasPrefix("breachmail register seal\nentries: 2\nhead: "))
        #expect(text.contains("signed-by: \(fingerprint)\n-----BEGIN PGP SIGNATURE-----"))
        let holds = try w.run(["register", "verify", "--seal", seal.path])
        #expect(holds.status == 0, "\(holds.stdout)\(holds.stderr)")
        #expect(holds.stdout.contains("The seal \(seal.path) holds: entry 2 is the one signed by \(fingerprint)"))

        // Later entries, then the tail cut back to entry 1: the chain that is left is valid.
        let later = env.merging(["BREACHMAIL_NOW": "2026-10-25T15:00:00+02:00"]) { $1 }
        let answers = CommandRunner.packageRoot.appendingPathComponent("Config/examples/assessment.yaml").path
        #expect(try CommandRunner.breachmail(["incident", "assess", Workdir.id, "--answers", answers, "--confirm", "--dir", w.url.path],
                                             environment: later).status == 0)
        _ = try w.sql("DROP TRIGGER history_append_only_delete; DELETE FROM notification; DELETE FROM history WHERE sequence >= 2;")
        let cut = try w.run(["register", "verify"])
        #expect(cut.stdout.hasPrefix("The register history is intact: 1 entries"), "\(cut.stdout)")
        let seen = try w.run(["register", "verify", "--seal", seal.path])
        #expect(seen.status == 2)
        #expect(seen.stdout.hasSuffix("The register history is NOT intact: the history was cut: it has 1 entries, the seal \(seal.path) covers 2.\n"), "\(seen.stdout)")

        // A seal whose head was edited to match a rewritten history no longer carries the signature.
        let forged = w.temp.url.appendingPathComponent("forged.txt")
        try text.replacingOccurrences(of: "entries: 2", with: "entries: 1").write(to: forged, atomically: true, encoding: .utf8)
        let refused = try w.run(["register", "verify", "--seal", forged.path])
        #expect(refused.status == 2)
        #expect(refused.stdout.contains("The register history is NOT intact: the seal \(forged.path) is not valid: the signature does not match ("), "\(refused.stdout)")
        #expect(try Self.agents(home: w.url.appendingPathComponent("keyring").path).isEmpty)
    }

    /// The pids of the gpg-agents whose command line names `home`.
    static func agents(home: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.first.map { $0.hasSuffix("gpg-agent") } == true && words.contains(home)
        }
    }
}
