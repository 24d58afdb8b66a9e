package demo

import (
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestSeedAidPayments: after the first start the approved 两癌 application
// is paid in the year's first batch, the ledger balances with it, and
// 道里's staff has an export request waiting for the district leader.
func TestSeedAidPayments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, orgs, svc, keys, now := seeded(t, d)
		if err := seedAid(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		if err := SeedAidPayments(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		as := aid.NewService(d, orgs)
		as.Vault = keys
		city, _ := demoActor(ctx, svc, "city.leader")
		batches, n, err := as.Batches(ctx, city, aid.BatchFilter{})
		if err != nil || n != 1 || batches[0].Status != "closed" || batches[0].Paid != 1 || batches[0].PaidAmount != 1_000_000 {
			t.Fatalf("batches %+v (%d) %v", batches, n, err)
		}
		l, err := as.Ledger(ctx, city, now.In(db.Shanghai).Year())
		if err != nil || l.Total.Paid != 1_000_000 || !l.Total.Balanced(l.Whole) {
			t.Fatalf("ledger %+v %v", l.Total, err)
		}
		leader, _ := demoActor(ctx, svc, "daoli.leader")
		waiting, _, err := as.Exports(ctx, leader, aid.ExportFilter{})
		if err != nil || len(waiting) != 1 || waiting[0].Status != "pending" {
			t.Fatalf("export requests for 道里's leader: %+v %v", waiting, err)
		}
	})
}
