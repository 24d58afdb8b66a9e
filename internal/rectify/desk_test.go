package rectify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/rectify"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// deskFx is the demo tree and accounts with a rectify service on a fixed
// clock: 2 November 2026, 10:00 in Beijing.
type deskFx struct {
	*testfx.Demo
	t   *testing.T
	d   *db.DB
	svc *rectify.Service
}

func deskSetup(t *testing.T, d *db.DB) *deskFx {
	f := &deskFx{Demo: testfx.Seed(t, d), t: t, d: d}
	f.svc = rectify.NewService(d, f.Orgs)
	f.svc.Vault = testfx.Keys
	f.svc.Now = func() time.Time { return time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) }
	return f
}

// problem records one problem of the unit; due "" is a 长期坚持 item.
func (f *deskFx) problem(code, cat, desc, due, status string) {
	o, by := f.Unit(code), f.Actor("city.staff")
	var dueOn, applied any
	if due != "" {
		dueOn = due
	}
	if status == "applied" {
		applied = db.Millis(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	}
	if _, err := f.d.Exec(context.Background(), `INSERT INTO problems (org_id, org_path, category, source, description,
		measures, responsible, mode, found_on, due_on, status, applied_at, created_by, created_at, updated_at)
		VALUES (?, ?, ?, 'self', ?, '立即整改', '负责人', 'deadline', '2026-09-01', ?, ?, ?, ?, 0, 0)`,
		o.ID, o.Path, cat, desc, dueOn, status, applied, by.UserID); err != nil {
		f.t.Fatal(err)
	}
	// Written past the service: the counters are counted again.
	if _, err := tally.Rebuild(context.Background(), f.d); err != nil {
		f.t.Fatal(err)
	}
}

func deskDescs(list []rectify.DeskProblem) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Description)
	}
	return out
}

func deskOne(t *testing.T, what string, list []rectify.DeskProblem, total int, want string) {
	t.Helper()
	if got := deskDescs(list); total != 1 || len(got) != 1 || got[0] != want {
		t.Errorf("%s: %v (%d), want %s", what, got, total, want)
	}
}

// TestDesk: the district's own problems sorted into returned, red and
// yellow; the village's application is on the district's and the city's
// verify list, not the city's own; counts and roll-up by district.
func TestDesk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		f.problem("230102", "organ", "逾期未改", "2026-10-30", "open")
		f.problem("230102", "admin", "七日内到期", "2026-11-06", "open")
		f.problem("230102", "elite", "被退回", "2026-12-31", "returned")
		f.problem("230102", "style", "长期坚持", "", "open")
		f.problem("230102", "organ", "已销号", "2026-10-01", "closed")
		f.problem("230102001001", "leisure", "村里申请销号", "2026-10-01", "applied")
		f.problem("230102001001", "other", "村里逾期", "2026-10-01", "open")
		f.problem("230103", "organ", "南岗申请销号", "2026-11-01", "applied")
		f.problem("230103", "organ", "南岗将到期", "2026-11-03", "open")
		f.problem("2301", "ability", "市妇联申请销号", "2026-11-01", "applied")

		dl, err := f.svc.Desk(ctx, f.Actor("daoli.staff"))
		if err != nil {
			t.Fatal(err)
		}
		deskOne(t, "returned", dl.Returned, dl.ReturnedTotal, "被退回")
		deskOne(t, "overdue", dl.Overdue, dl.OverdueTotal, "逾期未改")
		deskOne(t, "due soon", dl.DueSoon, dl.DueSoonTotal, "七日内到期")
		deskOne(t, "verify", dl.Verify, dl.VerifyTotal, "村里申请销号")
		if dl.Open != 5 || dl.Applied != 1 || dl.Closed != 1 || dl.Red != 2 || dl.Yellow != 1 {
			t.Errorf("daoli counts %d/%d/%d red %d yellow %d", dl.Open, dl.Applied, dl.Closed, dl.Red, dl.Yellow)
		}
		if len(dl.ByCategory) != 6 || dl.ByCategory[0] != (rectify.DeskCategory{Key: "organ", Label: "机关化", Open: 1, Done: 1}) {
			t.Errorf("by category %+v", dl.ByCategory)
		}
		if v := dl.Verify[0]; v.OrgName == "" || v.CategoryLabel != "娱乐化" || v.AppliedAt.IsZero() {
			t.Errorf("verify row %+v", v)
		}

		vl, err := f.svc.Desk(ctx, f.Actor("village.staff"))
		if err != nil {
			t.Fatal(err)
		}
		deskOne(t, "village overdue", vl.Overdue, vl.OverdueTotal, "村里逾期")
		if vl.VerifyTotal != 0 || vl.ReturnedTotal != 0 || vl.Open != 1 || vl.Applied != 1 || vl.Red != 1 {
			t.Errorf("village %+v", vl)
		}

		city, err := f.svc.Desk(ctx, f.Actor("city.leader"))
		if err != nil {
			t.Fatal(err)
		}
		if got := deskDescs(city.Verify); city.VerifyTotal != 2 || len(got) != 2 {
			t.Errorf("city verify %v", got)
		}
		if city.Open != 6 || city.Applied != 3 || city.Red != 2 || city.Yellow != 2 || city.OverdueTotal != 0 {
			t.Errorf("city counts %+v", city)
		}
		if _, err := f.svc.Desk(ctx, f.Actor("secadmin")); !errors.Is(err, access.ErrDenied) {
			t.Errorf("secadmin: %v", err)
		}

		node := f.Unit("2301")
		by, err := f.svc.DeskByChild(ctx, f.Actor("city.leader"), node)
		if err != nil {
			t.Fatal(err)
		}
		rows, total, err := f.Orgs.Rollup(ctx, node, 3, by)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int64{}
		for _, r := range rows {
			got[r.Org.Code] = r.N
		}
		want := map[string][3]int64{"2301": {1, 0, 0}, "230102": {6, 2, 1}, "230103": {2, 0, 1}}
		for code, w := range want {
			if g := got[code]; len(g) != 3 || [3]int64(g) != w {
				t.Errorf("roll-up %s = %v, want %v", code, g, w)
			}
		}
		if !rows[0].Self || total[0] != 9 {
			t.Errorf("self row %v, totals %v", rows[0].Self, total)
		}
	})
}
