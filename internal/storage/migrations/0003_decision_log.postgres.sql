-- +goose Up
-- The decision log (SPEC §8), partitioned by month so retention drops whole
-- partitions; the writer creates each month's partition before its first row.
-- The id is a UUIDv7, so ordering by id is ordering by time.
CREATE TABLE decision_log (
    id            VARCHAR(36)  NOT NULL,
    logged_at     TIMESTAMP    NOT NULL,
    caller        VARCHAR(100) NOT NULL,
    decision      VARCHAR(64)  NOT NULL,
    jurisdiction  VARCHAR(6)   NOT NULL,
    source        VARCHAR(6)   NOT NULL,
    enterprise_id VARCHAR(18),
    as_of         VARCHAR(10)  NOT NULL,
    revision      VARCHAR(64)  NOT NULL,
    input         JSONB        NOT NULL,
    result        JSONB        NOT NULL,
    reasons       JSONB        NOT NULL,
    latency_us    BIGINT       NOT NULL,
    PRIMARY KEY (id, logged_at)
) PARTITION BY RANGE (logged_at);
CREATE INDEX decision_log_enterprise ON decision_log (enterprise_id, id);
CREATE INDEX decision_log_decision ON decision_log (decision, jurisdiction, id);
CREATE INDEX decision_log_id ON decision_log (id);

-- Every policy tree ever served, by content hash, so logged decisions replay.
CREATE TABLE policy_revisions (
    revision   VARCHAR(64) PRIMARY KEY,
    files      JSONB       NOT NULL,
    created_at TIMESTAMP   NOT NULL
);
