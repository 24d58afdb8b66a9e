-- Audited writes (issue 14): every index of the audit log is written by
-- every change the log records, so it keeps only what its readers use.
--   * (user_id, at) had no reader the (action, …) index does not serve
--     better: who did an action since when (aid's duplicate checks, the
--     second-factor and password rules) names the action too. One index
--     (action, user_id, at) takes the place of both.
--   * On PostgreSQL the time index is a BRIN: events are appended in time
--     order, so a block range's times bound them, and a range of days
--     costs a scan of its blocks — where a B-tree took an insert per event.
--   * On SQLite seq becomes the table's own key (INTEGER PRIMARY KEY, the
--     rowid): a BIGINT primary key was a second B-tree beside the table.
--     SQLite writes every page a commit changed to its log, so an audited
--     change wrote eight pages and now writes six.
-- dialect: postgres
DROP INDEX IF EXISTS audit_events_user;
DROP INDEX IF EXISTS audit_events_action;
CREATE INDEX IF NOT EXISTS audit_events_action ON audit_events (action, user_id, at);
DROP INDEX IF EXISTS audit_events_at;
CREATE INDEX IF NOT EXISTS audit_events_at ON audit_events USING brin (at);
-- dialect: sqlite
CREATE TABLE audit_events_keyed (
    seq         INTEGER PRIMARY KEY,
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
    hash        TEXT NOT NULL,
    stripe      INTEGER NOT NULL DEFAULT 1,
    sseq        BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit_events_keyed (seq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome,
    detail, prev_hash, hash, stripe, sseq)
SELECT seq, at, user_id, username, org_id, org_code, action, object_type, object_id, ip, outcome,
    detail, prev_hash, hash, stripe, sseq FROM audit_events ORDER BY seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_keyed RENAME TO audit_events;
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_action ON audit_events (action, user_id, at);
CREATE UNIQUE INDEX audit_events_stripe ON audit_events (stripe, sseq);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- dialect: all
