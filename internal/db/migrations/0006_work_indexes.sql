-- Indexes measured with a year of activity for every Harbin unit
-- (internal/bench BenchmarkWork): the statistics group needs and tasks by
-- category and status, and read the women met on visits, from the index
-- alone; the city's newest-first need list and the open-task list walk an
-- index instead of sorting every row; the "needs recorded" quota counts a
-- cadre's own needs.

DROP INDEX visits_path;
CREATE INDEX visits_path ON visits (org_path, visited_on, women);

DROP INDEX needs_path;
CREATE INDEX needs_path ON needs (org_path, recorded_on, category, status);
CREATE INDEX needs_recorded ON needs (recorded_on, id);
CREATE INDEX needs_recorder ON needs (recorded_by, recorded_on);

DROP INDEX tasks_path;
CREATE INDEX tasks_path ON tasks (org_path, due_on, status, starts_on, closed_on);
CREATE INDEX tasks_open_due ON tasks (due_on, id) WHERE status IN ('todo', 'doing');
