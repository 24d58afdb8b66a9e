package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/tally"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// homeSeed puts work records straight into the tables, as the work
// modules would: 道里区 (230102) has an overdue and a near task of its own
// and a problem its village applied to close; the village has a task of
// its own past due; 南岗区 has a red problem; a quota covers 道里区.
type homeSeed struct {
	t   *testing.T
	app *testapp.App
}

func (s homeSeed) exec(query string, args ...any) {
	s.t.Helper()
	if _, err := s.app.DB.Exec(context.Background(), query, args...); err != nil {
		s.t.Fatal(err)
	}
}

// unit returns a unit's id and path; user an account's id.
func (s homeSeed) unit(code string) (int64, string) {
	o, err := s.app.Server.Deps.Orgs.ByCodeUnscoped(context.Background(), s.app.DB.Q(), code)
	if err != nil {
		s.t.Fatal(err)
	}
	return o.ID, o.Path
}

func (s homeSeed) user(name string) int64 {
	u, err := s.app.Server.Deps.Auth.UserByUsername(context.Background(), name)
	if err != nil {
		s.t.Fatal(err)
	}
	return u.ID
}

func (s homeSeed) task(code, title, owner string, due int) {
	id, path := s.unit(code)
	by := s.user(owner)
	s.exec(`INSERT INTO tasks (org_id, org_path, title, owner_id, owner_name, starts_on, due_on, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, '负责同志', ?, ?, 'todo', ?, 0, 0)`, id, path, title, by, shanghaiDay(-30), shanghaiDay(due), by)
}

func (s homeSeed) problem(code, desc, status string, due int) {
	id, path := s.unit(code)
	s.exec(`INSERT INTO problems (org_id, org_path, category, source, description, measures, responsible, mode, found_on,
		due_on, status, applied_at, created_by, created_at, updated_at)
		VALUES (?, ?, 'organ', 'self', ?, '整改措施', '责任人', 'deadline', ?, ?, ?, ?, ?, 0, 0)`,
		id, path, desc, shanghaiDay(-60), shanghaiDay(due), status, time.Now().UnixMilli(), s.user("city.staff"))
}

func (s homeSeed) all() {
	s.task("230102", "区妇联逾期实事", "daoli.staff", -2)
	s.task("230102", "区妇联临近实事", "daoli.staff", 1)
	s.task("230102001001", "村妇联逾期实事", "village.staff", -5)
	s.problem("230102001001", "村妇联活动娱乐化已整改", "applied", -1)
	s.problem("230103", "南岗区机关化问题", "open", -3)
	id, path := s.unit("230102")
	s.exec(`INSERT INTO quotas (org_id, org_path, set_by_org, metric, target, starts_on, ends_on, title, created_by, created_at)
		VALUES (?, ?, ?, 'visits', 4, ?, ?, '每月走访', ?, 0)`, id, path, id, shanghaiDay(-10), shanghaiDay(20), s.user("daoli.leader"))
	vid, vpath := s.unit("230102001001")
	s.exec(`INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, visited_on, women, created_at, updated_at)
		VALUES (?, ?, ?, '陈静', ?, 8, 0, 0)`, vid, vpath, s.user("daoli.staff"), shanghaiDay(-1))
	// Written past the modules: their counters are counted again.
	if _, err := tally.Rebuild(context.Background(), s.app.DB); err != nil {
		s.t.Fatal(err)
	}
}

// homeCSPClean checks the page carries nothing the CSP would block.
func homeCSPClean(t *testing.T, body string) {
	t.Helper()
	if regexp.MustCompile(`(?i)\sstyle=|<style|\son[a-z]+=`).MatchString(body) {
		t.Error("inline style or handler on the home page")
	}
	for _, m := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(m, " src=") {
			t.Errorf("inline script %s", m)
		}
	}
}

// TestHomeWork: the district's home lists its overdue and near tasks and
// the village's application to verify, its quota with progress, and the
// roll-up with charts; the village sees only its own task, no one else's
// and no charts; the city sees 南岗's red problem in its roll-up; the
// administrators' home has no work data at all.
func TestHomeWork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		homeSeed{t: t, app: app}.all()

		daoli := signIn(t, app, "daoli.staff").get("/", http.StatusOK)
		must(t, daoli, `id="todo-tasks"`, "区妇联逾期实事", "区妇联临近实事", `badge badge-red">逾期`, `badge badge-yellow">`,
			`id="todo-verify"`, "村妇联活动娱乐化已整改", `href="/problems/verify"`,
			`id="todo-quotas"`, "每月走访", `aria-valuenow="25"`, `meter-bar w-25`, `href="/visits/quotas"`,
			`id="rollup"`, `data-chart="`, "vendor/echarts.min.js", `id="trend-table"`)
		mustNot(t, daoli, "村妇联逾期实事", "南岗区机关化问题")
		if !regexp.MustCompile(`id="stat-overdue-tasks"><span class="stat-value">2<`).MatchString(daoli) {
			t.Errorf("district's overdue tasks are not 2\n%s", excerpt(daoli))
		}
		homeCSPClean(t, daoli)

		village := signIn(t, app, "village.staff").get("/", http.StatusOK)
		must(t, village, "村妇联逾期实事", `id="todo-quotas"`, `aria-valuenow="0"`)
		mustNot(t, village, "区妇联逾期实事", "区妇联临近实事", `id="todo-verify"`, "南岗区机关化问题", `data-chart=`, "echarts")
		if i, j := strings.Index(village, `id="todo-tasks"`), strings.Index(village, `id="work"`); i < 0 || j < i {
			t.Error("the village's due items are not above its numbers")
		}

		city := signIn(t, app, "city.leader").get("/", http.StatusOK)
		must(t, city, `id="todo-verify"`, "村妇联活动娱乐化已整改", `data-label="红灯问题">1<`, `href="/org/230103"`)
		mustNot(t, city, `id="todo-tasks"`, `id="todo-quotas"`)

		adm := app.Client(t)
		adm.LoginAdmin("admin")
		r := adm.Do("GET", "/", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("admin home: %d", r.Status)
		}
		mustNot(t, r.Body, `id="work"`, `id="todo-tasks"`, `id="todo-verify"`, "区妇联逾期实事", "村妇联", "data-chart")
	})
}

// TestAuditorDeskAlerts: an alert of the last week is on the auditor's
// desk, with a way to all alerts; no one else's desk
// has the block.
func TestAuditorDeskAlerts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		ctx := context.Background()
		probe := audit.Event{Username: "village.staff", Action: audit.AlertPrefix + "aid_duplicate_probes", ObjectType: "user",
			ObjectID: "11", Outcome: audit.Denied, Detail: "user=village.staff probes=20 limit=20"}
		if err := audit.Log(ctx, app.DB, probe); err != nil {
			t.Fatal(err)
		}
		page := signInAdmin(t, app, "auditor").get("/", http.StatusOK)
		must(t, page, `id="audit-alerts"`, "近 7 天警报（1）", "probes=20", `href="/audit?action=alert."`)
		mustNot(t, signIn(t, app, "city.leader").get("/", http.StatusOK), `id="audit-alerts"`)
		mustNot(t, signInAdmin(t, app, "secadmin").get("/", http.StatusOK), `id="audit-alerts"`)
	})
}
