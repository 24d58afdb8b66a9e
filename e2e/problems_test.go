package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestProblemLoopInBrowser is the scenario for the 问题整改台账 at
// each width: 陈静 (daoli.staff) records a 限期整改 problem, adds progress
// with a photo as evidence and applies to close it; 刘洋 (city.staff)
// returns it with a reason; 陈静 applies again; 刘洋 closes it. 陈静 never
// gets a close button, and a forged close POST is refused.
func TestProblemLoopInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) { problemLoop(t, sqliteApp(t), vp) })
}

// TestPostgresProblemLoop is the same over PostgreSQL, at the desktop
// viewport (OnDesktop; skipped without a test cluster unless the run
// requires every database).
func TestPostgresProblemLoop(t *testing.T) {
	t.Parallel()
	OnDesktop(t, func(t *testing.T, vp Viewport) { problemLoop(t, testapp.Start(t, testdb.Postgres(t)), vp) })
}

func problemLoop(t *testing.T, app *testapp.App, vp Viewport) {
	t.Helper()
	p := NewPage(t, app.URL, vp)
	now := shanghaiNow(t)
	today, due := now.Format("2006-01-02"), now.AddDate(0, 1, 0).Format("2006-01-02")

	signIn(t, p, "daoli.staff")
	if st := p.Nav("/problems"); st != 200 {
		p.fatal("整改台账: status %d", st)
	}
	if st := p.ClickNav("#new-problem"); st != 200 {
		p.fatal("登记问题: status %d", st)
	}
	setSelect(p, "#f-category", "organ")
	setSelect(p, "#f-source", "public")
	p.Fill("#f-description", "区妇联机关干部下基层少，联系社区妇联主要靠电话和微信群")
	p.Fill("#f-measures", "实行机关干部包街道、包社区制度")
	p.Fill("#f-responsible", "王丽华")
	setSelect(p, "#f-mode", "deadline")
	p.FillDate("#f-found_on", today)
	p.FillDate("#f-due_on", due)
	noSideScroll(p, "the problem form")
	p.Screenshot("form")
	// 限期整改 without a plan is refused beside the field.
	if st := p.ClickNav("#save-problem"); st != 422 {
		p.fatal("save without a plan: status %d, want 422", st)
	}
	wantContains(t, p, "plan error", p.Text("#f-plan-error"), "限期整改须拿出整改计划")
	p.Fill("#f-plan", "两周内完成包片分工，此后每周三下基层")
	if st := p.ClickNav("#save-problem"); st != 200 {
		p.fatal("save: status %d", st)
	}
	success(p, "问题已登记")
	path := p.Path()
	if !regexp.MustCompile(`^/problems/\d+$`).MatchString(path) {
		p.fatal("after saving at %s", path)
	}

	// Progress with a photo as evidence, then 申请销号.
	photo := filepath.Join(t.TempDir(), "走访记录.png")
	if err := os.WriteFile(photo, []byte("\x89PNG\r\n\x1a\n0000000000000000"), 0o600); err != nil {
		t.Fatal(err)
	}
	p.Fill("#f-progress-note", "包片分工已完成，9 名干部分别联系 9 个街道")
	p.do("choose evidence", chromedp.SetUploadFiles(chromedp.CSS("#f-progress-files"), []string{photo}))
	if st := p.ClickNav("#add-progress"); st != 200 {
		p.fatal("提交进展: status %d", st)
	}
	success(p, "已记录整改进展")
	wantContains(t, p, "timeline", p.Text("#timeline"), "走访记录.png")
	apply(t, p, "包片制度已建立并运行")
	if p.Has("#close-form") || p.Has("#close-problem") {
		p.fatal("the district sees a close button on its own problem")
	}
	// A forged close from the district's own session is refused.
	forgedClose(t, p, path)
	p.Logout()

	// The city returns it with a reason.
	signIn(t, p, "city.staff")
	if st := p.Open("/problems/verify"); st != 200 {
		p.fatal("待我审核: status %d", st)
	}
	noSideScroll(p, "the verifier's queue")
	if st := p.ClickNav(`#problems a[href="` + path + `"]`); st != 200 {
		p.fatal("open from the queue: status %d", st)
	}
	wantContains(t, p, "evidence", p.Text("#timeline"), "走访记录.png")
	noSideScroll(p, "the problem page")
	p.Screenshot("verify")
	p.Fill("#f-return-reason", "缺少走访记录佐证，请补充")
	if st := p.ClickNav("#return-problem"); st != 200 {
		p.fatal("退回: status %d", st)
	}
	success(p, "已退回")
	p.Logout()

	// The district sees why and applies again.
	signIn(t, p, "daoli.staff")
	p.Open(path)
	wantContains(t, p, "return reason", p.Text("#return-reason"), "缺少走访记录佐证")
	apply(t, p, "已补充 5 周走访记录")
	p.Logout()

	// The city closes it.
	signIn(t, p, "city.staff")
	p.Open(path)
	if st := p.ClickNav("#close-problem"); st != 200 {
		p.fatal("销号: status %d", st)
	}
	success(p, "已审核销号")
	wantContains(t, p, "status", p.Text("#problem-status"), "已销号")
	if st := p.Open("/problems/stats"); st != 200 {
		p.fatal("统计: status %d", st)
	}
	wantContains(t, p, "道里 row", p.Text("#unit-230102"), "100.0%")
	noSideScroll(p, "the roll-up")
	p.Screenshot("stats")
	p.CheckConsole()
}

func setSelect(p *Page, sel, value string) {
	p.t.Helper()
	p.do("select "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// apply fills and sends the 申请销号 form.
func apply(t *testing.T, p *Page, note string) {
	p.t.Helper()
	p.Fill("#f-apply-note", note)
	if st := p.ClickNav("#apply-problem"); st != 200 {
		p.fatal("申请销号: status %d", st)
	}
	success(p, "已申请销号")
	wantContains(t, p, "status", p.Text("#problem-status"), "申请销号")
}

// forgedClose posts the close form by hand from the page and checks the
// refusal and that the problem is still waiting.
func forgedClose(t *testing.T, p *Page, path string) {
	p.t.Helper()
	body, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`fetch(`+quote(path+"/close")+`, {method: "POST",
  body: new URLSearchParams({note: "自行销号"})}).then(function (r) { return r.text(); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fatal("forged close: %v", err)
	}
	wantContains(t, p, "forged close", body, "不能自行销号")
	p.Open(path)
	wantContains(t, p, "status after a forged close", p.Text("#problem-status"), "申请销号")
}
