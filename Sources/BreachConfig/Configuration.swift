public import Foundation
public import BreachCore
internal import Yams

/// breachmail's configuration (`breachmail.yaml` in the working directory), loaded and validated
/// in one place: ``Configuration/load(_:)``. Relative paths are relative to the working directory.
public struct Configuration: Sendable, Equatable {
    /// The organisation responsible for the processing.
    public var controller: Controller
    /// The DPO or contact point of Art. 33(3)(b).
    public var dpo: Person
    /// IANA time zone for showing times (deadline), e.g. `Europe/Luxembourg`. Default: UTC.
    public var timeZone: String
    public var storage: Storage
    public var mail: Mail
    public var authorities: [Authority]
    public var escalation: Escalation
    /// When breachmail runs for a processor: the controllers it notifies (Art. 33(2)).
    public var controllers: [NotifiedController] = []
    /// When the scheduler acts (`scheduler:`).
    public var scheduler = SchedulerSettings()
    /// Who is told when an incident is opened or its decision changes (`response_team:`).
    public var responseTeam: [ResponseTeamMember] = []
    /// `breachmail serve`: where it listens and how.
    public var service = Service()

    /// The `service:` section, for `breachmail serve`.
    public struct Service: Sendable, Equatable {
        /// `HOST:PORT` to listen on (`[::1]:PORT` for IPv6). Default `127.0.0.1:8025`. Without a
        /// certificate only a loopback address is accepted (checked by `serve`).
        public var listen: String = "127.0.0.1:8025"
        /// The server's certificate chain (PEM); with `tlsKey`, serve HTTPS. Default: none (HTTP on loopback).
        public var tlsCertificate: String = ""
        /// The certificate's private key (PEM).
        public var tlsKey: String = ""
        /// Largest request body accepted, in bytes; larger ones get 413 before they are read. Default 16 MiB.
        public var maxBodyBytes: Int = 16 * 1024 * 1024
        /// How long the one-instance lease lasts without renewal, in seconds; renewed every third of it. Default 30.
        public var leaseSeconds: Double = 30
        public init() {}
    }

    public struct Storage: Sendable, Equatable {
        /// The register: an SQLite file (default `register.sqlite`), or a PostgreSQL database,
        /// `postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full`, for several workers.
        public var register: String = "register.sqlite"
        /// The PostgreSQL password, `{env: NAME}` or `{file: PATH}` (never in the address).
        public var password: SecretReference?
        /// breachmail's own GnuPG home (mode 0700). Default `keyring`.
        public var keyring: String = "keyring"
        /// The templates directory. Default `templates` (copied from `Templates/` by `init`).
        public var templates: String = "templates"
        public init() {}
    }

    public struct Mail: Sendable, Equatable {
        /// `From:` of every message, e.g. `Example SARL <dpo@example.lu>`.
        public var from: String
        /// Domain used on the right of Message-IDs. Default: the domain of `from`.
        public var messageIDDomain: String
        /// `smtp://host:port` (STARTTLS), `smtps://host:port` (implicit TLS) or `outbox:DIR`. Default `outbox:outbox`.
        public var transport: String = "outbox:outbox"
        public var username: String = ""
        /// SMTP password, by reference only.
        public var password: SecretReference?
        /// Parallel SMTP connections. Default 4.
        public var connections: Int = 4
        /// Messages per second at most; 0 for no limit. Default 0.
        public var ratePerSecond: Double = 0
        /// Messages per connection before it is renewed. Default 100.
        public var messagesPerConnection: Int = 100
        /// Extra CA certificates (PEM) to trust, besides the system's.
        public var caFile: String = ""
        /// Allow SMTP without TLS, only ever to a loopback host. Default false.
        public var allowPlaintextLoopback: Bool = false
        /// VERP bounce handling: `PREFIX+TOKEN@DOMAIN`.
        public var bounceDomain: String = ""
        public var bouncePrefix: String = "bounce"
        /// Key for the VERP tokens' HMAC, by reference only.
        public var bounceSecret: SecretReference?
        /// The IMAP mailbox that receives the bounces, for `bounces fetch`; nil: not configured.
        public var bounceIMAP: BounceIMAP?
        /// Signing of authority mail with the controller's own key (encrypted-and-signed); nil: not signed.
        public var signing: Signing?
        public init(from: String, messageIDDomain: String) {
            self.from = from
            self.messageIDDomain = messageIDDomain
        }
    }

    /// `mail.bounces.imap`: where `bounces fetch` reads the bounces.
    public struct BounceIMAP: Sendable, Equatable {
        /// `imaps://host[:port]/MAILBOX` (default mailbox INBOX); `imap://` only to a loopback host
        /// with `allow_plaintext_loopback`.
        public var url: String
        public var username: String
        /// The IMAP password, by reference only.
        public var password: SecretReference?
        /// Allow `imap://` without TLS, only ever to a loopback host. Default false.
        public var allowPlaintextLoopback: Bool = false
        /// Extra CA certificates (PEM) to trust, besides the system's.
        public var caFile: String = ""
        public init(url: String, username: String, password: SecretReference?) {
            self.url = url
            self.username = username
            self.password = password
        }
    }

    /// The controller's own OpenPGP secret key, to sign what it sends to an authority.
    public struct Signing: Sendable, Equatable {
        /// Armored secret key file, imported into breachmail's keyring.
        public var keyFile: String
        /// Its full 40-hex-digit fingerprint.
        public var fingerprint: String
        /// The key's passphrase by reference; nil to rely on gpg-agent.
        public var passphrase: SecretReference?
        public init(keyFile: String, fingerprint: String, passphrase: SecretReference?) {
            self.keyFile = keyFile
            self.fingerprint = fingerprint
            self.passphrase = passphrase
        }
    }

    /// A supervisory authority and how it takes notifications.
    public struct Authority: Sendable, Equatable {
        public enum Channel: String, Sendable, CaseIterable {
            /// E-mail encrypted to the authority's pinned key (CNPD).
            case emailPGP = "email-pgp"
            /// Plain e-mail, only where configured explicitly.
            case email
            /// An online form (CNIL): breachmail prepares the content, the DPO submits it.
            case portal
        }
        public var id: String
        public var name: String
        public var country: String
        public var channel: Channel
        public var address: String = ""
        public var keyFile: String = ""
        /// Full 40-hex-digit OpenPGP fingerprint, spaces removed, upper case; empty until filled in.
        public var fingerprint: String = ""
        public var portalURL: String = ""
        public var languages: [String] = ["fr"]
        public init(id: String, name: String, country: String, channel: Channel) {
            self.id = id
            self.name = name
            self.country = country
            self.channel = channel
        }
    }

    /// When to recommend a public communication (Art. 34(3)(c)) or to fix the sending set-up first.
    public struct Escalation: Sendable, Equatable {
        /// Hours after sending before silence counts as delivered and retries stop. Default 120 (5 days, RFC 5321).
        public var windowHours: Int = 120
        /// Share of unreachable people (0…1) that triggers the recommendation. Default 0.05.
        public var unreachableShare: Double = 0.05
        /// Count of unreachable people that triggers it, whatever the share. Default 100.
        public var unreachableCount: Int = 100
        /// Share of sender-side failures (blocks, spam, policy) that means the set-up is broken. Default 0.02.
        public var senderSideShare: Double = 0.02
        public init() {}
    }

    public init(controller: Controller, dpo: Person, timeZone: String = "UTC", storage: Storage = Storage(),
                mail: Mail, authorities: [Authority] = [], escalation: Escalation = Escalation()) {
        self.controller = controller
        self.dpo = dpo
        self.timeZone = timeZone
        self.storage = storage
        self.mail = mail
        self.authorities = authorities
        self.escalation = escalation
    }

    public func authority(_ id: String) -> Authority? { authorities.first { $0.id == id } }
}

/// A secret given by reference, never inline: `{env: NAME}` or `{file: PATH}`.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Reads the secret now. Trailing newlines of a file are dropped.
    ///
    /// - Throws: ``SecretError`` naming the variable or file, never the value.
    public func resolve(relativeTo base: URL) throws(SecretError) -> String {
        switch self {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw SecretError(message: "the environment variable \(name) is not set; export it before running breachmail.")
            }
            return value
        case .file(let path):
            let url = URL(fileURLWithPath: path, relativeTo: base)
            guard let data = try? Data(contentsOf: url), var value = String(data: data, encoding: .utf8) else {
                throw SecretError(message: "the secret file \(url.path) cannot be read; create it (mode 0600) or fix the path.")
            }
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            return value
        }
    }

    /// Reads a reference given on the command line, `env:NAME` or `file:PATH`; nil for anything else.
    public init?(argument: String) {
        let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty else { return nil }
        switch parts[0] {
        case "env": self = .environment(parts[1])
        case "file": self = .file(parts[1])
        default: return nil
        }
    }

    /// The reference as `breachmail.yaml` writes it: `{env: NAME}` or `{file: PATH}`.
    public var yaml: String {
        switch self {
        case .environment(let name): "{env: \"\(name)\"}"
        case .file(let path): "{file: \"\(path)\"}"
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }
}

public struct SecretError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension Configuration {
    /// The configuration file's name in a working directory.
    public static let fileName = "breachmail.yaml"

    /// Reads and validates `breachmail.yaml`.
    ///
    /// - Throws: ``FileProblems`` with every invalid key, its line and the expected value.
    public static func load(_ url: URL) throws(FileProblems) -> Configuration {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw FileProblems([FileProblem(file: url.path, line: nil, key: "",
                                            message: "cannot be read; run `breachmail init DIR` to create a working directory, or pass --dir.")])
        }
        return try parse(text, file: url.path)
    }

    public static func parse(_ text: String, file: String) throws(FileProblems) -> Configuration {
        let document = YAMLDocument(file: file)
        guard let root = document.root(text) else { throw FileProblems(document.problems) }
        let config = read(root)
        root.finish()
        try document.throwIfProblems()
        guard let config else { throw FileProblems([FileProblem(file: file, line: nil, key: "", message: "is incomplete.")]) }
        return config
    }

    /// Reads `breachmail.yaml` for a command that sends nothing (`status`, `incident show`, the
    /// exports): problems in the `mail` section are returned instead of thrown, and the mail
    /// settings of the result must not be used; a problem anywhere else throws as ``load(_:)``.
    ///
    /// - Throws: ``FileProblems`` with every problem when one is outside `mail`.
    public static func loadForReading(_ url: URL) throws(FileProblems) -> (configuration: Configuration, mailProblems: [FileProblem]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return (try load(url), []) }
        let document = YAMLDocument(file: url.path)
        guard let root = document.root(text) else { throw FileProblems(document.problems) }
        let config = read(root, lenientMail: true)
        root.finish()
        let mailProblems = document.problems.filter { $0.key == "mail" || $0.key.hasPrefix("mail.") }
        guard mailProblems.count == document.problems.count, let config else { throw FileProblems(document.problems) }
        return (config, mailProblems)
    }

    private static func read(_ r: MappingReader, lenientMail: Bool = false) -> Configuration? {
        var controller: Controller?
        if let c = r.mapping("controller", required: true, expected: "the controller's identity (name, country…)") {
            let name = c.text("name", required: true, expected: "the organisation's legal name")
            let country = countryCode(c, "country", required: true)
            var representative: Person?
            if let l = c.mapping("legal_representative") {
                representative = person(l)
            }
            let registration = c.text("registration") ?? "", address = c.text("address") ?? ""
            let sector = c.text("sector") ?? "", incidentPage = c.text("incident_page") ?? ""
            if let name, let country {
                controller = Controller(
                    name: name, registration: registration, address: address, country: country, sector: sector,
                    incidentPage: incidentPage, legalRepresentative: representative)
            }
            c.finish()
        }
        var dpo: Person?
        if let d = r.mapping("dpo", required: true, expected: "the DPO or contact point (name, email, phone)") {
            dpo = person(d)
        }
        let timeZone = r.text("time_zone") ?? "UTC"
        if TimeZone(identifier: timeZone) == nil {
            r.document.report(line: r.lineOf("time_zone"), "time_zone",
                              "\"\(timeZone)\" is not a known IANA time zone; use e.g. Europe/Luxembourg.")
        }
        var storage = Storage()
        if let s = r.mapping("storage") {
            storage.register = s.text("register") ?? storage.register
            storage.keyring = s.text("keyring") ?? storage.keyring
            storage.templates = s.text("templates") ?? storage.templates
            storage.password = secret(s, "password")
            if storage.register.hasPrefix("postgres"), URLComponents(string: storage.register)?.password != nil {
                s.document.report(line: s.lineOf("register"), s.keyPath("register"),
                                  "must not hold the database password; write it storage.password: {env: VARIABLE} or {file: path/to/file}.")
            }
            s.finish()
        }
        let mail = readMail(r.mapping("mail", required: true, expected: "the mail settings (from, transport…)"))
        var authorities: [Authority] = []
        for a in r.mappings("authorities") {
            if let authority = readAuthority(a) {
                if authorities.contains(where: { $0.id == authority.id }) {
                    a.document.report(line: a.lineOf("id"), a.keyPath("id"), "\"\(authority.id)\" is used twice; ids must be unique.")
                }
                authorities.append(authority)
            }
        }
        var escalation = Escalation()
        if let e = r.mapping("escalation") {
            escalation.windowHours = e.int("window_hours", range: 1...(24 * 30), expected: "a number of hours between 1 and 720") ?? escalation.windowHours
            escalation.unreachableShare = e.double("unreachable_share", range: 0...1, expected: "a share between 0 and 1, e.g. 0.05") ?? escalation.unreachableShare
            escalation.unreachableCount = e.int("unreachable_count", range: 1...Int.max, expected: "a whole number, 1 or more") ?? escalation.unreachableCount
            escalation.senderSideShare = e.double("sender_side_share", range: 0...1, expected: "a share between 0 and 1, e.g. 0.02") ?? escalation.senderSideShare
            e.finish()
        }
        let controllers = readNotifiedControllers(r)
        let scheduler = readScheduler(r), responseTeam = readResponseTeam(r)
        let service = readService(r.mapping("service"))
        guard let controller, let dpo, let mail = mail ?? (lenientMail ? Mail(from: "", messageIDDomain: "") : nil) else { return nil }
        var configuration = Configuration(controller: controller, dpo: dpo, timeZone: timeZone, storage: storage, mail: mail,
                                          authorities: authorities, escalation: escalation)
        configuration.controllers = controllers
        configuration.scheduler = scheduler
        configuration.responseTeam = responseTeam
        configuration.service = service
        return configuration
    }

    private static func readService(_ s: MappingReader?) -> Service {
        var service = Service()
        guard let s else { return service }
        if let listen = s.text("listen") {
            if ListenAddress(listen) == nil {
                s.document.report(line: s.lineOf("listen"), s.keyPath("listen"),
                                  "\"\(listen)\" is not HOST:PORT; write e.g. 127.0.0.1:8025 (or [::1]:8025), port 0 to 65535.")
            } else {
                service.listen = listen
            }
        }
        service.tlsCertificate = s.text("tls_certificate") ?? ""
        service.tlsKey = s.text("tls_key") ?? ""
        if service.tlsCertificate.isEmpty != service.tlsKey.isEmpty {
            let missing = service.tlsKey.isEmpty ? "tls_key" : "tls_certificate"
            s.document.report(line: s.lineOf(service.tlsKey.isEmpty ? "tls_certificate" : "tls_key"), s.keyPath(missing),
                              "is missing: give both tls_certificate and tls_key (PEM files), or neither to listen on loopback only.")
        }
        service.maxBodyBytes = s.int("max_body_bytes", range: 1024...(1 << 40), expected: "a number of bytes, 1024 or more") ?? service.maxBodyBytes
        service.leaseSeconds = s.double("lease_seconds", range: 1...3600, expected: "a number of seconds between 1 and 3600") ?? service.leaseSeconds
        s.finish()
        return service
    }

    static func person(_ p: MappingReader) -> Person? {
        let name = p.text("name", required: true, expected: "a name")
        let email = p.text("email", required: true, expected: "an e-mail address")
        if let email, !looksLikeAddress(email) {
            p.document.report(line: p.lineOf("email"), p.keyPath("email"), "\"\(email)\" is not an e-mail address; write it as name@example.org.")
        }
        let person = Person(name: name ?? "", function: p.text("function") ?? "", email: email ?? "", phone: p.text("phone") ?? "")
        p.finish()
        return name == nil || email == nil ? nil : person
    }

    private static func readMail(_ m: MappingReader?) -> Mail? {
        guard let m else { return nil }
        let from = m.text("from", required: true, expected: "the sender, e.g. Example SARL <dpo@example.lu>")
        let fromDomain = from.flatMap { f in f.split(separator: "@").last.map { String($0.filter { $0 != ">" }) } }
        var mail = Mail(from: from ?? "", messageIDDomain: m.text("message_id_domain") ?? fromDomain ?? "")
        if let from, !looksLikeAddress(from) {
            m.document.report(line: m.lineOf("from"), m.keyPath("from"), "\"\(from)\" holds no e-mail address; write Name <address@domain>.")
        }
        if let transport = m.text("transport") {
            mail.transport = transport
            let ok = transport.hasPrefix("smtp://") || transport.hasPrefix("smtps://")
                || (transport.hasPrefix("outbox:") && transport.count > 7)
            if !ok {
                m.document.report(line: m.lineOf("transport"), m.keyPath("transport"),
                                  "\"\(transport)\" is not a transport; use smtp://host:port, smtps://host:port or outbox:DIR.")
            }
        }
        mail.username = m.text("username") ?? ""
        mail.password = secret(m, "password")
        mail.connections = m.int("connections", range: 1...64, expected: "a number of connections between 1 and 64") ?? mail.connections
        mail.ratePerSecond = m.double("rate_per_second", range: 0...100_000, expected: "messages per second, 0 for no limit") ?? mail.ratePerSecond
        mail.messagesPerConnection = m.int("messages_per_connection", range: 1...100_000, expected: "a whole number, 1 or more") ?? mail.messagesPerConnection
        mail.caFile = m.text("ca_file") ?? ""
        mail.allowPlaintextLoopback = m.bool("allow_plaintext_loopback") ?? false
        if let b = m.mapping("bounces") {
            mail.bounceDomain = b.text("domain") ?? ""
            mail.bouncePrefix = b.text("prefix") ?? mail.bouncePrefix
            mail.bounceSecret = secret(b, "secret")
            if let i = b.mapping("imap") { mail.bounceIMAP = readIMAPMailbox(i) }
            b.finish()
        }
        if let g = m.mapping("signing") {
            let keyFile = g.text("key_file", required: true, expected: "the controller's armored secret key file")
            let fingerprint = normalisedFingerprint(g, "fingerprint", required: true)
            let passphrase = secret(g, "passphrase")
            g.finish()
            if let keyFile, let fingerprint {
                mail.signing = Signing(keyFile: keyFile, fingerprint: fingerprint, passphrase: passphrase)
            }
        }
        m.finish()
        return mail
    }

    private static func readAuthority(_ a: MappingReader) -> Authority? {
        let id = a.text("id", required: true, expected: "a short identifier, e.g. cnpd")
        let name = a.text("name", required: true, expected: "the authority's name")
        let country = countryCode(a, "country", required: true)
        let channel = a.choice("channel", Authority.Channel.self, required: true)
        guard let id, let name, let country, let channel else {
            // Still mark the other keys as known, so that only the real problems are reported.
            for key in ["address", "key_file", "fingerprint", "portal_url", "languages"] { _ = a.value(key) }
            a.finish()
            return nil
        }
        var authority = Authority(id: id, name: name, country: country, channel: channel)
        authority.address = a.text("address") ?? ""
        authority.keyFile = a.text("key_file") ?? ""
        authority.fingerprint = normalisedFingerprint(a, "fingerprint", required: false) ?? ""
        authority.portalURL = a.text("portal_url") ?? ""
        let languages = a.texts("languages")
        if !languages.isEmpty { authority.languages = languages }
        switch channel {
        case .emailPGP, .email:
            if authority.address.isEmpty { a.missing("address", "the authority's notification address for the \(channel.rawValue) channel") }
        case .portal:
            if authority.portalURL.isEmpty { a.missing("portal_url", "the address of the authority's online form") }
        }
        if channel == .emailPGP && authority.keyFile.isEmpty {
            a.missing("key_file", "the file holding the authority's public key (armored)")
        }
        a.finish()
        return authority
    }

    /// A fingerprint without spaces, upper case; empty is allowed unless `required`.
    static func normalisedFingerprint(_ r: MappingReader, _ key: String, required: Bool) -> String? {
        let fingerprint = (r.text(key, required: required, expected: "the key's full fingerprint, 40 hexadecimal digits") ?? "")
            .replacingOccurrences(of: " ", with: "").uppercased()
        if !fingerprint.isEmpty && (fingerprint.count != 40 || !fingerprint.allSatisfy(\.isHexDigit)) {
            r.document.report(line: r.lineOf(key), r.keyPath(key),
                              "must be the key's full fingerprint, 40 hexadecimal digits (gpg --with-fingerprint), got \(fingerprint.count) characters.")
            return nil
        }
        return fingerprint.isEmpty && required ? nil : fingerprint
    }

    private static func countryCode(_ r: MappingReader, _ key: String, required: Bool) -> String? {
        guard let code = r.text(key, required: required, expected: "a two-letter country code (ISO 3166), e.g. LU") else { return nil }
        guard code.count == 2, code.allSatisfy(\.isLetter) else {
            r.document.report(line: r.lineOf(key), r.keyPath(key), "\"\(code)\" is not a two-letter country code (ISO 3166), e.g. LU or FR.")
            return nil
        }
        return code.uppercased()
    }

    /// Reads `{env: NAME}` or `{file: PATH}`; an inline value is refused so that no secret lives in the file.
    static func secret(_ r: MappingReader, _ key: String) -> SecretReference? {
        guard let node = r.value(key) else { return nil }
        guard case .mapping = node, let s = r.mapping(key) else {
            r.document.report(line: r.lineOf(key), r.keyPath(key),
                              "must not hold the secret itself; write {env: VARIABLE} or {file: path/to/file}.")
            return nil
        }
        let env = s.text("env"), file = s.text("file")
        s.finish()
        switch (env, file) {
        case (let e?, nil) where !e.isEmpty: return .environment(e)
        case (nil, let f?) where !f.isEmpty: return .file(f)
        default:
            r.document.report(line: r.lineOf(key), r.keyPath(key), "must name exactly one of env or file, e.g. {env: BREACHMAIL_SMTP_PASSWORD}.")
            return nil
        }
    }

    static func looksLikeAddress(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        return at != text.startIndex && text[text.index(after: at)...].contains(".")
    }
}
