-- Programmes belong to a unit, not to "the root" (issue 11). Before, an
-- aid programme, its cycles, quotas, payment batches and bank files were
-- managed by "a leader of a unit without a parent" — which stopped being
-- the city federation as soon as its province was imported above it. Now
-- each programme names the unit that runs it (owner_id): that unit's
-- leaders manage it, the review chain ends there, and the district of an
-- application is the owner's child on the application's path.
--
-- Filled from the unit whose leader opened the programme's first cycle or
-- last changed it (only the root's leader could), else today's root; a
-- fresh database has no units yet, and the first start gives programmes
-- without an owner to the installation's top unit.
ALTER TABLE aid_programmes ADD COLUMN owner_id BIGINT REFERENCES orgs(id);
UPDATE aid_programmes SET owner_id = COALESCE(
        (SELECT u.org_id FROM aid_cycles c JOIN users u ON u.id = c.created_by
            WHERE c.programme_id = aid_programmes.id ORDER BY c.id LIMIT 1),
        (SELECT u.org_id FROM users u WHERE u.id = aid_programmes.updated_by),
        (SELECT o.id FROM orgs o WHERE o.parent_id IS NULL ORDER BY o.id LIMIT 1))
    WHERE owner_id IS NULL;
CREATE INDEX aid_programmes_owner ON aid_programmes (owner_id);

-- The first start's steps (the tree, the accounts, each part of the demo),
-- each recorded when it is done, so that a start that stopped halfway is
-- completed by the next and a finished one is never repeated. A database
-- seeded before the steps were recorded counts as finished.
CREATE TABLE setup_steps (
    step    TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
);
INSERT INTO setup_steps (step, done_at) SELECT 'legacy', 0 WHERE EXISTS (SELECT 1 FROM users);
