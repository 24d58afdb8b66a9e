package e2e

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"halfsky/internal/testapp"
)

// TestManageUser: a district leader opens an account for a street under her,
// is told beside each field what is wrong with a bad first try, then
// disables the account (after a confirm dialog) and signs out.
func TestManageUser(t *testing.T) {
	t.Parallel()
	app := sqliteApp(t) // shared by the viewports: each creates its own account
	ForEachViewport(t, func(t *testing.T, vp Viewport) {
		p := NewPage(t, app.URL, vp)
		signIn(t, p, "daoli.leader")

		// 用户管理: the accounts of 道里 and below, nobody else's.
		if st := p.Nav("/users"); st != 200 || p.Path() != "/users" {
			p.fatal("用户管理: status %d at %s", st, p.Path())
		}
		names := texts(p, "#users tbody tr td:nth-child(2)")
		for _, u := range []string{"daoli.leader", "daoli.staff", "street.staff", "village.staff"} {
			if !slices.Contains(names, u) {
				p.fatal("users list %v lacks %s", names, u)
			}
		}
		html := p.HTML()
		for _, foreign := range []string{"nangang.leader", "李红梅", "city.leader", "杨杰", "admin"} {
			if strings.Contains(html, ">"+foreign+"<") {
				p.fatal("users list shows %s, outside 道里", foreign)
			}
		}
		p.Screenshot("users")

		// 新建用户 with a bad username: no password field, the system
		// generates one.
		if st := p.ClickNav("#new-user"); st != 200 || p.Path() != "/users/new" {
			p.fatal("新建用户: status %d at %s", st, p.Path())
		}
		if p.Has("#f-password") {
			p.fatal("the form asks for a password: the system generates it")
		}
		p.Screenshot("user-new")
		displayName := "赵敏（" + vp.Name + "）"
		p.Fill("#f-display_name", displayName)
		p.Fill("#f-username", "Zhao Min!")
		p.Fill("#f-org", "230102001")
		if st := p.ClickNav(`#user-form button[type="submit"]`); st != 422 {
			p.fatal("bad new user: status %d, want 422", st)
		}
		fieldError(t, p, "#f-username", "用户名")
		for sel, want := range map[string]string{"#f-display_name": displayName, "#f-username": "Zhao Min!", "#f-org": "230102001"} {
			if v := Eval[string](p, `document.querySelector(`+quote(sel)+`).value`); v != want {
				p.fatal("%s after the failed submit = %q, want %q", sel, v, want)
			}
		}
		if n := countUsers(t, app, displayName); n != 0 {
			p.fatal("a rejected form created %d accounts", n)
		}
		p.Screenshot("user-new-errors")

		// A leader at 兆麟街道 (below 道里): the one-time password, once.
		username := "zhao.min." + vp.Name
		p.Fill("#f-username", username)
		p.Fill("#f-org", "230102001")
		if !p.Has(`#f-role option[value="leader"]`) {
			p.fatal("a district leader is not offered the leader role for a unit below")
		}
		setSelect(p, "#f-role", "leader")
		if st := p.ClickNav(`#user-form button[type="submit"]`); st != 200 {
			p.fatal("create user: status %d", st)
		}
		wantContains(t, p, "created heading", p.Text("main h1"), "已创建用户 "+username)
		temp := strings.TrimSpace(p.Text("#temp-password"))
		if !regexp.MustCompile(`^[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}$`).MatchString(temp) {
			p.fatal("one-time password %q", temp)
		}
		p.Screenshot("user-temp-password")
		if st := p.ClickNav("#to-user"); st != 200 || !regexp.MustCompile(`^/users/\d+$`).MatchString(p.Path()) {
			p.fatal("after creating a user: status %d at %s, want /users/{id}", st, p.Path())
		}
		userPath := p.Path()
		wantContains(t, p, "user page heading", p.Text("main h1"), "赵敏")
		wantContains(t, p, "user page unit", p.Text("#user-props"), "兆麟街道妇联")
		wantContains(t, p, "user status", p.Text("#user-status"), "正常")
		wantContains(t, p, "who set the password", p.Text("#user-password-set"), "王丽华（daoli.leader）")
		if n := countUsers(t, app, displayName); n != 1 {
			p.fatal("%d accounts named %s, want 1", n, displayName)
		}
		p.Screenshot("user-created")

		// Disable it: the page asks first.
		if st := p.ClickNav("#toggle-disabled"); st != 200 || p.Path() != userPath {
			p.fatal("停用账号: status %d at %s, want %s", st, p.Path(), userPath)
		}
		if d := p.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "确定停用") {
			p.fatal("confirm dialogs = %q, want the one asking 确定停用", d)
		}
		wantContains(t, p, "disable flash", p.Text(".flash-success"), "账号已停用")
		wantContains(t, p, "user status", p.Text("#user-status"), "已停用")
		wantContains(t, p, "toggle button", p.Text("#toggle-disabled"), "启用账号")
		p.Screenshot("user-disabled")

		// The list shows it disabled.
		if st := p.Nav("/users"); st != 200 {
			p.fatal("用户管理: status %d", st)
		}
		row := Eval[string](p, `(function () {
  var rows = document.querySelectorAll("#users tbody tr");
  for (var i = 0; i < rows.length; i++) if (rows[i].innerText.indexOf(`+quote(username)+`) >= 0) return rows[i].innerText;
  return "";
})()`)
		if row == "" {
			p.fatal("users list lacks %s", username)
		}
		if !strings.Contains(row, "已停用") || !strings.Contains(row, "兆麟街道妇联") {
			p.fatal("users list row for %s = %q, want 兆麟街道妇联 and 已停用", username, row)
		}

		// 退出 (inside the menu on a phone).
		if st := p.Logout(); st != 200 || p.Path() != "/login" {
			p.fatal("退出: status %d at %s, want /login", st, p.Path())
		}
		wantContains(t, p, "logout flash", p.Body(), "您已安全退出")
		if st := p.Open("/users"); !strings.HasPrefix(p.Path(), "/login") {
			p.fatal("/users after logout: status %d at %s, want the login page", st, p.Path())
		}

		// The disabled account cannot sign in.
		if st := p.Login(username, temp); st != 403 || p.Path() != "/login" {
			p.fatal("disabled account login: status %d at %s, want 403 at /login", st, p.Path())
		}
		// (The flash ends in its close button, ×.)
		if msg := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p.Text("#login-error")), "×")); msg != "该账号已停用，请联系本单位管理员" {
			p.fatal("disabled account login says %q, want the disabled-account refusal", msg)
		}
	})
}

func countUsers(t *testing.T, app *testapp.App, displayName string) int {
	t.Helper()
	var n int
	if err := app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM users WHERE display_name = ?`, displayName).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
