package org

import (
	"context"
	"fmt"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Store reads and changes the tree. Methods that take an Actor apply the
// actor's scope; a unit outside it is reported as not found, so callers
// cannot probe for its existence.
type Store struct{ DB *db.DB }

const columns = `id, code, name, kind, sector, COALESCE(parent_id, 0), path, depth, active, COALESCE(merged_into, 0), created_at, updated_at`

func scanOrg(row db.Scanner) (Org, error) {
	var o Org
	var active int
	var created, updated int64
	err := row.Scan(&o.ID, &o.Code, &o.Name, &o.Kind, &o.Sector, &o.ParentID, &o.Path, &o.Depth, &active, &o.MergedInto, &created, &updated)
	o.Active = active != 0
	o.CreatedAt, o.UpdatedAt = db.FromMillis(created), db.FromMillis(updated)
	return o, err
}

// ByCode returns the unit with the code if it is in the actor's scope.
func (s *Store) ByCode(ctx context.Context, a access.Actor, code string) (Org, error) {
	o, err := s.ByCodeUnscoped(ctx, s.DB.Q(), code)
	if err != nil {
		return Org{}, err
	}
	if !a.CanAt(access.ViewOrgs, o.Path) {
		return Org{}, db.ErrNotFound
	}
	return o, nil
}

// ByCodeUnscoped looks a unit up without any scope: for the operator's
// command line and for resolving a signed-in user's own unit.
func (s *Store) ByCodeUnscoped(ctx context.Context, q db.Querier, code string) (Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+columns+` FROM orgs WHERE code = ?`, code))
	return o, db.NoRows(err)
}

// ByID returns a unit without scope (internal use: joins already scoped).
func (s *Store) ByID(ctx context.Context, q db.Querier, id int64) (Org, error) {
	o, err := scanOrg(q.QueryRow(ctx, `SELECT `+columns+` FROM orgs WHERE id = ?`, id))
	return o, db.NoRows(err)
}

// Children lists the direct children of a unit in the actor's scope, the
// history (merged and deactivated units) last.
func (s *Store) Children(ctx context.Context, a access.Actor, parent Org) ([]Org, error) {
	if !a.CanAt(access.ViewOrgs, parent.Path) {
		return nil, db.ErrNotFound
	}
	return db.All(ctx, s.DB.Q(), scanOrg, `SELECT `+columns+` FROM orgs WHERE parent_id = ? ORDER BY active DESC, sort_key, code`, parent.ID)
}

// Ancestors returns the chain from the actor's own unit down to (excluding)
// o, for breadcrumbs: units above the actor's scope are left out.
func (s *Store) Ancestors(ctx context.Context, a access.Actor, o Org) ([]Org, error) {
	list, err := s.OnPath(ctx, s.DB.Q(), o.Path)
	if err != nil || len(list) <= 1 {
		return nil, err
	}
	out := list[:0]
	for _, p := range list[:len(list)-1] {
		if a.Scope().Contains(p.Path) {
			out = append(out, p)
		}
	}
	return out, nil
}

// OnPath returns the units of a materialized path, root first, in one
// query.
func (s *Store) OnPath(ctx context.Context, q db.Querier, path string) ([]Org, error) {
	ids := access.PathIDs(path)
	if len(ids) == 0 {
		return nil, nil
	}
	return db.All(ctx, q, scanOrg, `SELECT `+columns+` FROM orgs WHERE id IN (`+db.Marks(len(ids))+`) ORDER BY depth`, db.Args(ids)...)
}

// Filter selects units for a search.
type Filter struct {
	Under   string // code of the subtree root; "" = the actor's unit
	Kind    Kind   // "" = any
	Q       string // substring of the name or a code prefix
	Page    int    // 1-based
	PerPage int
}

// PerPageDefault is the page size of unit lists.
const PerPageDefault = 50

// Search lists units in the subtree under f.Under (within the actor's
// scope) matching the filter, with the total count.
func (s *Store) Search(ctx context.Context, a access.Actor, f Filter) ([]Org, int, error) {
	if !a.Can(access.ViewOrgs) {
		return nil, 0, access.ErrDenied
	}
	root := a.OrgCode
	if f.Under != "" {
		root = f.Under
	}
	under, err := s.ByCode(ctx, a, root)
	if err != nil {
		return nil, 0, err
	}
	where, args := access.Scope{Path: under.Path}.Where("path")
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		where += ` AND (name LIKE ? ESCAPE '\' OR code LIKE ? ESCAPE '\')`
		args = append(args, "%"+escapeLike(q)+"%", escapeLike(q)+"%")
	}
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	per := f.PerPage
	if per <= 0 || per > 500 {
		per = PerPageDefault
	}
	page := max(f.Page, 1)
	list, err := db.All(ctx, s.DB.Q(), scanOrg, `SELECT `+columns+` FROM orgs WHERE `+where+
		` ORDER BY code LIMIT ? OFFSET ?`, append(args, per, (page-1)*per)...)
	return list, total, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// LevelCount is one row of a subtree count.
type LevelCount struct {
	Level Level
	Count int
}

// SubtreeCounts counts the active units below o (excluding o itself) by
// level: merged and deactivated units are history, not part of the
// current tree. Each kind is counted by a range scan of the partial
// (kind, path) index of active units, so even
// the national tree counts without touching table rows.
func (s *Store) SubtreeCounts(ctx context.Context, a access.Actor, o Org) ([]LevelCount, int, error) {
	if !a.CanAt(access.ViewOrgs, o.Path) {
		return nil, 0, db.ErrNotFound
	}
	lo, hi := access.Scope{Path: o.Path}.Range()
	parts := make([]string, 0, len(Kinds))
	args := make([]any, 0, 3*len(Kinds))
	for _, k := range Kinds {
		parts = append(parts, `SELECT ?, COUNT(*) FROM orgs WHERE kind = ? AND path > ? AND path < ? AND active = 1`)
		args = append(args, string(k), string(k), lo, hi)
	}
	rows, err := s.DB.Query(ctx, strings.Join(parts, " UNION ALL "), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	byKind := map[Kind]int{}
	for rows.Next() {
		var k Kind
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, 0, err
		}
		byKind[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var out []LevelCount
	total := 0
	for _, l := range Levels {
		n := 0
		for _, k := range l.Kinds {
			n += byKind[k]
		}
		if n > 0 {
			out = append(out, LevelCount{Level: l, Count: n})
		}
		total += n
	}
	return out, total, nil
}

// Create adds a unit under parent (for organs, group members and
// new-sector organizations; territorial units come from import, and
// splits). A deactivated or merged parent takes no new unit (ErrInactive).
func (s *Store) Create(ctx context.Context, tx *db.Tx, parent Org, code, name string, kind Kind, sector string) (Org, error) {
	if !parent.Active {
		return Org{}, ErrInactive
	}
	now := db.Millis(db.Now())
	id, err := db.InsertID(ctx, tx, `INSERT INTO orgs (code, name, kind, sector, parent_id, path, depth, sort_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, code, name, string(kind), sector, parent.ID, "pending:"+code, parent.Depth+1, sortKey(kind, code), now, now)
	if err != nil {
		if db.IsUniqueViolation(err) {
			return Org{}, fmt.Errorf("机构代码 %s 已存在: %w", code, ErrDuplicate)
		}
		return Org{}, err
	}
	path := fmt.Sprintf("%s%d/", parent.Path, id)
	if _, err := tx.Exec(ctx, `UPDATE orgs SET path = ? WHERE id = ?`, path, id); err != nil {
		return Org{}, err
	}
	return s.ByID(ctx, tx, id)
}

// ErrDuplicate is returned when a code is taken.
var ErrDuplicate = fmt.Errorf("duplicate code")

// sortKey orders siblings: territorial units by code, then organs, group
// members and new-sector organizations after them.
func sortKey(k Kind, code string) string {
	switch k {
	case KindOrgan:
		return "1" + code
	case KindMember:
		return "2" + code
	case KindNewSector:
		return "3" + code
	}
	return "0" + code
}

// Count returns the number of units in the database (all of them).
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n)
	return n, err
}

// ChildCounts returns, for each direct child of parent, the number of
// active units below it (one correlated range count per child, on the path index).
// Callers have already checked parent is in scope.
func (s *Store) ChildCounts(ctx context.Context, parent Org) (map[int64]int, error) {
	rows, err := s.DB.Query(ctx, `SELECT c.id, (SELECT COUNT(*) FROM orgs d
			WHERE d.path > c.path AND d.path < SUBSTR(c.path, 1, LENGTH(c.path) - 1) || '0' AND d.active = 1)
		FROM orgs c WHERE c.parent_id = ?`, parent.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
