-- Baton's schema on SQLite. Times are RFC 3339 text in UTC (sqlx's chrono encoding),
-- JSON is text. Keep in step with migrations/postgres.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    tier          TEXT NOT NULL,
    arr           INTEGER,
    currency      TEXT,
    renewal_date  TEXT,
    csm           TEXT,
    key_prefix    TEXT,
    locale        TEXT,
    signals       TEXT NOT NULL DEFAULT '{}',
    updated_at    TEXT NOT NULL
);

-- A channel belongs to at most one account.
CREATE TABLE account_channels (
    platform    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (platform, channel)
);
CREATE INDEX account_channels_account ON account_channels(account_id);

CREATE TABLE people (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL,
    email       TEXT,
    account_id  TEXT,
    manager     TEXT,
    locale      TEXT,
    time_zone   TEXT,
    updated_at  TEXT NOT NULL
);

-- A person's user id on each platform.
CREATE TABLE person_handles (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    PRIMARY KEY (platform, user_id),
    UNIQUE (person_id, platform)
);

-- Last ticket number handed out per key prefix.
CREATE TABLE ticket_counters (
    prefix  TEXT PRIMARY KEY NOT NULL,
    last    INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    key                TEXT NOT NULL UNIQUE,
    account_id         TEXT,
    requester_platform TEXT NOT NULL,
    requester_user     TEXT NOT NULL,
    requester_name     TEXT NOT NULL,
    requester_person   TEXT,
    title              TEXT NOT NULL,
    status             TEXT NOT NULL,
    priority           TEXT NOT NULL,
    assignee           TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    origin_platform    TEXT NOT NULL,
    origin_channel     TEXT NOT NULL,
    origin_message     TEXT,
    origin_thread      TEXT,
    card_message       TEXT,
    opened_at          TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    follow_up_of       INTEGER REFERENCES tickets(id),
    version            INTEGER NOT NULL DEFAULT 0,
    -- Opening twice from the same message yields one ticket.
    UNIQUE (origin_platform, origin_channel, origin_message)
);
CREATE INDEX tickets_thread ON tickets(origin_platform, origin_channel, origin_thread);
CREATE INDEX tickets_account_status ON tickets(account_id, status);
CREATE INDEX tickets_status ON tickets(status, updated_at);

-- Tags, one row each, for counting tickets and accounts per tag (the JSON copy on the
-- ticket is what loads with it).
CREATE TABLE ticket_tags (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags(tag);

-- The append-only event log every metric is computed from.
CREATE TABLE ticket_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    INTEGER NOT NULL REFERENCES tickets(id),
    kind         TEXT NOT NULL,
    data         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
CREATE INDEX ticket_events_kind_time ON ticket_events(kind, occurred_at);

-- Inbound events, recorded before they are acknowledged; de-duplicated by platform id.
CREATE TABLE inbound_events (
    platform      TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    error         TEXT,
    PRIMARY KEY (platform, event_id)
);
CREATE INDEX inbound_events_pending ON inbound_events(processed_at, received_at);

-- Everything baton posts, written in the same transaction as the change that caused it.
CREATE TABLE outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    platform           TEXT NOT NULL,
    message            TEXT NOT NULL,
    ticket_id          INTEGER REFERENCES tickets(id),
    purpose            TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT NOT NULL,
    delivered_at       TEXT,
    delivered_message  TEXT,
    last_error         TEXT,
    dead               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox(delivered_at, dead, next_attempt_at);
