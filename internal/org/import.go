package org

import (
	"context"
	"fmt"
	"strings"

	"halfsky/internal/db"
	"halfsky/internal/division"
)

// ImportStats counts what an import did.
type ImportStats struct {
	Read, Added, Renamed, Moved, Unchanged int
	// Kept counts the units where the national list disagrees with a
	// local 区划调整 (a rename, move or recode made here), which wins.
	Kept int
}

func (s ImportStats) String() string {
	out := fmt.Sprintf("读取 %d，新增 %d，更名 %d，调整上级 %d，未变 %d", s.Read, s.Added, s.Renamed, s.Moved, s.Unchanged)
	if s.Kept > 0 {
		out += fmt.Sprintf("，保留本地调整 %d", s.Kept)
	}
	return out
}

// node is what the importer keeps in memory per territorial unit: enough to
// attach children without asking the database.
type node struct {
	id         int64
	path       string
	depth      int
	name       string
	parentCode string
	inactive   bool // deactivated or merged (区划调整): history the import leaves alone
	// A local 区划调整 wins over the national list: a unit renamed here
	// keeps its name, one moved here (or by a merge or split) its place,
	// and a recoded unit is not made again under its old code. Without
	// this a second import would undo them — move a merged unit's
	// children back under it, re-create a recoded unit.
	localName, localPlace bool
}

// importBatch is how many units go into one transaction and one multi-row
// INSERT: big enough to be fast, small enough to keep locks short.
const importBatch = 500

// Importer loads divisions into the tree idempotently: new units are added,
// renamed ones renamed, a unit whose parent changed (e.g. Harbin gaining its
// province when the whole country is imported) is moved with its subtree.
type Importer struct {
	store     *Store
	nodes     map[string]*node
	provinces map[string]string
	pending   []division.Division
	recoded   map[string]bool // old codes of units recoded here
	stats     ImportStats
	progress  func(ImportStats)
}

// NewImporter reads the existing territorial units once.
func (s *Store) NewImporter(ctx context.Context, progress func(ImportStats)) (*Importer, error) {
	im := &Importer{store: s, nodes: map[string]*node{}, provinces: map[string]string{}, progress: progress}
	rows, err := s.DB.Query(ctx, `SELECT o.id, o.code, o.name, o.path, o.depth, COALESCE(p.code, ''), o.active
		FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id
		WHERE o.kind IN ('nation', 'province', 'city', 'district', 'street', 'community', 'village')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		n := &node{}
		var code string
		var active int
		if err := rows.Scan(&n.id, &code, &n.name, &n.path, &n.depth, &n.parentCode, &active); err != nil {
			return nil, err
		}
		n.inactive = active == 0
		im.nodes[code] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return im, im.readLocal(ctx)
}

// readLocal marks the units a local 区划调整 changed (org_changes made by
// a person or the tree's commands, not by an import) and maps recoded
// units' old codes to them.
func (im *Importer) readLocal(ctx context.Context) error {
	byID := make(map[int64]*node, len(im.nodes))
	for _, n := range im.nodes {
		byID[n.id] = n
	}
	im.recoded = map[string]bool{}
	type change struct {
		id        int64
		kind, old string
	}
	changes, err := db.All(ctx, im.store.DB.Q(), func(r db.Scanner) (c change, err error) {
		err = r.Scan(&c.id, &c.kind, &c.old)
		return c, err
	}, `SELECT org_id, kind, old_value FROM org_changes WHERE kind IN (?, ?, ?) ORDER BY id`,
		string(ChangeRename), string(ChangeMove), string(ChangeRecode))
	if err != nil {
		return err
	}
	for _, c := range changes {
		n := byID[c.id]
		if n == nil {
			continue
		}
		switch ChangeKind(c.kind) {
		case ChangeRename:
			n.localName = true
		case ChangeMove:
			n.localPlace = true
		case ChangeRecode:
			if _, taken := im.nodes[c.old]; !taken {
				im.nodes[c.old], im.recoded[c.old] = n, true
			}
		}
	}
	return nil
}

// Add queues one division; parents must come before their children.
func (im *Importer) Add(ctx context.Context, d division.Division) error {
	if division.Level(d.Code) == 0 {
		return fmt.Errorf("division code %q: want 2, 4, 6, 9 or 12 digits", d.Code)
	}
	if division.Level(d.Code) == division.Province {
		im.provinces[d.Code] = d.Name
	}
	im.pending = append(im.pending, d)
	if len(im.pending) >= importBatch {
		return im.Flush(ctx)
	}
	return nil
}

// Flush writes the queued divisions in one transaction.
func (im *Importer) Flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	batch := im.pending
	im.pending = nil
	err := im.store.DB.InTx(ctx, func(tx *db.Tx) error { return im.write(ctx, tx, batch) })
	if err != nil {
		return err
	}
	if im.progress != nil {
		im.progress(im.stats)
	}
	return nil
}

// Analyze refreshes the planner's statistics after a bulk import (on
// PostgreSQL also the visibility map, so counts can stay index-only);
// without it, counts right after importing the country ran 100× slower.
func (im *Importer) Analyze(ctx context.Context) error {
	q := `ANALYZE orgs`
	if im.store.DB.Dialect == db.Postgres {
		q = `VACUUM (ANALYZE) orgs`
	}
	_, err := im.store.DB.Exec(ctx, q)
	return err
}

// Stats returns the counts so far.
func (im *Importer) Stats() ImportStats { return im.stats }

type newRow struct {
	d    division.Division
	name string
	kind Kind
}

func (im *Importer) write(ctx context.Context, tx *db.Tx, batch []division.Division) error {
	var fresh []newRow
	for _, d := range batch {
		d.Parent = im.parentCode(d)
		im.stats.Read++
		name := division.FederationName(d, im.provinces[firstN(d.Code, 2)])
		n, ok := im.nodes[d.Code]
		if !ok {
			fresh = append(fresh, newRow{d: d, name: name, kind: kindOf(d)})
			continue
		}
		if n.inactive { // a merged unit stays where the merge put it, as it was
			im.stats.Unchanged++
			continue
		}
		if im.recoded[d.Code] { // the unit lives on under its new code
			im.stats.Kept++
			continue
		}
		changed, kept := false, false
		if n.name != name && n.localName {
			kept = true
		} else if n.name != name {
			if err := im.rename(ctx, tx, n, name); err != nil {
				return err
			}
			changed = true
		}
		if n.parentCode != d.Parent && len(fresh) > 0 {
			// the new parent may be among this batch's new units
			if err := im.insert(ctx, tx, fresh); err != nil {
				return err
			}
			fresh = nil
		}
		if p, ok := im.nodes[d.Parent]; ok && im.nodes[n.parentCode] != p {
			if n.localPlace {
				kept = true
			} else {
				if err := im.move(ctx, tx, d.Code, n, p, d.Parent); err != nil {
					return err
				}
				im.stats.Moved++
				changed = true
			}
		}
		switch {
		case kept:
			im.stats.Kept++
		case !changed:
			im.stats.Unchanged++
		}
	}
	return im.insert(ctx, tx, fresh)
}

// rename gives a unit the national list's name, kept in its history as
// the import's.
func (im *Importer) rename(ctx context.Context, tx *db.Tx, n *node, name string) error {
	if _, err := tx.Exec(ctx, `UPDATE orgs SET name = ?, updated_at = ? WHERE id = ?`, name, db.Millis(db.Now()), n.id); err != nil {
		return err
	}
	if err := im.store.remember(ctx, tx, Operator(), n.id, ChangeImportRename, n.name, name, 0); err != nil {
		return err
	}
	n.name = name
	im.stats.Renamed++
	return nil
}

func (im *Importer) insert(ctx context.Context, tx *db.Tx, fresh []newRow) error {
	if len(fresh) == 0 {
		return nil
	}
	ids, err := allocateIDs(ctx, tx, len(fresh))
	if err != nil {
		return err
	}
	now := db.Millis(db.Now())
	var sb strings.Builder
	args := make([]any, 0, len(fresh)*11)
	sb.WriteString(`INSERT INTO orgs (id, code, name, kind, sector, parent_id, path, depth, sort_key, created_at, updated_at) VALUES `)
	for i, r := range fresh {
		var parentID any
		path, depth := fmt.Sprintf("/%d/", ids[i]), 0
		p, ok := im.nodes[r.d.Parent]
		if !ok {
			// A division whose parent is not in the tree (the built-in
			// Harbin slice has no province) hangs under the national root
			// when there is one, until its parent is imported.
			p, ok = im.nodes[NationalCode]
			if ok {
				r.d.Parent = NationalCode
			}
		}
		if ok {
			parentID, path, depth = p.id, fmt.Sprintf("%s%d/", p.path, ids[i]), p.depth+1
		}
		im.nodes[r.d.Code] = &node{id: ids[i], path: path, depth: depth, name: r.name, parentCode: r.d.Parent}
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString("(?,?,?,?,'',?,?,?,?,?,?)")
		args = append(args, ids[i], r.d.Code, r.name, string(r.kind), parentID, path, depth, sortKey(r.kind, r.d.Code), now, now)
	}
	if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
		return err
	}
	im.stats.Added += len(fresh)
	return nil
}

// allocateIDs reserves n ids: from the identity sequence on PostgreSQL (so
// concurrent inserts elsewhere never collide), above the current maximum on
// SQLite (where the transaction holds the write lock).
func allocateIDs(ctx context.Context, tx *db.Tx, n int) ([]int64, error) {
	if tx.Dialect() == db.Postgres {
		return db.Column[int64](ctx, tx, `SELECT nextval(pg_get_serial_sequence('orgs', 'id')) FROM generate_series(1, ?::int)`, n)
	}
	ids := make([]int64, 0, n)
	var maxID int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM orgs`).Scan(&maxID); err != nil {
		return nil, err
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, maxID+int64(i))
	}
	return ids, nil
}

// move re-parents a unit and rewrites the paths and depths of its subtree
// — and every record's copy of them (rewritePaths).
func (im *Importer) move(ctx context.Context, tx *db.Tx, code string, n, parent *node, parentCode string) error {
	oldPath := n.path
	newPath := fmt.Sprintf("%s%d/", parent.path, n.id)
	delta := parent.depth + 1 - n.depth
	if err := rewritePaths(ctx, tx, n.id, parent.id, oldPath, newPath, delta); err != nil {
		return err
	}
	var oldName string
	var oldID int64
	if old := im.nodes[n.parentCode]; old != nil {
		oldName, oldID = old.name, old.id
	}
	if err := im.store.remember(ctx, tx, Operator(), n.id, ChangeImportMove, oldName, parent.name, oldID); err != nil {
		return err
	}
	for _, m := range im.nodes {
		if strings.HasPrefix(m.path, oldPath) {
			m.path = newPath + m.path[len(oldPath):]
			m.depth += delta
		}
	}
	n.parentCode = parentCode
	return nil
}

// parentCode is the code of the unit a division belongs under: its own
// parent's, or for a province the national root's when the tree has one.
func (im *Importer) parentCode(d division.Division) string {
	if d.Parent == "" && division.Level(d.Code) == division.Province {
		if _, ok := im.nodes[NationalCode]; ok {
			return NationalCode
		}
	}
	return d.Parent
}

func kindOf(d division.Division) Kind {
	switch division.Level(d.Code) {
	case division.Province:
		return KindProvince
	case division.City:
		return KindCity
	case division.Area:
		return KindDistrict
	case division.Street:
		return KindStreet
	}
	if division.IsVillage(d.Name) {
		return KindVillage
	}
	return KindCommunity
}

func firstN(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// ImportHarbin loads the embedded Harbin tree (idempotent).
func (s *Store) ImportHarbin(ctx context.Context) (ImportStats, error) {
	ds, err := division.Harbin()
	if err != nil {
		return ImportStats{}, err
	}
	im, err := s.NewImporter(ctx, nil)
	if err != nil {
		return ImportStats{}, err
	}
	for _, d := range ds {
		if err := im.Add(ctx, d); err != nil {
			return im.Stats(), err
		}
	}
	err = im.Flush(ctx)
	return im.Stats(), err
}
