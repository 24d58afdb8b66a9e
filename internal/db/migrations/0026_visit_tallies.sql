-- The visit line's counters (internal/visit/tally.go, issue 14): visits and
-- the women met by month, needs by month, category and status (and by month
-- alone), tasks by month started, status and month closed — each counted
-- into the row of every unit at or above the unit holding the record, the
-- buckets as the families there define them. (Counted afresh: a test
-- runs the migrations after 0023 again over a database that has them.)
DELETE FROM tallies WHERE subject IN ('visit:all', 'visitwomen:all', 'need:all', 'needmonth:all', 'task:all');

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM visits)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'visit:all', up.anc, SUBSTR(x.visited_on, 1, 7), 0, COUNT(*)
FROM visits x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM visits WHERE women <> 0)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'visitwomen:all', up.anc, SUBSTR(x.visited_on, 1, 7), 0, SUM(x.women)
FROM visits x JOIN up ON up.unit = x.org_id
WHERE x.women <> 0
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM needs)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'need:all', up.anc, SUBSTR(x.recorded_on, 1, 7) || '|' || x.category || '|' || x.status, 0, COUNT(*)
FROM needs x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM needs)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'needmonth:all', up.anc, SUBSTR(x.recorded_on, 1, 7), 0, COUNT(*)
FROM needs x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM tasks)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'task:all', up.anc, SUBSTR(x.starts_on, 1, 7) || '|' || x.status || '|' || COALESCE(SUBSTR(x.closed_on, 1, 7), ''), 0, COUNT(*)
FROM tasks x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

-- What time changes is not a counter. The open tasks by due date (the
-- overdue ones are its head) now carry their unit, start and status, so the
-- overdue count per unit reads the index alone; the list of open tasks
-- walks it in the same (due_on, id) order as before. The needs held by
-- another unit than the one that recorded them: a desk adds those recorded
-- in its scope and held outside it.
DROP INDEX IF EXISTS tasks_open_due;
CREATE INDEX tasks_open_due ON tasks (due_on, id, org_path, starts_on, status) WHERE status IN ('todo', 'doing');
CREATE INDEX IF NOT EXISTS needs_away ON needs (origin_path, org_path, recorded_on, category, status) WHERE org_id <> origin_org_id;
