-- +goose Up
-- Double-random sampling plans and their drawn targets (SPEC §6, issue 7).
CREATE TABLE sampling_plans (
    id             VARCHAR(36)  PRIMARY KEY,
    jurisdiction   VARCHAR(6)   NOT NULL REFERENCES jurisdictions(code),
    name           VARCHAR(200) NOT NULL,
    year           INTEGER      NOT NULL,
    seed           VARCHAR(200) NOT NULL,
    differentiated BOOLEAN      NOT NULL,
    summary        TEXT         NOT NULL,
    created_at     TIMESTAMP    NOT NULL
);
CREATE INDEX sampling_plans_jurisdiction_year ON sampling_plans (jurisdiction, year, created_at);

CREATE TABLE sampling_plan_items (
    plan_id        VARCHAR(36) NOT NULL REFERENCES sampling_plans(id) ON DELETE CASCADE,
    uscc           VARCHAR(18) NOT NULL,
    grp            VARCHAR(8)  NOT NULL,
    lean           BOOLEAN     NOT NULL DEFAULT FALSE,
    inspectors     TEXT        NOT NULL,
    inspected_on   VARCHAR(10),
    result         VARCHAR(16),
    published      BOOLEAN     NOT NULL DEFAULT FALSE,
    follow_up_done BOOLEAN     NOT NULL DEFAULT FALSE,
    PRIMARY KEY (plan_id, uscc)
);
