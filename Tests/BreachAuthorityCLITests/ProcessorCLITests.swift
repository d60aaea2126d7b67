import BreachTestSupport
import Foundation
import Testing

/// The processor's notice to its controllers (GDPR Art. 33(2)), through the real binary: a real
/// SMTP server (aiosmtpd), keys made and messages decrypted by real gpg.
extension Workdir {
    /// Makes the controller `acme`'s key pair with real gpg, puts its public half in `keys/acme.asc`
    /// and configures `acme` (email-pgp, pinned to `pin`, or to the key's own fingerprint) and
    /// `beta` (file channel).
    func configureControllers(pin: String? = nil) throws -> (GPGHome, String) {
        try FileManager.default.createDirectory(at: url.appendingPathComponent("keys"), withIntermediateDirectories: true)
        let acme = try GPGHome()
        let fingerprint = try acme.makeKey(.ed25519, userID: "ACME security <security@acme.example>")
        try Data(try acme.exportPublic(fingerprint)).write(to: url.appendingPathComponent("keys/acme.asc"))
        try appendControllers(acmeFingerprint: pin ?? fingerprint)
        return (acme, fingerprint)
    }

    func appendControllers(acmeFingerprint: String) throws {
        try setConfig {
            $0 + """

                controllers:
                  - id: acme
                    name: ACME Retail SA
                    contact: {name: Jean Martin, email: dpo@acme.example}
                    channel: email-pgp
                    address: security@acme.example
                    key_file: keys/acme.asc
                    fingerprint: "\(acmeFingerprint)"
                    languages: [en, fr]
                  - id: beta
                    name: Beta Logistik GmbH
                    contact: {name: Paul Weber, email: privacy@beta.example}
                    channel: file
                    folder: handover/beta
                    languages: [de]

                """
        }
    }

    /// Sends through a real SMTP server on loopback instead of the outbox.
    func useSMTP(_ server: SMTPTestServer) throws {
        try setConfig {
            $0.replacingOccurrences(of: "transport: outbox:outbox", with: "transport: smtp://127.0.0.1:\(server.port)")
              .replacingOccurrences(of: "allow_plaintext_loopback: false", with: "allow_plaintext_loopback: true")
        }
    }
}

@Suite("controller notice (processor, Art. 33(2))")
struct ProcessorNoticeTests {
    @Test func encryptedToThePinnedKeyThroughARealSMTPServerAndReadByGPG() throws {
        let w = try Workdir()
        let (acme, fingerprint) = try w.configureControllers()
        let server = try SMTPTestServer()
        try w.useSMTP(server)

        // Before sending, status shows the processor's clock running since awareness (23 Oct 10:00 +02:00).
        let before = try w.run(["status", Workdir.id])
        #expect(before.stdout.contains("Controllers (processor's notice, GDPR Art. 33(2))\n"))
        #expect(before.stdout.contains(
            "  acme  not yet notified — 24 h 00 min since awareness (Art. 33(2): without undue delay)\n"))
        #expect(before.stdout.contains(
            "  beta  not yet notified — 24 h 00 min since awareness (Art. 33(2): without undue delay)\n"))

        let sent = try w.run(["controller", "send", Workdir.id, "--controller", "acme"], now: "2026-10-23T14:30:00+02:00")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.contains("Encrypted (PGP/MIME) to the pinned key \(fingerprint)"))
        let received = try server.waitForMessages(1)
        try #require(received.count == 1)
        #expect(received[0].recipients == ["security@acme.example"])
        #expect(received[0].mailFrom == "dpo@exemple.lu")
        let outer = String(decoding: received[0].bytes, as: UTF8.self)
        #expect(outer.contains("multipart/encrypted; protocol=\"application/pgp-encrypted\""))
        #expect(outer.contains("\r\nSubject: Encrypted message\r\n"))
        #expect(!outer.contains("Personal data") && !outer.contains("BR-2026") && !outer.contains("processor"))

        // The controller's side: its gpg decrypts what the server received.
        let decrypted = try acme.decrypt(received[0].bytes)
        #expect(decrypted.status.contains { $0.hasPrefix("DECRYPTION_OKAY") })
        let inner = decodeQuotedPrintable(String(decoding: decrypted.plaintext, as: UTF8.self))
        #expect(inner.contains("Subject: Personal data breach at your processor Exemple SARL (GDPR Art. 33(2)) – ref. BR-2026-0001")
                || inner.contains("Personal data breach at your processor"))
        #expect(inner.contains("To ACME Retail SA,"))
        #expect(inner.contains("As your processor, Exemple SARL informs you without undue delay"))
        #expect(inner.contains("Likely consequences (Art. 33(3)(c))"))
        #expect(inner.contains("People: "))
        #expect(inner.contains("about 412"))
        #expect(inner.contains("Records: about 1,840"))
        #expect(inner.contains("E-mail: dpo@exemple.lu"))

        // The register: what the server received is what the register says was sent.
        #expect(try w.sql("SELECT controller_id, channel, status, length(plaintext_sha256) FROM controller_notice")
                == "acme|email-pgp|sent|64")
        #expect(try w.sql("SELECT sent_sha256 FROM controller_notice") == (try sha256(received[0].bytes)))
        #expect(try w.sql("SELECT kind FROM history ORDER BY sequence DESC LIMIT 1") == "controller-notice.sent")
        #expect(try w.sql("SELECT count(*) FROM notification") == "0", "a controller notice is not an authority notification")
        let messageID = try w.sql("SELECT message_id FROM controller_notice")
        #expect(inner.contains("Message-ID: <\(messageID)>"))

        let status = try w.run(["status", Workdir.id], now: "2026-10-24T10:00:00+02:00")
        #expect(status.stdout.contains(
            "  acme  notified at 2026-10-23 14:30 +02:00 (Europe/Luxembourg) (4 h 30 min after awareness)  email-pgp  Message-ID <\(messageID)>\n"))
        #expect(status.stdout.contains("  beta  not yet notified — 24 h 00 min since awareness"))

        // Not twice by accident; the controller's acknowledgement is recorded with its reference.
        let again = try w.run(["controller", "send", Workdir.id, "--controller", "acme"])
        #expect(again.status != 0)
        #expect(again.stderr.contains("--again"))
        #expect(try server.receivedMessages().count == 1)
        let recorded = try w.run(["controller", "record", Workdir.id, "--controller", "acme", "--reference", "ACME-SEC-118"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(try w.sql("SELECT status, reference FROM controller_notice ORDER BY id DESC LIMIT 1") == "recorded|ACME-SEC-118")
        #expect(try w.sql("SELECT kind FROM history ORDER BY sequence DESC LIMIT 1") == "controller-notice.recorded")
        let after = try w.run(["status", Workdir.id])
        #expect(after.stdout.contains("(4 h 30 min after awareness)  email-pgp  Message-ID <\(messageID)>  reference ACME-SEC-118\n"))
        try w.expectRegisterIntact()
    }

    @Test func aWrongOrUnpinnedKeyIsRefusedAndNothingLeavesInClear() throws {
        let w = try Workdir()
        let other = try GPGHome()
        let otherFingerprint = try other.makeKey(.ed25519, userID: "Someone else <else@example.org>")
        // Pinned to another key than the one in keys/acme.asc.
        _ = try w.configureControllers(pin: otherFingerprint)
        let server = try SMTPTestServer()
        try w.useSMTP(server)

        let wrong = try w.run(["controller", "send", Workdir.id, "--controller", "acme"])
        #expect(wrong.status == 78)
        #expect(wrong.stderr.contains("controllers[0].fingerprint"))
        #expect(wrong.stderr.contains("Nothing was sent. The refusal is recorded in the register (controller-notice.refused)."))
        #expect(try w.sql("SELECT status, refusal_kind FROM controller_notice") == "refused|fingerprintMismatch")

        // Unpinned: no fingerprint at all.
        try w.setConfig { $0.replacingOccurrences(of: "fingerprint: \"\(otherFingerprint)\"", with: "fingerprint: \"\"") }
        let unpinned = try w.run(["controller", "send", Workdir.id, "--controller", "acme"])
        #expect(unpinned.status == 78)
        #expect(unpinned.stderr.hasPrefix("Refused: `controllers[0].fingerprint` (acme) is empty in breachmail.yaml: breachmail encrypts only to a key pinned by its full fingerprint. Fix: obtain the controller's public key"))
        #expect(try w.sql("SELECT refusal_kind FROM controller_notice ORDER BY id DESC LIMIT 1") == "fingerprintMissing")

        #expect(try server.receivedMessages().isEmpty)
        #expect(try w.outboxFiles().isEmpty)
        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains("  acme  not yet notified — "))
        #expect(status.stdout.contains("last attempt refused (no key fingerprint pinned in breachmail.yaml): nothing sent"))
        try w.expectRegisterIntact()
    }

    @Test func theFileChannelWritesThePrivateNoticeAndTheHandOverIsRecorded() throws {
        let w = try Workdir()
        try w.appendControllers(acmeFingerprint: "")
        let early = try w.run(["controller", "record", Workdir.id, "--controller", "beta", "--reference", "X"])
        #expect(early.status != 0)
        #expect(early.stderr.contains("run `breachmail controller send BR-2026-0001 --controller beta` first"))

        let sent = try w.run(["controller", "send", Workdir.id, "--controller", "beta"], now: "2026-10-23T12:00:00+02:00")
        #expect(sent.status == 0, "\(sent.stderr)")
        let file = w.url.appendingPathComponent("handover/beta/BR-2026-0001-beta-processor.txt")
        #expect(sent.stdout.contains("  handover/beta/BR-2026-0001-beta-processor.txt\n"))
        #expect(try Workdir.mode(file) == 0o600)
        #expect(try Workdir.mode(file.deletingLastPathComponent()) == 0o700)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasPrefix("Subject: Datenschutzverletzung bei Ihrem Auftragsverarbeiter Exemple SARL (Art. 33 Abs. 2 DSGVO) – Az. BR-2026-0001\n"))
        #expect(text.contains("An Beta Logistik GmbH,"))
        #expect(text.contains("Wahrscheinliche Folgen (Art. 33 Abs. 3 lit. c)"))
        #expect(text.contains("Datensätze: etwa 1.840"))
        #expect(try w.outboxFiles().isEmpty)
        #expect(try w.sql("SELECT channel, status, delivered_to FROM controller_notice")
                == "file|prepared|handover/beta/BR-2026-0001-beta-processor.txt")
        #expect(try w.sql("SELECT sent_sha256 FROM controller_notice") == (try sha256(Array(text.utf8))))

        // Written is not notified: the clock runs until the hand-over is recorded.
        let waiting = try w.run(["status", Workdir.id])
        #expect(waiting.stdout.contains("  beta  not yet notified — 24 h 00 min since awareness (Art. 33(2): without undue delay)\n"
            + "        written to handover/beta/BR-2026-0001-beta-processor.txt: hand it over, then `breachmail controller record BR-2026-0001 --controller beta --reference REF`\n"))

        let recorded = try w.run(["controller", "record", Workdir.id, "--controller", "beta", "--reference", "Übergabe 2026-17"],
                                 now: "2026-10-23T16:15:00+02:00")
        #expect(recorded.status == 0, "\(recorded.stderr)")
        #expect(recorded.stdout == "Recorded the hand-over of the processor's notice of BR-2026-0001 to beta: reference Übergabe 2026-17 (controller-notice.recorded).\n")
        let status = try w.run(["status", Workdir.id])
        #expect(status.stdout.contains(
            "  beta  notified at 2026-10-23 16:15 +02:00 (Europe/Luxembourg) (6 h 15 min after awareness)  file  reference Übergabe 2026-17\n"))
        try w.expectRegisterIntact()
    }

    @Test func composeRefusesWhenAnArticle33ItemIsMissingAndNamesIt() throws {
        let w = try Workdir()
        try w.appendControllers(acmeFingerprint: "")
        let example = CommandRunner.packageRoot.appendingPathComponent("Config/examples/incident.yaml")
        let edited = w.temp.url.appendingPathComponent("incident.yaml")
        try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "approximate_records: 1840", with: "approximate_records: 0")
            .write(to: edited, atomically: true, encoding: .utf8)
        let updated = try w.run(["incident", "update", Workdir.id, edited.path])
        try #require(updated.status == 0, "\(updated.stderr)")

        let composed = try w.run(["controller", "compose", Workdir.id, "--controller", "acme"])
        #expect(composed.status == 65)
        #expect(composed.stdout.isEmpty)
        #expect(composed.stderr.hasPrefix(
            "Refused: cannot compose the processor message: GDPR Art. 33(2) requires approximate_records (Art. 33(3)(a)), which is missing or empty."))
        let sent = try w.run(["controller", "send", Workdir.id, "--controller", "beta"])
        #expect(sent.status == 65)
        #expect(try w.sql("SELECT status, refusal_kind FROM controller_notice") == "refused|incomplete")
        #expect(!FileManager.default.fileExists(atPath: w.url.appendingPathComponent("handover/beta").path))
    }

    @Test func severalControllersNeedOneNamed() throws {
        let w = try Workdir()
        try w.appendControllers(acmeFingerprint: "")
        let result = try w.run(["controller", "send", Workdir.id])
        #expect(result.status != 0)
        #expect(result.stderr.contains("several controllers are configured (acme, beta): name the one whose data are concerned with --controller ID."))
        let unknown = try w.run(["controller", "compose", Workdir.id, "--controller", "gamma"])
        #expect(unknown.stderr.contains("--controller gamma: no such controller in breachmail.yaml; configured: acme, beta."))
        #expect(try w.sql("SELECT count(*) FROM controller_notice") == "0")
    }

    /// The examples of `controller --help` work as printed, in a working directory configured like the README's.
    @Test func theHelpExamplesCanBePasted() throws {
        let w = try Workdir()
        let (acme, _) = try w.configureControllers()
        var examples: [String] = []
        for command in [[], ["compose"], ["send"], ["record"]] {
            let help = try CommandRunner.breachmail(["controller"] + command + ["--help"])
            #expect(help.status == 0)
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex(of: "Example:"), "\(help.stdout)")
            // Every line of the example block is a whole command: none is wrapped.
            for line in lines[(start + 1)...].prefix(while: { !$0.isEmpty }) {
                #expect(line.hasPrefix("  breachmail controller "), "a wrapped example line: \(line)")
                if !examples.contains(line) { examples.append(line) }
            }
        }
        try #require(examples.count == 3, "\(examples)")
        for example in examples {
            let arguments = example.split(separator: " ").dropFirst().map(String.init)
            let result = try w.run(arguments)
            #expect(result.status == 0, "\(example): \(result.stderr)")
        }
        let message = try #require(try w.outboxFiles().first)
        let decrypted = try acme.decrypt(Array(try Data(contentsOf: message)))
        #expect(decrypted.status.contains { $0.hasPrefix("DECRYPTION_OKAY") })
        #expect(try w.sql("SELECT group_concat(status) FROM controller_notice") == "sent,recorded")
    }
}
