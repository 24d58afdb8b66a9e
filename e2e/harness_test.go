package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps the errors reported to it instead of
// failing the test, so the harness itself can be tested.
type recorder struct {
	*testing.T
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.errs
	r.errs = nil
	return e
}

// TestHarnessCatchesBrowserErrors makes sure a green run means something:
// the page checks see console errors, uncaught exceptions, CSP violations
// and failed subresources, while an error page the test asked for is not
// held against it.
func TestHarnessCatchesBrowserErrors(t *testing.T) {
	app := sqliteApp(t)
	rec := &recorder{T: t}
	p := NewPage(rec, app.URL, Viewports[0])

	// Error pages on purpose (401 wrong password, 404) are no console problem.
	p.Login("daoli.leader", "wrong-password")
	p.Open("/no-such-page")
	p.CheckConsole()
	if errs := rec.take(); len(errs) != 0 {
		t.Fatalf("clean pages reported problems: %q", errs)
	}

	cases := []struct{ name, js, want string }{
		{"console.error", `console.error("boom-console")`, "boom-console"},
		{"uncaught exception", `setTimeout(function () { throw new Error("boom-exception"); }, 0)`, "boom-exception"},
		{"CSP violation", `(function () { var s = document.createElement("script"); s.textContent = "window.inlineRan = 1"; document.body.appendChild(s); })()`, "CSP"},
		{"missing script", `(function () { var s = document.createElement("script"); s.src = "/static/missing-e2e.js"; document.body.appendChild(s); })()`, "missing-e2e.js"},
	}
	for _, c := range cases {
		Eval[any](p, c.js+`, null`)
		var errs []string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			p.CheckConsole()
			if errs = append(errs, rec.take()...); len(errs) > 0 && strings.Contains(strings.Join(errs, "\n"), c.want) {
				break
			}
		}
		if !strings.Contains(strings.Join(errs, "\n"), c.want) {
			t.Errorf("%s: reported %q, want a report containing %q", c.name, errs, c.want)
		}
	}
	if Eval[bool](p, `window.inlineRan === 1`) {
		t.Error("the inline script ran: the page has no CSP")
	}
}
