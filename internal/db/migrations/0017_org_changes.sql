-- 区划调整 (issue 11): the tree's changes of shape are first-class actions,
-- and each leaves its history on the units concerned.

-- One row per change of a unit: what it was renamed or recoded from, where
-- it moved from, what it was merged into or merged from, what it was split
-- from. kind: rename, recode, move, merged_into, merged_from, split_from,
-- split_to, deactivate. old_value and new_value hold the values as they
-- were then (names, codes; for a move the old and new parents' names; for
-- a merge or split the other unit's name); other_org_id is the other unit
-- (the old parent of a move, the unit merged into or from, split from or
-- into), for a link to it as it is now. by_user is NULL for the operator's
-- command line.
CREATE TABLE org_changes (
    id           {{pk}},
    org_id       BIGINT NOT NULL REFERENCES orgs(id),
    kind         TEXT NOT NULL,
    old_value    TEXT NOT NULL DEFAULT '',
    new_value    TEXT NOT NULL DEFAULT '',
    other_org_id BIGINT REFERENCES orgs(id),
    at           BIGINT NOT NULL,
    by_user      BIGINT REFERENCES users(id)
);
CREATE INDEX org_changes_org ON org_changes (org_id, at);

-- A unit merged into another (已撤并) stays as history: inactive, placed
-- under the unit it was merged into, and pointing at it.
ALTER TABLE orgs ADD COLUMN merged_into BIGINT REFERENCES orgs(id);

-- A 公文 keeps the names of its issuer and recipients as they were when it
-- was issued, whatever the units are called later ('' before issue: the
-- unit's current name is shown). Documents issued before this migration
-- take the names the units have now, the best there is.
ALTER TABLE documents ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE document_recipients ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
UPDATE documents SET org_name = (SELECT o.name FROM orgs o WHERE o.id = documents.org_id)
    WHERE status = 'issued' AND org_name = '';
UPDATE document_recipients SET org_name = (SELECT o.name FROM orgs o WHERE o.id = document_recipients.org_id)
    WHERE org_name = '';
