// Package e2e drives a whole halfsky (internal/testapp) in a real headless
// Chromium through chromedp: the pages as a federation cadre uses them, at a
// desktop and a phone width, failing on any console error, uncaught
// exception or CSP violation.
//
// One browser serves the whole package run (started on first use, stopped
// by Main); each test gets a fresh browser context (its own cookies, like an
// incognito window) and one tab.
//
// Environment:
//
//	HALFSKY_CHROMIUM         the browser binary (default /usr/bin/chromium)
//	HALFSKY_SCREENSHOT_DIR   when set, Page.Screenshot writes PNGs there
//	HALFSKY_TEST_REQUIRE_ALL a missing browser fails instead of skipping
//	HALFSKY_E2E_TIMEOUT      one test's browser time limit (default 90s)
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"halfsky/internal/testdb"
)

// TestTimeout bounds one test's browser work; HALFSKY_E2E_TIMEOUT (a Go
// duration) changes it for a slow machine.
var TestTimeout = 90 * time.Second

func init() {
	if v := os.Getenv("HALFSKY_E2E_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			TestTimeout = d
		}
	}
}

// Viewport is a browser window size the pages must work at.
type Viewport struct {
	Name          string
	Width, Height int64
	Phone         bool // a touch phone: mobile emulation, the <details> menu
}

// Viewports are the two widths every flow runs at.
var Viewports = []Viewport{
	{Name: "desktop", Width: 1280, Height: 900},
	{Name: "phone", Width: 375, Height: 812, Phone: true},
}

// ForEachViewport runs fn as a subtest at each viewport, the viewports in
// parallel (go test's -parallel bounds how many tabs work at once).
func ForEachViewport(t *testing.T, fn func(t *testing.T, vp Viewport)) {
	t.Helper()
	for _, vp := range Viewports {
		t.Run(vp.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, vp)
		})
	}
}

// OnDesktop runs fn once, as a subtest at the desktop viewport. The
// PostgreSQL runs of the flows use it: the SQLite runs drive the same
// flows at both viewports, the engine and the viewport do not depend on
// each other, and a flow's run costs Chromium some ten CPU-seconds.
func OnDesktop(t *testing.T, fn func(t *testing.T, vp Viewport)) {
	t.Helper()
	vp := Viewports[0]
	t.Run(vp.Name, func(t *testing.T) { fn(t, vp) })
}

// ChromiumPath is the browser binary to drive.
func ChromiumPath() string {
	if p := os.Getenv("HALFSKY_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

var shared struct {
	once   sync.Once
	ctx    context.Context // a chromedp context whose browser is running
	err    error
	stop   func()
	absent bool // the binary is not there (as opposed to failing to start)
}

// Main runs the package's tests and then stops the shared browser; call it
// from TestMain: os.Exit(e2e.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	return code
}

func startBrowser() {
	path := ChromiumPath()
	if _, err := exec.LookPath(path); err != nil {
		shared.err, shared.absent = fmt.Errorf("chromium not found at %s (set HALFSKY_CHROMIUM; scripts/deps.sh installs it): %w", path, err), true
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
		// Chromium's process model swaps a tab's frame, and keeps the page
		// left for the back-forward cache, on every navigation: a fifth of
		// the suite's CPU, for nothing the tests look at (measured: 20
		// loads of /login 0.26 → 0.20 CPU-seconds each). Besides the three
		// chromedp leaves out.
		chromedp.Flag("disable-features", "site-per-process,Translate,BlinkGenPropertyTrees,BackForwardCache,ProactivelySwapBrowsingInstance,RenderDocument"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first Do starts the browser; its context must have no deadline,
	// or the deadline would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		shared.err = fmt.Errorf("starting chromium %s: %w", path, err)
		return
	}
	shared.ctx = ctx
	shared.stop = func() { cancelCtx(); cancelAlloc() }
}

// browser returns the shared browser, skipping the test when there is no
// Chromium and the run does not require one.
func browser(t testing.TB) context.Context {
	t.Helper()
	shared.once.Do(startBrowser)
	if shared.err != nil {
		if shared.absent && !testdb.Required() {
			t.Skip(shared.err)
		}
		t.Fatal(shared.err)
	}
	return shared.ctx
}

// Page is one tab in a fresh browser context, pointed at one halfsky.
type Page struct {
	t    testing.TB
	ctx  context.Context // the tab, with the test's deadline
	Base string          // the app's URL, e.g. http://127.0.0.1:41234
	VP   Viewport

	mu       sync.Mutex
	problems []string        // console errors, exceptions, CSP violations
	failDocs map[string]bool // documents the server answered with >= 400 on purpose
	dialogs  []string        // messages of the JS dialogs that were accepted
	checked  int             // problems already reported
}

// cspProbe reports CSP violations to the console as errors, so they fail the
// test even if Chromium's own report were to change. DevTools-injected
// scripts are not subject to the page's CSP.
const cspProbe = `document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// NewPage opens a tab at vp for the app at base. The tab and its browser
// context close when the test ends, after the console has been checked.
func NewPage(t testing.TB, base string, vp Viewport) *Page {
	t.Helper()
	bctx := browser(t)
	tabCtx, closeTab := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	p := &Page{t: t, Base: strings.TrimSuffix(base, "/"), VP: vp, failDocs: map[string]bool{}}
	// The first Run creates the tab; the tab lives as long as tabCtx.
	if err := chromedp.Do(tabCtx); err != nil {
		closeTab()
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, TestTimeout)
	p.ctx = ctx
	t.Cleanup(func() {
		p.CheckConsole()
		cancel()
		closeTab()
	})
	if err := chromedp.Listen(tabCtx, p.onEvent); err != nil {
		t.Fatal(err)
	}
	emu := []chromedp.EmulateViewportOption{}
	if vp.Phone {
		emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(vp.Width, vp.Height, emu...)); err != nil {
		t.Fatalf("setting the viewport: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatalf("installing the CSP probe: %v", err)
	}
	// A Harbin user's browser: Chinese locale (Intl formatting), Beijing time.
	if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "zh_CN"}); err != nil {
		t.Fatalf("setting the locale: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"}); err != nil {
		t.Fatalf("setting the time zone: %v", err)
	}
	return p
}

// onEvent runs on the tab's reader goroutine: record, never block.
func (p *Page) onEvent(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				switch {
				case len(a.Value) > 0:
					s := string(a.Value)
					if u, err := strconv.Unquote(s); err == nil {
						s = u
					}
					parts = append(parts, s)
				case a.Description != "":
					parts = append(parts, a.Description)
				}
			}
			p.problem("console.%s: %s", ev.Type, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		p.problem("uncaught exception at %s:%d: %s", d.URL, d.LineNumber, msg)
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level != log.EntryLevelError {
			return
		}
		if e.Source == log.EntrySourceNetwork {
			p.mu.Lock()
			expected := p.failDocs[e.URL]
			p.mu.Unlock()
			if expected {
				return // "Failed to load resource: 404" for a page we meant to get a 404
			}
		}
		p.problem("browser log (%s) %s: %s", e.Source, e.URL, e.Text)
	case *network.EventResponseReceived:
		// An error page (401 on a wrong password, 404, 403, 422 on a bad
		// form) is a document the test asserts on; Chromium logs each as
		// "Failed to load resource". Failing scripts, styles or images are
		// not excused.
		if ev.Type == network.ResourceTypeDocument && ev.Response.Status >= 400 {
			p.mu.Lock()
			p.failDocs[ev.Response.URL] = true
			p.mu.Unlock()
		}
	case *page.EventJavascriptDialogOpening:
		p.mu.Lock()
		p.dialogs = append(p.dialogs, ev.Message)
		p.mu.Unlock()
		// A dialog blocks the page and the click that opened it; answer it
		// from another goroutine (a listener must not send commands).
		go func() {
			if _, err := chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil && p.ctx.Err() == nil {
				p.problem("accepting dialog %q: %v", ev.Message, err)
			}
		}()
	}
}

func (p *Page) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// Dialogs returns the messages of the JS dialogs accepted so far.
func (p *Page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// CheckConsole fails the test for every console error, uncaught exception
// or CSP violation seen since the last check. It runs by itself when the
// test ends.
func (p *Page) CheckConsole() {
	p.t.Helper()
	// A round trip makes sure the events sent before it have been read.
	if p.ctx.Err() == nil {
		chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](`0`))
	}
	p.mu.Lock()
	fresh := p.problems[p.checked:]
	p.checked = len(p.problems)
	p.mu.Unlock()
	for _, s := range fresh {
		p.t.Errorf("[%s] browser: %s", p.VP.Name, s)
	}
}

// fatal stops the test with what the page shows, to make failures readable.
func (p *Page) fatal(format string, args ...any) {
	p.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if p.ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		cancel()
		if len([]rune(body)) > 1500 {
			body = string([]rune(body)[:1500]) + "…"
		}
		msg += fmt.Sprintf("\n  at %s\n  page text:\n%s", loc, indent(body))
	}
	p.CheckConsole()
	p.t.Fatalf("[%s] %s", p.VP.Name, msg)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ")
}

func (p *Page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.fatal("%s: %v", what, err)
	}
}

// Open loads path (relative to the app) and returns the HTTP status.
func (p *Page) Open(path string) int {
	p.t.Helper()
	res, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(p.Base+path))
	if err != nil {
		p.fatal("open %s: %v", path, err)
	}
	return statusOf(res)
}

func statusOf(res *network.Response) int {
	if res == nil {
		return 0
	}
	return int(res.Status)
}

// ClickNav clicks the element matched by the CSS selector sel, waits for the
// page it leads to (following redirects) and returns that page's status.
func (p *Page) ClickNav(sel string) int {
	p.t.Helper()
	res, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.fatal("click %s: %v", sel, err)
	}
	return statusOf(res)
}

// Click clicks sel without waiting for a navigation.
func (p *Page) Click(sel string) {
	p.t.Helper()
	p.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Fill replaces the value of the input sel with v, entered as a person's
// keyboard or input method would (Input.insertText: input events fire).
func (p *Page) Fill(sel, v string) {
	p.t.Helper()
	ok := Eval[bool](p, `(function (e) {
  if (!e) return false;
  e.focus(); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true}));
  return document.activeElement === e;
})(document.querySelector(`+strconv.Quote(sel)+`))`)
	if !ok {
		p.fatal("fill %s: no such field, or it cannot take the focus", sel)
	}
	if _, err := chromedp.Call(p.ctx, input.InsertText, input.InsertTextParams{Text: v}); err != nil {
		p.fatal("fill %s: %v", sel, err)
	}
}

// Text is the rendered text of the first element matching sel.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	s := Eval[*string](p, `(function (e) { return e ? e.innerText : null; })(document.querySelector(`+strconv.Quote(sel)+`))`)
	if s == nil {
		p.fatal("text of %s: no such element", sel)
	}
	return strings.TrimSpace(*s)
}

// Body is the rendered text of the whole page.
func (p *Page) Body() string {
	p.t.Helper()
	return Eval[string](p, `document.body.innerText`)
}

// HTML is the page's whole markup (hidden parts included).
func (p *Page) HTML() string {
	p.t.Helper()
	return Eval[string](p, `document.documentElement.outerHTML`)
}

// Attr is attribute name of the first element matching sel ("" when absent).
func (p *Page) Attr(sel, name string) string {
	p.t.Helper()
	v := Eval[*string](p, `(function (e) { return e ? (e.getAttribute(`+strconv.Quote(name)+`) || "") : null; })(document.querySelector(`+strconv.Quote(sel)+`))`)
	if v == nil {
		p.fatal("attribute %s of %s: no such element", name, sel)
	}
	return *v
}

// Has reports whether an element matches sel right now.
func (p *Page) Has(sel string) bool {
	p.t.Helper()
	return Eval[bool](p, `document.querySelector(`+strconv.Quote(sel)+`) !== null`)
}

// Visible reports whether the first element matching sel is rendered with
// a size and not hidden.
func (p *Page) Visible(sel string) bool {
	p.t.Helper()
	return Eval[bool](p, `(function (e) {
  if (!e) return false;
  var r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
})(document.querySelector(`+strconv.Quote(sel)+`))`)
}

// Path is the current location's path and query.
func (p *Page) Path() string {
	p.t.Helper()
	return Eval[string](p, `location.pathname + location.search`)
}

// Title is the document title.
func (p *Page) Title() string {
	p.t.Helper()
	return Eval[string](p, `document.title`)
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.fatal("evaluate %s: %v", expr, err)
	}
	return v
}

// Nav follows a main-navigation entry (href such as "/org"): the sidebar on
// a desktop, the <details> menu on a phone (opened first).
func (p *Page) Nav(href string) int {
	p.t.Helper()
	if p.VP.Phone {
		p.OpenMenu()
		return p.ClickNav(`details.menu .menu-panel nav a[href="` + href + `"]`)
	}
	return p.ClickNav(`aside.sidebar nav a[href="` + href + `"]`)
}

// OpenMenu opens the phone menu (a no-op when it is open).
func (p *Page) OpenMenu() {
	p.t.Helper()
	if Eval[bool](p, `!!document.querySelector("details.menu[open]")`) {
		return
	}
	p.do("open the menu", chromedp.Click(chromedp.CSS("details.menu > summary.menu-toggle")),
		chromedp.WaitVisible(chromedp.CSS("details.menu[open] .menu-panel")))
}

// Logout presses 退出: in the header on a desktop, in the menu on a phone.
func (p *Page) Logout() int {
	p.t.Helper()
	if p.VP.Phone {
		p.OpenMenu()
		return p.ClickNav("details.menu .menu-logout button[type=submit]")
	}
	return p.ClickNav(".userbox form[action='/logout'] button[type=submit]")
}

// Login fills the login form (at /login) and submits it.
func (p *Page) Login(username, password string) int {
	p.t.Helper()
	if !strings.HasPrefix(p.Path(), "/login") {
		p.Open("/login")
	}
	p.Fill("#f-username", username)
	p.Fill("#f-password", password)
	return p.ClickNav("#login-submit")
}

// Scrolls reports whether the page is wider than the window (it scrolls
// sideways), with the widths.
func (p *Page) Scrolls() (bool, string) {
	p.t.Helper()
	w := Eval[[]float64](p, `[document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]`)
	return w[0] > w[1]+1, fmt.Sprintf("documentElement.scrollWidth=%v body.scrollWidth=%v innerWidth=%v", w[0], w[2], w[1])
}

// Overflowing lists the elements that stick out past the right edge of the
// window, to say why a page scrolls sideways.
func (p *Page) Overflowing() []string {
	p.t.Helper()
	return Eval[[]string](p, `(function () {
  var out = [], w = window.innerWidth;
  document.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0) {
      var d = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
      out.push(d + " right=" + Math.round(r.right));
    }
  });
  return out.slice(0, 15);
})()`)
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// Screenshot saves the whole page as $HALFSKY_SCREENSHOT_DIR/<test>-<viewport>-<name>.png
// when that variable is set, and does nothing otherwise.
func (p *Page) Screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv("HALFSKY_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	// Let fonts and the flash settle so the picture shows the page.
	chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](`document.fonts.ready`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	// Capturing beyond the viewport scrolls a mobile-emulated page; put
	// the scroll position back, or the next click may land elsewhere.
	at := Eval[[]float64](p, `[window.scrollX, window.scrollY]`)
	buf, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.fatal("screenshot %s: %v", name, err)
	}
	Eval[any](p, fmt.Sprintf(`window.scrollTo(%v, %v), null`, at[0], at[1]))
	test := strings.SplitN(p.t.Name(), "/", 2)[0]
	test = strings.TrimPrefix(test, "Test")
	file := filepath.Join(dir, unsafeName.ReplaceAllString(strings.ToLower(test)+"-"+p.VP.Name+"-"+name, "_")+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", file)
}

// FillDate types iso (YYYY-MM-DD) into the date input sel from the
// keyboard, as a person would: the digits of month, day and year in the
// order the control shows them for the browser's locale (mm/dd/yyyy for
// en-US, yyyy/mm/dd for zh-CN), then checks the value the form will send.
func (p *Page) FillDate(sel, iso string) {
	p.t.Helper()
	d, err := time.Parse("2006-01-02", iso)
	if err != nil {
		p.fatal("fill date %s: %q is not YYYY-MM-DD", sel, iso)
	}
	order := Eval[[]string](p, `new Intl.DateTimeFormat(navigator.language, {year: "numeric", month: "2-digit", day: "2-digit"})
  .formatToParts(new Date(2015, 7, 11)).map(function (x) { return x.type; })
  .filter(function (t) { return t === "year" || t === "month" || t === "day"; })`)
	var keys strings.Builder
	for _, part := range order {
		switch part {
		case "year":
			fmt.Fprintf(&keys, "%04d", d.Year())
		case "month":
			fmt.Fprintf(&keys, "%02d", int(d.Month()))
		case "day":
			fmt.Fprintf(&keys, "%02d", d.Day())
		}
	}
	p.do("fill date "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(keys.String()))
	if v := Eval[string](p, `document.querySelector(`+strconv.Quote(sel)+`).value`); v != iso {
		p.fatal("fill date %s: typed %q (fields %v), the input holds %q, want %q", sel, keys.String(), order, v, iso)
	}
}
