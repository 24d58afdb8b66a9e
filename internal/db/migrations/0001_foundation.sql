-- The organization tree, accounts, sessions, login throttling and the audit log.
-- Times are BIGINT Unix milliseconds (UTC).

CREATE TABLE orgs (
    id          {{pk}},
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    -- province, city, district, street, community, village, organ (市直机关妇委会),
    -- member (团体会员), newsector (新领域新阶层)
    kind        TEXT NOT NULL,
    -- for newsector: enterprise (非公企业), socialorg (社会组织), gig (新业态)
    sector      TEXT NOT NULL DEFAULT '',
    parent_id   BIGINT REFERENCES orgs(id),
    -- materialized path of ids, '/1/7/93/': a subtree is the range
    -- [path, path with its last '/' replaced by '0'), an index range scan.
    path        {{ctext}} NOT NULL,
    depth       INTEGER NOT NULL,
    sort_key    TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX orgs_path ON orgs (path);
CREATE INDEX orgs_parent ON orgs (parent_id, sort_key);
CREATE INDEX orgs_kind_path ON orgs (kind, path);

CREATE TABLE users (
    id                  {{pk}},
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    org_id              BIGINT NOT NULL REFERENCES orgs(id),
    -- sysadmin, secadmin, auditor, leader, staff
    role                TEXT NOT NULL,
    totp_secret         TEXT NOT NULL DEFAULT '',
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    -- last accepted TOTP time step: a code is never accepted twice
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    disabled            INTEGER NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        BIGINT NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    -- SHA-256 of the cookie token: a leaked table does not leak sessions
    token_hash     TEXT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users(id),
    -- 1 while the password was right but the TOTP step is still owed
    mfa_pending    INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    ip             TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per login attempt, for the per-IP throttle; old rows are pruned.
CREATE TABLE login_attempts (
    id    {{pk}},
    ip    TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_events (
    -- seq is assigned from audit_head, not an identity: identities leave gaps
    -- on rollback, and a gap must mean a deleted row.
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_id     BIGINT,
    username    TEXT NOT NULL DEFAULT '',
    org_id      BIGINT,
    org_code    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_user ON audit_events (user_id, at);
CREATE INDEX audit_events_action ON audit_events (action, at);

-- The chain head: writers lock this row, so events are chained one at a time
-- even from several app servers.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

-- The audit log is append-only in the database itself, not only in the code.
-- dialect: sqlite
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- dialect: postgres
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
-- dialect: all
