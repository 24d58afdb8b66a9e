-- 巾帼维权 (issue 15): rights cases from the 12338 hotline, walk-ins,
-- letters, the public form, a visit's need and other agencies' transfers,
-- to closure. Everything that names or locates a person is sealed with the
-- vault (TEXT holding a sealed value): parties' names, contacts and
-- addresses, the narrative, notes, replies and reasons. Category, channel,
-- risk, status, units and dates stay in the clear so lists filter and the
-- statistics count.
--
-- Written to run again on a database that has it (tests take a database
-- back to an older version and migrate forward).

-- The categories of the 12338 monthly statistics, two levels (a parent's
-- code is its children's prefix). The city may add, rename and retire
-- them; a retired one stays on the cases that have it.
CREATE TABLE IF NOT EXISTS case_categories (
    code    TEXT PRIMARY KEY,
    parent  TEXT NOT NULL DEFAULT '',
    label   TEXT NOT NULL,
    sort    INTEGER NOT NULL,
    active  INTEGER NOT NULL DEFAULT 1
);
INSERT INTO case_categories (code, parent, label, sort) VALUES
    ('marriage', '', '婚姻家庭纠纷', 10),
    ('marriage.divorce', 'marriage', '离婚', 11),
    ('marriage.custody', 'marriage', '抚养', 12),
    ('marriage.support', 'marriage', '赡养', 13),
    ('marriage.property', 'marriage', '财产', 14),
    ('dv', '', '家庭暴力', 20),
    ('person', '', '人身权利', 30),
    ('person.sexual_assault', 'person', '性侵害', 31),
    ('person.harassment', 'person', '性骚扰', 32),
    ('person.trafficking', 'person', '拐卖', 33),
    ('labour', '', '劳动和社会保障权益', 40),
    ('labour.discrimination', 'labour', '就业性别歧视', 41),
    ('labour.maternity', 'labour', '孕期产期哺乳期', 42),
    ('property', '', '财产权益', 50),
    ('property.land', 'property', '农村土地承包', 51),
    ('property.homestead', 'property', '宅基地', 52),
    ('property.collective', 'property', '集体收益分配', 53),
    ('other', '', '其他', 90)
ON CONFLICT (code) DO NOTHING;

-- Case numbers: one register per receiving unit and year (维〔2026〕15号),
-- taken with UPDATE … RETURNING in the intake's transaction.
CREATE TABLE IF NOT EXISTS case_numbers (
    org_id   BIGINT NOT NULL REFERENCES orgs(id),
    year     INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (org_id, year)
);

-- A case. org_id is the unit handling it now (a transfer moves it);
-- origin_org_id the unit that received it. handler_id is its one handler
-- (NULL until someone takes it: the unit's inbox). track_key is the keyed
-- lookup (vault) of the public tracking code, never the code itself.
CREATE TABLE IF NOT EXISTS cases (
    id                {{pk}},
    register_id       BIGINT NOT NULL REFERENCES orgs(id),
    year              INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    org_path          TEXT NOT NULL,
    origin_org_id     BIGINT NOT NULL REFERENCES orgs(id),
    origin_path       TEXT NOT NULL,
    channel           TEXT NOT NULL,              -- hotline, walkin, letter, online, need, transfer
    source_agency     TEXT NOT NULL DEFAULT '',   -- a transfer's sender: police, court, petition
    need_id           BIGINT REFERENCES needs(id),
    category          TEXT NOT NULL REFERENCES case_categories(code),
    category_top      TEXT NOT NULL,              -- the first level, for the statistics
    anonymous         INTEGER NOT NULL DEFAULT 0,
    narrative         TEXT NOT NULL,              -- sealed
    risk              TEXT NOT NULL DEFAULT '',   -- '' (not assessed), normal, elevated, high, severe
    status            TEXT NOT NULL,              -- received, handling, closed
    handler_id        BIGINT REFERENCES users(id),
    received_at       BIGINT NOT NULL,
    month             TEXT NOT NULL,              -- received, in Shanghai: 2026-11 (the statistics' month)
    contact_due       BIGINT NOT NULL,            -- first contact within 24 h
    contacted_at      BIGINT,
    route_due         BIGINT NOT NULL,            -- a decision on the route within 7 days
    routed_at         BIGINT,
    consent_services  INTEGER NOT NULL DEFAULT 0,
    consent_at        BIGINT,
    phone             TEXT NOT NULL DEFAULT '',   -- sealed: how to reach her safely
    contact_time      TEXT NOT NULL DEFAULT '',   -- sealed
    no_call           INTEGER NOT NULL DEFAULT 0, -- "do not call, I will check online"
    track_key         TEXT,
    outcome           TEXT NOT NULL DEFAULT '',
    satisfaction      TEXT NOT NULL DEFAULT '',
    closed_at         BIGINT,
    recorded_by       BIGINT REFERENCES users(id), -- NULL: the public form
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX IF NOT EXISTS cases_number ON cases (register_id, year, seq);
CREATE UNIQUE INDEX IF NOT EXISTS cases_track ON cases (track_key);
CREATE INDEX IF NOT EXISTS cases_path ON cases (org_path, status, received_at);
CREATE INDEX IF NOT EXISTS cases_handler ON cases (handler_id, status);
CREATE INDEX IF NOT EXISTS cases_need ON cases (need_id);

-- The people in a case, each optional: complainant, victim (when another
-- person), respondent, children. Names, contacts and addresses sealed;
-- the facts that trigger a mandatory report (a minor, elderly, disabled or
-- seriously ill victim) in the clear.
CREATE TABLE IF NOT EXISTS case_parties (
    id          {{pk}},
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    role        TEXT NOT NULL,               -- complainant, victim, respondent, child
    name        TEXT NOT NULL DEFAULT '',    -- sealed
    phone       TEXT NOT NULL DEFAULT '',    -- sealed
    address     TEXT NOT NULL DEFAULT '',    -- sealed
    relation    TEXT NOT NULL DEFAULT '',    -- sealed: to the victim
    age_group   TEXT NOT NULL DEFAULT '',    -- minor, adult, elderly
    disabled    INTEGER NOT NULL DEFAULT 0,
    ill         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS case_parties_case ON case_parties (case_id);

-- The case's timeline: every step, with a sealed note.
CREATE TABLE IF NOT EXISTS case_events (
    id       {{pk}},
    case_id  BIGINT NOT NULL REFERENCES cases(id),
    kind     TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',       -- sealed
    by_user  BIGINT REFERENCES users(id),
    at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_events_case ON case_events (case_id, at);

-- Danger assessments (家庭暴力): the items answered yes, the weighted score
-- and the level it gives. The latest is the case's risk.
CREATE TABLE IF NOT EXISTS case_assessments (
    id       {{pk}},
    case_id  BIGINT NOT NULL REFERENCES cases(id),
    items    TEXT NOT NULL,                  -- the codes answered yes, comma-separated
    score    INTEGER NOT NULL,
    level    TEXT NOT NULL,
    by_user  BIGINT NOT NULL REFERENCES users(id),
    at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_assessments_case ON case_assessments (case_id, at);

-- Consent per receiving agency (Primero's model): to refer, and to
-- disclose her details to that agency. A later row replaces an earlier.
CREATE TABLE IF NOT EXISTS case_consents (
    id        {{pk}},
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    agency    TEXT NOT NULL,
    refer     INTEGER NOT NULL,
    disclose  INTEGER NOT NULL,
    by_user   BIGINT NOT NULL REFERENCES users(id),
    at        BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_consents_case ON case_consents (case_id, agency, at);

-- Referrals to another agency, with their state and deadline. A referral
-- made without her consent carries the leader's override and its reason.
CREATE TABLE IF NOT EXISTS case_referrals (
    id               {{pk}},
    case_id          BIGINT NOT NULL REFERENCES cases(id),
    agency           TEXT NOT NULL,
    status           TEXT NOT NULL,           -- sent, received, replied, done
    disclose         INTEGER NOT NULL,        -- her details went with it
    due_on           TEXT NOT NULL,           -- YYYY-MM-DD
    reply            TEXT NOT NULL DEFAULT '',-- sealed
    override_by      BIGINT REFERENCES users(id),
    override_reason  TEXT NOT NULL DEFAULT '',-- sealed
    sent_by          BIGINT NOT NULL REFERENCES users(id),
    sent_at          BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_referrals_case ON case_referrals (case_id);
CREATE INDEX IF NOT EXISTS case_referrals_open ON case_referrals (status, due_on);

-- Escalations (上报) to the unit above and transfers (转办) to another
-- unit, each answered by the receiving unit.
CREATE TABLE IF NOT EXISTS case_moves (
    id           {{pk}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    kind         TEXT NOT NULL,               -- escalate, transfer
    from_org_id  BIGINT NOT NULL REFERENCES orgs(id),
    to_org_id    BIGINT NOT NULL REFERENCES orgs(id),
    to_path      TEXT NOT NULL,
    reason       TEXT NOT NULL,               -- sealed
    status       TEXT NOT NULL,               -- pending, accepted, refused
    reply        TEXT NOT NULL DEFAULT '',    -- sealed
    sent_by      BIGINT NOT NULL REFERENCES users(id),
    sent_at      BIGINT NOT NULL,
    decided_by   BIGINT REFERENCES users(id),
    decided_at   BIGINT
);
CREATE INDEX IF NOT EXISTS case_moves_case ON case_moves (case_id, sent_at);
CREATE INDEX IF NOT EXISTS case_moves_to ON case_moves (to_path, status);

-- Break the glass: a leader of a unit above opened a case she would only
-- see as a line without names, with a reason, until the grant expires.
CREATE TABLE IF NOT EXISTS case_glass (
    id        {{pk}},
    case_id   BIGINT NOT NULL REFERENCES cases(id),
    user_id   BIGINT NOT NULL REFERENCES users(id),
    reason    TEXT NOT NULL,                  -- sealed
    at        BIGINT NOT NULL,
    until_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_glass_user ON case_glass (user_id, case_id, until_at);
