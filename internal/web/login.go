package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/apperr"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

type loginData struct {
	Username string
	Next     string
	Errors   map[string]string
	Message  string // a form-level error (locked, throttled …)
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	c := httpx.From(r)
	if c.Full() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	clearFlash(w, r)
	h.tpl.Page(w, r, http.StatusOK, "login", View{Layout: Layout{Title: "登录"},
		Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (h *handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	d := loginData{Username: strings.TrimSpace(r.PostFormValue("username")), Next: safeNext(r.PostFormValue("next")), Errors: map[string]string{}}
	password := r.PostFormValue("password")
	if d.Username == "" {
		d.Errors["username"] = "请输入用户名"
	}
	if password == "" {
		d.Errors["password"] = "请输入密码"
	}
	if len(d.Errors) > 0 {
		h.tpl.Page(w, r, http.StatusUnprocessableEntity, "login", View{Layout: Layout{Title: "登录"}, Data: d})
		return
	}
	var old string
	if c := httpx.From(r); c != nil {
		old = c.Token
	}
	s := h.deps.Sessions
	res, err := h.deps.Auth.Login(r.Context(), d.Username, password, "", s.ClientIP(r), r.UserAgent(), old)
	if err != nil {
		e := apperr.From(err)
		if e.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		d.Message = e.Message
		h.tpl.Page(w, r, e.Status, "login", View{Layout: Layout{Title: "登录"}, Data: d})
		return
	}
	s.SetCookie(w, r, res.Token)
	switch {
	case res.MFA == auth.MFACode:
		http.Redirect(w, r, "/login/otp?next="+template.URLQueryEscaper(d.Next), http.StatusSeeOther)
	case res.MFA == auth.MFAEnroll:
		http.Redirect(w, r, "/totp/setup", http.StatusSeeOther)
	case res.User.MustChangePassword:
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
	default:
		http.Redirect(w, r, d.Next, http.StatusSeeOther)
	}
}

// pendingStep is where a half-signed-in session continues.
func pendingStep(c *httpx.Current) string {
	if c.Session.MFA == auth.MFAEnroll {
		return "/totp/setup"
	}
	return "/login/otp"
}

type otpData struct {
	Next    string
	Errors  map[string]string
	Message string
}

func (h *handler) otpPage(w http.ResponseWriter, r *http.Request) {
	c := httpx.From(r)
	if c == nil || c.Session.MFA != auth.MFACode {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	h.tpl.Page(w, r, http.StatusOK, "login_otp", View{Layout: Layout{Title: "动态验证码"}, Data: otpData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (h *handler) otpSubmit(w http.ResponseWriter, r *http.Request) {
	c := httpx.From(r)
	if c == nil || c.Session.MFA != auth.MFACode {
		redirectFlash(w, r, "/login", "error", "登录已过期，请重新输入用户名和密码")
		return
	}
	d := otpData{Next: safeNext(r.PostFormValue("next"))}
	code := r.PostFormValue("otp")
	if rc := strings.TrimSpace(r.PostFormValue("recovery_code")); rc != "" {
		code = rc
	}
	res, err := h.deps.Auth.CompleteTOTP(r.Context(), c.Token, code, h.deps.Sessions.ClientIP(r))
	if err != nil {
		fields, msg := fieldErrors(err)
		if fields == nil {
			h.fail(w, r, err)
			return
		}
		if e := apperr.From(err); e.Code == "account_locked" || e.Code == "session_expired" {
			h.deps.Sessions.ClearCookie(w, r)
			redirectFlash(w, r, "/login", "error", e.Message)
			return
		}
		d.Errors, d.Message = fields, msg
		if r.PostFormValue("recovery_code") != "" && fields["otp"] != "" {
			d.Errors = map[string]string{"recovery_code": "恢复码不正确或已用过，请核对后重新输入"}
		}
		h.tpl.Page(w, r, http.StatusUnprocessableEntity, "login_otp", View{Layout: Layout{Title: "动态验证码"}, Data: d})
		return
	}
	next := d.Next
	if res.User.MustChangePassword {
		next = "/profile"
	}
	if res.RecoveryUsed {
		redirectFlash(w, r, next, "info", "您用一个恢复码代替动态验证码登录，该恢复码已作废，还剩 "+strconv.Itoa(res.RecoveryLeft)+
			" 个。如手机丢失，请联系安全管理员重置动态验证码，或在“个人设置”中重新生成恢复码。")
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	if err := h.deps.Auth.Logout(r.Context(), c.Actor, c.Token); err != nil {
		return err
	}
	h.deps.Sessions.ClearCookie(w, r)
	redirectFlash(w, r, "/login", "success", "您已安全退出")
	return nil
}

func (h *handler) logoutAll(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	n, err := h.deps.Auth.LogoutEverywhere(r.Context(), c.Actor)
	if err != nil {
		return err
	}
	h.deps.Sessions.ClearCookie(w, r)
	redirectFlash(w, r, "/login", "success", "已退出全部 "+strconv.FormatInt(n, 10)+" 个登录会话")
	return nil
}

type totpSetupData struct {
	QR       template.URL // data: URL of the QR code PNG
	Secret   string       // for typing in by hand, grouped in fours
	Required bool         // an account that may not skip it
	Errors   map[string]string
}

// recoveryData shows a new set of recovery codes, once.
type recoveryData struct {
	Codes []string
	Next  string
}

// totpSetupPage shows the pending secret as a QR code (a new one with
// ?new=1, e.g. when the scan went to the wrong app).
func (h *handler) totpSetupPage(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderTOTPSetup(w, r, c, http.StatusOK, nil)
}

func (h *handler) renderTOTPSetup(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, errs map[string]string) error {
	if c.User.TOTPEnabled {
		redirectFlash(w, r, "/profile", "info", "已启用动态验证码")
		return nil
	}
	enr, err := h.deps.Auth.BeginTOTP(r.Context(), c.Actor, r.URL.Query().Get("new") == "1")
	if err != nil {
		return err
	}
	d := totpSetupData{
		QR:       template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(enr.QRPNG)),
		Secret:   group4(enr.Secret),
		Required: c.Session.MFA == auth.MFAEnroll,
		Errors:   errs,
	}
	w.Header().Set("Cache-Control", "no-store")
	h.tpl.Page(w, r, status, "totp_setup", View{Layout: Layout{Title: "绑定动态验证码"}, Data: d})
	return nil
}

func (h *handler) totpSetupSubmit(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	codes, err := h.deps.Auth.ConfirmTOTP(r.Context(), c.Actor, c.Token, r.PostFormValue("otp"))
	if err != nil {
		fields, _ := fieldErrors(err)
		if fields == nil {
			return err
		}
		return h.renderTOTPSetup(w, r, c, http.StatusUnprocessableEntity, fields)
	}
	next := "/"
	if c.User.MustChangePassword {
		next = "/profile"
	}
	setFlash(w, Flash{Kind: "success", Text: "动态验证码绑定成功，今后登录时需输入验证器上的 6 位数字"})
	h.showRecoveryCodes(w, r, codes, next)
	return nil
}

// showRecoveryCodes shows a new set of recovery codes: the only time
// anyone sees them.
func (h *handler) showRecoveryCodes(w http.ResponseWriter, r *http.Request, codes []string, next string) {
	w.Header().Set("Cache-Control", "no-store")
	h.tpl.Page(w, r, http.StatusOK, "totp_recovery", View{Layout: Layout{Title: "恢复码"}, Data: recoveryData{Codes: codes, Next: next}})
}

func group4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// safeNext accepts only a local path as a post-login destination, so the
// login form cannot be used to redirect elsewhere.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
