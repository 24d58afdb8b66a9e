package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"halfsky/internal/config"
	"halfsky/internal/testapp"
)

// axe-core, the accessibility checker, vendored by scripts/vendor-assets.sh
// (pinned, checked against npm's integrity hash there and against the
// recorded SHA-256 here) and injected into the page by the test: the
// binary never serves it.
var (
	//go:embed vendor/axe.min.js
	axeSource []byte
	//go:embed vendor/VERSIONS
	axeVersions string
)

// TestAxeVendored: the embedded axe-core is the file VERSIONS records.
func TestAxeVendored(t *testing.T) {
	sum := sha256.Sum256(axeSource)
	sc := bufio.NewScanner(strings.NewReader(axeVersions))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 4 && f[0] == "axe-core" && f[2] == "axe.min.js" {
			if f[3] != hex.EncodeToString(sum[:]) {
				t.Fatalf("e2e/vendor/axe.min.js has SHA-256 %x, VERSIONS records %s: run scripts/vendor-assets.sh", sum, f[3])
			}
			if !bytes.Contains(axeSource, []byte(`version:"`+f[1]+`"`)) && !bytes.Contains(axeSource, []byte(`"`+f[1]+`"`)) {
				t.Errorf("axe.min.js does not say its version %s", f[1])
			}
			return
		}
	}
	t.Fatal("e2e/vendor/VERSIONS has no axe-core line")
}

// axeTags are the rules run: WCAG 2.0 and 2.1, levels A and AA (GB/T
// 37668-2019 follows WCAG 2.0 AA).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// violation is one failed axe rule with where it failed.
type violation struct {
	ID    string   `json:"id"`
	Help  string   `json:"help"`
	Nodes []string `json:"nodes"`
}

// Accessible runs axe-core over the page and fails the test for every
// violation of the WCAG 2.1 A and AA rules.
func (p *Page) Accessible(name string) {
	p.t.Helper()
	if !Eval[bool](p, `typeof window.axe === "object"`) {
		// DevTools evaluation is not held to the page's CSP.
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](string(axeSource)+"\n;0")); err != nil {
			p.fatal("injecting axe-core: %v", err)
		}
	}
	tags, _ := json.Marshal(axeTags)
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
  .then(function (r) { return JSON.stringify(r.violations.map(function (v) {
    return {id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" ") + ": " + (n.failureSummary || ""); })};
  })); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fatal("running axe-core on %s: %v", name, err)
	}
	var vs []violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		p.fatal("axe-core's answer: %v", err)
	}
	for _, v := range vs {
		p.t.Errorf("[%s] %s (%s): axe %s — %s\n    %s", p.VP.Name, name, p.Path(), v.ID, v.Help, strings.Join(v.Nodes, "\n    "))
	}
}

// Weight is what the page's loading transferred, in bytes (the document
// and every resource, headers included), and the URLs it loaded.
func (p *Page) Weight() (int, []string) {
	p.t.Helper()
	var w struct {
		Bytes int      `json:"bytes"`
		URLs  []string `json:"urls"`
	}
	raw := Eval[string](p, `JSON.stringify((function () {
  var es = performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"));
  return {bytes: es.reduce(function (s, e) { return s + (e.transferSize || e.encodedBodySize || 0); }, 0),
    urls: es.map(function (e) { return e.name; })};
})())`)
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		p.fatal("page weight: %v", err)
	}
	return w.Bytes, w.URLs
}

// publicPage checks a public page as a woman on a phone or a desktop
// meets it: the hotlines and the quick exit, no sideways scrolling at
// normal and doubled text size, under 150 KB, nothing loaded from
// anywhere but this server, and no accessibility violation.
func publicPage(t *testing.T, p *Page, name string, door bool) {
	t.Helper()
	if door {
		for _, sel := range []string{`a[href="tel:12338"]`, `a[href="tel:110"]`, `#quick-exit[href="/n"]`} {
			if !p.Visible(sel) {
				p.fatal("%s: %s is not shown", name, sel)
			}
		}
		if h := Eval[float64](p, `document.getElementById("quick-exit").getBoundingClientRect().height`); h < 44 {
			p.fatal("%s: the quick exit is %.0f px high, want at least 44", name, h)
		}
	}
	if fs := Eval[float64](p, `parseFloat(getComputedStyle(document.body).fontSize)`); fs < 18 {
		p.fatal("%s: body text is %.1f px, want at least 18", name, fs)
	}
	bytes, urls := p.Weight()
	if bytes >= 150<<10 || bytes == 0 {
		p.fatal("%s weighs %d bytes, want under 150 KB", name, bytes)
	}
	for _, u := range urls {
		if pu, err := url.Parse(u); err != nil || pu.Hostname() != "127.0.0.1" {
			p.fatal("%s loaded %s, not from 127.0.0.1", name, u)
		}
	}
	if scrolls, widths := p.Scrolls(); scrolls {
		p.fatal("%s scrolls sideways: %s; %v", name, widths, p.Overflowing())
	}
	p.Accessible(name)
	p.Screenshot(name)
	// Text at twice its size (WCAG 1.4.4): still no sideways scrolling.
	Eval[any](p, `document.documentElement.style.fontSize = "225%", null`)
	if scrolls, widths := p.Scrolls(); scrolls {
		p.Screenshot(name + "-200")
		p.fatal("%s at 200%% text scrolls sideways: %s; %v", name, widths, p.Overflowing())
	}
	p.Screenshot(name + "-200")
	Eval[any](p, `document.documentElement.style.fontSize = "", null`)
}

// TestPublicDoor: the public pages at a phone's and a desktop's width,
// without signing in: accessible (axe-core, WCAG 2.1 A and AA), light,
// local, with the hotlines and the quick exit; the quick exit leaves no
// way Back to the page; and, once the rights service is wired, a woman
// files a request from her phone, gets her code and looks it up.
func TestPublicDoor(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		// An app each: both viewports ask from 127.0.0.1, and the limits
		// (low here, to bring the CAPTCHA) count per address.
		cfg := testapp.Config()
		cfg.Public = config.PublicLimits{SubmitsPerHour: 100, LookupsPerHour: 2, CodeLookupsPerHour: 100}
		app := testapp.StartConfig(t, seededSQLite(t), cfg)
		wired := app.Client(t).Do("GET", "/api/public/v1/categories", nil).Status == 200
		p := NewPage(t, app.URL, vp)
		want := 503
		if wired {
			want = 200
		}
		for _, pg := range []struct{ name, path string }{{"help", "/help"}, {"status", "/help/status"}} {
			if st := p.Open(pg.path); st != want {
				p.fatal("%s: status %d, want %d", pg.path, st, want)
			}
			publicPage(t, p, pg.name, true)
		}
		if st := p.Open("/n"); st != 200 || !strings.Contains(p.Title(), "日历") {
			p.fatal("/n: %d %q", st, p.Title())
		}
		publicPage(t, p, "neutral", false)

		// The quick exit replaces the page: Back does not return to it.
		quickExit(t, p, func() { p.Click("#quick-exit") })
		quickExit(t, p, func() {
			p.do("Esc twice", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Escape))
		})
		if !wired {
			t.Log("internal/rights is not wired into server.New: the form, the code and the lookup are checked once it is")
			return
		}
		fileAndLookUp(t, p)
	})
}

// quickExit opens the form, leaves by exit, and goes Back.
func quickExit(t *testing.T, p *Page, exit func()) {
	t.Helper()
	p.Open("/help")
	exit()
	if !waitFor(p, `location.pathname === "/n"`) {
		p.fatal("the quick exit did not go to /n (at %s)", p.Path())
	}
	Eval[any](p, `history.back(), null`)
	time.Sleep(300 * time.Millisecond)
	if strings.HasPrefix(Eval[string](p, `location.href`), p.Base+"/help") {
		p.fatal("Back after the quick exit returns to the form")
	}
}

// waitFor polls a JavaScript condition for up to five seconds.
func waitFor(p *Page, cond string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return true
		}
	}
	return false
}

// fileAndLookUp files a request through the form, the place picker
// filled by script, and looks up its code; then a wrong code past the
// limit brings the CAPTCHA. Each page is checked as a public page.
func fileAndLookUp(t *testing.T, p *Page) {
	t.Helper()
	p.Open("/help")
	if p.Has("button.step") {
		p.fatal("with script the picker's step buttons are shown")
	}
	// Sent nearly empty: each message beside its field, nothing lost.
	p.Fill("#f-text", "<b>他</b>又来了")
	if st := p.ClickNav("#help-submit"); st != 422 {
		p.fatal("an empty form: %d", st)
	}
	for _, id := range []string{"#e-category", "#e-district", "#e-consent", "#e-phone"} {
		if !p.Visible(id) {
			p.fatal("no message %s", id)
		}
	}
	if got := Eval[string](p, `document.getElementById("f-text").value`); got != "<b>他</b>又来了" {
		p.fatal("the text came back as %q", got)
	}
	publicPage(t, p, "form-refused", true)
	p.Open("/help")
	code := fileHelp(p, helpForm{Category: "marriage.divorce", Text: "丈夫喝酒后打我，孩子很害怕", Community: "230102001001", Phone: "13912345678"})
	publicPage(t, p, "help-done", true)

	if lookUp(p, code) == "" {
		p.fatal("looking up: no status")
	}
	if body := p.Body(); strings.Contains(body, "13912345678") || strings.Contains(body, "喝酒") {
		p.fatal("the status page shows what she wrote")
	}
	publicPage(t, p, "status-result", true)

	for range 3 {
		p.Open("/help/status")
		p.Fill("#f-code", "WRONGCODE00")
		p.ClickNav("#status-submit")
	}
	if !p.Visible(`.captcha img`) {
		p.fatal("no CAPTCHA after three wrong codes")
	}
	publicPage(t, p, "status-captcha", true)
}

// TestAxeCatches: the accessibility check sees a violation when there is
// one (an image without a text alternative, a field without a label).
func TestAxeCatches(t *testing.T) {
	app := sqliteApp(t)
	rec := &recorder{T: t}
	p := NewPage(rec, app.URL, Viewports[1])
	p.Open("/n")
	p.Accessible("neutral")
	if errs := rec.take(); len(errs) != 0 {
		t.Fatalf("the neutral page: %q", errs)
	}
	Eval[any](p, `(function () {
  var i = document.createElement("img"); i.src = "/public/none.png"; document.body.appendChild(i);
  var f = document.createElement("input"); document.body.appendChild(f);
})(), null`)
	p.Accessible("broken")
	got := strings.Join(rec.take(), "\n")
	for _, rule := range []string{"image-alt", "label"} {
		if !strings.Contains(got, "axe "+rule) {
			t.Errorf("axe did not report %s: %s", rule, got)
		}
	}
	p.CheckConsole()
	rec.take() // the missing image's 404
}

// helpForm is what a woman writes on the public form.
type helpForm struct {
	Category, Text     string
	Community          string // a community's code: its district and street are its first 6 and 9 digits
	Phone, ContactTime string
}

// fileHelp fills the public form open in p as she would, the place
// picker listing each level once the one above is chosen (the choices
// made by script), sends it and returns the tracking code she is given.
func fileHelp(p *Page, f helpForm) string {
	p.t.Helper()
	choose(p, "#f-category", f.Category)
	p.Fill("#f-text", f.Text)
	district, street := f.Community[:6], f.Community[:9]
	choose(p, "#f-district", district)
	if !waitFor(p, `!!document.querySelector('#f-street option[value="`+street+`"]')`) {
		p.fatal("choosing the district %s did not list its streets", district)
	}
	choose(p, "#f-street", street)
	if !waitFor(p, `!!document.querySelector('#f-community option[value="`+f.Community+`"]')`) {
		p.fatal("choosing the street %s did not list its communities", street)
	}
	choose(p, "#f-community", f.Community)
	p.Fill("#f-phone", f.Phone)
	if f.ContactTime != "" {
		p.Fill("#f-contact-time", f.ContactTime)
	}
	p.Click("#f-consent")
	if st := p.ClickNav("#help-submit"); st != 200 {
		p.fatal("submitting: status %d", st)
	}
	code := p.Text("#tracking-code")
	if len(code) < 10 {
		p.fatal("the tracking code %q", code)
	}
	return code
}

// lookUp asks /help/status about the code and returns the status shown.
func lookUp(p *Page, code string) string {
	p.t.Helper()
	p.Open("/help/status")
	p.Fill("#f-code", code)
	if st := p.ClickNav("#status-submit"); st != 200 {
		p.fatal("looking up: status %d", st)
	}
	return p.Text("#status-label")
}
