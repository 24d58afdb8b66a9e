package rectify_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestCountersFollowEveryChange runs random operations through the
// service — problems recorded at every level with deadlines around today,
// some 长期坚持 with review dates, edited (another category, deadline or
// review dates), reviews made, applied for closing, returned and closed by
// the unit above, a village moved to another street and back, days passing
// — and after every ten checks that the desks' counts and roll-up rows and
// the statistics tables equal the counting from the problems at every
// level, and that `stats check` finds nothing. HALFSKY_PROP_OPS sets how many
// operations (default 150).
func TestCountersFollowEveryChange(t *testing.T) {
	ops := testfx.PropOps(150, 4)
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		rng := rand.New(rand.NewPCG(16, 2026))
		day := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
		f.svc.Now = func() time.Time { return day }
		cadres := []string{"city.staff", "daoli.staff", "street.staff", "village.staff", "nangang.leader"}
		above := map[string]string{"230102": "city.leader", "230102001": "daoli.leader", "230102002": "daoli.leader",
			"230102001001": "street.staff", "230103": "city.leader"}
		owner := map[string]string{"2301": "city.staff", "230102": "daoli.staff", "230102001": "street.staff",
			"230102001001": "village.staff", "230103": "nangang.leader"}
		input := func() rectify.Input {
			today := day.In(db.Shanghai)
			in := rectify.Input{Category: rectify.Categories[rng.IntN(len(rectify.Categories))].Key, Source: "public",
				Description: "入户少", Measures: "包片联系", Responsible: "王丽华", Mode: rectify.ModeDeadline, Plan: "每月通报",
				FoundOn: today.AddDate(0, 0, -rng.IntN(30)).Format("2006-01-02"), DueOn: today.AddDate(0, 0, rng.IntN(20)).Format("2006-01-02")}
			if rng.IntN(3) == 0 { // 长期坚持: coloured by its first review not yet made
				in.Mode, in.DueOn = rectify.ModeOngoing, ""
				for range 1 + rng.IntN(3) {
					in.Reviews = append(in.Reviews, today.AddDate(0, 0, rng.IntN(20)).Format("2006-01-02"))
				}
			}
			return in
		}
		done := map[string]int{}
		try := func(what string, err error) {
			t.Helper()
			if err == nil {
				done[what]++
			} else if !errors.Is(err, db.ErrNotFound) && !errors.Is(err, access.ErrDenied) && apperr.From(err).Status/100 != 4 {
				t.Fatalf("%s: %v", what, err)
			}
		}
		check := func(when string) {
			t.Helper()
			for _, name := range append(cadres, "city.leader", "daoli.leader") {
				a := f.Actor(name)
				got, err1 := f.svc.Desk(ctx, a)
				want, err2 := f.svc.DeskRecount(ctx, a)
				scope := rectify.Desk{Open: got.Open, Applied: got.Applied, Closed: got.Closed, Red: got.Red, Yellow: got.Yellow,
					ByCategory: got.ByCategory}
				if err1 != nil || err2 != nil || !reflect.DeepEqual(scope, want) {
					t.Fatalf("%s, desk of %s:\n got %+v\nwant %+v (%v %v)", when, name, scope, want, err1, err2)
				}
				node := f.Unit(a.OrgCode)
				rows, err1 := f.svc.DeskByChild(ctx, a, node)
				wantRows, err2 := f.svc.DeskByChildRecount(ctx, a, node)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(rows, wantRows) {
					t.Fatalf("%s, desk roll-up of %s:\n got %v\nwant %v (%v %v)", when, name, rows, wantRows, err1, err2)
				}
			}
			for _, c := range []struct{ who, under string }{{"city.leader", ""}, {"city.leader", "230102"},
				{"daoli.leader", "230102001"}, {"street.staff", ""}, {"nangang.leader", ""}} {
				got, err1 := f.svc.Stats(ctx, f.Actor(c.who), c.under)
				want, err2 := f.svc.StatsRecount(ctx, f.Actor(c.who), c.under)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s, statistics of %s under %q:\n got %+v\nwant %+v (%v %v)", when, c.who, c.under, got, want, err1, err2)
				}
			}
			if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) > 0 {
				t.Fatalf("%s: stats check: %v %v", when, bad, err)
			}
		}
		var ids []int64
		away := false
		for i := range ops {
			var p rectify.Problem
			if len(ids) > 0 {
				var err error
				id := ids[rng.IntN(len(ids))]
				if p, err = f.svc.Get(ctx, f.Actor("city.leader"), id); err != nil {
					t.Fatal(id, err)
				}
			}
			switch op := rng.IntN(12); {
			case op < 4 || len(ids) == 0:
				id, err := f.svc.Create(ctx, f.Actor(cadres[rng.IntN(len(cadres))]), input())
				if try("create", err); err == nil {
					ids = append(ids, id)
				}
			case op < 5 && rng.IntN(2) == 0 && p.NextReview != "":
				try("review", f.svc.AddProgress(ctx, f.Actor(owner[p.OrgCode]), p.ID, rectify.Progress{Note: "已复查", Review: true}))
			case op < 5:
				try("update", f.svc.Update(ctx, f.Actor(owner[p.OrgCode]), p.ID, input()))
			case op < 7:
				try("apply", f.svc.Apply(ctx, f.Actor(owner[p.OrgCode]), p.ID, "已整改"))
			case op < 10 && above[p.OrgCode] == "": // the city's own: nobody above
			case op < 8:
				try("return", f.svc.Return(ctx, f.Actor(above[p.OrgCode]), p.ID, "佐证不足"))
			case op < 10:
				try("close", f.svc.Close(ctx, f.Actor(above[p.OrgCode]), p.ID, "同意销号"))
			case op < 11:
				f.MoveVillage(ctx, &away)
				done["move"]++
			default:
				day = day.AddDate(0, 0, 1+rng.IntN(6))
			}
			if i%10 == 9 {
				check(fmt.Sprintf("after %d operations", i+1))
			}
		}
		check("at the end")
		t.Logf("operations that went through: %v", done)
		for _, what := range []string{"create", "update", "review", "apply", "return", "close", "move"} {
			if done[what] == 0 {
				t.Errorf("no %s went through in %d operations: %v", what, ops, done)
			}
		}

		// A database from before the counters gets them from its upgrade.
		testfx.CountersFromUpgrade(t, d, 28, "problem:all")
		check("after the upgrade")
	})
}
