-- +goose Up
-- Free text is accepted up to 500 characters (README: facts are validated);
-- these columns were narrower, so a valid record failed to store. Widening a
-- VARCHAR changes only the catalogue, no row is rewritten.
ALTER TABLE enterprise_penalties ALTER COLUMN decision_no TYPE VARCHAR(500);
ALTER TABLE enterprise_listings ALTER COLUMN cause TYPE VARCHAR(500);
ALTER TABLE enterprise_licenses ALTER COLUMN kind TYPE VARCHAR(500);
ALTER TABLE enterprise_licenses ALTER COLUMN number TYPE VARCHAR(500);
ALTER TABLE enterprise_inspections ALTER COLUMN task TYPE VARCHAR(500);
ALTER TABLE enterprise_complaints ALTER COLUMN kind TYPE VARCHAR(500);
ALTER TABLE enterprise_commitments ALTER COLUMN item TYPE VARCHAR(500);
ALTER TABLE sampling_plans ALTER COLUMN seed TYPE VARCHAR(500);
