package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/testapp"
)

// TestLayout: every main page fits the window (no sideways scrolling of the
// page on a 375-px phone, nor on a desktop), the phone has its menu button
// and the desktop its sidebar. With HALFSKY_SCREENSHOT_DIR set, each page is
// photographed at both widths.
func TestLayout(t *testing.T) {
	t.Parallel()
	app := sqliteApp(t)
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		p := NewPage(t, app.URL, vp)
		p.Open("/login")
		checkLayout(t, p, "login", false)

		signIn(t, p, "daoli.leader")
		var staffID int64
		if err := app.DB.QueryRow(context.Background(), `SELECT id FROM users WHERE username = 'daoli.staff'`).Scan(&staffID); err != nil {
			t.Fatal(err)
		}
		pages := []struct{ name, path string }{
			{"home", "/"},
			{"org", "/org"},
			{"org-street", "/org/230102001"},
			{"org-community", "/org/230102001001"},
			{"org-search", "/org/search?under=230102&q=" + "兆麟"},
			{"org-search-all", "/org/search?under=230102"},
			{"users", "/users"},
			{"user-new", "/users/new"},
			{"user-show", "/users/" + strconv.FormatInt(staffID, 10)},
			{"profile", "/profile"},
		}
		for _, pg := range pages {
			if st := p.Open(pg.path); st != 200 {
				p.fatal("%s: status %d", pg.path, st)
			}
			checkLayout(t, p, pg.name, true)
		}
		if vp.Phone {
			p.Open("/")
			p.OpenMenu()
			for _, href := range []string{"/", "/org", "/users", "/profile"} {
				if !p.Visible(`details.menu .menu-panel a[href="` + href + `"]`) {
					p.fatal("the open menu does not show %s", href)
				}
			}
			if scrolls, widths := p.Scrolls(); scrolls {
				p.fatal("with the menu open the page scrolls sideways (%s): %v", widths, p.Overflowing())
			}
			p.Screenshot("menu-open")
		}
		wantRefusal(p, "/org/230103", p.Open("/org/230103"), 404, pageNotFound)
		checkLayout(t, p, "not-found", true)
	})
}

// TestLayoutAudit: the auditor's page, with the widest table.
func TestLayoutAudit(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		app := sqliteApp(t) // the auditor's TOTP code cannot be used twice in one app
		enableTOTP(t, app, "auditor")
		p := NewPage(t, app.URL, vp)
		if st := p.Login("auditor", testapp.Password); st != 200 || !strings.HasPrefix(p.Path(), "/login/otp") {
			p.fatal("auditor password step: status %d at %s", st, p.Path())
		}
		code, err := auth.TOTPCode(testSecret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		p.Fill("#f-otp", code)
		if st := p.ClickNav(`form[action="/login/otp"] button[type="submit"]`); st != 200 || p.Path() != "/" {
			p.fatal("auditor sign-in: status %d at %s", st, p.Path())
		}
		if st := p.Nav("/audit"); st != 200 || !p.Has("#audit-events") {
			p.fatal("审计日志: status %d, events table present: %v", st, p.Has("#audit-events"))
		}
		checkLayout(t, p, "audit", true)
	})
}

// testSecret is the TOTP secret enableTOTP gives an account.
const testSecret = "JBSWY3DPEHPK3PXP"

// enableTOTP binds testSecret to username directly in the database (the
// enrolment flow itself is TestAdminTOTP's).
func enableTOTP(t *testing.T, app *testapp.App, username string) {
	t.Helper()
	if _, err := app.DB.Exec(context.Background(), `UPDATE users SET totp_secret = ?, totp_enabled = 1, totp_last_step = 0 WHERE username = ?`, testSecret, username); err != nil {
		t.Fatal(err)
	}
}

// checkLayout asserts the page fits the window and has the navigation of
// its width, then photographs it.
func checkLayout(t *testing.T, p *Page, name string, signedIn bool) {
	t.Helper()
	if scrolls, widths := p.Scrolls(); scrolls {
		p.Screenshot(name + "-overflow")
		p.fatal("%s (%s) scrolls sideways: %s; sticking out: %s", name, p.Path(), widths, strings.Join(p.Overflowing(), ", "))
	}
	// A table may scroll inside its own frame on a phone; on a desktop a
	// cut-off column is worth knowing about (logged, not a failure).
	if !p.VP.Phone {
		for _, w := range Eval[[]string](p, `Array.from(document.querySelectorAll(".table-wrap")).filter(function (e) {
  return e.scrollWidth > e.clientWidth + 1;
}).map(function (e) { var t = e.querySelector("table"); return (t && t.id ? "#" + t.id : "table") + " needs " + e.scrollWidth + "px in " + e.clientWidth + "px"; })`) {
			t.Logf("NOTE %s (%s): %s scrolls sideways inside its frame", name, p.Path(), w)
		}
	}
	if signedIn {
		toggle, sidebar, userbox := p.Visible("details.menu > summary.menu-toggle"), p.Visible("aside.sidebar"), p.Visible(".userbox")
		if p.VP.Phone && (!toggle || sidebar || userbox) {
			p.fatal("%s on a phone: menu button visible %v (want true), sidebar visible %v, header user box visible %v (want false)", name, toggle, sidebar, userbox)
		}
		if !p.VP.Phone && (toggle || !sidebar || !userbox) {
			p.fatal("%s on a desktop: sidebar visible %v, header user box visible %v (want true), menu button visible %v (want false)", name, sidebar, userbox, toggle)
		}
		if p.Has("aside.sidebar") && p.Has(".sidebar a.active") && !strings.HasPrefix(p.Path(), "/org/search") {
			// The page's own entry is marked as the current one.
			if p.Attr(".sidebar a.active", "aria-current") != "page" {
				p.fatal("%s: the active navigation entry lacks aria-current", name)
			}
		}
	}
	p.Screenshot(name)
}
