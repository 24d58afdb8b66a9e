-- 收文登记 (issue 12): the documents a unit receives from outside — a
-- superior's notice as a .docx, PDF, OFD or text — registered in the
-- unit's own receipt register, with the original file kept (sealed, like
-- every attachment).

-- The receipt registers: one row per unit and year; the row lock
-- serializes concurrent registrations, so 收文编号 are never skipped or
-- reused.
CREATE TABLE incoming_numbers (
    org_id   BIGINT NOT NULL REFERENCES orgs(id),
    year     INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (org_id, year)
);

-- org_id is the unit that holds the record (a merge hands it to the unit
-- merged into); register_id is the unit whose register numbered it, which
-- never changes, so numbers stay unique through merges. from_number is
-- the 来文字号 in its one form (…〔2015〕9号); a unit registers a 来文 once
-- (voiding a registration frees the number for a new one).
CREATE TABLE incoming_docs (
    id          {{pk}},
    org_id      BIGINT NOT NULL REFERENCES orgs(id),
    register_id BIGINT NOT NULL REFERENCES orgs(id),
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    from_unit   TEXT NOT NULL,
    from_number TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL,
    doc_date    TEXT NOT NULL DEFAULT '',
    received_on TEXT NOT NULL,
    secret      TEXT NOT NULL DEFAULT '',
    urgency     TEXT NOT NULL DEFAULT '',
    recipients  TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    attachments TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    warnings    TEXT NOT NULL DEFAULT '',
    pages       INTEGER NOT NULL DEFAULT 0,
    voided_at   BIGINT,
    voided_by   BIGINT REFERENCES users(id),
    void_reason TEXT NOT NULL DEFAULT '',
    created_by  BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX incoming_docs_serial ON incoming_docs (register_id, year, seq);
CREATE UNIQUE INDEX incoming_docs_from ON incoming_docs (register_id, from_number)
    WHERE from_number <> '' AND voided_at IS NULL;
CREATE INDEX incoming_docs_org ON incoming_docs (org_id, received_on, id);

-- The original file, and any added later.
CREATE TABLE incoming_files (
    incoming_id BIGINT NOT NULL REFERENCES incoming_docs(id),
    file_id     BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (incoming_id, file_id)
);
