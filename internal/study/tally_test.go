package study_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/study"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestCountersFollowEveryChange runs random operations through the
// service — activities recorded at every level, edited (another kind,
// month, number of participants), a village moved to another street and
// back, months passing — and after every ten checks that the statistics
// and the desks read from the counters equal the counting from the
// activities, for several years and every level, and that `stats check`
// finds nothing. HALFSKY_PROP_OPS sets how many operations (default 150).
func TestCountersFollowEveryChange(t *testing.T) {
	ops := testfx.PropOps(150, 4)
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		rng := rand.New(rand.NewPCG(15, 2026))
		day := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return day }
		cadres := []string{"city.staff", "daoli.staff", "street.staff", "village.staff", "nangang.leader"}
		date := func() string { return day.AddDate(0, 0, -rng.IntN(500)).In(db.Shanghai).Format("2006-01-02") }
		input := func() study.Input {
			return study.Input{Kind: study.Kinds[rng.IntN(len(study.Kinds))], HeldOn: date(), Topic: "学习会议精神",
				Place: "会议室", Participants: 1 + rng.IntN(60)}
		}
		done := map[string]int{}
		check := func(when string) {
			t.Helper()
			for _, name := range append(cadres, "city.leader") {
				a := f.Actor(name)
				got, err1 := f.svc.Desk(ctx, a)
				want, err2 := f.svc.DeskRecount(ctx, a)
				got.Latest = nil
				if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s, desk of %s:\n got %+v\nwant %+v (%v %v)", when, name, got, want, err1, err2)
				}
				node := f.Unit(a.OrgCode)
				rows, err1 := f.svc.DeskByChild(ctx, a, node)
				wantRows, err2 := f.svc.DeskByChildRecount(ctx, a, node)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(rows, wantRows) {
					t.Fatalf("%s, desk roll-up of %s:\n got %v\nwant %v (%v %v)", when, name, rows, wantRows, err1, err2)
				}
				for _, year := range []int{2025, 2026, 2027} {
					got, err1 := f.svc.Stats(ctx, a, "", year)
					want, err2 := f.svc.StatsRecount(ctx, a, "", year)
					if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, statistics of %s for %d:\n got %+v\nwant %+v (%v %v)", when, name, year, got.Total, want.Total, err1, err2)
					}
				}
			}
			if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) > 0 {
				t.Fatalf("%s: stats check: %v %v", when, bad, err)
			}
		}
		var ids []int64
		away := false
		for i := range ops {
			name := cadres[rng.IntN(len(cadres))]
			switch op := rng.IntN(10); {
			case op < 5:
				x, err := f.svc.Create(ctx, f.Actor(name), input(), nil)
				if err != nil {
					t.Fatalf("op %d: create: %v %v", i, err, apperr.From(err).Fields)
				}
				ids = append(ids, x.ID)
				done["create"]++
			case op < 8 && len(ids) > 0:
				x, err := f.svc.Get(ctx, f.Actor("city.staff"), ids[rng.IntN(len(ids))])
				if err != nil {
					t.Fatal(err)
				}
				owner := map[string]string{"2301": "city.staff", "230102": "daoli.staff", "230102001": "street.staff",
					"230102001001": "village.staff", "230103": "nangang.leader"}[x.OrgCode]
				if _, err := f.svc.Update(ctx, f.Actor(owner), x.ID, x.Version, input()); err != nil {
					t.Fatalf("op %d: update: %v %v", i, err, apperr.From(err).Fields)
				}
				done["update"]++
			case op == 8:
				f.MoveVillage(ctx, &away)
				done["move"]++
			default:
				day = day.AddDate(0, 0, 5+rng.IntN(40))
			}
			if i%10 == 9 {
				check(fmt.Sprintf("after %d operations", i+1))
			}
		}
		check("at the end")
		t.Logf("operations: %v", done)

		// A database from before the counters gets them from its upgrade.
		testfx.CountersFromUpgrade(t, d, 27, "study:all", "studypeople:all")
		check("after the upgrade")
	})
}
