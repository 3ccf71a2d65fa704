-- Small named values baton keeps about itself (issue #10). `sla_rules`: the fingerprint of
-- the SLA rules the tickets' `sla_next_check_at` were last all computed with, so a restart
-- with the same rules sweeps only the due tickets. Keep in step with migrations/postgres.
CREATE TABLE bot_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
