-- +goose Up
-- The audit log: one row per administrative action, each carrying the hash
-- of the row before it (internal/audit). Rows are only ever inserted: the
-- trigger refuses UPDATE and DELETE, and a deployment may also give the
-- application a role without those rights on this table (README, "Audit log").
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
