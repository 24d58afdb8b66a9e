package demo

import (
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/visit"
)

// TestSeedVisits: the demo visits, needs in every category, tasks in every
// state (two overdue, one 满意), the pending hand-over and the city quota.
func TestSeedVisits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx, orgs, svc, keys, now := seeded(t, d)
		if err := seedVisits(ctx, svc, keys, now); err != nil {
			t.Fatal(err)
		}
		city, _ := svc.UserByUsername(ctx, "city.staff")
		a := city.Actor("")
		vs := visit.NewService(d, orgs)
		vs.Vault = keys
		_, nv, _ := vs.Visits(ctx, a, visit.VisitFilter{})
		_, nn, _ := vs.Needs(ctx, a, visit.NeedFilter{})
		tasks, _, _ := vs.Tasks(ctx, a, visit.TaskFilter{Page: visit.Page{All: true}})
		if nv != len(visitSeeds) || nn < 20 {
			t.Fatalf("visits %d needs %d", nv, nn)
		}
		status, overdue, satisfied := map[visit.TaskStatus]int{}, 0, 0
		for _, x := range tasks {
			status[x.Status]++
			if x.Overdue(vs.Today()) {
				overdue++
			}
			if x.Feedback == "satisfied" {
				satisfied++
			}
		}
		if len(status) != 4 || overdue != 2 || satisfied != 1 {
			t.Fatalf("tasks %v overdue %d satisfied %d", status, overdue, satisfied)
		}
		daoli, _ := svc.UserByUsername(ctx, "daoli.staff")
		in, _, _ := vs.Needs(ctx, daoli.Actor(""), visit.NeedFilter{Incoming: true})
		if len(in) != 1 {
			t.Fatalf("pending hand-overs to 道里区: %d", len(in))
		}
		street, _ := svc.UserByUsername(ctx, "street.staff")
		mine, err := vs.MyQuotas(ctx, street.Actor(""))
		if err != nil || len(mine) != 1 || mine[0].Quota.Target != 10 {
			t.Fatalf("quota: %+v %v", mine, err)
		}
	})
}
