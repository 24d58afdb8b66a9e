-- Accounts under 三权分立 (issue 10): a role that an administrator
-- grants (role '' = none yet), who last set a user's password for them,
-- when a second factor becomes due, recovery codes, and administrator
-- roles that one administrator requests and another approves.
--
-- Existing data is brought along at start-up by auth.Service.UpgradeAccounts
-- (leaders' grace scheduled, administrator-created accounts made to change
-- their password): it can run again at every start and does nothing twice.

-- When the second factor must be enrolled (Unix ms); 0 = not due (staff
-- who may enrol if they like). Leaders get now + the grace period; a
-- security administrator's reset sets it to the moment of the reset.
ALTER TABLE users ADD COLUMN totp_due_at BIGINT NOT NULL DEFAULT 0;
-- Who last set this user's password for them, and when: the user is
-- shown it at the next sign-in. by 0 = the command-line operator;
-- kind is '' (never), 'create' or 'reset'.
ALTER TABLE users ADD COLUMN reset_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reset_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reset_kind TEXT NOT NULL DEFAULT '';

-- One-time recovery codes for a lost phone: SHA-256 of the user id and the
-- code (60 random bits each), never the code itself.
CREATE TABLE recovery_codes (
    id         {{pk}},
    user_id    BIGINT NOT NULL REFERENCES users(id),
    code_hash  TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, used_at);

-- A change to or from an administrator role: requested by one
-- administrator, approved or rejected by another.
CREATE TABLE role_requests (
    id           {{pk}},
    target_user  BIGINT NOT NULL REFERENCES users(id),
    from_role    TEXT NOT NULL,
    to_role      TEXT NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at BIGINT NOT NULL,
    -- pending, approved, rejected
    status       TEXT NOT NULL DEFAULT 'pending',
    decided_by   BIGINT REFERENCES users(id),
    decided_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX role_requests_status ON role_requests (status, requested_at);
CREATE INDEX role_requests_target ON role_requests (target_user, status);
