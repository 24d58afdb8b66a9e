-- 公文 (official documents) from draft to distribution, their receipts, the
-- 督办/报送 reporting requirements and reports, stored files, notifications
-- and the outgoing mail queue.

ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- Uploaded files (attachments of documents and reports). Kept in the
-- database so app servers hold no state of their own.
CREATE TABLE files (
    id           {{pk}},
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         {{blob}} NOT NULL,
    created_by   BIGINT REFERENCES users(id),
    created_at   BIGINT NOT NULL
);

CREATE TABLE documents (
    id              {{pk}},
    org_id          BIGINT NOT NULL REFERENCES orgs(id),      -- 发文机关
    doc_type        TEXT NOT NULL,                            -- 通知, 请示, 函 …
    -- draft, reviewing, returned, reviewed, signed, issued
    status          TEXT NOT NULL,
    copy_no         TEXT NOT NULL DEFAULT '',                 -- 份号
    secret          TEXT NOT NULL DEFAULT '',                 -- 密级
    secret_term     TEXT NOT NULL DEFAULT '',                 -- 保密期限
    urgency         TEXT NOT NULL DEFAULT '',                 -- 紧急程度
    issuer_mark     TEXT NOT NULL,                            -- 发文机关标志
    abbr            TEXT NOT NULL,                            -- 机关代字, e.g. 哈妇发
    number_year     INTEGER,                                  -- set at registration
    number_seq      INTEGER,
    number          TEXT NOT NULL DEFAULT '',                 -- 哈妇发〔2015〕9号
    signers         TEXT NOT NULL DEFAULT '',                 -- 签发人, names joined by a space
    title           TEXT NOT NULL,
    recipients      TEXT NOT NULL DEFAULT '',                 -- 主送机关 as printed
    recipient_spec  TEXT NOT NULL DEFAULT '[]',               -- JSON: groups, units and subtrees to send to
    cc              TEXT NOT NULL DEFAULT '',                 -- 抄送机关 as printed
    cc_spec         TEXT NOT NULL DEFAULT '[]',
    body            TEXT NOT NULL DEFAULT '',                 -- 正文, one paragraph per line
    attachment_note TEXT NOT NULL DEFAULT '',                 -- 附件说明, one item per line
    signature       TEXT NOT NULL DEFAULT '',                 -- 发文机关署名
    doc_date        TEXT NOT NULL DEFAULT '',                 -- 成文日期 YYYY-MM-DD
    seal            INTEGER NOT NULL DEFAULT 1,               -- 印章 (shown as a mark)
    note            TEXT NOT NULL DEFAULT '',                 -- 附注
    printed_by      TEXT NOT NULL DEFAULT '',                 -- 印发机关
    printed_date    TEXT NOT NULL DEFAULT '',                 -- 印发日期 YYYY-MM-DD
    drafted_by      BIGINT REFERENCES users(id),
    reviewed_by     BIGINT REFERENCES users(id),
    reviewed_at     BIGINT,
    review_note     TEXT NOT NULL DEFAULT '',
    signed_by       BIGINT REFERENCES users(id),
    signed_at       BIGINT,
    sign_opinion    TEXT NOT NULL DEFAULT '',
    issued_by       BIGINT REFERENCES users(id),
    issued_at       BIGINT,
    corrects_id     BIGINT REFERENCES documents(id),          -- a correction is a new document
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX documents_org ON documents (org_id, status, updated_at);
-- a number is never given twice
CREATE UNIQUE INDEX documents_number ON documents (abbr, number_year, number_seq);

-- Every saved version of a draft.
CREATE TABLE document_versions (
    doc_id     BIGINT NOT NULL REFERENCES documents(id),
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,                                 -- JSON of the editable fields
    edited_by  BIGINT REFERENCES users(id),
    edited_at  BIGINT NOT NULL,
    PRIMARY KEY (doc_id, version)
);

CREATE TABLE document_files (
    doc_id   BIGINT NOT NULL REFERENCES documents(id),
    file_id  BIGINT NOT NULL REFERENCES files(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (doc_id, file_id)
);

-- The registers that hand out 发文字号: one row per 机关代字 and year; the
-- row lock serializes concurrent issues, so numbers are never skipped or reused.
CREATE TABLE doc_numbers (
    abbr      TEXT NOT NULL,
    year      INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    PRIMARY KEY (abbr, year)
);

-- The units a document went to, and their receipt (签收).
CREATE TABLE document_recipients (
    doc_id     BIGINT NOT NULL REFERENCES documents(id),
    org_id     BIGINT NOT NULL REFERENCES orgs(id),
    kind       TEXT NOT NULL,                                 -- main (主送) or cc (抄送)
    signed_at  BIGINT,
    signed_by  BIGINT REFERENCES users(id),
    PRIMARY KEY (doc_id, org_id)
);
CREATE INDEX document_recipients_org ON document_recipients (org_id, doc_id);

-- 督办: what each main recipient must report back, to whom, by when.
CREATE TABLE requirements (
    id          {{pk}},
    doc_id      BIGINT NOT NULL REFERENCES documents(id),
    title       TEXT NOT NULL,                                -- e.g. 学习贯彻情况
    detail      TEXT NOT NULL DEFAULT '',
    department  TEXT NOT NULL,                                -- e.g. 市妇联宣传部
    due_date    TEXT NOT NULL,                                -- YYYY-MM-DD, end of day Beijing time
    fields      TEXT NOT NULL DEFAULT '[]',                   -- JSON [{key,label,unit}] numeric fields
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX requirements_doc ON requirements (doc_id);

-- One row per unit that must report (created when the document is issued).
CREATE TABLE reports (
    id                  {{pk}},
    requirement_id      BIGINT NOT NULL REFERENCES requirements(id),
    org_id              BIGINT NOT NULL REFERENCES orgs(id),
    org_code            TEXT NOT NULL DEFAULT '',             -- the unit's code, for the table's order
    -- pending, draft, submitted, returned, accepted
    status              TEXT NOT NULL,
    -- the unit's deadline (end of the due day, Beijing time, in ms): the
    -- requirement's, or a granted extension's
    due_at              BIGINT NOT NULL,
    body                TEXT NOT NULL DEFAULT '',
    numbers             TEXT NOT NULL DEFAULT '{}',           -- JSON {key: number}
    submitted_at        BIGINT,
    submitted_by        BIGINT REFERENCES users(id),
    decided_at          BIGINT,
    decided_by          BIGINT REFERENCES users(id),
    return_reason       TEXT NOT NULL DEFAULT '',
    -- extension: requested, granted, refused
    extension_status    TEXT NOT NULL DEFAULT '',
    extension_until     TEXT NOT NULL DEFAULT '',
    extension_reason    TEXT NOT NULL DEFAULT '',
    extension_reply     TEXT NOT NULL DEFAULT '',
    last_urged_at       BIGINT,
    -- the unit's 签收 of the document, copied here so the dashboard's
    -- roll-up reads one table
    received_at         BIGINT,
    version             INTEGER NOT NULL DEFAULT 0,           -- guards concurrent changes
    updated_at          BIGINT NOT NULL,
    UNIQUE (requirement_id, org_id)
);
CREATE INDEX reports_org ON reports (org_id, status);
CREATE INDEX reports_todo ON reports (org_id, due_at);
CREATE INDEX reports_table ON reports (requirement_id, org_code);

CREATE TABLE report_files (
    report_id BIGINT NOT NULL REFERENCES reports(id),
    file_id   BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (report_id, file_id)
);

-- In-app notifications, to a unit (every user there sees it) or to a user.
CREATE TABLE notifications (
    id          {{pk}},
    org_id      BIGINT REFERENCES orgs(id),
    user_id     BIGINT REFERENCES users(id),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX notifications_org ON notifications (org_id, created_at);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

-- Outgoing mail, written in the same transaction as what caused it and sent
-- by a worker, so an acknowledged 催办 is never lost to an SMTP hiccup.
CREATE TABLE mail_outbox (
    id          {{pk}},
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL,                                -- pending, sent, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    next_try_at BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX mail_outbox_pending ON mail_outbox (status, next_try_at);
