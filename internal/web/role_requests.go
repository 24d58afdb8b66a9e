package web

import (
	"net/http"

	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

type roleRequestsData struct {
	Pending []auth.RoleRequest
	Decided []auth.RoleRequest
	Me      int64
}

// roleRequestsPage lists requests for administrator roles: the pending
// ones with approve and reject, and those decided lately.
func (h *handler) roleRequestsPage(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	all, err := h.deps.Auth.RoleRequests(r.Context(), c.Actor, "", 0)
	if err != nil {
		return err
	}
	d := roleRequestsData{Me: c.Actor.UserID}
	for _, q := range all {
		if q.Status == auth.RequestPending {
			d.Pending = append(d.Pending, q)
		} else if len(d.Decided) < 50 {
			d.Decided = append(d.Decided, q)
		}
	}
	h.tpl.Page(w, r, http.StatusOK, "role_requests", View{Layout: Layout{Title: "角色审批", Active: "role-requests"}, Data: d})
	return nil
}

// roleRequestDecide approves or rejects one request.
func (h *handler) roleRequestDecide(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var approve bool
	var msg string
	switch r.PathValue("action") {
	case "approve":
		approve, msg = true, "已批准，角色已生效；该用户须重新登录"
	case "reject":
		msg = "已驳回该申请"
	default:
		return apperr.ErrNotFound
	}
	if _, err := h.deps.Auth.DecideRoleRequest(r.Context(), c.Actor, id, approve); err != nil {
		if _, m := fieldErrors(err); m != "" {
			redirectFlash(w, r, "/role-requests", "error", m)
			return nil
		}
		return err
	}
	redirectFlash(w, r, "/role-requests", "success", msg)
	return nil
}
