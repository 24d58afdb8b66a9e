-- Counters (internal/tally, issue 14): per subject (e.g. 'report:42', the
-- reports of requirement 42), unit and bucket, folded — the row of a unit
-- holds the count over its whole subtree — and kept in the transaction of
-- every change, so a dashboard reads the same few rows at any level.
-- stripe spreads one counter over several rows on PostgreSQL so that
-- concurrent writers do not queue on the root's row; a reader sums them.
CREATE TABLE tallies (
    subject TEXT NOT NULL,
    org_id  BIGINT NOT NULL,
    k       TEXT NOT NULL,
    stripe  INTEGER NOT NULL DEFAULT 0,
    n       BIGINT NOT NULL,
    PRIMARY KEY (subject, org_id, k, stripe)
);
-- A unit's rows, every subject: what moves with it when it moves.
CREATE INDEX tallies_org ON tallies (org_id);

-- An existing database gets its counters here: the reports of every
-- requirement, counted into the row of every unit at or above each
-- report's unit (the bucket as internal/report's tally family defines it:
-- report.Family.Key).
WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM reports)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'report:' || CAST(rp.requirement_id AS TEXT), up.anc,
    CASE WHEN rp.status IN ('submitted', 'accepted') THEN rp.status || CASE WHEN rp.submitted_at <= rp.due_at THEN '|ontime' ELSE '|late' END
         WHEN rp.status = 'returned' THEN 'returned|' || CAST(rp.due_at AS TEXT)
         WHEN rp.received_at IS NULL THEN 'unsigned|' || CAST(rp.due_at AS TEXT)
         ELSE 'signed|' || CAST(rp.due_at AS TEXT) END,
    0, COUNT(*)
FROM reports rp JOIN up ON up.unit = rp.org_id
GROUP BY 1, 2, 3;
