import BreachCompose
import BreachTestSupport
import Testing

/// Domains and what IDNA 2008 with the UTS #46 mapping, non-transitional, makes of them (the
/// processing of UTS #46 §4 and the kinds of rows of Unicode's IdnaTestV2.txt, which no Debian or
/// PyPI package ships): the A-labels, or the reason of the refusal (`idn2_strerror`).
let idnaVectors: [(input: String, ascii: String?, reason: String?)] = [
    ("bücher.example", "xn--bcher-kva.example", nil),
    ("Bücher.Example", "xn--bcher-kva.example", nil),                         // case folded
    ("\u{FF22}\u{FF35}\u{FF23}\u{FF28}\u{FF25}\u{FF32}\u{FF0E}example", "bucher.example", nil),  // full-width letters and dot mapped
    ("\u{FF21}\u{FF22}\u{FF23}\u{3002}\u{FF44}\u{FF45}", "abc.de", nil),         // ideographic full stop
    ("faß.de", "xn--fa-hia.de", nil),                                         // non-transitional: ß kept
    ("ß.\u{1E9E}.de", "xn--zca.ss.de", nil),                                  // capital sharp s mapped to ss
    ("u\u{0308}ber.de", "xn--ber-goa.de", nil),                                // NFC input
    ("ëttelbréck.lu", "xn--ttelbrck-g1an.lu", nil),
    ("\u{2167}.com", "viii.com", nil),                                        // Roman numeral Ⅷ: compatibility mapping
    ("日本語。ＪＰ", "xn--wgv71a119e.jp", nil),
    ("παράδειγμα.δοκιμή", "xn--hxajbheg2az3al.xn--jxalpdlp", nil),
    ("\u{05D0}\u{05D1}\u{05D2}.com", "xn--4dbcd.com", nil),                     // right-to-left label, Bidi rule kept
    ("XN--BCHER-KVA.example", "xn--bcher-kva.example", nil),
    ("a\u{200C}b.de", nil, "string contains a forbidden context-j character"),  // ZWNJ out of context
    ("1\u{05D0}.com", nil, "string has forbidden bi-directional properties"),    // Bidi rule 1: RTL label starting with a digit
    ("\u{0661}\u{0662}\u{0663}.com", nil, "string has forbidden bi-directional properties"),
    ("\u{2615}.de", nil, "string contains a disallowed character"),              // ☕: not in IDNA 2008
    ("xn--a.de", nil, "domain label has character forbidden in non-transitional mode (TR46)"),  // a broken A-label
]

@Test("IDNA 2008 / UTS #46 vectors through libidn2", arguments: idnaVectors.indices)
func idnaVectorsConvertOrAreRefusedWithTheReason(index: Int) throws {
    let v = idnaVectors[index]
    if let ascii = v.ascii {
        #expect(try MailAddress.asciiDomain(v.input) == ascii)
        #expect(try MailAddress("marie@\(v.input)").domain == ascii)
    } else {
        let error = try #require(throws: AddressError.self) { try MailAddress("marie@\(v.input)") }
        guard case .idna(_, let reason) = error.problem else {
            Issue.record("\(error)")
            return
        }
        #expect(reason == v.reason)
        #expect(error.description.contains("that IDNA 2008 (UTS #46) refuses: \(v.reason ?? "")"), "\(error)")
    }
}

/// The same vectors through the `idn2` program (Debian's idn2, libidn2's own command line, in
/// UTS #46 non-transitional mode): breachmail says what it says.
@Test func idnaAgreesWithTheIdn2Program() throws {
    for v in idnaVectors {
        let run = try CommandRunner.run("idn2", ["--tr46nt", "--", v.input], environment: ["LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"])
        if let ascii = v.ascii {
            #expect(run.status == 0 && run.stdout == ascii + "\n", "\(v.input): \(run.stdout)\(run.stderr)")
        } else {
            #expect(run.status != 0 && run.stderr.hasSuffix("idn2: toAscii: \(v.reason ?? "")\n"), "\(v.input): \(run.stderr)")
        }
    }
}

/// The label at fault is named when one alone is refused.
@Test func theRefusedLabelIsNamed() throws {
    let error = try #require(throws: AddressError.self) { try MailAddress("a@café.\u{2615}.fr") }
    #expect(error.problem == .idna(label: "\u{2615}", reason: "string contains a disallowed character"))
    #expect(error.description == "invalid e-mail address \"a@café.\u{2615}.fr\": it has a domain label `\u{2615}` that IDNA 2008 (UTS #46) refuses: string contains a disallowed character; correct the domain (a character no domain name may hold, or mixed right-to-left and left-to-right text).")
}

@Test func internationalisedDomainsBecomeALabels() throws {
    #expect(try MailAddress("marie@bücher.example").description == "marie@xn--bcher-kva.example")
    #expect(try MailAddress("Jean.Dupont@Exemple.FR").description == "Jean.Dupont@exemple.fr")
    // Python: "ëttelbréck".encode("idna") == b"xn--ttelbrck-g1an"
    #expect(try MailAddress("a@ëttelbréck.lu").domain == "xn--ttelbrck-g1an.lu")
}

@Test func addressLimitsAreEnforced() throws {
    let local64 = String(repeating: "a", count: 64)
    #expect(throws: Never.self) { try MailAddress("\(local64)@example.org") }
    #expect(throws: AddressError(address: "\(local64)a@example.org", problem: .localPartTooLong(65))) { try MailAddress("\(local64)a@example.org") }
    let label = String(repeating: "b", count: 63)
    let long = "\(local64)@\(label).\(label).\(label).example.org"  // 64 + 1 + 203 = 268
    #expect(throws: AddressError.self) { try MailAddress(long) }
    #expect(throws: AddressError(address: "a@\(label)c.org", problem: .labelTooLong("\(label)c"))) { try MailAddress("a@\(label)c.org") }
    #expect(throws: AddressError(address: "a@-x.org", problem: .invalidLabel("-x"))) { try MailAddress("a@-x.org") }
    #expect(throws: AddressError(address: "a@x..org", problem: .emptyLabel)) { try MailAddress("a@x..org") }
    #expect(throws: AddressError(address: "a.@x.org", problem: .invalidLocalPart)) { try MailAddress("a.@x.org") }
    #expect(throws: AddressError(address: "nobody", problem: .noAt)) { try MailAddress("nobody") }
}

@Test func nonASCIILocalPartsAreRefusedWithTheReason() throws {
    let error = try #require(throws: AddressError.self) { try MailAddress("zoé@exemple.fr") }
    #expect(error.description == "invalid e-mail address \"zoé@exemple.fr\": it has non-ASCII characters before `@`; such addresses need SMTPUTF8 (RFC 6531), which breachmail does not support: ask the person for an ASCII address.")
}

@Test func controlCharactersInAddressesAreRefused() throws {
    let error = try #require(throws: AddressError.self) { try MailAddress("a@x.org\r\nBcc: b@y.org") }
    #expect(error.problem == .controlCharacter(13))
}
