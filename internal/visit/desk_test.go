package visit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

// deskFx is the demo tree and accounts with a visit service on a fixed
// clock: 2 November 2026, 10:00 in Beijing.
type deskFx struct {
	*testfx.Demo
	t   *testing.T
	d   *db.DB
	svc *visit.Service
}

func deskSetup(t *testing.T, d *db.DB) *deskFx {
	f := &deskFx{Demo: testfx.Seed(t, d), t: t, d: d}
	f.svc = visit.NewService(d, f.Orgs)
	f.svc.Vault = testfx.Keys
	f.svc.Now = func() time.Time { return time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC) }
	return f
}

func (f *deskFx) insert(query string, args ...any) int64 {
	id, err := db.InsertID(context.Background(), f.d.Q(), query, args...)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// recount counts the counters again after records written past the
// service (as a fixture writes them).
func (f *deskFx) recount() {
	if _, err := tally.Rebuild(context.Background(), f.d); err != nil {
		f.t.Fatal(err)
	}
}

func (f *deskFx) visit(code, cadre, on string, women int) {
	o, c := f.Unit(code), f.Actor(cadre)
	f.insert(`INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, visited_on, women, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, 0)`, o.ID, o.Path, c.UserID, c.Name, on, women)
}

func (f *deskFx) need(origin, owner, by, cat string, status visit.NeedStatus, on string) int64 {
	o, w, u := f.Unit(origin), f.Unit(owner), f.Actor(by)
	return f.insert(`INSERT INTO needs (origin_org_id, origin_path, org_id, org_path, category, urgency, summary, consent,
		status, recorded_by, recorded_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'urgent', '需要帮助', 0, ?, ?, ?, 0, 0)`,
		o.ID, o.Path, w.ID, w.Path, cat, status, u.UserID, on)
}

func (f *deskFx) task(code, title, owner, due, status, closed string) int64 {
	o, u := f.Unit(code), f.Actor(owner)
	var closedOn any
	if closed != "" {
		closedOn = closed
	}
	return f.insert(`INSERT INTO tasks (org_id, org_path, title, owner_id, owner_name, starts_on, due_on, status, closed_on,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-09-01', ?, ?, ?, ?, 0, 0)`,
		o.ID, o.Path, title, u.UserID, u.Name, due, status, closedOn, u.UserID)
}

func (f *deskFx) quota(code, metric string, target int, from, to string) {
	o, u := f.Unit(code), f.Actor("city.staff")
	f.insert(`INSERT INTO quotas (org_id, org_path, set_by_org, metric, target, starts_on, ends_on, title, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`, o.ID, o.Path, o.ID, metric, target, from, to, metric+"指标", u.UserID)
}

// deskSeed is a district (道里) with its own overdue and near tasks, a need
// handed over to it by 南岗, a village below it with an overdue task, and
// quotas set by the city and by the district.
func deskSeed(f *deskFx) {
	f.visit("230102001001", "daoli.staff", "2026-10-20", 12)
	f.visit("230102", "daoli.staff", "2026-11-01", 5)
	f.visit("230103", "nangang.leader", "2026-11-01", 100)
	f.visit("2301", "city.staff", "2025-10-01", 9)
	f.need("230102", "230102", "daoli.staff", "employment", "open", "2026-10-20")
	f.need("230102001001", "230102", "village.staff", "family", "handing", "2026-11-01")
	n3 := f.need("230103", "230102", "nangang.leader", "rights", "handing", "2026-10-05")
	f.need("230103", "230103", "nangang.leader", "health", "resolved", "2026-10-06")
	daoli, nangang, by := f.Unit("230102"), f.Unit("230103"), f.Actor("nangang.leader")
	f.insert(`INSERT INTO need_handovers (need_id, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
		VALUES (?, ?, ?, ?, '属地办理', 'pending', ?, ?)`, n3, nangang.ID, daoli.ID, daoli.Path, by.UserID, db.Millis(time.Now()))
	f.insert(`INSERT INTO need_handovers (need_id, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
		VALUES (?, ?, ?, ?, '属地办理', 'accepted', ?, ?)`, n3, nangang.ID, daoli.ID, daoli.Path, by.UserID, 1)
	f.task("230102", "逾期的实事", "daoli.staff", "2026-10-30", "todo", "")
	f.task("230102", "临近的实事", "daoli.staff", "2026-11-04", "doing", "")
	f.task("230102", "月底的实事", "daoli.staff", "2026-11-20", "todo", "")
	f.task("230102", "办结的实事", "daoli.staff", "2026-10-30", "done", "2026-11-01")
	f.task("230102001001", "村里的实事", "village.staff", "2026-10-01", "todo", "")
	f.task("230103", "南岗的实事", "nangang.leader", "2026-10-01", "doing", "")
	f.quota("2301", "women", 20, "2026-10-01", "2026-12-31")
	f.quota("230102", "tasks_done", 2, "2026-10-01", "2026-12-31")
	f.quota("230102", "visits", 2, "2026-01-01", "2026-10-31")
	f.quota("230103", "needs", 2, "2026-10-01", "2026-12-31")
	f.recount()
}

func deskTitles(list []visit.DeskTask) []string {
	var out []string
	for _, t := range list {
		out = append(out, t.Title)
	}
	return out
}

// TestDesk: the district sees its own unit's due tasks and the hand-over
// sent to it, its scope's numbers and its quotas with progress; the village
// only its own; the city everything rolled up by district; admins nothing.
func TestDesk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		deskSeed(f)

		dl, err := f.svc.Desk(ctx, f.Actor("daoli.staff"))
		if err != nil {
			t.Fatal(err)
		}
		if got := deskTitles(dl.Overdue); dl.OverdueTotal != 1 || len(got) != 1 || got[0] != "逾期的实事" {
			t.Errorf("overdue %v (%d)", got, dl.OverdueTotal)
		}
		if got := deskTitles(dl.DueSoon); dl.DueSoonTotal != 1 || len(got) != 1 || got[0] != "临近的实事" {
			t.Errorf("due soon %v (%d)", got, dl.DueSoonTotal)
		}
		if dl.HandoversTotal != 1 || len(dl.Handovers) != 1 || dl.Handovers[0].CategoryLabel != "维权" ||
			dl.Handovers[0].UrgencyLabel != "较急" || dl.Handovers[0].FromName == "" {
			t.Errorf("hand-overs %+v", dl.Handovers)
		}
		if dl.OpenNeeds != 3 || dl.OverdueTasks != 2 || dl.YearVisits != 2 || dl.YearWomen != 17 {
			t.Errorf("scope: open needs %d overdue %d visits %d women %d", dl.OpenNeeds, dl.OverdueTasks, dl.YearVisits, dl.YearWomen)
		}
		if len(dl.NeedsByCat) != 3 || dl.NeedsByCat[0] != (visit.DeskCount{Key: "employment", Label: "就业创业", N: 1}) {
			t.Errorf("needs by category %+v", dl.NeedsByCat)
		}
		if len(dl.TasksBy) != 3 || dl.TasksBy[0].N != 3 || dl.TasksBy[1].N != 1 || dl.TasksBy[2] != (visit.DeskCount{Key: "done", Label: "已办结", N: 1}) {
			t.Errorf("tasks by status %+v", dl.TasksBy)
		}
		if len(dl.Months) != 12 || dl.Months[11] != (visit.DeskMonth{Month: "2026-11", Visits: 1, Women: 5, Needs: 1, TasksDone: 1}) ||
			dl.Months[10] != (visit.DeskMonth{Month: "2026-10", Visits: 1, Women: 12, Needs: 2}) {
			t.Errorf("months %+v", dl.Months)
		}
		if len(dl.Quotas) != 2 || dl.Quotas[0].Metric != "women" || dl.Quotas[0].Done != 17 || dl.Quotas[0].Percent() != 85 ||
			dl.Quotas[1].Metric != "tasks_done" || dl.Quotas[1].Done != 1 || dl.Quotas[1].Step5() != 50 {
			t.Errorf("quotas %+v", dl.Quotas)
		}

		vl, err := f.svc.Desk(ctx, f.Actor("village.staff"))
		if err != nil {
			t.Fatal(err)
		}
		if got := deskTitles(vl.Overdue); len(got) != 1 || got[0] != "村里的实事" || vl.DueSoonTotal != 0 || vl.HandoversTotal != 0 {
			t.Errorf("village due %v %d %d", got, vl.DueSoonTotal, vl.HandoversTotal)
		}
		if vl.OpenNeeds != 1 || vl.OverdueTasks != 1 || vl.YearVisits != 1 || len(vl.Quotas) != 2 || vl.Quotas[0].Done != 0 {
			t.Errorf("village scope %+v", vl)
		}

		city, err := f.svc.Desk(ctx, f.Actor("city.leader"))
		if err != nil {
			t.Fatal(err)
		}
		if city.OpenNeeds != 3 || city.OverdueTasks != 3 || city.OverdueTotal != 0 || city.YearWomen != 117 || len(city.Quotas) != 1 {
			t.Errorf("city %+v", city)
		}
		if _, err := f.svc.Desk(ctx, f.Actor("auditor")); !errors.Is(err, access.ErrDenied) {
			t.Errorf("auditor: %v", err)
		}

		node := f.Unit("2301")
		by2, err := f.svc.DeskByChild(ctx, f.Actor("city.leader"), node)
		if err != nil {
			t.Fatal(err)
		}
		rows, total, err := f.Orgs.Rollup(ctx, node, 4, by2)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int64{}
		for _, r := range rows {
			got[r.Org.Code] = r.N
		}
		want := map[string][4]int64{"230102": {2, 3, 1, 2}, "230103": {1, 1, 0, 1}}
		for code, w := range want {
			if g := got[code]; len(g) != 4 || [4]int64(g) != w {
				t.Errorf("roll-up %s = %v, want %v", code, g, w)
			}
		}
		if total[0] != 3 || total[3] != 3 {
			t.Errorf("totals %v", total)
		}
	})
}

// deskAsRecount fails the test unless the desk and the desk's roll-up of
// the account name, from the counters, equal the counting from the records.
func (f *deskFx) deskAsRecount(when, name string) {
	f.t.Helper()
	ctx, a := context.Background(), f.Actor(name)
	got, err1 := f.svc.Desk(ctx, a)
	want, err2 := f.svc.DeskRecount(ctx, a)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(deskScope(got), want) {
		f.t.Fatalf("%s, desk of %s:\n got %+v\nwant %+v (%v %v)", when, name, deskScope(got), want, err1, err2)
	}
	node := f.Unit(a.OrgCode)
	rows, err1 := f.svc.DeskByChild(ctx, a, node)
	wantRows, err2 := f.svc.DeskByChildRecount(ctx, a, node)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(rows, wantRows) {
		f.t.Fatalf("%s, desk roll-up of %s:\n got %v\nwant %v (%v %v)", when, name, rows, wantRows, err1, err2)
	}
}

// deskScope is the part of a desk DeskRecount fills: the scope's numbers.
func deskScope(d visit.Desk) visit.Desk {
	return visit.Desk{OpenNeeds: d.OpenNeeds, OverdueTasks: d.OverdueTasks, YearVisits: d.YearVisits, YearWomen: d.YearWomen,
		NeedsByCat: d.NeedsByCat, TasksBy: d.TasksBy, Months: d.Months}
}

// TestDeskMatchesRecount: the desk's numbers and roll-up rows from the
// counters equal the counting from the records, for random records (some
// needs recorded in one unit and held by another) seen from every level,
// and after the service changes some of them.
func TestDeskMatchesRecount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		listSeed(f, rand.New(rand.NewPCG(7, 8)))
		deskSeed(f)
		for _, name := range append(listActors, "daoli.leader", "city.leader") {
			f.deskAsRecount("seeded", name)
		}
		if got, _ := f.svc.Desk(ctx, f.Actor("city.leader")); got.OpenNeeds == 0 || got.OverdueTasks == 0 || got.YearVisits == 0 {
			t.Fatalf("nothing counted: %+v", deskScope(got))
		}
	})
}
