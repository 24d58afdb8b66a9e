-- 下基层、访妇情、办实事: visits by cadres, the women's needs (妇情) they
-- hear, hand-overs of needs between units, the practical tasks (实事) made
-- of them, and the per-cadre quotas ("1+10+N") they are measured against.

CREATE TABLE visits (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES orgs(id),  -- the unit whose area was visited
    org_path    TEXT NOT NULL,
    cadre_id    BIGINT NOT NULL REFERENCES users(id), -- who went (counts towards her quota)
    cadre_name  TEXT NOT NULL,
    companions  TEXT NOT NULL DEFAULT '',             -- others who went along
    visited_on  TEXT NOT NULL,                        -- YYYY-MM-DD
    place       TEXT NOT NULL DEFAULT '',
    households  INTEGER NOT NULL DEFAULT 0,
    women       INTEGER NOT NULL DEFAULT 0,           -- women met
    notes       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX visits_path ON visits (org_path, visited_on);
CREATE INDEX visits_cadre ON visits (cadre_id, visited_on);

CREATE TABLE visit_photos (
    visit_id BIGINT NOT NULL REFERENCES visits(id),
    file_id  BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (visit_id, file_id)
);

-- A need is seen by the unit that recorded it (origin) and by the unit now
-- responsible for it (org), and by the units above either.
CREATE TABLE needs (
    id            {{pk}},
    visit_id      BIGINT REFERENCES visits(id),
    origin_org_id BIGINT NOT NULL REFERENCES orgs(id),
    origin_path   TEXT NOT NULL,
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    org_path      TEXT NOT NULL,
    category      TEXT NOT NULL,   -- employment, family, rights, hardship, children, health, other
    urgency       TEXT NOT NULL,   -- normal 一般, urgent 较急, critical 紧急
    summary       TEXT NOT NULL,
    consent       INTEGER NOT NULL, -- 1: she agreed to be recorded by name
    person_name   TEXT NOT NULL DEFAULT '',  -- only with consent
    contact       TEXT NOT NULL DEFAULT '',  -- only with consent, and only when follow-up needs it
    status        TEXT NOT NULL,   -- open, handing (hand-over pending), tasked, resolved, closed
    recorded_by   BIGINT NOT NULL REFERENCES users(id),
    recorded_on   TEXT NOT NULL,   -- YYYY-MM-DD
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX needs_path ON needs (org_path, recorded_on);
CREATE INDEX needs_origin ON needs (origin_path, recorded_on);
CREATE INDEX needs_visit ON needs (visit_id);

-- Hand-overs up or down the tree: who sent it where and why, and the
-- receiving unit's answer.
CREATE TABLE need_handovers (
    id           {{pk}},
    need_id      BIGINT NOT NULL REFERENCES needs(id),
    from_org_id  BIGINT NOT NULL REFERENCES orgs(id),
    to_org_id    BIGINT NOT NULL REFERENCES orgs(id),
    to_path      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,   -- pending, accepted, refused
    reply        TEXT NOT NULL DEFAULT '',
    sent_by      BIGINT NOT NULL REFERENCES users(id),
    sent_at      BIGINT NOT NULL,
    decided_by   BIGINT REFERENCES users(id),
    decided_at   BIGINT
);
CREATE INDEX need_handovers_need ON need_handovers (need_id, sent_at);
CREATE INDEX need_handovers_to ON need_handovers (to_org_id, status);

CREATE TABLE tasks (
    id            {{pk}},
    need_id       BIGINT REFERENCES needs(id),
    org_id        BIGINT NOT NULL REFERENCES orgs(id),
    org_path      TEXT NOT NULL,
    title         TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    owner_id      BIGINT REFERENCES users(id),
    owner_name    TEXT NOT NULL,
    starts_on     TEXT NOT NULL,   -- YYYY-MM-DD
    due_on        TEXT NOT NULL,   -- YYYY-MM-DD
    status        TEXT NOT NULL,   -- todo 待办, doing 办理中, done 已办结, unable 无法办理
    result        TEXT NOT NULL DEFAULT '',  -- what was done (done) or why not (unable)
    feedback      TEXT NOT NULL DEFAULT '',  -- satisfied, fair, unsatisfied
    closed_on     TEXT,            -- YYYY-MM-DD
    closed_by     BIGINT REFERENCES users(id),
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tasks_path ON tasks (org_path, due_on);
CREATE INDEX tasks_need ON tasks (need_id);
CREATE INDEX tasks_owner ON tasks (owner_id, status);

-- A quota: every cadre (leader or staff account) of the units in the
-- subtree of org_id must reach target in the period ("1+10+N": each 执委
-- contacts at least 10 women). Set by the unit itself or one above it.
CREATE TABLE quotas (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    org_path    TEXT NOT NULL,
    set_by_org  BIGINT NOT NULL REFERENCES orgs(id),
    metric      TEXT NOT NULL,   -- women (women met), visits, needs, tasks_done
    target      INTEGER NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX quotas_path ON quotas (org_path, ends_on);
