package org_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
)

func actorAt(t *testing.T, s *org.Store, code string, role access.Role) access.Actor {
	t.Helper()
	o, err := s.ByCodeUnscoped(context.Background(), s.DB.Q(), code)
	if err != nil {
		t.Fatalf("unit %s: %v", code, err)
	}
	return access.Actor{UserID: 1, Role: role, OrgID: o.ID, OrgCode: o.Code, OrgPath: o.Path}
}

func TestHarbinTree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Store{DB: d}
		st, err := s.ImportHarbin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Added != 3505 {
			t.Fatalf("added %d units, want 3505", st.Added)
		}
		// Idempotent: a second import changes nothing.
		st, err = s.ImportHarbin(ctx)
		if err != nil || st.Added != 0 || st.Unchanged != 3505 {
			t.Fatalf("re-import: %+v, %v", st, err)
		}
		city := actorAt(t, s, "2301", access.Staff)
		root, err := s.ByCode(ctx, city, "2301")
		if err != nil || root.Name != "哈尔滨市妇联" || root.Kind != org.KindCity {
			t.Fatalf("root: %+v %v", root, err)
		}
		counts, total, err := s.SubtreeCounts(ctx, city, root)
		if err != nil || total != 3504 {
			t.Fatalf("counts %v total %d %v", counts, total, err)
		}
		byLevel := map[string]int{}
		for _, c := range counts {
			byLevel[c.Level.Key] = c.Count
		}
		if byLevel["district"] != 18 || byLevel["street"] != 328 || byLevel["grassroots"] != 3158 {
			t.Fatalf("by level: %v", byLevel)
		}
		kids, err := s.Children(ctx, city, root)
		if err != nil || len(kids) != 18 || kids[0].Name != "道里区妇联" {
			t.Fatalf("children: %d %v", len(kids), err)
		}
		list, n, err := s.Search(ctx, city, org.Filter{Q: "兆麟"})
		if err != nil || n == 0 || len(list) != n {
			t.Fatalf("search 兆麟: %d %v", n, err)
		}
		list, n, err = s.Search(ctx, city, org.Filter{Under: "230102", Kind: org.KindStreet, PerPage: 5, Page: 2})
		if err != nil || len(list) != 5 || n < 10 {
			t.Fatalf("paged search: %d of %d, %v", len(list), n, err)
		}
		for _, o := range list {
			if o.Kind != org.KindStreet || o.Code[:6] != "230102" {
				t.Fatalf("search leaked %+v", o)
			}
		}
		// LIKE metacharacters are literal.
		if _, n, _ = s.Search(ctx, city, org.Filter{Q: "%"}); n != 0 {
			t.Fatalf("'%%' matched %d units", n)
		}
	})
}

func TestScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Store{DB: d}
		if _, err := s.ImportHarbin(ctx); err != nil {
			t.Fatal(err)
		}
		daoli := actorAt(t, s, "230102", access.Leader)
		if _, err := s.ByCode(ctx, daoli, "230103"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 sees 南岗: %v", err)
		}
		if _, err := s.ByCode(ctx, daoli, "2301"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("道里 sees the city: %v", err)
		}
		if _, _, err := s.Search(ctx, daoli, org.Filter{Under: "230103"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("search under 南岗 from 道里: %v", err)
		}
		list, n, err := s.Search(ctx, daoli, org.Filter{Q: "社区", PerPage: 500})
		if err != nil || n == 0 {
			t.Fatal(n, err)
		}
		for _, o := range list {
			if o.Code[:6] != "230102" {
				t.Fatalf("道里 search returned %s %s", o.Code, o.Name)
			}
		}
		anc, err := s.Ancestors(ctx, daoli, list[0])
		if err != nil || len(anc) == 0 || anc[0].Code != "230102" {
			t.Fatalf("ancestors start at the actor's unit: %+v %v", anc, err)
		}
	})
}

func TestImportAttachesProvince(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := &org.Store{DB: d}
		if _, err := s.ImportHarbin(ctx); err != nil {
			t.Fatal(err)
		}
		im, err := s.NewImporter(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, dv := range []division.Division{{Code: "23", Name: "黑龙江省"}, {Code: "2301", Name: "哈尔滨市", Parent: "23"}, {Code: "2302", Name: "齐齐哈尔市", Parent: "23"}} {
			if err := im.Add(ctx, dv); err != nil {
				t.Fatal(err)
			}
		}
		if err := im.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if st := im.Stats(); st.Added != 2 || st.Moved != 1 {
			t.Fatalf("stats %+v", st)
		}
		prov := actorAt(t, s, "23", access.Staff)
		root, _ := s.ByCode(ctx, prov, "23")
		_, total, err := s.SubtreeCounts(ctx, prov, root)
		if err != nil || total != 3506 {
			t.Fatalf("province subtree %d, %v", total, err)
		}
		village, err := s.ByCode(ctx, prov, "230102001001")
		if err != nil || village.Depth != 4 {
			t.Fatalf("village after move: %+v %v", village, err)
		}
		// The city's own actor (whose stored path is now stale) is re-read at
		// each request in the app; a fresh one still sees its subtree.
		city := actorAt(t, s, "2301", access.Staff)
		if _, err := s.ByCode(ctx, city, "230102001001"); err != nil {
			t.Fatal(err)
		}
	})
}
