package demo

import (
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestSeedAid: this year's 两癌救助 is open and the four demo applications
// stand at each stage — the street's queue, returned to the village, the
// city leader's queue, approved — masked in the list, and the ledger's
// quota counts the approved one.
func TestSeedAid(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, orgs, svc, keys, now := seeded(t, d)
		if err := seedAid(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		as := aid.NewService(d, orgs)
		as.Vault = keys
		leader, _ := svc.UserByUsername(ctx, "city.leader")
		list, n, err := as.Applications(ctx, leader.Actor(""), aid.Filter{})
		if err != nil || n != 4 {
			t.Fatalf("%d applications, %v", n, err)
		}
		states := map[string]int{}
		for _, x := range list {
			states[string(x.Status)+"@"+x.Level]++
			if x.Name == "" || []rune(x.Name)[1] != '*' {
				t.Fatalf("list name not masked: %q", x.Name)
			}
		}
		if states["approved@city"] != 1 || states["returned@village"] != 1 || states["reviewing@city"] != 1 || states["reviewing@street"] != 1 {
			t.Fatalf("states %v", states)
		}
		todo, _, err := as.Applications(ctx, leader.Actor(""), aid.Filter{Todo: true})
		if err != nil || len(todo) != 1 {
			t.Fatalf("city leader's queue: %d %v", len(todo), err)
		}
	})
}
