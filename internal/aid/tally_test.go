package aid_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestStatsCountersProperty runs random operations on applications —
// entered in two years, submitted, passed, returned, rejected, approved at
// the city, their village moved to another street and back — and after
// every few checks that the statistics read from the counters equal a
// recount of the applications at every level and for every year, and that
// `stats check` finds nothing. HALFSKY_PROP_OPS sets how many (default
// 120; CI runs more).
func TestStatsCountersProperty(t *testing.T) {
	ops := testfx.PropOps(120, 5)
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.cycle("cancer", 2025, 100_000_000, nil)
		f.cycle("cancer", 2026, 100_000_000, nil)
		rng := rand.New(rand.NewPCG(14, 2026))
		city := f.Actor("city.leader")
		// Read again at each use: a move changes the village's path.
		village := func() access.Actor { return f.Actor("village.staff") }
		by := map[string]string{"street": "street.staff", "district": "daoli.staff", "city": "city.leader"}
		var apps []aid.Application
		away := false // the village is under the other street
		people := 0
		check := func(when string) {
			t.Helper()
			for _, under := range []string{"", "230102", "230102001", "230102002", "230102001001"} {
				for _, year := range []int{0, 2025, 2026} {
					got, err := f.svc.Stats(ctx, city, under, year)
					if err != nil {
						t.Fatal(err)
					}
					want, err := f.svc.StatsRecount(ctx, city, under, year)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: statistics of %q, year %d, from the counters differ from the recount:\n got %+v\nwant %+v",
							when, under, year, got.Total, want.Total)
					}
				}
			}
			if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) > 0 {
				t.Fatalf("%s: stats check: %v %v", when, bad, err)
			}
		}
		for i := range ops {
			switch op := rng.IntN(10); {
			case op < 3 || len(apps) == 0: // enter one
				people++
				in := cancerInput("测试"+strconv.Itoa(people), makeID(fmt.Sprintf("230102%04d0312%02d2", 1950+people%50, people/50)))
				in.Year = 2025 + rng.IntN(2)
				f.clock = beijing(in.Year, 6, 1) // within the year's cycle
				x, err := f.svc.Create(ctx, village(), in)
				if err != nil {
					t.Fatalf("op %d: create: %v %s", i, err, fieldsOf(err))
				}
				apps = append(apps, x)
			case op < 8: // the next step of one
				j := rng.IntN(len(apps))
				x, err := f.svc.Application(ctx, city, apps[j].ID)
				if err != nil {
					t.Fatal(err)
				}
				switch x.Status {
				case aid.Draft, aid.Returned:
					if !away {
						apps[j] = f.submit(village(), x)
					}
				case aid.Reviewing:
					who, ok := by[x.Level]
					if !ok || away {
						continue
					}
					decision := []string{aid.Pass, aid.Pass, aid.Pass, aid.Return, aid.Reject}[rng.IntN(5)]
					reason := ""
					if decision != aid.Pass {
						reason = "材料不全"
					}
					apps[j] = f.decide(f.Actor(who), x, decision, reason)
				}
			default: // the village moves to the other street, or back
				under := "230102002"
				if away {
					under = "230102001"
				}
				if _, err := f.Orgs.MoveAsOperator(ctx, "230102001001", under); err != nil {
					t.Fatalf("op %d: move: %v", i, err)
				}
				away = !away
			}
			if i%10 == 9 {
				check(fmt.Sprintf("after %d operations", i+1))
			}
		}
		check("at the end")
		approved := 0
		for _, x := range apps {
			if y, _ := f.svc.Application(ctx, city, x.ID); y.Status == aid.Approved {
				approved++
			}
		}
		if approved == 0 {
			t.Errorf("no application was approved in %d operations: the amounts went untested", ops)
		}

		// A database from before the counters gets them from its upgrade.
		testfx.CountersFromUpgrade(t, d, 24, "aid:apps", "aidamt:apps")
		check("after the upgrade")
	})
}

func fieldsOf(err error) string { return fmt.Sprintf("%v", apperr.From(err).Fields) }
