-- +goose Up
-- Who created each user (an admin, or the shell on the server), and why a
-- scheduled publication was cancelled.
ALTER TABLE users ADD COLUMN created_by VARCHAR(64);
ALTER TABLE revisions ADD COLUMN cancel_reason TEXT;
