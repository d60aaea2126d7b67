import BreachCompose
import BreachCore
import BreachTestSupport
import Foundation
import Testing

private let attempts = [
    "Eve\r\nBcc: victim@example.org", "Eve\nBcc: victim@example.org", "Eve\rBcc: victim@example.org",
    "Eve\u{0}Bcc: victim@example.org", "Eve\r\n\r\nbody", "Eve\u{85}\nX: y",
]

@Test("CR, LF or NUL in a display name is refused", arguments: attempts)
func displayNameInjectionRefused(name: String) throws {
    #expect(throws: HeaderValueError.self) { try Mailbox(displayName: name, address: "eve@example.org") }
}

@Test("CR, LF or NUL in a subject line is refused", arguments: attempts)
func subjectInjectionRefused(subject: String) throws {
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    let message = OutgoingMessage(from: Fixture.sender, to: [Fixture.authorityBox], subject: subject, date: Fixture.fixedDate, text: "t")
    #expect(throws: HeaderValueError.self) { try builder.build(message) }
}

@Test func injectionThroughTheCSVNameIsRefusedForThatSubjectOnly() throws {
    var context = Fixture.context(.subject, .fr)
    context.subject = SubjectFields(name: "Eve\r\nBcc: victim@example.org", email: "eve@example.org")
    let prepared = try Fixture.composer.prepare(context)
    var random = SeededRandom(seed: 1)
    #expect(throws: ComposeError.header(HeaderValueError(field: "display name", character: 13))) {
        try prepared.message(subject: context.subject, from: Fixture.sender, builder: Fixture.builder, using: &random)
    }
    #expect(HeaderValueError(field: "display name", character: 13).description
        == "refused: the display name contains a carriage return (CR), which would let text after it pose as a header of its own (header injection). Remove line breaks and control characters from it.")
}

@Test func injectionThroughTheControllerNameNeverReachesTheSubjectHeader() throws {
    var context = Fixture.context(.publicNotice, .en)
    context.controller.name = "Acme\r\nBcc: victim@example.org"
    #expect(throws: ComposeError.self) { try Fixture.composer.render(context) }
}

@Test("Bcc: without a line break stays inside the display name", arguments: ["Bcc: victim@example.org", "x\tBcc: y@example.org", "=?utf-8?q?Bcc:?= a@b.example", "Ünïcode Bcc: victim@example.org"])
func bccTextStaysInTheName(name: String) throws {
    let box = try Mailbox(displayName: name, address: "eve@example.org")
    let builder = try MIMEBuilder(messageIDDomain: "example.org")
    let built = try builder.build(OutgoingMessage(from: Fixture.sender, to: [box], subject: "Bcc: x@y.example", date: Fixture.fixedDate, text: "t"))
    let check = try MIMECheck.parse(built.bytes)
    #expect(check.error == nil)
    let root = try #require(check.root)
    #expect(root.headerNames == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"])
    #expect(check.addresses["To"]?.count == 1)
    #expect(check.addresses["To"]?.first?[1] == "eve@example.org")
}
