-- Daily account health snapshots, for trends and the at-risk drop rule.
CREATE TABLE health_snapshots (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day         DATE NOT NULL,
    score       BIGINT NOT NULL,
    reasons     JSONB NOT NULL,
    PRIMARY KEY (account_id, day)
);
