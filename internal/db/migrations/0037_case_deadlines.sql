-- 巾帼维权, continued (issue 15): the time limits a case is held to, as
-- the city sets them (first contact, a decision on the route, an
-- agency's reply to a referral), and the reminders given when one
-- passes. Written to run again on a database that has it.

-- A limit not set here is the default the code starts with.
CREATE TABLE IF NOT EXISTS case_limits (
    name        TEXT PRIMARY KEY,    -- first_contact_hours, route_days, referral_days
    value       INTEGER NOT NULL,
    updated_by  BIGINT NOT NULL REFERENCES users(id),
    updated_at  BIGINT NOT NULL
);

-- A reminder given, once: its row is the claim, so two servers running
-- the reminders tell the handler once. kind: contact (no first contact
-- by contact_due), route (no route by route_due), referral (an agency's
-- reply overdue); ref_id is the case's or the referral's id.
CREATE TABLE IF NOT EXISTS case_reminders (
    kind         TEXT NOT NULL,
    ref_id       BIGINT NOT NULL,
    reminded_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, ref_id)
);

-- The cases still waiting for a first contact or a route, by when.
CREATE INDEX IF NOT EXISTS cases_contact_due ON cases (contact_due) WHERE contacted_at IS NULL;
CREATE INDEX IF NOT EXISTS cases_route_due ON cases (route_due) WHERE routed_at IS NULL;
