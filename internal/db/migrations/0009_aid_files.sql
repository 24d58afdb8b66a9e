-- The attachments of aid applications: the documents a programme requires
-- (医院诊断证明, 家庭困难证明, 在校证明 …), uploaded by the collecting unit.
--
-- They are diagnoses and poverty certificates, so nothing of them sits in
-- the clear: the file name and the bytes are sealed by internal/vault like
-- the applicant's fields. The bytes are sealed in chunks of at most 64 KiB
-- (aid_file_chunks), so that `halfsky keys rotate`, which re-seals a
-- registered column 500 rows per transaction, never holds more than a few
-- tens of megabytes, however large the files. digest is the keyed hash
-- (vault Lookup, purpose "aid_files.data") of the whole content: it proves
-- the chunks read back are this file's, in order, without letting anyone
-- without the key confirm a guess of the content as a plain SHA-256 would.
--
-- The retention purge deletes an application's files and their chunks.
CREATE TABLE aid_files (
    id             {{pk}},
    application_id BIGINT NOT NULL REFERENCES aid_applications(id),
    doc_key        TEXT NOT NULL,    -- one of the application's documents keys
    name           TEXT NOT NULL,    -- sealed: a file name may name the person
    content_type   TEXT NOT NULL,    -- application/pdf, image/jpeg, image/png
    size           BIGINT NOT NULL,  -- bytes, in the clear
    digest         TEXT NOT NULL,    -- keyed hash of the content
    chunks         INTEGER NOT NULL, -- how many aid_file_chunks rows hold it
    org_id         BIGINT NOT NULL REFERENCES orgs(id),  -- the unit that uploaded it
    uploaded_by    BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL
);
CREATE INDEX aid_files_application ON aid_files (application_id, doc_key, id);

CREATE TABLE aid_file_chunks (
    id      {{pk}},
    file_id BIGINT NOT NULL REFERENCES aid_files(id),
    seq     INTEGER NOT NULL,  -- 0, 1, … in content order
    data    TEXT NOT NULL,     -- sealed: the chunk's bytes
    UNIQUE (file_id, seq)
);
