-- +goose Up
-- Impact runs: two policy trees compared over the stored enterprises, as
-- chunks any replica's worker takes from the job queue (River's own tables,
-- which the same migrate step creates). A run keeps the merge of the chunks
-- stored so far, so it can be read while it runs; each chunk keeps its
-- bounds, and once evaluated its partial report and changed outcomes.
CREATE TABLE impact_runs (
    id            VARCHAR(36)  PRIMARY KEY,
    caller        VARCHAR(64)  NOT NULL,
    scope         TEXT         NOT NULL,
    jurisdiction  VARCHAR(6)   NOT NULL,
    base_revision BIGINT       REFERENCES revisions (number),
    base_draft    VARCHAR(36),
    base_hash     VARCHAR(64),
    base_tree     VARCHAR(64)  NOT NULL REFERENCES policy_revisions (revision),
    head_revision BIGINT       REFERENCES revisions (number),
    head_draft    VARCHAR(36),
    head_hash     VARCHAR(64),
    head_tree     VARCHAR(64)  NOT NULL REFERENCES policy_revisions (revision),
    params        TEXT         NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    chunks_total  INTEGER      NOT NULL DEFAULT 0,
    chunks_done   INTEGER      NOT NULL DEFAULT 0,
    report        TEXT,
    error         TEXT,
    closed_by     VARCHAR(64),
    created_at    TIMESTAMP    NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP
);
CREATE INDEX impact_runs_head_draft ON impact_runs (head_draft, head_hash, created_at);

CREATE TABLE impact_run_chunks (
    run_id       VARCHAR(36)  NOT NULL REFERENCES impact_runs (id) ON DELETE CASCADE,
    chunk        INTEGER      NOT NULL,
    bounds       TEXT         NOT NULL,
    done         BOOLEAN      NOT NULL DEFAULT FALSE,
    report       TEXT,
    changes      TEXT,
    worker       VARCHAR(128),
    attempt      INTEGER,
    finished_at  TIMESTAMP,
    PRIMARY KEY (run_id, chunk)
);
