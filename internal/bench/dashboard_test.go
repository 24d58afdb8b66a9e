package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/doc"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/server"
	"halfsky/internal/tally"
	"halfsky/internal/testapp"
)

// BenchmarkDashboard measures the 督办 status dashboard — server time, from
// the request entering halfsky's handler to the last byte of the page —
// for a requirement sent to every Harbin unit, and (with the national data)
// to every unit of the country. Beside it, at each level of the tree, the
// domain call reading the counters (report.Dashboard, internal/tally) and
// the raw recount over the subtree (report.DashboardRecount, what it did
// before the counters), in the same run; the two must agree.
func BenchmarkDashboard(b *testing.B) {
	printEnv()
	summary := perEngine(b, "/harbin", harbinDashboard)
	if dir := os.Getenv("HALFSKY_DIVISIONS_DIR"); dir != "" {
		summary = append(summary, perEngine(b, "/national", func(b *testing.B, engine string, d *db.DB) []string {
			return nationalDashboard(b, engine, d, dir)
		})...)
	} else {
		summary = append(summary, "national dashboard skipped: HALFSKY_DIVISIONS_DIR is not set (`make bench` sets it)")
	}
	printSummary("dashboard summary", summary)
}

// sendToAll drafts, reviews, signs and issues a notice from the issuer's
// staff to every unit below it (each child's whole subtree), with one
// reporting requirement, and returns the document, the requirement and how
// long the issue took.
func sendToAll(b testing.TB, ctx context.Context, d *db.DB, issuer org.Org, staff, office, leader access.Actor, due string) (doc.Document, report.Requirement, time.Duration) {
	orgs := &org.Store{DB: d}
	docs := doc.NewService(d, orgs)
	reps := report.NewService(d, orgs, docs)
	report.Wire(docs, reps)
	rows, err := d.Query(ctx, `SELECT code FROM orgs WHERE parent_id = ? ORDER BY code`, issuer.ID)
	if err != nil {
		b.Fatal(err)
	}
	var targets []doc.Target
	for rows.Next() {
		var code string
		rows.Scan(&code)
		targets = append(targets, doc.Target{Unit: code, Subtree: true})
	}
	rows.Close()
	f := doc.Fields{Type: "通知", IssuerMark: doc.FullName(issuer.Name) + "文件", Abbr: "测妇发", Title: "关于报送学习贯彻情况的通知",
		Recipients: "各级妇联", RecipientSpec: targets, Body: []string{"请各级妇联报送学习贯彻情况。"}, Signature: doc.FullName(issuer.Name), Seal: true}
	dd, err := docs.Create(ctx, staff, f)
	if err != nil {
		b.Fatal(err)
	}
	req, err := reps.AddRequirement(ctx, staff, dd.ID, report.RequirementInput{Title: "学习贯彻情况", Department: "宣传部", DueDate: due,
		Fields: []report.Field{{Key: "sessions", Label: "场次", Unit: "场"}}})
	if err != nil {
		b.Fatal(err)
	}
	for _, step := range []error{docs.Submit(ctx, staff, dd.ID), docs.Review(ctx, office, dd.ID, true, ""), docs.Sign(ctx, leader, dd.ID, "")} {
		if step != nil {
			b.Fatal(step)
		}
	}
	start := time.Now()
	dd, err = docs.Issue(ctx, staff, dd.ID)
	if err != nil {
		b.Fatal(err)
	}
	return dd, req, time.Since(start)
}

// spread puts the reports in realistic states, deterministically by unit:
// 70% signed for, 40% submitted, 20% accepted, 2% returned.
func spread(b *testing.B, ctx context.Context, d *db.DB, dd doc.Document, req report.Requirement) {
	now := db.Millis(time.Now())
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE document_recipients SET signed_at = ? WHERE doc_id = ? AND org_id % 10 < 7`, []any{now, dd.ID}},
		{`UPDATE reports SET received_at = ? WHERE requirement_id = ? AND org_id % 10 < 7`, []any{now, req.ID}},
		{`UPDATE reports SET status = 'submitted', submitted_at = ? WHERE requirement_id = ? AND org_id % 10 < 4`, []any{now, req.ID}},
		{`UPDATE reports SET status = 'accepted', submitted_at = ? WHERE requirement_id = ? AND org_id % 10 IN (4, 5)`, []any{now, req.ID}},
		{`UPDATE reports SET status = 'returned' WHERE requirement_id = ? AND org_id % 50 = 7`, []any{req.ID}},
	} {
		if _, err := d.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
}

// serverTimes requests a page n times through the whole handler (session,
// middleware, domain, template) without a network, and returns the times.
func serverTimes(b *testing.B, h http.Handler, token, path string, n int) []time.Duration {
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: token})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		out = append(out, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
		}
	}
	return out
}

// timeLine is a page's server times: p99 only from 1,000 requests or
// more, the slowest of them otherwise (spreadLine).
func timeLine(label string, ts []time.Duration) string {
	return fmt.Sprintf("%s: %s, server time", label, spreadLine(ts))
}

func harbinDashboard(b *testing.B, engine string, d *db.DB) []string {
	ctx := context.Background()
	app := testapp.Start(b, d)
	svc := app.Server.Deps.Auth
	actor := func(username string) access.Actor {
		u, err := svc.UserByUsername(ctx, username)
		if err != nil {
			b.Fatal(err)
		}
		return u.Actor("")
	}
	city, _ := app.Server.Deps.Orgs.ByCodeUnscoped(ctx, d.Q(), "2301")
	due := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	dd, req, issueTime := sendToAll(b, ctx, d, city, actor("city.staff"), actor("city.office"), actor("city.leader"), due)
	spread(b, ctx, d, dd, req)
	rebuilt := rebuild(b, ctx, d)
	res, err := svc.Login(ctx, "city.staff", testapp.Password, "", "127.0.0.1", "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var units int
	d.QueryRow(ctx, `SELECT COUNT(*) FROM reports WHERE requirement_id = ?`, req.ID).Scan(&units)
	base := "/docs/" + strconv.FormatInt(dd.ID, 10) + "/requirements/" + strconv.FormatInt(req.ID, 10)
	lines := []string{fmt.Sprintf("%s Harbin: issued to %s units in %s (counters filled in the same transaction)", engine, num(int64(units)), dur(issueTime)),
		engine + " Harbin: " + rebuilt}
	reps := app.Server.Deps.Reports
	for _, l := range []struct{ label, under string }{{"city 2301", ""}, {"district 230102 道里区", "230102"}} {
		lines = append(lines, engine+" Harbin "+compareDashboard(b, ctx, reps, actor("city.staff"), dd.ID, req.ID, l.label, l.under, 1000, 100))
		printf("   %s\n", lines[len(lines)-1])
	}
	for _, p := range []struct{ label, path string }{
		{"dashboard page, city level (roll-up of the 32 units under the city + first page of units)", base},
		{"dashboard page, drill-down to 道里区 230102", base + "?under=230102"},
		{"dashboard page, overdue filter", base + "?state=overdue"},
		{"JSON status, city level", "/api/v1" + base + "/status"},
	} {
		lines = append(lines, engine+" Harbin "+timeLine(p.label, serverTimes(b, app.Server.Handler, res.Token, p.path, 100)))
		printf("   %s\n", lines[len(lines)-1])
	}
	b.ReportMetric(float64(units), "units")
	return lines
}

// nationalDashboard imports the whole country, puts a national federation
// (全国妇联) above the provinces, sends it a requirement for every unit and
// times the dashboard at national, provincial and city level.
func nationalDashboard(b *testing.B, engine string, d *db.DB, dir string) []string {
	ctx := context.Background()
	store := &org.Store{DB: d}
	start := time.Now()
	im, err := store.NewImporter(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := division.ReadDist(dir, "", func(dv division.Division) error { return im.Add(ctx, dv) }); err != nil {
		b.Fatal(err)
	}
	if err := im.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	lines := []string{fmt.Sprintf("%s national: imported %s units in %s", engine, num(int64(im.Stats().Added)), dur(time.Since(start)))}
	root := nationalRoot(b, ctx, d, store)
	if err := im.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	svc := auth.NewService(d, store)
	mk := func(name string, role access.Role) access.Actor {
		u, err := svc.CreateUserAsOperator(ctx, auth.NewUser{Username: name, DisplayName: name, Password: testapp.Password, OrgCode: root.Code, Role: role})
		if err != nil {
			b.Fatal(err)
		}
		return u.Actor("")
	}
	staff, office, leader := mk("cn.staff", access.Staff), mk("cn.office", access.Staff), mk("cn.leader", access.Leader)
	due := time.Now().AddDate(0, 0, 2).Format("2006-01-02")
	dd, req, issueTime := sendToAll(b, ctx, d, root, staff, office, leader, due)
	spread(b, ctx, d, dd, req)
	var units int
	d.QueryRow(ctx, `SELECT COUNT(*) FROM reports WHERE requirement_id = ?`, req.ID).Scan(&units)
	line := fmt.Sprintf("%s national: issued to %s units in %s (counters filled in the same transaction)", engine, num(int64(units)), dur(issueTime))
	printf("   %s\n", line)
	lines = append(lines, line)
	lines = append(lines, engine+" national: "+rebuild(b, ctx, d))
	printf("   %s\n", lines[len(lines)-1])
	if d.Dialect == db.Postgres {
		d.Exec(ctx, `VACUUM (ANALYZE) reports`)
		d.Exec(ctx, `VACUUM (ANALYZE) document_recipients`)
		d.Exec(ctx, `VACUUM (ANALYZE) tallies`)
	} else {
		d.Exec(ctx, `ANALYZE`)
	}
	reps := report.NewService(d, store, doc.NewService(d, store))
	for _, l := range []struct {
		label, under string
		raw          int
	}{{"national (31 provinces)", "", 3}, {"province 23 黑龙江", "23", 10}, {"city 2301 哈尔滨", "2301", 30}, {"county 230102 道里区", "230102", 100}} {
		l := engine + " national " + compareDashboard(b, ctx, reps, staff, dd.ID, req.ID, l.label, l.under, 1000, l.raw)
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	server, err := server.New(testapp.Config(), d)
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	srv := server.Handler
	res, err := svc.Login(ctx, "cn.staff", testapp.Password, "", "127.0.0.1", "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	base := "/docs/" + strconv.FormatInt(dd.ID, 10) + "/requirements/" + strconv.FormatInt(req.ID, 10)
	for _, p := range []struct {
		label, path string
		n           int
	}{
		{"dashboard page, national level (31 provinces, " + num(int64(units)) + " units)", base, 10},
		{"dashboard page, province 23 黑龙江", base + "?under=23", 30},
		{"dashboard page, city 2301 哈尔滨", base + "?under=2301", 50},
		{"JSON status, national level", "/api/v1" + base + "/status", 10},
	} {
		l := engine + " national " + timeLine(p.label, serverTimes(b, srv, res.Token, p.path, p.n))
		printf("   %s\n", l)
		lines = append(lines, l)
	}
	return lines
}

// rebuild recomputes every counter from the records — spread changed the
// reports behind the services' back — and says how long it took.
func rebuild(b *testing.B, ctx context.Context, d *db.DB) string {
	start := time.Now()
	n, err := tally.Rebuild(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	return fmt.Sprintf("halfsky stats rebuild: %s counter rows from the records in %s", num(n), dur(time.Since(start)))
}

// compareDashboard times the dashboard's domain call under a node: from
// the counters n times, recounted from the reports raw times; it fails
// unless both give the same totals and rows.
func compareDashboard(b *testing.B, ctx context.Context, reps *report.Service, a access.Actor, docID, reqID int64, label, under string, n, raw int) string {
	var counted, recounted []time.Duration
	var got, want report.Dashboard
	var err error
	for range n {
		start := time.Now()
		if got, err = reps.Dashboard(ctx, a, docID, reqID, under); err != nil {
			b.Fatal(err)
		}
		counted = append(counted, time.Since(start))
	}
	for range raw {
		start := time.Now()
		if want, err = reps.DashboardRecount(ctx, a, docID, reqID, under); err != nil {
			b.Fatal(err)
		}
		recounted = append(recounted, time.Since(start))
	}
	if !reflect.DeepEqual(got.Totals, want.Totals) || !reflect.DeepEqual(got.Groups, want.Groups) {
		b.Fatalf("%s: the counters' dashboard differs from the recount:\n%+v\n%+v", label, got.Totals, want.Totals)
	}
	return fmt.Sprintf("dashboard %s, %s units: counters %s | raw recount %s | %.0f× faster", label, num(int64(got.Totals.Total)),
		spreadLine(counted), spreadLine(recounted), float64(median(recounted))/float64(max(1, median(counted))))
}

func median(ts []time.Duration) time.Duration {
	s := slices.Clone(ts)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// spreadLine is "p50 X p99 Y (N)", or "p50 X max Y (of N)" with fewer than
// 1,000 samples.
func spreadLine(ts []time.Duration) string {
	s := slices.Clone(ts)
	slices.Sort(s)
	if len(s) >= 1000 {
		return fmt.Sprintf("p50 %s p99 %s (%d)", dur(quantile(s, 0.5)), dur(quantile(s, 0.99)), len(s))
	}
	return fmt.Sprintf("p50 %s max %s (of %d)", dur(quantile(s, 0.5)), dur(s[len(s)-1]), len(s))
}

// nationalRoot adds 全国妇联 above the provinces (the importer's roots).
func nationalRoot(b testing.TB, ctx context.Context, d *db.DB, store *org.Store) org.Org {
	now := db.Millis(time.Now())
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, err = db.InsertID(ctx, tx, `INSERT INTO orgs (code, name, kind, path, depth, sort_key, created_at, updated_at)
			VALUES ('CN', '全国妇联', 'province', 'pending', 0, '0', ?, ?)`, now, now)
		if err != nil {
			return err
		}
		prefix := "/" + strconv.FormatInt(id, 10)
		if _, err := tx.Exec(ctx, `UPDATE orgs SET path = CAST(? AS TEXT) || path, depth = depth + 1 WHERE id <> ?`, prefix, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE orgs SET parent_id = ? WHERE parent_id IS NULL AND id <> ?`, id, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE orgs SET path = ? WHERE id = ?`, prefix+"/", id)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	o, err := store.ByID(ctx, d.Q(), id)
	if err != nil {
		b.Fatal(err)
	}
	return o
}
