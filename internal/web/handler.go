package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
)

// signedIn requires a fully signed-in user: without a session the browser
// goes to the login page (and comes back afterwards); a session still owing
// its second factor goes to that step; a user who must change their
// password goes to the profile page first.
func (h *handler) signedIn(fn httpx.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := httpx.From(r)
		switch {
		case c == nil:
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
		case !c.Full():
			http.Redirect(w, r, pendingStep(c), http.StatusSeeOther)
		case c.User.MustChangePassword && r.URL.Path != "/profile" && r.URL.Path != "/profile/password" && r.URL.Path != "/logout":
			setFlash(w, Flash{Kind: "info", Text: "您正在使用他人为您设置的临时密码，请先修改密码"})
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
		case c.User.Role == access.NoRole && !roleLessPath(r.URL.Path):
			// An account waiting for its role reaches the page that says
			// so and its profile, nothing else.
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			h.fail(w, r, access.ErrDenied)
		default:
			if r.Method == http.MethodGet {
				clearFlash(w, r) // this page shows it
			}
			h.run(w, r, c, fn)
		}
	})
}

// roleLessPath reports whether an account without a role may open path:
// the work desk (which says it waits for a role), its profile, signing out.
func roleLessPath(path string) bool {
	return path == "/" || path == "/profile" || strings.HasPrefix(path, "/profile/") || strings.HasPrefix(path, "/logout")
}

// pending allows a session that still owes its second factor (enrolment
// and logout pages), and a full one.
func (h *handler) pending(fn httpx.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := httpx.From(r)
		if c == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h.run(w, r, c, fn)
	})
}

// can is signedIn plus a role check; a refusal is audited and answered
// with a 403 page that names no data.
func (h *handler) can(act access.Action, fn httpx.Handler) http.Handler {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		if !c.Actor.Can(act) {
			return access.ErrDenied
		}
		return fn(w, r, c)
	})
}

// run calls a handler and answers the error it returns.
func (h *handler) run(w http.ResponseWriter, r *http.Request, c *httpx.Current, fn httpx.Handler) {
	if err := fn(w, r, c); err != nil {
		h.fail(w, r, err)
	}
}

// fail is the pages' one error mapper: not found, forbidden, conflict,
// invalid input and the unexpected (logged) each get their status and
// Chinese page. A refusal no domain call has recorded is recorded here,
// so every refusal leaves one audit event.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	msg := e.Message
	if audit.Unrecorded(err) {
		if c := httpx.From(r); c != nil {
			httpx.RecordRefusal(r, h.deps.DB, c)
		}
		if !errors.Is(err, access.ErrNotOwner) {
			msg = "您没有访问此页面的权限"
		}
	}
	if e.Status >= 500 {
		slog.ErrorContext(r.Context(), "page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	httpx.RetryLater(w, e)
	h.tpl.Error(w, r, e.Status, msg)
}

// cached serves a page from the page cache (package pagecache): for this
// session and URL, while the database is unchanged and within the minute.
// It goes inside signedIn or can, so every check of the session runs on
// every request; only rendering is saved. For the pages users open most:
// the work desk, the tree, the first pages of the lists.
func (h *handler) cached(fn httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current) (err error) {
		h.deps.Pages.Serve(w, r, c.Session.TokenHash, func(w http.ResponseWriter, r *http.Request) {
			err = fn(w, r, c)
		})
		return err
	}
}
