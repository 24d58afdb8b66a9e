package org

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"halfsky/internal/db"
	"halfsky/internal/tally"
)

// Records keep a copy of their unit's materialized path beside the unit's
// id, so that every scope filter is an index range scan on the record's
// own table. When the tree changes shape (区划调整: a unit moves, is merged
// or split), every copy must change in the same transaction, or the
// records fall out of everyone's scope — unreachable, which to their
// users is the same as lost. Modules register their copies here, as they
// register sealed columns with the vault; the tree's operations rewrite
// them all, and Check finds any that disagree with the tree.

// PathCopy is a column holding a copy of the path of the unit in OrgCol.
type PathCopy struct {
	Table, OrgCol, PathCol string
}

// Follower keeps something else derived from the tree right, for records
// a path rewrite cannot mend alone (aid's district of an application).
type Follower struct {
	Name string
	// Follow runs in the operation's transaction after the subtree at
	// path root got its new paths.
	Follow func(ctx context.Context, tx *db.Tx, root string) error
	// Stale counts the records that disagree with the tree; Repair mends
	// them all and says how many.
	Stale  func(ctx context.Context, q db.Querier) (int, error)
	Repair func(ctx context.Context, tx *db.Tx) (int64, error)
}

// HandOver gives to another unit what a module's records hold of a unit
// beyond a path copy — a programme the unit runs, a quota set for it —
// when the unit is merged into another or split and another takes its
// records. Without it a merged unit would keep running a programme that
// nobody can manage any more: its accounts moved away.
type HandOver struct {
	Name string // table.column, as the operation's counts name it
	// Move hands over in the operation's transaction and says how many
	// rows changed; Count says how many Move would change (the split's
	// preview).
	Move  func(ctx context.Context, tx *db.Tx, from, to Org) (int64, error)
	Count func(ctx context.Context, q db.Querier, from Org) (int64, error)
}

var (
	followMu  sync.Mutex
	copies    []PathCopy
	followers []Follower
	handOvers []HandOver
)

// RegisterHandOver declares a hand-over (at package initialization).
func RegisterHandOver(h HandOver) {
	followMu.Lock()
	defer followMu.Unlock()
	handOvers = append(handOvers, h)
}

// RegisterOwnerColumn declares a column naming the unit that runs a
// record (a programme's owner, a register's): a merge gives the record to
// the unit merged into.
func RegisterOwnerColumn(table, col string) {
	RegisterHandOver(HandOver{
		Name: table + "." + col,
		Move: func(ctx context.Context, tx *db.Tx, from, to Org) (int64, error) {
			res, err := tx.Exec(ctx, `UPDATE `+table+` SET `+col+` = ? WHERE `+col+` = ?`, to.ID, from.ID)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		Count: func(ctx context.Context, q db.Querier, from Org) (int64, error) {
			var n int64
			err := q.QueryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+col+` = ?`, from.ID).Scan(&n)
			return n, err
		},
	})
}

// OpenWork is work waiting for a unit that only its own accounts can
// take up (a need handed over to it): a unit with any cannot be
// deactivated — nobody could ever decide it — though it can be merged,
// the work going with its records.
type OpenWork struct {
	Message string // the refusal, in Chinese
	Count   func(ctx context.Context, q db.Querier, unit Org) (int, error)
}

var openWork []OpenWork

// RegisterOpenWork declares open work (at package initialization).
func RegisterOpenWork(w OpenWork) {
	followMu.Lock()
	defer followMu.Unlock()
	openWork = append(openWork, w)
}

func registeredOpenWork() []OpenWork {
	followMu.Lock()
	defer followMu.Unlock()
	return append([]OpenWork(nil), openWork...)
}

func registeredHandOvers() []HandOver {
	followMu.Lock()
	defer followMu.Unlock()
	return append([]HandOver(nil), handOvers...)
}

// RegisterPathCopy declares a path copy (at package initialization:
// identifiers come from code, never from input).
func RegisterPathCopy(table, orgCol, pathCol string) PathCopy {
	followMu.Lock()
	defer followMu.Unlock()
	c := PathCopy{Table: table, OrgCol: orgCol, PathCol: pathCol}
	for _, x := range copies {
		if x == c {
			return c
		}
	}
	copies = append(copies, c)
	return c
}

// RegisterFollower declares a follower.
func RegisterFollower(f Follower) {
	followMu.Lock()
	defer followMu.Unlock()
	followers = append(followers, f)
}

// PathCopies lists the registered copies, sorted.
func PathCopies() []PathCopy {
	followMu.Lock()
	defer followMu.Unlock()
	out := append([]PathCopy(nil), copies...)
	sort.Slice(out, func(i, j int) bool {
		return out[i].Table+"."+out[i].PathCol < out[j].Table+"."+out[j].PathCol
	})
	return out
}

func registeredFollowers() []Follower {
	followMu.Lock()
	defer followMu.Unlock()
	return append([]Follower(nil), followers...)
}

// subtreeRange is the half-open range of the paths in the subtree at path.
func subtreeRange(path string) (lo, hi string) { return path, path[:len(path)-1] + "0" }

// rewritePaths puts the unit with id, whose subtree is at oldPath, under
// the unit parentID, its subtree at newPath: the unit's parent, the
// subtree's paths and depths and every copy of them, then the followers
// follow. It is the one place a subtree's paths change. The parent is set
// first: the followers read the tree, and a unit whose path is new but
// whose parent is old would be in two places at once (a district moved
// under its sibling still a child of the programme's owner).
func rewritePaths(ctx context.Context, tx *db.Tx, id, parentID int64, oldPath, newPath string, depthDelta int) error {
	if _, err := tx.Exec(ctx, `UPDATE orgs SET parent_id = ? WHERE id = ?`, parentID, id); err != nil {
		return err
	}
	lo, hi := subtreeRange(oldPath)
	if _, err := tx.Exec(ctx, `UPDATE orgs SET path = CAST(? AS TEXT) || SUBSTR(path, ?), depth = depth + ?, updated_at = ?
		WHERE path >= ? AND path < ?`, newPath, len(oldPath)+1, depthDelta, db.Millis(db.Now()), lo, hi); err != nil {
		return err
	}
	// The unit's folded counters leave its old ancestors for its new ones.
	if err := tally.Moved(ctx, tx, id, oldPath, newPath); err != nil {
		return err
	}
	for _, t := range copyTables() {
		q, args := rewriteCopies(t, oldPath, newPath)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("moving %s: %w", t.Table, err)
		}
	}
	for _, f := range registeredFollowers() {
		if err := f.Follow(ctx, tx, newPath); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// copyTable is a table with its path copies (needs keeps two: the unit
// responsible and the unit where it was recorded).
type copyTable struct {
	Table string
	Cols  []string
}

// copyTables groups the registered copies by table, in PathCopies' order.
func copyTables() []copyTable {
	var out []copyTable
	for _, c := range PathCopies() {
		if n := len(out); n > 0 && out[n-1].Table == c.Table {
			out[n-1].Cols = append(out[n-1].Cols, c.PathCol)
			continue
		}
		out = append(out, copyTable{Table: c.Table, Cols: []string{c.PathCol}})
	}
	return out
}

// rewriteCopies is the one UPDATE that gives every copy in the table
// under oldPath the prefix newPath. A table with two copies is rewritten
// in one pass, each column only where it lies in the subtree: a second
// UPDATE of the same rows would make every row a new version twice, and
// on PostgreSQL the second pass wades through the first one's versions
// (it took three times as long as the first when Harbin moved).
func rewriteCopies(t copyTable, oldPath, newPath string) (string, []any) {
	lo, hi := subtreeRange(oldPath)
	if len(t.Cols) == 1 {
		c := t.Cols[0]
		return `UPDATE ` + t.Table + ` SET ` + c + ` = CAST(? AS TEXT) || SUBSTR(` + c + `, ?)
			WHERE ` + c + ` >= ? AND ` + c + ` < ?`, []any{newPath, len(oldPath) + 1, lo, hi}
	}
	var set, where []string
	var args, wargs []any
	for _, c := range t.Cols {
		set = append(set, c+` = CASE WHEN `+c+` >= ? AND `+c+` < ? THEN CAST(? AS TEXT) || SUBSTR(`+c+`, ?) ELSE `+c+` END`)
		args = append(args, lo, hi, newPath, len(oldPath)+1)
		where = append(where, `(`+c+` >= ? AND `+c+` < ?)`)
		wargs = append(wargs, lo, hi)
	}
	return `UPDATE ` + t.Table + ` SET ` + strings.Join(set, ", ") + ` WHERE ` + strings.Join(where, " OR "), append(args, wargs...)
}

// reparent moves unit (with its subtree) under parent in tx.
func reparent(ctx context.Context, tx *db.Tx, unit, parent Org) error {
	newPath := parent.Path + strconv.FormatInt(unit.ID, 10) + "/"
	return rewritePaths(ctx, tx, unit.ID, parent.ID, unit.Path, newPath, parent.Depth+1-unit.Depth)
}

// Stale is what Check found out of step with the tree.
type Stale struct {
	What  string // e.g. "visits.org_path", "orgs.path"
	Count int
}

// Check counts, per kind of stored copy, the records that disagree with
// the tree: units whose path or depth does not follow from their parent's,
// path copies that differ from their unit's path, and what the followers
// keep. An empty answer means the tree and every record agree.
func (s *Store) Check(ctx context.Context) ([]Stale, error) {
	var out []Stale
	add := func(what string, n int, err error) error {
		if err == nil && n > 0 {
			out = append(out, Stale{What: what, Count: n})
		}
		return err
	}
	n, err := s.count(ctx, `SELECT COUNT(*) FROM orgs c LEFT JOIN orgs p ON p.id = c.parent_id
		WHERE (p.id IS NULL AND (c.path <> '/' || CAST(c.id AS TEXT) || '/' OR c.depth <> 0))
		   OR (p.id IS NOT NULL AND (c.path <> p.path || CAST(c.id AS TEXT) || '/' OR c.depth <> p.depth + 1))`)
	if err := add("orgs.path", n, err); err != nil {
		return nil, err
	}
	for _, c := range PathCopies() {
		n, err := s.count(ctx, `SELECT COUNT(*) FROM `+c.Table+` t JOIN orgs o ON o.id = t.`+c.OrgCol+` WHERE t.`+c.PathCol+` <> o.path`)
		if err := add(c.Table+"."+c.PathCol, n, err); err != nil {
			return nil, err
		}
	}
	for _, f := range registeredFollowers() {
		n, err := f.Stale(ctx, s.DB.Q())
		if err := add(f.Name, n, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// Repair mends what Check finds, in one transaction: the tree's own paths
// and depths first (recomputed from the parents, top down), then every
// copy from its unit, then the followers. It reports what it changed.
func (s *Store) Repair(ctx context.Context) ([]Stale, error) {
	var out []Stale
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := repairTree(ctx, tx)
		if err != nil {
			return err
		}
		if n > 0 {
			out = append(out, Stale{What: "orgs.path", Count: n})
		}
		for _, c := range PathCopies() {
			res, err := tx.Exec(ctx, `UPDATE `+c.Table+` SET `+c.PathCol+` = (SELECT o.path FROM orgs o WHERE o.id = `+c.Table+`.`+c.OrgCol+`)
				WHERE `+c.PathCol+` <> (SELECT o.path FROM orgs o WHERE o.id = `+c.Table+`.`+c.OrgCol+`)`)
			if err != nil {
				return fmt.Errorf("repairing %s.%s: %w", c.Table, c.PathCol, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				out = append(out, Stale{What: c.Table + "." + c.PathCol, Count: int(n)})
			}
		}
		for _, f := range registeredFollowers() {
			n, err := f.Repair(ctx, tx)
			if err != nil {
				return fmt.Errorf("repairing %s: %w", f.Name, err)
			}
			if n > 0 {
				out = append(out, Stale{What: f.Name, Count: int(n)})
			}
		}
		return nil
	})
	return out, err
}

// repairTree recomputes every unit's path and depth from parent_id, top
// down, and writes those that differ.
func repairTree(ctx context.Context, tx *db.Tx) (int, error) {
	type unit struct {
		id, parent int64
		path       string
		depth      int
		seen       bool
	}
	rows, err := tx.Query(ctx, `SELECT id, COALESCE(parent_id, 0), path, depth FROM orgs`)
	if err != nil {
		return 0, err
	}
	units := map[int64]*unit{}
	children := map[int64][]*unit{}
	for rows.Next() {
		u := &unit{}
		if err := rows.Scan(&u.id, &u.parent, &u.path, &u.depth); err != nil {
			rows.Close()
			return 0, err
		}
		units[u.id] = u
		children[u.parent] = append(children[u.parent], u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// Paths must stay unique while rewritten: move the wrong ones aside
	// first, then give each its right path.
	var wrong []*unit
	var walk func(parentPath string, depth int, us []*unit)
	walk = func(parentPath string, depth int, us []*unit) {
		for _, u := range us {
			u.seen = true
			want := parentPath + strconv.FormatInt(u.id, 10) + "/"
			if u.path != want || u.depth != depth {
				u.path, u.depth = want, depth
				wrong = append(wrong, u)
			}
			walk(u.path, depth+1, children[u.id])
		}
	}
	walk("/", 0, children[0])
	for _, u := range units {
		if !u.seen {
			return 0, fmt.Errorf("unit %d is not reachable from a root (a cycle in parent_id)", u.id)
		}
	}
	for _, u := range wrong {
		if _, err := tx.Exec(ctx, `UPDATE orgs SET path = ? WHERE id = ?`, "repair:"+strconv.FormatInt(u.id, 10), u.id); err != nil {
			return 0, err
		}
	}
	for _, u := range wrong {
		if _, err := tx.Exec(ctx, `UPDATE orgs SET path = ?, depth = ? WHERE id = ?`, u.path, u.depth, u.id); err != nil {
			return 0, err
		}
	}
	return len(wrong), nil
}

// String is a report line: "visits.org_path 12".
func (x Stale) String() string { return x.What + " " + strconv.Itoa(x.Count) }

// StaleTotal is the number of records out of step in a report.
func StaleTotal(xs []Stale) int {
	n := 0
	for _, x := range xs {
		n += x.Count
	}
	return n
}

// FormatStale is a report for people: one line per kind, or that all agree.
func FormatStale(xs []Stale) string {
	if len(xs) == 0 {
		return "0"
	}
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "%s\n", x)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
