package demo

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/aid"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// TestAidFollowupDemo: the demo's two pairings and one scholarship are
// approved with a follow-up each; 待跟踪 shows the pairing last visited
// 120 days ago as overdue and the one visited 80 days ago as due soon.
func TestAidFollowupDemo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
		ctx := context.Background()
		orgs := &org.Store{DB: d}
		svc := auth.NewService(d, orgs)
		if _, err := Seed(ctx, svc, "demo-password-2015", true); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		keys, err := vault.Parse(vault.NewFileText(now))
		if err != nil {
			t.Fatal(err)
		}
		if err := aidFollowupDemo(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		as := aid.NewService(d, orgs)
		as.Vault = keys
		leader, _ := svc.UserByUsername(ctx, "daoli.leader")
		items, n, err := as.Due(ctx, leader.Actor(""), aid.DueFilter{})
		if err != nil || n != 2 {
			t.Fatalf("%d due, %v: %+v", n, err, items)
		}
		if !items[0].Overdue() || items[0].DaysLeft != -30 || items[1].Overdue() || items[1].DaysLeft != 10 {
			t.Fatalf("due: %+v", items)
		}
		var f int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_followups`).Scan(&f); err != nil || f != 3 {
			t.Fatalf("%d follow-ups, %v", f, err)
		}
	})
}
