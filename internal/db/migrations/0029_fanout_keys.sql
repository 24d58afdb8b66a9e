-- dialect: postgres
-- Issuing a document to a whole tree writes one row per unit into three
-- tables: its recipients, their notifications and, per 督办 requirement,
-- their reports — 665,276 of each for the country (issue 14). On
-- PostgreSQL every foreign key of those rows is a trigger that runs a
-- query per row, and a key to orgs also locks the unit's row: 20 s per key
-- for the country, 85 s of an issue's 95. Those keys go; what they
-- guarded is kept another way:
--   * the rows are written by INSERT … SELECT joined to the units, the
--     document and the requirement (internal/doc, notify, report), so they
--     never name one that does not exist;
--   * what they name is never deleted: a unit is deactivated or merged,
--     never removed, and an issued document never changes — the triggers
--     below refuse it, as the keys did; a requirement may be removed only
--     while nothing reports on it (a draft's).
-- SQLite keeps its keys: its checks take no lock and cost little.
ALTER TABLE document_recipients DROP CONSTRAINT IF EXISTS document_recipients_doc_id_fkey;
ALTER TABLE document_recipients DROP CONSTRAINT IF EXISTS document_recipients_org_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_org_id_fkey;
ALTER TABLE reports DROP CONSTRAINT IF EXISTS reports_requirement_id_fkey;
ALTER TABLE reports DROP CONSTRAINT IF EXISTS reports_org_id_fkey;

CREATE OR REPLACE FUNCTION halfsky_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'halfsky: rows of % are never deleted (id %)', TG_TABLE_NAME, OLD.id;
END
$$;
DROP TRIGGER IF EXISTS orgs_no_delete ON orgs;
CREATE TRIGGER orgs_no_delete BEFORE DELETE ON orgs FOR EACH ROW EXECUTE FUNCTION halfsky_refuse_delete();
DROP TRIGGER IF EXISTS documents_no_delete ON documents;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents FOR EACH ROW EXECUTE FUNCTION halfsky_refuse_delete();

CREATE OR REPLACE FUNCTION halfsky_requirement_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM reports WHERE requirement_id = OLD.id) THEN
        RAISE EXCEPTION 'halfsky: requirement % has reports and is never deleted', OLD.id;
    END IF;
    RETURN OLD;
END
$$;
DROP TRIGGER IF EXISTS requirements_no_delete ON requirements;
CREATE TRIGGER requirements_no_delete BEFORE DELETE ON requirements FOR EACH ROW EXECUTE FUNCTION halfsky_requirement_delete();
-- dialect: all
