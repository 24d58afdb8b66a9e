// Package tally keeps counters so that a count on a dashboard, a
// statistics page, the work desk or a roll-up table costs the same at
// every level of the tree: one row read, whether the unit is a village or
// the whole country.
//
// A counter is a row of the table tallies: (subject, org_id, k) → n. The
// subject names the thing counted ("report:42", the reports of
// requirement 42), k a bucket ("submitted|ontime"), and n is **folded**:
// the row of a unit holds the count over its whole subtree, its own
// records and every unit's below it. A change of a record bumps the rows
// of the record's unit and of every unit above it, in the change's own
// transaction (Add, Track): the path of ids of the unit ('/1/7/93/') names
// them all, so no lookup is needed.
//
// On PostgreSQL a bump goes to one of Stripes rows of the cell (the
// column stripe), chosen at random per transaction, so concurrent writers
// do not queue on the root's row; reads sum the stripes. Bumps are written
// in one fixed order (unit id, subject, key), so two transactions never
// wait for each other crosswise.
//
// Track locks, on PostgreSQL, the records it counts and their units'
// rows before it counts, so concurrent changes and moves of the tree
// cannot make the counters drift.
//
// Whatever depends on time (overdue, due soon, on time) is not a counter:
// the bucket names the state and the date it turns (k =
// "unsigned|1765036799999"), and the reader folds the buckets against now.
//
// A family of subjects (a module's records) registers how its records are
// counted (Register): the records' table, their subject, unit and bucket
// as SQL. From that one definition the package fills a new subject in bulk
// (Fill), tracks a change (Track), hands records over between units
// (TrackUnits, called by internal/org's merge and split), rebuilds every
// counter (Rebuild: `halfsky stats rebuild`) and checks them (Check).
// When a unit moves with its subtree, Moved subtracts its folded rows from
// its old ancestors and adds them to its new ones.
//
// The package depends on db (and access's path helper) alone, so
// internal/org can call it.
package tally

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"halfsky/internal/access"
	"halfsky/internal/db"
)

// Stripes is how many rows one cell is spread over on PostgreSQL (SQLite
// writes one transaction at a time and keeps one).
const Stripes = 8

// Family is how one module's records are counted. The strings are SQL
// written by the module (never input): From is the records' table with
// an alias; Subject, Org and Key are expressions over it giving a record's
// subject (TEXT, beginning with Name + ":"), its unit's id and its bucket
// (TEXT). Every record counts once, in one bucket: it adds 1, or Weight
// when that is set (an integer expression over the record: an amount, 0
// for a record that adds nothing), so a counter can be a sum.
type Family struct {
	Name    string
	From    string
	Subject string
	Org     string
	Key     string
	Weight  string
}

// measure is what one record adds, and the aggregate over a group.
func (f Family) measure() (each, group string) {
	if f.Weight == "" {
		return "1", "COUNT(*)"
	}
	return f.Weight, "SUM(" + f.Weight + ")"
}

var (
	mu       sync.Mutex
	families []Family
)

// Register declares a family (at package initialization). Registering the
// same name again replaces it.
func Register(f Family) Family {
	mu.Lock()
	defer mu.Unlock()
	for i, x := range families {
		if x.Name == f.Name {
			families[i] = f
			return f
		}
	}
	families = append(families, f)
	return f
}

// Families lists the registered families by name.
func Families() []Family {
	mu.Lock()
	defer mu.Unlock()
	out := append([]Family(nil), families...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Counts are the counters of one subject at one unit, by bucket.
type Counts map[string]int64

// cell is one counter, its stripes taken together.
type cell struct {
	org     int64
	subject string
	k       string
}

// Deltas collects the bumps of one transaction, to be written together in
// the fixed order by Apply.
type Deltas map[cell]int64

// Add bumps bucket k of subject by n at the unit with the path and at
// every unit above it.
func (d Deltas) Add(subject, orgPath, k string, n int64) {
	if n == 0 {
		return
	}
	for _, id := range access.PathIDs(orgPath) {
		d[cell{id, subject, k}] += n
	}
}

// Apply writes the bumps in tx: n = n + delta on one stripe, in the order
// (unit, subject, key), in as few statements as fit.
func (d Deltas) Apply(ctx context.Context, tx *db.Tx) error {
	cells := make([]cell, 0, len(d))
	for c, n := range d {
		if n != 0 {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return nil
	}
	sort.Slice(cells, func(i, j int) bool {
		a, b := cells[i], cells[j]
		if a.org != b.org {
			return a.org < b.org
		}
		if a.subject != b.subject {
			return a.subject < b.subject
		}
		return a.k < b.k
	})
	if tx.Dialect() == db.Postgres {
		return applyPostgres(ctx, tx, d, cells)
	}
	const chunk = 500
	for len(cells) > 0 {
		part := cells[:min(chunk, len(cells))]
		cells = cells[len(part):]
		args := make([]any, 0, 5*len(part))
		for _, c := range part {
			args = append(args, c.subject, c.org, c.k, 0, d[c])
		}
		if _, err := tx.Exec(ctx, `INSERT INTO tallies (subject, org_id, k, stripe, n) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(part)), ", ")+
			` ON CONFLICT (subject, org_id, k, stripe) DO UPDATE SET n = tallies.n + excluded.n`, args...); err != nil {
			return fmt.Errorf("tally: %w", err)
		}
	}
	return nil
}

// applyPostgres is Apply on PostgreSQL: the sorted cells as four arrays,
// one statement whatever their number, bumping one stripe chosen at
// random. (Batches of 500 rows were each a statement planned anew: a
// country's 47,000 parents took a hundred of them.) WITH ORDINALITY and
// ORDER BY keep the rows in the cells' order, which is the order their
// locks are taken in.
func applyPostgres(ctx context.Context, tx *db.Tx, d Deltas, cells []cell) error {
	subjects, orgs, ks, ns := make([]string, len(cells)), make([]int64, len(cells)), make([]string, len(cells)), make([]int64, len(cells))
	for i, c := range cells {
		subjects[i], orgs[i], ks[i], ns[i] = c.subject, c.org, c.k, d[c]
	}
	if _, err := tx.Exec(ctx, `INSERT INTO tallies (subject, org_id, k, stripe, n)
		SELECT u.s, u.o, u.k, ?, u.n FROM unnest(?::text[], ?::bigint[], ?::text[], ?::bigint[]) WITH ORDINALITY AS u(s, o, k, n, i)
		ORDER BY u.i
		ON CONFLICT (subject, org_id, k, stripe) DO UPDATE SET n = tallies.n + excluded.n`,
		rand.IntN(Stripes), subjects, orgs, ks, ns); err != nil {
		return fmt.Errorf("tally: %w", err)
	}
	return nil
}

// Add bumps the buckets of subject by deltas at the unit with orgPath and
// at every unit above it, in tx (the transaction of the change counted).
func Add(ctx context.Context, tx *db.Tx, subject, orgPath string, deltas map[string]int64) error {
	d := Deltas{}
	for k, n := range deltas {
		d.Add(subject, orgPath, k, n)
	}
	return d.Apply(ctx, tx)
}

// stream reads the family's records matching where, grouped by subject,
// unit path and bucket with their count n; or, not grouped, every record a
// row of its own with n = 1: a bulk reader sums them faster than the
// database sorts them into groups.
func (f Family) stream(ctx context.Context, q db.Querier, where string, args []any, grouped bool, fn func(subject, path, k string, n int64)) error {
	each, group := f.measure()
	query := `SELECT ` + f.Subject + `, tally_o.path, ` + f.Key + `, ` + each + ` FROM ` + f.From + `
		JOIN orgs tally_o ON tally_o.id = ` + f.Org + ` WHERE ` + where
	if grouped {
		query = `SELECT ` + f.Subject + `, tally_o.path, ` + f.Key + `, ` + group + ` FROM ` + f.From + `
		JOIN orgs tally_o ON tally_o.id = ` + f.Org + ` WHERE ` + where + ` GROUP BY 1, 2, 3`
	}
	return f.each(ctx, q, query, args, fn)
}

// each runs query, whose rows are (subject, unit path, bucket, n), and
// hands every row to fn.
func (f Family) each(ctx context.Context, q db.Querier, query string, args []any, fn func(subject, path, k string, n int64)) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("tally %s: %w", f.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s, p, k string
		var n int64
		if err := rows.Scan(&s, &p, &k, &n); err != nil {
			return err
		}
		fn(s, p, k, n)
	}
	return rows.Err()
}

// count reads the family's records matching where, by subject, unit path
// and bucket.
func (f Family) count(ctx context.Context, q db.Querier, where string, args []any) (map[[3]string]int64, error) {
	out := map[[3]string]int64{}
	err := f.stream(ctx, q, where, args, true, func(s, p, k string, n int64) { out[[3]string{s, p, k}] += n })
	return out, err
}

// Track runs change in tx and bumps the counters by what it changed among
// the family's records matching where (evaluated before and after: it must
// select the records the change touches, e.g. by id). It is how a module
// keeps its counters when it changes a few records at a time.
func Track(ctx context.Context, tx *db.Tx, f Family, where string, args []any, change func() error) error {
	return f.track(ctx, tx, where, args, change)
}

// track counts before and after change (nil: a change already made, of
// records that were not there before) and applies the difference.
func (f Family) track(ctx context.Context, tx *db.Tx, where string, args []any, change func() error) error {
	if err := f.lock(ctx, tx, where, args); err != nil {
		return err
	}
	var before map[[3]string]int64
	if change != nil {
		var err error
		if before, err = f.count(ctx, tx, where, args); err != nil {
			return err
		}
		if err := change(); err != nil {
			return err
		}
	}
	after, err := f.count(ctx, tx, where, args)
	if err != nil {
		return err
	}
	d := Deltas{}
	diff(d, before, after)
	return d.Apply(ctx, tx)
}

// lock holds, on PostgreSQL, what a tracked change must not race with
// until its transaction ends: the rows of the records' units (shared: a
// move of the tree rewrites their paths, and must not carry the units'
// counters to their new ancestors while this change bumps the old ones —
// it waits, or this change reads the new paths), then the records
// themselves (a second change of the same record counts from this one's
// result). SQLite runs one writing transaction at a time.
func (f Family) lock(ctx context.Context, tx *db.Tx, where string, args []any) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM orgs WHERE id IN (SELECT `+f.Org+` FROM `+f.From+` WHERE `+where+`) ORDER BY id FOR SHARE`,
		args...); err != nil {
		return fmt.Errorf("tally %s: %w", f.Name, err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM `+f.From+` WHERE `+where+` FOR UPDATE`, args...); err != nil {
		return fmt.Errorf("tally %s: %w", f.Name, err)
	}
	return nil
}

// Added counts the family's records matching where — new ones, just
// inserted in tx — into the counters: Track for a change that has already
// happened and had nothing to count before (an INSERT whose id is known
// only after it). For many records at once, Fill.
func Added(ctx context.Context, tx *db.Tx, f Family, where string, args ...any) error {
	return f.track(ctx, tx, where, args, nil)
}

// TrackEach is Track for several families counting the same records (a
// count and a sum, or the same records bucketed two ways): change runs
// once, inside every family's before and after.
func TrackEach(ctx context.Context, tx *db.Tx, fs []Family, where string, args []any, change func() error) error {
	if len(fs) == 0 {
		return change()
	}
	return fs[0].track(ctx, tx, where, args, func() error {
		return TrackEach(ctx, tx, fs[1:], where, args, change)
	})
}

// AddedEach is Added for several families.
func AddedEach(ctx context.Context, tx *db.Tx, fs []Family, where string, args ...any) error {
	for _, f := range fs {
		if err := f.track(ctx, tx, where, args, nil); err != nil {
			return err
		}
	}
	return nil
}

func diff(d Deltas, before, after map[[3]string]int64) {
	for c, n := range after {
		d.Add(c[0], c[1], c[2], n-before[c])
	}
	for c, n := range before {
		if _, ok := after[c]; !ok {
			d.Add(c[0], c[1], c[2], -n)
		}
	}
}

// TrackUnits runs change in tx and bumps the counters of every family by
// what it changed among the records of the units with ids: a merge or a
// split handing records from one unit to another calls it.
func TrackUnits(ctx context.Context, tx *db.Tx, ids []int64, change func() error) error {
	fams := Families()
	if len(fams) == 0 || len(ids) == 0 {
		return change()
	}
	// The same condition for every family, on its own unit column.
	marks, args := db.Marks(len(ids)), db.Args(ids)
	in := func(f Family) string { return f.Org + ` IN (` + marks + `)` }
	before := make([]map[[3]string]int64, len(fams))
	for i, f := range fams {
		if err := f.lock(ctx, tx, in(f), args); err != nil {
			return err
		}
		var err error
		if before[i], err = f.count(ctx, tx, in(f), args); err != nil {
			return err
		}
	}
	if err := change(); err != nil {
		return err
	}
	d := Deltas{}
	for i, f := range fams {
		after, err := f.count(ctx, tx, in(f), args)
		if err != nil {
			return err
		}
		diff(d, before[i], after)
	}
	return d.Apply(ctx, tx)
}

// Moved carries the folded counters of the unit with id, every subject,
// from the units above it at oldPath to those above it at newPath (a move
// of its subtree, in the move's transaction). The rows of the unit and of
// its subtree do not change: they are keyed by unit, not by path.
func Moved(ctx context.Context, tx *db.Tx, id int64, oldPath, newPath string) error {
	was, is := map[int64]bool{}, map[int64]bool{}
	for _, a := range access.PathIDs(oldPath) {
		was[a] = a != id
	}
	for _, a := range access.PathIDs(newPath) {
		is[a] = a != id
	}
	sign := map[int64]int{}
	for a, ok := range was {
		if ok && !is[a] {
			sign[a] = -1
		}
	}
	for a, ok := range is {
		if ok && !was[a] {
			sign[a] = 1
		}
	}
	if len(sign) == 0 {
		return nil
	}
	var has int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM tallies WHERE org_id = ? LIMIT 1) x`, id).Scan(&has); err != nil || has == 0 {
		return err
	}
	ids := make([]int64, 0, len(sign))
	for a := range sign {
		ids = append(ids, a)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, a := range ids {
		if _, err := tx.Exec(ctx, `INSERT INTO tallies (subject, org_id, k, stripe, n)
			SELECT subject, ?, k, 0, ? * SUM(n) FROM tallies WHERE org_id = ? GROUP BY subject, k ORDER BY subject, k
			ON CONFLICT (subject, org_id, k, stripe) DO UPDATE SET n = tallies.n + excluded.n`, a, sign[a], id); err != nil {
			return fmt.Errorf("tally: moving unit %d: %w", id, err)
		}
		if sign[a] < 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM tallies WHERE org_id = ? AND n = 0`, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// Fill counts the family's records matching where (args) into the
// counters, folded up the tree, in bulk: one grouped INSERT … SELECT adds
// them to their own units' rows (in the key's order: the index takes them
// a quarter faster on PostgreSQL); the same records summed by their
// units' parents — a country's 665,276 units have 47,000 — are added to
// every unit above, in one statement on PostgreSQL (Apply). SQLite reads
// them one by one instead, and sums them in memory. It is how a module
// counts many new records at once (a requirement issued to every unit) —
// never one upsert per record.
func Fill(ctx context.Context, tx *db.Tx, f Family, where string, args ...any) error {
	if where == "" {
		where = "1 = 1"
	}
	_, group := f.measure()
	if _, err := tx.Exec(ctx, `INSERT INTO tallies (subject, org_id, k, stripe, n)
		SELECT `+f.Subject+`, `+f.Org+`, `+f.Key+`, 0, `+group+` FROM `+f.From+` WHERE `+where+` GROUP BY 1, 2, 3 HAVING `+group+` <> 0
		ORDER BY 1, 2, 3
		ON CONFLICT (subject, org_id, k, stripe) DO UPDATE SET n = tallies.n + excluded.n`, args...); err != nil {
		return fmt.Errorf("tally %s: %w", f.Name, err)
	}
	up := Deltas{}
	var err error
	if tx.Dialect() == db.SQLite {
		// SQLite groups by sorting, and its reader sums the records one
		// by one faster than it sorts them: each adds to its unit's
		// ancestors.
		err = f.stream(ctx, tx, where, args, false, func(subject, path, k string, n int64) {
			ids := access.PathIDs(path)
			for _, id := range ids[:max(0, len(ids)-1)] {
				up[cell{id, subject, k}] += n
			}
		})
	} else {
		// Grouped by the parent's id, then joined to the parents for
		// their paths: one join of every record, not two.
		err = f.each(ctx, tx, `SELECT g.s, tally_p.path, g.k, g.n FROM (
			SELECT `+f.Subject+` AS s, tally_o.parent_id AS p, `+f.Key+` AS k, `+group+` AS n FROM `+f.From+`
			JOIN orgs tally_o ON tally_o.id = `+f.Org+` WHERE (`+where+`) AND tally_o.parent_id IS NOT NULL GROUP BY 1, 2, 3) g
			JOIN orgs tally_p ON tally_p.id = g.p`, args, up.Add)
	}
	if err != nil {
		return err
	}
	return up.Apply(ctx, tx)
}

// Refill counts the family's counters again from its records, in tx: for
// whatever changed its records past the module (a bulk UPDATE by SQL).
func Refill(ctx context.Context, tx *db.Tx, f Family) error {
	if tx.Dialect() == db.Postgres {
		if _, err := tx.Exec(ctx, `LOCK TABLE tallies IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM tallies WHERE subject >= ? AND subject < ?`, f.Name+":", f.Name+";"); err != nil {
		return err
	}
	if err := Fill(ctx, tx, f, ""); err != nil {
		return err
	}
	return analyze(ctx, tx)
}

// analyze refreshes PostgreSQL's statistics of the counters after a bulk
// change: planned from stale ones, a roll-up read every counter of a
// family (its one subject matches them all) instead of the children's.
func analyze(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `ANALYZE tallies`)
	return err
}

// Rebuild recomputes every counter from the records of every registered
// family, in one transaction (writers of counters wait for it on
// PostgreSQL; SQLite writes one transaction at a time). It returns how
// many counter rows there are.
func Rebuild(ctx context.Context, d *db.DB) (int64, error) {
	var n int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if tx.Dialect() == db.Postgres {
			if _, err := tx.Exec(ctx, `LOCK TABLE tallies IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tallies`); err != nil {
			return err
		}
		for _, f := range Families() {
			if err := Fill(ctx, tx, f, ""); err != nil {
				return err
			}
		}
		if err := analyze(ctx, tx); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM tallies`).Scan(&n)
	})
	return n, err
}

// Get reads the counters of subject at the unit: its whole subtree.
func Get(ctx context.Context, q db.Querier, subject string, orgID int64) (Counts, error) {
	m, err := GetEach(ctx, q, orgID, subject)
	return m[subject], err
}

// GetEach is Get for several subjects of one page, in one query: by
// subject (each one asked for is there, empty when it has none).
func GetEach(ctx context.Context, q db.Querier, orgID int64, subjects ...string) (map[string]Counts, error) {
	in, args := subjectsIn(subjects)
	rows, err := q.Query(ctx, `SELECT subject, k, SUM(n) FROM tallies WHERE subject IN (`+in+`) AND org_id = ? GROUP BY subject, k`,
		append(args, orgID)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]Counts, len(subjects))
	for _, s := range subjects {
		out[s] = Counts{}
	}
	for rows.Next() {
		var s, k string
		var n int64
		if err := rows.Scan(&s, &k, &n); err != nil {
			return nil, err
		}
		if n != 0 {
			out[s][k] = n
		}
	}
	return out, rows.Err()
}

// Children reads the counters of subject at every child of the unit
// parentID (a roll-up table's rows), by child id; a child with none is
// missing.
func Children(ctx context.Context, q db.Querier, subject string, parentID int64) (map[int64]Counts, error) {
	m, err := ChildrenEach(ctx, q, parentID, subject)
	return m[subject], err
}

// ChildrenRange is Children for the buckets from lo up to, not
// including, hi: one month's of a family whose buckets begin with the
// month. A child's row is as many rows as buckets times stripes: a
// month's are a twelfth of a year's.
func ChildrenRange(ctx context.Context, q db.Querier, subject string, parentID int64, lo, hi string) (map[int64]Counts, error) {
	m, err := children(ctx, q, parentID, []string{subject}, ` AND t.k >= ? AND t.k < ?`, lo, hi)
	return m[subject], err
}

// ChildrenEach is Children for several subjects of one page, in one
// query: by subject, then child id.
func ChildrenEach(ctx context.Context, q db.Querier, parentID int64, subjects ...string) (map[string]map[int64]Counts, error) {
	return children(ctx, q, parentID, subjects, "")
}

// children reads the children's counters of the subjects, in the buckets
// that keys (a condition on t.k, with its arguments) lets through.
func children(ctx context.Context, q db.Querier, parentID int64, subjects []string, keys string, keyArgs ...any) (map[string]map[int64]Counts, error) {
	in, args := subjectsIn(subjects)
	args = append(append(args, keyArgs...), parentID)
	rows, err := q.Query(ctx, `SELECT t.subject, t.org_id, t.k, SUM(t.n) FROM orgs c JOIN tallies t ON t.subject IN (`+in+`) AND t.org_id = c.id`+keys+`
		WHERE c.parent_id = ? GROUP BY t.subject, t.org_id, t.k`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]map[int64]Counts, len(subjects))
	for _, s := range subjects {
		out[s] = map[int64]Counts{}
	}
	for rows.Next() {
		var s, k string
		var id, n int64
		if err := rows.Scan(&s, &id, &k, &n); err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		if out[s][id] == nil {
			out[s][id] = Counts{}
		}
		out[s][id][k] = n
	}
	return out, rows.Err()
}

// subjectsIn is the placeholders and arguments of an IN list of subjects.
func subjectsIn(subjects []string) (string, []any) {
	args := make([]any, len(subjects))
	for i, s := range subjects {
		args[i] = s
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(subjects)), ", "), args
}

// Mismatch is a counter that disagrees with a recount of the records.
type Mismatch struct {
	Subject string
	OrgID   int64
	Key     string
	Have    int64 // the counter
	Want    int64 // the recount
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s org=%d %s: counter %d, records %d", m.Subject, m.OrgID, m.Key, m.Have, m.Want)
}

// Check recounts every registered family from its records, folds the
// counts up the tree and compares them with the counters at every unit;
// it returns the differences (none when the counters are right).
func Check(ctx context.Context, q db.Querier) ([]Mismatch, error) {
	want := map[cell]int64{}
	known := map[string]bool{}
	for _, f := range Families() {
		known[f.Name] = true
		err := f.stream(ctx, q, "1 = 1", nil, false, func(subject, path, k string, n int64) {
			for _, id := range access.PathIDs(path) {
				want[cell{id, subject, k}] += n
			}
		})
		if err != nil {
			return nil, err
		}
	}
	have := map[cell]int64{}
	rows, err := q.Query(ctx, `SELECT subject, org_id, k, SUM(n) FROM tallies GROUP BY subject, org_id, k`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c cell
		var n int64
		if err := rows.Scan(&c.subject, &c.org, &c.k, &n); err != nil {
			return nil, err
		}
		if fam, _, _ := strings.Cut(c.subject, ":"); known[fam] {
			have[c] = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Mismatch
	for c, n := range have {
		if n != want[c] {
			out = append(out, Mismatch{c.subject, c.org, c.k, n, want[c]})
		}
	}
	for c, n := range want {
		if _, ok := have[c]; !ok && n != 0 {
			out = append(out, Mismatch{c.subject, c.org, c.k, 0, n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}
