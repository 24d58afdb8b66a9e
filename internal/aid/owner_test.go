package aid_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
)

// TestDistrictFollowsTheTree: an application counts against the quota of
// its programme owner's child on its path. When its street moves to
// another district the application moves to that district's quota in the
// same transaction; Check finds a district left behind and Repair mends
// it.
func TestDistrictFollowsTheTree(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.cycle("cancer", 2026, 10_000_000, nil)
		x, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王桂英", makeID("23010219700101002")))
		if err != nil {
			t.Fatal(err)
		}
		daoli, nangang := f.Unit("230102"), f.Unit("230103")
		if x.DistrictID != daoli.ID {
			t.Fatalf("district %d, want 道里 %d", x.DistrictID, daoli.ID)
		}
		store := &org.Store{DB: d}
		if _, err := store.MoveAsOperator(ctx, "230102001", "230103"); err != nil {
			t.Fatal(err)
		}
		var district int64
		d.QueryRow(ctx, `SELECT district_id FROM aid_applications WHERE id = ?`, x.ID).Scan(&district)
		if district != nangang.ID {
			t.Fatalf("after the move: district %d, want 南岗 %d", district, nangang.ID)
		}
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("check: %v %v", stale, err)
		}
		// An old version's move left it behind: found, mended.
		if _, err := d.Exec(ctx, `UPDATE aid_applications SET district_id = ? WHERE id = ?`, daoli.ID, x.ID); err != nil {
			t.Fatal(err)
		}
		stale, err := store.Check(ctx)
		if err != nil || len(stale) != 1 || stale[0].What != "aid_applications.district_id" || stale[0].Count != 1 {
			t.Fatalf("check of a stale district: %v %v", stale, err)
		}
		if fixed, err := store.Repair(ctx); err != nil || org.StaleTotal(fixed) != 1 {
			t.Fatalf("repair: %v %v", fixed, err)
		}
		d.QueryRow(ctx, `SELECT district_id FROM aid_applications WHERE id = ?`, x.ID).Scan(&district)
		if district != nangang.ID {
			t.Fatalf("after the repair: district %d", district)
		}
	})
}

// TestDistrictFollowsADistrictMoved: a district (a child of the
// programme's owner) moved under its sibling takes its applications into
// the sibling's quota. While the move runs, the district's new path must
// not make it look like a child of the owner still (found by the tree's
// property test: on SQLite the applications kept the moved district, on
// PostgreSQL the move failed).
func TestDistrictFollowsADistrictMoved(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		f.cycle("cancer", 2026, 10_000_000, nil)
		x, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王桂英", makeID("23010219700101002")))
		if err != nil {
			t.Fatal(err)
		}
		store := &org.Store{DB: d}
		if _, err := store.MoveAsOperator(ctx, "230102", "230103"); err != nil {
			t.Fatal(err)
		}
		var district int64
		d.QueryRow(ctx, `SELECT district_id FROM aid_applications WHERE id = ?`, x.ID).Scan(&district)
		if nangang := f.Unit("230103"); district != nangang.ID {
			t.Fatalf("after the move: district %d, want 南岗 %d", district, nangang.ID)
		}
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("check: %v %v", stale, err)
		}
	})
}

// TestProgrammeOwner: a programme handed to a district is run by that
// district — its leader manages it and takes the chain's last step, the
// city's leader no longer does — and its applications count against the
// district's streets. A programme with an application waiting at its
// owner cannot change hands; an unknown programme or unit is refused
// beside the field.
func TestProgrammeOwner(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		city, daoli := f.Actor("city.leader"), f.Actor("daoli.leader")
		c := f.cycle("cancer", 2026, 10_000_000, nil)
		x, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王桂英", makeID("23010219700101002")))
		if err != nil {
			t.Fatal(err)
		}
		x = f.submit(f.Actor("village.staff"), x)
		x = f.decide(f.Actor("street.staff"), x, aid.Pass, "")
		x = f.decide(f.Actor("daoli.staff"), x, aid.Pass, "")
		if x.Level != "city" {
			t.Fatalf("level %s", x.Level)
		}
		if _, _, err := f.svc.SetOwnerAsOperator(ctx, "cancer", "230102"); !errors.Is(err, aid.ErrOwnerOpen) {
			t.Fatalf("hand-over with an application waiting at the owner: %v", err)
		}
		x = f.decide(city, x, aid.Pass, "")
		if x.Status != aid.Approved {
			t.Fatalf("status %s", x.Status)
		}
		_, _, err = f.svc.SetOwnerAsOperator(ctx, "nonsense", "230102")
		field(t, err, "programme", "没有这个项目代码")
		_, _, err = f.svc.SetOwnerAsOperator(ctx, "cancer", "999999")
		field(t, err, "org", "没有这个组织代码")

		p, moved, err := f.svc.SetOwnerAsOperator(ctx, "cancer", "230102")
		if err != nil || p.OwnerCode != "230102" || moved != 1 {
			t.Fatalf("hand-over: %+v %d %v", p, moved, err)
		}
		if f.audited("aid.programme.owner") == 0 {
			t.Fatal("hand-over not audited")
		}
		var district int64
		d.QueryRow(ctx, `SELECT district_id FROM aid_applications WHERE id = ?`, x.ID).Scan(&district)
		if district != f.Unit("230102001").ID {
			t.Fatalf("district after the hand-over: %d, want the street", district)
		}
		in := aid.CycleInput{Programme: "cancer", Year: 2026, Budget: 20_000_000, OpensOn: "2026-01-01", ClosesOn: "2026-12-31"}
		if _, err := f.svc.SaveCycle(ctx, city, in); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the city's leader on the district's programme: %v", err)
		}
		if _, err := f.svc.SaveCycle(ctx, daoli, in); err != nil {
			t.Fatalf("the district's leader on its own programme: %v", err)
		}
		if err := f.svc.SetQuota(ctx, daoli, c.ID, "230102001", 3); err != nil {
			t.Fatalf("quota for the district's street: %v", err)
		}
		err = f.svc.SetQuota(ctx, daoli, c.ID, "230103", 3)
		field(t, err, "org", "")
		// The chain now ends at the district: its leader approves.
		y, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("李秀珍", makeID("23010219710202004")))
		if err != nil {
			t.Fatal(err)
		}
		y = f.submit(f.Actor("village.staff"), y)
		y = f.decide(f.Actor("street.staff"), y, aid.Pass, "")
		if y.Level != "city" {
			t.Fatalf("above the street: %s, want the owner's level", y.Level)
		}
		if _, err := f.svc.Decide(ctx, city, y.ID, aid.Decision{Decision: aid.Pass, Version: y.Version}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("the city's leader deciding the district's programme: %v", err)
		}
		y = f.decide(daoli, y, aid.Pass, "")
		if y.Status != aid.Approved {
			t.Fatalf("after the district's approval: %s", y.Status)
		}
		// 南岗's cadres are outside its owner's subtree: they cannot apply.
		_, err = f.svc.Create(ctx, f.Actor("nangang.village"), cancerInput("张玉兰", makeID("23010319720303006")))
		field(t, err, "programme", "")
	})
}

// TestMergeHandsOverWhatTheUnitRuns: a district merged into another
// hands over the programme it runs (its leader's account went with it,
// and only the owner's leaders manage a programme) and its quota, added
// to the other district's for the same cycle since its applications now
// count there; the split preview counts the same hand-over.
func TestMergeHandsOverWhatTheUnitRuns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := f.cycle("cancer", 2026, 10_000_000, map[string]int{"230102": 3, "230103": 2})
		x, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王桂英", makeID("23010219700101002")))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.SetOwnerAsOperator(ctx, "love_mother", "230102"); err != nil {
			t.Fatal(err)
		}
		daoli, nangang := f.Unit("230102"), f.Unit("230103")
		store := &org.Store{DB: d}
		res, err := store.Merge(ctx, org.Operator(), "230102", "230103")
		if err != nil {
			t.Fatal(err)
		}
		moved := map[string]int{}
		for _, m := range res.Moved {
			moved[m.What] = m.Count
		}
		if moved["aid_programmes.owner_id"] != 1 || moved["aid_quotas.org_id"] != 1 {
			t.Fatalf("moved %v", res.Moved)
		}
		quota := func(unit int64) (q int) {
			d.QueryRow(ctx, `SELECT COALESCE(SUM(quota), -1) FROM aid_quotas WHERE cycle_id = ? AND org_id = ?`, c.ID, unit).Scan(&q)
			return q
		}
		if quota(nangang.ID) != 5 || quota(daoli.ID) != -1 {
			t.Fatalf("quotas after the merge: 南岗 %d, 道里 %d; want 5 and none", quota(nangang.ID), quota(daoli.ID))
		}
		var district, owner int64
		d.QueryRow(ctx, `SELECT district_id FROM aid_applications WHERE id = ?`, x.ID).Scan(&district)
		d.QueryRow(ctx, `SELECT owner_id FROM aid_programmes WHERE code = 'love_mother'`).Scan(&owner)
		if district != nangang.ID || owner != nangang.ID {
			t.Fatalf("district %d, owner %d; want 南岗 %d", district, owner, nangang.ID)
		}
		leader := f.Actor("daoli.leader") // her account moved to 南岗 with the merge
		if leader.OrgID != nangang.ID {
			t.Fatalf("the leader's unit: %d", leader.OrgID)
		}
		in := aid.CycleInput{Programme: "love_mother", Year: 2026, OpensOn: "2026-01-01", ClosesOn: "2026-12-31"}
		if _, err := f.svc.SaveCycle(ctx, leader, in); err != nil {
			t.Fatalf("the merged district's leader, now 南岗's, on the programme: %v", err)
		}
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("check: %v %v", stale, err)
		}
	})
}
