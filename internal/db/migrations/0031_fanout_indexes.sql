-- Issuing to a whole tree (issue 14): each row written for a unit is a
-- row in every index of its table, and the country is 665,276 units.
-- A report's unit had two indexes, (org_id, status) and (org_id, due_at),
-- besides the key (requirement_id, org_id). Measured on a copy of the
-- country's reports on PostgreSQL, the insert of a requirement's reports
-- went from 5.3 to 4.6 s with one index less, and to 3.0 s with the rows
-- also written in the units' order (internal/report: OnIssue).
DROP INDEX IF EXISTS reports_org;
DROP INDEX IF EXISTS reports_todo;
-- dialect: sqlite
-- One index of a unit's reports by state (its to-do), then by deadline
-- (the to-do's order). The key stays: SQLite cannot drop a table's UNIQUE
-- constraint without copying the table.
CREATE INDEX IF NOT EXISTS reports_unit ON reports (org_id, status, due_at);
-- dialect: postgres
-- The key itself, turned round to (org_id, requirement_id), is the index
-- of a unit's reports: a unit has a few hundred a year, so its to-do reads
-- them all and sorts the open ones by deadline; a requirement's reports
-- are found by reports_table (requirement_id, org_code). Two indexes of
-- four go.
ALTER TABLE reports DROP CONSTRAINT IF EXISTS reports_requirement_id_org_id_key;
DROP INDEX IF EXISTS reports_unit;
CREATE UNIQUE INDEX IF NOT EXISTS reports_unit ON reports (org_id, requirement_id);
-- A unit's notifications have no user: the index of a user's own
-- notifications need not list the country's units' (a unit's inbox uses
-- notifications_org). SQLite keeps the full index: its OR of the two
-- lookups (notify.List) is planned term by term, and a partial index is
-- chosen only when the whole WHERE implies its condition.
DROP INDEX IF EXISTS notifications_user;
CREATE INDEX IF NOT EXISTS notifications_user ON notifications (user_id, created_at) WHERE user_id IS NOT NULL;
-- dialect: all
