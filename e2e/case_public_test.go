package e2e

import (
	"context"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/mailsink"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestPublicHelpToClosure is issue 15's whole chain through the pages: a
// woman files a request for help from a 375-px phone and is given a code;
// the community's cadre (孙桂芝, village.staff) finds it in her inbox
// within a second, takes it, records the first call, rates the danger 高
// (the district's leader 王丽华 is alerted in the app and by mail, without
// her words), records her consent, refers her to 公安 and 人民法院 and
// records the court's protection order with its expiry; the district's
// leader follows the alert and breaks the glass (audited, the handler
// told); closing with the referrals unanswered is refused beside the
// field and changes nothing; answered, the case closes with its outcome
// and her satisfaction; the city sees the counts and a line without
// names, a sibling district nothing; the three follow-ups fall due (the
// handler reminded) and are recorded; and the woman's lookup says 已办结
// and nothing she wrote.
func TestPublicHelpToClosure(t *testing.T) {
	t.Parallel()
	helpToClosure(t, seededSQLite(t))
}

// TestPostgresPublicHelpToClosure is the same over PostgreSQL.
func TestPostgresPublicHelpToClosure(t *testing.T) {
	t.Parallel()
	helpToClosure(t, testdb.Postgres(t))
}

// What she writes on the form, none of which the lookup may show.
var helpWords = helpForm{Category: "dv", Community: "230102001001", Phone: "13845670321", ContactTime: "工作日中午12点到1点",
	Text: "丈夫喝醉后掐住我的脖子，说要杀了我，我带着孩子躲在邻居家"}

// caseClock is the rights service's clock: the real time until the test
// sets a day (the follow-ups fall due weeks after the case closes).
type caseClock struct{ ms atomic.Int64 }

func (c *caseClock) now() time.Time {
	if ms := c.ms.Load(); ms != 0 {
		return time.UnixMilli(ms).UTC()
	}
	return db.Now()
}

// setDay puts the clock at ten in the morning, Harbin time, of day.
func (c *caseClock) setDay(t *testing.T, day string) {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, db.Shanghai)
	if err != nil {
		t.Fatal(err)
	}
	c.ms.Store(d.Add(10 * time.Hour).UnixMilli())
}

// helpFlow is the chain's actors and what they learn on the way.
type helpFlow struct {
	t       *testing.T
	app     *testapp.App
	sink    *mailsink.Sink
	clock   *caseClock
	woman   *Page // her phone as she files
	handler *Page // 孙桂芝 at the community
	leader  *Page // the leaders: the district's, the city's, a sibling district's
	code    string
	id      int64
	path    string
}

const leaderMail = "wanglihua@daoli.example.org"

func helpToClosure(t *testing.T, d *db.DB) {
	sink := mailsink.Start(t)
	cfg := testapp.Config()
	cfg.SMTPAddr = sink.Addr
	app := testapp.StartConfig(t, d, cfg)
	// Before the first request: the service's clock, and the district
	// leader's address for the danger alert's mail.
	clock := &caseClock{}
	app.Server.Deps.Rights.Now = clock.now
	if _, err := app.DB.Exec(context.Background(), `UPDATE users SET email = ? WHERE username = 'daoli.leader'`, leaderMail); err != nil {
		t.Fatal(err)
	}
	// Each page's time runs from its opening (TestTimeout): the leaders'
	// page opens when the alert comes, and she looks up her code weeks
	// later in a new browser session.
	f := &helpFlow{t: t, app: app, sink: sink, clock: clock, woman: NewPage(t, app.URL, Viewports[1]), handler: NewPage(t, app.URL, Viewports[0])}
	f.fileAndFind()
	f.takeAndAssess()
	f.consentReferOrder()
	f.glass()
	f.closeRefusedThenClosed()
	f.aboveAndBeside()
	f.followUps()
	f.lookUpClosed()
}

// fileAndFind: she files from her phone while the handler's inbox is
// open; the handler reloads it until the request is there, which must be
// on a load begun within a second of her getting her code.
func (f *helpFlow) fileAndFind() {
	t, h, w := f.t, f.handler, f.woman
	signIn(t, h, "village.staff")
	if st := h.Open("/cases"); st != 200 || h.Has("#cases") {
		h.fatal("the inbox before she files: status %d, or not empty", st)
	}
	if st := w.Open("/help"); st != 200 {
		w.fatal("/help: status %d", st)
	}
	noSideScroll(w, "the form")
	f.code = fileHelp(w, helpWords)
	filed := time.Now()
	noSideScroll(w, "her code")
	w.Screenshot("code")
	var delay time.Duration
	for {
		began := time.Now()
		if began.Sub(filed) > time.Second {
			h.fatal("the request is not in the inbox a second after she filed it")
		}
		h.Open("/cases")
		if h.Has("#cases tbody tr") {
			delay = time.Since(filed)
			break
		}
	}
	t.Logf("the request was in the community's inbox %v after she had her code", delay.Round(time.Millisecond))
	rows := texts(h, "#cases tbody tr")
	if len(rows) != 1 || !strings.Contains(rows[0], "网上求助") || !strings.Contains(rows[0], "待接案") || !strings.Contains(h.Title(), "待接案 1") {
		h.fatal("the inbox: %q, title %q", rows, h.Title())
	}
	if strings.Contains(rows[0], helpWords.Phone) || strings.Contains(rows[0], "邻居") {
		h.fatal("the inbox's line shows what she wrote: %q", rows[0])
	}
	id := strings.TrimPrefix(h.Attr("#cases tbody tr", "id"), "case-")
	f.id, _ = strconv.ParseInt(id, 10, 64)
	f.path = "/cases/" + id
	if st := h.ClickNav(`#case-` + id + ` a[href="` + f.path + `"]`); st != 200 {
		h.fatal("opening the request: status %d", st)
	}
}

// takeAndAssess: she reads what was written, takes the case, records the
// first call and rates the danger 高; the district's leader is alerted
// by mail without a word of hers.
func (f *helpFlow) takeAndAssess() {
	t, h := f.t, f.handler
	wantContains(t, h, "narrative", h.Text("#case-narrative"), helpWords.Text)
	wantContains(t, h, "narrative", h.Text("#case-narrative"), "方便联系的时间："+helpWords.ContactTime)
	wantContains(t, h, "phone", h.Text("#case-phone"), helpWords.Phone)
	if st := h.ClickNav("#take-case"); st != 200 {
		h.fatal("take: status %d", st)
	}
	success(h, "已接案")
	wantContains(t, h, "handler", h.Text("#case-handler"), "孙桂芝")
	setSelect(h, "#f-note-kind", "contact")
	h.Fill("#f-note-note", "按她说的时间回电，她在邻居家，暂时安全")
	if st := h.ClickNav("#add-note"); st != 200 {
		h.fatal("the first call: status %d", st)
	}
	success(h, "已记录")
	wantContains(t, h, "status after the first call", h.Text("#case-status"), "办理中")
	caseAssessHigh(t, h)

	// The alert's mail, as the server's mailer sends it.
	if _, err := f.app.Server.Deps.Mail.SendPending(context.Background(), 50); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range f.sink.Messages() {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		got = append(got, m.To+": "+subject)
		if m.To == leaderMail && subject == "家暴案件危险等级：高" {
			if !strings.Contains(m.Body, f.path) || strings.Contains(m.Body, helpWords.Phone) || strings.Contains(m.Body, "邻居") {
				t.Fatalf("the alert's mail: %q", m.Body)
			}
			return
		}
	}
	h.fatal("no danger alert mailed to the district's leader; the sink has %q", got)
}

// consentReferOrder: her consent to 公安 and 人民法院, both referrals, and
// the court's protection order, urgent, issued with its expiry.
func (f *helpFlow) consentReferOrder() {
	t, h := f.t, f.handler
	caseConsent(h, "police", "court")
	caseRefer(h, "police")
	caseRefer(h, "court")
	if rows := texts(h, `#referrals tr[id^="referral-"]`); len(rows) != 2 {
		h.fatal("referrals: %q", rows)
	}
	today := shanghaiNow(t)
	setSelect(h, "#f-order-kind", "protection")
	h.FillDate("#f-order-applied", today.Format(time.DateOnly))
	h.Click("#f-order-urgent")
	if st := h.ClickNav("#save-order"); st != 200 {
		h.fatal("the protection order applied for: status %d", st)
	}
	success(h, "已记录")
	order := h.Attr(`#orders li[id^="order-"]`, "id")
	wantContains(t, h, "order applied", h.Text("#"+order), "已申请")
	expires := today.AddDate(0, 6, -1)
	h.FillDate("#f-"+order+"-issued", today.Format(time.DateOnly))
	h.FillDate("#f-"+order+"-expires", expires.Format(time.DateOnly))
	if st := h.ClickNav("#" + order + ` button[value="issued"]`); st != 200 {
		h.fatal("the order issued: status %d", st)
	}
	success(h, "已记录法院裁定")
	text := h.Text("#" + order)
	for _, want := range []string{"人身安全保护令", "已签发", fmt.Sprintf("有效期至 %d年%d月%d日", expires.Year(), expires.Month(), expires.Day())} {
		wantContains(t, h, "the order", text, want)
	}
	noSideScroll(h, "the case")
	h.Screenshot("case")
	h.CheckConsole()
}

// glass: the district's leader has the alert (no name in it), follows it
// to the case's line and breaks the glass; the opening and the read are
// audited, and the handler has a notification saying who looked.
func (f *helpFlow) glass() {
	f.leader = NewPage(f.t, f.app.URL, Viewports[0])
	t, l, h := f.t, f.leader, f.handler
	signIn(t, l, "daoli.leader")
	l.Open("/notices")
	alert := `#notices a[href="` + f.path + `"]`
	if !l.Has(alert) || l.Text(alert) != "家暴案件危险等级：高" {
		l.fatal("the district's leader has no danger alert linking to %s", f.path)
	}
	if body := l.Text("#notices"); strings.Contains(body, helpWords.Phone) || strings.Contains(body, "邻居") {
		l.fatal("the alert carries her words: %q", body)
	}
	if st := l.ClickNav(alert); st != 200 || l.Path() != f.path {
		l.fatal("following the alert: status %d at %s", st, l.Path())
	}
	caseGlass(t, l, helpWords.Text)
	ctx := context.Background()
	for _, action := range []string{"case.glass", "case.glass_read"} {
		var n int
		if err := f.app.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND username = 'daoli.leader' AND object_id = ? AND outcome = 'ok'`,
			action, strconv.FormatInt(f.id, 10)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("no %s audit event for the district's leader", action)
		}
	}
	h.Open("/notices")
	told := `#notices a[href="` + f.path + `"]`
	if !h.Has(told) || h.Text(told) != "维权案件被破窗查看" {
		h.fatal("the handler is not told of the glass")
	}
	wantContains(t, h, "the glass notice", h.Text("#notices"), "王丽华")
}

// closeRefusedThenClosed: closing with both referrals open is refused
// beside the outcome and changes nothing; the agencies' replies recorded,
// the case closes, and its three follow-ups are planned.
func (f *helpFlow) closeRefusedThenClosed() {
	t, h := f.t, f.handler
	h.Open(f.path)
	state := func() string {
		var status string
		var version int
		if err := f.app.DB.QueryRow(context.Background(), `SELECT status, version FROM cases WHERE id = ?`, f.id).Scan(&status, &version); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(status, version)
	}
	before := state()
	closeCase := func() int {
		setSelect(h, "#f-close-outcome", "legal")
		setSelect(h, "#f-close-satisfaction", "satisfied")
		h.Fill("#f-close-note", "保护令已签发，告诫书已出具")
		return h.ClickNav("#close-case")
	}
	if st := closeCase(); st != 422 {
		h.fatal("closing with the referrals open: status %d, want 422", st)
	}
	wantContains(t, h, "closing refused", h.Text("#f-close-outcome-error"), "还有转介尚未回复")
	if got := Eval[string](h, `document.getElementById("f-close-outcome").value`); got != "legal" {
		h.fatal("the refused form lost the outcome: %q", got)
	}
	wantContains(t, h, "status after the refusal", h.Text("#case-status"), "办理中")
	if after := state(); after != before {
		t.Fatalf("the refused closing changed the case: %s → %s", before, after)
	}

	replies := map[string][2]string{"公安": {"replied", "已出具家庭暴力告诫书"}, "法院": {"done", "已签发人身安全保护令"}}
	for _, rid := range Eval[[]string](h, `Array.from(document.querySelectorAll('#referrals tr[id^="referral-"]')).map(function (r) { return r.id; })`) {
		row := h.Text("#" + rid)
		var reply [2]string
		for ag, r := range replies {
			if strings.Contains(row, ag) {
				reply = r
			}
		}
		if reply[0] == "" {
			h.fatal("a referral to neither agency: %q", row)
		}
		setSelect(h, "#f-ref-"+strings.TrimPrefix(rid, "referral-")+"-status", reply[0])
		h.Fill("#f-ref-"+strings.TrimPrefix(rid, "referral-")+"-reply", reply[1])
		if st := h.ClickNav("#" + rid + ` button[type="submit"]`); st != 200 {
			h.fatal("the reply of %s: status %d", rid, st)
		}
		success(h, "已记录转介进展")
		wantContains(t, h, "the reply", h.Text("#"+rid), reply[1])
	}
	if st := closeCase(); st != 200 {
		h.fatal("closing: status %d", st)
	}
	success(h, "案件已办结")
	wantContains(t, h, "status", h.Text("#case-status"), "已办结")
	if n := len(texts(h, "#followups li")); n != 3 {
		h.fatal("%d follow-ups planned, want 3", n)
	}
	h.CheckConsole()
}

// aboveAndBeside: the city counts the case and sees its line without
// names; a sibling district sees nothing of it.
func (f *helpFlow) aboveAndBeside() {
	t, l := f.t, f.leader
	l.Logout()
	signIn(t, l, "city.leader")
	if st := l.Open("/cases/stats"); st != 200 {
		l.fatal("the city's statistics: status %d", st)
	}
	if total, closed := l.Text("#stat-total"), l.Text("#stat-closed"); total != "1" || closed != "1" {
		l.fatal("the city counts %s received, %s closed; want 1 and 1", total, closed)
	}
	for sel, want := range map[string]string{"#by-category": "家庭暴力", "#by-channel": "网上求助", "#by-risk": "高", "#by-outcome": "进入法律程序"} {
		if !countsOne(texts(l, sel+" tr"), want) {
			l.fatal("the city's statistics %s: %q has no %s counting 1", sel, texts(l, sel+" tr"), want)
		}
	}
	for _, col := range []string{"合计", "已办结"} {
		if got := l.Text(`#unit-230102 td[data-label="` + col + `"]`); got != "1" {
			l.fatal("the city's statistics count %s for 道里区 under %s, want 1", got, col)
		}
	}
	l.Open("/cases?box=")
	line := fmt.Sprintf("#case-%d", f.id)
	if !l.Has(line) || !strings.Contains(l.Text(line), "（概要）") {
		l.fatal("the city's list has no line for the case")
	}
	if st := l.ClickNav(line + " a"); st != 200 || !l.Has("#summary") || l.Has("#case-narrative") {
		l.fatal("the city opens the case: status %d, or it is not the summary", st)
	}
	wantContains(t, l, "the summary", l.Text("#summary"), "进入法律程序")
	if body := l.HTML(); strings.Contains(body, helpWords.Phone) || strings.Contains(body, "邻居") || strings.Contains(body, helpWords.ContactTime) {
		l.fatal("the city's summary carries her words")
	}

	l.Logout()
	signIn(t, l, "nangang.leader")
	l.Open("/cases?box=")
	if l.Has(line) || l.Has("#cases") {
		l.fatal("a sibling district lists the case")
	}
	st := l.Open(f.path)
	wantRefusal(l, "a sibling district opens the case", st, 404, pageNotFound)
	l.CheckConsole()
}

// countsOne reports whether a row of a statistics table is label and 1.
func countsOne(rows []string, label string) bool {
	for _, r := range rows {
		if f := strings.Fields(r); len(f) == 2 && f[0] == label && f[1] == "1" {
			return true
		}
	}
	return false
}

// followUps: a week, a month and three months after the closing, each
// follow-up falls due, the handler is reminded once (the server's
// reminder run), and she records it; the case stays closed.
func (f *helpFlow) followUps() {
	t, h := f.t, f.handler
	ctx := context.Background()
	dues, err := db.Column[string](ctx, f.app.DB.Q(), `SELECT due_on FROM case_followups WHERE case_id = ? ORDER BY due_on`, f.id)
	if err != nil || len(dues) != 3 {
		t.Fatalf("follow-ups %v: %v", dues, err)
	}
	closed := shanghaiNow(t)
	for i, want := range []time.Time{closed.AddDate(0, 0, 7), closed.AddDate(0, 1, 0), closed.AddDate(0, 3, 0)} {
		if dues[i] != want.Format(time.DateOnly) {
			t.Fatalf("follow-up %d is due on %s, want %s", i+1, dues[i], want.Format(time.DateOnly))
		}
	}
	for i, due := range dues {
		f.clock.setDay(t, due)
		if n, err := f.app.Server.Deps.Rights.Remind(ctx); err != nil || n != 1 {
			t.Fatalf("the reminders on %s: %d sent, %v; want 1", due, n, err)
		}
		h.Open("/notices")
		if got := texts(h, `#notices a[href="`+f.path+`"]`); len(got) == 0 || got[0] != "家暴案件回访到期" {
			h.fatal("on %s the handler's newest notice about the case is %q, want the follow-up due", due, got)
		}
		h.Open(f.path)
		form := fmt.Sprintf(`#followups li:nth-child(%d) form`, i+1)
		if !h.Has(form) {
			h.fatal("on %s no form to record follow-up %d", due, i+1)
		}
		h.Fill(form+` input[name="note"]`, fmt.Sprintf("第%d次回访：她和孩子安全，对方未再出现", i+1))
		if st := h.ClickNav(form + ` button[type="submit"]`); st != 200 {
			h.fatal("follow-up %d: status %d", i+1, st)
		}
		success(h, "已记录回访")
	}
	if done := regexp.MustCompile(`已回访`).FindAllString(h.Text("#followups"), -1); len(done) != 3 {
		h.fatal("follow-ups recorded: %d, want 3", len(done))
	}
	wantContains(t, h, "status after the follow-ups", h.Text("#case-status"), "已办结")
	h.CheckConsole()
}

// lookUpClosed: back on her phone, in a new session, the code tells
// 已办结 and the next step, and nothing of hers, of the cadres or of the
// unit.
func (f *helpFlow) lookUpClosed() {
	w := NewPage(f.t, f.app.URL, Viewports[1])
	if got := lookUp(w, f.code); got != "已办结" {
		w.fatal("the lookup says %q, want 已办结", got)
	}
	wantContains(f.t, w, "next step", w.Text("#next-step"), "已经办结")
	page := w.HTML()
	for _, secret := range []string{helpWords.Phone, helpWords.ContactTime, "邻居", "脖子", "孙桂芝", "王丽华", "道里", "维〔", "告诫书", "保护令", "回访"} {
		if strings.Contains(page, secret) {
			w.fatal("the lookup shows %q", secret)
		}
	}
	noSideScroll(w, "the lookup")
	w.Screenshot("closed")
	w.CheckConsole()
}
