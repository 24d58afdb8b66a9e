-- The aid statistics' counters (internal/aid/tally.go, issue 14): every
-- application by year, programme and status, and the approved amounts,
-- counted into the row of every unit at or above its unit — the buckets
-- as aid.CountFamily and aid.AmountFamily define them.
WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM aid_applications)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'aid:apps', up.anc, CAST(x.year AS TEXT) || '|' || CAST(x.programme_id AS TEXT) || '|' || x.status, 0, COUNT(*)
FROM aid_applications x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM aid_applications WHERE status = 'approved' AND amount <> 0)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'aidamt:apps', up.anc, CAST(x.year AS TEXT) || '|' || CAST(x.programme_id AS TEXT), 0, SUM(x.amount)
FROM aid_applications x JOIN up ON up.unit = x.org_id
WHERE x.status = 'approved' AND x.amount <> 0
GROUP BY 1, 2, 3;
