-- 巾帼维权, continued (issue 15): the time limits a case is held to, as
-- the city sets them (first contact, a decision on the route, an
-- agency's reply to a referral). A limit not set here is the default the
-- code starts with. Written to run again on a database that has it.
CREATE TABLE IF NOT EXISTS case_limits (
    name        TEXT PRIMARY KEY,    -- first_contact_hours, route_days, referral_days
    value       INTEGER NOT NULL,
    updated_by  BIGINT NOT NULL REFERENCES users(id),
    updated_at  BIGINT NOT NULL
);
