package web

import (
	"net/http"
	"strconv"
	"strings"

	"halfsky/internal/access"
	"halfsky/internal/apperr"
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

// roleFilter are the choices of the list's role filter: every role, and
// the accounts still waiting for one.
func roleFilter() []Option {
	var out []Option
	for _, r := range access.Roles {
		out = append(out, Option{Value: string(r), Label: r.Label()})
	}
	return append(out, Option{Value: "none", Label: access.NoRole.Label()})
}

func (h *handler) usersList(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	q := r.URL.Query()
	d := usersListData{Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Under: strings.TrimSpace(q.Get("under")),
		Roles: roleFilter(), CanCreate: c.Actor.Can(access.ManageUsers)}
	if d.Role != "" && d.Role != "none" && !access.Role(d.Role).Valid() {
		d.Role = ""
	}
	f := auth.UserFilter{Under: d.Under, Q: d.Q, Role: access.Role(d.Role), NoRole: d.Role == "none", PerPage: 50}
	if f.NoRole {
		f.Role = ""
	}
	pager := NewPager(r, 50, 0)
	f.Page = pager.Page
	users, total, err := h.deps.Auth.Users(r.Context(), c.Actor, f)
	if err != nil {
		return err
	}
	d.Users, d.Pager, d.Now = users, NewPager(r, 50, total), h.deps.Auth.Now()
	h.tpl.Page(w, r, http.StatusOK, "users_list", View{Layout: Layout{Title: "用户管理", Active: "users"}, Data: d})
	return nil
}

type userFormData struct {
	Form   map[string]string
	Errors map[string]string
	Roles  []Option // the roles the actor may open an account with; none for the system administrator
	Units  []Option
}

// createRoles are the roles the actor may open accounts with (the system
// administrator opens them without one).
func createRoles(a access.Actor) []Option {
	var out []Option
	for _, r := range access.Roles {
		if a.Role != access.Sysadmin && a.CanGrant(r) {
			out = append(out, Option{Value: string(r), Label: r.Label()})
		}
	}
	return out
}

func (h *handler) renderUserNew(w http.ResponseWriter, r *http.Request, c *httpx.Current, status int, form, errs map[string]string) {
	h.tpl.Page(w, r, status, "user_new", View{Layout: Layout{Title: "新建用户", Active: "users",
		Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Label: "新建用户"}}},
		Data: userFormData{Form: form, Errors: errs, Roles: createRoles(c.Actor), Units: h.unitOptions(r, c)}})
}

func (h *handler) userNew(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	form := map[string]string{"org": r.URL.Query().Get("org"), "role": string(access.Staff)}
	if form["org"] == "" {
		form["org"] = c.Actor.OrgCode
	}
	h.renderUserNew(w, r, c, http.StatusOK, form, nil)
	return nil
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request, c *httpx.Current) error {
	form := map[string]string{}
	for _, k := range []string{"username", "display_name", "org", "role", "email"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	if c.Actor.Role == access.Sysadmin {
		form["role"] = "" // its accounts wait for the security administrator
	}
	u, temp, err := h.deps.Auth.CreateUser(r.Context(), c.Actor, auth.NewUser{
		Username: form["username"], DisplayName: form["display_name"], Password: r.PostFormValue("password"),
		OrgCode: form["org"], Role: access.Role(form["role"]), Email: form["email"],
	})
	if err != nil {
		fields, _ := fieldErrors(err)
		if fields == nil {
			return err
		}
		h.renderUserNew(w, r, c, http.StatusUnprocessableEntity, form, fields)
		return nil
	}
	h.showTemporary(w, r, u, temp, "create")
	return nil
}

// tempData is the page that shows a one-time password, once.
type tempData struct {
	User     auth.User
	Password string
	Kind     string // create or reset
}

// showTemporary answers a create or reset with the one-time password: the
// only time anyone sees it. The page is not cached and not a redirect
// target, so going back does not show it again.
func (h *handler) showTemporary(w http.ResponseWriter, r *http.Request, u auth.User, temp, kind string) {
	w.Header().Set("Cache-Control", "no-store")
	title := "账号已创建"
	if kind == "reset" {
		title = "密码已重置"
	}
	h.tpl.Page(w, r, http.StatusOK, "user_password", View{Layout: Layout{Title: title, Active: "users",
		Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Href: "/users/" + strconv.FormatInt(u.ID, 10), Label: u.DisplayName}, {Label: title}}},
		Data: tempData{User: u, Password: temp, Kind: kind}})
}

type userShowData struct {
	User     auth.User
	Locked   bool
	Sessions []auth.Session
	Self     bool
	// What the viewer may do to this account.
	CanManage, CanSecure, CanRevoke bool
	Roles                           []Option // business roles the viewer may give it
	// Administrator roles: the viewer may ask for a change (AdminRoles are
	// the choices) and decide a pending request.
	CanRequest bool
	AdminRoles []Option
	Pending    *auth.RoleRequest
	Errors     map[string]string
}

func (h *handler) userShow(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	return h.renderUser(w, r, c, id, http.StatusOK, nil)
}

// grantOptions are the business roles the actor may give the account.
func grantOptions(a access.Actor, u auth.User) []Option {
	if u.ID == a.UserID || u.Role.Admin() || !a.Can(access.GrantRoles) ||
		(a.Role == access.Leader && !a.ManagesAccount(u.Role, u.OrgPath)) {
		return nil
	}
	var out []Option
	for _, r := range access.Roles {
		if a.CanGrantAt(r, u.OrgPath) {
			out = append(out, Option{Value: string(r), Label: r.Label()})
		}
	}
	return out
}

// adminRoleOptions are the changes to or from an administrator role one
// may ask for on the account.
func adminRoleOptions(u auth.User) []Option {
	var out []Option
	for _, r := range []access.Role{access.Sysadmin, access.Secadmin, access.Auditor} {
		if r != u.Role {
			out = append(out, Option{Value: string(r), Label: r.Label()})
		}
	}
	if u.Role.Admin() {
		out = append(out, Option{Value: "none", Label: "撤销管理员角色（无角色）"})
	}
	return out
}

func (h *handler) renderUser(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64, status int, errs map[string]string) error {
	u, err := h.deps.Auth.User(r.Context(), c.Actor, id)
	if err != nil {
		return err
	}
	a := c.Actor
	d := userShowData{User: u, Locked: u.Locked(h.deps.Auth.Now()), Self: u.ID == a.UserID, Errors: errs,
		CanManage:  a.Can(access.ManageUsers) && a.ManagesAccount(u.Role, u.OrgPath),
		CanSecure:  a.CanAt(access.SecureUsers, u.OrgPath),
		CanRevoke:  a.CanAt(access.RevokeSessions, u.OrgPath),
		Roles:      grantOptions(a, u),
		CanRequest: a.CanAt(access.RequestAdminRoles, u.OrgPath) && u.ID != a.UserID}
	if d.CanRequest {
		d.AdminRoles = adminRoleOptions(u)
		pending, err := h.deps.Auth.RoleRequests(r.Context(), a, auth.RequestPending, u.ID)
		if err != nil {
			return err
		}
		if len(pending) > 0 {
			d.Pending = &pending[0]
		}
	}
	if d.CanRevoke || d.Self {
		d.Sessions, _ = h.deps.Auth.Sessions(r.Context(), a, u.ID)
	}
	h.tpl.Page(w, r, status, "user_show", View{Layout: Layout{Title: u.DisplayName, Active: "users",
		Crumbs: []Crumb{{Href: "/users", Label: "用户管理"}, {Label: u.DisplayName}}}, Data: d})
	return nil
}

// userAction runs one of the account actions posted from a user's page.
func (h *handler) userAction(w http.ResponseWriter, r *http.Request, c *httpx.Current, id int64) error {
	ctx, svc, a := r.Context(), h.deps.Auth, c.Actor
	var err error
	var msg string
	switch r.PathValue("action") {
	case "disable":
		err, msg = svc.SetDisabled(ctx, a, id, true), "账号已停用，其登录会话已全部结束"
	case "enable":
		err, msg = svc.SetDisabled(ctx, a, id, false), "账号已启用"
	case "reset-password":
		var temp string
		if temp, err = svc.ResetPassword(ctx, a, id); err == nil {
			u, err := svc.User(ctx, a, id)
			if err != nil {
				return err
			}
			h.showTemporary(w, r, u, temp, "reset")
			return nil
		}
	case "role":
		err, msg = svc.SetRole(ctx, a, id, access.Role(r.PostFormValue("role"))), "角色已修改，该用户须重新登录"
	case "role-request":
		role := r.PostFormValue("role")
		if role == "none" {
			role = ""
		} else if role == "" {
			err = apperr.Field("admin_role", "请选择申请的角色")
			break
		}
		if _, err = svc.RequestRole(ctx, a, id, access.Role(role)); err != nil {
			err = renameField(err, "role", "admin_role") // the request form's own field
		}
		msg = "已提交角色申请，须由另一名管理员在“角色审批”中批准后生效"
	case "email":
		err, msg = svc.SetEmail(ctx, a, id, r.PostFormValue("email")), "通知邮箱已保存"
	case "unlock":
		err, msg = svc.Unlock(ctx, a, id), "账号已解锁"
	case "reset-totp":
		err, msg = svc.ResetTOTP(ctx, a, id), "动态验证码已重置，其登录会话已结束；用户下次登录时须重新绑定"
	case "revoke-sessions":
		var n int64
		n, err = svc.RevokeSessions(ctx, a, id)
		msg = "已结束 " + strconv.FormatInt(n, 10) + " 个登录会话"
	default:
		return apperr.ErrNotFound
	}
	back := "/users/" + strconv.FormatInt(id, 10)
	if err != nil {
		if fields, m := fieldErrors(err); fields != nil {
			if len(fields) == 0 {
				redirectFlash(w, r, back, "error", m)
				return nil
			}
			return h.renderUser(w, r, c, id, http.StatusUnprocessableEntity, fields)
		}
		return err
	}
	redirectFlash(w, r, back, "success", msg)
	return nil
}
