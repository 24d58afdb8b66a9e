package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"halfsky/internal/access"
	"halfsky/internal/app"
	"halfsky/internal/docprint"
	"halfsky/internal/httpx"
	"halfsky/internal/notify"
)

// handler is the HTML front end; one file per page or action hangs off it.
type handler struct {
	deps app.Services
	tpl  *Renderer
}

// Register adds every HTML route to mux: the whole route table starts
// here, one function for each area.
func Register(mux httpx.Mux, deps app.Services) error {
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

	h.sessionRoutes(mux)

	// The work.
	mux.Handle("GET /{$}", h.signedIn(h.cached(h.home)))
	h.orgRoutes(mux)
	h.accountRoutes(mux)
	h.docRoutes(mux)
	h.reportRoutes(mux)

	// The notice's work lines, each in its own file family:
	// 学习 (study*.go), 下基层访妇情办实事 (visits*.go, needs*.go, tasks*.go)
	// and 问题整改台账 (problems*.go).
	h.studyRoutes(mux)
	h.visitRoutes(mux)
	h.problemRoutes(mux)
	h.aidRoutes(mux)
	h.caseRoutes(mux)

	// Anything else is a Chinese 404 page.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.tpl.Error(w, r, http.StatusNotFound, "")
	})
	return nil
}

// sessionRoutes: signing in and out, and the second factor.
func (h *handler) sessionRoutes(mux httpx.Mux) {
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.loginSubmit)
	mux.HandleFunc("GET /login/otp", h.otpPage)
	mux.HandleFunc("POST /login/otp", h.otpSubmit)
	mux.Handle("POST /logout", h.pending(h.logout))
	mux.Handle("POST /logout/all", h.signedIn(h.logoutAll))
	mux.Handle("GET /totp/setup", h.pending(h.totpSetupPage))
	mux.Handle("POST /totp/setup", h.pending(h.totpSetupSubmit))
}

// orgRoutes: the federation tree and its 区划调整.
func (h *handler) orgRoutes(mux httpx.Mux) {
	mux.Handle("GET /org", h.can(access.ViewOrgs, h.cached(h.orgRoot)))
	mux.Handle("GET /org/search", h.can(access.ViewOrgs, h.orgSearch))
	mux.Handle("GET /org/{code}", h.can(access.ViewOrgs, h.cached(h.orgShow)))
	mux.Handle("POST /org/{code}/{action}", h.can(access.ReshapeTree, h.orgReshape)) // move merge split rename recode deactivate
}

// accountRoutes: accounts, administrator role requests, one's own profile, the audit log.
func (h *handler) accountRoutes(mux httpx.Mux) {
	mux.Handle("GET /users", h.can(access.ViewUsers, h.cached(h.usersList)))
	mux.Handle("GET /users/new", h.can(access.ManageUsers, h.userNew))
	mux.Handle("POST /users", h.can(access.ManageUsers, h.userCreate))
	mux.Handle("GET /users/{id}", h.can(access.ViewUsers, httpx.ID(h.userShow)))
	mux.Handle("POST /users/{id}/{action}", h.signedIn(httpx.ID(h.userAction)))
	mux.Handle("GET /role-requests", h.can(access.RequestAdminRoles, h.roleRequestsPage))
	mux.Handle("POST /role-requests/{id}/{action}", h.can(access.RequestAdminRoles, httpx.ID(h.roleRequestDecide))) // approve reject

	mux.Handle("GET /profile", h.signedIn(h.profile))
	mux.Handle("POST /profile/password", h.signedIn(h.profilePassword))
	mux.Handle("POST /profile/email", h.signedIn(h.profileEmail))
	mux.Handle("POST /profile/totp/disable", h.signedIn(h.profileTOTPDisable))
	mux.Handle("POST /profile/recovery-codes", h.signedIn(h.profileRecoveryCodes))

	mux.Handle("GET /audit", h.can(access.ReadAudit, h.auditList))
}

// docRoutes: 公文 — the list, drafting, import, 收文登记, the workflow,
// attachments, requirements and the sender's 督办 dashboard.
func (h *handler) docRoutes(mux httpx.Mux) {
	mux.Handle("GET /docs", h.can(access.ViewDocs, h.cached(h.docsList)))
	mux.Handle("GET /docs/new", h.can(access.DraftDocs, h.docNew))
	mux.Handle("POST /docs", h.can(access.DraftDocs, h.docCreate))
	mux.Handle("GET /docs/import", h.can(access.DraftDocs, h.docImportPage))
	mux.HandleUpload("POST /docs/import", h.can(access.DraftDocs, h.docImport)) // a .txt file, or pasted text
	// 收文登记: documents received from outside, the unit's own register.
	mux.Handle("GET /incoming", h.can(access.ViewDocs, h.cached(h.incomingList)))
	mux.Handle("GET /incoming/new", h.can(access.ReceiveDocs, h.incomingNew))
	mux.HandleUpload("POST /incoming", h.can(access.ReceiveDocs, h.incomingCreate)) // a file, pasted text, or typed fields
	mux.Handle("GET /incoming/{id}", h.can(access.ViewDocs, httpx.ID(h.incomingShow)))
	mux.Handle("GET /incoming/{id}/edit", h.can(access.ViewDocs, httpx.ID(h.incomingEdit)))
	mux.Handle("POST /incoming/{id}/edit", h.can(access.ViewDocs, httpx.ID(h.incomingUpdate)))
	mux.Handle("POST /incoming/{id}/void", h.can(access.ViewDocs, httpx.ID(h.incomingVoid)))
	mux.Handle("GET /incoming/{id}/files/{fid}", h.can(access.ViewDocs, httpx.IDs("fid", h.incomingFile)))
	mux.Handle("GET /docs/{id}", h.can(access.ViewDocs, httpx.ID(h.docShow)))
	mux.Handle("GET /docs/{id}/print", h.can(access.ViewDocs, httpx.ID(h.docPrint)))
	mux.HandleFunc("GET "+docprint.CSSPath, printCSS)
	mux.Handle("GET /docs/{id}/edit", h.can(access.ViewDocs, httpx.ID(h.docEdit)))
	mux.Handle("POST /docs/{id}/edit", h.can(access.ViewDocs, httpx.ID(h.docUpdate)))
	mux.Handle("POST /docs/{id}/{action}", h.can(access.ViewDocs, httpx.ID(h.docAction))) // submit review sign issue receive correct
	mux.HandleUpload("POST /docs/{id}/files", h.can(access.ViewDocs, httpx.ID(h.docFileUpload)))
	mux.Handle("GET /docs/{id}/files/{fid}", h.can(access.ViewDocs, h.fileGet(h.deps.Docs)))
	mux.Handle("POST /docs/{id}/files/{fid}/delete", h.can(access.ViewDocs, h.fileRemove(h.deps.Docs, "/docs/", "/edit")))
	mux.Handle("POST /docs/{id}/requirements", h.can(access.ViewDocs, httpx.ID(h.reqAdd)))
	mux.Handle("POST /docs/{id}/requirements/{rid}/delete", h.can(access.ViewDocs, httpx.IDs("rid", h.reqRemove)))
	// 督办: the sender's dashboard of one requirement.
	mux.Handle("GET /docs/{id}/requirements/{rid}", h.can(access.ViewDocs, httpx.IDs("rid", h.dashboard)))
	mux.Handle("GET /docs/{id}/requirements/{rid}/export.xlsx", h.can(access.ViewDocs, httpx.IDs("rid", h.dashboardExport)))
	mux.Handle("POST /docs/{id}/requirements/{rid}/urge", h.can(access.ViewDocs, httpx.IDs("rid", h.dashboardUrge)))
	mux.Handle("POST /docs/{id}/requirements/{rid}/reports/{rpid}/{action}", h.can(access.ViewDocs, reportIDs(h.dashboardDecide))) // accept return grant refuse
}

// reportRoutes: 报送, a unit's reports, and the notifications about them.
func (h *handler) reportRoutes(mux httpx.Mux) {
	mux.Handle("GET /reports/todo", h.can(access.ViewDocs, h.cached(h.reportsTodo)))
	mux.Handle("GET /reports/{id}", h.can(access.ViewDocs, httpx.ID(h.reportShow)))
	mux.Handle("POST /reports/{id}", h.can(access.ViewDocs, httpx.ID(h.reportSave)))
	mux.Handle("POST /reports/{id}/extension", h.can(access.ViewDocs, httpx.ID(h.reportExtension)))
	mux.HandleUpload("POST /reports/{id}/files", h.can(access.ViewDocs, httpx.ID(h.reportFileUpload)))
	mux.Handle("GET /reports/{id}/files/{fid}", h.can(access.ViewDocs, h.fileGet(h.deps.Reports)))
	mux.Handle("POST /reports/{id}/files/{fid}/delete", h.can(access.ViewDocs, h.fileRemove(h.deps.Reports, "/reports/", "#report-files")))
	mux.Handle("POST /reports/{id}/{action}", h.can(access.ViewDocs, httpx.ID(h.reportDecide))) // accept return grant refuse

	// Notifications are about documents and reports: the business roles'.
	mux.Handle("GET /notices", h.can(access.ViewDocs, h.cached(h.notices)))
	mux.Handle("POST /notices/read", h.can(access.ViewDocs, h.noticesRead))
}

// nav is the navigation a role sees: only modules that exist and that the
// role may use; unread is the number of unread notifications.
func nav(a access.Actor, unread int) []NavItem {
	if a.Role == access.NoRole {
		// Waiting for a role: no menus, only one's own settings.
		return []NavItem{{Href: "/profile", Label: "个人设置", Key: "profile"}}
	}
	items := []NavItem{{Href: "/", Label: "工作台", Key: "home"}}
	if a.Can(access.ViewDocs) {
		items = append(items, NavItem{Href: "/docs", Label: "公文", Key: "docs"},
			NavItem{Href: "/reports/todo", Label: "督办报送", Key: "reports"})
		notices := "通知"
		if unread > 0 {
			notices += "（" + strconv.Itoa(unread) + "）"
		}
		items = append(items, NavItem{Href: "/notices", Label: notices, Key: "notices"})
	}
	if a.Can(access.ViewWork) {
		items = append(items, NavItem{Href: "/study", Label: "学习", Key: "study"},
			NavItem{Href: "/visits", Label: "访妇情办实事", Key: "visits"},
			NavItem{Href: "/problems", Label: "整改台账", Key: "problems"})
	}
	if a.Can(access.ViewAid) {
		items = append(items, NavItem{Href: "/aid", Label: "关爱救助", Key: "aid"})
	}
	if a.Can(access.ViewCases) {
		items = append(items, NavItem{Href: "/cases", Label: "巾帼维权", Key: "cases"})
	}
	if a.Can(access.ViewOrgs) {
		items = append(items, NavItem{Href: "/org", Label: "组织机构", Key: "org"})
	}
	if a.Can(access.ViewUsers) {
		items = append(items, NavItem{Href: "/users", Label: "用户管理", Key: "users"})
	}
	if a.Can(access.RequestAdminRoles) {
		items = append(items, NavItem{Href: "/role-requests", Label: "角色审批", Key: "role-requests"})
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
		var unread int
		if c.Actor.Can(access.ViewDocs) {
			var err error
			if unread, err = notify.Unread(r.Context(), h.deps.DB.Q(), c.Actor); err != nil {
				slog.Warn("counting unread notifications", "err", err)
			}
		}
		l.Nav = nav(c.Actor, unread)
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
