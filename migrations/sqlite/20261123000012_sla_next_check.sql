-- The SLA sweep over due tickets only (issue #10). `sla_next_check_at`: the next instant the
-- ticket's SLA clocks can warn or breach, as last computed by a sweep; every change that can
-- move the clocks sets it to the change's time (due now); NULL: nothing can happen until the
-- ticket changes. `sla_stamp` counts those changes, so a sweep writes its result only on a
-- ticket nothing changed since it was read. Keep in step with migrations/postgres.
ALTER TABLE tickets ADD COLUMN sla_next_check_at TEXT;
ALTER TABLE tickets ADD COLUMN sla_stamp INTEGER NOT NULL DEFAULT 0;
-- The sweep's query: active tickets (a list of statuses) due by now.
CREATE INDEX tickets_sla_next_check ON tickets(status, sla_next_check_at);
