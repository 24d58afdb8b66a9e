package e2e

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestCaseLoopInBrowser is 巾帼维权 as the cadres use it, at each width:
// 孙桂芝 (village.staff) takes a 12338 call on the keyboard alone (the
// category has the focus, Tab goes on to what she says, Enter sends), is
// refused a referral without consent, assesses the danger 高, records
// consent and refers to 公安; 王丽华 (daoli.leader) sees a line without
// names and breaks the glass with a reason.
func TestCaseLoopInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) { caseLoop(t, sqliteApp(t), vp) })
}

// TestPostgresCaseLoop is the same over PostgreSQL, at the desktop width.
func TestPostgresCaseLoop(t *testing.T) {
	t.Parallel()
	OnDesktop(t, func(t *testing.T, vp Viewport) { caseLoop(t, testapp.Start(t, testdb.Postgres(t)), vp) })
}

func caseLoop(t *testing.T, app *testapp.App, vp Viewport) {
	t.Helper()
	p := NewPage(t, app.URL, vp)
	signIn(t, p, "village.staff")
	if st := p.Nav("/cases"); st != 200 {
		p.fatal("巾帼维权: status %d", st)
	}
	if st := p.ClickNav("#new-case"); st != 200 {
		p.fatal("登记案件: status %d", st)
	}
	if id := Eval[string](p, `document.activeElement.id`); id != "f-category" {
		p.fatal("the intake form opens with the focus on %q, not the category", id)
	}
	setSelect(p, "#f-category", "dv")
	p.do("tab to the narrative", chromedp.KeyEvent("\t"))
	if id := Eval[string](p, `document.activeElement.id`); id != "f-narrative" {
		p.fatal("Tab from the category goes to %q, not the narrative", id)
	}
	p.Fill("#f-narrative", "来电人称丈夫酒后殴打她，掐过她的脖子，威胁要杀了她")
	p.Fill("#f-phone", "13900001234")
	noSideScroll(p, "the intake form")
	p.Screenshot("intake")
	res, err := chromedp.RunResponse(p.ctx, chromedp.KeyEvent("\r"))
	if err != nil || statusOf(res) != 200 {
		p.fatal("Enter in the phone field: %v %d", err, statusOf(res))
	}
	success(p, "案件已登记")
	path := p.Path()
	if !regexp.MustCompile(`^/cases/\d+$`).MatchString(path) {
		p.fatal("after the intake at %s", path)
	}
	wantContains(t, p, "narrative", p.Text("#case-narrative"), "掐过她的脖子")

	setSelect(p, "#f-refer-agency", "police")
	if st := p.ClickNav("#refer"); st != 422 {
		p.fatal("refer without consent: status %d, want 422", st)
	}
	wantContains(t, p, "consent refusal", p.Text("#f-refer-agency-error"), "求助人未同意")
	caseAssessHigh(t, p)
	caseConsent(p, "police")
	caseRefer(p, "police")
	casePhoto(t, p)
	noSideScroll(p, "the case")
	p.Screenshot("case")
	p.CheckConsole()

	// The district's leader: a line, then the glass.
	p.Logout()
	signIn(t, p, "daoli.leader")
	if st := p.Open(path); st != 200 {
		p.fatal("the case as the district: status %d", st)
	}
	caseGlass(t, p, "掐过她的脖子")
	p.CheckConsole()
}

// casePhoto uploads a phone's photo with its GPS position to the case
// open in p: it shows in the page, and what the browser is served has
// neither the camera nor the serial number nor the time it was taken.
func casePhoto(t *testing.T, p *Page) {
	t.Helper()
	photo, err := filepath.Abs("../internal/files/testdata/photos/phone-gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	p.do("choose the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{photo}))
	if st := p.ClickNav("#upload-files"); st != 200 {
		p.fatal("upload the photo: status %d", st)
	}
	success(p, "拍摄位置")
	w := 0
	for range 50 {
		w = Eval[int](p, `(function (img) { if (!img) return -1; img.scrollIntoView(); return img.complete ? img.naturalWidth : 0; })(document.querySelector("#files img"))`)
		if w > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w <= 0 {
		p.fatal("the photo is not shown (%d)", w)
	}
	served, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(async function () {
		const r = await fetch(document.querySelector("#files img").src);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (const c of b) s += String.fromCharCode(c);
		return s.includes("HUAWEI") || s.includes("HS123456") || s.includes("2026:11:30") ? "metadata" : "clean " + b.length;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(served, "clean ") {
		p.fatal("the photo served: %q %v", served, err)
	}
}

// caseAssessHigh answers the danger assessment of the case open in p
// with strangulation and a threat to kill (高 on their own) and expects
// the case rated 高.
func caseAssessHigh(t *testing.T, p *Page) {
	t.Helper()
	p.Click(`#assess-form input[value="strangle"]`)
	p.Click(`#assess-form input[value="threat_kill"]`)
	if st := p.ClickNav("#assess"); st != 200 {
		p.fatal("assess: status %d", st)
	}
	success(p, "高危险")
	wantContains(t, p, "risk", p.Text("#case-risk"), "高")
}

// caseConsent records her consent to the federation's services and to
// be referred to each agency.
func caseConsent(p *Page, agencies ...string) {
	p.t.Helper()
	if !Eval[bool](p, `document.querySelector('#consent-form input[name="services"]').checked`) {
		p.Click(`#consent-form input[name="services"]`)
	}
	for _, ag := range agencies {
		p.Click(`#consent-form input[name="refer"][value="` + ag + `"]`)
	}
	if st := p.ClickNav("#save-consent"); st != 200 {
		p.fatal("consent: status %d", st)
	}
	success(p, "已记录知情同意")
}

// caseRefer refers the case to the agency.
func caseRefer(p *Page, agency string) {
	p.t.Helper()
	setSelect(p, "#f-refer-agency", agency)
	if st := p.ClickNav("#refer"); st != 200 {
		p.fatal("refer to %s: status %d", agency, st)
	}
	success(p, "已转介")
}

// caseGlass is a leader above at the case's line: no narrative until she
// breaks the glass with a reason; then she reads it (want is in it), told
// she reads through the glass, and no form is offered.
func caseGlass(t *testing.T, p *Page, want string) {
	t.Helper()
	if p.Has("#case-narrative") {
		p.fatal("the leader above reads the narrative without breaking the glass")
	}
	p.Screenshot("line")
	p.Fill("#f-glass-reason", "督办高危家暴案件，核实处置情况")
	if st := p.ClickNav("#break-glass"); st != 200 {
		p.fatal("break the glass: status %d", st)
	}
	success(p, "已破窗查看")
	wantContains(t, p, "narrative through the glass", p.Text("#case-narrative"), want)
	if !p.Has("#glass-note") || p.Has("#note-form") {
		p.fatal("through the glass: the note is missing or the forms are offered")
	}
}
