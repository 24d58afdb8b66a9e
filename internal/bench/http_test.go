package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/httpx"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// bareBody is what the baseline handler writes: a small fixed HTML page.
const bareBody = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>半边天</title></head>` +
	`<body><h1>哈尔滨市妇联</h1><p>bare net/http handler</p></body></html>`

// httpFigure is one row of the HTTP table.
type httpFigure struct {
	Label    string
	PageSize int
	Res      loadResult
}

// BenchmarkHTTP measures halfsky's pages at 32 connections over loopback
// beside a bare net/http handler, all with the same client in the same run,
// so the ratio to the bare handler is the figure that travels between
// machines. Client and servers share the process (and this machine's CPUs).
func BenchmarkHTTP(b *testing.B) {
	printEnv()
	ctx := context.Background()
	cfg := defaultLoad
	printf("== HTTP: %d connections over loopback (127.0.0.1), %s warm-up, %s measured, ≤%s requests; GET with keep-alive\n",
		cfg.Conns, dur(cfg.Warmup), dur(cfg.Duration), num(cfg.MaxReqs))

	var figs []httpFigure
	var anatomies []string
	var bareRPS float64
	var bareCPU time.Duration
	measure := func(b *testing.B, label string, t target, want string) {
		printf("   … %s (load average %s)\n", label, loadavg())
		size, err := probe(ctx, t, want)
		if err != nil {
			b.Fatal(err)
		}
		r, err := runLoad(ctx, cfg, t)
		if err != nil {
			b.Fatal(err)
		}
		f := httpFigure{Label: label, PageSize: size, Res: r}
		if bareRPS == 0 && label == bareLabel {
			bareRPS, bareCPU = r.RPS(), r.CPUPerReq()
		}
		figs = append(figs, f)
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(r.RPS(), "req/s")
		b.ReportMetric(ms(r.Quantile(0.50)), "p50-ms")
		b.ReportMetric(ms(r.Quantile(0.99)), "p99-ms")
		b.ReportMetric(ms(r.CPUPerReq()), "cpu-ms/req")
		if label != bareLabel && bareRPS > 0 {
			b.ReportMetric(r.RPS()/bareRPS, "x-bare")
		}
		printf("   %s\n", httpLine(f, bareRPS, bareCPU))
		if r.Errors > 0 {
			b.Errorf("%s: %d of %d requests failed (first: %s)", label, r.Errors, r.Requests, r.FirstErr)
		}
	}

	b.Run("bare", func(b *testing.B) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(bareBody))
		}))
		defer hs.Close()
		measure(b, bareLabel, target{URL: hs.URL + "/"}, "bare net/http handler")
	})

	// The SQLite app serves two rows; it belongs to the parent so it
	// outlives each sub-benchmark.
	sqliteApp := testapp.Start(b, testdb.SQLite(b))
	b.Run("login/sqlite", func(b *testing.B) {
		measure(b, "login page (SQLite)", target{URL: sqliteApp.URL + "/login"}, `name="password"`)
	})
	b.Run("org-2301/sqlite", func(b *testing.B) {
		t, token := orgTarget(b, sqliteApp)
		measure(b, "tree page /org/2301 (SQLite)", t, "道里区妇联")
		anatomies = append(anatomies, anatomy(b, "SQLite", sqliteApp, t, token)...)
	})
	sqliteApp.HTTP.Close()

	b.Run("org-2301/postgres", func(b *testing.B) {
		app := testapp.Start(b, testdb.Postgres(b))
		t, token := orgTarget(b, app)
		measure(b, "tree page /org/2301 (PostgreSQL)", t, "道里区妇联")
		anatomies = append(anatomies, anatomy(b, "PostgreSQL", app, t, token)...)
	})

	printf("== HTTP summary (ratio = req/s ÷ the bare handler's req/s in this run; load average now %s)\n", loadavg())
	for _, f := range figs {
		printf("   %s\n", httpLine(f, bareRPS, bareCPU))
	}
	if len(anatomies) > 0 {
		printf("== where a tree page's time goes, one request at a time (median of %d)\n", anatomyReps)
		for _, s := range anatomies {
			printf("   %s\n", s)
		}
	}
}

const bareLabel = "bare net/http handler"

// orgTarget signs city.leader in and returns the tree page of Harbin
// (2301) with that session: the page counts the city's subtree by level,
// lists its children and counts each child's subtree.
func orgTarget(b *testing.B, app *testapp.App) (target, string) {
	c := app.Client(b)
	c.Login("city.leader")
	u, err := url.Parse(app.URL)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	token := ""
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == httpx.SessionCookie {
			token = ck.Value
			h.Set("Cookie", (&http.Cookie{Name: ck.Name, Value: ck.Value}).String())
		}
	}
	if token == "" {
		b.Fatal("login set no session cookie")
	}
	return target{URL: app.URL + "/org/2301", Header: h}, token
}

// httpLine is one figure: label: 4,210 req/s p50 6.12ms p99 19.0ms (0.09× bare).
// CPU per request is the process's (client and handler; a PostgreSQL
// server's own CPU is not in it); its ratio to the bare handler's hardly
// moves when other work competes for the machine, unlike req/s.
func httpLine(f httpFigure, bareRPS float64, bareCPU time.Duration) string {
	r := f.Res
	s := f.Label + ": " + num(int64(r.RPS()+0.5)) + " req/s  p50 " + dur(r.Quantile(0.50)) +
		"  p99 " + dur(r.Quantile(0.99))
	if f.Label != bareLabel {
		s += "  (" + ratio(r.RPS(), bareRPS)
		if bareCPU > 0 && r.CPUPerReq() > 0 {
			s += "; by CPU/req " + ratio(float64(bareCPU), float64(r.CPUPerReq()))
		}
		s += ")"
	}
	s += "  [" + num(r.Requests) + " requests in " + dur(r.Elapsed) + ", page " + num(int64(f.PageSize)) + " B, CPU " +
		dur(r.CPUPerReq()) + "/req, " + strconv.FormatFloat(r.Cores(), 'f', 1, 64) + " cores busy"
	if r.Errors > 0 {
		s += ", " + num(r.Errors) + " FAILED"
	}
	return s + "]"
}

// anatomyReps is how often each part of the tree page is timed.
const anatomyReps = 200

// anatomy times, one call at a time, the whole tree page and each database
// call it makes, so a slow page can be traced to its query.
func anatomy(b *testing.B, engine string, app *testapp.App, t target, token string) []string {
	ctx := context.Background()
	deps := app.Server.Deps
	u, _, err := deps.Auth.Authenticate(ctx, token)
	if err != nil {
		b.Fatal(err)
	}
	actor := u.Actor("127.0.0.1")
	unit, err := deps.Orgs.ByCode(ctx, actor, "2301")
	if err != nil {
		b.Fatal(err)
	}
	client := newLoadClient(1)
	defer client.CloseIdleConnections()
	buf := make([]byte, 32<<10)
	steps := []struct {
		name string
		fn   func() error
	}{
		{"whole page over HTTP", func() error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
			if err != nil {
				return err
			}
			req.Header = t.Header.Clone()
			_, err = get(client, req, buf)
			return err
		}},
		{"session + user (Authenticate)", func() error { _, _, err := deps.Auth.Authenticate(ctx, token); return err }},
		{"ByCode", func() error { _, err := deps.Orgs.ByCode(ctx, actor, "2301"); return err }},
		{"SubtreeCounts", func() error { _, _, err := deps.Orgs.SubtreeCounts(ctx, actor, unit); return err }},
		{"Children", func() error { _, err := deps.Orgs.Children(ctx, actor, unit); return err }},
		{"ChildCounts", func() error { _, err := deps.Orgs.ChildCounts(ctx, unit); return err }},
		{"Ancestors", func() error { _, err := deps.Orgs.Ancestors(ctx, actor, unit); return err }},
	}
	var lines []string
	var whole, parts time.Duration
	for i, st := range steps {
		times := make([]time.Duration, 0, anatomyReps)
		for range anatomyReps {
			t0 := time.Now()
			if err := st.fn(); err != nil {
				b.Fatalf("%s: %v", st.name, err)
			}
			times = append(times, time.Since(t0))
		}
		slices.Sort(times)
		med := quantile(times, 0.5)
		if i == 0 {
			whole = med
		} else {
			parts += med
		}
		lines = append(lines, engine+" "+st.name+": "+dur(med))
	}
	if whole > parts {
		lines = append(lines, engine+" the rest (middleware, template, HTTP, client): "+dur(whole-parts))
	}
	return lines
}
