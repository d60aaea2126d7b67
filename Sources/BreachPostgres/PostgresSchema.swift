import BreachRegister

/// The register's tables in PostgreSQL: the SQLite register's (`Register.swift` and its
/// migrations), column for column, so that `register migrate` copies rows verbatim and the
/// history's hashes and the people's digest are computed from the same texts. Times stay RFC 3339
/// text in UTC, compared byte by byte (`COLLATE "C"`, as SQLite compares them).
///
/// Applied migrations are rows of `schema_migrations`; a register with a migration this
/// breachmail does not know was written by a newer version and is refused.
enum PostgresSchema {
    /// The key of the advisory lock every transaction that appends to the history takes first, so
    /// that appends are serialised across every process: "breachmail history" in ASCII, truncated.
    static let historyLock: Int64 = 0x6272_6561_6368_6D61

    /// The advisory lock held by an import into an incident while it runs (the SQLite register's
    /// incident lock file): a lock that is free tells that an unfinished import's process died.
    static func importLock(_ incidentID: String) -> Int64 {
        // FNV-1a of the incident id, in a namespace apart from the history's lock.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "breachmail import \(incidentID)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int64(bitPattern: hash & 0x7FFF_FFFF_FFFF_FFFF)
    }

    private static let text = "TEXT COLLATE \"C\""

    /// Each migration's id and statements, in order.
    static let migrations: [(id: String, sql: String)] = [
        ("pg1-register", """
            CREATE TABLE history (
                sequence BIGINT PRIMARY KEY,
                recorded_at \(text) NOT NULL,
                actor \(text) NOT NULL,
                kind \(text) NOT NULL,
                incident_id \(text),
                version BIGINT,
                payload \(text) NOT NULL,
                payload_hash \(text) NOT NULL,
                previous_hash \(text) NOT NULL,
                entry_hash \(text) NOT NULL
            );
            CREATE INDEX history_incident ON history(incident_id, kind);
            CREATE FUNCTION breachmail_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the register history is append-only'; END $$;
            CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
                FOR EACH ROW EXECUTE FUNCTION breachmail_history_append_only();
            CREATE TRIGGER history_append_only_truncate BEFORE TRUNCATE ON history
                FOR EACH STATEMENT EXECUTE FUNCTION breachmail_history_append_only();
            CREATE TABLE incident (
                id \(text) PRIMARY KEY,
                version BIGINT NOT NULL,
                title \(text) NOT NULL,
                awareness \(text) NOT NULL,
                due_at DOUBLE PRECISION NOT NULL,
                opened_at \(text) NOT NULL,
                updated_at \(text) NOT NULL,
                content \(text) NOT NULL
            );
            CREATE TABLE notification (
                id BIGSERIAL PRIMARY KEY,
                incident_id \(text) NOT NULL REFERENCES incident(id),
                authority_id \(text) NOT NULL,
                phase \(text) NOT NULL CHECK (phase IN ('initial', 'complementary')),
                channel \(text) NOT NULL,
                status \(text) NOT NULL CHECK (status IN ('sent', 'prepared', 'recorded', 'refused')),
                recorded_at \(text) NOT NULL,
                message_id \(text) NOT NULL,
                plaintext_sha256 \(text) NOT NULL,
                sent_sha256 \(text) NOT NULL,
                authority_reference \(text) NOT NULL,
                delivered_to \(text) NOT NULL,
                refusal_kind \(text) NOT NULL,
                reason \(text) NOT NULL,
                history_sequence BIGINT NOT NULL REFERENCES history(sequence) DEFERRABLE INITIALLY DEFERRED
            );
            CREATE INDEX notification_incident ON notification(incident_id, authority_id, phase);
            CREATE TABLE controller_notice (
                id BIGSERIAL PRIMARY KEY,
                incident_id \(text) NOT NULL REFERENCES incident(id),
                controller_id \(text) NOT NULL,
                channel \(text) NOT NULL,
                status \(text) NOT NULL CHECK (status IN ('sent', 'prepared', 'recorded', 'refused')),
                recorded_at \(text) NOT NULL,
                message_id \(text) NOT NULL,
                plaintext_sha256 \(text) NOT NULL,
                sent_sha256 \(text) NOT NULL,
                reference \(text) NOT NULL,
                delivered_to \(text) NOT NULL,
                refusal_kind \(text) NOT NULL,
                reason \(text) NOT NULL,
                history_sequence BIGINT NOT NULL REFERENCES history(sequence) DEFERRABLE INITIALLY DEFERRED
            );
            CREATE INDEX controller_notice_incident ON controller_notice(incident_id, controller_id);
            CREATE TABLE subject (
                id BIGSERIAL PRIMARY KEY,
                incident_id \(text) NOT NULL REFERENCES incident(id),
                import_entry BIGINT NOT NULL,
                line BIGINT NOT NULL,
                email \(text),
                first_name \(text),
                last_name \(text),
                language \(text) NOT NULL,
                fields \(text) NOT NULL DEFAULT '{}',
                state \(text) NOT NULL DEFAULT 'queued',
                state_reason \(text),
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at \(text),
                imported_at \(text) NOT NULL,
                updated_at \(text) NOT NULL,
                message_id \(text),
                last_reply \(text),
                row_key \(text),
                first_attempt_at \(text),
                -- The worker holding a person in `sending`, and until when (seconds since 1970, the
                -- database's clock): past it, the worker is taken for dead and the person is claimed again.
                claimed_by \(text),
                claim_expires DOUBLE PRECISION,
                UNIQUE (incident_id, email),
                UNIQUE (incident_id, row_key)
            );
            CREATE INDEX subject_state ON subject(incident_id, state, id);
            CREATE INDEX subject_incident ON subject(incident_id, id);
            CREATE INDEX subject_submitted ON subject(incident_id, updated_at, state) WHERE state = 'submitted';
            CREATE INDEX subject_message ON subject(message_id) WHERE message_id IS NOT NULL;
            -- What a claim reads: only the people who may be claimed, so that marking outcomes
            -- (submitted, failed…) takes them out of it and no claim scans them.
            CREATE INDEX subject_claimable ON subject(incident_id, id) WHERE state IN ('queued', 'deferred', 'sending');
            CREATE TABLE subject_import (
                id BIGINT PRIMARY KEY,
                incident_id \(text) NOT NULL REFERENCES incident(id),
                after_id BIGINT NOT NULL,
                started_at \(text) NOT NULL
            );
            CREATE TABLE subject_digest (id BIGINT PRIMARY KEY CHECK (id = 1), lanes \(text) NOT NULL);
            INSERT INTO subject_digest (id, lanes) VALUES (1, '\(String(repeating: "0", count: 64))');
            CREATE TABLE bounce (
                id BIGSERIAL PRIMARY KEY,
                message_sha256 \(text) NOT NULL UNIQUE,
                incident_id \(text) REFERENCES incident(id),
                subject_id BIGINT REFERENCES subject(id),
                matched_by \(text) NOT NULL,
                received_at \(text) NOT NULL,
                kind \(text) NOT NULL,
                class \(text),
                reason \(text),
                status \(text),
                diagnostic \(text),
                report \(text) NOT NULL,
                review \(text),
                candidate_incident_id \(text) REFERENCES incident(id),
                candidate_subject_id BIGINT REFERENCES subject(id)
            );
            CREATE INDEX bounce_credited ON bounce(incident_id, subject_id, received_at);
            CREATE INDEX bounce_review ON bounce(review, candidate_incident_id);
            CREATE INDEX bounce_under_review ON bounce(review) WHERE review IS NOT NULL;
            CREATE TABLE register_setting (key \(text) PRIMARY KEY, value \(text) NOT NULL);
            CREATE TABLE api_token (
                name \(text) PRIMARY KEY,
                role \(text) NOT NULL,
                secret_sha256 \(text) NOT NULL UNIQUE,
                created_at \(text) NOT NULL,
                created_by \(text) NOT NULL,
                last_used_at \(text),
                revoked_at \(text),
                revoked_by \(text)
            );
            CREATE TABLE service_lease (
                name \(text) PRIMARY KEY,
                holder \(text) NOT NULL,
                host \(text) NOT NULL,
                pid BIGINT NOT NULL,
                acquired_at DOUBLE PRECISION NOT NULL,
                renewed_at DOUBLE PRECISION NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE scheduled_duty (
                id BIGSERIAL PRIMARY KEY,
                incident_id \(text) NOT NULL,
                duty \(text) NOT NULL,
                key \(text) NOT NULL,
                value \(text) NOT NULL DEFAULT '',
                claimed_at \(text) NOT NULL,
                claims BIGINT NOT NULL DEFAULT 1,
                done_at \(text),
                outcome \(text),
                UNIQUE (incident_id, duty, key)
            );
            CREATE TABLE scheduler_mark (name \(text) PRIMARY KEY, at \(text) NOT NULL);
            """),
        // The workers' outcome journal: each outcome committed as the message goes (one INSERT,
        // no history entry), folded into the people about once a second with one
        // `subjects.digest` entry (the SQLite register's journal file, in the database).
        ("pg2-outcome-journal", """
            CREATE TABLE subject_outcome (
                seq BIGSERIAL PRIMARY KEY,
                worker \(text) NOT NULL,
                subject_id BIGINT NOT NULL,
                from_states \(text),
                state \(text) NOT NULL,
                reason \(text),
                attempts BIGINT NOT NULL,
                next_attempt_at \(text),
                first_attempt_at \(text),
                message_id \(text),
                last_reply \(text),
                stamp \(text) NOT NULL
            );
            """),
        // The relays' shared rate: the next free turn to send to each (seconds since 1970, on
        // the database's clock), moved on by every worker's reservation.
        ("pg3-send-turns", """
            CREATE TABLE send_turn (relay \(text) PRIMARY KEY, next_turn DOUBLE PRECISION NOT NULL);
            """),
        // Only people without a usable address have a row key: the unique index on it, partial, no
        // longer takes an entry for everybody else — at every import, claim and outcome, since an
        // update that moves a person writes an entry in each of its table's indexes.
        ("pg4-subject-row-key", """
            CREATE UNIQUE INDEX subject_row_key ON subject(incident_id, row_key) WHERE row_key IS NOT NULL;
            ALTER TABLE subject DROP CONSTRAINT subject_incident_id_row_key_key;
            """),
    ]

    /// The tables a copy of a register carries, parents before children, with their columns.
    static let tables = ["history", "incident", "notification", "controller_notice", "subject", "subject_import", "subject_digest",
                         "bounce", "register_setting", "api_token", "service_lease", "scheduled_duty", "scheduler_mark"]

    /// Brings the database to the current schema, or refuses one from a newer breachmail.
    /// Migrations run in one transaction under the history's lock: two processes opening a new
    /// register at once apply them once.
    static func migrate(_ session: PostgresSession) throws(RegisterError) {
        try session.write {
            try session.execute("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT COLLATE \"C\" PRIMARY KEY, applied_at TEXT NOT NULL)")
            let applied = Set(try session.query("SELECT id FROM schema_migrations").map { try $0["id"] as String })
            let known = Set(migrations.map(\.id))
            let unknown = applied.subtracting(known).sorted()
            if !unknown.isEmpty { throw RegisterError.newer(session.location.description, unknown) }
            for migration in migrations where !applied.contains(migration.id) {
                try session.script(migration.sql)
                try session.execute("INSERT INTO schema_migrations (id, applied_at) VALUES ($1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))",
                                    [migration.id])
            }
        }
    }
}
