-- +goose Up
-- The decision log (SPEC §8). The id is a UUIDv7, so ordering by id is
-- ordering by time. JSON columns are text.
CREATE TABLE decision_log (
    id            VARCHAR(36)  PRIMARY KEY,
    logged_at     TIMESTAMP    NOT NULL,
    caller        VARCHAR(100) NOT NULL,
    decision      VARCHAR(64)  NOT NULL,
    jurisdiction  VARCHAR(6)   NOT NULL,
    source        VARCHAR(6)   NOT NULL,
    enterprise_id VARCHAR(18),
    as_of         VARCHAR(10)  NOT NULL,
    revision      VARCHAR(64)  NOT NULL,
    input         TEXT         NOT NULL,
    result        TEXT         NOT NULL,
    reasons       TEXT         NOT NULL,
    latency_us    BIGINT       NOT NULL
);
CREATE INDEX decision_log_enterprise ON decision_log (enterprise_id, id);
CREATE INDEX decision_log_decision ON decision_log (decision, jurisdiction, id);
CREATE INDEX decision_log_logged_at ON decision_log (logged_at);

-- Every policy tree ever served, by content hash, so logged decisions replay.
CREATE TABLE policy_revisions (
    revision   VARCHAR(64) PRIMARY KEY,
    files      TEXT        NOT NULL,
    created_at TIMESTAMP   NOT NULL
);
