-- 巾帼关爱 disbursement: approved applications are paid by bank transfer
-- (never cash) in payment batches the city federation sends to the bank.
-- The bank answers paid or failed per line; a failed line's application
-- can go into a later batch. Amounts are in fen.
--
-- Bank account numbers are personal data: sealed by internal/vault like
-- the applicant's fields, shown masked (**** **** 1234).

-- The payee's account of an approved application, entered by a unit in
-- whose scope it is. One per application; changing it replaces it.
CREATE TABLE aid_accounts (
    application_id BIGINT PRIMARY KEY REFERENCES aid_applications(id),
    bank_name      TEXT NOT NULL,   -- 开户银行, in the clear: not personal
    account        TEXT NOT NULL,   -- sealed; digits only
    set_by         BIGINT NOT NULL REFERENCES users(id),
    set_org        BIGINT NOT NULL REFERENCES orgs(id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

-- A batch: lines of one cycle sent to the bank together. Open while any
-- line waits for the bank's answer, closed when every line has one.
CREATE TABLE aid_batches (
    id         {{pk}},
    cycle_id   BIGINT NOT NULL REFERENCES aid_cycles(id),
    seq        INTEGER NOT NULL,           -- 第 n 批 of the cycle
    status     TEXT NOT NULL,              -- open, closed
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_at  BIGINT,
    updated_at BIGINT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    UNIQUE (cycle_id, seq)
);
CREATE INDEX aid_batches_status ON aid_batches (status, created_at);

-- One payment of one application. The account is copied (sealed again)
-- when the line is made: the batch keeps what the bank was told even if
-- the account is changed after a failure.
CREATE TABLE aid_payment_lines (
    id             {{pk}},
    batch_id       BIGINT NOT NULL REFERENCES aid_batches(id),
    seq            INTEGER NOT NULL,        -- line number in the batch
    application_id BIGINT NOT NULL REFERENCES aid_applications(id),
    amount         BIGINT NOT NULL,         -- fen: the approved amount
    bank_name      TEXT NOT NULL,
    account        TEXT NOT NULL,           -- sealed
    status         TEXT NOT NULL,           -- pending, paid, failed
    note           TEXT NOT NULL DEFAULT '', -- the bank's answer, e.g. why it failed
    result_by      BIGINT REFERENCES users(id),
    result_at      BIGINT,
    UNIQUE (batch_id, seq)
);
-- An application is paid at most once and waits in at most one batch: the
-- index, not a prior SELECT, decides when two batches are made at once.
-- Failed lines drop out of it, so the application can be batched again.
CREATE UNIQUE INDEX aid_payment_lines_live ON aid_payment_lines (application_id) WHERE status <> 'failed';
CREATE INDEX aid_payment_lines_application ON aid_payment_lines (application_id, status);
