-- Writes follow the owner (issue 10): a record is changed by the unit that
-- owns it, the unit of the cadre who recorded it, or a unit above those —
-- never by a unit below, even when the record is about that lower unit.
-- Where a table kept only the unit a record is about, it now keeps the
-- recorder's unit too: its id (the path is read by a join, so a change of
-- the tree's paths cannot leave it stale). Filled from the recorder's
-- current unit for rows written before; new rows get the unit the cadre
-- acted for.

-- A visit is about the visited unit (org_id); it belongs to the unit of
-- the cadre who went.
ALTER TABLE visits ADD COLUMN recorder_org_id BIGINT REFERENCES orgs(id);
UPDATE visits SET recorder_org_id = (SELECT u.org_id FROM users u WHERE u.id = visits.cadre_id)
    WHERE recorder_org_id IS NULL;

-- A task is for its unit (org_id); it belongs to the unit that set it.
ALTER TABLE tasks ADD COLUMN recorder_org_id BIGINT REFERENCES orgs(id);
UPDATE tasks SET recorder_org_id = (SELECT u.org_id FROM users u WHERE u.id = tasks.created_by)
    WHERE recorder_org_id IS NULL;

-- A need is about the visited unit (origin) and held by the unit now
-- responsible (org_id); it belongs to the recorder's unit until a
-- hand-over is accepted, and then to the unit that accepted it.
ALTER TABLE needs ADD COLUMN recorder_org_id BIGINT REFERENCES orgs(id);
ALTER TABLE needs ADD COLUMN owner_org_id BIGINT REFERENCES orgs(id);
UPDATE needs SET recorder_org_id = (SELECT u.org_id FROM users u WHERE u.id = needs.recorded_by)
    WHERE recorder_org_id IS NULL;
UPDATE needs SET owner_org_id = COALESCE(
        (SELECT h.to_org_id FROM need_handovers h WHERE h.need_id = needs.id AND h.status = 'accepted'
            ORDER BY h.decided_at DESC, h.id DESC LIMIT 1),
        recorder_org_id)
    WHERE owner_org_id IS NULL;
