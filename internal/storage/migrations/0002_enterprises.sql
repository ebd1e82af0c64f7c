-- +goose Up
-- Enterprise facts (SPEC §5): one row per enterprise, one table per list.
-- Dates are ISO strings (YYYY-MM-DD): they compare correctly as text and mean
-- the same on both databases, with no time zone to misread.
CREATE TABLE enterprises (
    uscc                VARCHAR(18)  PRIMARY KEY,
    name                VARCHAR(300) NOT NULL,
    entity_type         VARCHAR(32)  NOT NULL,
    jurisdiction        VARCHAR(6)   NOT NULL REFERENCES jurisdictions(code),
    established_on      VARCHAR(10),
    status              VARCHAR(16)  NOT NULL,
    key_sectors         VARCHAR(200) NOT NULL DEFAULT '',
    new_format          BOOLEAN,
    public_credit_score DOUBLE PRECISION,
    risk_class          VARCHAR(1),
    premises_abnormal   BOOLEAN,
    reachable           BOOLEAN,
    updated_at          TIMESTAMP    NOT NULL
);
-- Sampling streams a jurisdiction's population by status and class.
CREATE INDEX enterprises_jurisdiction_status ON enterprises (jurisdiction, status);
CREATE INDEX enterprises_jurisdiction_class ON enterprises (jurisdiction, risk_class);

CREATE TABLE enterprise_penalties (
    uscc             VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq              INTEGER      NOT NULL,
    decision_no      VARCHAR(100) NOT NULL,
    decided_on       VARCHAR(10)  NOT NULL,
    published_on     VARCHAR(10),
    kinds            VARCHAR(300) NOT NULL,
    fine_amount      DOUBLE PRECISION NOT NULL DEFAULT 0,
    sector           VARCHAR(32)  NOT NULL,
    procedure        VARCHAR(16)  NOT NULL,
    duties_fulfilled BOOLEAN      NOT NULL DEFAULT FALSE,
    harm_removed     BOOLEAN      NOT NULL DEFAULT FALSE,
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_listings (
    uscc       VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq        INTEGER      NOT NULL,
    list       VARCHAR(32)  NOT NULL,
    cause      VARCHAR(100) NOT NULL,
    listed_on  VARCHAR(10)  NOT NULL,
    removed_on VARCHAR(10),
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_licenses (
    uscc       VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq        INTEGER      NOT NULL,
    kind       VARCHAR(100) NOT NULL,
    number     VARCHAR(100) NOT NULL DEFAULT '',
    expires_on VARCHAR(10)  NOT NULL,
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_inspections (
    uscc         VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq          INTEGER      NOT NULL,
    task         VARCHAR(200) NOT NULL DEFAULT '',
    inspected_on VARCHAR(10)  NOT NULL,
    result       VARCHAR(16)  NOT NULL,
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_complaints (
    uscc        VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq         INTEGER      NOT NULL,
    received_on VARCHAR(10)  NOT NULL,
    kind        VARCHAR(100) NOT NULL DEFAULT '',
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_commitments (
    uscc    VARCHAR(18)  NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq     INTEGER      NOT NULL,
    item    VARCHAR(300) NOT NULL,
    made_on VARCHAR(10)  NOT NULL,
    status  VARCHAR(16)  NOT NULL,
    PRIMARY KEY (uscc, seq)
);

CREATE TABLE enterprise_annual_reports (
    uscc       VARCHAR(18) NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq        INTEGER     NOT NULL,
    year       INTEGER     NOT NULL,
    filed_on   VARCHAR(10),
    amendments INTEGER     NOT NULL DEFAULT 0,
    PRIMARY KEY (uscc, seq)
);
