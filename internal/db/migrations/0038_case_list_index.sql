-- 巾帼维权's lists, newest first (issue 15): with every case in scope (a
-- city's or a district's "all cases") the planner walks this index from
-- the newest and stops at the page's end, instead of joining every case
-- to its units and handler and sorting them all (BenchmarkCases: the
-- city's list took 479 ms on SQLite and 195 ms on PostgreSQL over
-- 100,000 cases). A small unit's list still takes cases_path. Written to
-- run again on a database that has it.
CREATE INDEX IF NOT EXISTS cases_received ON cases (received_at, id);
