// Package api is halfsky's JSON API under /api/v1: the same domain calls as
// the HTML pages, the same scope checks, and one error shape,
// {"error":{"code","message","fields"}}.
//
// Handlers only parse input, call the domain with the signed-in actor and
// write what it returns: every scope and role check is the domain's.
package api

import (
	"net/http"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/app"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/httpx"
)

type handler struct {
	deps app.Services
}

// Register adds the API routes to mux: the whole route table.
func Register(mux httpx.Mux, deps app.Services) {
	h := &handler{deps: deps}
	route(mux, "/api/v1/session", methods{
		"POST":   http.HandlerFunc(h.login),
		"DELETE": h.signedIn(h.logout),
		"GET":    h.signedIn(h.whoami),
	})
	route(mux, "/api/v1/session/password", methods{"POST": h.signedIn(h.changePassword)})
	route(mux, "/api/v1/orgs", methods{"GET": h.signedIn(h.orgList)})
	route(mux, "/api/v1/orgs/{code}", methods{"GET": h.signedIn(orgCode(h.orgShow))})
	h.orgReshapeRoutes(mux) // 区划调整
	route(mux, "/api/v1/users", methods{"GET": h.can(access.ViewUsers, h.userList), "POST": h.signedIn(h.userCreate)})
	// One's own account is anyone's to read; others' need ViewUsers (the domain's check).
	route(mux, "/api/v1/users/{id}", methods{"GET": h.signedIn(httpx.ID(h.userShow))})
	for _, a := range userActions {
		route(mux, "/api/v1/users/{id}/"+a.name, methods{"POST": h.signedIn(httpx.ID(h.userAction(a)))})
	}
	// Administrator roles: one administrator requests, another approves.
	route(mux, "/api/v1/users/{id}/role-requests", methods{"POST": h.can(access.RequestAdminRoles, httpx.ID(h.roleRequestCreate))})
	route(mux, "/api/v1/role-requests", methods{"GET": h.can(access.RequestAdminRoles, h.roleRequestList)})
	route(mux, "/api/v1/role-requests/{id}", methods{"GET": h.can(access.RequestAdminRoles, httpx.ID(h.roleRequestShow))})
	route(mux, "/api/v1/role-requests/{id}/approve", methods{"POST": h.can(access.RequestAdminRoles, httpx.ID(h.roleRequestDecide(true)))})
	route(mux, "/api/v1/role-requests/{id}/reject", methods{"POST": h.can(access.RequestAdminRoles, httpx.ID(h.roleRequestDecide(false)))})
	route(mux, "/api/v1/audit", methods{"GET": h.can(access.ReadAudit, h.auditList)})

	// 公文.
	route(mux, "/api/v1/docs", methods{"GET": h.can(access.ViewDocs, h.docList), "POST": h.can(access.ViewDocs, h.docCreate)})
	route(mux, "/api/v1/docs/{id}", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.docShow)), "PUT": h.can(access.ViewDocs, httpx.ID(h.docUpdate))})
	route(mux, "/api/v1/docs/{id}/versions", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.docVersions))})
	for _, a := range docActions {
		route(mux, "/api/v1/docs/{id}/"+a.name, methods{"POST": h.can(access.ViewDocs, httpx.ID(h.docAction(a)))})
	}
	route(mux, "/api/v1/docs/{id}/receipts", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.docReceipts)), "POST": h.can(access.ViewDocs, httpx.ID(h.docReceive))})
	h.fileRoutes(mux, "/api/v1/docs/{id}", deps.Docs)
	route(mux, "/api/v1/docs/{id}/pdf", methods{"GET": h.can(access.ViewDocs, httpx.ID(newDocPrinter(h).docPDF))})

	// 督办/报送.
	route(mux, "/api/v1/docs/{id}/requirements", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.requirementList)), "POST": h.can(access.ViewDocs, httpx.ID(h.requirementAdd))})
	route(mux, "/api/v1/docs/{id}/requirements/{rid}", methods{"GET": h.can(access.ViewDocs, httpx.IDs("rid", h.requirementShow)), "DELETE": h.can(access.ViewDocs, httpx.IDs("rid", h.requirementRemove))})
	route(mux, "/api/v1/docs/{id}/requirements/{rid}/status", methods{"GET": h.can(access.ViewDocs, httpx.IDs("rid", h.requirementStatus))})
	route(mux, "/api/v1/docs/{id}/requirements/{rid}/urge", methods{"POST": h.can(access.ViewDocs, httpx.IDs("rid", h.requirementUrge))})
	routeBeside(mux, "/api/v1/reports/todo", methods{"GET": h.can(access.ViewDocs, h.reportTodo)})
	route(mux, "/api/v1/reports/{id}", methods{"GET": h.can(access.ViewDocs, httpx.ID(h.reportShow)), "PUT": h.can(access.ViewDocs, httpx.ID(h.reportAction(reportSave)))})
	for _, a := range reportActions {
		route(mux, "/api/v1/reports/{id}/"+a.name, methods{"POST": h.can(access.ViewDocs, httpx.ID(h.reportAction(a)))})
	}
	h.fileRoutes(mux, "/api/v1/reports/{id}", deps.Reports)

	// Notifications.
	route(mux, "/api/v1/notifications", methods{"GET": h.can(access.ViewDocs, h.noticeList)})
	route(mux, "/api/v1/notifications/read-all", methods{"POST": h.can(access.ViewDocs, h.noticeReadAll)})
	h.incomingRoutes(mux) // 收文登记
	// The work lines: 学习, 下基层访妇情办实事, 问题整改台账.
	h.studyRoutes(mux)
	h.visitRoutes(mux)
	h.problemRoutes(mux)
	h.caseRoutes(mux)
	h.aidRoutes(mux)
	route(mux, "/api/v1/openapi.json", methods{"GET": openAPI(mux)}) // the API describes itself: openapi.go
	// The public door's API (internal/publicweb) has its own: openapi_public.go.
	route(mux, "/api/public/v1/openapi.json", methods{"GET": publicOpenAPI(mux)})

	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, apperr.New(http.StatusNotFound, "no_route", "没有这个接口"))
	})
}

// signedIn requires a full session; the JSON API has no second-factor
// step of its own (the client sends the code with the password).
func (h *handler) signedIn(fn httpx.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := httpx.From(r)
		if !c.Full() {
			httpx.WriteError(w, r, apperr.ErrUnauth) // no one signed in to answer for
			return
		}
		err := h.admit(r, c)
		if err == nil {
			err = fn(w, r, c)
		}
		if err != nil {
			h.fail(w, r, c, err)
		}
	})
}

// admit refuses a signed-in account that may reach only its own session
// (/api/v1/session…) for now.
func (h *handler) admit(r *http.Request, c *httpx.Current) error {
	if strings.HasPrefix(r.URL.Path, "/api/v1/session") {
		return nil
	}
	// A temporary password set by an administrator must be replaced
	// before anything else, as on the web.
	if c.User.MustChangePassword {
		return errPasswordChange
	}
	// An account without a role yet reaches only its own session.
	if c.User.Role == access.NoRole {
		_ = audit.Log(r.Context(), h.deps.DB, audit.FromActor(c.Actor, audit.ActionDenied, "route", r.Method+" "+r.URL.Path, audit.Denied, "no_role"))
		return errNoRole
	}
	return nil
}

// can is signedIn for a route only some roles may use: any other role is
// refused (audited, 403) before the request is looked at, so the answer is
// the same whatever the id or the body. The domain checks again, with the
// record in hand.
func (h *handler) can(act access.Action, fn httpx.Handler) http.Handler {
	return h.signedIn(func(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
		if !c.Actor.Can(act) {
			return access.ErrDenied
		}
		return fn(w, r, c)
	})
}

// fail is the API's one error mapper: {"error":{"code","message","fields"}}
// with the status the error carries. A refusal no domain call has
// recorded (audit.Unrecorded) is recorded here, so every refusal leaves
// one audit event.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, c *httpx.Current, err error) {
	if audit.Unrecorded(err) {
		httpx.RecordRefusal(r, h.deps.DB, c)
	}
	httpx.WriteError(w, r, err)
}

// CrossOriginDenied answers a request refused by CSRF protection: JSON
// under /api/, plain text elsewhere. The server may install it with
// http.CrossOriginProtection's SetDenyHandler.
func CrossOriginDenied(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		httpx.WriteError(w, r, apperr.New(http.StatusForbidden, "cross_origin", "拒绝跨站请求"))
		return
	}
	http.Error(w, "拒绝跨站请求", http.StatusForbidden)
}
