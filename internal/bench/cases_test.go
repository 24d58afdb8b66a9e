package bench

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/server"
	"halfsky/internal/tally"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// caseWorkers is how many intakes are made at once: several hotlines and
// units taking cases in at the same time.
const caseWorkers = 4

// casesScale is how much a run does.
type casesScale struct {
	N        int
	Requests int           // per page and call the issue names: 1,000 or more gives a p99
	Fewer    int           // per other page, and per recount
	Baseline time.Duration // how long the raw INSERT runs (after a sixth of it as warm-up)
	Progress bool
	// Now is when the cases end, the same for both engines: the plans
	// follow the cases' ages, so both get the same cases.
	Now time.Time
}

// BenchmarkCases takes three years of 巾帼维权 cases for the whole city
// (casesgen_test.go) in through rights.Service — Intake as the units'
// staff (sealing, the register's number, the parties, the timeline, the
// counters, the audit event, the inbox's notification) and SubmitHelp
// for the public form — several at once, beside a raw INSERT of a case
// row into the same table in the same run; checks that the statistics
// from the counters equal the recount from the cases; settles the cases
// where their handling would have left them; then times the city's
// statistics and the inboxes' first pages through the real handler
// (server time), beside StatsRecount and a bare handler, on SQLite and
// PostgreSQL.
func BenchmarkCases(b *testing.B) {
	printEnv()
	sc := casesScale{N: benchN(b, "HALFSKY_BENCH_CASES_N"), Requests: 1000, Fewer: 40, Baseline: 6 * time.Second, Progress: true, Now: time.Now()}
	summary := perEngine(b, "", func(b *testing.B, engine string, d *db.DB) []string {
		return casesBench(b, engine, d, sc)
	})
	printSummary("cases summary, server time", summary)
}

// TestCasesShort runs BenchmarkCases's harness on a small city on both
// engines, so CI keeps it working (its figures mean nothing and are not
// kept), and checks the generator's bookkeeping: every case stored where
// its plan says, every counter equal to its recount.
func TestCasesShort(t *testing.T) {
	sc := casesScale{N: 1000, Requests: 5, Fewer: 2, Baseline: 300 * time.Millisecond, Now: time.Now()}
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		engine := "SQLite"
		if d.Dialect == db.Postgres {
			engine = "PostgreSQL"
		}
		r := casesBench(t, engine, d, sc)
		if len(r) < 10 {
			t.Errorf("%d figures", len(r))
		}
	})
}

// casesRun is a database with its cases taken in.
type casesRun struct {
	app   *testapp.App
	svc   *rights.Service
	gen   *caseGen
	ids   []int64 // per job
	years []int   // the calendar years the cases span, oldest first
	year  int     // the last whole month's year,
	month string  // and the month: 2026-02
}

func casesBench(tb testing.TB, engine string, d *db.DB, sc casesScale) []string {
	ctx := context.Background()
	now := sc.Now
	wall, start := time.Now(), time.Now()
	app, wg := startWithCadres(tb, d, now)
	staff, err := unitStaff(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	g := newCaseGen(sc.N, wg, staff, now)
	g.Run()
	r := &casesRun{app: app, svc: app.Server.Deps.Rights, gen: g}
	for y := g.today.AddDate(0, 0, -caseDays).Year(); y <= g.today.Year(); y++ {
		r.years = append(r.years, y)
	}
	last := time.Date(g.today.Year(), g.today.Month(), 1, 0, 0, 0, 0, db.Shanghai).AddDate(0, -1, 0)
	r.year, r.month = last.Year(), last.Format("2006-01")
	var lines []string
	line := func(format string, args ...any) {
		l := engine + " " + fmt.Sprintf(format, args...)
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	printf("   %s setup: cadres and %s generated intakes in %s (load average now %s)\n", engine, num(int64(len(g.Jobs))),
		dur(time.Since(start)), loadavg())
	printf("   %s intakes: %s\n", engine, g.mix())

	// Intake: the measured part.
	e, err := caseIntake(ctx, r.svc, g, caseWorkers, sc.Progress)
	if err != nil {
		tb.Fatal(err)
	}
	if r.ids, err = publicIDs(ctx, d, g, e.IDs); err != nil {
		tb.Fatal(err)
	}
	rate := float64(len(g.Jobs)) / e.Took.Seconds()
	raw := rawCases(tb, ctx, d, g, sc.Baseline)
	reportMetric(tb, rate, "cases/s")
	reportMetric(tb, raw.rate(), "raw-inserts/s")
	line("took in %s cases in %s with %d goroutines: %s cases/s = %s of the raw INSERT's rate", num(int64(len(g.Jobs))), dur(e.Took),
		caseWorkers, num(int64(rate)), fmt.Sprintf("%.3f×", rate/raw.rate()))
	line("   Intake (%s cadres' intakes) %s; SubmitHelp (%s from the public form) %s", num(int64(len(e.Intake))), spreadLine(e.Intake),
		num(int64(len(e.Help))), spreadLine(e.Help))
	line("   raw INSERT of a case row (sealed values as stored), one per transaction, %d writers: %s", caseWorkers, raw.line())
	r.agree(tb, ctx, "after the intake")

	// Setup, not measured: the handling's outcome.
	start = time.Now()
	if err := casesSettle(ctx, d, g, r.ids, app.Server.Deps.Vault, caseWorkers); err != nil {
		tb.Fatal(err)
	}
	settled := time.Since(start)
	if err := analyzeTables(ctx, d, "cases", "case_parties", "case_events", "case_assessments", "case_referrals", "case_moves",
		"case_numbers", "tallies", "notifications", "audit_events", "users", "orgs"); err != nil {
		tb.Fatal(err)
	}
	counts, err := caseCounts(ctx, d)
	if err != nil {
		tb.Fatal(err)
	}
	printf("   %s setup (not measured): the cases settled in %s (one transaction a case, counters tracked), ANALYZE: %s\n", engine,
		dur(settled), counts)
	r.agree(tb, ctx, "after the settling")

	lines = append(lines, r.pages(tb, engine, sc)...)
	lines = append(lines, r.calls(tb, engine, sc)...)
	printf("   %s whole benchmark: %s wall time\n", engine, dur(time.Since(wall)))
	return lines
}

// reportMetric reports a figure to the benchmark (a test has none).
func reportMetric(tb testing.TB, v float64, unit string) {
	if b, ok := tb.(*testing.B); ok {
		b.ReportMetric(v, unit)
	}
}

// mix says what was generated: by channel, category and plan.
func (g *caseGen) mix() string {
	by := map[string]int{}
	for _, j := range g.Jobs {
		by[j.Channel()]++
		by[rights.Top(j.Category())]++
		if !j.Public && j.In.Anonymous {
			by["anonymous"]++
		}
		if j.Plan.Inbox {
			by["inbox"]++
		}
	}
	var parts []string
	for _, c := range rights.Channels {
		if by[c.Key] > 0 {
			parts = append(parts, c.Label+" "+num(int64(by[c.Key])))
		}
	}
	for _, c := range caseCategories {
		parts = append(parts, c.Top+" "+num(int64(by[c.Top])))
	}
	kinds := map[string]int{}
	for _, u := range g.w.units {
		kinds[u.Kind]++
	}
	return fmt.Sprintf("%s; %s anonymous; %s to stay in an inbox; %s–%s at %d districts, %d streets, %d communities and villages",
		strings.Join(parts, ", "), num(int64(by["anonymous"])), num(int64(by["inbox"])), g.Jobs[0].At.In(db.Shanghai).Format(time.DateOnly),
		g.Jobs[len(g.Jobs)-1].At.In(db.Shanghai).Format(time.DateOnly), kinds["district"], kinds["street"], kinds["community"]+kinds["village"])
}

// caseEntry is what taking the jobs in came to.
type caseEntry struct {
	IDs          []int64 // per job; 0 for the public form's (SubmitHelp gives her a code)
	Took         time.Duration
	Intake, Help []time.Duration
}

// caseIntake takes the jobs in through the service, workers at once, each
// worker with its own copy of the service whose clock is the intake's
// moment: a cadre's through Intake as her unit's first staff member, the
// public form's through SubmitHelp.
func caseIntake(ctx context.Context, base *rights.Service, g *caseGen, workers int, progress bool) (caseEntry, error) {
	res := caseEntry{IDs: make([]int64, len(g.Jobs))}
	var mu sync.Mutex
	verb := ""
	if progress {
		verb = "taken in"
	}
	var err error
	res.Took, err = concurrently(ctx, len(g.Jobs), workers, verb, func() func(context.Context, int) error {
		svc := *base
		var clock time.Time
		svc.Now = func() time.Time { return clock }
		return func(ctx context.Context, i int) error {
			j := g.Jobs[i]
			clock = j.At
			var id int64
			var err error
			t0 := time.Now()
			if j.Public {
				_, err = svc.SubmitHelp(ctx, j.Help, "198.51.100.7")
			} else {
				id, err = svc.Intake(ctx, g.staff[g.w.units[j.Unit].ID], j.In)
			}
			took := time.Since(t0)
			if err != nil {
				return fmt.Errorf("job %d (%s %s at %s, unit %s): %w", i, j.Channel(), j.Category(), j.At.Format(time.DateTime),
					g.w.units[j.Unit].Code, err)
			}
			mu.Lock()
			defer mu.Unlock()
			res.IDs[i] = id
			if j.Public {
				res.Help = append(res.Help, took)
			} else {
				res.Intake = append(res.Intake, took)
			}
			return nil
		}
	})
	return res, err
}

// publicIDs fills in the ids of the public form's cases, found by their
// unit and moment of intake.
func publicIDs(ctx context.Context, d *db.DB, g *caseGen, ids []int64) ([]int64, error) {
	rows, err := d.Query(ctx, `SELECT id, org_id, received_at FROM cases WHERE recorded_by IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[[2]int64][]int64{}
	for rows.Next() {
		var id, org, at int64
		if err := rows.Scan(&id, &org, &at); err != nil {
			return nil, err
		}
		found[[2]int64{org, at}] = append(found[[2]int64{org, at}], id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := range g.Jobs {
		if !j.Public {
			continue
		}
		k := [2]int64{g.w.units[j.Unit].ID, db.Millis(j.At)}
		if len(found[k]) == 0 {
			return nil, fmt.Errorf("the public form's case of job %d is not stored", i)
		}
		ids[i], found[k] = found[k][0], found[k][1:]
	}
	return ids, nil
}

// rawSeq numbers the raw INSERT's rows, far past any register's.
const rawSeq = 10_000_000

// rawCases is the baseline: a case row as Intake stores it (its sealed
// values copied from a stored case), inserted alone in a transaction of
// its own — no register number, parties, timeline, counters, audit event
// or notification — from as many goroutines as the intake, into the same
// table; the rows are deleted afterwards.
func rawCases(tb testing.TB, ctx context.Context, d *db.DB, g *caseGen, run time.Duration) writeResult {
	var narrative, phone string
	if err := d.QueryRow(ctx, `SELECT narrative, phone FROM cases WHERE phone <> '' ORDER BY id LIMIT 1`).Scan(&narrative, &phone); err != nil {
		tb.Fatal(err)
	}
	const day = int64(24 * time.Hour / time.Millisecond)
	res := writeLoad(ctx, d, caseWorkers, run, func(tx *db.Tx, w, i int) error {
		j := g.Jobs[(w*len(g.Jobs)/caseWorkers+i)%len(g.Jobs)]
		u := g.w.units[j.Unit]
		at, local := db.Millis(j.At), j.At.In(db.Shanghai)
		_, err := tx.Exec(ctx, `INSERT INTO cases (register_id, year, seq, org_id, org_path, origin_org_id, origin_path,
			channel, source_agency, category, category_top, anonymous, narrative, status, received_at, month,
			contact_due, route_due, phone, no_call, recorded_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, local.Year(), rawSeq+w*1_000_000+i, u.ID, u.Path, u.ID, u.Path,
			j.Channel(), j.In.SourceAgency, j.Category(), rights.Top(j.Category()), 0, narrative, "received", at, local.Format("2006-01"),
			at+day, at+7*day, phone, 0, g.staff[u.ID].UserID, at, at)
		return err
	})
	if res.errs > 0 || len(res.times) == 0 {
		tb.Fatalf("raw INSERT: %d of %d failed (first: %v)", res.errs, int64(len(res.times))+res.errs, res.first)
	}
	if _, err := d.Exec(ctx, `DELETE FROM cases WHERE seq >= ?`, rawSeq); err != nil {
		tb.Fatal(err)
	}
	return res
}

// caseCounts is the cases by status and danger level, and the rows of
// the tables around them, as stored.
func caseCounts(ctx context.Context, d *db.DB) (string, error) {
	var parts []string
	for _, q := range []struct{ label, sql string }{
		{"in an inbox", `SELECT COUNT(*) FROM cases WHERE handler_id IS NULL AND status <> 'closed'`},
		{"taken, not contacted", `SELECT COUNT(*) FROM cases WHERE handler_id IS NOT NULL AND status = 'received'`},
		{"in hand", `SELECT COUNT(*) FROM cases WHERE status = 'handling'`},
		{"closed", `SELECT COUNT(*) FROM cases WHERE status = 'closed'`},
		{"assessed", `SELECT COUNT(*) FROM cases WHERE risk <> ''`},
		{"高 or 极高", `SELECT COUNT(*) FROM cases WHERE risk IN ('high', 'severe')`},
		{"referrals", `SELECT COUNT(*) FROM case_referrals`},
		{"escalations", `SELECT COUNT(*) FROM case_moves`},
		{"parties", `SELECT COUNT(*) FROM case_parties`},
		{"counter rows", `SELECT COUNT(*) FROM tallies WHERE subject >= 'case' AND subject < 'casf'`},
	} {
		var n int64
		if err := d.QueryRow(ctx, q.sql).Scan(&n); err != nil {
			return "", err
		}
		parts = append(parts, q.label+" "+num(n))
	}
	return strings.Join(parts, ", "), nil
}

// actor is a demo account as an actor.
func (r *casesRun) actor(tb testing.TB, username string) access.Actor {
	u, err := r.app.Server.Deps.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Actor("127.0.0.1")
}

// agree checks that the statistics from the counters equal the recount
// from the cases — the city, 道里区 and the community, every year the
// cases span and the month measured — and fails the run where they do
// not.
func (r *casesRun) agree(tb testing.TB, ctx context.Context, when string) {
	city, community := r.actor(tb, "city.leader"), r.actor(tb, "village.staff")
	for _, c := range []struct {
		a     access.Actor
		under string
	}{{city, ""}, {city, "230102"}, {community, ""}} {
		for _, y := range r.years {
			months := []string{""}
			if y == r.year {
				months = append(months, r.month)
			}
			for _, m := range months {
				got, err := r.svc.Stats(ctx, c.a, c.under, y, m)
				if err != nil {
					tb.Fatal(err)
				}
				want, err := r.svc.StatsRecount(ctx, c.a, c.under, y, m)
				if err != nil {
					tb.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					tb.Fatalf("%s, %s under %q, %d %q: the counters' statistics differ from the recount:\ncounters %+v\nrecount  %+v",
						when, c.a.Username, c.under, y, m, got, want)
				}
			}
		}
	}
	if bad, err := tally.Check(ctx, r.app.DB.Q()); err != nil || len(bad) > 0 {
		tb.Fatalf("%s: %d counters differ from their recount (%v): %+v", when, len(bad), err, bad[:min(len(bad), 5)])
	}
}

// bareHandler is the baseline of the pages: a fixed small page, written
// by a plain net/http handler and timed the same way.
var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(bareBody))
})

// pages times the statistics and list pages through the real handler
// with the page cache off (what a page costs after a change), as
// BenchmarkWork does: the pages sc.Requests times, the others
// sc.Fewer, beside the bare handler.
func (r *casesRun) pages(tb testing.TB, engine string, sc casesScale) []string {
	y, prev := strconv.Itoa(r.year), strconv.Itoa(r.year-1)
	month := "/cases/stats?year=" + y + "&month=" + r.month
	pages := []aidPage{
		{month + ", city leader (target ≤ 50 ms)", "city.leader", month, sc.Requests},
		{"/cases/stats?year=" + y + ", city leader (target ≤ 50 ms)", "city.leader", "/cases/stats?year=" + y, sc.Requests},
		{"/cases inbox, 道里区 leader (target ≤ 20 ms)", "daoli.leader", "/cases", sc.Requests},
		{"/cases inbox, community handler (target ≤ 20 ms)", "village.staff", "/cases", sc.Requests},
		{"/cases/stats?year=" + prev + " (a whole year), city leader", "city.leader", "/cases/stats?year=" + prev, sc.Fewer},
		{"/api/v1/cases/stats?year=" + y + "&month=…, city", "city.leader", "/api/v1/cases/stats?year=" + y + "&month=" + r.month, sc.Fewer},
		{"/cases/stats?year=" + y + ", 道里区 leader", "daoli.leader", "/cases/stats?year=" + y, sc.Fewer},
		{"/cases inbox, 道里区 staff", "daoli.staff", "/cases", sc.Fewer},
		{"/cases inbox, city staff (the 12338 line)", "city.staff", "/cases", sc.Fewer},
		{"/cases?box=mine, community handler", "village.staff", "/cases?box=mine", sc.Fewer},
		{"/cases?box= (every case), 道里区 leader", "daoli.leader", "/cases?box=", sc.Fewer},
		{"/cases?box= (every case), city leader", "city.leader", "/cases?box=", sc.Fewer},
	}
	cfg := testapp.Config()
	cfg.PageCacheMB = 0
	srv, err := server.New(cfg, r.app.DB)
	if err != nil {
		tb.Fatal(err)
	}
	defer srv.Close()
	tokens := map[string]string{}
	for _, p := range pages {
		if tokens[p.user] == "" {
			tokens[p.user] = workLogin(tb, r.app, p.user)
		}
	}
	var lines []string
	add := func(label string, res pageResult) {
		l := engine + " " + aidPageLine(tb, label, res)
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	add("bare net/http handler (baseline)", aidMeasure(bareHandler, "", "/", sc.Requests))
	for i, p := range pages {
		res := aidMeasure(srv.Handler, tokens[p.user], p.path, p.n)
		add(p.label, res)
		switch i {
		case 0:
			reportMetric(tb, ms(median(res.times)), "stats-month-p50-ms")
		case 2:
			reportMetric(tb, ms(median(res.times)), "inbox-p50-ms")
		}
	}
	// The statistics page is cached (until the next change): what the
	// city's leader mostly gets between two intakes.
	add(month+", city leader, page cache on", aidMeasure(r.app.Server.Handler, tokens["city.leader"], month, sc.Fewer))
	return lines
}

// calls times the domain calls behind the pages, one at a time: the
// statistics from the counters beside the recount from the cases (the
// oracle), and the inbox's list and count.
func (r *casesRun) calls(tb testing.TB, engine string, sc casesScale) []string {
	ctx := context.Background()
	city, district, community := r.actor(tb, "city.leader"), r.actor(tb, "daoli.leader"), r.actor(tb, "village.staff")
	var lines []string
	for _, c := range []struct {
		label string
		a     access.Actor
		year  int
		month string
	}{
		{"city, " + r.month, city, r.year, r.month},
		{"city, " + strconv.Itoa(r.year), city, r.year, ""},
		{"道里区, " + strconv.Itoa(r.year), district, r.year, ""},
	} {
		counted := callTimes(tb, func() error { _, err := r.svc.Stats(ctx, c.a, "", c.year, c.month); return err }, sc.Requests)
		recount := callTimes(tb, func() error { _, err := r.svc.StatsRecount(ctx, c.a, "", c.year, c.month); return err }, sc.Fewer)
		lines = append(lines, fmt.Sprintf("%s Stats %-16s counters %s | StatsRecount %s | %.0f× faster", engine, c.label,
			spreadLine(counted), spreadLine(recount), float64(median(recount))/float64(max(1, median(counted)))))
	}
	inbox := rights.Filter{Box: "inbox", Page: db.Page{PerPage: 30}}
	q := r.app.DB.Q()
	y := strconv.Itoa(r.year)
	subjects := []string{"case:" + y, "case_channel:" + y, "case_risk:" + y, "case_outcome:" + y}
	for _, c := range []struct {
		label string
		n     int
		fn    func() error
	}{
		{"List inbox, 道里区 leader", sc.Requests, func() error { _, _, err := r.svc.List(ctx, district, inbox); return err }},
		{"List inbox, community handler", sc.Requests, func() error { _, _, err := r.svc.List(ctx, community, inbox); return err }},
		{"Incoming (escalations waiting), 道里区 leader", sc.Fewer, func() error { _, err := r.svc.Incoming(ctx, district); return err }},
		{"List every case, city leader", sc.Fewer, func() error {
			_, _, err := r.svc.List(ctx, city, rights.Filter{Page: db.Page{PerPage: 30}})
			return err
		}},
		// Where the city's Stats goes: its counters, its children's, the
		// categories (the rest is folding them and the roll-up's units).
		{"Stats' parts, city: tally.GetEach (4 subjects)", sc.Fewer, func() error {
			_, err := tally.GetEach(ctx, q, city.OrgID, subjects...)
			return err
		}},
		{"Stats' parts, city: tally.Children (a year)", sc.Fewer, func() error { _, err := tally.Children(ctx, q, subjects[0], city.OrgID); return err }},
		{"Stats' parts, city: tally.ChildrenRange (a month)", sc.Fewer, func() error {
			_, err := tally.ChildrenRange(ctx, q, subjects[0], city.OrgID, r.month+"|", r.month+"}")
			return err
		}},
		{"Stats' parts: Categories", sc.Fewer, func() error { _, err := r.svc.Categories(ctx); return err }},
	} {
		lines = append(lines, fmt.Sprintf("%s %-48s %s", engine, c.label, spreadLine(callTimes(tb, c.fn, c.n))))
	}
	for _, l := range lines {
		printf("   %s\n", l)
	}
	return lines
}
