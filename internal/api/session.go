package api

import (
	"net/http"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

// userJSON is an account as the API shows it.
type userJSON struct {
	ID                 int64     `json:"id"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name"`
	Role               string    `json:"role"`
	RoleLabel          string    `json:"role_label"`
	OrgCode            string    `json:"org_code"`
	OrgName            string    `json:"org_name"`
	TOTP               bool      `json:"totp_enabled"`
	Disabled           bool      `json:"disabled"`
	Locked             bool      `json:"locked"`
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
}

func toUserJSON(u auth.User, locked bool) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), RoleLabel: u.Role.Label(),
		OrgCode: u.OrgCode, OrgName: u.OrgName, TOTP: u.TOTPEnabled, Disabled: u.Disabled, Locked: locked,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt.UTC()}
}

// login: POST /api/v1/session {"username","password","otp"}. Accounts with a
// second factor send the code in the same request; an administrator who has
// not enrolled one must do so in the web UI first.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	fields := map[string]string{}
	if req.Username == "" {
		fields["username"] = "请输入用户名"
	} else if !textOK(req.Username) || len(req.Username) > 200 {
		fields["username"] = "用户名格式不正确"
	}
	if req.Password == "" {
		fields["password"] = "请输入密码"
	}
	if len(fields) > 0 {
		httpx.WriteError(w, r, apperr.Invalid(fields))
		return
	}
	var old string
	if c := httpx.From(r); c != nil {
		old = c.Token
	}
	s := h.deps.Sessions
	res, err := h.deps.Auth.Login(r.Context(), req.Username, req.Password, req.OTP, s.ClientIP(r), r.UserAgent(), old)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	switch res.MFA {
	case auth.MFACode:
		// The password was right but no code came: end the half-open
		// session so the client starts again with both.
		h.deps.Auth.Logout(r.Context(), res.User.Actor(s.ClientIP(r)), res.Token)
		httpx.WriteError(w, r, auth.ErrOTPRequired)
		return
	case auth.MFAEnroll:
		h.deps.Auth.Logout(r.Context(), res.User.Actor(s.ClientIP(r)), res.Token)
		httpx.WriteError(w, r, apperr.New(http.StatusForbidden, "totp_enrollment_required", "管理员账号须先在网页上绑定动态验证码"))
		return
	}
	s.SetCookie(w, r, res.Token)
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(res.User, false)})
}

// logout: DELETE /api/v1/session ends this session (?all=1: every session
// of the user).
func (h *handler) logout(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	var err error
	if r.URL.Query().Get("all") == "1" {
		_, err = h.deps.Auth.LogoutEverywhere(r.Context(), c.Actor)
	} else {
		err = h.deps.Auth.Logout(r.Context(), c.Actor, c.Token)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	h.deps.Sessions.ClearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// whoami: GET /api/v1/session.
func (h *handler) whoami(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"user": toUserJSON(c.User, false)})
}

var errPasswordChange = apperr.New(http.StatusForbidden, "password_change_required",
	"管理员为您设置了临时密码，请先修改密码（POST /api/v1/session/password）")

type passwordRequest struct {
	Current  string `json:"current"`
	Password string `json:"password"`
}

// changePassword: POST /api/v1/session/password {"current","password"}
// changes the caller's own password; their other sessions end.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	var req passwordRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if err := h.deps.Auth.ChangePassword(r.Context(), c.Actor, req.Current, req.Password, c.Token); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
