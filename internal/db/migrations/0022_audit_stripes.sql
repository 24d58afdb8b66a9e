-- Issue 14: the audit log as 32 hash chains ("stripes") instead of one, so
-- that concurrent writers do not queue on one head row (internal/audit).
--
-- Each event belongs to one stripe (its chain, audit_head.id) at a position
-- sseq (1, 2, 3 … within the stripe, no gaps); prev_hash is the hash of the
-- event before it in the same stripe. seq stays the global order for
-- listing; on PostgreSQL it now comes from a sequence (no hot row), so it may
-- have gaps where a transaction rolled back — a deleted row is found by the
-- stripe's positions, not by seq.
--
-- The events written so far become stripe 1's chain unchanged: their
-- positions are their seq, and they keep verifying with the v1 encoding
-- (audit_head.v1_upto says where it ends); new events use v2, whose hash
-- also covers the stripe and the position.
ALTER TABLE audit_events ADD COLUMN stripe INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN sseq BIGINT NOT NULL DEFAULT 0;

-- The append-only guard is lifted for this one statement, in the
-- migration's transaction.
-- dialect: sqlite
DROP TRIGGER audit_events_no_update;
UPDATE audit_events SET sseq = seq;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- dialect: postgres
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change;
UPDATE audit_events SET sseq = seq;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change;
CREATE SEQUENCE audit_events_seq;
SELECT setval('audit_events_seq', (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events), false);
-- dialect: all

CREATE UNIQUE INDEX audit_events_stripe ON audit_events (stripe, sseq);

-- One head per stripe: seq is the stripe's last position, hash its last
-- event's hash. v1_upto: the stripe's events up to this position are
-- encoded as halfsky-audit-v1 (only stripe 1's, those written before this
-- migration).
ALTER TABLE audit_head ADD COLUMN v1_upto BIGINT NOT NULL DEFAULT 0;
-- prev_hash: the hash the last event links to (kept so that Record on
-- PostgreSQL reads it back from the one UPDATE that moves the head).
ALTER TABLE audit_head ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET v1_upto = seq WHERE id = 1;
INSERT INTO audit_head (id, seq, hash) VALUES
    (2, 0, ''), (3, 0, ''), (4, 0, ''), (5, 0, ''), (6, 0, ''), (7, 0, ''), (8, 0, ''), (9, 0, ''),
    (10, 0, ''), (11, 0, ''), (12, 0, ''), (13, 0, ''), (14, 0, ''), (15, 0, ''), (16, 0, ''), (17, 0, ''),
    (18, 0, ''), (19, 0, ''), (20, 0, ''), (21, 0, ''), (22, 0, ''), (23, 0, ''), (24, 0, ''), (25, 0, ''),
    (26, 0, ''), (27, 0, ''), (28, 0, ''), (29, 0, ''), (30, 0, ''), (31, 0, ''), (32, 0, '');
