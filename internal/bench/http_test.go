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

	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/server"
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

// benchPage is one signed-in page of the HTTP table: who asks, what, and a
// text the answer must hold (the run fails on anything else).
type benchPage struct {
	Label, User, Path, Want string
}

// benchPages are the pages users open most: the work desk at every level,
// the tree, and the first page of every list.
var benchPages = []benchPage{
	{"work desk, city leader", "city.leader", "/", "<h1>哈尔滨市妇联</h1>"},
	{"work desk, 道里区 leader", "daoli.leader", "/", "<h1>道里区妇联</h1>"},
	{"work desk, street staff", "street.staff", "/", "<h1>兆麟街道妇联</h1>"},
	{"work desk, village staff", "village.staff", "/", "<h1>"},
	{"tree page /org/2301, city leader", "city.leader", "/org/2301", "道里区妇联"},
	{"公文 list", "city.office", "/docs", "<h1>公文</h1>"},
	{"收文登记 list", "city.office", "/incoming", "<h1>收文登记"},
	{"督办报送 list", "daoli.staff", "/reports/todo", "<h1>督办报送</h1>"},
	{"通知 list", "daoli.staff", "/notices", "<h1>通知"},
	{"学习 list", "daoli.leader", "/study", "<h1>学习动态"},
	{"走访 list", "daoli.staff", "/visits", "<h1>下基层 · 走访记录</h1>"},
	{"诉求 list", "daoli.staff", "/needs", "<h1>访妇情 · 妇女诉求</h1>"},
	{"办实事 list", "daoli.staff", "/tasks", "<h1>办实事</h1>"},
	{"整改台账 list", "daoli.leader", "/problems", "<h1>问题整改台账</h1>"},
	{"救助 list", "daoli.staff", "/aid", "<h1>巾帼关爱 · 救助申请"},
}

// uncachedPages are also measured with the page cache off, beside the
// same page with it on: what the cache saves, in the same run.
var uncachedPages = map[string]bool{"work desk, city leader": true, "tree page /org/2301, city leader": true}

// BenchmarkHTTP measures halfsky's pages at 32 connections over loopback
// beside a bare net/http handler, all with the same client in the same run,
// so the ratio to the bare handler is the figure that travels between
// machines. Client and servers share the process (and this machine's CPUs).
func BenchmarkHTTP(b *testing.B) {
	printEnv()
	cfg := defaultLoad
	printf("== HTTP: %d connections over loopback (127.0.0.1), %s warm-up, %s measured, ≤%s requests; GET with keep-alive\n",
		cfg.Conns, dur(cfg.Warmup), dur(cfg.Duration), num(cfg.MaxReqs))
	figs, anatomies := httpRun(b, cfg, benchPages, false)
	printf("== HTTP summary (ratio = req/s ÷ the bare handler's req/s in this run; load average now %s)\n", loadavg())
	bareRPS, bareCPU := figs[0].Res.RPS(), figs[0].Res.CPUPerReq()
	for _, f := range figs {
		printf("   %s\n", httpLine(f, bareRPS, bareCPU))
	}
	if len(anatomies) > 0 {
		printf("== where an uncached tree page's time goes, one request at a time (median of %d)\n", anatomyReps)
		for _, s := range anatomies {
			printf("   %s\n", s)
		}
	}
}

// httpRun measures the bare handler, the login page and each page on both
// engines (each a sub-benchmark), and returns the figures in order, the
// bare handler's first. A page that answers anything but 200 with its
// text fails the run. Short (CI's run) only asks once for the pages with
// the cache off (uncached, a moment's window may see none of them end)
// and skips the anatomy.
func httpRun(tb testing.TB, cfg loadConfig, pages []benchPage, short bool) ([]httpFigure, []string) {
	ctx := context.Background()
	var figs []httpFigure
	var anatomies []string
	measure := func(tb testing.TB, label string, t target, want string) {
		printf("   … %s (load average %s)\n", label, loadavg())
		size, err := probe(ctx, t, want)
		if err != nil {
			tb.Fatal(err)
		}
		r, err := runLoad(ctx, cfg, t)
		if err != nil {
			tb.Fatal(err)
		}
		f := httpFigure{Label: label, PageSize: size, Res: r}
		figs = append(figs, f)
		bare := figs[0].Res
		if b, ok := tb.(*testing.B); ok {
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(r.RPS(), "req/s")
			b.ReportMetric(ms(r.Quantile(0.50)), "p50-ms")
			b.ReportMetric(ms(r.CPUPerReq()), "cpu-ms/req")
			if label != bareLabel {
				b.ReportMetric(r.RPS()/bare.RPS(), "x-bare")
			}
		}
		printf("   %s\n", httpLine(f, bare.RPS(), bare.CPUPerReq()))
		if r.Errors > 0 {
			tb.Errorf("%s: %d of %d requests failed (first: %s)", label, r.Errors, r.Requests, r.FirstErr)
		}
	}

	subRun(tb, "bare", func(tb testing.TB) {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(bareBody))
		}))
		defer hs.Close()
		measure(tb, bareLabel, target{URL: hs.URL + "/"}, "bare net/http handler")
	})
	for _, e := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"SQLite", testdb.SQLite}, {"PostgreSQL", testdb.Postgres}} {
		subRun(tb, e.name, func(tb testing.TB) {
			app := testapp.Start(tb, e.open(tb))
			if e.name == "SQLite" {
				measure(tb, "login page (SQLite)", target{URL: app.URL + "/login"}, `name="password"`)
			}
			off := uncachedServer(tb, app)
			for _, p := range pages {
				t, token := pageTarget(tb, app, p.User, p.Path)
				measure(tb, p.Label+" ("+e.name+")", t, p.Want)
				if uncachedPages[p.Label] {
					t.URL = off + p.Path
					if short {
						if _, err := probe(ctx, t, p.Want); err != nil {
							tb.Fatal(err)
						}
					} else {
						measure(tb, p.Label+", page cache off ("+e.name+")", t, p.Want)
					}
				}
				if b, ok := tb.(*testing.B); ok && !short && p.Path == "/org/2301" {
					anatomies = append(anatomies, anatomy(b, e.name, app, target{URL: off + p.Path, Header: t.Header}, token)...)
				}
			}
		})
	}
	return figs, anatomies
}

// subRun runs fn as a sub-benchmark or a subtest, as tb is.
func subRun(tb testing.TB, name string, fn func(testing.TB)) {
	switch x := tb.(type) {
	case *testing.B:
		x.Run(name, func(b *testing.B) { fn(b) })
	case *testing.T:
		x.Run(name, func(t *testing.T) { fn(t) })
	default:
		tb.Fatalf("subRun: %T", tb)
	}
}

// uncachedServer serves app's database without the page cache, for the
// figures beside the cached ones; it returns its URL.
func uncachedServer(tb testing.TB, app *testapp.App) string {
	cfg := testapp.Config()
	cfg.PageCacheMB = 0
	srv, err := server.New(cfg, app.DB)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler)
	tb.Cleanup(hs.Close)
	return hs.URL
}

const bareLabel = "bare net/http handler"

// pageTarget signs username in and returns path with that session.
func pageTarget(tb testing.TB, app *testapp.App, username, path string) (target, string) {
	c := app.Client(tb)
	c.Login(username)
	u, err := url.Parse(app.URL)
	if err != nil {
		tb.Fatal(err)
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
		tb.Fatal("login set no session cookie")
	}
	return target{URL: app.URL + path, Header: h}, token
}

// httpLine is one figure: label: 4,210 req/s p50 6.12ms p99 19.0ms (0.09× bare).
// CPU per request is the process's (client and handler; a PostgreSQL
// server's own CPU is not in it); its ratio to the bare handler's hardly
// moves when other work competes for the machine, unlike req/s.
func httpLine(f httpFigure, bareRPS float64, bareCPU time.Duration) string {
	r := f.Res
	s := f.Label + ": " + num(int64(r.RPS()+0.5)) + " req/s  p50 " + dur(r.Quantile(0.50)) + "  " + p99(r)
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

// p99 is the 99th percentile when there are samples enough to say (at
// least 1,000), or the slowest of the few there are.
func p99(r loadResult) string {
	if n := len(r.Latencies); n < 1000 {
		return "max of " + num(int64(n)) + " " + dur(r.Quantile(1))
	}
	return "p99 " + dur(r.Quantile(0.99))
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
