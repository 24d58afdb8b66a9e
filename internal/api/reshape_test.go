package api_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/demo"
	"halfsky/internal/org"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// reshapeLists are the lists of every module whose rows a change of the
// tree's shape must keep visible to exactly the right users.
var reshapeLists = []string{"/api/v1/study", "/api/v1/visits", "/api/v1/needs", "/api/v1/tasks", "/api/v1/problems",
	"/api/v1/aid/applications", "/api/v1/docs?box=received", "/api/v1/docs?box=issued", "/api/v1/docs"}

// seenBy is, per list, the ids the user sees.
func (f *fixture) seenBy(user string) map[string][]int64 {
	f.t.Helper()
	out := map[string][]int64{}
	for _, p := range reshapeLists {
		sep := "?"
		if strings.Contains(p, "?") {
			sep = "&"
		}
		r := f.as(user).Do("GET", p+sep+"per_page=200", nil)
		expect(f.t, r, 200, "")
		if total(f.t, r) > 200 {
			f.t.Fatalf("%s: more than a page", p)
		}
		ids := []int64{}
		for _, it := range items(f.t, r) {
			ids = append(ids, int64(it["id"].(float64)))
		}
		slices.Sort(ids)
		out[p] = ids
	}
	return out
}

func union(a, b []int64) []int64 {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// seeded is a fixture with the demo's documents and work.
func seeded(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	if err := demo.SeedDocuments(ctx, f.svc(), testapp.Password, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := demo.SeedWork(ctx, f.svc(), f.app.Server.Deps.Vault, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) treeClean() {
	f.t.Helper()
	stale, err := f.app.Server.Deps.Orgs.Check(context.Background())
	if err != nil || len(stale) != 0 {
		f.t.Fatalf("records out of step with the tree: %v %v", stale, err)
	}
}

// studyRows is the study statistics under a unit, activities by child.
func (f *fixture) studyRows(user, under string) map[string]float64 {
	f.t.Helper()
	r := f.as(user).Do("GET", "/api/v1/study/stats?under="+under, nil)
	expect(f.t, r, 200, "")
	out := map[string]float64{}
	for _, x := range r.JSON(f.t)["rows"].([]any) {
		row := x.(map[string]any)
		out[row["org_code"].(string)] = row["activities"].(float64)
	}
	out["total"] = r.JSON(f.t)["total"].(map[string]any)["activities"].(float64)
	return out
}

// TestMergeThroughTheAPI: street A (兆麟) is merged into street B (新阳路)
// by the district's leader. Every module's records are then visible to
// exactly the right users: B's staff see A's former records, A's former
// staff (now at B, on the session they had) see B's, the district and
// the city see what they saw, the village below A and the district next
// door see what they saw; statistics are by the current tree; the unit's
// answer shows its history.
func TestMergeThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		seeded(t, f)
		f.user("xinyang.staff", "新阳路干部", "230102002", access.Staff)
		users := []string{"xinyang.staff", "street.staff", "village.staff", "daoli.leader", "nangang.leader", "city.leader"}
		before := map[string]map[string][]int64{}
		for _, u := range users {
			before[u] = f.seenBy(u)
		}
		if len(before["street.staff"]["/api/v1/study"]) == 0 || len(before["xinyang.staff"]["/api/v1/visits"]) == 0 {
			t.Fatal("the demo should give both streets records")
		}
		stats := f.studyRows("daoli.leader", "230102")
		r := f.as("daoli.leader").Do("POST", "/api/v1/orgs/230102001/merge", map[string]any{"into": "230102002"})
		expect(t, r, 200, "")
		m := r.JSON(t)["merge"].(map[string]any)
		if m["users"].(float64) < 1 || len(m["children"].([]any)) == 0 || m["into"].(map[string]any)["code"] != "230102002" ||
			m["from"].(map[string]any)["active"] != false {
			t.Fatalf("merge answer: %s", r.Body)
		}
		f.treeClean()
		for _, p := range reshapeLists {
			both := union(before["xinyang.staff"][p], before["street.staff"][p])
			for _, u := range []string{"xinyang.staff", "street.staff"} {
				if got := f.seenBy(u)[p]; !slices.Equal(got, both) {
					t.Errorf("%s %s: %v, want %v", u, p, got, both)
				}
			}
			for _, u := range []string{"village.staff", "daoli.leader", "nangang.leader", "city.leader"} {
				if got := f.seenBy(u)[p]; !slices.Equal(got, before[u][p]) {
					t.Errorf("%s %s: %v after the merge, %v before", u, p, got, before[u][p])
				}
			}
		}
		// Statistics by the current tree: A's activities count in B's row.
		after := f.studyRows("daoli.leader", "230102")
		if _, ok := after["230102001"]; ok || after["230102002"] != stats["230102001"]+stats["230102002"] || after["total"] != stats["total"] {
			t.Fatalf("study statistics under 道里: before %v, after %v", stats, after)
		}
		// The units' answers carry their history.
		r = f.as("daoli.leader").Do("GET", "/api/v1/orgs/230102001", nil)
		expect(t, r, 200, "")
		o := r.JSON(t)
		unit := o["org"].(map[string]any)
		hist := o["history"].([]any)
		if unit["active"] != false || unit["merged_into"].(map[string]any)["code"] != "230102002" || len(hist) != 1 ||
			hist[0].(map[string]any)["kind"] != "merged_into" || hist[0].(map[string]any)["label"] != "撤并" || hist[0].(map[string]any)["by"] != "王丽华" {
			t.Fatalf("the merged unit's answer: %s", r.Body)
		}
		r = f.as("daoli.leader").Do("GET", "/api/v1/orgs/230102002", nil)
		if h := r.JSON(t)["history"].([]any); len(h) != 1 || h[0].(map[string]any)["kind"] != "merged_from" ||
			h[0].(map[string]any)["other"].(map[string]any)["code"] != "230102001" {
			t.Fatalf("B's answer: %s", r.Body)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'org.merge' AND outcome = 'ok' AND object_id = '230102001'`); n != 1 {
			t.Fatalf("audit: %d", n)
		}
	})
}

// TestMoveKeepsNoStaleDesk: a village is moved from 道里 to 南岗; the
// district's work desk (its counters, its latest activities) shows none of
// the village's activities afterwards, and every module's records go with
// the village.
func TestMoveKeepsNoStaleDesk(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		seeded(t, f)
		ctx := context.Background()
		daoli := f.app.Actor(t, "daoli.leader")
		village := f.app.Actor(t, "village.staff")
		desk, err := f.app.Server.Deps.Study.Desk(ctx, daoli)
		if err != nil {
			t.Fatal(err)
		}
		fromVillage := func(ids []int64) []int64 {
			var out []int64
			for _, id := range ids {
				var org int64
				f.app.DB.QueryRow(ctx, `SELECT org_id FROM study_activities WHERE id = ?`, id).Scan(&org)
				if org == village.OrgID {
					out = append(out, id)
				}
			}
			return out
		}
		var latest []int64
		for _, x := range desk.Latest {
			latest = append(latest, x.ID)
		}
		if len(fromVillage(latest)) == 0 {
			t.Fatal("the district's desk should show a village activity among its latest")
		}
		before := f.seenBy("village.staff")
		daoliBefore, nangangBefore := f.seenBy("daoli.leader"), f.seenBy("nangang.leader")
		r := f.as("city.leader").Do("POST", "/api/v1/orgs/230102001001/move", map[string]any{"under": "230103001"})
		expect(t, r, 200, "")
		f.treeClean()
		desk, err = f.app.Server.Deps.Study.Desk(ctx, f.app.Actor(t, "daoli.leader"))
		if err != nil {
			t.Fatal(err)
		}
		latest = nil
		for _, x := range desk.Latest {
			latest = append(latest, x.ID)
		}
		if got := fromVillage(latest); len(got) != 0 {
			t.Fatalf("道里's desk still shows the moved village's activities %v", got)
		}
		if after := f.seenBy("village.staff"); !maps.EqualFunc(after, before, slices.Equal) {
			t.Fatalf("the village's own view changed: %v → %v", before, after)
		}
		// Lists of one unit each: what the village sees went from 道里's
		// view to 南岗's.
		for _, p := range []string{"/api/v1/study", "/api/v1/problems", "/api/v1/aid/applications"} {
			daoliAfter, nangangAfter := f.seenBy("daoli.leader")[p], f.seenBy("nangang.leader")[p]
			for _, id := range before[p] {
				if slices.Contains(daoliAfter, id) || !slices.Contains(nangangAfter, id) {
					t.Errorf("%s %d: 道里 sees it %v, 南岗 %v", p, id, slices.Contains(daoliAfter, id), slices.Contains(nangangAfter, id))
				}
			}
			if len(daoliAfter)+len(nangangAfter) != len(daoliBefore[p])+len(nangangBefore[p]) {
				t.Errorf("%s: %d+%d after, %d+%d before", p, len(daoliAfter), len(nangangAfter), len(daoliBefore[p]), len(nangangBefore[p]))
			}
		}
	})
}

// TestReshapeAPIRefusals: each bad request gets its status, code and the
// field at fault, and changes nothing.
func TestReshapeAPIRefusals(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		d := f.app.DB
		prints := func() map[string]string {
			return testdb.TablePrints(t, d, "audit_events", "audit_head", "sessions", "login_attempts")
		}
		var kids []string
		testdb.EachRow(t, d, `SELECT code FROM orgs WHERE parent_id = (SELECT id FROM orgs WHERE code = '230102001') ORDER BY code`, func(v []string) { kids = append(kids, v[0]) })
		children := map[string]string{}
		for _, k := range kids[1:] {
			children[k] = "230102001"
		}
		newUnit := []map[string]string{{"code": "230102901", "name": "新街道妇联", "kind": "street"}}
		for _, c := range []struct {
			name, as, path string
			body           any
			status         int
			code           string
			fields         []string
		}{
			{"staff", "daoli.staff", "/api/v1/orgs/230102001/move", map[string]any{"under": "230103"}, 403, "forbidden", nil},
			{"the security administrator", "secadmin", "/api/v1/orgs/230102001/rename", map[string]any{"name": "x"}, 403, "forbidden", nil},
			{"out of scope", "nangang.leader", "/api/v1/orgs/230102001/rename", map[string]any{"name": "x"}, 404, "not_found", nil},
			{"no such unit", "city.leader", "/api/v1/orgs/999999/rename", map[string]any{"name": "x"}, 404, "not_found", nil},
			{"a leader's own unit", "daoli.leader", "/api/v1/orgs/230102/rename", map[string]any{"name": "x"}, 403, "not_above", nil},
			{"under a descendant", "city.leader", "/api/v1/orgs/230102/move", map[string]any{"under": "230102001"}, 422, "move_into_subtree", []string{"under"}},
			{"under a unit outside the scope", "daoli.leader", "/api/v1/orgs/230102001/move", map[string]any{"under": "230103"}, 422, "invalid", []string{"under"}},
			{"merge into itself", "daoli.leader", "/api/v1/orgs/230102001/merge", map[string]any{"into": "230102001"}, 422, "merge_into_itself", []string{"into"}},
			{"merge across installations", "admin", "/api/v1/orgs/230102001/merge", map[string]any{"into": "2302"}, 422, "invalid", []string{"into"}},
			{"split missing a child", "daoli.leader", "/api/v1/orgs/230102001/split", map[string]any{"new": newUnit, "children": children}, 422, "invalid", []string{"children." + kids[0]}},
			{"preview missing a child", "daoli.leader", "/api/v1/orgs/230102001/split/preview", map[string]any{"new": newUnit, "children": children}, 422, "invalid", []string{"children." + kids[0]}},
			{"recode to a code in use", "daoli.leader", "/api/v1/orgs/230102001/recode", map[string]any{"new_code": "230102002"}, 409, "code_in_use", []string{"new_code"}},
			{"rename to nothing", "daoli.leader", "/api/v1/orgs/230102001/rename", map[string]any{"name": ""}, 422, "invalid", []string{"name"}},
			{"rename with a NUL", "daoli.leader", "/api/v1/orgs/230102001/rename", map[string]any{"name": "a\x00b"}, 422, "invalid", []string{"name"}},
			{"deactivate with accounts", "daoli.leader", "/api/v1/orgs/230102001001/deactivate", nil, 409, "has_accounts", nil},
			{"an unknown field", "daoli.leader", "/api/v1/orgs/230102001/move", map[string]any{"parent": "230102002"}, 400, "invalid_json", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				client := f.as(c.as) // signed in before the prints: a sign-in changes the account
				before := prints()
				ok := f.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'ok'`)
				r := client.Do("POST", c.path, c.body)
				expect(t, r, c.status, c.code, c.fields...)
				if after := prints(); !maps.Equal(before, after) {
					t.Fatal("a refused request changed the database")
				}
				if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'ok'`); n != ok {
					t.Fatal("a refused request wrote a successful event")
				}
			})
		}
		// Allowed: the preview answers and changes nothing; then each
		// operation answers the unit as it became.
		full := maps.Clone(children)
		full[kids[0]] = "230102901"
		before := prints()
		r := f.as("daoli.leader").Do("POST", "/api/v1/orgs/230102001/split/preview", map[string]any{"new": newUnit, "children": full, "records": "230102901"})
		expect(t, r, 200, "")
		if sp := r.JSON(t)["split"].(map[string]any); r.JSON(t)["preview"] != true || sp["records_to"] != "230102901" || len(sp["children"].([]any)) != len(kids) {
			t.Fatalf("preview: %s", r.Body)
		}
		if !maps.Equal(before, prints()) {
			t.Fatal("the preview changed the database")
		}
		r = f.as("daoli.leader").Do("POST", "/api/v1/orgs/230102001/split", map[string]any{"new": newUnit, "children": full, "records": "230102901"})
		expect(t, r, 200, "")
		if sp := r.JSON(t)["split"].(map[string]any); len(sp["new"].([]any)) != 1 || sp["new"].([]any)[0].(map[string]any)["code"] != "230102901" {
			t.Fatalf("split: %s", r.Body)
		}
		r = f.as("daoli.leader").Do("POST", "/api/v1/orgs/230102901/rename", map[string]any{"name": "兆麟新区街道妇联"})
		expect(t, r, 200, "")
		r = f.as("daoli.leader").Do("POST", "/api/v1/orgs/230102901/recode", map[string]any{"new_code": "230102991"})
		expect(t, r, 200, "")
		if r.JSON(t)["org"].(map[string]any)["code"] != "230102991" {
			t.Fatal(r.Body)
		}
		expect(t, f.as("daoli.leader").Do("GET", "/api/v1/orgs/230102901", nil), 404, "not_found")
		r = f.as("daoli.leader").Do("GET", "/api/v1/orgs/230102991", nil)
		kinds := []string{}
		for _, h := range r.JSON(t)["history"].([]any) {
			kinds = append(kinds, h.(map[string]any)["kind"].(string))
		}
		if !slices.Equal(kinds, []string{"recode", "rename", "split_from"}) {
			t.Fatalf("history: %v", kinds)
		}
		r = f.as("city.leader").Do("POST", "/api/v1/orgs/230102991/move", map[string]any{"under": "230103"})
		expect(t, r, 200, "")
		r = f.as("city.leader").Do("POST", "/api/v1/orgs/"+kids[0]+"/move", map[string]any{"under": "230102001"})
		expect(t, r, 200, "")
		r = f.as("city.leader").Do("POST", "/api/v1/orgs/230102991/deactivate", nil)
		expect(t, r, 200, "")
		if r.JSON(t)["org"].(map[string]any)["active"] != false {
			t.Fatal(r.Body)
		}
		f.treeClean()
		// A deactivated unit takes no new record.
		r = f.as("daoli.staff").Do("POST", "/api/v1/visits", map[string]any{"org_code": "230102XL01", "visited_on": time.Now().Format("2006-01-02"),
			"households": 1, "women": 1, "place": "某处"})
		expect(t, r, 201, "")
		expect(t, f.as("city.leader").Do("POST", "/api/v1/orgs/230102XL01/deactivate", nil), 200, "")
		r = f.as("daoli.staff").Do("POST", "/api/v1/visits", map[string]any{"org_code": "230102XL01", "visited_on": time.Now().Format("2006-01-02"),
			"households": 1, "women": 1, "place": "某处"})
		expect(t, r, 422, "invalid", "org_code")
		if msg := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)["org_code"]; msg != org.InactiveMessage {
			t.Fatalf("message: %v", msg)
		}
		if _, err := f.app.Server.Deps.Orgs.History(context.Background(), f.app.Actor(t, "city.leader"), "230102XL01"); err != nil {
			t.Fatal(err)
		}
	})
}
