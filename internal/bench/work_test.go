package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/server"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
	"halfsky/internal/visit"
)

// workSeed makes every run generate the same year.
const workSeed = 20150709

// BenchmarkWork measures the home page and the work lines' statistics and
// lists — server time, from the request entering halfsky's handler to the
// last byte — for the city with one year of realistic activity generated for
// every Harbin unit (workgen_test.go), on SQLite and PostgreSQL.
func BenchmarkWork(b *testing.B) {
	printEnv()
	printSummary("work lines summary, server time", perEngine(b, "", workBench))
}

// workPage is one page measured as one user.
type workPage struct {
	label, user, path string
}

// workPages are the pages the issue names, then the other work-line pages.
var workPages = []workPage{
	{"home 工作台, city leader", "city.leader", "/"},
	{"home 工作台, district leader (道里区)", "daoli.leader", "/"},
	{"home 工作台, village staff", "village.staff", "/"},
	{"/study/stats, city", "city.leader", "/study/stats"},
	{"/study/stats?under=230102", "city.leader", "/study/stats?under=230102"},
	{"/visits/stats, city", "city.leader", "/visits/stats"},
	{"/visits/stats?under=230102", "city.leader", "/visits/stats?under=230102"},
	{"/problems/stats, city", "city.leader", "/problems/stats"},
	{"/problems/stats?under=230102", "city.leader", "/problems/stats?under=230102"},
	{"/needs first page, city staff", "city.staff", "/needs"},
	{"/needs first page, village staff", "village.staff", "/needs"},
	{"/tasks?overdue=1 first page, city staff", "city.staff", "/tasks?overdue=1"},
	{"/problems first page, city staff", "city.staff", "/problems"},
	// not named in the issue, measured too
	{"/study feed, city staff", "city.staff", "/study"},
	{"/visits first page, city staff", "city.staff", "/visits"},
	{"/tasks first page, city staff", "city.staff", "/tasks"},
	{"/visits/quotas, city leader", "city.leader", "/visits/quotas"},
	{"/problems/verify, city staff", "city.staff", "/problems/verify"},
}

// workExports are where the tasks export may live; the first that answers
// with a workbook is measured.
var workExports = []string{"/tasks/export.xlsx", "/tasks/export", "/tasks.xlsx", "/tasks?format=xlsx"}

const (
	workWarmup   = 5
	workRequests = 50
	exportRuns   = 3
)

func workBench(b *testing.B, engine string, d *db.DB) []string {
	ctx := context.Background()
	app := testapp.Start(b, d)
	gen := newWorkGen(d, yearOfHarbin, workSeed, time.Now())
	gen.Vault = app.Server.Deps.Vault
	start := time.Now()
	if err := gen.Run(ctx); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	lines := []string{engine + " " + gen.summary(took)}
	printf("   %s\n", lines[0])
	for _, t := range []string{"users", "study_activities", "visits", "needs", "quotas", "problems", "seal", "counters", "counters visit", "counters visitwomen", "counters need", "counters needmonth", "counters task"} {
		printf("      %-17s %s\n", t, dur(gen.Took[t]))
	}
	start = time.Now()
	if err := workAnalyze(ctx, d); err != nil {
		b.Fatal(err)
	}
	printf("   %s ANALYZE: %s (load average now %s)\n", engine, dur(time.Since(start)), loadavg())
	b.ReportMetric(float64(gen.Total())/took.Seconds(), "rows/s")

	tokens := map[string]string{}
	for _, p := range workPages {
		if tokens[p.user] == "" {
			tokens[p.user] = workLogin(b, app, p.user)
		}
	}
	// Rendered on every request: the page cache (measured by BenchmarkHTTP)
	// is off here, so these are what a page costs after a write.
	cfg := testapp.Config()
	cfg.PageCacheMB = 0
	srv, err := server.New(cfg, d)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler
	for _, p := range workPages {
		l := engine + " " + pageLine(b, p.label, p.path, measurePage(h, tokens[p.user], p.path))
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	for _, l := range visitCounters(b, ctx, app, engine) {
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	l := engine + " " + exportLine(b, h, tokens["city.staff"])
	printf("   %s\n", l)
	return append(lines, l)
}

// summary says what was generated: rows per table, how long it took.
func (g *workGen) summary(took time.Duration) string {
	r := g.Rows
	return fmt.Sprintf("generated %s rows in %s (%s rows/s): %s cadres, %s study activities, %s visits, %s needs (%s handed over), "+
		"%s tasks (%s overdue), %s quotas, %s problems (%s overdue; %s updates, %s review dates)",
		num(g.Total()), dur(took), num(int64(float64(g.Total())/took.Seconds())), num(r["users"]), num(r["study_activities"]),
		num(r["visits"]), num(r["needs"]), num(r["need_handovers"]), num(r["tasks"]), num(g.OverdueTasks), num(r["quotas"]),
		num(r["problems"]), num(g.OverdueProblems), num(r["problem_updates"]), num(r["problem_reviews"]))
}

// workAnalyze refreshes the planner's statistics after the bulk load, as an
// operator would after an import (PostgreSQL's autovacuum would get there
// on its own, later).
func workAnalyze(ctx context.Context, d *db.DB) error {
	return analyzeTables(ctx, d, "orgs", "users", "study_activities", "visits", "needs", "need_handovers", "tasks", "quotas",
		"problems", "problem_updates", "problem_reviews")
}

// analyzeTables refreshes the planner's statistics after a bulk load: the
// whole database on SQLite, the tables named (vacuumed too) on PostgreSQL.
func analyzeTables(ctx context.Context, d *db.DB, tables ...string) error {
	if d.Dialect != db.Postgres {
		_, err := d.Exec(ctx, `ANALYZE`)
		return err
	}
	for _, t := range tables {
		if _, err := d.Exec(ctx, `VACUUM (ANALYZE) `+t); err != nil {
			return err
		}
	}
	return nil
}

func workLogin(b testing.TB, app *testapp.App, username string) string {
	res, err := app.Server.Deps.Auth.Login(context.Background(), username, testapp.Password, "", "127.0.0.1", "bench", "")
	if err != nil {
		b.Fatalf("login %s: %v", username, err)
	}
	return res.Token
}

// pageResult is a page's server times, or why it was not measured.
type pageResult struct {
	times  []time.Duration
	size   int
	status int
	body   string
}

// measurePage requests path workWarmup times unmeasured, then workRequests
// times measured, through the whole handler (session, middleware, domain,
// template) without a network. A page that does not answer 200 is
// reported, not measured.
func measurePage(h http.Handler, token, path string) pageResult {
	var res pageResult
	for i := range workWarmup + workRequests {
		rec, took := workServe(h, token, path)
		if rec.Code != http.StatusOK {
			return pageResult{status: rec.Code, body: rec.Body.String(), times: res.times}
		}
		if i >= workWarmup {
			res.times = append(res.times, took)
		}
		res.size = rec.Body.Len()
	}
	res.status = http.StatusOK
	return res
}

func workServe(h http.Handler, token, path string) (*httptest.ResponseRecorder, time.Duration) {
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	return rec, time.Since(start)
}

// pageLine is a page's server times; a page that did not answer 200 with
// HTML fails the run (a benchmark that prints no figure for it would
// pass unnoticed).
func pageLine(b testing.TB, label, path string, r pageResult) string {
	if r.status != http.StatusOK {
		b.Fatalf("%s (GET %s): status %d: %.200s", label, path, r.status, flatLine(r.body))
	}
	s := slices.Clone(r.times)
	slices.Sort(s)
	return fmt.Sprintf("%-40s %s, page %s B", label, spreadLine(s), num(int64(r.size)))
}

// exportLine times the whole-city Excel export of the tasks.
func exportLine(b testing.TB, h http.Handler, token string) string {
	label := fmt.Sprintf("%-40s", "Excel export of /tasks, whole city")
	for _, path := range workExports {
		rec, took := workServe(h, token, path)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") {
			continue
		}
		times := []time.Duration{took}
		for range exportRuns - 1 {
			rec, took = workServe(h, token, path)
			times = append(times, took)
		}
		slices.Sort(times)
		return fmt.Sprintf("%s median %8s  max %8s  (%d runs of %s, %s B)", label, dur(quantile(times, 0.5)), dur(times[len(times)-1]),
			len(times), path, num(int64(rec.Body.Len())))
	}
	b.Fatalf("no export answered with a workbook at %s", strings.Join(workExports, ", "))
	return ""
}

func flatLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestWorkGen generates a small year on both engines and checks that the
// rows hang together: paths match their units, cadres belong to the unit
// or one above, tasks belong to their need's unit, and the same seed gives
// the same rows.
func TestWorkGen(t *testing.T) {
	var fingerprint string
	day := time.Date(2026, 7, 9, 9, 0, 0, 0, time.UTC)
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := auth.NewService(d, &org.Store{DB: d})
		if _, err := demo.Seed(ctx, svc, testapp.Password, true); err != nil {
			t.Fatal(err)
		}
		small := workScale{Study: 300, Visits: 600, Needs: 2000, Problems: 300}
		g := newWorkGen(d, small, 7, day)
		keys, err := vault.Parse(vault.NewFileText(day))
		if err != nil {
			t.Fatal(err)
		}
		g.Vault = keys
		if err := g.Run(ctx); err != nil {
			t.Fatal(err)
		}
		for table, want := range map[string]int64{"study_activities": 300, "visits": 600, "needs": 2000, "problems": 300} {
			if g.Rows[table] != want {
				t.Errorf("%s: %d rows, want %d", table, g.Rows[table], want)
			}
		}
		if n := g.Rows["users"]; n < 6500 || n > 8000 {
			t.Errorf("%d cadres, want about 7,000", n)
		}
		if n := g.Rows["tasks"]; n < 1100 || n > 1600 {
			t.Errorf("%d tasks for 2,000 needs, want about 1,330", n)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM study_activities x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM visits x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM needs x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM needs x JOIN orgs o ON o.id = x.origin_org_id WHERE x.origin_path <> o.path`,
			`SELECT COUNT(*) FROM tasks x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM problems x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM quotas x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
			`SELECT COUNT(*) FROM need_handovers x JOIN orgs o ON o.id = x.to_org_id WHERE x.to_path <> o.path`,
			// a visit's cadre is of the visited unit or one above it
			`SELECT COUNT(*) FROM visits v JOIN users u ON u.id = v.cadre_id JOIN orgs o ON o.id = u.org_id
				WHERE SUBSTR(v.org_path, 1, LENGTH(o.path)) <> o.path OR v.cadre_name <> u.display_name`,
			`SELECT COUNT(*) FROM tasks x JOIN needs n ON n.id = x.need_id WHERE x.org_id <> n.org_id`,
			`SELECT COUNT(*) FROM needs n JOIN visits v ON v.id = n.visit_id WHERE n.origin_org_id <> v.org_id OR n.recorded_on <> v.visited_on`,
			`SELECT COUNT(*) FROM needs WHERE status = 'tasked' AND NOT EXISTS (SELECT 1 FROM tasks x WHERE x.need_id = needs.id AND x.status IN ('todo', 'doing'))`,
			`SELECT COUNT(*) FROM needs WHERE status = 'handing' AND NOT EXISTS (SELECT 1 FROM need_handovers h WHERE h.need_id = needs.id AND h.status = 'pending')`,
			`SELECT COUNT(*) FROM tasks WHERE (status IN ('done', 'unable')) <> (closed_on IS NOT NULL) OR due_on < starts_on`,
			`SELECT COUNT(*) FROM problems WHERE (status = 'closed') <> (closed_at IS NOT NULL) OR (mode = 'ongoing') <> (due_on IS NULL)`,
			// names and contacts only with consent, and only sealed
			`SELECT COUNT(*) FROM needs WHERE (consent = 1) <> (person_name <> '') OR (person_name <> '' AND SUBSTR(person_name, 1, 4) <> 'hs1.')
				OR (contact <> '' AND SUBSTR(contact, 1, 4) <> 'hs1.')`,
		} {
			var bad int
			if err := d.QueryRow(ctx, q).Scan(&bad); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if bad != 0 {
				t.Errorf("%d inconsistent rows: %s", bad, q)
			}
		}
		var sealed string
		if err := d.QueryRow(ctx, `SELECT person_name FROM needs WHERE consent = 1 ORDER BY id LIMIT 1`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if name, err := keys.Open(needName.Purpose(), sealed); err != nil || name == "" {
			t.Errorf("a generated name does not open: %q, %v", name, err)
		}
		// The same seed and day, the same year on either engine.
		var f string
		if err := d.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM tasks WHERE status = 'done') || '/' || (SELECT SUM(participants) FROM study_activities)
			|| '/' || (SELECT SUM(women) FROM visits) || '/' || (SELECT COUNT(*) FROM problem_updates) || '/' || (SELECT MAX(recorded_on) FROM needs)`).Scan(&f); err != nil {
			t.Fatal(err)
		}
		if fingerprint == "" {
			fingerprint = f
		} else if f != fingerprint {
			t.Errorf("same seed, different rows: %s vs %s", f, fingerprint)
		}
		// Ids are handed out past existing rows, so new rows can be added
		// after the bulk load (PostgreSQL's sequences were moved).
		if _, err := d.Exec(ctx, `INSERT INTO quotas (org_id, org_path, set_by_org, metric, target, starts_on, ends_on, created_by, created_at)
			SELECT org_id, org_path, set_by_org, metric, target, starts_on, ends_on, created_by, created_at FROM quotas WHERE id = (SELECT MIN(id) FROM quotas)`); err != nil {
			t.Errorf("insert after the bulk load: %v", err)
		}
	})
}

// visitCounters times the work lines' statistics and desks from the
// counters beside the counting from the records they replaced, as domain
// calls, for the city and a district.
func visitCounters(b *testing.B, ctx context.Context, app *testapp.App, engine string) []string {
	vs, ss, rs := app.Server.Deps.Visits, app.Server.Deps.Study, app.Server.Deps.Rectify
	year := time.Now().In(db.Shanghai).Year()
	var out []string
	for _, u := range []string{"city.leader", "daoli.leader"} {
		usr, err := app.Server.Deps.Auth.UserByUsername(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		a := usr.Actor("")
		node, err := app.Server.Deps.Orgs.ByCodeUnscoped(ctx, app.DB.Q(), a.OrgCode)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			label         string
			counted, fold func() error
		}{
			{"visit.Stats, all time",
				func() error { _, err := vs.Stats(ctx, a, visit.StatsFilter{}); return err },
				func() error { _, err := vs.StatsRecount(ctx, a, visit.StatsFilter{}); return err }},
			{fmt.Sprintf("visit.Stats, %d", year),
				func() error { _, err := vs.Stats(ctx, a, visit.StatsFilter{Year: year}); return err },
				func() error { _, err := vs.StatsRecount(ctx, a, visit.StatsFilter{Year: year}); return err }},
			{"visit.Desk (the scope's numbers)",
				func() error { _, err := vs.Desk(ctx, a); return err },
				func() error { _, err := vs.DeskRecount(ctx, a); return err }},
			{"visit.DeskByChild (the roll-up)",
				func() error { _, err := vs.DeskByChild(ctx, a, node); return err },
				func() error { _, err := vs.DeskByChildRecount(ctx, a, node); return err }},
			{fmt.Sprintf("study.Stats, %d", year),
				func() error { _, err := ss.Stats(ctx, a, "", year); return err },
				func() error { _, err := ss.StatsRecount(ctx, a, "", year); return err }},
			{"study.Desk (the months; latest read alike)",
				func() error { _, err := ss.Desk(ctx, a); return err },
				func() error { _, err := ss.DeskRecount(ctx, a); return err }},
			{"study.DeskByChild",
				func() error { _, err := ss.DeskByChild(ctx, a, node); return err },
				func() error { _, err := ss.DeskByChildRecount(ctx, a, node); return err }},
			{"rectify.Desk (counts; own lists read alike)",
				func() error { _, err := rs.Desk(ctx, a); return err },
				func() error { _, err := rs.DeskRecount(ctx, a); return err }},
			{"rectify.DeskByChild",
				func() error { _, err := rs.DeskByChild(ctx, a, node); return err },
				func() error { _, err := rs.DeskByChildRecount(ctx, a, node); return err }},
			{"rectify.Stats (the ledger's table)",
				func() error { _, err := rs.Stats(ctx, a, ""); return err },
				func() error { _, err := rs.StatsRecount(ctx, a, ""); return err }},
		} {
			counted, recount := timeCalls(b, c.counted, 21), timeCalls(b, c.fold, 11)
			out = append(out, fmt.Sprintf("%s %-40s counters p50 %8s  recount p50 %8s  (%s; 21 and 11 calls)", engine, c.label,
				dur(counted), dur(recount), u))
		}
	}
	return out
}

// timeCalls is the median time of n calls of fn.
func timeCalls(b *testing.B, fn func() error, n int) time.Duration {
	return median(callTimes(b, fn, n))
}

// callTimes times n calls of fn, one after the other.
func callTimes(tb testing.TB, fn func() error, n int) []time.Duration {
	ts := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := fn(); err != nil {
			tb.Fatal(err)
		}
		ts = append(ts, time.Since(start))
	}
	return ts
}
