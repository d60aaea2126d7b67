extension Configuration {
    /// When the scheduler (`breachmail serve`, `breachmail scheduler tick`) acts: `scheduler:` in
    /// `breachmail.yaml`. Every key is optional.
    public struct SchedulerSettings: Sendable, Equatable {
        /// Seconds between two ticks of the service. Default 60.
        public var intervalSeconds: Int = 60
        /// Seconds between two reads of the bounce mailbox (`mail.bounces.imap`). Default 300.
        public var bouncePollSeconds: Int = 300
        /// Hours before the 72-hour deadline at which the DPO is reminded, while an authority is
        /// not notified. Default 24 and 6; the deadline passing is always told.
        public var reminderHours: [Int] = [24, 6]
        /// Seconds after which a duty claimed but not marked done (its process died between the
        /// claim and the mark) is taken again. Default 600.
        public var claimTimeoutSeconds: Int = 600
        /// The mailbox where the authorities' answers arrive (the DPO's, since the notification
        /// answers to `dpo.email`), read for their acknowledgements; nil: not read. Read every
        /// `bounce_poll_seconds`, nothing moved, deleted or marked read.
        public var acknowledgements: BounceIMAP?
        public init() {}
    }

    /// One member of the response team, told when an incident is opened or its decision changes
    /// (`response_team:` in `breachmail.yaml`).
    public struct ResponseTeamMember: Sendable, Equatable {
        public enum Role: String, Sendable, CaseIterable {
            case it, legal, communication
        }
        public var name: String
        public var email: String
        public var role: Role

        public init(name: String, email: String, role: Role) {
            self.name = name
            self.email = email
            self.role = role
        }
    }

    static func readScheduler(_ r: MappingReader) -> SchedulerSettings {
        var settings = SchedulerSettings()
        guard let s = r.mapping("scheduler") else { return settings }
        settings.intervalSeconds = s.int("interval_seconds", range: 1...86_400, expected: "a number of seconds between 1 and 86400, e.g. 60")
            ?? settings.intervalSeconds
        settings.bouncePollSeconds = s.int("bounce_poll_seconds", range: 10...86_400, expected: "a number of seconds between 10 and 86400, e.g. 300")
            ?? settings.bouncePollSeconds
        settings.claimTimeoutSeconds = s.int("claim_timeout_seconds", range: 60...86_400, expected: "a number of seconds between 60 and 86400, e.g. 600")
            ?? settings.claimTimeoutSeconds
        if let i = s.mapping("acknowledgements") { settings.acknowledgements = readIMAPMailbox(i) }
        if s.value("reminder_hours") != nil {
            var hours: [Int] = []
            for text in s.texts("reminder_hours") {
                guard let h = Int(text), (1...71).contains(h) else {
                    s.document.report(line: s.lineOf("reminder_hours"), s.keyPath("reminder_hours"),
                                      "\"\(text)\" is not a number of hours between 1 and 71; write e.g. [24, 6].")
                    continue
                }
                if !hours.contains(h) { hours.append(h) }
            }
            settings.reminderHours = hours.sorted(by: >)
        }
        s.finish()
        return settings
    }

    /// An IMAP mailbox (`mail.bounces.imap`, `scheduler.acknowledgements`): `url`, `username`,
    /// `password` by reference, `allow_plaintext_loopback`, `ca_file`; nil when url or username is missing (reported).
    static func readIMAPMailbox(_ i: MappingReader) -> BounceIMAP? {
        let url = i.text("url", required: true, expected: "the mailbox, e.g. imaps://imap.exemple.lu/INBOX")
        if let url, !(url.hasPrefix("imaps://") || url.hasPrefix("imap://")) {
            i.document.report(line: i.lineOf("url"), i.keyPath("url"),
                              "\"\(url)\" is not an IMAP mailbox; use imaps://host/INBOX (imap:// only to a loopback host with allow_plaintext_loopback).")
        }
        let username = i.text("username", required: true, expected: "the IMAP login")
        var imap = BounceIMAP(url: url ?? "", username: username ?? "", password: secret(i, "password"))
        imap.allowPlaintextLoopback = i.bool("allow_plaintext_loopback") ?? false
        imap.caFile = i.text("ca_file") ?? ""
        if imap.password == nil {
            i.document.report(line: i.lineOf("password"), i.keyPath("password"),
                              "the IMAP password is missing; give {env: VARIABLE} or {file: path}.")
        }
        i.finish()
        return url != nil && username != nil ? imap : nil
    }

    static func readResponseTeam(_ r: MappingReader) -> [ResponseTeamMember] {
        var team: [ResponseTeamMember] = []
        for m in r.mappings("response_team") {
            let name = m.text("name", required: true, expected: "the member's name")
            let email = m.text("email", required: true, expected: "the member's e-mail address")
            let role = m.choice("role", ResponseTeamMember.Role.self, required: true)
            if let email, !looksLikeAddress(email) {
                m.document.report(line: m.lineOf("email"), m.keyPath("email"), "\"\(email)\" is not an e-mail address; write it as name@example.org.")
            }
            m.finish()
            if let name, let email, let role, looksLikeAddress(email) { team.append(ResponseTeamMember(name: name, email: email, role: role)) }
        }
        return team
    }
}
