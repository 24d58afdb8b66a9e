-- 学习: the study activities units hold (专题学习, 专题研讨, 专题培训, 宣讲 …),
-- their photos, and which of them a unit counted in a 督办 report.
--
-- Every work-line table keeps the owning unit's materialized path beside
-- its id (org_path), so a subtree's records are one index range scan and a
-- roll-up is one GROUP BY, without joining the tree. Paths never change:
-- the importer moves no unit once it has records (ids are stable).

CREATE TABLE study_activities (
    id           {{pk}},
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    org_path     TEXT NOT NULL,
    kind         TEXT NOT NULL,                 -- study, seminar, training, lecture, other
    held_on      TEXT NOT NULL,                 -- YYYY-MM-DD
    topic        TEXT NOT NULL,
    doc_id       BIGINT REFERENCES documents(id), -- the issued document studied, if any
    place        TEXT NOT NULL DEFAULT '',
    speaker      TEXT NOT NULL DEFAULT '',
    participants INTEGER NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
-- a unit's own list and a subtree's statistics by date
CREATE INDEX study_activities_path ON study_activities (org_path, held_on);
-- the 学习动态 feed: newest first, filtered to the scope
CREATE INDEX study_activities_held ON study_activities (held_on, id);
CREATE INDEX study_activities_doc ON study_activities (doc_id);

CREATE TABLE study_photos (
    activity_id BIGINT NOT NULL REFERENCES study_activities(id),
    file_id     BIGINT NOT NULL REFERENCES files(id),
    PRIMARY KEY (activity_id, file_id)
);

-- Activities a unit attached to its report under a requirement: the
-- report's sessions and participants are summed from them.
CREATE TABLE report_study (
    report_id   BIGINT NOT NULL REFERENCES reports(id),
    activity_id BIGINT NOT NULL REFERENCES study_activities(id),
    PRIMARY KEY (report_id, activity_id)
);
CREATE INDEX report_study_activity ON report_study (activity_id);
