-- +goose Up
-- The audit log: one row per administrative action, each carrying the hash
-- of the row before it (internal/audit). Rows are only ever inserted: the
-- triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    seq          BIGINT       PRIMARY KEY,
    at           TIMESTAMP    NOT NULL,
    actor        VARCHAR(64)  NOT NULL,
    source       VARCHAR(128) NOT NULL DEFAULT '',
    request_id   VARCHAR(128) NOT NULL DEFAULT '',
    action       VARCHAR(64)  NOT NULL,
    object       VARCHAR(256) NOT NULL DEFAULT '',
    jurisdiction VARCHAR(6)   NOT NULL DEFAULT '',
    before_hash  VARCHAR(64)  NOT NULL DEFAULT '',
    after_hash   VARCHAR(64)  NOT NULL DEFAULT '',
    details      TEXT         NOT NULL DEFAULT '',
    prev_hash    VARCHAR(64)  NOT NULL,
    hash         VARCHAR(64)  NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
-- +goose StatementEnd
