package web

import (
	"net/http"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
)

type profileData struct {
	User     auth.User
	Sessions []auth.Session
	Current  string // token hash of this session, to mark it in the list
	Errors   map[string]string
	// KeepTOTP: administrators and leaders may not turn their second
	// factor off.
	KeepTOTP bool
	Recovery auth.Recovery
	// TOTPBy is the day by which a second factor must be enrolled.
	TOTPBy string
}

func (h *handler) profile(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	return h.renderProfile(w, r, c, http.StatusOK, nil)
}

func (h *handler) renderProfile(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, errs map[string]string) error {
	sessions, err := h.deps.Auth.Sessions(r.Context(), c.Actor, c.User.ID)
	if err != nil {
		return err
	}
	rec, err := h.deps.Auth.RecoveryOf(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	d := profileData{User: c.User, Sessions: sessions, Current: c.Session.TokenHash, Errors: errs, KeepTOTP: c.User.Role.NeedsTOTP(), Recovery: rec}
	if auth.InTOTPGrace(c.User, h.deps.Auth.Now()) {
		d.TOTPBy = c.User.TOTPDueAt.In(db.Shanghai).Format("1月2日")
	}
	h.tpl.Page(w, r, status, "profile", View{Layout: Layout{Title: "个人设置", Active: "profile"}, Data: d})
	return nil
}

func (h *handler) profilePassword(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password2") {
		return h.renderProfile(w, r, c, http.StatusUnprocessableEntity, map[string]string{"password2": "两次输入的新密码不一致"})
	}
	err := h.deps.Auth.ChangePassword(r.Context(), c.Actor, r.PostFormValue("current"), next, c.Token)
	if err != nil {
		if fields, _ := fieldErrors(err); fields != nil {
			return h.renderProfile(w, r, c, http.StatusUnprocessableEntity, fields)
		}
		return err
	}
	redirectFlash(w, r, "/profile", "success", "密码已修改，其他设备上的登录已退出")
	return nil
}

func (h *handler) profileTOTPDisable(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	err := h.deps.Auth.DisableOwnTOTP(r.Context(), c.Actor, r.PostFormValue("current"))
	if err != nil {
		if fields, msg := fieldErrors(err); fields != nil {
			if len(fields) == 0 {
				redirectFlash(w, r, "/profile", "error", msg)
				return nil
			}
			return h.renderProfile(w, r, c, http.StatusUnprocessableEntity, fields)
		}
		return err
	}
	redirectFlash(w, r, "/profile", "success", "已关闭动态验证码")
	return nil
}

func (h *handler) profileEmail(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	err := h.deps.Auth.SetEmail(r.Context(), c.Actor, c.User.ID, r.PostFormValue("email"))
	if err != nil {
		if fields, _ := fieldErrors(err); fields != nil {
			return h.renderProfile(w, r, c, http.StatusUnprocessableEntity, fields)
		}
		return err
	}
	redirectFlash(w, r, "/profile", "success", "通知邮箱已保存")
	return nil
}

// profileRecoveryCodes makes a new set of recovery codes (the old ones
// stop working), given the password and a current authenticator code.
func (h *handler) profileRecoveryCodes(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	codes, err := h.deps.Auth.RegenerateRecoveryCodes(r.Context(), c.Actor, r.PostFormValue("current"), r.PostFormValue("otp"))
	if err != nil {
		if fields, msg := fieldErrors(err); fields != nil {
			if len(fields) == 0 {
				redirectFlash(w, r, "/profile", "error", msg)
				return nil
			}
			// The form's own ids, so the errors sit beside its fields.
			errs := map[string]string{}
			for k, v := range fields {
				errs["rc-"+k] = v
			}
			return h.renderProfile(w, r, c, http.StatusUnprocessableEntity, errs)
		}
		return err
	}
	setFlash(w, Flash{Kind: "success", Text: "已生成新的恢复码，旧恢复码已全部作废"})
	h.showRecoveryCodes(w, r, codes, "/profile")
	return nil
}
