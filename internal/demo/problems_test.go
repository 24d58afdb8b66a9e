package demo

import (
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/testdb"
)

// TestDemoProblems: the demo ledger has items in every status and colour,
// 道里区 has one waiting for the city, and the city's own are its own.
func TestDemoProblems(t *testing.T) {
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, _, svc, keys, now := seeded(t, d)
		if err := seedProblems(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		u, _ := svc.UserByUsername(ctx, "city.staff")
		rs := rectify.NewService(d, svc.Orgs)
		rs.Vault = keys
		list, n, err := rs.List(ctx, u.Actor(""), rectify.Filter{})
		if err != nil || n != len(problemSeeds) {
			t.Fatalf("%d problems, %v", n, err)
		}
		status, colour := map[rectify.Status]int{}, map[string]int{}
		for _, p := range list {
			status[p.Status]++
			colour[p.ColourAt(rectify.Today(now))]++
		}
		for _, k := range []rectify.Status{rectify.Open, rectify.Applied, rectify.Returned, rectify.Closed} {
			if status[k] == 0 {
				t.Errorf("no %s item: %v", k, status)
			}
		}
		for _, k := range []string{"red", "yellow", "green", ""} {
			if colour[k] == 0 {
				t.Errorf("no %q item: %v", k, colour)
			}
		}
		// The city's queue: 道里区's application and the street's below it.
		q, n, _ := rs.List(ctx, u.Actor(""), rectify.Filter{Verify: true})
		if n != 2 || q[0].OrgCode != "230102001" || q[1].OrgCode != "230102" {
			t.Fatalf("city queue %d", n)
		}
		var admin access.Actor
		if _, _, err := rs.List(ctx, admin, rectify.Filter{}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("an empty actor listed the ledger: %v, want access.ErrDenied", err)
		}
	})
}
