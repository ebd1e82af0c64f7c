-- +goose Up
-- The request each decision answered, so a log entry and the server's log
-- lines about the same request can be found from one another.
ALTER TABLE decision_log ADD COLUMN request_id VARCHAR(128);

-- Decision log entries the store refused for their content, kept byte for
-- byte with the reason instead of blocking the entries behind them.
CREATE TABLE decision_log_rejected (
    seq          INTEGER     PRIMARY KEY AUTOINCREMENT,
    decision_id  VARCHAR(36),
    rejected_at  TIMESTAMP   NOT NULL,
    reason       TEXT        NOT NULL,
    record       BLOB        NOT NULL
);
