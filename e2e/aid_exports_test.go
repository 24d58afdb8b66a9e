package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"halfsky/internal/demo"
)

// TestAidExportInBrowser: at each width, 道里's staffer goes from the
// filtered application list to the unmasked-export request and asks with
// a reason; 道里's leader approves it from her queue; the staffer finds
// the one-time download. No page scrolls sideways on a phone; no console
// errors or CSP violations.
func TestAidExportInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		if err := demo.SeedWork(context.Background(), app.Server.Deps.Auth, app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		p := NewPage(t, app.URL, vp)

		signIn(t, p, "daoli.staff")
		if st := p.Open("/aid?programme=cancer"); st != 200 {
			p.fatal("关爱救助: status %d", st)
		}
		noSideScroll(p, "the application list")
		if st := p.ClickNav("#export-full"); st != 200 {
			p.fatal("申请导出完整信息: status %d", st)
		}
		wantContains(t, p, "what is exported", p.Text("#export-summary"), "两癌救助")
		noSideScroll(p, "the export request form")
		if st := p.ClickNav("#request-export"); st != 422 {
			p.fatal("request without a reason: status %d, want 422", st)
		}
		wantContains(t, p, "reason error", p.Text("#f-reason-error"), "请填写导出原因")
		p.Fill("#f-reason", "交区财政局核对发放名单")
		aidStep(p, "#request-export", "已提交导出申请")
		var id int64
		if err := app.DB.QueryRow(context.Background(), `SELECT MAX(id) FROM aid_exports`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		sid := strconv.FormatInt(id, 10)
		wantContains(t, p, "my request", p.Text("#export-status-"+sid), "待审批")
		noSideScroll(p, "my export requests")
		p.Logout()

		signIn(t, p, "daoli.leader")
		if st := p.Open("/aid/exports"); st != 200 {
			p.fatal("导出审批: status %d", st)
		}
		wantContains(t, p, "waiting", p.Text("#waiting-"+sid), "交区财政局核对发放名单")
		noSideScroll(p, "the leader's queue")
		p.Screenshot("queue")
		p.Fill("#f-note-"+sid, "同意，用后即删")
		aidStep(p, "#approve-"+sid, "已批准")
		p.Logout()

		signIn(t, p, "daoli.staff")
		if st := p.Open("/aid/exports"); st != 200 {
			p.fatal("导出审批: status %d", st)
		}
		if !p.Visible("#download-" + sid) {
			p.fatal("no download link after the approval")
		}
		wantContains(t, p, "approved", p.Text("#export-status-"+sid), "已批准")
		noSideScroll(p, "the approved request")
		p.CheckConsole()
	})
}
