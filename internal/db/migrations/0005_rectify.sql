-- 问题整改台账: the problems units find in themselves, the measures, the
-- progress with evidence, and closing (销号) verified by the unit above.

CREATE TABLE problems (
    id             {{pk}},
    org_id         BIGINT NOT NULL REFERENCES orgs(id),
    org_path       TEXT NOT NULL,
    category       TEXT NOT NULL,   -- organ 机关化, admin 行政化, elite 贵族化, leisure 娱乐化, style 作风, ability 能力, other
    source         TEXT NOT NULL,   -- self 自查, public 群众反映, inspection 上级督查
    description    TEXT NOT NULL,
    measures       TEXT NOT NULL,
    responsible    TEXT NOT NULL,   -- the person responsible
    mode           TEXT NOT NULL,   -- now 立行立改, deadline 限期整改, ongoing 长期坚持
    plan           TEXT NOT NULL DEFAULT '',
    found_on       TEXT NOT NULL,   -- YYYY-MM-DD
    due_on         TEXT,            -- now and deadline: when it must be fixed
    status         TEXT NOT NULL,   -- open 整改中, applied 申请销号, returned 退回, closed 已销号
    applied_at     BIGINT,
    applied_by     BIGINT REFERENCES users(id),
    closed_at      BIGINT,
    closed_by      BIGINT REFERENCES users(id),
    closed_by_org  BIGINT REFERENCES orgs(id),
    return_reason  TEXT NOT NULL DEFAULT '',
    created_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX problems_path ON problems (org_path, status, due_on);
-- the verifier's queue: what units below asked to close
CREATE INDEX problems_status ON problems (status, applied_at);

-- Review dates of a 长期坚持 item, and when each review was made.
CREATE TABLE problem_reviews (
    problem_id  BIGINT NOT NULL REFERENCES problems(id),
    review_on   TEXT NOT NULL,
    done_at     BIGINT,
    PRIMARY KEY (problem_id, review_on)
);

-- The item's history: progress updates, 申请销号, 退回, 销号.
CREATE TABLE problem_updates (
    id          {{pk}},
    problem_id  BIGINT NOT NULL REFERENCES problems(id),
    kind        TEXT NOT NULL,   -- progress, apply, return, close, review
    note        TEXT NOT NULL,
    by_user     BIGINT NOT NULL REFERENCES users(id),
    by_name     TEXT NOT NULL,
    by_org      BIGINT NOT NULL REFERENCES orgs(id),
    at          BIGINT NOT NULL
);
CREATE INDEX problem_updates_problem ON problem_updates (problem_id, at);

CREATE TABLE problem_files (
    problem_id  BIGINT NOT NULL REFERENCES problems(id),
    file_id     BIGINT NOT NULL REFERENCES files(id),
    update_id   BIGINT REFERENCES problem_updates(id),
    PRIMARY KEY (problem_id, file_id)
);
