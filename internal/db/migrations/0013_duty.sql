-- Separation of duties (issue 10): who acted on whose account, so that a
-- four-eyes rule can refuse a second account the first one controls. A row
-- says: by_user created, reset the password or second factor of, enabled,
-- or changed the role of target_user, at a time. Rows are never changed;
-- the 180-day window is applied when they are read.
CREATE TABLE account_links (
    id          {{pk}},
    by_user     BIGINT NOT NULL REFERENCES users(id),
    target_user BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL, -- create, reset_password, reset_totp, enable, set_role
    at          BIGINT NOT NULL
);
-- One row per event: a back-fill from the audit log can run again.
CREATE UNIQUE INDEX account_links_event ON account_links (by_user, target_user, kind, at);
CREATE INDEX account_links_target ON account_links (target_user, by_user, at);
