package e2e

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/tally"
	"halfsky/internal/testapp"
)

// homeSeedWork puts a little work in the tables, as the modules would: an
// overdue task and a problem to verify for 道里区, an overdue task for the
// demo village, needs and visits over the months for the trend, a red
// problem in 南岗区 and a quota covering 道里区.
func homeSeedWork(t *testing.T, app *testapp.App) {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := func(n int) string { return time.Now().In(loc).AddDate(0, 0, n).Format("2006-01-02") }
	exec := func(q string, args ...any) {
		if _, err := app.DB.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(code string) (int64, string) {
		var id int64
		var path string
		if err := app.DB.QueryRow(ctx, `SELECT id, path FROM orgs WHERE code = ?`, code).Scan(&id, &path); err != nil {
			t.Fatal(err)
		}
		return id, path
	}
	var staff, village int64
	if err := app.DB.QueryRow(ctx, `SELECT (SELECT id FROM users WHERE username = 'daoli.staff'),
		(SELECT id FROM users WHERE username = 'village.staff')`).Scan(&staff, &village); err != nil {
		t.Fatal(err)
	}
	dID, dPath := ids("230102")
	vID, vPath := ids("230102001001")
	nID, nPath := ids("230103")
	task := `INSERT INTO tasks (org_id, org_path, title, owner_id, owner_name, starts_on, due_on, status, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, '负责同志', ?, ?, 'todo', ?, 0, 0)`
	exec(task, dID, dPath, "为困难妇女申请临时救助", staff, day(-30), day(-2), staff)
	exec(task, vID, vPath, "联系技能培训班名额", village, day(-30), day(-1), village)
	problem := `INSERT INTO problems (org_id, org_path, category, source, description, measures, responsible, mode, found_on,
		due_on, status, applied_at, created_by, created_at, updated_at)
		VALUES (?, ?, ?, 'self', ?, '整改措施', '责任人', 'deadline', ?, ?, ?, ?, ?, 0, 0)`
	exec(problem, vID, vPath, "leisure", "活动娱乐化，脱离妇女需求", day(-60), day(-5), "applied", time.Now().UnixMilli(), staff)
	exec(problem, nID, nPath, "organ", "机关化，下基层少", day(-60), day(-3), "open", nil, staff)
	exec(problem, dID, dPath, "style", "作风不实", day(-60), day(4), "open", nil, staff)
	for i, cat := range []string{"employment", "family", "rights", "hardship", "employment"} {
		on := day(-30 * i)
		exec(`INSERT INTO visits (org_id, org_path, cadre_id, cadre_name, visited_on, women, created_at, updated_at)
			VALUES (?, ?, ?, '陈静', ?, ?, 0, 0)`, vID, vPath, staff, on, 5+i)
		exec(`INSERT INTO needs (origin_org_id, origin_path, org_id, org_path, category, urgency, summary, consent, status,
			recorded_by, recorded_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'normal', '诉求', 0, 'open', ?, ?, 0, 0)`,
			vID, vPath, dID, dPath, cat, staff, on)
	}
	exec(`INSERT INTO study_activities (org_id, org_path, kind, held_on, topic, participants, created_by, created_at, updated_at)
		VALUES (?, ?, 'study', ?, '学习中央党的群团工作会议精神', 40, ?, 0, 0)`, dID, dPath, day(-3), staff)
	exec(`INSERT INTO quotas (org_id, org_path, set_by_org, metric, target, starts_on, ends_on, title, created_by, created_at)
		VALUES (?, ?, ?, 'women', 40, ?, ?, '每名执委联系妇女', ?, 0)`, dID, dPath, dID, day(-90), day(30), staff)
	// Written past the modules: their counters are counted again.
	if _, err := tally.Rebuild(ctx, app.DB); err != nil {
		t.Fatal(err)
	}
}

// homeChartsReady waits until charts.js has drawn every chart on the page.
func homeChartsReady(p *Page) int {
	p.t.Helper()
	for i := 0; i < 100; i++ {
		n := Eval[[]int](p, `[document.querySelectorAll("[data-chart]").length, document.querySelectorAll("[data-chart-ready='1']").length]`)
		if n[0] > 0 && n[0] == n[1] {
			return n[1]
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.fatal("the charts were not drawn")
	return 0
}

// TestHomeDesk: the city's home draws its three charts beside their
// tables; the village cadre's home shows her due task first and no charts;
// neither scrolls sideways on a phone, and no console errors.
func TestHomeDesk(t *testing.T) {
	t.Parallel()
	app := sqliteApp(t)
	homeSeedWork(t, app)
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		p := NewPage(t, app.URL, vp)
		signIn(t, p, "city.leader")
		if n := homeChartsReady(p); n != 3 {
			p.fatal("city home: %d charts drawn, want 3", n)
		}
		wantContains(t, p, "verify", p.Text("#todo-verify"), "活动娱乐化")
		wantContains(t, p, "roll-up", p.Text("#rollup"), "南岗区")
		checkLayout(t, p, "home-city", true)
		p.Logout()

		signIn(t, p, "village.staff")
		wantContains(t, p, "village tasks", p.Text("#todo-tasks"), "联系技能培训班名额")
		if p.Has("[data-chart]") || p.Has("#todo-verify") {
			p.fatal("the village's home has charts or a verify list")
		}
		if top := Eval[bool](p, `document.querySelector("#todo-tasks").getBoundingClientRect().top < document.querySelector("#work").getBoundingClientRect().top`); !top {
			p.fatal("the village's due items are not above its numbers")
		}
		checkLayout(t, p, "home-village", true)
	})
}
