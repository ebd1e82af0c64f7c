-- +goose Up
-- The request each decision answered, so a log entry and the server's log
-- lines about the same request can be found from one another.
ALTER TABLE decision_log ADD COLUMN request_id VARCHAR(128);

-- Decision log entries the store refused for their content (a value it cannot
-- hold), kept byte for byte with the reason instead of blocking the entries
-- behind them. BYTEA holds what TEXT and JSONB cannot, NUL included.
CREATE TABLE decision_log_rejected (
    seq          BIGSERIAL   PRIMARY KEY,
    decision_id  VARCHAR(36),
    rejected_at  TIMESTAMP   NOT NULL,
    reason       TEXT        NOT NULL,
    record       BYTEA       NOT NULL
);
