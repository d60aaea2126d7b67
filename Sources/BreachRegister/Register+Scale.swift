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
}
