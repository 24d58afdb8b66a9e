package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// aidSeed makes every run generate the same applications.
const aidSeed = 20150811

// aidWorkers is how many entries are made at once: several villages
// entering at the same time.
const aidWorkers = 4

const (
	aidWarmup   = 2
	aidRequests = 20
	aidFewer    = 8
)

// benchN is how many records a benchmark makes: the environment
// variable's number, or the issues' 100,000 (BenchmarkAid's entries,
// HALFSKY_BENCH_AID_N; BenchmarkCases's cases, HALFSKY_BENCH_CASES_N).
func benchN(tb testing.TB, env string) int {
	s := os.Getenv(env)
	if s == "" {
		return 100_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 {
		tb.Fatalf("%s=%q: want a number of at least 100", env, s)
	}
	return n
}

// BenchmarkAid enters three years of 巾帼关爱 applications for the whole
// city (aidgen_test.go) through aid.Service.Create — sealing every
// personal field, hashing the ID number, the duplicate check and the
// unique index, the audit event — as the collecting units' staff, several
// at once, on SQLite and PostgreSQL; checks that exactly the planted
// duplicates are refused; then times the statistics, list and export
// pages over them (server time, as BenchmarkWork measures pages).
func BenchmarkAid(b *testing.B) {
	printEnv()
	n := benchN(b, "HALFSKY_BENCH_AID_N")
	summary := perEngine(b, "", func(b *testing.B, engine string, d *db.DB) []string {
		return aidBench(b, engine, d, n)
	})
	printSummary("aid summary", summary)
}

// aidRun is a prepared database: the app, the cadres, the programmes'
// amounts and cycles, and the entries to make.
type aidRun struct {
	app  *testapp.App
	svc  *aid.Service
	gen  *aidGen
	city access.Actor
}

// aidPrepare starts the app on d and sets up everything the entries need:
// the cadres of every unit (the work generator's), the programmes'
// amounts, the generated entries, and three years of cycles whose budgets
// cover the approvals planned.
func aidPrepare(tb testing.TB, d *db.DB, n int, now time.Time) *aidRun {
	ctx := context.Background()
	app, _ := startWithCadres(tb, d, now)
	u, err := app.Server.Deps.Auth.UserByUsername(ctx, "city.leader")
	if err != nil {
		tb.Fatal(err)
	}
	r := &aidRun{app: app, svc: app.Server.Deps.Aid, city: u.Actor("127.0.0.1")}
	amounts := map[string]int64{}
	for _, p := range aidProgrammes {
		prog, err := r.svc.Programme(ctx, r.city, p.Code)
		if err != nil {
			tb.Fatal(err)
		}
		if p.Amount != 0 && prog.Amount != p.Amount {
			prog, err = r.svc.UpdateProgramme(ctx, r.city, p.Code, aid.ProgrammeInput{Name: prog.Name, Amount: p.Amount,
				OncePerLife: prog.OncePerLife, Rules: prog.Rules, Documents: prog.Documents, RetentionDays: prog.RetentionDays,
				Active: true, Version: prog.Version})
			if err != nil {
				tb.Fatal(err)
			}
		}
		amounts[p.Code] = prog.Amount
	}
	r.gen = newAidGen(n, aidSeed, now)
	if err := r.gen.loadUnits(ctx, d); err != nil {
		tb.Fatal(err)
	}
	r.gen.Run()
	for code, years := range r.gen.budgets(amounts) {
		for _, y := range r.gen.years {
			if _, err := r.svc.SaveCycle(ctx, r.city, aid.CycleInput{Programme: code, Year: y, Budget: years[y],
				OpensOn: fmt.Sprintf("%d-01-01", y), ClosesOn: fmt.Sprintf("%d-12-31", y)}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return r
}

// startWithCadres starts the app on d (the demo tree and accounts) and
// adds the cadres of every unit, as the work generator makes them (they
// cannot sign in; the demo's accounts can); it returns the generator,
// which knows the units and their cadres.
func startWithCadres(tb testing.TB, d *db.DB, now time.Time) (*testapp.App, *workGen) {
	ctx := context.Background()
	app := testapp.Start(tb, d)
	wg := newWorkGen(d, workScale{}, workSeed, now)
	if err := wg.loadUnits(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error { return wg.genUsers(ctx, tx) }); err != nil {
		tb.Fatal(err)
	}
	if d.Dialect == db.Postgres {
		if _, err := d.Exec(ctx, `SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users))`); err != nil {
			tb.Fatal(err)
		}
	}
	return app, wg
}

// aidEntry is what entering a list of jobs came to.
type aidEntry struct {
	IDs       []int64 // per job; 0 where refused
	Took      time.Duration
	Accepted  []time.Duration // per Create that stored an application
	Refused   []time.Duration // per Create refused as a duplicate
	FirstFail error
}

// enter makes the jobs through aid.Service.Create, workers at once, each
// worker with its own copy of the service whose clock is the entry's
// moment (so a 2024 entry goes into the 2024 cycle, open then).
func enter(ctx context.Context, base *aid.Service, jobs []aidJob, units []aidGenUnit, workers int, progress bool) aidEntry {
	res := aidEntry{IDs: make([]int64, len(jobs))}
	var mu sync.Mutex
	verb := ""
	if progress {
		verb = "entered"
	}
	res.Took, res.FirstFail = concurrently(ctx, len(jobs), workers, verb, func() func(context.Context, int) error {
		svc := *base
		var clock time.Time
		svc.Now = func() time.Time { return clock }
		return func(ctx context.Context, i int) error {
			j := jobs[i]
			clock = j.At
			t0 := time.Now()
			app, err := svc.Create(ctx, units[j.Unit].Actor, j.In)
			took := time.Since(t0)
			var e *apperr.Error
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.IDs[i] = app.ID
				res.Accepted = append(res.Accepted, took)
			case errors.As(err, &e) && e.Code == "duplicate":
				res.Refused = append(res.Refused, took)
			default:
				return fmt.Errorf("job %d (%s %d at %s, unit %s): %w", i, j.In.Programme, j.In.Year,
					j.At.Format(time.DateTime), units[j.Unit].Code, err)
			}
			return nil
		}
	})
	return res
}

// concurrently runs jobs 0 … n-1 from workers goroutines at once, each
// taking the next job in order, with the job function worker() gives it
// (its own copy of a service, say, with its own clock); it stops at the
// first error, which it returns with how long the run took. With a verb
// it prints the progress at every quarter ("… 25,000 of 100,000 entered").
func concurrently(ctx context.Context, n, workers int, verb string, worker func() func(context.Context, int) error) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	next := 0
	var first error
	start := time.Now()
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if next == n || ctx.Err() != nil {
			return -1
		}
		next++
		if verb != "" && next%(n/4+1) == 0 {
			printf("      … %s of %s %s after %s (load average %s)\n", num(int64(next)), num(int64(n)), verb, dur(time.Since(start)), loadavg())
		}
		return next - 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := worker()
			for i := take(); i >= 0; i = take() {
				if err := do(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), first
}

// reentries are n already entered applicants entered again, each by a
// unit of another district at the same moment: every one must be refused.
func (g *aidGen) reentries(ids []int64, n int) []aidJob {
	r := rand.New(rand.NewPCG(aidSeed, 7))
	var out []aidJob
	for _, i := range r.Perm(len(g.Jobs)) {
		if len(out) == n {
			break
		}
		if ids[i] == 0 {
			continue
		}
		j := g.Jobs[i]
		j.Unit, j.Dup = g.unitOutside(g.units[j.Unit].District), true
		out = append(out, j)
	}
	return out
}

// percentiles formats the median and 95th percentile of times.
// percentiles is "p50 X p99 Y (N)", or "p50 X max Y (of N)" with fewer
// than 1,000 samples (spreadLine).
func percentiles(times []time.Duration) string {
	if len(times) == 0 {
		return "none"
	}
	return spreadLine(times)
}

func aidBench(b *testing.B, engine string, d *db.DB, n int) []string {
	ctx := context.Background()
	now := time.Now()
	wall, start := now, now
	r := aidPrepare(b, d, n, now)
	g := r.gen
	var lines []string
	line := func(format string, args ...any) {
		l := engine + " " + fmt.Sprintf(format, args...)
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	printf("   %s setup: cadres, programmes, %d cycles and %s generated entries in %s (load average now %s)\n", engine,
		len(aidProgrammes)*len(g.years), num(int64(len(g.Jobs))), dur(time.Since(start)), loadavg())
	var mix []string
	for _, p := range aidProgrammes {
		mix = append(mix, fmt.Sprintf("%s %s", p.Code, num(int64(g.ByProgramme[p.Code]))))
	}
	printf("   %s entries by programme: %s; years %d–%d; at %s villages, communities and streets of %d districts\n", engine,
		strings.Join(mix, ", "), g.years[0], g.years[2], num(int64(len(g.units))), len(g.districts))
	printf("   %s planted duplicates %s (%s 两癌 again in another district, same or later year; %s twice in one cycle); "+
		"%s renewals (same child, next year: must be accepted)\n", engine, num(int64(g.Planted)), num(int64(g.PlantedLife)),
		num(int64(g.Planted-g.PlantedLife)), num(int64(g.Renewals)))

	// Entering: the measured part.
	e := enter(ctx, r.svc, g.Jobs, g.units, aidWorkers, true)
	if e.FirstFail != nil {
		b.Fatal(e.FirstFail)
	}
	if bad := g.check(e.IDs); len(e.Refused) != g.Planted || len(bad) > 0 {
		b.Fatalf("%d refused, %d duplicates planted; %d entries wrong: %s", len(e.Refused), g.Planted, len(bad),
			strings.Join(bad[:min(len(bad), 5)], "; "))
	}
	rate := float64(len(g.Jobs)) / e.Took.Seconds()
	b.ReportMetric(rate, "apps/s")
	all := append(slices.Clone(e.Accepted), e.Refused...)
	slices.Sort(all)
	b.ReportMetric(ms(quantile(all, 0.5)), "create-p50-ms")
	b.ReportMetric(ms(quantile(all, 0.95)), "create-p95-ms")
	line("entered %s applications in %s with %d goroutines: %s applications/s; Create %s",
		num(int64(len(g.Jobs))), dur(e.Took), aidWorkers, num(int64(rate)), percentiles(all))
	line("   stored %s (%s), refused %s duplicates = the %s planted (%s)",
		num(int64(len(e.Accepted))), percentiles(e.Accepted), num(int64(len(e.Refused))), num(int64(g.Planted)), percentiles(e.Refused))

	// Refusals alone: applicants with a live application entered again.
	again := g.reentries(e.IDs, min(2000, len(e.Accepted)/10))
	re := enter(ctx, r.svc, again, g.units, aidWorkers, false)
	if re.FirstFail != nil {
		b.Fatal(re.FirstFail)
	}
	if len(re.Refused) != len(again) {
		b.Fatalf("re-entry: %d of %d refused", len(re.Refused), len(again))
	}
	refRate := float64(len(again)) / re.Took.Seconds()
	b.ReportMetric(refRate, "refusals/s")
	line("refused %s re-entries of live applicants from another district in %s: %s refusals/s; %s",
		num(int64(len(again))), dur(re.Took), num(int64(refRate)), percentiles(re.Refused))

	// Setup, not measured: the review's outcome, set directly.
	start = time.Now()
	if err := aidSettle(ctx, d, g.Jobs, e.IDs, now); err != nil {
		b.Fatal(err)
	}
	if err := aidAnalyze(ctx, d); err != nil {
		b.Fatal(err)
	}
	counts, err := aidCounts(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	printf("   %s setup (not measured): statuses set by UPDATE and ANALYZE in %s: %s\n", engine, dur(time.Since(start)), counts)

	lines = append(lines, aidPages(b, engine, r)...)
	lines = append(lines, aidAnatomy(b, engine, r, e.IDs)...)
	printf("   %s whole benchmark: %s wall time\n", engine, dur(time.Since(wall)))
	return lines
}

// aidAnalyze refreshes the planner's statistics after the load.
func aidAnalyze(ctx context.Context, d *db.DB) error {
	return analyzeTables(ctx, d, "aid_applications", "aid_grants", "aid_cycles", "users", "orgs", "audit_events", "tallies")
}

// aidCounts is the applications by status, as stored.
func aidCounts(ctx context.Context, d *db.DB) (string, error) {
	rows, err := d.Query(ctx, `SELECT status, COUNT(*) FROM aid_applications GROUP BY status`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return "", err
		}
		got[s] = n
	}
	var parts []string
	for _, s := range aid.Statuses {
		parts = append(parts, s.Label+" "+num(got[s.Key]))
	}
	return strings.Join(parts, ", "), rows.Err()
}

// aidPages times the statistics, list and export pages over the entries.
func aidPages(b *testing.B, engine string, r *aidRun) []string {
	y := strconv.Itoa(r.gen.years[2])
	// The pages the issue names get aidRequests requests; the others,
	// measured too, fewer (a slow page on a busy machine costs minutes).
	pages := []aidPage{
		{"/aid/stats?year=" + y + ", city leader", "city.leader", "/aid/stats?year=" + y, aidRequests},
		{"/aid/stats?year=" + y + ", 道里区 leader", "daoli.leader", "/aid/stats?year=" + y, aidRequests},
		{"/api/v1/aid/stats?year=" + y + ", city leader", "city.leader", "/api/v1/aid/stats?year=" + y, aidRequests},
		{"/aid first page, city staff", "city.staff", "/aid", aidRequests},
		{"/aid/stats all years, city leader", "city.leader", "/aid/stats", aidFewer},
		{"/aid/stats?year=" + y + "&under=230102, city", "city.leader", "/aid/stats?year=" + y + "&under=230102", aidFewer},
		{"/api/v1/aid/stats?year=" + y + ", 道里区 leader", "daoli.leader", "/api/v1/aid/stats?year=" + y, aidFewer},
		{"/aid?todo=1 first page, city leader", "city.leader", "/aid?todo=1", aidFewer},
		{"/aid first page, 道里区 leader", "daoli.leader", "/aid", aidFewer},
	}
	tokens := map[string]string{}
	for _, p := range pages {
		if tokens[p.user] == "" {
			tokens[p.user] = workLogin(b, r.app, p.user)
		}
	}
	h := r.app.Server.Handler
	var lines []string
	for _, p := range pages {
		res := aidMeasure(h, tokens[p.user], p.path, p.n)
		l := engine + " " + aidPageLine(b, p.label, res)
		printf("   %s\n", l)
		lines = append(lines, l)
		if p == pages[0] && res.status == http.StatusOK {
			s := slices.Clone(res.times)
			slices.Sort(s)
			b.ReportMetric(ms(quantile(s, 0.5)), "stats-p50-ms")
		}
	}
	l := engine + " " + aidExportLine(b, r, tokens["daoli.leader"])
	printf("   %s\n", l)
	return append(lines, l)
}

// aidAnatomyReps is how often each domain call is timed.
const aidAnatomyReps = 12

// aidAnatomy times, one call at a time over the loaded tables, the domain
// calls behind the statistics and list pages, and the public pieces of
// what Create does besides its INSERT (finding the unit, the programme
// and the cycle — whose approved count and sum grow with the cycle —
// sealing, and reading the stored application back), so a slow page or
// entry can be traced to its query.
func aidAnatomy(b *testing.B, engine string, r *aidRun, ids []int64) []string {
	ctx := context.Background()
	svc, g := r.svc, r.gen
	y := g.years[2]
	var cycle aid.Cycle
	cycles, err := svc.Cycles(ctx, r.city, "cancer")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cycles {
		if c.Year == y {
			cycle = c
		}
	}
	var app int64
	var staff access.Actor
	for i, j := range g.Jobs {
		if ids[i] != 0 && j.In.Year == y && j.In.Programme == "cancer" {
			app, staff = ids[i], g.units[j.Unit].Actor
		}
	}
	keys := r.app.Server.Deps.Vault
	steps := []struct {
		name string
		fn   func() error
	}{
		{"Stats, city, " + strconv.Itoa(y), func() error { _, err := svc.Stats(ctx, r.city, "", y); return err }},
		{"Stats, city, all years", func() error { _, err := svc.Stats(ctx, r.city, "", 0); return err }},
		{"Stats, 道里区 (230102), " + strconv.Itoa(y), func() error { _, err := svc.Stats(ctx, r.city, "230102", y); return err }},
		{"StatsRecount (raw recount), city, " + strconv.Itoa(y), func() error { _, err := svc.StatsRecount(ctx, r.city, "", y); return err }},
		{"StatsRecount (raw recount), city, all years", func() error { _, err := svc.StatsRecount(ctx, r.city, "", 0); return err }},
		{"Cycles (every page's year menu)", func() error { _, err := svc.Cycles(ctx, r.city, ""); return err }},
		{"to-do count (every page's tab), city", func() error {
			_, _, err := svc.Applications(ctx, r.city, aid.Filter{Todo: true, Page: aid.Page{PerPage: 1}})
			return err
		}},
		{"Applications first page, city", func() error {
			_, _, err := svc.Applications(ctx, r.city, aid.Filter{})
			return err
		}},
		{"Create's parts: Orgs.ByID", func() error { _, err := r.app.Server.Deps.Orgs.ByID(ctx, r.app.DB.Q(), staff.OrgID); return err }},
		{"Create's parts: Programme", func() error { _, err := svc.Programme(ctx, staff, "cancer"); return err }},
		{fmt.Sprintf("Create's parts: Cycle (%s approved)", num(int64(cycle.Approved))), func() error {
			_, err := svc.Cycle(ctx, staff, cycle.ID)
			return err
		}},
		{"Create's parts: ID hash + 6 fields sealed", func() error {
			keys.Lookup(aid.LookupPurpose, "230102197503120026")
			for range 6 {
				if _, err := keys.Seal("aid_applications.name", "王秀英 哈尔滨市道里区兆麟街道"); err != nil {
					return err
				}
			}
			return nil
		}},
		{"Create's parts: Application (read back, masked)", func() error { _, err := svc.Application(ctx, staff, app); return err }},
	}
	var lines []string
	for _, st := range steps {
		times := make([]time.Duration, 0, aidAnatomyReps)
		for range aidAnatomyReps {
			t0 := time.Now()
			if err := st.fn(); err != nil {
				b.Fatalf("%s: %v", st.name, err)
			}
			times = append(times, time.Since(t0))
		}
		l := fmt.Sprintf("%s %-52s %s", engine, st.name, percentiles(times))
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	return lines
}

// aidPage is a page measured n times as one user.
type aidPage struct {
	label, user, path string
	n                 int
}

// aidMeasure is measurePage with n measured requests.
func aidMeasure(h http.Handler, token, path string, n int) pageResult {
	var res pageResult
	for i := range aidWarmup + n {
		rec, took := workServe(h, token, path)
		if rec.Code != http.StatusOK {
			return pageResult{status: rec.Code, body: rec.Body.String(), times: res.times}
		}
		if i >= aidWarmup {
			res.times = append(res.times, took)
		}
		res.size = rec.Body.Len()
	}
	res.status = http.StatusOK
	return res
}

// aidPageLine is a page's times; a page that did not answer 200 fails
// the run.
func aidPageLine(b testing.TB, label string, r pageResult) string {
	if r.status != http.StatusOK {
		b.Fatalf("%s: status %d: %.200s", label, r.status, flatLine(r.body))
	}
	return fmt.Sprintf("%-44s %s, page %s B", label, percentiles(r.times), num(int64(r.size)))
}

// aidExportLine times the masked Excel export of 道里区's applications,
// all years, as its leader.
func aidExportLine(b *testing.B, r *aidRun, token string) string {
	label := fmt.Sprintf("%-44s", "/aid/export.xlsx, 道里区 leader, all years")
	u, err := r.app.Server.Deps.Auth.UserByUsername(context.Background(), "daoli.leader")
	if err != nil {
		b.Fatal(err)
	}
	_, rows, err := r.svc.Applications(context.Background(), u.Actor("127.0.0.1"), aid.Filter{Page: aid.Page{PerPage: 1}})
	if err != nil {
		b.Fatal(err)
	}
	h := r.app.Server.Handler
	var times []time.Duration
	size := 0
	for range exportRuns {
		rec, took := workServe(h, token, "/aid/export.xlsx")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") {
			b.Fatalf("%s: status %d %s: %.200s", label, rec.Code, rec.Header().Get("Content-Type"), flatLine(rec.Body.String()))
		}
		times = append(times, took)
		size = rec.Body.Len()
	}
	slices.Sort(times)
	med := quantile(times, 0.5)
	return fmt.Sprintf("%s median %s  max %s  (%d runs; %s rows, %s rows/s, %s B)", label, dur(med), dur(times[len(times)-1]),
		len(times), num(int64(rows)), num(int64(float64(rows)/med.Seconds())), num(int64(size)))
}

// TestAidGen enters a small city's applications on both engines and
// checks the benchmark's own bookkeeping: exactly the planted duplicates
// are refused, renewals are not, the planned statuses are what is stored,
// the approved 两癌 hold their lifetime grants, the roll-up counts them all,
// and nothing personal is stored in the clear.
func TestAidGen(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := aidPrepare(t, d, 600, time.Now())
		g := r.gen
		if g.Planted < 5 || g.Renewals < 5 {
			t.Fatalf("%d duplicates and %d renewals planted in %d entries: want some of each", g.Planted, g.Renewals, len(g.Jobs))
		}
		e := enter(ctx, r.svc, g.Jobs, g.units, aidWorkers, false)
		if e.FirstFail != nil {
			t.Fatal(e.FirstFail)
		}
		if bad := g.check(e.IDs); len(e.Refused) != g.Planted || len(bad) > 0 {
			t.Fatalf("%d refused, %d planted: %v", len(e.Refused), g.Planted, bad)
		}
		again := g.reentries(e.IDs, 20)
		if re := enter(ctx, r.svc, again, g.units, 2, false); re.FirstFail != nil || len(re.Refused) != len(again) {
			t.Fatalf("re-entry: %d of %d refused (%v)", len(re.Refused), len(again), re.FirstFail)
		}
		if err := aidSettle(ctx, d, g.Jobs, e.IDs, time.Now()); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		grants := 0
		for i, j := range g.Jobs {
			if e.IDs[i] != 0 {
				want[j.Status+"/"+j.Level]++
				if j.Status == string(aid.Approved) && j.In.Programme == "cancer" {
					grants++
				}
			}
		}
		got := map[string]int{}
		rows, err := d.Query(ctx, `SELECT status, level, COUNT(*) FROM aid_applications GROUP BY status, level`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s, l string
			var n int
			if err := rows.Scan(&s, &l, &n); err != nil {
				t.Fatal(err)
			}
			got[s+"/"+l] = n
		}
		rows.Close()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stored %v, planned %v", got, want)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_grants`).Scan(&n); err != nil || n != grants {
			t.Errorf("%d grants (%v), want %d", n, err, grants)
		}
		if bad, err := tally.Check(ctx, d.Q()); err != nil || len(bad) > 0 {
			t.Errorf("counters after settling: %v %v", bad, err)
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM aid_applications WHERE SUBSTR(name, 1, 4) <> 'hs1.' OR SUBSTR(id_number, 1, 4) <> 'hs1.'
				OR SUBSTR(address, 1, 4) <> 'hs1.' OR SUBSTR(facts, 1, 4) <> 'hs1.'`,
			`SELECT COUNT(*) FROM aid_applications WHERE (status = 'rejected') <> (dedupe_key IS NULL)
				OR (status IN ('approved', 'rejected')) <> (closed_at IS NOT NULL) OR (status = 'draft') <> (submitted_at IS NULL)`,
			`SELECT COUNT(*) FROM aid_applications x JOIN orgs o ON o.id = x.org_id WHERE x.org_path <> o.path`,
		} {
			if err := d.QueryRow(ctx, q).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d inconsistent rows (%v): %s", n, err, q)
			}
		}
		st, err := r.svc.Stats(ctx, r.city, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if st.Total.All.Total != int64(len(e.Accepted)) {
			t.Errorf("stats total %d, stored %d", st.Total.All.Total, len(e.Accepted))
		}
	})
}
