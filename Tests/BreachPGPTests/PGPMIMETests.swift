@testable import BreachPGP
import BreachTestSupport
import Foundation
import Testing

/// Python's `email` package with `policy.strict` (defects raise) as an independent MIME parser.
private let parserScript = #"""
import email, hashlib, json, sys
from email import policy
from email.parser import BytesParser
mode, path = sys.argv[1], sys.argv[2]
raw = open(path, 'rb').read()
msg = BytesParser(policy=policy.strict).parsebytes(raw)
out = {'sha256': hashlib.sha256(raw).hexdigest(), 'type': msg.get_content_type(),
       'subject': str(msg['Subject']), 'from': str(msg['From']), 'to': str(msg['To']),
       'date': str(msg['Date']), 'messageID': str(msg['Message-ID']),
       'mimeVersion': str(msg['MIME-Version']), 'protocol': msg.get_param('protocol'),
       'protectedHeaders': msg.get_param('protected-headers'), 'parts': [], 'body': None}
if msg.is_multipart():
    for part in msg.iter_parts():
        out['parts'].append({'type': part.get_content_type(), 'name': part.get_param('name'),
                             'body': part.get_payload(decode=True).decode('ascii')})
else:
    out['body'] = msg.get_content()
print(json.dumps(out))
"""#

/// What the independent parser saw.
private struct Parsed: Decodable {
    struct Part: Decodable {
        let type: String
        let name: String?
        let body: String
    }
    let sha256: String
    let type: String
    let subject: String
    let from: String
    let to: String
    let date: String
    let messageID: String
    let mimeVersion: String
    let `protocol`: String?
    let protectedHeaders: String?
    let parts: [Part]
    let body: String?
}

private func parse(_ bytes: [UInt8], _ mode: String, in workspace: Workspace) throws -> Parsed {
    let path = try workspace.write(bytes, to: "\(mode)-\(UUID().uuidString).eml")
    let output = try BoundedProcess.run("/usr/bin/python3", ["-c", parserScript, mode, path], timeout: 30)
    try #require(output.status == 0, "python email (strict) refused the \(mode) message: \(output.stderr)")
    return try JSONDecoder().decode(Parsed.self, from: Data(output.stdout))
}

private let headers = MessageHeaders(
    from: "DPO Example <dpo@example.test>", to: "CNPD <databreach@cnpd.test>",
    subject: "=?utf-8?q?Notification_de_violation_de_donn=C3=A9es_BR-2026-001?=",
    date: "Tue, 03 Mar 2026 10:15:00 +0100", messageID: "<br-2026-001.initial@example.test>")

private let inner = Array(
    ("Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Notification initiale de la violation de données BR-2026-001.\r\nNature : accès non autorisé.\r\n").utf8)

/// Every line ends with CRLF and holds at most 998 octets before it.
private func isCanonical(_ bytes: [UInt8]) -> Bool {
    var length = 0
    var previous: UInt8 = 0
    for byte in bytes {
        if byte == 10 && previous != 13 { return false }
        if previous == 13 && byte != 10 { return false }
        length = byte == 10 ? 0 : length + 1
        if length > 999 { return false }
        previous = byte
    }
    return previous == 10
}

private func contains(_ bytes: [UInt8], _ text: String) -> Bool {
    bytes.firstRange(of: Array(text.utf8)) != nil
}

@Suite("PGP/MIME: encrypted by breachmail, decrypted by real gpg")
struct PGPMIMETests {
    @Test(arguments: [GPGHome.KeyKind.ed25519, .rsa3072])
    func realGPGDecryptsTheProtectedInnerEntity(kind: GPGHome.KeyKind) throws {
        let workspace = try Workspace()
        let (key, _) = try workspace.importedAuthority(kind)
        let message = try PGPMIME.encrypt(inner, headers: headers, to: key, in: try workspace.keyring())

        // Outer structure, part by part (RFC 3156 §4), read by an independent strict parser.
        let outer = try parse(message.bytes, "outer", in: workspace)
        #expect(isCanonical(message.bytes))
        #expect(outer.sha256 == message.messageSHA256)
        #expect(outer.type == "multipart/encrypted")
        #expect(outer.protocol == "application/pgp-encrypted")
        #expect(outer.mimeVersion == "1.0")
        #expect(outer.subject == "Encrypted message")
        #expect(outer.from == "DPO Example <dpo@example.test>")
        #expect(outer.to == "CNPD <databreach@cnpd.test>")
        #expect(outer.messageID == "<br-2026-001.initial@example.test>")
        #expect(outer.parts.count == 2)
        let version = try #require(outer.parts.first)
        #expect(version.type == "application/pgp-encrypted")
        #expect(version.body.trimmingCharacters(in: .whitespacesAndNewlines) == "Version: 1")
        let encrypted = try #require(outer.parts.last)
        #expect(encrypted.type == "application/octet-stream")
        #expect(encrypted.name == "encrypted.asc")
        #expect(encrypted.body.hasPrefix("-----BEGIN PGP MESSAGE-----"))
        // Nothing of the breach outside the encryption.
        #expect(!contains(message.bytes, "violation"))
        #expect(!contains(message.bytes, "BR-2026-001"))
        #expect(!contains(message.bytes, "Notification"))

        // Real gpg, with the authority's secret key, reads it.
        let decrypted = try workspace.authority.decrypt(Array(encrypted.body.utf8))
        #expect(decrypted.status.contains("DECRYPTION_OKAY"))
        #expect(isCanonical(decrypted.plaintext))
        let plain = try parse(decrypted.plaintext, "inner", in: workspace)
        #expect(plain.sha256 == message.plaintextSHA256)
        #expect(plain.type == "text/plain")
        #expect(plain.protectedHeaders == "v1")
        #expect(plain.subject == "Notification de violation de données BR-2026-001")
        #expect(plain.from == "DPO Example <dpo@example.test>")
        #expect(plain.to == "CNPD <databreach@cnpd.test>")
        #expect(plain.date == "Tue, 03 Mar 2026 10:15:00 +0100")
        #expect(plain.messageID == "<br-2026-001.initial@example.test>")
        #expect(plain.body?.contains("Nature : accès non autorisé.") == true)
    }

    @Test func aMultipartInnerEntityKeepsItsStructure() throws {
        let workspace = try Workspace()
        let (key, _) = try workspace.importedAuthority()
        let multipart = Array(
            ("Content-Type: multipart/alternative;\r\n boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
                + "plain\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b1--\r\n").utf8)
        let message = try PGPMIME.encrypt(multipart, headers: headers, to: key, in: try workspace.keyring())
        let armored = try #require(try parse(message.bytes, "outer", in: workspace).parts.last?.body)
        let plaintext = try workspace.authority.decrypt(Array(armored.utf8)).plaintext
        let text = String(decoding: plaintext, as: UTF8.self)
        #expect(text.hasPrefix("Content-Type: multipart/alternative;\r\n boundary=\"b1\";\r\n protected-headers=\"v1\"\r\n"))
        let plain = try parse(plaintext, "inner", in: workspace)
        #expect(plain.parts.map(\.type) == ["text/plain", "text/html"])
        #expect(plain.protectedHeaders == "v1")
    }

    @Test func refusesAHeaderValueWithALineBreak() throws {
        let workspace = try Workspace()
        let (key, _) = try workspace.importedAuthority()
        var injected = headers
        injected.subject = "Hello\r\nBcc: everyone@example.test"
        let error = refusal { try PGPMIME.encrypt(inner, headers: injected, to: key, in: try workspace.keyring()) }
        #expect(error?.kind == .headerInjection)
        #expect(
            error?.description
                == "The Subject header value contains a line break or NUL, which could inject headers; the message "
                + "was not built. Fix: remove line breaks from the value and encode it (RFC 2047).")
        var nul = headers
        nul.to = "a@example.test\u{0}"
        #expect(refusal { try PGPMIME.encrypt(inner, headers: nul, to: key, in: try workspace.keyring()) }?.kind == .headerInjection)
        var raw = headers
        raw.from = "Délégué <dpo@example.test>"
        #expect(refusal { try PGPMIME.encrypt(inner, headers: raw, to: key, in: try workspace.keyring()) }?.kind == .headerInjection)
    }

    @Test func refusesAnInnerEntityThatIsNotCanonicalMIME() throws {
        let workspace = try Workspace()
        let (key, _) = try workspace.importedAuthority()
        let keyring = try workspace.keyring()
        let bareLF = Array("Content-Type: text/plain\n\nbody\n".utf8)
        let error = refusal { try PGPMIME.encrypt(bareLF, headers: headers, to: key, in: keyring) }
        #expect(error?.description == "The inner entity has a bare LF line end. Fix: end every line with CRLF.")
        let noType = Array("X-Note: a\r\n\r\nbody\r\n".utf8)
        #expect(
            refusal { try PGPMIME.encrypt(noType, headers: headers, to: key, in: keyring) }?.description
                == "The inner entity has no Content-Type header. Fix: give it one.")
        let withSubject = Array("Content-Type: text/plain\r\nSubject: leak\r\n\r\nbody\r\n".utf8)
        #expect(
            refusal { try PGPMIME.encrypt(withSubject, headers: headers, to: key, in: keyring) }?.description
                == "The inner entity already has a Subject header; the protected headers come from the real "
                + "headers. Fix: leave Subject, From, To, Date and Message-ID out of it.")
        let longLine = Array(("Content-Type: text/plain\r\n\r\n" + String(repeating: "x", count: 999) + "\r\n").utf8)
        #expect(refusal { try PGPMIME.encrypt(longLine, headers: headers, to: key, in: keyring) }?.kind == .malformedEntity)
    }

    @Test func foldsALongSubjectUnder78OctetsPerLine() throws {
        let words = Array(repeating: "=?utf-8?q?donn=C3=A9es?=", count: 12).joined(separator: " ")
        let folded = try #require(try? PGPMIME.field("Subject", words))
        let lines = folded.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(lines.joined(separator: "") == "Subject: " + words)
    }
}
