package org_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
)

// TestRollup groups rows kept with their unit's path by the child of the
// node they fall under, in one query, and checks the rows and totals on
// both databases: the node's own rows, a grandchild counted under its
// child, children without rows listed with zeros, nothing from outside.
func TestRollup(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Store{DB: d}
		if _, err := s.ImportHarbin(ctx); err != nil {
			t.Fatal(err)
		}
		city := actorAt(t, s, "2301", access.Staff)
		path := func(code string) string {
			o, err := s.ByCodeUnscoped(ctx, d.Q(), code)
			if err != nil {
				t.Fatal(err)
			}
			return o.Path
		}
		if _, err := d.Exec(ctx, `CREATE TABLE rollup_t (org_path TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			code string
			n    int
		}{{"2301", 1}, {"230102", 2}, {"230102001", 3}, {"230102001001", 4}, {"230103", 5}, {"230104", 6}} {
			if _, err := d.Exec(ctx, `INSERT INTO rollup_t VALUES (?, ?)`, path(r.code), r.n); err != nil {
				t.Fatal(err)
			}
		}
		sum := func(node org.Org) ([]org.RollupRow, []int64) {
			expr := org.ChildPathSQL(d.Dialect, node, "t.org_path")
			lo, hi := access.Scope{Path: node.Path}.Range()
			rows, err := d.Query(ctx, `SELECT `+expr+`, COUNT(*), SUM(n) FROM rollup_t t
				WHERE t.org_path >= ? AND t.org_path < ? GROUP BY `+expr, lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			by := map[string][]int64{}
			for rows.Next() {
				var p string
				var c, n int64
				if err := rows.Scan(&p, &c, &n); err != nil {
					t.Fatal(err)
				}
				by[p] = []int64{c, n}
			}
			rows.Close()
			out, total, err := s.Rollup(ctx, node, 2, by)
			if err != nil {
				t.Fatal(err)
			}
			return out, total
		}

		node, err := s.Node(ctx, city, "")
		if err != nil || node.Code != "2301" {
			t.Fatalf("node: %+v %v", node, err)
		}
		rows, total := sum(node)
		if !rows[0].Self || rows[0].N[1] != 1 || rows[1].Org.Code != "230102" || rows[1].N[0] != 3 || rows[1].N[1] != 9 {
			t.Fatalf("city rows: %+v", rows[:3])
		}
		if total[0] != 6 || total[1] != 21 {
			t.Fatalf("city totals %v", total)
		}
		zero := 0
		for _, r := range rows {
			if r.N[0] == 0 {
				zero++
			}
		}
		if kids, _ := s.Children(ctx, city, node); len(rows) != len(kids)+1 || zero != len(kids)-3 {
			t.Fatalf("every child is listed, those without rows with zeros: %d rows, %d zero, %d children", len(rows), zero, len(kids))
		}

		daoli, err := s.Node(ctx, city, "230102")
		if err != nil {
			t.Fatal(err)
		}
		rows, total = sum(daoli)
		if !rows[0].Self || rows[0].N[1] != 2 || total[1] != 9 {
			t.Fatalf("道里 rows %+v totals %v", rows[:2], total)
		}
		for _, r := range rows[1:] {
			if r.Org.Code == "230102001" && r.N[1] != 7 || r.Org.Code != "230102001" && r.N[0] != 0 {
				t.Fatalf("道里 child %s: %v", r.Org.Code, r.N)
			}
		}
		// A district cannot look from another district: 道里 (which the
		// city opened above) is not found for 南岗.
		if _, err := s.Node(ctx, actorAt(t, s, "230103", access.Staff), "230102"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 looked from 道里: %v, want db.ErrNotFound", err)
		}
		if ids := access.PathIDs(daoli.Path); len(ids) < 2 || ids[len(ids)-1] != daoli.ID {
			t.Fatalf("path ids %v of %s", ids, daoli.Path)
		}
	})
}
