package visit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// The need list, the task list and the statistics are read with queries
// shaped for the indexes (id sets instead of ORs, open and closed tasks
// apart, per-unit counts folded in Go). These tests pin them to the plain
// queries they replaced, on random records across the tree: same rows, same
// order, same pages, same numbers.

// listUnits are the units the random records belong to: the city, two
// districts, streets and villages of 道里, and a unit of 南岗.
var listUnits = []string{"2301", "230102", "230102001", "230102001001", "230102001002", "230102002", "230103", "230103XL01", "230102XL01"}

// listSeed writes random visits, needs (some handed over, accepted or still
// pending), and tasks with shared deadlines, in every status.
func listSeed(f *deskFx, r *rand.Rand) {
	day := func() string { return fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28)) }
	pick := func(opts []visit.Option) string { return opts[r.IntN(len(opts))].Key }
	units := make([]org.Org, len(listUnits))
	for i, c := range listUnits {
		units[i] = f.Unit(c)
	}
	by := f.Actor("city.staff")
	for range 60 {
		o := units[r.IntN(len(units))]
		f.insert(`INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, visited_on, women, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, 0)`, o.ID, o.Path, by.UserID, by.Name, "2025-1"+fmt.Sprint(r.IntN(3))+"-15", r.IntN(9))
		f.insert(`INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, visited_on, women, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, 0)`, o.ID, o.Path, by.UserID, by.Name, day(), r.IntN(9))
	}
	for range 120 {
		origin, owner := units[r.IntN(len(units))], units[r.IntN(len(units))]
		if r.IntN(3) > 0 {
			owner = origin
		}
		on := day()
		if r.IntN(4) == 0 {
			on = on[:8] + "05" // many needs on the same day: the id breaks the tie
		}
		id := f.insert(`INSERT INTO needs (origin_org_id, origin_path, org_id, org_path, category, urgency, summary, consent,
			status, recorded_by, recorded_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '需要帮助', 0, ?, ?, ?, 0, 0)`,
			origin.ID, origin.Path, owner.ID, owner.Path, pick(visit.Categories), pick(visit.Urgencies), pick(visit.NeedStatuses), by.UserID, on)
		if r.IntN(4) == 0 {
			to := units[r.IntN(len(units))]
			f.insert(`INSERT INTO need_handovers (need_id, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
				VALUES (?, ?, ?, ?, '移交', ?, ?, 0)`, id, owner.ID, to.ID, to.Path, []string{"pending", "accepted", "refused"}[r.IntN(3)], by.UserID)
		}
	}
	for i := range 150 {
		o := units[r.IntN(len(units))]
		status := visit.TaskStatus(pick(visit.TaskStatuses))
		var closed any
		if status == visit.TaskDone || status == visit.TaskUnable {
			closed = day()
		}
		due := []string{"2026-10-30", "2026-11-01", "2026-11-02", "2026-11-04", "2026-11-20", day()}[r.IntN(6)]
		f.insert(`INSERT INTO tasks (org_id, org_path, title, owner_id, owner_name, starts_on, due_on, status, closed_on,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
			o.ID, o.Path, fmt.Sprintf("实事%d", i), by.UserID, by.Name, day(), due, status, closed, by.UserID)
	}
	f.recount()
}

// listActors look from the top, the middle and the bottom of the tree.
var listActors = []string{"city.staff", "daoli.staff", "street.staff", "village.staff"}

func TestNeedListMatchesReference(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		listSeed(f, rand.New(rand.NewPCG(1, 2)))
		for _, name := range listActors {
			a := f.Actor(name)
			for _, nf := range []visit.NeedFilter{{}, {Under: "230102001"}, {Status: visit.NeedOpen}, {Category: "family"},
				{Incoming: true}, {From: "2026-06-01", To: "2026-09-30"}, {Under: "2301"}} {
				if nf.Under != "" && !strings.HasPrefix(nf.Under, a.OrgCode) {
					continue
				}
				want := refNeeds(t, d, a, nf)
				for page := 1; page <= (len(want)+6)/7+1; page++ {
					nf.Page = visit.Page{Page: page, PerPage: 7}
					list, total, err := f.svc.Needs(ctx, a, nf)
					if err != nil {
						t.Fatal(err)
					}
					lo := min((page-1)*7, len(want))
					if got := needIDs(list); total != len(want) || !reflect.DeepEqual(got, want[lo:min(lo+7, len(want))]) {
						t.Fatalf("%s %+v: %v of %d, want %v of %d", name, nf, got, total, want[lo:min(lo+7, len(want))], len(want))
					}
				}
				nf.Page = visit.Page{All: true}
				if list, _, err := f.svc.Needs(ctx, a, nf); err != nil || !reflect.DeepEqual(needIDs(list), want) {
					t.Fatalf("%s %+v all: %v %v, want %v", name, nf, needIDs(list), err, want)
				}
			}
		}
	})
}

// TestNeedListScope: the city sees every need; a village its own, those
// handed over to it and still pending, and not a neighbour's.
func TestNeedListScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		own := f.need("230102001001", "230102001001", "village.staff", "family", visit.NeedOpen, "2026-10-01")
		up := f.need("230102001001", "230102001", "village.staff", "family", visit.NeedOpen, "2026-10-02") // handed up, accepted
		neighbour := f.need("230102001002", "230102001002", "street.staff", "health", visit.NeedOpen, "2026-10-03")
		down := f.need("230102", "230102", "daoli.staff", "rights", visit.NeedHanding, "2026-10-04")
		refused := f.need("230102", "230102", "daoli.staff", "rights", visit.NeedOpen, "2026-10-05")
		village, by := f.Unit("230102001001"), f.Actor("daoli.staff")
		for need, status := range map[int64]string{down: "pending", refused: "refused"} {
			f.insert(`INSERT INTO need_handovers (need_id, from_org_id, to_org_id, to_path, reason, status, sent_by, sent_at)
				VALUES (?, ?, ?, ?, '移交', ?, ?, 0)`, need, f.Unit("230102").ID, village.ID, village.Path, status, by.UserID)
		}
		for name, want := range map[string][]int64{
			"village.staff": {down, up, own},
			"city.staff":    {refused, down, neighbour, up, own},
		} {
			list, total, err := f.svc.Needs(ctx, f.Actor(name), visit.NeedFilter{})
			if err != nil || total != len(want) || !reflect.DeepEqual(needIDs(list), want) {
				t.Fatalf("%s: %v of %d (%v), want %v", name, needIDs(list), total, err, want)
			}
		}
	})
}

func needIDs(list []visit.Need) []int64 {
	out := []int64{}
	for _, n := range list {
		out = append(out, n.ID)
	}
	return out
}

// refNeeds is the need list as the plain query reads it.
func refNeeds(t *testing.T, d *db.DB, a access.Actor, nf visit.NeedFilter) []int64 {
	lo, hi := a.Scope().Range()
	conds := []string{`((n.org_path >= ? AND n.org_path < ?) OR (n.origin_path >= ? AND n.origin_path < ?) OR EXISTS (SELECT 1 FROM need_handovers hv
		WHERE hv.need_id = n.id AND hv.status = 'pending' AND hv.to_path >= ? AND hv.to_path < ?))`}
	args := []any{lo, hi, lo, hi, lo, hi}
	if nf.Under != "" {
		var p string
		if err := d.QueryRow(context.Background(), `SELECT path FROM orgs WHERE code = ?`, nf.Under).Scan(&p); err != nil {
			t.Fatal(err)
		}
		ulo, uhi := access.Scope{Path: p}.Range()
		conds = append(conds, "((n.org_path >= ? AND n.org_path < ?) OR (n.origin_path >= ? AND n.origin_path < ?))")
		args = append(args, ulo, uhi, ulo, uhi)
	}
	for col, v := range map[string]string{"category": nf.Category, "status": string(nf.Status)} {
		if v != "" {
			conds, args = append(conds, "n."+col+" = ?"), append(args, v)
		}
	}
	if nf.Incoming {
		conds = append(conds, `EXISTS (SELECT 1 FROM need_handovers hv WHERE hv.need_id = n.id AND hv.status = 'pending' AND hv.to_path >= ? AND hv.to_path < ?)`)
		args = append(args, lo, hi)
	}
	if nf.From != "" {
		conds, args = append(conds, "n.recorded_on >= ? AND n.recorded_on <= ?"), append(args, nf.From, nf.To)
	}
	return refIDs(t, d, `SELECT n.id FROM needs n WHERE `+strings.Join(conds, " AND ")+` ORDER BY n.recorded_on DESC, n.id DESC`, args...)
}

func refIDs(t *testing.T, d *db.DB, query string, args ...any) []int64 {
	rows, err := d.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// TestTaskListMatchesReference pages through open tasks into closed ones:
// every page, including the one where they meet, as one sorted list. The
// tasks are written in the clear, as an earlier version stored them; the
// reference is read from them so, and then they are sealed and indexed
// as at the first start after the upgrade (vault.SealPlain), so the
// search by title goes through the blind index.
func TestTaskListMatchesReference(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		listSeed(f, rand.New(rand.NewPCG(3, 4)))
		filters := []visit.TaskFilter{{}, {Overdue: true}, {DueSoon: true}, {Status: visit.TaskTodo}, {Status: visit.TaskDone},
			{Under: "230102001"}, {Q: "实事1"}, {Status: visit.TaskUnable, Overdue: true}}
		wants := map[string][]int64{}
		for _, name := range listActors {
			for _, tf := range filters {
				wants[name+fmt.Sprint(tf)] = refTasks(t, d, f.Actor(name), tf)
			}
		}
		if done, err := vault.SealPlain(ctx, d, f.svc.Vault, nil); err != nil || done[vault.Column{Table: "tasks", Key: "id", Name: "title"}] == 0 {
			t.Fatalf("sealed %v, %v", done, err)
		}
		for _, name := range listActors {
			a := f.Actor(name)
			for _, tf := range filters {
				if tf.Under != "" && !strings.HasPrefix(tf.Under, a.OrgCode) {
					continue
				}
				want := wants[name+fmt.Sprint(tf)]
				if tf.Q != "" && len(want) == 0 {
					t.Fatalf("%s %+v: the search finds nothing in the reference", name, tf)
				}
				for _, per := range []int{7, 20} {
					for page := 1; page <= (len(want)+per-1)/per+1; page++ {
						tf.Page = visit.Page{Page: page, PerPage: per}
						list, total, err := f.svc.Tasks(ctx, a, tf)
						if err != nil {
							t.Fatal(err)
						}
						lo := min((page-1)*per, len(want))
						if got := taskIDs(list); total != len(want) || !reflect.DeepEqual(got, want[lo:min(lo+per, len(want))]) {
							t.Fatalf("%s %+v: %v of %d, want %v of %d", name, tf, got, total, want[lo:min(lo+per, len(want))], len(want))
						}
					}
				}
				tf.Page = visit.Page{All: true}
				if list, _, err := f.svc.Tasks(ctx, a, tf); err != nil || !reflect.DeepEqual(taskIDs(list), want) {
					t.Fatalf("%s %+v all: %v %v, want %v", name, tf, taskIDs(list), err, want)
				}
			}
		}
	})
}

func taskIDs(list []visit.Task) []int64 {
	out := []int64{}
	for _, x := range list {
		out = append(out, x.ID)
	}
	return out
}

// refTasks is the task list as the single sorted query reads it.
func refTasks(t *testing.T, d *db.DB, a access.Actor, tf visit.TaskFilter) []int64 {
	path := a.OrgPath
	if tf.Under != "" {
		if err := d.QueryRow(context.Background(), `SELECT path FROM orgs WHERE code = ?`, tf.Under).Scan(&path); err != nil {
			t.Fatal(err)
		}
	}
	today := "2026-11-02"
	cond, args := access.Scope{Path: path}.Where("t.org_path")
	conds := []string{cond}
	if tf.Status != "" {
		conds, args = append(conds, "t.status = ?"), append(args, tf.Status)
	}
	if tf.Overdue {
		conds, args = append(conds, "t.status IN ('todo', 'doing') AND t.due_on < ?"), append(args, today)
	}
	if tf.DueSoon {
		conds, args = append(conds, "t.status IN ('todo', 'doing') AND t.due_on >= ? AND t.due_on <= ?"), append(args, today, "2026-11-05")
	}
	if tf.Q != "" {
		conds, args = append(conds, "t.title LIKE ?"), append(args, "%"+tf.Q+"%")
	}
	return refIDs(t, d, `SELECT t.id FROM tasks t WHERE `+strings.Join(conds, " AND ")+
		` ORDER BY CASE WHEN t.status IN ('todo', 'doing') THEN 0 ELSE 1 END, t.due_on, t.id DESC`, args...)
}

// TestStatsMatchReference compares the statistics with the twelve plain
// queries they replaced, for the whole city and a district, over all time,
// a year and a month.
func TestStatsMatchReference(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := deskSetup(t, d)
		listSeed(f, rand.New(rand.NewPCG(5, 6)))
		for _, c := range []struct {
			user string
			sf   visit.StatsFilter
		}{
			{"city.staff", visit.StatsFilter{}}, {"city.staff", visit.StatsFilter{Year: 2026}}, {"city.staff", visit.StatsFilter{Year: 2026, Month: 10}},
			{"city.staff", visit.StatsFilter{Under: "230102"}}, {"daoli.staff", visit.StatsFilter{}}, {"daoli.staff", visit.StatsFilter{Year: 2025}},
			{"daoli.staff", visit.StatsFilter{Under: "230102001", Year: 2026}}, {"village.staff", visit.StatsFilter{}},
		} {
			a := f.Actor(c.user)
			got, err := f.svc.Stats(ctx, a, c.sf)
			if err != nil {
				t.Fatal(err)
			}
			want := refStats(t, f.svc, got)
			// The counting from the records, kept beside the counters, agrees
			// with both.
			recount, err := f.svc.StatsRecount(ctx, a, c.sf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, recount) {
				t.Fatalf("%s %+v: counters and recount differ:\n got %+v\nwant %+v", c.user, c.sf, got, recount)
			}
			if !reflect.DeepEqual(got.Categories, want.Categories) || !reflect.DeepEqual(got.NeedStatus, want.NeedStatus) ||
				!reflect.DeepEqual(got.TaskStatus, want.TaskStatus) || !reflect.DeepEqual(got.Trend, want.Trend) ||
				!reflect.DeepEqual(got.Totals, want.Totals) || !reflect.DeepEqual(rollRows(got.Rows), rollRows(want.Rows)) {
				t.Fatalf("%s %+v:\n got %v %v %v %v %v %v\nwant %v %v %v %v %v %v", c.user, c.sf,
					got.Categories, got.NeedStatus, got.TaskStatus, got.Trend, got.Totals, rollRows(got.Rows),
					want.Categories, want.NeedStatus, want.TaskStatus, want.Trend, want.Totals, rollRows(want.Rows))
			}
			if got.Totals[visit.ColVisits] == 0 && c.user != "village.staff" {
				t.Fatalf("%s %+v: nothing counted", c.user, c.sf)
			}
		}
	})
}

func rollRows(rows []org.RollupRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprint(r.Org.Code, r.Self, r.N))
	}
	return out
}

// refStats recounts got's node and period with the plain queries: each
// number its own query, grouped by the child's path.
func refStats(t *testing.T, s *visit.Service, got visit.Stats) visit.Stats {
	ctx := context.Background()
	st := visit.Stats{Node: got.Node, From: got.From, To: got.To}
	lo, hi := access.Scope{Path: got.Node.Path}.Range()
	counts := func(opts []visit.Option, query string) []visit.Count {
		n := map[string]int64{}
		rows, err := s.DB.Query(ctx, query, lo, hi, st.From, st.To)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var c int64
			if err := rows.Scan(&k, &c); err != nil {
				t.Fatal(err)
			}
			n[k] = c
		}
		out := make([]visit.Count, len(opts))
		for i, o := range opts {
			out[i] = visit.Count{Key: o.Key, Label: o.Label, N: n[o.Key]}
		}
		return out
	}
	st.Categories = counts(visit.Categories, `SELECT category, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ?
		AND recorded_on >= ? AND recorded_on <= ? GROUP BY category`)
	st.NeedStatus = counts(visit.NeedStatuses, `SELECT status, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ?
		AND recorded_on >= ? AND recorded_on <= ? GROUP BY status`)
	st.TaskStatus = counts(visit.TaskStatuses, `SELECT status, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ?
		AND starts_on >= ? AND starts_on <= ? GROUP BY status`)
	byPath := map[string][]int64{}
	vp := org.ChildPathSQL(s.DB.Dialect, st.Node, "org_path")
	for _, step := range []struct {
		col   int
		query string
		args  []any
	}{
		{visit.ColVisits, `SELECT ` + vp + `, COUNT(*) FROM visits WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY ` + vp, nil},
		{visit.ColWomen, `SELECT ` + vp + `, COALESCE(SUM(women), 0) FROM visits WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY ` + vp, nil},
		{visit.ColNeeds, `SELECT ` + vp + `, COUNT(*) FROM needs WHERE org_path >= ? AND org_path < ? AND recorded_on >= ? AND recorded_on <= ? GROUP BY ` + vp, nil},
		{visit.ColTasks, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND starts_on >= ? AND starts_on <= ? GROUP BY ` + vp, nil},
		{visit.ColDone, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND status = 'done' AND closed_on >= ? AND closed_on <= ? GROUP BY ` + vp, nil},
		{visit.ColOverdue, `SELECT ` + vp + `, COUNT(*) FROM tasks WHERE org_path >= ? AND org_path < ? AND status IN ('todo', 'doing') AND due_on < ? AND starts_on >= ? AND starts_on <= ? GROUP BY ` + vp, []any{"2026-11-02"}},
	} {
		args := append(append([]any{lo, hi}, step.args...), st.From, st.To)
		rows, err := s.DB.Query(ctx, step.query, args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p string
			var n int64
			if err := rows.Scan(&p, &n); err != nil {
				t.Fatal(err)
			}
			if byPath[p] == nil {
				byPath[p] = make([]int64, visit.ColOverdue+1)
			}
			byPath[p][step.col] += n
		}
		rows.Close()
	}
	var err error
	if st.Rows, st.Totals, err = s.Orgs.Rollup(ctx, st.Node, visit.ColOverdue+1, byPath); err != nil {
		t.Fatal(err)
	}
	st.Trend = make([]visit.Month, len(got.Trend))
	idx := map[string]int{}
	for i, m := range got.Trend {
		st.Trend[i].Month, idx[m.Month] = m.Month, i
	}
	from, to := st.Trend[0].Month+"-01", st.Trend[len(st.Trend)-1].Month+"-31"
	for _, q := range []struct {
		set   func(*visit.Month, int64, int64)
		query string
	}{
		{func(m *visit.Month, a, b int64) { m.Visits, m.Women = a, b }, `SELECT SUBSTR(visited_on, 1, 7), COUNT(*), COALESCE(SUM(women), 0) FROM visits
			WHERE org_path >= ? AND org_path < ? AND visited_on >= ? AND visited_on <= ? GROUP BY SUBSTR(visited_on, 1, 7)`},
		{func(m *visit.Month, a, _ int64) { m.Needs = a }, `SELECT SUBSTR(recorded_on, 1, 7), COUNT(*), 0 FROM needs
			WHERE org_path >= ? AND org_path < ? AND recorded_on >= ? AND recorded_on <= ? GROUP BY SUBSTR(recorded_on, 1, 7)`},
		{func(m *visit.Month, a, _ int64) { m.TasksDone = a }, `SELECT SUBSTR(closed_on, 1, 7), COUNT(*), 0 FROM tasks WHERE org_path >= ? AND org_path < ?
			AND status = 'done' AND closed_on >= ? AND closed_on <= ? GROUP BY SUBSTR(closed_on, 1, 7)`},
	} {
		rows, err := s.DB.Query(ctx, q.query, lo, hi, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var m string
			var a, b int64
			if err := rows.Scan(&m, &a, &b); err != nil {
				t.Fatal(err)
			}
			if i, ok := idx[m]; ok {
				q.set(&st.Trend[i], a, b)
			}
		}
		rows.Close()
	}
	return st
}
