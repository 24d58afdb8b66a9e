package tally_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
)

// things are records of a test family: a subject, a unit and a bucket each.
var things = tally.Register(tally.Family{Name: "thing", From: "tally_things x", Subject: "x.subject", Org: "x.org_id", Key: "x.k"})

// tree is a small tree of units: ids by name, paths by id.
type tree struct {
	t    *testing.T
	d    *db.DB
	id   map[string]int64
	path map[int64]string
}

// newTree makes the units of a tree given as child → parent ("" for the
// root), in order, and the table of things.
func newTree(t *testing.T, d *db.DB, edges [][2]string) *tree {
	ctx := context.Background()
	tr := &tree{t: t, d: d, id: map[string]int64{}, path: map[int64]string{}}
	if _, err := d.Exec(ctx, `CREATE TABLE tally_things (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, org_id BIGINT NOT NULL, k TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, e := range edges {
		parent, depth, ppath := any(nil), 0, "/"
		if e[1] != "" {
			pid := tr.id[e[1]]
			parent, ppath = pid, tr.path[pid]
			depth = len(access.PathIDs(ppath))
		}
		id, err := db.InsertID(ctx, d.Q(), `INSERT INTO orgs (code, name, kind, parent_id, path, depth, created_at, updated_at)
			VALUES (?, ?, 'district', ?, 'new', ?, 0, 0)`, "t"+e[0], e[0], parent, depth)
		if err != nil {
			t.Fatal(err)
		}
		tr.id[e[0]], tr.path[id] = id, ppath+strconv.FormatInt(id, 10)+"/"
		if _, err := d.Exec(ctx, `UPDATE orgs SET path = ? WHERE id = ?`, tr.path[id], id); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func (tr *tree) get(subject, unit string) tally.Counts {
	tr.t.Helper()
	c, err := tally.Get(context.Background(), tr.d.Q(), subject, tr.id[unit])
	if err != nil {
		tr.t.Fatal(err)
	}
	return c
}

func (tr *tree) tx(fn func(tx *db.Tx) error) {
	tr.t.Helper()
	if err := tr.d.InTx(context.Background(), fn); err != nil {
		tr.t.Fatal(err)
	}
}

func (tr *tree) check(when string) {
	tr.t.Helper()
	bad, err := tally.Check(context.Background(), tr.d.Q())
	if err != nil {
		tr.t.Fatal(err)
	}
	if len(bad) > 0 {
		tr.t.Fatalf("%s: %d counters wrong, e.g. %v", when, len(bad), bad[:min(5, len(bad))])
	}
}

// country: root → two provinces → cities → a county.
var country = [][2]string{{"cn", ""}, {"hlj", "cn"}, {"jl", "cn"}, {"hrb", "hlj"}, {"qqhr", "hlj"}, {"cc", "jl"}, {"daoli", "hrb"}}

// TestAddFoldsUpThePath: a bump at a unit counts at it and at every unit
// above it, not beside or below it; Children reads the children's rows.
func TestAddFoldsUpThePath(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tr := newTree(t, d, country)
		tr.tx(func(tx *db.Tx) error {
			return tally.Add(ctx, tx, "thing:1", tr.path[tr.id["daoli"]], map[string]int64{"a": 2, "b": 1})
		})
		tr.tx(func(tx *db.Tx) error {
			return tally.Add(ctx, tx, "thing:1", tr.path[tr.id["cc"]], map[string]int64{"a": 5, "b": 0})
		})
		tr.tx(func(tx *db.Tx) error {
			return tally.Add(ctx, tx, "thing:1", tr.path[tr.id["daoli"]], map[string]int64{"b": -1})
		})
		for unit, want := range map[string]string{"daoli": "map[a:2]", "hrb": "map[a:2]", "hlj": "map[a:2]", "cn": "map[a:7]", "jl": "map[a:5]",
			"cc": "map[a:5]", "qqhr": "map[]"} {
			if got := fmt.Sprint(tr.get("thing:1", unit)); got != want {
				t.Errorf("%s: %s, want %s", unit, got, want)
			}
		}
		if got := fmt.Sprint(tr.get("thing:2", "cn")); got != "map[]" {
			t.Errorf("another subject: %s", got)
		}
		kids, err := tally.Children(ctx, d.Q(), "thing:1", tr.id["cn"])
		if err != nil || fmt.Sprint(kids) != fmt.Sprintf("map[%d:map[a:2] %d:map[a:5]]", tr.id["hlj"], tr.id["jl"]) {
			t.Fatalf("children: %v %v", kids, err)
		}
		// The buckets from "b" on, before "c": hlj's b nets to 0 and jl's
		// is 0, so no child has any.
		if kids, err := tally.ChildrenRange(ctx, d.Q(), "thing:1", tr.id["cn"], "b", "c"); err != nil || len(kids) != 0 {
			t.Fatalf("children's b: %v %v", kids, err)
		}
		if kids, err := tally.ChildrenRange(ctx, d.Q(), "thing:1", tr.id["cn"], "a", "b"); err != nil ||
			fmt.Sprint(kids) != fmt.Sprintf("map[%d:map[a:2] %d:map[a:5]]", tr.id["hlj"], tr.id["jl"]) {
			t.Fatalf("children's a: %v %v", kids, err)
		}
		// A bump that fails rolls back with its transaction.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if err := tally.Add(ctx, tx, "thing:1", tr.path[tr.id["cc"]], map[string]int64{"a": 100}); err != nil {
				return err
			}
			return fmt.Errorf("refused")
		})
		if err == nil || fmt.Sprint(tr.get("thing:1", "cn")) != "map[a:7]" {
			t.Fatalf("rolled back: %v %v", err, tr.get("thing:1", "cn"))
		}
	})
}

// TestFillTrackMoveRebuild: records counted in bulk (Fill), changed a few
// at a time (Track), handed between units (TrackUnits), units moved with
// their subtrees (Moved) — the counters equal a recount after each, and a
// Rebuild makes the same counters.
func TestFillTrackMoveRebuild(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tr := newTree(t, d, country)
		rng := rand.New(rand.NewPCG(1, 2))
		units := []string{"cn", "hlj", "jl", "hrb", "qqhr", "cc", "daoli"}
		for i := range 300 {
			u := units[rng.IntN(len(units))]
			if _, err := d.Exec(ctx, `INSERT INTO tally_things (id, subject, org_id, k) VALUES (?, ?, ?, ?)`,
				i+1, "thing:"+strconv.Itoa(1+i%3), tr.id[u], "k"+strconv.Itoa(rng.IntN(4))); err != nil {
				t.Fatal(err)
			}
		}
		tr.tx(func(tx *db.Tx) error { return tally.Fill(ctx, tx, things, `x.subject = ?`, "thing:1") })
		tr.tx(func(tx *db.Tx) error { return tally.Fill(ctx, tx, things, `x.subject <> ?`, "thing:1") })
		tr.check("filled")
		// Fill adds to counters that are there already.
		tr.tx(func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO tally_things (id, subject, org_id, k) VALUES (1000, 'thing:1', ?, 'k0')`, tr.id["qqhr"]); err != nil {
				return err
			}
			return tally.Fill(ctx, tx, things, `x.id = 1000`)
		})
		tr.check("filled again")
		for i := range 50 {
			id := 1 + rng.IntN(300)
			tr.tx(func(tx *db.Tx) error {
				return tally.Track(ctx, tx, things, `x.id = ?`, []any{id}, func() error {
					_, err := tx.Exec(ctx, `UPDATE tally_things SET k = ? WHERE id = ?`, "k"+strconv.Itoa(rng.IntN(6)), id)
					return err
				})
			})
			if i%10 == 0 {
				tr.tx(func(tx *db.Tx) error {
					return tally.Track(ctx, tx, things, `x.id = ?`, []any{id}, func() error {
						_, err := tx.Exec(ctx, `DELETE FROM tally_things WHERE id = ?`, id)
						return err
					})
				})
			}
		}
		tr.check("tracked")
		// daoli's things go to qqhr (a merge's hand-over).
		tr.tx(func(tx *db.Tx) error {
			return tally.TrackUnits(ctx, tx, []int64{tr.id["daoli"], tr.id["qqhr"]}, func() error {
				_, err := tx.Exec(ctx, `UPDATE tally_things SET org_id = ? WHERE org_id = ?`, tr.id["qqhr"], tr.id["daoli"])
				return err
			})
		})
		tr.check("handed over")
		// hrb (with daoli below it) moves under jl, then jl under hlj.
		tr.move("hrb", "jl")
		tr.check("hrb moved under jl")
		tr.move("jl", "hlj")
		tr.check("jl moved under hlj")
		tr.move("hrb", "cn")
		tr.check("hrb moved under cn")
		n, err := tally.Rebuild(ctx, d)
		if err != nil || n == 0 {
			t.Fatalf("rebuild: %d %v", n, err)
		}
		tr.check("rebuilt")
		// A counter gone wrong is found, and mended by a rebuild.
		if _, err := d.Exec(ctx, `UPDATE tallies SET n = n + 1 WHERE org_id = ? AND stripe = 0`, tr.id["hlj"]); err != nil {
			t.Fatal(err)
		}
		if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) == 0 {
			t.Fatalf("a wrong counter not found: %v", err)
		}
		if _, err := tally.Rebuild(ctx, d); err != nil {
			t.Fatal(err)
		}
		tr.check("rebuilt again")
	})
}

// move puts unit under parent the way internal/org does: the subtree's
// paths and depths change, and tally.Moved carries the counters.
func (tr *tree) move(unit, parent string) {
	tr.t.Helper()
	if err := tr.tryMove(unit, parent); err != nil {
		tr.t.Fatal(err)
	}
}

func (tr *tree) tryMove(unit, parent string) error {
	ctx := context.Background()
	id, pid := tr.id[unit], tr.id[parent]
	oldPath := tr.path[id]
	newPath := tr.path[pid] + strconv.FormatInt(id, 10) + "/"
	delta := len(access.PathIDs(newPath)) - len(access.PathIDs(oldPath))
	err := tr.d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE orgs SET parent_id = ? WHERE id = ?`, pid, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET path = CAST(? AS TEXT) || SUBSTR(path, ?), depth = depth + ? WHERE path >= ? AND path < ?`,
			newPath, len(oldPath)+1, delta, oldPath, oldPath[:len(oldPath)-1]+"0"); err != nil {
			return err
		}
		return tally.Moved(ctx, tx, id, oldPath, newPath)
	})
	if err != nil {
		return err
	}
	rows, err := db.All(ctx, tr.d.Q(), func(row db.Scanner) (p [2]string, err error) {
		err = row.Scan(&p[0], &p[1])
		return p, err
	}, `SELECT CAST(id AS TEXT), path FROM orgs`)
	if err != nil {
		return err
	}
	for _, r := range rows {
		n, _ := strconv.ParseInt(r[0], 10, 64)
		tr.path[n] = r[1]
	}
	return nil
}

// TestConcurrentBumps: 32 writers bump the same counters at once, each
// in its own order of keys, for a while: none fails (no deadlock, no
// serialization failure) and nothing is lost; on PostgreSQL the bumps
// spread over the stripes.
func TestConcurrentBumps(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tr := newTree(t, d, country)
		leaves := []string{"daoli", "qqhr", "cc"}
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for w := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				for range 20 {
					deltas := tally.Deltas{}
					for _, k := range rng.Perm(4) {
						deltas.Add("thing:1", tr.path[tr.id[leaves[rng.IntN(3)]]], "k"+strconv.Itoa(k), 1)
					}
					if err := d.InTx(ctx, func(tx *db.Tx) error { return deltas.Apply(ctx, tx) }); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got := tr.get("thing:1", "cn")
		for k := range 4 {
			if got["k"+strconv.Itoa(k)] != 32*20 {
				t.Fatalf("k%d: %d, want %d", k, got["k"+strconv.Itoa(k)], 32*20)
			}
		}
		var stripes int
		if err := d.QueryRow(ctx, `SELECT COUNT(DISTINCT stripe) FROM tallies WHERE org_id = ?`, tr.id["cn"]).Scan(&stripes); err != nil {
			t.Fatal(err)
		}
		if want := map[db.Dialect]int{db.SQLite: 1, db.Postgres: tally.Stripes}[d.Dialect]; stripes != want {
			t.Fatalf("stripes: %d, want %d", stripes, want)
		}
	})
}

// TestChangesWhileTheTreeMoves: writers change records under a unit
// while the unit moves back and forth between two parents; whatever
// commits, the counters equal the recount afterwards (on PostgreSQL a
// change and a move of its unit wait for each other instead of
// racing; a deadlock between them aborts one, which rolls back whole).
func TestChangesWhileTheTreeMoves(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		tr := newTree(t, d, country)
		for i := range 40 {
			if _, err := d.Exec(ctx, `INSERT INTO tally_things (id, subject, org_id, k) VALUES (?, 'thing:1', ?, 'k0')`,
				i+1, tr.id[[]string{"daoli", "hrb"}[i%2]]); err != nil {
				t.Fatal(err)
			}
		}
		tr.tx(func(tx *db.Tx) error { return tally.Fill(ctx, tx, things, "") })
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failed []error
		fail := func(err error) {
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, err)
		}
		stop := make(chan struct{})
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 9))
				for {
					select {
					case <-stop:
						return
					default:
					}
					id := 1 + rng.IntN(40)
					err := d.InTx(ctx, func(tx *db.Tx) error {
						return tally.Track(ctx, tx, things, `x.id = ?`, []any{id}, func() error {
							_, err := tx.Exec(ctx, `UPDATE tally_things SET k = ? WHERE id = ?`, "k"+strconv.Itoa(rng.IntN(3)), id)
							return err
						})
					})
					if err != nil && !deadlock(err) {
						fail(err)
						return
					}
				}
			}()
		}
		for i := range 30 {
			if err := tr.tryMove("hrb", []string{"jl", "hlj"}[i%2]); err != nil && !deadlock(err) {
				t.Fatal(err)
			}
		}
		close(stop)
		wg.Wait()
		if len(failed) > 0 {
			t.Fatal(failed[0])
		}
		tr.check("after moving under the writers")
	})
}

// deadlock reports whether PostgreSQL aborted a transaction to break a
// deadlock (the transaction rolled back whole).
func deadlock(err error) bool { return strings.Contains(err.Error(), "deadlock detected") }
