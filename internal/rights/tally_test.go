package rights_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestStatsCountersProperty: random intake at three units, takes,
// assessments, notes, escalations, transfers accepted and refused,
// closings and reopenings over two months, and the village moved between
// streets and back; after every ten operations the statistics read from
// the counters equal the recount, at the city, a district, a street and
// the village, for the year and for each month.
func TestStatsCountersProperty(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		rng := rand.New(rand.NewPCG(7, 15))
		village := f.Actor("village.staff")
		next := f.Colleague("next.staff", "褚红", "230102001002", access.Staff)
		nextLeader := f.Colleague("next.leader", "冯丽", "230102001002", access.Leader)
		streetLeader := f.Colleague("street.leader", "郑淑华", street, access.Leader)
		district := f.Actor("daoli.staff")
		intakers := []access.Actor{village, next, district}
		cats := []string{"dv", "marriage.divorce", "labour.maternity", "property.land", "other", "person.harassment"}
		channels := []string{rights.ChannelHotline, rights.ChannelWalkIn, rights.ChannelLetter}
		var ids []int64
		away := false
		readers := []string{"city.leader", "daoli.leader", "nangang.leader"}
		check := func(step int) {
			t.Helper()
			for _, who := range readers {
				a := f.Actor(who)
				for _, under := range []string{"", street, community} {
					if who == "nangang.leader" && under != "" {
						continue
					}
					for _, month := range []string{"", "2026-10", "2026-11"} {
						got, err := f.svc.Stats(ctx, a, under, 2026, month)
						if err != nil {
							t.Fatal(err)
						}
						want, err := f.svc.StatsRecount(ctx, a, under, 2026, month)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("after %d operations, %s under %q month %q:\ncounters %+v\nrecount  %+v", step, who, under, month, got, want)
						}
					}
				}
			}
		}
		ops := testfx.PropOps(120, 4)
		for i := 0; i < ops; i++ {
			f.clock = time.Date(2026, 10, 1+rng.IntN(60), 3, 0, 0, 0, time.UTC)
			pick := func() int64 { return ids[rng.IntN(len(ids))] }
			switch op := rng.IntN(10); {
			case op < 3 || len(ids) == 0:
				a := intakers[rng.IntN(len(intakers))]
				id, err := f.svc.Intake(ctx, a, rights.Input{Channel: channels[rng.IntN(len(channels))], Category: cats[rng.IntN(len(cats))],
					Narrative: fmt.Sprintf("第 %d 件", i), Take: rng.IntN(2) == 0})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			case op == 3:
				id := pick()
				for _, a := range intakers {
					_ = f.svc.Take(ctx, a, id, 0)
				}
			case op == 4:
				for _, a := range intakers {
					_, _ = f.svc.Assess(ctx, a, pick(), 0, []string{"weapon", "strangle", "control"}[:1+rng.IntN(3)])
				}
			case op == 5:
				id := pick()
				for _, a := range intakers {
					_ = f.svc.AddNote(ctx, a, id, 0, rights.NoteContact, "联系")
				}
			case op == 6:
				id := pick()
				for _, a := range intakers {
					_ = f.svc.Close(ctx, a, id, 0, []string{"resolved", "advice", "legal"}[rng.IntN(3)], "satisfied", "")
					_ = f.svc.Reopen(ctx, a, id, 0, "重新办理")
					_ = f.svc.Close(ctx, a, id, 0, "mediated", "fair", "")
				}
			case op == 7:
				id := pick()
				_ = f.svc.Transfer(ctx, village, id, 0, "230102001002", "搬家")
				_ = f.svc.Transfer(ctx, next, id, 0, community, "搬回")
				if c, err := f.svc.Get(ctx, nextLeader, id); err == nil {
					for _, m := range c.Moves {
						if m.Status == "pending" {
							_ = f.svc.DecideMove(ctx, nextLeader, id, m.ID, rng.IntN(3) > 0, "拒收理由")
						}
					}
				}
			case op == 8:
				id := pick()
				_ = f.svc.Escalate(ctx, village, id, 0, "上报")
				if c, err := f.svc.Get(ctx, streetLeader, id); err == nil {
					for _, m := range c.Moves {
						if m.Status == "pending" && m.Kind == rights.MoveEscalate {
							_ = f.svc.DecideMove(ctx, streetLeader, id, m.ID, true, "")
						}
					}
				}
			default:
				f.MoveVillage(ctx, &away)
			}
			if (i+1)%10 == 0 {
				check(i + 1)
			}
		}
		check(ops)
		var total int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM cases`).Scan(&total); err != nil || total < ops/5 {
			t.Fatalf("%d cases after %d operations: %v", total, ops, err)
		}
	})
}
