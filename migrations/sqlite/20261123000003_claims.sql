-- Leases so that several replicas never handle the same inbound event or deliver the same
-- message at the same time: a row is claimed until this time.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE inbound_events ADD COLUMN claimed_until TEXT;
