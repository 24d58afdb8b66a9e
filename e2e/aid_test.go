package e2e

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"halfsky/internal/aid"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestAidLoopInBrowser is the 两癌 scenario at each width: 村
// (village.staff) enters an application with a valid ID number (after a
// wrong check digit is refused beside the field), uploads the required
// documents (after a submission without them and a wrong file are
// refused beside the documents) and submits it; the
// street verifies; the district (daoli.staff) returns it with a reason;
// the village edits and resubmits; street and district pass; the city
// leader opens the full data with a typed reason and approves it; the
// roll-up counts it.
func TestAidLoopInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) { aidLoop(t, sqliteApp(t), vp) })
}

// TestPostgresAidLoop is the same over PostgreSQL, at the desktop viewport
// (OnDesktop; skipped without a test cluster unless the run requires
// every database).
func TestPostgresAidLoop(t *testing.T) {
	t.Parallel()
	OnDesktop(t, func(t *testing.T, vp Viewport) { aidLoop(t, testapp.Start(t, testdb.Postgres(t)), vp) })
}

// aidOpenYear opens this year's 两癌救助 with room for a few grants.
func aidOpenYear(t *testing.T, app *testapp.App, year int) {
	t.Helper()
	ctx := context.Background()
	u, err := app.Server.Deps.Auth.UserByUsername(ctx, "city.leader")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Server.Deps.Aid.SaveCycle(ctx, u.Actor("127.0.0.1"), aid.CycleInput{Programme: "cancer", Year: year,
		Budget: 5_000_000, OpensOn: fmt.Sprintf("%d-01-01", year), ClosesOn: fmt.Sprintf("%d-12-31", year)}); err != nil {
		t.Fatal(err)
	}
}

func aidLoop(t *testing.T, app *testapp.App, vp Viewport) {
	t.Helper()
	aidOpenYear(t, app, shanghaiNow(t).Year())
	p := NewPage(t, app.URL, vp)
	first17 := "23010219780615002" // a woman born 1978-06-15 in 道里区
	id := first17 + string(idcard.CheckChar(first17))
	wrong := first17 + "0"
	if idcard.CheckChar(first17) == '0' {
		wrong = first17 + "1"
	}

	// The village enters it: a wrong check digit first.
	signIn(t, p, "village.staff")
	if st := p.Nav("/aid"); st != 200 {
		p.fatal("关爱救助: status %d", st)
	}
	if st := p.ClickNav("#new-application"); st != 200 {
		p.fatal("新建申请: status %d", st)
	}
	if st := p.ClickNav("#choose-cancer"); st != 200 {
		p.fatal("两癌救助 form: status %d", st)
	}
	p.Fill("#f-name", "林秀芳")
	p.Fill("#f-id_number", wrong)
	p.Fill("#f-phone", "13812345678")
	p.Fill("#f-address", "道里区安静街 12 号")
	setSelect(p, "#f-household", "dibao")
	setSelect(p, "#f-fact_diagnosis", "cervical_iib")
	p.Fill("#f-fact_stage", "IIIA")
	p.Fill("#f-fact_hospital", "哈尔滨医科大学附属肿瘤医院")
	p.Click("#f-medical_consent")
	noSideScroll(p, "the application form")
	p.Screenshot("form")
	if st := p.ClickNav("#save-application"); st != 422 {
		p.fatal("save with a wrong check digit: status %d, want 422", st)
	}
	wantContains(t, p, "ID error", p.Text("#f-id_number-error"), "校验位不对")
	p.Fill("#f-id_number", id)
	if !Eval[bool](p, `document.querySelector("#f-medical_consent").checked`) {
		p.Click("#f-medical_consent")
	}
	if st := p.ClickNav("#save-application"); st != 200 {
		p.fatal("save: status %d", st)
	}
	success(p, "申请已保存")
	path := p.Path()
	if !regexp.MustCompile(`^/aid/\d+$`).MatchString(path) {
		p.fatal("after saving at %s", path)
	}
	wantContains(t, p, "masked name", p.Text("#applicant-name"), "林**")
	wantContains(t, p, "masked ID", p.Text("#applicant-id"), id[:6]+"********"+id[14:])
	noSideScroll(p, "the application page")
	aidUploadDocuments(t, p)
	aidStep(p, "#submit-application", "已提交上级审核")
	p.Logout()

	// Street verifies; the district returns it.
	aidDecide(t, p, "street.staff", path, "pass", "", "已审核通过")
	aidDecide(t, p, "daoli.staff", path, "return", "诊断证明复印件不清晰，请补充", "已退回录入单位")

	// The village sees why, edits and resubmits.
	signIn(t, p, "village.staff")
	p.Open(path)
	wantContains(t, p, "return reason", p.Text("#return-reason"), "诊断证明复印件不清晰")
	if st := p.ClickNav("#edit-application"); st != 200 {
		p.fatal("修改: status %d", st)
	}
	noSideScroll(p, "the edit form")
	p.Click("#f-medical_consent")
	aidStep(p, "#save-application", "已保存修改")
	aidStep(p, "#submit-application", "已提交上级审核")
	p.Logout()

	aidDecide(t, p, "street.staff", path, "pass", "", "已审核通过")
	aidDecide(t, p, "daoli.staff", path, "pass", "材料齐全", "已审核通过")

	// The city leader finds it in her queue, opens the full data with a
	// reason, and approves it.
	signIn(t, p, "city.leader")
	if st := p.Open("/aid?todo=1"); st != 200 {
		p.fatal("待我处理: status %d", st)
	}
	noSideScroll(p, "the city's queue")
	if st := p.ClickNav(`#applications a[href="` + path + `"]`); st != 200 {
		p.fatal("open from the queue: status %d", st)
	}
	if st := p.ClickNav("#reveal-application"); st != 422 {
		p.fatal("reveal without a reason: status %d, want 422", st)
	}
	wantContains(t, p, "reveal error", p.Text("#f-reveal-reason-error"), "请填写查看原因")
	p.Fill("#f-reveal-reason", "审批前核对身份证信息")
	if st := p.ClickNav("#reveal-application"); st != 200 {
		p.fatal("reveal: status %d", st)
	}
	wantContains(t, p, "revealed ID", p.Text("#applicant-id"), id)
	wantContains(t, p, "revealed name", p.Text("#applicant-name"), "林秀芳")
	if p.Path() != path+"/reveal" && p.Path() != path {
		p.fatal("reveal left the page at %s", p.Path())
	}
	noSideScroll(p, "the revealed page")
	p.Screenshot("revealed")
	aidStep(p, "#decide-pass", "已批准救助")
	wantContains(t, p, "status", p.Text("#application-status"), "已批准")

	if st := p.Open("/aid/stats"); st != 200 {
		p.fatal("统计: status %d", st)
	}
	wantContains(t, p, "approved tile", p.Text("#stat-approved"), "1")
	noSideScroll(p, "the statistics")
	p.Screenshot("stats")
	// The city's settings pages fit a phone too.
	for _, page := range []string{"/aid/programmes", "/aid/cycles"} {
		if st := p.Open(page); st != 200 {
			p.fatal("%s: status %d", page, st)
		}
		noSideScroll(p, page)
	}
	p.Screenshot("cycles")
	p.Logout()
}

// aidStep presses a button that posts and redirects back with a message.
func aidStep(p *Page, sel, want string) {
	p.t.Helper()
	if st := p.ClickNav(sel); st != 200 {
		p.fatal("%s: status %d", sel, st)
	}
	success(p, want)
}

// aidDecide signs in as username and takes the review step on path.
func aidDecide(t *testing.T, p *Page, username, path, decision, reason, want string) {
	t.Helper()
	signIn(t, p, username)
	if st := p.Open(path); st != 200 {
		p.fatal("%s opens %s: status %d", username, path, st)
	}
	noSideScroll(p, "the review form")
	if reason != "" {
		p.Fill("#f-decide-reason", reason)
	}
	aidStep(p, "#decide-"+decision, want)
	p.Logout()
}
