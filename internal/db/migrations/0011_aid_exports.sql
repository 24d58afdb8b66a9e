-- Exports of aid personal data in the clear need a leader's approval
-- (issue 5): a user asks, with a reason, for the application list under a
-- filter or for a payment batch's bank file; a leader of her unit or of
-- an ancestor unit — never she herself — approves or rejects it; the
-- requester then downloads it once within 24 hours of the approval. The
-- request keeps no personal data: the rows are built at download time.
CREATE TABLE aid_exports (
    id            {{pk}},
    kind          TEXT NOT NULL,              -- applications (the list, unmasked), bank (a batch's bank file)
    params        TEXT NOT NULL DEFAULT '{}', -- JSON: the list filter, or {"batch": id}
    summary       TEXT NOT NULL DEFAULT '',   -- what it holds, in words, for the decider: 2026年两癌救助 · 道里区 · 12 条
    reason        TEXT NOT NULL,              -- why the data is needed; required
    org_id        BIGINT NOT NULL REFERENCES orgs(id), -- the requester's unit
    org_path      TEXT NOT NULL,
    requested_by  BIGINT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL,              -- pending, approved, rejected, used, expired
    decided_by    BIGINT REFERENCES users(id),
    decided_at    BIGINT,
    decision_note TEXT NOT NULL DEFAULT '',
    used_at       BIGINT,
    row_count     INTEGER,                    -- rows in the downloaded file
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,                     -- set on approval: 24 hours later
    updated_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX aid_exports_requester ON aid_exports (requested_by, created_at);
CREATE INDEX aid_exports_waiting ON aid_exports (status, org_path);
