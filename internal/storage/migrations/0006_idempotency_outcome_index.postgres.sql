-- +goose Up
-- Answers of creating requests sent with an Idempotency-Key, so a client's
-- retry gets the first answer instead of creating twice. status is 0 while
-- the first request runs; body_hash is known once it has read the body.
CREATE TABLE idempotency_keys (
    caller     VARCHAR(100) NOT NULL,
    key        VARCHAR(255) NOT NULL,
    body_hash  VARCHAR(64)  NOT NULL DEFAULT '',
    status     INTEGER      NOT NULL DEFAULT 0,
    response   TEXT         NOT NULL DEFAULT '',
    created_at TIMESTAMP    NOT NULL,
    expires_at TIMESTAMP    NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

-- Decision log searches by outcome (grade:B, accept:false) are containment
-- queries (result @> '{"grade":"B"}'); jsonb_path_ops indexes exactly those,
-- smaller than the default operator class. Created on the partitioned parent,
-- every monthly partition, present and future, gets its own.
CREATE INDEX decision_log_result ON decision_log USING gin (result jsonb_path_ops);
