package api

import (
	"context"
	"net/http"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

// userList: GET /api/v1/users?under=&q=&role=&page=&per_page= — accounts in
// the actor's scope; roles that may not view accounts get 403.
func (h *handler) userList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.ViewUsers) {
		return access.ErrDenied
	}
	q := newQuery(r)
	f := auth.UserFilter{Under: q.text("under", 64), Q: q.text("q", 100), Role: access.Role(q.text("role", 20))}
	if f.Role == "none" { // accounts still waiting for a role
		f.Role, f.NoRole = access.NoRole, true
	} else if f.Role != "" && !f.Role.Valid() {
		q.fields["role"] = "没有这种角色"
	}
	f.Page, f.PerPage = q.page(50, 200)
	if err := q.err(); err != nil {
		return err
	}
	users, total, err := h.deps.Auth.Users(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	now := h.deps.Auth.Now()
	httpx.WriteJSON(w, http.StatusOK, newList(httpx.Map(users, func(u auth.User) userJSON { return toUserJSON(u, u.Locked(now)) }), total, f.Page, f.PerPage))
	return nil
}

type newUserRequest struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	// Password is refused: the system generates a one-time password.
	Password string `json:"password"`
	OrgCode  string `json:"org_code"`
	// Role is "" for the system administrator (the security administrator
	// grants one later); a leader gives staff or, below, leader.
	Role  string `json:"role"`
	Email string `json:"email"`
	// MustChangePassword may only be true (or absent): whoever creates an
	// account sees its first password, so the user must replace it.
	MustChangePassword *bool `json:"must_change_password"`
}

// errMustChange refuses an account whose first password its creator
// would keep knowing.
var errMustChange = apperr.Field("must_change_password", "系统生成的临时密码必须在首次登录时修改，不能取消")

// userCreate: POST /api/v1/users — 201 with the new account and its
// one-time password ("temporary_password", shown this once).
func (h *handler) userCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if !c.Actor.Can(access.ManageUsers) {
		return access.ErrDenied
	}
	var req newUserRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	for name, s := range map[string]string{"username": req.Username, "display_name": req.DisplayName, "password": req.Password,
		"org": req.OrgCode, "role": req.Role, "email": req.Email} {
		if !textOK(s) {
			fields[name] = "含有无效字符"
		}
	}
	if req.MustChangePassword != nil && !*req.MustChangePassword {
		fields["must_change_password"] = errMustChange.Fields["must_change_password"]
	}
	if len(fields) > 0 {
		return apperr.Invalid(fields)
	}
	n := auth.NewUser{Username: req.Username, DisplayName: req.DisplayName, Password: req.Password,
		OrgCode: req.OrgCode, Role: access.Role(req.Role), Email: req.Email}
	u, temp, err := h.deps.Auth.CreateUser(r.Context(), c.Actor, n)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, map[string]any{"user": toUserJSON(u, false), "temporary_password": temp})
	return nil
}

// userShow: GET /api/v1/users/{id} — one's own account, or one in scope
// for roles that view accounts.
func (h *handler) userShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	if id != c.Actor.UserID && !c.Actor.Can(access.ViewUsers) {
		// Refused whatever the id, so the answer tells nothing about it.
		return access.ErrDenied
	}
	return h.writeUser(w, r, c, id, nil)
}

// writeUser answers with the account as the actor may see it now.
func (h *handler) writeUser(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, extra map[string]any) error {
	u, err := h.deps.Auth.User(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	out := map[string]any{"user": toUserJSON(u, u.Locked(h.deps.Auth.Now()))}
	for k, v := range extra {
		out[k] = v
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// userAction is one POST /api/v1/users/{id}/<name>: it reads the one body
// field it needs, if any, and calls the service, which checks scope and
// role and audits.
type userAction struct {
	name  string
	field string // "" (no body, or {}), "password" or "role"
	do    func(ctx context.Context, s *auth.Service, a access.Actor, id int64, value string) (extra map[string]any, err error)
}

var userActions = []userAction{
	{"disable", "", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, _ string) (map[string]any, error) {
		return nil, s.SetDisabled(ctx, a, id, true)
	}},
	{"enable", "", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, _ string) (map[string]any, error) {
		return nil, s.SetDisabled(ctx, a, id, false)
	}},
	// The body is empty: the system generates a one-time password, shown
	// once in "temporary_password"; a password sent along is refused.
	{"reset-password", "password", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, pw string) (map[string]any, error) {
		if pw != "" {
			return nil, apperr.Field("password", "新密码由系统生成并只显示一次，不能自行设定")
		}
		temp, err := s.ResetPassword(ctx, a, id)
		return map[string]any{"temporary_password": temp}, err
	}},
	{"role", "role", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, role string) (map[string]any, error) {
		if role == "" {
			return nil, apperr.Field("role", "请选择角色")
		}
		return nil, s.SetRole(ctx, a, id, access.Role(role))
	}},
	{"unlock", "", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, _ string) (map[string]any, error) {
		return nil, s.Unlock(ctx, a, id)
	}},
	{"reset-totp", "", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, _ string) (map[string]any, error) {
		return nil, s.ResetTOTP(ctx, a, id)
	}},
	{"revoke-sessions", "", func(ctx context.Context, s *auth.Service, a access.Actor, id int64, _ string) (map[string]any, error) {
		n, err := s.RevokeSessions(ctx, a, id)
		return map[string]any{"revoked": n}, err
	}},
}

// actionValue decodes an action's body: {"<field>": "…"} or, for actions
// without a field, nothing or {}. Unknown fields are refused.
func actionValue(r *http.Request, field string) (string, error) {
	if r.ContentLength == 0 {
		return "", nil
	}
	var err error
	var v string
	switch field {
	case "password":
		var b struct {
			Password string `json:"password"`
		}
		err, v = httpx.DecodeJSON(r, &b), b.Password
	case "role":
		var b struct {
			Role string `json:"role"`
		}
		err, v = httpx.DecodeJSON(r, &b), b.Role
	default:
		var b struct{}
		err = httpx.DecodeJSON(r, &b)
	}
	if err == nil && !textOK(v) {
		err = apperr.Field(field, "含有无效字符")
	}
	return v, err
}

func (h *handler) userAction(act userAction) idHandler {
	return func(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
		value, err := actionValue(r, act.field)
		if err != nil {
			return err
		}
		extra, err := act.do(r.Context(), h.deps.Auth, c.Actor, id, value)
		if err != nil {
			return err
		}
		if id == c.Actor.UserID {
			// Revoking, resetting a password or a second factor of one's own
			// account ends this session too.
			if _, _, err := h.deps.Auth.Authenticate(r.Context(), c.Token); err != nil {
				h.deps.Sessions.ClearCookie(w, r)
			}
		}
		return h.writeUser(w, r, c, id, extra)
	}
}
