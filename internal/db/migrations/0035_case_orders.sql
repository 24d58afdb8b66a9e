-- 巾帼维权, continued (issue 15): protection orders and 告诫书, the
-- follow-ups of a domestic-violence case, the 强制报告 record and the
-- safety plan. Notes are sealed like the case's others. Written to run
-- again on a database that has it.

-- 人身安全保护令 (applied for at a court: urgent, decided within 24 hours,
-- or ordinary, within 72; issued or refused; in force up to 6 months) and
-- 告诫书 (issued by 公安). reminded_at marks the reminder already given
-- (a decision overdue, an order about to expire).
CREATE TABLE IF NOT EXISTS case_orders (
    id           {{pk}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    kind         TEXT NOT NULL,               -- protection, warning
    urgent       INTEGER NOT NULL DEFAULT 0,
    applied_at   BIGINT,                      -- protection: when applied for
    decide_by    BIGINT,                      -- protection: applied_at + 24 h or 72 h
    status       TEXT NOT NULL,               -- applied, issued, refused
    issued_on    TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD
    expires_on   TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD, at most 6 months on
    violations   INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',    -- sealed
    reminded_at  BIGINT,
    by_user      BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_orders_case ON case_orders (case_id);
CREATE INDEX IF NOT EXISTS case_orders_due ON case_orders (status, reminded_at);

-- Follow-ups of a 家庭暴力 case: 1 week, 1 month and 3 months after it
-- closes; done with a sealed note. reminded_at: the due reminder given.
CREATE TABLE IF NOT EXISTS case_followups (
    id           {{pk}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    due_on       TEXT NOT NULL,
    done_at      BIGINT,
    note         TEXT NOT NULL DEFAULT '',    -- sealed
    by_user      BIGINT REFERENCES users(id),
    reminded_at  BIGINT
);
CREATE INDEX IF NOT EXISTS case_followups_case ON case_followups (case_id, due_on);
CREATE INDEX IF NOT EXISTS case_followups_due ON case_followups (due_on, done_at);

-- 强制报告 (反家庭暴力法 第十四条): a victim who is a minor, elderly,
-- disabled or seriously ill is reported to 公安 — to whom, when, by whom.
CREATE TABLE IF NOT EXISTS case_reports (
    id           {{pk}},
    case_id      BIGINT NOT NULL REFERENCES cases(id),
    agency       TEXT NOT NULL,
    reported_on  TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',    -- sealed
    by_user      BIGINT NOT NULL REFERENCES users(id),
    at           BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_reports_case ON case_reports (case_id);

-- The safety plan a case rated 高 or above opens: each item done or not.
CREATE TABLE IF NOT EXISTS case_safety (
    case_id  BIGINT NOT NULL REFERENCES cases(id),
    item     TEXT NOT NULL,
    done_at  BIGINT,
    by_user  BIGINT REFERENCES users(id),
    PRIMARY KEY (case_id, item)
);
