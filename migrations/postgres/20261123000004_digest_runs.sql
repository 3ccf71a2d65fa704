-- Scheduled digests: one row per digest and slot (the cron time it is for). The primary key
-- decides which replica posts a slot: the one whose INSERT ... ON CONFLICT DO NOTHING adds
-- the row, in the same transaction as the digest's messages go into the outbox.
-- Keep in step with migrations/sqlite.
CREATE TABLE digest_runs (
    name        TEXT NOT NULL,
    slot        TIMESTAMPTZ NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL,
    -- When its messages were queued; NULL for a slot passed over (it came before the digest
    -- was first scheduled, or a later slot was posted in its place after downtime).
    posted_at   TIMESTAMPTZ,
    -- Posted after its time because baton was not running (or could not post) then.
    late        BOOLEAN NOT NULL DEFAULT FALSE,
    -- Messages queued for the slot.
    messages    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (name, slot)
);
