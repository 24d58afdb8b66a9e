package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/httpx"
)

type usersListData struct {
	Users     []auth.User
	Pager     Pager
	Q         string
	Role      string
	Under     string
	Roles     []Option
	CanCreate bool
	Now       any
}

func roleOptions(a *access.Actor) []Option {
	var out []Option
	for _, r := range access.Roles {
		if a == nil || a.CanGrant(r) {
			out = append(out, Option{Value: string(r), Label: r.Label()})
		}
	}
	return out
}

func (h *handler) usersList(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	q := r.URL.Query()
	d := usersListData{Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Under: strings.TrimSpace(q.Get("under")),
		Roles: roleOptions(nil), CanCreate: c.Actor.Can(access.ManageUsers)}
	if d.Role != "" && !access.Role(d.Role).Valid() {
		d.Role = ""
	}
	pager := NewPager(r, 50, 0)
	users, total, err := h.deps.Auth.Users(r.Context(), c.Actor, auth.UserFilter{Under: d.Under, Q: d.Q, Role: access.Role(d.Role), Page: pager.Page, PerPage: 50})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Users, d.Pager, d.Now = users, NewPager(r, 50, total), h.deps.Auth.Now()
	h.tpl.Page(w, r, http.StatusOK, "users_list", View{Layout: Layout{Title: "用户管理", Active: "users"}, Data: d})
}

type userFormData struct {
	Form   map[string]string
	Errors map[string]string
	Roles  []Option
	Units  []Option
}

// unitOptions offers the actor's own unit and the units directly below it;
// deeper units are typed by code (the field takes any code in scope).
func (h *handler) unitOptions(r *http.Request, c *httpx.Current) []Option {
	opts := []Option{{Value: c.Actor.OrgCode, Label: c.Actor.OrgName + "（本单位）"}}
	unit, err := h.deps.Orgs.ByCode(r.Context(), c.Actor, c.Actor.OrgCode)
	if err != nil {
		return opts
	}
	kids, _ := h.deps.Orgs.Children(r.Context(), c.Actor, unit)
	for _, k := range kids {
		opts = append(opts, Option{Value: k.Code, Label: k.Name})
	}
	return opts
}

func (h *handler) userNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	form := map[string]string{"org": r.URL.Query().Get("org"), "role": string(access.Staff)}
	if form["org"] == "" {
		form["org"] = c.Actor.OrgCode
	}
	h.tpl.Page(w, r, http.StatusOK, "user_new", View{Layout: Layout{Title: "新建用户", Active: "users",
		Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Label: "新建用户"}}},
		Data: userFormData{Form: form, Roles: roleOptions(&c.Actor), Units: h.unitOptions(r, c)}})
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	form := map[string]string{}
	for _, k := range []string{"username", "display_name", "org", "role", "email"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	u, err := h.deps.Auth.CreateUser(r.Context(), c.Actor, auth.NewUser{
		Username: form["username"], DisplayName: form["display_name"], Password: r.PostFormValue("password"),
		OrgCode: form["org"], Role: access.Role(form["role"]), MustChangePassword: r.PostFormValue("must_change") != "",
		Email: form["email"],
	})
	if err != nil {
		fields, _ := fieldErrors(err)
		if fields == nil {
			h.fail(w, r, err)
			return
		}
		h.tpl.Page(w, r, http.StatusUnprocessableEntity, "user_new", View{Layout: Layout{Title: "新建用户", Active: "users",
			Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Label: "新建用户"}}},
			Data: userFormData{Form: form, Errors: fields, Roles: roleOptions(&c.Actor), Units: h.unitOptions(r, c)}})
		return
	}
	redirectFlash(w, r, "/users/"+strconv.FormatInt(u.ID, 10), "success", "已创建用户 "+u.Username)
}

type userShowData struct {
	User     auth.User
	Locked   bool
	Sessions []auth.Session
	Self     bool
	// What the viewer may do to this account.
	CanManage, CanSecure, CanRevoke bool
	Roles                           []Option
	Errors                          map[string]string
}

func (h *handler) userShow(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	h.renderUser(w, r, c, http.StatusOK, nil)
}

func (h *handler) renderUser(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, errs map[string]string) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	u, err := h.deps.Auth.User(r.Context(), c.Actor, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a := c.Actor
	d := userShowData{User: u, Locked: u.Locked(h.deps.Auth.Now()), Self: u.ID == a.UserID, Errors: errs,
		CanManage: a.CanAt(access.ManageUsers, u.OrgPath) && a.CanGrant(u.Role),
		CanSecure: a.CanAt(access.SecureUsers, u.OrgPath),
		CanRevoke: a.CanAt(access.RevokeSessions, u.OrgPath),
		Roles:     roleOptions(&a)}
	if d.CanRevoke || d.Self {
		d.Sessions, _ = h.deps.Auth.Sessions(r.Context(), a, u.ID)
	}
	h.tpl.Page(w, r, status, "user_show", View{Layout: Layout{Title: u.DisplayName, Active: "users",
		Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Label: u.DisplayName}}}, Data: d})
}

// userAction runs one of the account actions posted from a user's page.
func (h *handler) userAction(w http.ResponseWriter, r *http.Request, c *httpx.Current) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	ctx, svc, a := r.Context(), h.deps.Auth, c.Actor
	var msg string
	switch r.PathValue("action") {
	case "disable":
		err, msg = svc.SetDisabled(ctx, a, id, true), "账号已停用，其登录会话已全部结束"
	case "enable":
		err, msg = svc.SetDisabled(ctx, a, id, false), "账号已启用"
	case "reset-password":
		err, msg = svc.ResetPassword(ctx, a, id, r.PostFormValue("password")), "密码已重置，用户下次登录时须修改密码"
	case "role":
		err, msg = svc.SetRole(ctx, a, id, access.Role(r.PostFormValue("role"))), "角色已修改"
	case "email":
		err, msg = svc.SetEmail(ctx, a, id, r.PostFormValue("email")), "通知邮箱已保存"
	case "unlock":
		err, msg = svc.Unlock(ctx, a, id), "账号已解锁"
	case "reset-totp":
		err, msg = svc.ResetTOTP(ctx, a, id), "动态验证码已重置，用户须重新绑定"
	case "revoke-sessions":
		var n int64
		n, err = svc.RevokeSessions(ctx, a, id)
		msg = "已结束 " + strconv.FormatInt(n, 10) + " 个登录会话"
	default:
		h.tpl.Error(w, r, http.StatusNotFound, "")
		return
	}
	if err != nil {
		if fields, m := fieldErrors(err); fields != nil {
			if len(fields) == 0 {
				redirectFlash(w, r, "/users/"+r.PathValue("id"), "error", m)
				return
			}
			h.renderUser(w, r, c, http.StatusUnprocessableEntity, fields)
			return
		}
		h.fail(w, r, err)
		return
	}
	redirectFlash(w, r, "/users/"+r.PathValue("id"), "success", msg)
}
