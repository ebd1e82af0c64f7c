-- +goose Up
-- The decision log's batches are chained (internal/decisionlog/chain.go):
-- each row keeps the batch it was written in and the hash of its content;
-- each batch, how many rows it wrote, the root over their hashes and the
-- previous batch's hash. Rows logged before this migration have no batch.
ALTER TABLE decision_log ADD COLUMN batch BIGINT;
ALTER TABLE decision_log ADD COLUMN entry_hash VARCHAR(64);
CREATE INDEX decision_log_batch ON decision_log (batch);
CREATE TABLE decision_log_batches (
    seq          BIGINT      PRIMARY KEY,
    written_at   TIMESTAMP   NOT NULL,
    entries      INTEGER     NOT NULL,
    first_logged TIMESTAMP   NOT NULL,
    last_logged  TIMESTAMP   NOT NULL,
    root         VARCHAR(64) NOT NULL,
    prev         VARCHAR(64) NOT NULL,
    hash         VARCHAR(64) NOT NULL
);
-- Where retention last cut the log: rows logged before cut_before are gone,
-- and with them the batches up to last_seq, whose hash the chain goes on from.
CREATE TABLE decision_log_chain_cut (
    id         INTEGER     PRIMARY KEY,
    cut_before TIMESTAMP   NOT NULL,
    last_seq   BIGINT      NOT NULL,
    last_hash  VARCHAR(64) NOT NULL
);
