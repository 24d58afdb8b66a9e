package web

import (
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/httpx"
)

// handler is the HTML front end; one file per page or action hangs off it.
type handler struct {
	deps httpx.Deps
	tpl  *Renderer
}

// Register adds every HTML route to mux: the whole route table is here.
func Register(mux *http.ServeMux, deps httpx.Deps) error {
	tpl, err := NewRenderer()
	if err != nil {
		return err
	}
	h := &handler{deps: deps, tpl: tpl}
	tpl.LayoutFor = h.layoutFor

	mux.Handle("GET /static/", http.StripPrefix("/static/", StaticHandler()))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, mustStatic("favicon.svg"), http.StatusMovedPermanently)
	})

	// Signing in and out.
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.loginSubmit)
	mux.HandleFunc("GET /login/otp", h.otpPage)
	mux.HandleFunc("POST /login/otp", h.otpSubmit)
	mux.Handle("POST /logout", h.pending(h.logout))
	mux.Handle("POST /logout/all", h.signedIn(h.logoutAll))
	mux.Handle("GET /totp/setup", h.pending(h.totpSetupPage))
	mux.Handle("POST /totp/setup", h.pending(h.totpSetupSubmit))

	// The work.
	mux.Handle("GET /{$}", h.signedIn(h.home))
	mux.Handle("GET /org", h.can(access.ViewOrgs, h.orgRoot))
	mux.Handle("GET /org/search", h.can(access.ViewOrgs, h.orgSearch))
	mux.Handle("GET /org/{code}", h.can(access.ViewOrgs, h.orgShow))

	mux.Handle("GET /users", h.can(access.ViewUsers, h.usersList))
	mux.Handle("GET /users/new", h.can(access.ManageUsers, h.userNew))
	mux.Handle("POST /users", h.can(access.ManageUsers, h.userCreate))
	mux.Handle("GET /users/{id}", h.can(access.ViewUsers, h.userShow))
	mux.Handle("POST /users/{id}/{action}", h.signedIn(h.userAction))

	mux.Handle("GET /profile", h.signedIn(h.profile))
	mux.Handle("POST /profile/password", h.signedIn(h.profilePassword))
	mux.Handle("POST /profile/email", h.signedIn(h.profileEmail))
	mux.Handle("POST /profile/totp/disable", h.signedIn(h.profileTOTPDisable))

	mux.Handle("GET /audit", h.can(access.ReadAudit, h.auditList))

	// Anything else is a Chinese 404 page.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.tpl.Error(w, r, http.StatusNotFound, "")
	})
	return nil
}

// nav is the navigation a role sees: only modules that exist and that the
// role may use.
func nav(a access.Actor) []NavItem {
	items := []NavItem{{Href: "/", Label: "工作台", Key: "home"}}
	if a.Can(access.ViewOrgs) {
		items = append(items, NavItem{Href: "/org", Label: "组织机构", Key: "org"})
	}
	if a.Can(access.ViewUsers) {
		items = append(items, NavItem{Href: "/users", Label: "用户管理", Key: "users"})
	}
	if a.Can(access.ReadAudit) {
		items = append(items, NavItem{Href: "/audit", Label: "审计日志", Key: "audit"})
	}
	return append(items, NavItem{Href: "/profile", Label: "个人设置", Key: "profile"})
}

// layoutFor fills the page shell for the signed-in user.
func (h *handler) layoutFor(r *http.Request) Layout {
	var l Layout
	if c := httpx.From(r); c.Full() {
		l.User = &LayoutUser{Name: c.User.DisplayName, Username: c.User.Username, RoleLabel: c.User.Role.Label(), OrgName: c.User.OrgName}
		l.Nav = nav(c.Actor)
	}
	if f, ok := flashFrom(r); ok {
		l.Flash = []Flash{f}
	}
	return l
}

func mustStatic(name string) string {
	u, err := staticURL(name)
	if err != nil {
		return "/static/" + name
	}
	return u
}
