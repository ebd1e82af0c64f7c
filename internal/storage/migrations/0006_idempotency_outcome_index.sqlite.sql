-- +goose Up
-- Answers of creating requests sent with an Idempotency-Key, so a client's
-- retry gets the first answer instead of creating twice. status is 0 while
-- the first request runs; body_hash is known once it has read the body.
-- (SQLite has no index for JSON containment; outcome searches there scan.)
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
