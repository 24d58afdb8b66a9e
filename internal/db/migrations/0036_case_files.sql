-- 巾帼维权, continued (issue 15): photos and files on a case (a photo of
-- an injury, a scanned 告诫书, a medical record). The file itself is in
-- files, sealed like every upload; a photo's EXIF and GPS are removed
-- before it is stored (files.Scrub), since a photo's position can lead an
-- abuser to a shelter. removed_at takes a file off the case without
-- losing it: evidence is never deleted, and the audit log says who took
-- it off and why. Written to run again on a database that has it.
CREATE TABLE IF NOT EXISTS case_files (
    case_id     BIGINT NOT NULL REFERENCES cases(id),
    file_id     BIGINT NOT NULL REFERENCES files(id),
    photo       INTEGER NOT NULL DEFAULT 0,   -- 1: a photo, metadata removed
    by_user     BIGINT NOT NULL REFERENCES users(id),
    added_at    BIGINT NOT NULL,
    removed_at  BIGINT,
    PRIMARY KEY (case_id, file_id)
);
