-- 巾帼关爱促民生: aid programmes (两癌救助, 爱心妈妈, 慈善助孤, 春蕾圆梦,
-- 优才奖励), their yearly cycles with budgets and per-district quotas, the
-- applications collected by villages and communities and reviewed up the
-- tree, and the once-per-lifetime grants.
--
-- Personal data is sealed per field by internal/vault (values look like
-- "hs1.<key>.<base64>", empty stays empty) and never stored in the clear:
-- the applicant's name, ID number, phone, address, the facts the rules
-- need (diagnosis, school, income …) and a minor's guardian. The ID
-- number is found by its keyed hash (id_hash); sex and birth year are
-- derived from it and kept in the clear for statistics.

-- Amounts are in fen (1 RMB = 100 fen) everywhere.
CREATE TABLE aid_programmes (
    id             {{pk}},
    code           TEXT NOT NULL UNIQUE,   -- cancer, love_mother, orphan, spring_bud, talent
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,          -- relief, pairing, periodic, scholarship, award
    amount         BIGINT NOT NULL DEFAULT 0,  -- standard amount per approved application; 0: no money
    once_per_life  INTEGER NOT NULL DEFAULT 0, -- 1: a person is granted it at most once, ever
    rules          TEXT NOT NULL DEFAULT '{}', -- eligibility, JSON (aid.Rules)
    documents      TEXT NOT NULL DEFAULT '[]', -- required documents, JSON [{"key","label"}]
    retention_days INTEGER NOT NULL DEFAULT 1825, -- personal data kept this long after closing
    active         INTEGER NOT NULL DEFAULT 1,
    sort           INTEGER NOT NULL DEFAULT 0,
    updated_by     BIGINT REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- One cycle per programme and year: when applications are taken, and the
-- money for the year.
CREATE TABLE aid_cycles (
    id           {{pk}},
    programme_id BIGINT NOT NULL REFERENCES aid_programmes(id),
    year         INTEGER NOT NULL,
    budget       BIGINT NOT NULL DEFAULT 0, -- fen; approvals never exceed it
    opens_on     TEXT NOT NULL,             -- YYYY-MM-DD, inclusive
    closes_on    TEXT NOT NULL,             -- YYYY-MM-DD, inclusive
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1, -- also bumped by every approval: it serializes them
    UNIQUE (programme_id, year)
);

-- Approvals per district-level unit in a cycle. A district without a row
-- has no quota of its own (the budget still holds).
CREATE TABLE aid_quotas (
    cycle_id   BIGINT NOT NULL REFERENCES aid_cycles(id),
    org_id     BIGINT NOT NULL REFERENCES orgs(id), -- a district-level unit
    quota      INTEGER NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, org_id)
);

CREATE TABLE aid_applications (
    id               {{pk}},
    programme_id     BIGINT NOT NULL REFERENCES aid_programmes(id),
    cycle_id         BIGINT NOT NULL REFERENCES aid_cycles(id),
    year             INTEGER NOT NULL,          -- the cycle's year, for lists and statistics
    org_id           BIGINT NOT NULL REFERENCES orgs(id), -- the collecting unit (village, community or street)
    org_path         TEXT NOT NULL,
    district_id      BIGINT NOT NULL REFERENCES orgs(id), -- the district-level ancestor, for quotas
    -- level is who holds it: for draft and returned the collecting unit's own
    -- level (village, or street when a street collects), for reviewing the
    -- level it waits at (street, district, city), for closed ones where it ended.
    level            TEXT NOT NULL,
    status           TEXT NOT NULL,  -- draft, reviewing, returned, rejected, approved
    name             TEXT NOT NULL,  -- sealed
    id_number        TEXT NOT NULL,  -- sealed
    id_hash          TEXT NOT NULL,  -- vault lookup hash of the normalized ID number (purpose "aid.id")
    sex              TEXT NOT NULL,  -- F or M, from the ID number
    birth_year       INTEGER NOT NULL,
    minor            INTEGER NOT NULL DEFAULT 0, -- under 18 when entered
    phone            TEXT NOT NULL DEFAULT '', -- sealed
    address          TEXT NOT NULL DEFAULT '', -- sealed
    household        TEXT NOT NULL,  -- dibao 低保, tekun 特困, fanpin 易返贫, zhichu 支出型困难, other
    facts            TEXT NOT NULL DEFAULT '', -- sealed JSON object: diagnosis, stage, school, income …
    medical_consent  INTEGER NOT NULL DEFAULT 0, -- the applicant's separate consent to medical data
    guardian_name    TEXT NOT NULL DEFAULT '', -- sealed; required for a minor
    guardian_consent INTEGER NOT NULL DEFAULT 0,
    documents        TEXT NOT NULL DEFAULT '[]', -- the programme's required document keys at entry, JSON
    amount           BIGINT NOT NULL DEFAULT 0,  -- fen
    -- dedupe_key is "life:<programme code>" for a once-per-life programme and
    -- "cycle:<cycle id>" otherwise, while the application is open or
    -- approved; NULL once rejected. Unique with id_hash: one live
    -- application per person and programme (lifetime) or cycle, even
    -- under concurrent entry.
    dedupe_key       TEXT,
    submitted_at     BIGINT,   -- first submission
    closed_at        BIGINT,   -- approved or rejected: the retention clock starts
    purged_at        BIGINT,   -- personal data removed by the retention job
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX aid_applications_path ON aid_applications (org_path, status, year, programme_id);
CREATE INDEX aid_applications_cycle ON aid_applications (cycle_id, status, district_id, amount);
CREATE INDEX aid_applications_hash ON aid_applications (id_hash);
CREATE UNIQUE INDEX aid_applications_dedupe ON aid_applications (id_hash, dedupe_key);
CREATE INDEX aid_applications_level ON aid_applications (level, status, org_path);
CREATE INDEX aid_applications_closed ON aid_applications (closed_at) WHERE purged_at IS NULL;

-- Every step of the review: submissions and each level's decision.
CREATE TABLE aid_steps (
    id             {{pk}},
    application_id BIGINT NOT NULL REFERENCES aid_applications(id),
    level          TEXT NOT NULL,  -- village, street, district, city: where the step was taken
    decision       TEXT NOT NULL,  -- submit, pass, return, reject, approve
    reason         TEXT NOT NULL DEFAULT '',
    by_user        BIGINT NOT NULL REFERENCES users(id),
    by_org         BIGINT NOT NULL REFERENCES orgs(id),
    at             BIGINT NOT NULL
);
CREATE INDEX aid_steps_application ON aid_steps (application_id, at);

-- Lifetime grants: written inside the approval's transaction. The UNIQUE
-- constraint, not a prior SELECT, makes a second lifetime grant of a
-- programme to the same person impossible, however many approvals race.
CREATE TABLE aid_grants (
    id             {{pk}},
    id_hash        TEXT NOT NULL,
    programme_code TEXT NOT NULL,
    application_id BIGINT NOT NULL UNIQUE REFERENCES aid_applications(id),
    granted_year   INTEGER NOT NULL,
    org_id         BIGINT NOT NULL REFERENCES orgs(id), -- the unit that collected it
    created_at     BIGINT NOT NULL,
    UNIQUE (id_hash, programme_code)
);

-- The five programmes of the notice. Amounts other than 两癌救助's
-- RMB 10,000 are left at 0 for the city federation to set.
INSERT INTO aid_programmes (code, name, kind, amount, once_per_life, rules, documents, retention_days, sort, created_at, updated_at) VALUES
('cancer', '两癌救助', 'relief', 1000000, 1,
 '{"households":["dibao","tekun","fanpin","zhichu"],"female_only":true,"medical":true,"diagnoses":[{"key":"cervical_iib","label":"宫颈癌（IIB期及以上）"},{"key":"breast_invasive","label":"浸润性乳腺癌"}],"facts":["diagnosis","hospital"]}',
 '[{"key":"diagnosis","label":"医院诊断证明"},{"key":"poverty","label":"家庭困难证明"},{"key":"id_copy","label":"身份证复印件"}]',
 1825, 1, 1767196800000, 1767196800000),
('love_mother', '爱心妈妈', 'pairing', 0, 0,
 '{"max_age":17,"facts":["mother"]}',
 '[{"key":"guardian","label":"监护人同意书"},{"key":"pairing","label":"结对协议"}]',
 1095, 2, 1767196800000, 1767196800000),
('orphan', '慈善助孤', 'periodic', 0, 0,
 '{"max_age":17,"facts":["situation"]}',
 '[{"key":"orphan","label":"孤儿或事实无人抚养儿童证明"},{"key":"guardian","label":"监护人同意书"}]',
 1825, 3, 1767196800000, 1767196800000),
('spring_bud', '春蕾圆梦', 'scholarship', 0, 0,
 '{"female_only":true,"facts":["school","grade"]}',
 '[{"key":"school","label":"在校证明"},{"key":"poverty","label":"家庭困难证明"}]',
 1825, 4, 1767196800000, 1767196800000),
('talent', '优才奖励', 'award', 0, 0,
 '{"facts":["achievement"]}',
 '[{"key":"award","label":"获奖或成绩证明"}]',
 1095, 5, 1767196800000, 1767196800000);
