-- +goose Up
-- Facts the rules need to tell apart what they name (issue: legal fidelity):
-- producers among key-sector enterprises (ST-1), the length of an
-- employment ban (Order 45 Art. 13), and registration changes (HLJ-8
-- 异常变更). The abnormal-status mark of individual businesses is a new value
-- of enterprise_listings.list and needs no column.
ALTER TABLE enterprises ADD COLUMN production_sectors VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE enterprise_penalties ADD COLUMN ban_months INTEGER;

CREATE TABLE enterprise_registration_changes (
    uscc       VARCHAR(18) NOT NULL REFERENCES enterprises(uscc) ON DELETE CASCADE,
    seq        INTEGER     NOT NULL,
    item       VARCHAR(32) NOT NULL,
    changed_on VARCHAR(10) NOT NULL,
    PRIMARY KEY (uscc, seq)
);
