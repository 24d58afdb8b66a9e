-- A 机关代字 belongs to the unit that numbers its documents with it
-- (issue 11: registers are owned by a unit, not by "the root"). Before,
-- any unit could issue under any 代字 and share another's register:
-- 道里区 could take the city's next 哈妇发 number. The first unit to issue
-- under a 代字 owns its register; others are refused; a merge hands it
-- over with the unit's other records.
--
-- Existing registers go to the unit of their earliest issued document,
-- else (a register with no document yet, like the demo's 2015 one) to
-- the first root unit.
CREATE TABLE doc_registers (
    abbr       TEXT PRIMARY KEY,
    owner_id   BIGINT NOT NULL REFERENCES orgs(id),
    created_at BIGINT NOT NULL
);
INSERT INTO doc_registers (abbr, owner_id, created_at)
SELECT r.abbr, COALESCE(
        (SELECT d.org_id FROM documents d WHERE d.abbr = r.abbr AND d.status = 'issued' ORDER BY d.issued_at, d.id LIMIT 1),
        (SELECT o.id FROM orgs o WHERE o.parent_id IS NULL ORDER BY o.id LIMIT 1)), 0
FROM (SELECT DISTINCT abbr FROM doc_numbers) r
WHERE EXISTS (SELECT 1 FROM orgs);
CREATE INDEX doc_registers_owner ON doc_registers (owner_id);
