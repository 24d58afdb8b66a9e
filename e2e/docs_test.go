package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDocumentLoopInBrowser is the seed notice's whole loop, clicked and
// typed through the pages at each width: 刘洋 (city.staff) drafts a notice
// to 各区县（市）妇联 with a reporting requirement and sends it for review;
// 王芳 (city.office) reviews it; 杨杰 (city.leader) signs it; 刘洋 issues
// it as 哈妇发〔YEAR〕1号 to the 18 districts; 陈静 (daoli.staff) signs for
// it and reports; 刘洋 returns the report, 陈静 resubmits, 刘洋 accepts it
// and urges the 17 units still missing; 李红梅 (nangang.leader) cannot
// open 道里's report. On a phone the document page, the dashboard and the
// report form must not scroll sideways.
//
// Each viewport has its own app, so each registers its own first number.
func TestDocumentLoopInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t)
		l := &docLoop{t: t, p: NewPage(t, app.URL, vp)}
		l.draft()
		l.reviewAndSign()
		l.issue()
		l.receiveAndReport()
		l.returnAndAccept()
		l.outOfScope()
	})
}

const (
	loopTitle  = "哈尔滨市妇联关于认真学习贯彻中央党的群团工作会议精神的通知"
	loopReq    = "学习贯彻情况"
	loopDept   = "市妇联宣传部"
	loopField  = "专题学习场次"
	loopReason = "请补充基层妇联组织的学习情况"
)

var loopBody = []string{
	"中央党的群团工作会议于2015年7月6日至7日在北京召开。",
	"一、各级妇联组织要把认真学习贯彻会议精神作为当前和今后一个时期的首要政治任务。",
	"请各地妇联将学习贯彻情况及时报市妇联宣传部。",
}

// docLoop is one viewport's run of the loop, with what it learns on the
// way: the document, its requirement dashboard and 道里's report.
type docLoop struct {
	t       *testing.T
	p       *Page
	docPath string // /docs/{id}
	dashURL string // /docs/{id}/requirements/{rid}
	repPath string // /reports/{id}: 道里区妇联's report
	number  string // 哈妇发〔YEAR〕1号
}

var (
	docPathRE = regexp.MustCompile(`^/docs/\d+$`)
	repPathRE = regexp.MustCompile(`^/reports/\d+$`)
	urgedRE   = regexp.MustCompile(`已向 (\d+) 个单位催办`)
)

// shanghaiNow is the time on a Harbin wall clock.
func shanghaiNow(t *testing.T) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return time.Now().In(loc)
}

// success checks the page's success message, failing with the error
// message when the action was refused instead.
func success(p *Page, want string) {
	p.t.Helper()
	if p.Has(".flash-error") {
		p.fatal("want the success message %q, the page says %q", want, p.Text(".flash-error"))
	}
	if !p.Has(".flash-success") {
		p.fatal("want the success message %q, there is none", want)
	}
	if got := p.Text(".flash-success"); !strings.Contains(got, want) {
		p.fatal("success message %q does not contain %q", got, want)
	}
}

// noSideScroll fails when, on a phone, the page is wider than the screen.
func noSideScroll(p *Page, what string) {
	p.t.Helper()
	if !p.VP.Phone {
		return
	}
	if scrolls, widths := p.Scrolls(); scrolls {
		p.fatal("%s scrolls sideways at %dpx (%s); sticking out: %v", what, p.VP.Width, widths, p.Overflowing())
	}
}

func (l *docLoop) signIn(username string) {
	l.t.Helper()
	signIn(l.t, l.p, username)
}

func (l *docLoop) signOut() {
	l.t.Helper()
	if st := l.p.Logout(); st != 200 || l.p.Path() != "/login" {
		l.p.fatal("退出: status %d at %s, want /login", st, l.p.Path())
	}
}

// openFromDesk follows the document's link in a card of the 工作台 (sel,
// e.g. #todo-workflow) and expects the card to say why it is there.
func (l *docLoop) openFromDesk(card, why string) {
	l.t.Helper()
	p := l.p
	if !p.Has(card) {
		p.fatal("the 工作台 has no %s card", card)
	}
	wantContains(l.t, p, card, p.Text(card), why)
	wantContains(l.t, p, card, p.Text(card), loopTitle)
	if st := p.ClickNav(card + ` a[href="` + l.docPath + `"]`); st != 200 || p.Path() != l.docPath {
		p.fatal("the document from %s: status %d at %s, want %s", card, st, p.Path(), l.docPath)
	}
}

func (l *docLoop) wantStatus(want string) {
	l.t.Helper()
	if got := l.p.Text("#doc-status"); got != want {
		l.p.fatal("document status %q, want %q", got, want)
	}
}

// draft: city.staff drafts the notice, adds the requirement and sends it
// for review.
func (l *docLoop) draft() {
	t, p := l.t, l.p
	l.signIn("city.staff")
	if st := p.Nav("/docs"); st != 200 || p.Path() != "/docs" {
		p.fatal("公文: status %d at %s", st, p.Path())
	}
	if st := p.ClickNav("#new-doc"); st != 200 || p.Path() != "/docs/new" {
		p.fatal("起草公文: status %d at %s", st, p.Path())
	}
	// The unit's defaults are filled in already.
	for sel, want := range map[string]string{"#f-type": "通知", "#f-issuer_mark": "哈尔滨市妇女联合会文件", "#f-signature": "哈尔滨市妇女联合会"} {
		if v := Eval[string](p, `document.querySelector(`+quote(sel)+`).value`); v != want {
			p.fatal("new draft: %s = %q, want %q", sel, v, want)
		}
	}
	p.Fill("#f-title", loopTitle)
	district := `#r-targets input[name="r_group"][value="district"]`
	wantContains(t, p, "主送 group", Eval[string](p, `document.querySelector(`+quote(district)+`).closest("label").textContent.replace(/\s+/g, "")`), "各区县（市）妇联（18）")
	p.Click(district)
	if !Eval[bool](p, `document.querySelector(`+quote(district)+`).checked`) {
		p.fatal("clicking 各区县（市）妇联 did not tick it")
	}
	p.Fill("#f-abbr", "哈妇发")
	p.Fill("#f-body", strings.Join(loopBody, "\n"))
	noSideScroll(p, "the drafting form")
	p.Screenshot("doc-new")
	if st := p.ClickNav("#save-doc"); st != 200 || !docPathRE.MatchString(p.Path()) {
		p.fatal("保存草稿: status %d at %s, want /docs/{id}", st, p.Path())
	}
	l.docPath = p.Path()
	success(p, "公文草稿已保存（第 1 版）")
	l.wantStatus("起草中")
	wantContains(t, p, "doc title", p.Text("#doc-title"), loopTitle)
	wantContains(t, p, "主送机关", p.Text("#doc-text .doc-recipients"), "各区县（市）妇联：")
	if got := texts(p, "#doc-text .doc-body p"); strings.Join(got, "\n") != strings.Join(loopBody, "\n") {
		p.fatal("正文 paragraphs = %q, want %q", got, loopBody)
	}

	// The requirement: the form is open while there is none.
	if !p.Visible("#requirement-form") {
		p.fatal("the 添加报送要求 form is not open on a draft without requirements")
	}
	due := shanghaiNow(t).AddDate(0, 0, 7)
	p.Fill("#f-req-title", loopReq)
	p.Fill("#f-req-department", loopDept)
	p.FillDate("#f-req-due", due.Format("2006-01-02"))
	p.Fill("#f-field-label-0", loopField)
	p.Fill("#f-field-unit-0", "场")
	if st := p.ClickNav("#add-requirement-btn"); st != 200 || p.Path() != l.docPath {
		p.fatal("添加报送要求: status %d at %s", st, p.Path())
	}
	success(p, "已添加报送要求“"+loopReq+"”")
	row := p.Text("#requirement-list tbody tr")
	for _, want := range []string{loopReq, loopDept, due.Format("2006年1月2日"), loopField + "（场）"} {
		wantContains(t, p, "requirement row", row, want)
	}
	noSideScroll(p, "the draft's page")
	p.Screenshot("doc-draft")

	if st := p.ClickNav("#submit-doc"); st != 200 || p.Path() != l.docPath {
		p.fatal("送审: status %d at %s", st, p.Path())
	}
	success(p, "已送审")
	l.wantStatus("待审核")
	if p.Has("#review-pass") {
		p.fatal("the drafter is offered 审核通过 on her own draft")
	}
	l.signOut()
}

// reviewAndSign: city.office reviews, city.leader signs, each from the
// 工作台's to-do.
func (l *docLoop) reviewAndSign() {
	t, p := l.t, l.p
	l.signIn("city.office")
	l.openFromDesk("#todo-workflow", "待您审核")
	p.Fill("#f-review-note", "文字已核")
	if st := p.ClickNav("#review-pass"); st != 200 || p.Path() != l.docPath {
		p.fatal("审核通过: status %d at %s", st, p.Path())
	}
	success(p, "审核通过")
	l.wantStatus("待签发")
	wantContains(t, p, "workflow", p.Text("#workflow"), "文字已核")
	l.signOut()

	l.signIn("city.leader")
	l.openFromDesk("#todo-workflow", "待您签发")
	wantContains(t, p, "sign card", p.Text("#sign"), "王芳（办公室）")
	p.Fill("#f-sign-opinion", "同意印发")
	p.Screenshot("doc-sign")
	if st := p.ClickNav("#sign-doc"); st != 200 || p.Path() != l.docPath {
		p.fatal("签发: status %d at %s", st, p.Path())
	}
	success(p, "已签发")
	l.wantStatus("待登记印发")
	wantContains(t, p, "签发人", p.Text("#doc-text .doc-number"), "签发人：杨杰")
	wantContains(t, p, "workflow", p.Text("#workflow"), "意见：同意印发")
	l.signOut()
}

// issue: the drafter registers and distributes it.
func (l *docLoop) issue() {
	t, p := l.t, l.p
	l.signIn("city.staff")
	l.openFromDesk("#todo-workflow", "待登记印发")
	l.number = "哈妇发〔" + strconv.Itoa(shanghaiNow(t).Year()) + "〕1号"
	if st := p.ClickNav("#issue-doc"); st != 200 || p.Path() != l.docPath {
		p.fatal("登记印发: status %d at %s", st, p.Path())
	}
	if d := p.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "确定印发") {
		p.fatal("confirm dialogs = %q, want the one asking 确定印发", d)
	}
	success(p, "已登记印发，发文字号 "+l.number)
	l.wantStatus("已印发")
	if got := p.Text("#doc-number"); got != l.number {
		p.fatal("发文字号 %q, want %q", got, l.number)
	}
	wantContains(t, p, "版头", p.Text("#doc-text .doc-number"), l.number)
	if got := p.Text("#receipt-summary"); got != "已签收 0 / 18" {
		p.fatal("receipt summary %q, want 已签收 0 / 18", got)
	}
	rows := texts(p, "#receipt-list tbody tr")
	if len(rows) != 18 {
		p.fatal("%d receipt rows, want the 18 区县（市）妇联", len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(r, "未签收") {
			p.fatal("receipt row %q is not 未签收", r)
		}
	}
	wantContains(t, p, "receipts", strings.Join(rows, "\n"), "道里区妇联")
	wantContains(t, p, "receipts", strings.Join(rows, "\n"), "南岗区妇联")
	link := `#requirement-list a[href^="` + l.docPath + `/requirements/"]`
	if !p.Has(link) {
		p.fatal("the issued document has no 督办情况 link")
	}
	l.dashURL = p.Attr(link, "href")
	noSideScroll(p, "the issued document's page")
	p.Screenshot("doc-issued")
	l.signOut()
}

// receiveAndReport: 道里 signs for it from the 工作台 and reports.
func (l *docLoop) receiveAndReport() {
	t, p := l.t, l.p
	l.signIn("daoli.staff")
	wantContains(t, p, "待签收", p.Text("#todo-receive"), l.number)
	// 收文 lists it, not yet signed for.
	if st := p.Nav("/docs"); st != 200 {
		p.fatal("公文: status %d", st)
	}
	if st := p.ClickNav(`nav.tabs a[href="/docs?box=received"]`); st != 200 || p.Path() != "/docs?box=received" {
		p.fatal("收文: status %d at %s", st, p.Path())
	}
	row := Eval[string](p, `(function () {
  var a = document.querySelector('#docs a[href=`+quote(l.docPath)+`]');
  return a ? a.closest("tr").innerText : "";
})()`)
	if row == "" {
		p.fatal("收文 does not list the notice")
	}
	for _, want := range []string{l.number, "哈尔滨市妇联", "未签收"} {
		wantContains(t, p, "收文 row", row, want)
	}
	if st := p.Nav("/"); st != 200 {
		p.fatal("工作台: status %d", st)
	}
	l.openFromDesk("#todo-receive", "未签收")
	if p.Has("#receipt-list") {
		p.fatal("a recipient sees the sender's receipt list")
	}
	if st := p.ClickNav("#receive-doc"); st != 200 || p.Path() != l.docPath {
		p.fatal("签收: status %d at %s", st, p.Path())
	}
	success(p, "已签收")
	wantContains(t, p, "receipt badge", p.Text("#received"), "已签收")
	if p.Has("#receive-doc") {
		p.fatal("签收 is still offered after signing for it")
	}
	wantContains(t, p, "本单位报送", p.Text("#my-reports"), loopReq)
	wantContains(t, p, "本单位报送", p.Text("#my-reports"), "已签收")
	noSideScroll(p, "the received document's page")
	p.Screenshot("doc-received")

	if st := p.ClickNav("#my-reports a.btn-primary"); st != 200 || !repPathRE.MatchString(p.Path()) {
		p.fatal("填写报送: status %d at %s, want /reports/{id}", st, p.Path())
	}
	l.repPath = p.Path()
	if got := p.Text("#report-state"); got != "已签收" {
		p.fatal("report state %q, want 已签收", got)
	}
	noSideScroll(p, "the report form")
	p.Screenshot("report-form")
	l.report("道里区妇联组织全区妇女干部专题学习。", "3")
	l.signOut()
}

// report fills the report form and submits it.
func (l *docLoop) report(text, sessions string) {
	t, p := l.t, l.p
	num := "#report-form .numbers input[type=number]"
	label := Eval[string](p, `document.querySelector(`+quote(num)+`).labels[0].innerText`)
	wantContains(t, p, "number field label", label, loopField+"（场）")
	p.Fill("#f-body", text)
	p.Fill(num, sessions)
	if st := p.ClickNav("#submit-report"); st != 200 || p.Path() != l.repPath {
		p.fatal("报送: status %d at %s", st, p.Path())
	}
	success(p, "已报送")
	if got := p.Text("#report-state"); got != "已报送" {
		p.fatal("report state %q, want 已报送", got)
	}
	if got := p.Text("#report-body"); got != text {
		p.fatal("report text %q, want %q", got, text)
	}
	wantContains(t, p, "report numbers", p.Text("#report-numbers"), sessions+" 场")
	if p.Has("#report-form") {
		p.fatal("a submitted report can still be edited")
	}
}

// openDashboard goes from 公文 › 已发文 to the document and its 督办情况.
func (l *docLoop) openDashboard() {
	t, p := l.t, l.p
	if st := p.Nav("/docs"); st != 200 {
		p.fatal("公文: status %d", st)
	}
	if st := p.ClickNav(`nav.tabs a[href="/docs?box=issued"]`); st != 200 {
		p.fatal("已发文: status %d", st)
	}
	if st := p.ClickNav(`#docs a[href="` + l.docPath + `"]`); st != 200 || p.Path() != l.docPath {
		p.fatal("the notice from 已发文: status %d at %s", st, p.Path())
	}
	if st := p.ClickNav(`#requirement-list a[href="` + l.dashURL + `"]`); st != 200 || p.Path() != l.dashURL {
		p.fatal("督办情况: status %d at %s", st, p.Path())
	}
	wantContains(t, p, "dashboard heading", p.Text("main h1"), loopReq)
}

// tile is the figure of one dashboard tile.
func tile(p *Page, id string) string {
	p.t.Helper()
	return p.Text("#" + id + " .stat-value")
}

func (l *docLoop) wantTiles(want map[string]string) {
	l.t.Helper()
	for id, v := range want {
		if got := tile(l.p, id); got != v {
			l.p.fatal("dashboard tile #%s = %s, want %s (tiles: %v)", id, got, v, stats(l.p, "#totals"))
		}
	}
}

// daoliRow is 道里区妇联's row of the dashboard's unit table.
const daoliRow = "#unit-230102"

// returnAndAccept: the dashboard, a return with a reason, the resubmitted
// report accepted, and 催办 of the rest.
func (l *docLoop) returnAndAccept() {
	t, p := l.t, l.p
	l.signIn("city.staff")
	l.openDashboard()
	l.wantTiles(map[string]string{"stat-total": "18", "stat-submitted": "1", "stat-unsigned": "17", "stat-accepted": "0", "stat-returned": "0"})
	wantContains(t, p, "完成率", p.Text("#stat-complete .stat-note"), "已报 1 / 18")
	wantContains(t, p, "道里 row", p.Text(daoliRow), "已报送")
	noSideScroll(p, "the dashboard")
	p.Screenshot("dashboard")

	// 退回 with a reason, from 道里's row.
	p.Fill(daoliRow+` input[name="reason"]`, loopReason)
	if st := p.ClickNav(daoliRow + ` form[action*="/return"] button[type=submit]`); st != 200 || p.Path() != l.dashURL {
		p.fatal("退回: status %d at %s", st, p.Path())
	}
	success(p, "道里区妇联：已退回")
	l.wantTiles(map[string]string{"stat-returned": "1", "stat-submitted": "0"})
	wantContains(t, p, "道里 row", p.Text(daoliRow), "已退回")
	wantContains(t, p, "道里 row", p.Text(daoliRow), loopReason)
	l.signOut()

	// 道里 sees why, changes the report and sends it again.
	l.signIn("daoli.staff")
	if st := p.Nav("/reports/todo"); st != 200 {
		p.fatal("督办报送: status %d", st)
	}
	row := Eval[string](p, `(function () {
  var a = document.querySelector('#todo a[href=`+quote(l.repPath)+`]');
  return a ? a.closest("tr").innerText : "";
})()`)
	if row == "" {
		p.fatal("督办报送 does not list the returned report")
	}
	wantContains(t, p, "督办报送 row", row, "已退回")
	wantContains(t, p, "督办报送 button", p.Text(`#todo a.btn[href="`+l.repPath+`"]`), "修改重报")
	// The notice of the return leads to the report.
	if st := p.Nav("/notices"); st != 200 {
		p.fatal("通知: status %d", st)
	}
	notice := Eval[string](p, `(function () {
  var a = document.querySelector('#notices a[href=`+quote(l.repPath)+`]');
  return a ? a.closest("li").innerText : "";
})()`)
	if notice == "" {
		p.fatal("通知 has no notice linking to the returned report")
	}
	wantContains(t, p, "return notice", notice, "报送被退回："+loopReq)
	wantContains(t, p, "return notice", notice, loopReason)
	if st := p.ClickNav(`#notices a[href="` + l.repPath + `"]`); st != 200 || p.Path() != l.repPath {
		p.fatal("the return notice's link: status %d at %s", st, p.Path())
	}
	if got := p.Text("#report-state"); got != "已退回" {
		p.fatal("report state %q, want 已退回", got)
	}
	wantContains(t, p, "return reason", p.Text("#return-reason"), loopReason)
	if v := Eval[string](p, `document.querySelector("#f-body").value`); v != "道里区妇联组织全区妇女干部专题学习。" {
		p.fatal("the returned report's text in the form = %q, want the text sent before", v)
	}
	noSideScroll(p, "the returned report's form")
	p.Screenshot("report-returned")
	l.report("道里区妇联组织全区妇女干部专题学习，8个街道妇联、89个社区妇联开展了学习。", "12")
	l.signOut()

	// The city accepts it and urges the others.
	l.signIn("city.staff")
	l.openDashboard()
	l.wantTiles(map[string]string{"stat-submitted": "1", "stat-returned": "0"})
	if st := p.ClickNav(daoliRow + ` form[action*="/accept"] button[type=submit]`); st != 200 || p.Path() != l.dashURL {
		p.fatal("采纳: status %d at %s", st, p.Path())
	}
	success(p, "道里区妇联：已采纳")
	l.wantTiles(map[string]string{"stat-total": "18", "stat-accepted": "1", "stat-submitted": "0", "stat-returned": "0"})
	wantContains(t, p, "完成率", p.Text("#stat-complete .stat-note"), "已报 1 / 18")
	wantContains(t, p, "道里 row", p.Text(daoliRow), "已采纳")
	// Reported on time: green; 南岗, not signed for with a week to go: green too.
	for _, row := range []string{daoliRow, "#unit-230103"} {
		if c := p.Attr(row+" td[data-label='状态'] .badge", "class"); !strings.Contains(c, "badge-green") {
			p.fatal("%s status badge class %q, want badge-green", row, c)
		}
	}
	wantContains(t, p, "南岗 row", p.Text("#unit-230103"), "未签收")
	l.checkExport()

	dialogs := len(p.Dialogs())
	if st := p.ClickNav("#urge"); st != 200 || p.Path() != l.dashURL {
		p.fatal("一键催办: status %d at %s", st, p.Path())
	}
	if d := p.Dialogs(); len(d) != dialogs+1 || !strings.Contains(d[len(d)-1], "催办") {
		p.fatal("confirm dialogs = %q, want one more asking about 催办", d)
	}
	success(p, "个单位催办")
	m := urgedRE.FindStringSubmatch(p.Text(".flash-success"))
	if m == nil || m[1] != "17" {
		p.fatal("催办 message %q, want 已向 17 个单位催办", p.Text(".flash-success"))
	}
	noSideScroll(p, "the dashboard")
	p.Screenshot("dashboard-urged")
	l.signOut()
}

// checkExport fetches the dashboard's 导出 Excel link as the page would
// download it: a workbook (a zip) of the right type.
func (l *docLoop) checkExport() {
	p := l.p
	href := p.Attr("#export", "href")
	if !strings.HasPrefix(href, l.dashURL+"/export.xlsx") {
		p.fatal("导出 Excel links to %q", href)
	}
	got, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`fetch(`+quote(href)+`).then(function (r) {
  return r.arrayBuffer().then(function (b) {
    var u = new Uint8Array(b);
    return [String(r.status), r.headers.get("content-type") || "", String.fromCharCode(u[0], u[1])];
  });
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fatal("fetching %s: %v", href, err)
	}
	if got[0] != "200" || !strings.Contains(got[1], "spreadsheetml") || got[2] != "PK" {
		p.fatal("导出 Excel: status %s, type %q, starts %q; want 200, an .xlsx, PK", got[0], got[1], got[2])
	}
}

// outOfScope: another district's leader cannot open 道里's report; the
// 404 page does not even say whose it is.
func (l *docLoop) outOfScope() {
	t, p := l.t, l.p
	l.signIn("nangang.leader")
	wantRefusal(p, "南岗 opening 道里's report "+l.repPath, p.Open(l.repPath), 404, pageNotFound)
	wantContains(t, p, "404 page", p.Body(), "页面不存在")
	if body := p.Body(); strings.Contains(body, "道里") {
		p.fatal("the 404 page for 道里's report names 道里: %q", body)
	}
	if strings.Contains(p.HTML(), "道里") {
		p.fatal("the 404 page's markup names 道里")
	}
	p.Screenshot("report-out-of-scope")
	// 南岗 was urged.
	if st := p.Nav("/notices"); st != 200 {
		p.fatal("通知: status %d", st)
	}
	wantContains(t, p, "南岗's notices", p.Text("#notices"), "催办：请报送"+loopReq)
	// Nor is it on 南岗's own to-do, which holds 南岗's report only.
	if st := p.Nav("/reports/todo"); st != 200 {
		p.fatal("督办报送: status %d", st)
	}
	if p.Has(`#todo a[href="` + l.repPath + `"]`) {
		p.fatal("南岗's 督办报送 lists 道里's report")
	}
	if strings.Contains(p.Body(), "道里") {
		p.fatal("南岗's 督办报送 names 道里")
	}
	wantContains(t, p, "南岗's to-do", p.Text("#todo"), loopReq)
}
