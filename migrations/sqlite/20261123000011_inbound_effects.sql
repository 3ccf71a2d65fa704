-- Exactly-once handling of inbound events: each write an event's handling commits is
-- recorded here, in the write's own transaction, under (event, step). When a replica dies
-- after some of those commits but before the event is marked processed, the event is
-- handled again and the steps found here are not repeated. Rows go when the event is
-- marked processed.
CREATE TABLE inbound_effects (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    step       INTEGER NOT NULL,
    ticket_id  INTEGER,
    PRIMARY KEY (platform, event_id, step)
);
