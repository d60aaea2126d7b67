internal import BreachIDN
internal import Foundation

/// An e-mail address checked against RFC 5321/5322, ready for an SMTP envelope and a header.
///
/// The domain is stored in its ASCII form: an internationalised domain (`bücher.example`) is
/// converted by libidn2 (IDNA 2008, UTS #46 non-transitional) to A-labels
/// (`xn--bcher-kva.example`). The local part must be ASCII:
/// non-ASCII local parts need SMTPUTF8 (RFC 6531), which breachmail does not use.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The part before `@`, as written (case is kept: local parts may be case-sensitive).
    public let localPart: String
    /// The domain in ASCII (A-labels), lowercased.
    public let domain: String

    /// `local@domain` in ASCII.
    public var description: String { "\(localPart)@\(domain)" }

    /// Validates `text` and converts an internationalised domain to A-labels.
    ///
    /// ```swift
    /// let a = try MailAddress("marie@bücher.example")  // marie@xn--bcher-kva.example
    /// ```
    /// - Throws: ``AddressError`` naming what is wrong and how to fix it.
    public init(_ text: String) throws(AddressError) {
        if let plain = Self.plain(text) {
            self = plain
        } else {
            try self.init(checking: text)
        }
    }

    private init(local: String, domain: String) {
        self.localPart = local
        self.domain = domain
    }

    /// The address of nearly every list, read in one pass over its bytes: printable ASCII without
    /// surrounding spaces, a dot-atom local part of at most 64 octets, a domain of two labels or
    /// more of letters, digits and inner hyphens, at most 63 octets each, none an A-label. Exactly
    /// what ``init(checking:)`` makes of such a text; nil for anything else, which goes there
    /// (and gets its error there).
    static func plain(_ text: String) -> MailAddress? {
        let read = text.utf8.withContiguousStorageIfAvailable { b -> MailAddress? in
            let n = b.count
            guard n >= 3, n <= 254 else { return nil }
            var at = n - 1
            while at > 0, b[at] != UInt8(ascii: "@") { at -= 1 }
            guard at > 0, at <= 64, at < n - 1 else { return nil }
            var previousDot = true
            for i in 0..<at {
                let c = b[i]
                if c == UInt8(ascii: ".") {
                    if previousDot { return nil }
                    previousDot = true
                } else if MIMEText.isAtext(c) {
                    previousDot = false
                } else {
                    return nil
                }
            }
            guard !previousDot else { return nil }
            var labels = 0
            var upper = false
            var start = at + 1
            var i = start
            while i <= n {
                if i == n || b[i] == UInt8(ascii: ".") {
                    let count = i - start
                    guard count >= 1, count <= 63, b[start] != UInt8(ascii: "-"), b[i - 1] != UInt8(ascii: "-") else { return nil }
                    if count >= 4, startsALabel(b, at: start) { return nil }
                    labels += 1
                    start = i + 1
                } else {
                    guard isLDHByte(b[i]) else { return nil }
                    if b[i] >= 65, b[i] <= 90 { upper = true }
                }
                i += 1
            }
            guard labels >= 2 else { return nil }
            let local = String(decoding: UnsafeBufferPointer(rebasing: b[0..<at]), as: UTF8.self)
            let domain = String(decoding: UnsafeBufferPointer(rebasing: b[(at + 1)...]), as: UTF8.self)
            return MailAddress(local: local, domain: upper ? domain.lowercased() : domain)
        }
        return read ?? nil
    }

    /// Every check of RFC 5321/5322 and IDNA, one after the other, with the error of the first
    /// that fails.
    init(checking text: String) throws(AddressError) {
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw AddressError(address: text, problem: .controlCharacter(bad.value))
        }
        let trimmed = text.trimmingASCIISpaces()
        guard !trimmed.isEmpty else { throw AddressError(address: text, problem: .empty) }
        guard let at = trimmed.lastIndex(of: "@") else {
            throw AddressError(address: text, problem: .noAt)
        }
        let local = String(trimmed[..<at])
        let rawDomain = String(trimmed[trimmed.index(after: at)...])
        guard !local.isEmpty else { throw AddressError(address: text, problem: .emptyLocalPart) }
        guard local.unicodeScalars.allSatisfy(\.isASCII) else {
            throw AddressError(address: text, problem: .nonASCIILocalPart)
        }
        guard local.utf8.count <= 64 else {
            throw AddressError(address: text, problem: .localPartTooLong(local.utf8.count))
        }
        guard Self.isDotAtom(local) else {
            throw AddressError(address: text, problem: .invalidLocalPart)
        }
        let domain = try Self.asciiDomain(rawDomain, address: text)
        let total = local.utf8.count + 1 + domain.utf8.count
        guard total <= 254 else { throw AddressError(address: text, problem: .tooLong(total)) }
        self.localPart = local
        self.domain = domain
    }

    /// A domain name in ASCII: a name with Unicode in it is converted by libidn2 (IDNA 2008 with
    /// the UTS #46 mapping, non-transitional: full-width forms mapped, case folded, NFC).
    ///
    /// - Throws: ``AddressError`` when a label is empty, too long or has characters no
    ///   host name may carry, or (``AddressError/Problem/idna(label:reason:)``) when IDNA refuses
    ///   it: a disallowed code point, the Bidi rule, a joiner out of context.
    public static func asciiDomain(_ raw: String, address: String? = nil) throws(AddressError) -> String {
        let context = address ?? raw
        var name = raw
        if name.hasSuffix(".") { name.removeLast() }  // a trailing root dot is allowed
        guard !name.isEmpty else { throw AddressError(address: context, problem: .emptyDomain) }
        if name.hasPrefix("[") {
            throw AddressError(address: context, problem: .addressLiteral)
        }
        // ASCII without an A-label (nearly every address): checked on bytes. An `xn--` label is
        // IDNA's to check (a broken Punycode label is refused there).
        if name.utf8.allSatisfy({ $0 < 0x80 }) && !hasALabel(name) { return try asciiOnlyDomain(name, context: context) }
        // U+3002 and friends are label separators in IDNA (UTS #46 maps them to a dot).
        let separators: Set<Character> = [".", "\u{3002}", "\u{FF0E}", "\u{FF61}"]
        let written = name.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) }).map(String.init)
        guard !written.contains(where: \.isEmpty) else {
            throw AddressError(address: context, problem: .emptyLabel)
        }
        let converted: String
        do {
            converted = try IDNA.toASCII(name)
        } catch {
            // Name the label at fault when one alone is refused (the Bidi rule can take the whole name).
            let culprit = written.first { label in (try? IDNA.toASCII(label)) == nil } ?? name
            throw AddressError(address: context, problem: .idna(label: culprit, reason: error.reason))
        }
        let labels = converted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        for (i, ascii) in labels.enumerated() {
            // The label as written, for the error, when the mapping kept the count of labels.
            let shown = labels.count == written.count ? written[i] : ascii
            guard !ascii.isEmpty else { throw AddressError(address: context, problem: .emptyLabel) }
            guard ascii.utf8.count <= 63 else {
                throw AddressError(address: context, problem: .labelTooLong(shown))
            }
            guard Self.isLDH(ascii) else {
                throw AddressError(address: context, problem: .invalidLabel(shown))
            }
        }
        guard converted.utf8.count <= 253 else {
            throw AddressError(address: context, problem: .domainTooLong(converted.utf8.count))
        }
        guard labels.count >= 2 || converted == "localhost" else {
            throw AddressError(address: context, problem: .singleLabelDomain)
        }
        return converted
    }

    /// ``asciiDomain(_:address:)`` for a name that is ASCII already (nearly every address of an
    /// import): the same checks and errors, on bytes, without a String per label.
    private static func asciiOnlyDomain(_ name: String, context: String) throws(AddressError) -> String {
        var labels = 0
        for label in name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw AddressError(address: context, problem: .emptyLabel) }
            guard label.count <= 63 else {
                throw AddressError(address: context, problem: .labelTooLong(String(decoding: label, as: UTF8.self)))
            }
            // Letters of either case (lowercased below), digits, hyphen; no hyphen first or last.
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy(isLDHByte) else {
                throw AddressError(address: context, problem: .invalidLabel(String(decoding: label, as: UTF8.self)))
            }
            labels += 1
        }
        let result = name.lowercased()
        guard result.utf8.count <= 253 else {
            throw AddressError(address: context, problem: .domainTooLong(result.utf8.count))
        }
        guard labels >= 2 || result == "localhost" else {
            throw AddressError(address: context, problem: .singleLabelDomain)
        }
        return result
    }

    /// Whether a label of `name` starts with `xn--` (any case).
    private static func hasALabel(_ name: String) -> Bool {
        name.utf8.withContiguousStorageIfAvailable { b in
            var i = 0
            while i + 3 < b.count {
                if (i == 0 || b[i - 1] == UInt8(ascii: ".")), startsALabel(b, at: i) { return true }
                i += 1
            }
            return false
        } ?? name.lowercased().split(separator: ".").contains { $0.hasPrefix("xn--") }
    }

    /// Whether `xn--` (any case) is at `i` in `b`, which has at least four bytes from `i`.
    private static func startsALabel(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        b[i] | 0x20 == UInt8(ascii: "x") && b[i + 1] | 0x20 == UInt8(ascii: "n")
            && b[i + 2] == UInt8(ascii: "-") && b[i + 3] == UInt8(ascii: "-")
    }

    /// A letter of either case, a digit or a hyphen.
    private static func isLDHByte(_ b: UInt8) -> Bool {
        let lower = b | 0x20
        return (lower >= 97 && lower <= 122) || (b >= 48 && b <= 57) || b == 45
    }

    // atext of RFC 5322 §3.2.3, joined by single dots.
    private static func isDotAtom(_ s: String) -> Bool {
        var previousDot = true
        for b in s.utf8 {
            if b == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else if MIMEText.isAtext(b) {
                previousDot = false
            } else {
                return false
            }
        }
        return !previousDot
    }

    // Letters, digits, hyphen; no hyphen first or last (RFC 5890/1123).
    private static func isLDH(_ label: String) -> Bool {
        let b = Array(label.utf8)
        guard let first = b.first, let last = b.last,
              first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else { return false }
        return b.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
    }
}

/// An address breachmail cannot use, with what to fix.
public struct AddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the address.
    public enum Problem: Sendable, Equatable {
        case empty, noAt, emptyLocalPart, nonASCIILocalPart, invalidLocalPart
        case localPartTooLong(Int), tooLong(Int)
        case emptyDomain, addressLiteral, emptyLabel, singleLabelDomain
        case labelTooLong(String), invalidLabel(String), domainTooLong(Int)
        case controlCharacter(UInt32)
        /// IDNA 2008 / UTS #46 (libidn2) refuses the label: `reason` is libidn2's (`idn2_strerror`).
        case idna(label: String, reason: String)
    }

    /// The address as given (it may be personal data: never log this error's text).
    public let address: String
    /// What is wrong.
    public let problem: Problem

    public init(address: String, problem: Problem) {
        self.address = address
        self.problem = problem
    }

    public var description: String {
        let shown = address.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        let what: String
        switch problem {
        case .empty: what = "is empty; give an address such as name@example.org"
        case .noAt: what = "has no `@`; write it as local-part@domain"
        case .emptyLocalPart: what = "has nothing before `@`"
        case .nonASCIILocalPart:
            what = "has non-ASCII characters before `@`; such addresses need SMTPUTF8 (RFC 6531), "
                + "which breachmail does not support: ask the person for an ASCII address"
        case .invalidLocalPart:
            what = "has characters or dots before `@` that an unquoted address cannot carry "
                + "(RFC 5322 dot-atom); quoted local parts are not supported"
        case .localPartTooLong(let n): what = "has a local part of \(n) octets; RFC 5321 allows at most 64"
        case .tooLong(let n): what = "is \(n) octets long; RFC 5321 allows at most 254"
        case .emptyDomain: what = "has no domain after `@`"
        case .addressLiteral: what = "uses an address literal ([…]) as domain, which is not accepted"
        case .emptyLabel: what = "has an empty label in its domain (two dots in a row, or a leading dot)"
        case .singleLabelDomain: what = "has a domain without a dot; give a fully qualified domain"
        case .labelTooLong(let l): what = "has a domain label `\(l)` longer than 63 octets (as an A-label)"
        case .idna(let l, let reason):
            what = "has a domain label `\(l)` that IDNA 2008 (UTS #46) refuses: \(reason); correct the domain "
                + "(a character no domain name may hold, or mixed right-to-left and left-to-right text)"
        case .invalidLabel(let l):
            what = "has a domain label `\(l)` with characters a host name cannot carry "
                + "(letters, digits and inner hyphens only)"
        case .domainTooLong(let n): what = "has a domain of \(n) octets; at most 253 are allowed"
        case .controlCharacter(let v):
            what = "contains the control character U+\(String(v, radix: 16, uppercase: true).leftPadded(4)); "
                + "remove line breaks and other control characters"
        }
        return "invalid e-mail address \"\(shown)\": it \(what)."
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        // A character that is a space or a tab is that one byte: when neither end's byte is one,
        // neither end's character is (the usual case, without breaking the text into characters).
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        if let first = utf8.first, let last = utf8.last, first != space, first != tab, last != space, last != tab {
            return self
        }
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }

    func leftPadded(_ width: Int, with c: Character = "0") -> String {
        count >= width ? self : String(repeating: c, count: width - count) + self
    }
}
