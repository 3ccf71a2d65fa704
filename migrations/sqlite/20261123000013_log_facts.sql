-- Facts of each ticket's log that bulk readers need without the log (issue #10: the at-risk
-- digest and the daily health pass read 100,000 active tickets): `unanswered`, the customer
-- messages since the last agent message, and `escalation_level`, the level of the last
-- escalation or de-escalation (0: none). Every append of events moves them in the same
-- statement that updates the ticket (`LogFactsChange` in bot/src/domain). Existing tickets
-- get them from their logs here. Keep in step with migrations/postgres.
ALTER TABLE tickets ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET
    unanswered = (
        SELECT COUNT(*) FROM ticket_events c
        WHERE c.ticket_id = tickets.id AND c.kind = 'customer_message'
          AND c.id > COALESCE((SELECT MAX(a.id) FROM ticket_events a
                               WHERE a.ticket_id = tickets.id AND a.kind = 'agent_message'), 0)),
    escalation_level = COALESCE((
        SELECT CAST(json_extract(e.data, '$.level') AS INTEGER) FROM ticket_events e
        WHERE e.ticket_id = tickets.id AND e.kind IN ('escalated', 'deescalated')
        ORDER BY e.id DESC LIMIT 1), 0)
WHERE id IN (SELECT ticket_id FROM ticket_events WHERE kind IN ('customer_message', 'escalated', 'deescalated'));
