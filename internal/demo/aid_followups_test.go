package demo

import (
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestAidFollowupDemo: the demo's two pairings and one scholarship are
// approved with a follow-up each; 待跟踪 shows the pairing last visited
// 120 days ago as overdue and the one visited 80 days ago as due soon.
func TestAidFollowupDemo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, orgs, svc, keys, now := seeded(t, d)
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
