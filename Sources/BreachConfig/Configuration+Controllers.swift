public import BreachCore

extension Configuration {
    /// A controller this organisation processes data for, as a processor, and how it takes the
    /// processor's breach notice (GDPR Art. 33(2): "without undue delay after becoming aware").
    public struct NotifiedController: Sendable, Equatable {
        public enum Channel: String, Sendable, CaseIterable {
            /// E-mail encrypted to the controller's pinned key (as an authority's `email-pgp`).
            case emailPGP = "email-pgp"
            /// Plain e-mail, only where configured explicitly.
            case email
            /// A file written into `folder`, to hand over by another way (a portal, a secure exchange).
            case file
        }
        public var id: String
        /// The controller's name, as the notice addresses it.
        public var name: String
        /// The person at the controller who receives the notice (often its DPO).
        public var contact: Person
        public var channel: Channel
        /// Where the notice goes by e-mail; default: the contact's address.
        public var address: String = ""
        public var keyFile: String = ""
        /// Full 40-hex-digit OpenPGP fingerprint, spaces removed, upper case; empty until filled in.
        public var fingerprint: String = ""
        /// For the `file` channel: the folder the notice is written into (relative to the working directory).
        public var folder: String = ""
        public var languages: [String] = ["fr"]

        public init(id: String, name: String, contact: Person, channel: Channel) {
            self.id = id
            self.name = name
            self.contact = contact
            self.channel = channel
        }
    }

    /// The configured controller whose id (case-insensitive) or name is `name`.
    public func notifiedController(_ name: String) -> NotifiedController? {
        controllers.first { $0.id.lowercased() == name.lowercased() || $0.name == name }
    }

    static func readNotifiedControllers(_ r: MappingReader) -> [NotifiedController] {
        var controllers: [NotifiedController] = []
        for c in r.mappings("controllers") {
            guard let controller = readNotifiedController(c) else { continue }
            if controllers.contains(where: { $0.id.lowercased() == controller.id.lowercased() }) {
                c.document.report(line: c.lineOf("id"), c.keyPath("id"), "\"\(controller.id)\" is used twice; ids must be unique.")
            }
            controllers.append(controller)
        }
        return controllers
    }

    private static func readNotifiedController(_ c: MappingReader) -> NotifiedController? {
        let id = c.text("id", required: true, expected: "a short identifier, e.g. acme")
        let name = c.text("name", required: true, expected: "the controller's legal name")
        var contact: Person?
        if let p = c.mapping("contact", required: true, expected: "the person to notify at the controller (name, email, phone)") {
            contact = person(p)
        }
        let channel = c.choice("channel", NotifiedController.Channel.self, required: true)
        let address = c.text("address") ?? ""
        let keyFile = c.text("key_file") ?? ""
        let fingerprint = normalisedFingerprint(c, "fingerprint", required: false) ?? ""
        let folder = c.text("folder") ?? ""
        let languages = c.texts("languages")
        if !address.isEmpty, !looksLikeAddress(address) {
            c.document.report(line: c.lineOf("address"), c.keyPath("address"), "\"\(address)\" is not an e-mail address; write it as name@example.org.")
        }
        if let channel {
            switch channel {
            case .emailPGP:
                if keyFile.isEmpty { c.missing("key_file", "the file holding the controller's public key (armored)") }
            case .email:
                break
            case .file:
                if folder.isEmpty { c.missing("folder", "the folder the notice is written into, to hand over, e.g. handover/acme") }
            }
        }
        c.finish()
        guard let id, let name, let contact, let channel else { return nil }
        var controller = NotifiedController(id: id, name: name, contact: contact, channel: channel)
        controller.address = address.isEmpty ? contact.email : address
        controller.keyFile = keyFile
        controller.fingerprint = fingerprint
        controller.folder = folder
        if !languages.isEmpty { controller.languages = languages }
        return controller
    }
}
