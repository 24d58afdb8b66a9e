-- 巾帼关爱 follow-up records on approved applications: 爱心妈妈's visits to
-- the paired child (kind visit, at least every 90 days), 慈善助孤's
-- periodic checks (kind check, every 180 days) and 春蕾圆梦's yearly
-- school follow-up while the girl is in school (kind school, one per
-- school year, due from 1 September). A school follow-up with in_school = 0
-- is the last: it ends the scholarship's follow-up.
--
-- These are about minors: the school, the grade and the notes are sealed
-- by internal/vault ("hs1.<key>.<base64>", purpose "aid_followups.<col>")
-- and blanked with the application's other personal data by the
-- retention purge.
CREATE TABLE aid_followups (
    id             {{pk}},
    application_id BIGINT NOT NULL REFERENCES aid_applications(id),
    kind           TEXT NOT NULL,            -- visit, school, check
    done_on        TEXT NOT NULL,            -- YYYY-MM-DD, Beijing; never in the future
    school_year    TEXT,                     -- school only, "2026-2027"; NULL for the other kinds
    in_school      INTEGER NOT NULL DEFAULT 1, -- school only: 0 ends the follow-up
    school         TEXT NOT NULL DEFAULT '', -- sealed
    grade          TEXT NOT NULL DEFAULT '', -- sealed
    notes          TEXT NOT NULL DEFAULT '', -- sealed; required when entered
    next_due       TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD the next follow-up is due; '' after the last
    org_id         BIGINT NOT NULL REFERENCES orgs(id), -- the application's collecting unit
    org_path       TEXT NOT NULL,            -- copied from the application, for scope
    by_org         BIGINT NOT NULL REFERENCES orgs(id), -- the recording user's unit
    created_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,          -- changed by the purge only
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX aid_followups_application ON aid_followups (application_id, done_on);
CREATE INDEX aid_followups_path ON aid_followups (org_path, kind, done_on);
-- One school follow-up per application and school year (NULLs, the other
-- kinds, never collide): the index, not a prior SELECT, decides a race.
CREATE UNIQUE INDEX aid_followups_school_year ON aid_followups (application_id, school_year);
-- At most one last (not in school any more) follow-up per application.
CREATE UNIQUE INDEX aid_followups_end ON aid_followups (application_id) WHERE kind = 'school' AND in_school = 0;
