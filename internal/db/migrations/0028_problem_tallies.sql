-- The problem ledger's counters (internal/rectify/tally.go, issue 14):
-- problems by category and status, counted into the row of every unit at
-- or above the problem's unit. (Counted afresh: a test runs the migrations
-- after 0023 again over a database that has them.)
DELETE FROM tallies WHERE subject = 'problem:all';

WITH RECURSIVE up(unit, anc) AS (
    SELECT o.id, o.id FROM orgs o WHERE o.id IN (SELECT org_id FROM problems)
    UNION ALL
    SELECT up.unit, p.parent_id FROM up JOIN orgs p ON p.id = up.anc WHERE p.parent_id IS NOT NULL
)
INSERT INTO tallies (subject, org_id, k, stripe, n)
SELECT 'problem:all', up.anc, x.category || '|' || x.status, 0, COUNT(*)
FROM problems x JOIN up ON up.unit = x.org_id
GROUP BY 1, 2, 3;

-- Red and yellow are not counters: the problems still to act on, by due
-- date with their unit, so a desk's colours are the head of this index up
-- to a week ahead.
CREATE INDEX IF NOT EXISTS problems_todo_due ON problems (due_on, org_path, status) WHERE status IN ('open', 'returned');
