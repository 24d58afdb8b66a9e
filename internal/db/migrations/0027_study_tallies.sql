-- The study line's counters (internal/study/tally.go, issue 14): activities
-- by month held and kind, and the participants by month, counted into the
-- row of every unit at or above the activity's unit — the buckets as the
-- families there define them. (Counted afresh: a test runs the migrations
-- after 0023 again over a database that has them.)
DELETE FROM tallies WHERE subject IN ('study:all', 'studypeople:all');

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM study_activities)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'study:all', up.anc, SUBSTR(x.held_on, 1, 7) || '|' || x.kind, 0, COUNT(*)
FROM study_activities x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM study_activities WHERE participants <> 0)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'studypeople:all', up.anc, SUBSTR(x.held_on, 1, 7), 0, SUM(x.participants)
FROM study_activities x JOIN up ON up.unit = x.org_id
WHERE x.participants <> 0
GROUP BY 1, 2, 3;
