package api

import (
	"net/http"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

// roleRequestJSON is a request for an administrator role as the API shows it.
type roleRequestJSON struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	OrgCode     string     `json:"org_code"`
	FromRole    string     `json:"from_role"`
	ToRole      string     `json:"to_role"`
	ToRoleLabel string     `json:"to_role_label"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	Status      string     `json:"status"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

func toRoleRequestJSON(q auth.RoleRequest) roleRequestJSON {
	out := roleRequestJSON{ID: q.ID, UserID: q.TargetID, Username: q.TargetUsername, DisplayName: q.TargetName, OrgCode: q.TargetOrgCode,
		FromRole: string(q.FromRole), ToRole: string(q.ToRole), ToRoleLabel: q.ToRole.Label(), RequestedBy: q.RequestedByUsername,
		RequestedAt: q.RequestedAt.UTC(), Status: q.Status, DecidedBy: q.DecidedByUsername}
	if !q.DecidedAt.IsZero() {
		t := q.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	return out
}

// roleRequestList: GET /api/v1/role-requests?status=pending|approved|rejected
// — requests for administrator roles of accounts in scope (system and
// security administrators).
func (h *handler) roleRequestList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.RequestAdminRoles) {
		return access.ErrDenied
	}
	q := newQuery(r)
	status := q.text("status", 20)
	switch status {
	case "", auth.RequestPending, auth.RequestApproved, auth.RequestRejected:
	default:
		q.fields["status"] = "状态应为 pending、approved 或 rejected"
	}
	if err := q.err(); err != nil {
		return err
	}
	list, err := h.deps.Auth.RoleRequests(r.Context(), c.Actor, status, 0)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": httpx.Map(list, toRoleRequestJSON)})
	return nil
}

// roleRequestCreate: POST /api/v1/users/{id}/role-requests {"role"} —
// 201: asks that the account get (or, with role "", lose) an
// administrator role; another administrator approves.
func (h *handler) roleRequestCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	var body struct {
		Role *string `json:"role"`
	}
	if err := httpx.DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Role == nil {
		return apperr.Field("role", "请选择申请的角色（撤销管理员角色时填空字符串）")
	}
	if !textOK(*body.Role) {
		return apperr.Field("role", "含有无效字符")
	}
	q, err := h.deps.Auth.RequestRole(r.Context(), c.Actor, id, access.Role(*body.Role))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"request": toRoleRequestJSON(q)})
	return nil
}

// roleRequestShow: GET /api/v1/role-requests/{id}.
func (h *handler) roleRequestShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if !c.Actor.Can(access.RequestAdminRoles) {
		return access.ErrDenied
	}
	q, err := h.deps.Auth.RoleRequest(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"request": toRoleRequestJSON(q)})
	return nil
}

// roleRequestDecide: POST /api/v1/role-requests/{id}/approve|reject.
func (h *handler) roleRequestDecide(approve bool) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		if _, err := actionValue(r, ""); err != nil {
			return err
		}
		q, err := h.deps.Auth.DecideRoleRequest(r.Context(), c.Actor, id, approve)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"request": toRoleRequestJSON(q)})
		return nil
	}
}
