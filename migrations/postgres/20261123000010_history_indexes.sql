-- Indexes for the passes over a large history (issue #10): digests and the health pass load
-- the tickets opened or changed since a point in time, and the active ones.
CREATE INDEX tickets_opened_at ON tickets(opened_at);
-- Covering: the tickets with an event since a time, without reading the events.
CREATE INDEX ticket_events_occurred ON ticket_events(occurred_at, ticket_id);
