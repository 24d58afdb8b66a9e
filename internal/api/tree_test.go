package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/division"
	"halfsky/internal/org"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// treeViews are what a demo account sees of every work line: the totals of
// the lists, which must not change when the tree changes shape above them.
func treeViews(t *testing.T, f *fixture, users ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, u := range users {
		for _, p := range []string{"/api/v1/study", "/api/v1/visits", "/api/v1/needs", "/api/v1/tasks", "/api/v1/problems",
			"/api/v1/aid/applications", "/api/v1/docs?box=received", "/api/v1/orgs?per_page=1"} {
			r := f.as(u).Do("GET", p, nil)
			expect(t, r, 200, "")
			out[u+" "+p] = total(t, r)
		}
	}
	return out
}

// TestImportAboveAMovesEveryRecord is issue 11's first scenario: the city
// is served with its demo work, then its province is imported, which moves
// Harbin (and every record in it) under 黑龙江省. Afterwards no stored path
// disagrees with the tree, and every demo account sees exactly what it saw.
func TestImportAboveMovesEveryRecord(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		svc := f.svc()
		if err := demo.SeedDocuments(ctx, svc, testapp.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedWork(ctx, svc, f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		users := []string{"city.leader", "daoli.leader", "street.staff", "village.staff"}
		before := treeViews(t, f, users...)
		for k, n := range before {
			if n == 0 && k != "city.leader /api/v1/docs?box=received" {
				t.Logf("%s sees nothing before the move", k)
			}
		}
		store := &org.Store{DB: f.app.DB}
		im, err := store.NewImporter(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []division.Division{{Code: "23", Name: "黑龙江省"}, {Code: "2301", Name: "哈尔滨市", Parent: "23"}} {
			if err := im.Add(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if err := im.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if st := im.Stats(); st.Moved != 1 || st.Added != 1 {
			t.Fatalf("import: %s", st)
		}
		harbin, err := store.ByCodeUnscoped(ctx, f.app.DB.Q(), "2301")
		if err != nil || harbin.Depth != 1 {
			t.Fatalf("Harbin after the import: %+v %v", harbin, err)
		}
		stale, err := store.Check(ctx)
		if err != nil || len(stale) != 0 {
			t.Fatalf("records out of step with the tree: %v %v", stale, err)
		}
		// The copies were there to move: each registered table has rows
		// under Harbin's new path.
		for _, c := range org.PathCopies() {
			n := f.count(fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s LIKE ?`, c.Table, c.PathCol), harbin.Path+"%")
			old := f.count(fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s NOT LIKE ?`, c.Table, c.PathCol), harbin.Path+"%")
			if old != 0 {
				t.Errorf("%s.%s: %d rows outside Harbin's new path", c.Table, c.PathCol, old)
			}
			if n == 0 && c.Table != "aid_exports" && c.Table != "aid_followups" {
				t.Errorf("%s.%s: no row to move (the demo should have some)", c.Table, c.PathCol)
			}
		}
		after := treeViews(t, f, users...)
		for k, n := range before {
			if after[k] != n {
				t.Errorf("%s: %d before the move, %d after", k, n, after[k])
			}
		}
		// Issue 11's third scenario: Harbin, no longer a root, still runs
		// its programmes (TestProgrammesBelongToTheirUnit goes through
		// every step: quotas, the approval, the batch, the bank file).
		prog := f.as("city.leader").Do("GET", "/api/v1/aid/programmes/cancer", nil)
		expect(t, prog, 200, "")
		if p := prog.JSON(t)["programme"].(map[string]any); p["can_manage"] != true || p["owner_code"] != "2301" {
			t.Fatalf("Harbin's programme after the move: %v", p)
		}
		year := f.app.Server.Deps.Aid.Year()
		expect(t, f.as("city.leader").Do("POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year,
			"budget": 60_000_000, "opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}), 200, "")
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("after managing the programme: %v %v", stale, err)
		}
	})
}

// TestTreeCheckRepairsOldCopies: a database left by an old version (a move
// that rewrote only the tree) is found out by Check and mended by Repair.
func TestTreeCheckRepairsOldCopies(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := start(t, d)
		ctx := context.Background()
		if err := demo.SeedWork(ctx, f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		f.exec(`UPDATE visits SET org_path = '/999' || org_path`)
		f.exec(`UPDATE study_activities SET org_path = '/1/'`)
		store := &org.Store{DB: d}
		stale, err := store.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		visits, study := f.count(`SELECT COUNT(*) FROM visits`), f.count(`SELECT COUNT(*) FROM study_activities s JOIN orgs o ON o.id = s.org_id WHERE o.path <> '/1/'`)
		want := map[string]int{"visits.org_path": visits, "study_activities.org_path": study}
		if len(stale) != 2 {
			t.Fatalf("check: %v, want %v", stale, want)
		}
		for _, x := range stale {
			if want[x.What] != x.Count {
				t.Errorf("check %s: %d, want %d", x.What, x.Count, want[x.What])
			}
		}
		fixed, err := store.Repair(ctx)
		if err != nil || org.StaleTotal(fixed) != visits+study {
			t.Fatalf("repair: %v %v", fixed, err)
		}
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("after the repair: %v %v", stale, err)
		}
		// The tree's own paths too.
		f.exec(`UPDATE orgs SET path = '/5/' || SUBSTR(path, 2), depth = depth + 1 WHERE code = '230102001'`)
		if stale, _ := store.Check(ctx); len(stale) == 0 || stale[0].What != "orgs.path" {
			t.Fatalf("a broken unit path not found: %v", stale)
		}
		if _, err := store.Repair(ctx); err != nil {
			t.Fatal(err)
		}
		if stale, err := store.Check(ctx); err != nil || len(stale) != 0 {
			t.Fatalf("after repairing the tree: %v %v", stale, err)
		}
	})
}
