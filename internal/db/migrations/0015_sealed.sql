-- Everything personal sealed at rest (issue 10): uploaded files and the
-- free text that describes people.
--
-- Uploaded files (attachments of documents and reports, study and visit
-- photos, problem evidence) are kept like an aid application's documents:
-- the bytes in sealed pieces of at most 64 KiB (file_chunks, sealed by
-- internal/vault with "file_chunks.data" as additional data), the name
-- and the SHA-256 of the content sealed in their columns (files.name,
-- files.sha256). chunks is how many pieces hold the content; 0 marks a
-- file stored by an earlier version in files.data in the clear, which
-- `halfsky keys reseal` (and the server, at start) moves into sealed
-- pieces, emptying files.data. New files leave files.data empty.
ALTER TABLE files ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;

CREATE TABLE file_chunks (
    id      {{pk}},
    file_id BIGINT NOT NULL REFERENCES files(id),
    seq     INTEGER NOT NULL,  -- 0, 1, … in content order
    data    TEXT NOT NULL,     -- sealed: the piece's bytes
    UNIQUE (file_id, seq)
);

-- The visit and task lists were searched with LIKE on place, notes, title
-- and owner, which are sealed now. search_terms is their blind index:
-- the keyed hashes of every two-character piece of those fields
-- (internal/vault/terms.go), " t1 t2 … ", " " for none; '' marks a row
-- written before, which the start-up step indexes.
ALTER TABLE visits ADD COLUMN search_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN search_terms TEXT NOT NULL DEFAULT '';
