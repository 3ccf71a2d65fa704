-- Daily account health snapshots, for trends and the at-risk drop rule.
CREATE TABLE health_snapshots (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    score       INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    PRIMARY KEY (account_id, day)
);
