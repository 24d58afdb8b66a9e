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
}

func (s ImportStats) String() string {
	return fmt.Sprintf("读取 %d，新增 %d，更名 %d，调整上级 %d，未变 %d", s.Read, s.Added, s.Renamed, s.Moved, s.Unchanged)
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
	return im, rows.Err()
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
		changed := false
		if n.name != name {
			if _, err := tx.Exec(ctx, `UPDATE orgs SET name = ?, updated_at = ? WHERE id = ?`, name, db.Millis(db.Now()), n.id); err != nil {
				return err
			}
			n.name = name
			im.stats.Renamed++
			changed = true
		}
		if n.parentCode != d.Parent && len(fresh) > 0 {
			// the new parent may be among this batch's new units
			if err := im.insert(ctx, tx, fresh); err != nil {
				return err
			}
			fresh = nil
		}
		if p, ok := im.nodes[d.Parent]; ok && n.parentCode != d.Parent {
			if err := im.move(ctx, tx, d.Code, n, p, d.Parent); err != nil {
				return err
			}
			im.stats.Moved++
			changed = true
		}
		if !changed {
			im.stats.Unchanged++
		}
	}
	return im.insert(ctx, tx, fresh)
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
	ids := make([]int64, 0, n)
	if tx.Dialect() == db.Postgres {
		rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('orgs', 'id')) FROM generate_series(1, ?::int)`, n)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return ids, rows.Err()
	}
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
