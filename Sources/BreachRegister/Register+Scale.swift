import GRDB

/// The indexes that keep every command linear in the people it touches (issue 18), whatever the
/// size of the register. `Tests/BreachCLITests/QueryPlanCLITests.swift` checks the plan of every
/// statement the register runs against them.
extension Register {
    static func registerScaleMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-scale") { db in
            try db.execute(sql: """
                -- The pages of an incident's people in id order (notify's feed, dry run, preview, the
                -- walks of public-notice): without it each page sorted the whole incident.
                CREATE INDEX subject_incident ON subject(incident_id, id);
                -- Reach counts the submitted notices whose retry window is still open, and the end of
                -- the last window, from this index alone; only submitted people are in it.
                CREATE INDEX subject_submitted ON subject(incident_id, updated_at, state) WHERE state = 'submitted';
                -- A bounce without a VERP token names the Message-ID of the returned notice.
                CREATE INDEX subject_message ON subject(message_id) WHERE message_id IS NOT NULL;
                -- Each person's bounces in the order they came (reach, the public notice's evidence).
                CREATE INDEX bounce_credited ON bounce(incident_id, subject_id, received_at);
                DROP INDEX bounce_subject;
                -- The bounces under review of all incidents in id order (with an incident, bounce_review serves).
                CREATE INDEX bounce_under_review ON bounce(review) WHERE review IS NOT NULL;
                """)
        }
    }

    /// Only people without a usable address have a row key: the unique index on it, partial, no
    /// longer takes an entry for everybody else (a fifth of a large import's time, issue 18).
    /// SQLite cannot drop a table's UNIQUE constraint, so the table is rebuilt (its rows, ids and
    /// texts unchanged: the digest and the history stay as they were).
    static func registerRowKeyMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v13-subject-row-key") { db in
            let columns = """
                id, incident_id, import_entry, line, email, first_name, last_name, language, fields, state, state_reason,
                attempts, next_attempt_at, imported_at, updated_at, message_id, last_reply, row_key, first_attempt_at
                """
            try db.execute(sql: """
                CREATE TABLE subject_rebuilt (
                    id INTEGER PRIMARY KEY,
                    incident_id TEXT NOT NULL REFERENCES incident(id),
                    import_entry INTEGER NOT NULL,
                    line INTEGER NOT NULL,
                    email TEXT,
                    first_name TEXT,
                    last_name TEXT,
                    language TEXT NOT NULL,
                    fields TEXT NOT NULL DEFAULT '{}',
                    state TEXT NOT NULL DEFAULT 'queued',
                    state_reason TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT,
                    imported_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    message_id TEXT,
                    last_reply TEXT,
                    row_key TEXT,
                    first_attempt_at TEXT,
                    UNIQUE (incident_id, email)
                );
                INSERT INTO subject_rebuilt (\(columns)) SELECT \(columns) FROM subject ORDER BY id;
                DROP TABLE subject;
                ALTER TABLE subject_rebuilt RENAME TO subject;
                CREATE UNIQUE INDEX subject_row_key ON subject(incident_id, row_key) WHERE row_key IS NOT NULL;
                CREATE INDEX subject_state ON subject(incident_id, state, id);
                CREATE INDEX subject_incident ON subject(incident_id, id);
                CREATE INDEX subject_submitted ON subject(incident_id, updated_at, state) WHERE state = 'submitted';
                CREATE INDEX subject_message ON subject(message_id) WHERE message_id IS NOT NULL;
                """)
        }
    }
}
