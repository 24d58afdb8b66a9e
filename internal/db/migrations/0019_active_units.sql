-- Counts of units are of the current tree (issue 11): a unit merged into
-- another (已撤并) or deactivated stays as history, under the unit that
-- took it, but is no longer counted as a street or a community. These
-- partial indexes keep those counts index-only range scans, as the
-- (kind, path) and (path) indexes made them before inactive units existed.
CREATE INDEX orgs_active_kind_path ON orgs (kind, path) WHERE active = 1;
CREATE INDEX orgs_active_path ON orgs (path) WHERE active = 1;
