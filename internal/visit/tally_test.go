package visit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

// TestCountersFollowEveryChange runs random operations through the
// service — visits recorded and edited (another unit, another month, other
// women), needs recorded, handed over and accepted or refused, tasks made
// of them, started and closed, a village moved to another street and
// back, days passing — and after every ten checks, at every level and for
// several periods, that the statistics and the desks read from the
// counters equal the counting from the records, and that `stats check`
// finds nothing. HALFSKY_PROP_OPS sets how many operations (default 150).
func TestCountersFollowEveryChange(t *testing.T) {
	ops := testfx.PropOps(150, 4)
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		rng := rand.New(rand.NewPCG(14, 2026))
		day := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return day }
		cadres := []string{"city.staff", "daoli.staff", "street.staff", "village.staff", "nangang.leader"}
		date := func() string { return day.AddDate(0, 0, -rng.IntN(400)).In(db.Shanghai).Format("2006-01-02") }
		done := map[string]int{}
		try := func(what string, err error) {
			t.Helper()
			if err == nil {
				done[what]++
				return
			}
			if apperr.From(err).Status == 0 || apperr.From(err).Status >= 500 {
				t.Fatalf("%s: %v", what, err)
			}
		}
		check := func(when string) {
			t.Helper()
			for _, name := range append(cadres, "city.leader", "daoli.leader") {
				f.deskAsRecount(when, name)
				a := f.Actor(name)
				for _, sf := range []visit.StatsFilter{{}, {Year: 2026}, {Year: 2025}, {Year: 2026, Month: 10}} {
					got, err1 := f.svc.Stats(ctx, a, sf)
					want, err2 := f.svc.StatsRecount(ctx, a, sf)
					if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, statistics of %s %+v:\n got %v %v\nwant %v %v (%v %v)", when, name, sf,
							got.Totals, got.NeedStatus, want.Totals, want.NeedStatus, err1, err2)
					}
				}
			}
			if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) > 0 {
				t.Fatalf("%s: stats check: %v %v", when, bad, err)
			}
		}
		var visits, needs, tasks, handed []int64
		away := false // the village is under the other street
		for i := range ops {
			a := f.Actor(cadres[rng.IntN(len(cadres))])
			switch op := rng.IntN(20); {
			case op < 3: // a visit
				v, err := f.svc.CreateVisit(ctx, a, visit.VisitInput{VisitedOn: date(), Place: "村委会", Households: 3, Women: rng.IntN(9)}, nil)
				if try("visit", err); err == nil {
					visits = append(visits, v.ID)
				}
			case op < 5 && len(visits) > 0: // a visit edited: another date, women, perhaps unit
				v, err := f.svc.Visit(ctx, f.Actor("city.staff"), visits[rng.IntN(len(visits))])
				if err != nil {
					t.Fatal(err)
				}
				code := []string{v.OrgCode, "230102", "230102001001"}[rng.IntN(3)]
				_, err = f.svc.UpdateVisit(ctx, f.Actor("daoli.staff"), v.ID,
					visit.VisitInput{OrgCode: code, VisitedOn: date(), Place: "改", Households: 1, Women: rng.IntN(9)}, nil)
				try("visit edit", err)
			case op < 8: // a need
				n, err := f.svc.CreateNeed(ctx, a, visit.NeedInput{Category: visit.Categories[rng.IntN(len(visit.Categories))].Key,
					Urgency: "normal", Summary: "需要帮助", RecordedOn: date()})
				if try("need", err); err == nil {
					needs = append(needs, n.ID)
				}
			case op < 11 && len(needs) > 0: // a hand-over, up or down
				n, err := f.svc.Need(ctx, f.Actor("city.staff"), needs[rng.IntN(len(needs))])
				if err != nil {
					t.Fatal(err)
				}
				near := neighbours[n.OrgCode]
				if len(near) == 0 {
					break
				}
				_, err = f.svc.HandOver(ctx, f.Actor(holder(n.OrgCode)), n.ID,
					visit.HandoverInput{ToCode: near[rng.IntN(len(near))], Reason: "属地办理"})
				if try("hand-over", err); err == nil {
					handed = append(handed, n.ID)
				}
			case op < 13 && len(handed) > 0: // a hand-over answered
				id := handed[rng.IntN(len(handed))]
				hs, err := f.svc.Handovers(ctx, f.Actor("city.staff"), id)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hs {
					if h.Status == visit.HandPending {
						_, err := f.svc.Decide(ctx, f.Actor(holder(h.ToCode)), id, rng.IntN(3) > 0, "收到")
						try("decision", err)
					}
				}
			case op < 15 && len(needs) > 0: // a task of a need
				n, err := f.svc.Need(ctx, f.Actor("city.staff"), needs[rng.IntN(len(needs))])
				if err != nil {
					t.Fatal(err)
				}
				start := date()
				x, err := f.svc.CreateTask(ctx, f.Actor(holder(n.OrgCode)), visit.TaskInput{NeedID: n.ID, Title: "办实事",
					OwnerName: "王丽", StartsOn: start, DueOn: visit.AddDays(start, rng.IntN(60))})
				if try("task", err); err == nil {
					tasks = append(tasks, x.ID)
				}
			case op < 18 && len(tasks) > 0: // a task started or closed
				x, err := f.svc.Task(ctx, f.Actor("city.staff"), tasks[rng.IntN(len(tasks))])
				if err != nil {
					t.Fatal(err)
				}
				by := f.Actor("city.staff")
				if x.Status == visit.TaskTodo && rng.IntN(2) == 0 {
					_, err = f.svc.StartTask(ctx, by, x.ID)
					try("task start", err)
					break
				}
				outcome := []visit.TaskStatus{visit.TaskDone, visit.TaskDone, visit.TaskUnable}[rng.IntN(3)]
				_, err = f.svc.CloseTask(ctx, by, x.ID, visit.CloseInput{Outcome: outcome, Result: "已办", Feedback: "satisfied"})
				try("task close", err)
			case op == 18: // the village moves to the other street, or back
				f.MoveVillage(ctx, &away)
				done["move"]++
			default: // days pass: tasks fall overdue, a month may turn
				day = day.AddDate(0, 0, 1+rng.IntN(20))
			}
			if i%10 == 9 {
				check(fmt.Sprintf("after %d operations", i+1))
			}
		}
		check("at the end")
		t.Logf("operations that went through: %v", done)

		// A database from before the counters gets them from its upgrade.
		if _, err := d.Exec(ctx, `DROP INDEX needs_away`); err != nil {
			t.Fatal(err)
		}
		testfx.CountersFromUpgrade(t, d, 26, "visit:all", "visitwomen:all", "need:all", "needmonth:all", "task:all")
		check("after the upgrade")
		for _, what := range []string{"visit", "visit edit", "need", "hand-over", "decision", "task", "task start", "task close", "move"} {
			if done[what] == 0 {
				t.Errorf("no %s succeeded in %d operations: %v", what, ops, done)
			}
		}
	})
}

// neighbours are the units a unit hands needs to: the one above it and
// those below it among the cadres' units.
var neighbours = map[string][]string{"2301": {"230102", "230103"}, "230102": {"2301", "230102001"},
	"230102001": {"230102", "230102001001"}, "230102001001": {"230102001"}, "230103": {"2301"}}

// holder is a cadre of the unit with the code: who hands over, answers
// and makes tasks of the needs it holds.
func holder(code string) string {
	return map[string]string{"2301": "city.staff", "230102": "daoli.staff", "230102001": "street.staff",
		"230102001001": "village.staff", "230103": "nangang.leader"}[code]
}
