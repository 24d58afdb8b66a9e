package api

import (
	"errors"
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
	// RecoveryCode stands in for OTP when the phone is lost: each of the
	// user's ten codes works once.
	RecoveryCode string `json:"recovery_code"`
}

// userJSON is an account as the API shows it.
type userJSON struct {
	ID                 int64  `json:"id"`
	Username           string `json:"username"`
	DisplayName        string `json:"display_name"`
	Role               string `json:"role"`
	RoleLabel          string `json:"role_label"`
	OrgCode            string `json:"org_code"`
	OrgName            string `json:"org_name"`
	TOTP               bool   `json:"totp_enabled"`
	Disabled           bool   `json:"disabled"`
	Locked             bool   `json:"locked"`
	MustChangePassword bool   `json:"must_change_password"`
	// TOTPDueAt is when a second factor becomes compulsory, while it is
	// not enrolled (leaders in their grace period; after a reset).
	TOTPDueAt *time.Time `json:"totp_due_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

func toUserJSON(u auth.User, locked bool) userJSON {
	out := userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), RoleLabel: u.Role.Label(),
		OrgCode: u.OrgCode, OrgName: u.OrgName, TOTP: u.TOTPEnabled, Disabled: u.Disabled, Locked: locked,
		MustChangePassword: u.MustChangePassword, CreatedAt: u.CreatedAt.UTC()}
	if !u.TOTPEnabled && !u.TOTPDueAt.IsZero() {
		t := u.TOTPDueAt.UTC()
		out.TOTPDueAt = &t
	}
	return out
}

// passwordSetJSON says who last set the user's password for them.
type passwordSetJSON struct {
	Kind       string    `json:"kind"` // create or reset
	By         string    `json:"by"`   // username; "" for the command-line operator
	ByName     string    `json:"by_name"`
	ByLabel    string    `json:"by_label"`
	At         time.Time `json:"at"`
	MustChange bool      `json:"must_change"`
}

func passwordSet(u auth.User) *passwordSetJSON {
	if u.SetKind == "" {
		return nil
	}
	return &passwordSetJSON{Kind: u.SetKind, By: u.SetByUsername, ByName: u.SetByName, ByLabel: u.SetByLabel(),
		At: u.SetAt.UTC(), MustChange: u.MustChangePassword}
}

var errNoRole = apperr.New(http.StatusForbidden, "no_role", "您的账号尚未授予角色，请联系安全管理员")

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
	if req.OTP != "" && req.RecoveryCode != "" {
		fields["recovery_code"] = "动态验证码和恢复码只填一个"
	} else if !textOK(req.RecoveryCode) || len(req.RecoveryCode) > 40 {
		fields["recovery_code"] = "恢复码格式不正确"
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
	code := req.OTP
	if req.RecoveryCode != "" {
		code = req.RecoveryCode
	}
	res, err := h.deps.Auth.Login(r.Context(), req.Username, req.Password, code, s.ClientIP(r), r.UserAgent(), old)
	if err != nil {
		if req.RecoveryCode != "" && errors.Is(err, auth.ErrBadOTP) {
			err = &apperr.Error{Status: http.StatusUnauthorized, Code: "bad_otp", Message: "恢复码不正确或已使用",
				Fields: map[string]string{"recovery_code": "恢复码不正确或已用过，每个恢复码只能用一次"}}
		}
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
		httpx.WriteError(w, r, apperr.New(http.StatusForbidden, "totp_enrollment_required", "您的账号须使用动态验证码，请先在网页上登录并绑定"))
		return
	}
	s.SetCookie(w, r, res.Token)
	out := map[string]any{"user": toUserJSON(res.User, false), "password_set": passwordSet(res.User)}
	if res.RecoveryUsed {
		out["recovery_code_used"] = true
		out["recovery_codes_left"] = res.RecoveryLeft
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// logout: DELETE /api/v1/session ends this session (?all=1: every session
// of the user).
func (h *handler) logout(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var err error
	if r.URL.Query().Get("all") == "1" {
		_, err = h.deps.Auth.LogoutEverywhere(r.Context(), c.Actor)
	} else {
		err = h.deps.Auth.Logout(r.Context(), c.Actor, c.Token)
	}
	if err != nil {
		return err
	}
	h.deps.Sessions.ClearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// whoami: GET /api/v1/session — the signed-in account, who last set its
// password for the user ("password_set", null when nobody did) and how
// many recovery codes are left.
func (h *handler) whoami(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	rec, err := h.deps.Auth.RecoveryOf(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	out := map[string]any{"user": toUserJSON(c.User, false), "password_set": passwordSet(c.User), "recovery_codes_left": rec.Left}
	if !rec.LastUsed.IsZero() {
		out["recovery_code_last_used"] = rec.LastUsed.UTC()
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

var errPasswordChange = apperr.New(http.StatusForbidden, "password_change_required",
	"您正在使用他人为您设置的临时密码，请先修改密码（POST /api/v1/session/password）")

type passwordRequest struct {
	Current  string `json:"current"`
	Password string `json:"password"`
}

// changePassword: POST /api/v1/session/password {"current","password"}
// changes the caller's own password; their other sessions end.
func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	var req passwordRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := h.deps.Auth.ChangePassword(r.Context(), c.Actor, req.Current, req.Password, c.Token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
