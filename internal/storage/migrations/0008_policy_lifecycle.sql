-- +goose Up
-- The policy lifecycle: numbered revisions over the content-addressed trees
-- of policy_revisions, drafts, the gate's verdicts, reviews, and the people
-- who do it all with their login sessions.
CREATE TABLE revisions (
    number       BIGINT       PRIMARY KEY,
    tree         VARCHAR(64)  NOT NULL REFERENCES policy_revisions (revision),
    tests        VARCHAR(64)  NOT NULL REFERENCES policy_revisions (revision),
    parent       BIGINT       REFERENCES revisions (number),
    kind         VARCHAR(16)  NOT NULL,
    author       VARCHAR(64)  NOT NULL,
    message      TEXT         NOT NULL,
    draft_id     VARCHAR(36),
    reviewed_by  VARCHAR(64),
    published_by VARCHAR(64)  NOT NULL,
    created_at   TIMESTAMP    NOT NULL,
    effective_at TIMESTAMP    NOT NULL,
    rollback_of  BIGINT       REFERENCES revisions (number),
    cancelled_at TIMESTAMP,
    cancelled_by VARCHAR(64)
);
CREATE INDEX revisions_effective ON revisions (effective_at);

CREATE TABLE drafts (
    id           VARCHAR(36)  PRIMARY KEY,
    jurisdiction VARCHAR(6)   NOT NULL,
    base         BIGINT       NOT NULL REFERENCES revisions (number),
    author       VARCHAR(64)  NOT NULL,
    title        TEXT         NOT NULL,
    state        VARCHAR(20)  NOT NULL,
    hash         VARCHAR(64)  NOT NULL,
    files        TEXT         NOT NULL,
    created_at   TIMESTAMP    NOT NULL,
    updated_at   TIMESTAMP    NOT NULL,
    revision     BIGINT       REFERENCES revisions (number)
);

-- The gate's verdict per content hash: the same content is checked once.
CREATE TABLE gate_results (
    hash         VARCHAR(64)  PRIMARY KEY,
    state        VARCHAR(16)  NOT NULL,
    report       TEXT,
    started_at   TIMESTAMP    NOT NULL,
    finished_at  TIMESTAMP
);

CREATE TABLE reviews (
    id           VARCHAR(36)  PRIMARY KEY,
    draft_id     VARCHAR(36)  NOT NULL REFERENCES drafts (id),
    hash         VARCHAR(64)  NOT NULL,
    reviewer     VARCHAR(64)  NOT NULL,
    verdict      VARCHAR(20)  NOT NULL,
    comment      TEXT         NOT NULL,
    comments     TEXT         NOT NULL,
    reviewed_at  TIMESTAMP    NOT NULL
);
CREATE INDEX reviews_draft ON reviews (draft_id, reviewed_at);

CREATE TABLE users (
    name          VARCHAR(64)  PRIMARY KEY,
    password_hash TEXT         NOT NULL,
    roles         TEXT         NOT NULL,
    jurisdictions TEXT         NOT NULL,
    created_at    TIMESTAMP    NOT NULL,
    failed_logins INTEGER      NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    disabled      BOOLEAN      NOT NULL DEFAULT FALSE
);

-- Login sessions: the SHA-256 of each token, never the token.
CREATE TABLE sessions (
    hash         VARCHAR(64)  PRIMARY KEY,
    user_name    VARCHAR(64)  NOT NULL REFERENCES users (name),
    created_at   TIMESTAMP    NOT NULL,
    expires_at   TIMESTAMP    NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_name);
