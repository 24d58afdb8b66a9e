package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// signInAdmin is signIn for an account with a second factor.
func signInAdmin(t *testing.T, app *testapp.App, username string) *ui {
	t.Helper()
	c := app.Client(t)
	c.LoginAdmin(username)
	return &ui{t: t, app: app, c: c}
}

func userID(t *testing.T, app *testapp.App, username string) string {
	t.Helper()
	u, err := app.Server.Deps.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}

var tempPasswordRE = regexp.MustCompile(`id="temp-password"[^>]*>([^<]+)<`)

// TestAccountPages: the system administrator opens an account (no role,
// one-time password shown once), the security administrator grants staff,
// the user signs in, is told who set the password and changes it; an
// account without a role sees only the page that says it waits.
func TestAccountPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		admin := signInAdmin(t, app, "admin")
		// The form has no password and no role for the system administrator.
		form := admin.get("/users/new", http.StatusOK)
		if strings.Contains(form, `name="password"`) || strings.Contains(form, `name="role"`) || !strings.Contains(form, "一次性临时密码") {
			t.Fatalf("the system administrator's form offers a password or a role:\n%s", excerpt(form))
		}
		// A role slipped into the post is not given.
		r := admin.c.Do("POST", "/users", url.Values{"username": {"web.newbie"}, "display_name": {"网页新人"}, "org": {"230102"},
			"role": {"leader"}, "password": {""}})
		if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d %q\n%s", r.Status, r.Header.Get("Cache-Control"), excerpt(r.Body))
		}
		m := tempPasswordRE.FindStringSubmatch(r.Body)
		if m == nil || !strings.Contains(r.Body, "只显示这一次") || !strings.Contains(r.Body, "安全管理员") {
			t.Fatalf("no one-time password shown:\n%s", excerpt(r.Body))
		}
		temp := html.UnescapeString(m[1])
		var role string
		if err := d.QueryRow(context.Background(), `SELECT role FROM users WHERE username = 'web.newbie'`).Scan(&role); err != nil || role != "" {
			t.Fatalf("role %q, %v", role, err)
		}
		// A chosen password is refused beside the field, nothing created.
		r = admin.c.Do("POST", "/users", url.Values{"username": {"web.chosen"}, "display_name": {"自选密码"}, "org": {"230102"},
			"password": {"a-long-password-1"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不能自行设定") {
			t.Fatalf("chosen password: %d\n%s", r.Status, excerpt(r.Body))
		}

		// Signed in with it: only the profile, told who set it and when.
		u := &ui{t: t, app: app, c: app.Client(t)}
		if loc := u.postLocation("/login", url.Values{"username": {"web.newbie"}, "password": {temp}}); loc != "/profile" {
			t.Fatalf("first sign-in goes to %s", loc)
		}
		profile := u.get("/profile", http.StatusOK)
		if !strings.Contains(profile, `id="temp-password-info"`) || !strings.Contains(profile, "系统管理员（admin）") {
			t.Fatalf("profile does not say who set the password:\n%s", excerpt(profile))
		}
		u.post("/profile/password", url.Values{"current": {temp}, "password": {"web-newbie-password"}, "password2": {"web-newbie-password"}}, http.StatusSeeOther)
		// Waiting for a role: the desk says so, no menus, no business page.
		home := u.get("/", http.StatusOK)
		if !strings.Contains(home, `id="waiting-role"`) || strings.Contains(home, `href="/docs"`) || strings.Contains(home, `href="/org"`) {
			t.Fatalf("role-less desk:\n%s", excerpt(home))
		}
		for _, p := range []string{"/docs", "/org", "/visits", "/aid", "/users"} {
			// Sent back to the desk that says why.
			if r := u.c.Do("GET", p, nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Errorf("role-less GET %s: %d to %q, want 303 to /", p, r.Status, r.Header.Get("Location"))
			}
		}
		refusedPage(t, "role-less POST /docs", u.c.Do("POST", "/docs", url.Values{"title": {"x"}}), http.StatusForbidden, pageDenied)
		// The security administrator grants staff; the user signs in anew.
		sec := signInAdmin(t, app, "secadmin")
		id := userID(t, app, "web.newbie")
		page := sec.get("/users/"+id, http.StatusOK)
		if !strings.Contains(page, `id="role-form"`) || !strings.Contains(page, `id="role-request-form"`) {
			t.Fatalf("secadmin's user page:\n%s", excerpt(page))
		}
		if body := sec.post("/users/"+id+"/role", url.Values{"role": {"staff"}}, http.StatusSeeOther); !strings.Contains(body, "角色已修改") {
			t.Fatalf("grant:\n%s", excerpt(body))
		}
		// An administrator role goes through a request, not this form.
		if body := sec.post("/users/"+id+"/role", url.Values{"role": {"auditor"}}, http.StatusSeeOther); !strings.Contains(body, "另一名管理员批准") {
			t.Fatalf("secadmin grants auditor:\n%s", excerpt(body))
		}
		if r := u.c.Do("GET", "/", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("the session survived the role change: %d", r.Status)
		}
		if loc := u.postLocation("/login", url.Values{"username": {"web.newbie"}, "password": {"web-newbie-password"}}); loc != "/" {
			t.Fatalf("sign-in as staff goes to %s", loc)
		}
		if home := u.get("/", http.StatusOK); strings.Contains(home, `id="waiting-role"`) || !strings.Contains(home, `href="/docs"`) {
			t.Fatalf("staff desk:\n%s", excerpt(home))
		}
	})
}

// TestAccountAttackPages: the refusals of the account pages.
func TestAccountAttackPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		ctx := context.Background()
		if _, err := app.Server.Deps.Auth.CreateUserAsOperator(ctx, auth.NewUser{Username: "daoli.peer", DisplayName: "道里另一位负责人",
			Password: testapp.Password, OrgCode: "230102", Role: "leader"}); err != nil {
			t.Fatal(err)
		}
		lead := signIn(t, app, "daoli.leader")
		peer, self := userID(t, app, "daoli.peer"), userID(t, app, "daoli.leader")
		aud := signInAdmin(t, app, "auditor")
		state := func() [3]int64 {
			var s [3]int64
			if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(updated_at), 0), COUNT(*), (SELECT COUNT(*) FROM sessions) FROM users`).Scan(&s[0], &s[1], &s[2]); err != nil {
				t.Fatal(err)
			}
			return s
		}
		before := state()
		// A peer leader: no reset, no disabling; the page offers neither.
		for _, a := range []string{"reset-password", "disable", "role"} {
			refusedPage(t, "leader "+a+" a peer leader", lead.c.Do("POST", "/users/"+peer+"/"+a, url.Values{"role": {"staff"}}), http.StatusForbidden, actionDenied)
		}
		if page := lead.get("/users/"+peer, http.StatusOK); strings.Contains(page, "reset-password") || strings.Contains(page, "toggle-disabled") {
			t.Errorf("the peer leader's page offers management:\n%s", excerpt(page))
		}
		// One's own: refused with the reason.
		for _, a := range []string{"reset-password", "role"} {
			r := lead.c.Do("POST", "/users/"+self+"/"+a, url.Values{"role": {"staff"}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("own %s: %d", a, r.Status)
			}
			if body := lead.get(r.Header.Get("Location"), http.StatusOK); !strings.Contains(body, "自己") {
				t.Errorf("own %s: no reason given", a)
			}
		}
		// A puppet leader at his own unit.
		r := lead.c.Do("POST", "/users", url.Values{"username": {"daoli.puppet"}, "display_name": {"傀儡"}, "org": {"230102"}, "role": {"leader"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不能为本单位开设负责人账号") {
			t.Fatalf("puppet: %d\n%s", r.Status, excerpt(r.Body))
		}
		// The auditor changes nothing.
		for _, a := range []string{"reset-password", "disable", "role", "reset-totp", "role-request"} {
			refusedPage(t, "auditor "+a, aud.c.Do("POST", "/users/"+peer+"/"+a, url.Values{"role": {"auditor"}}), http.StatusForbidden, actionDenied)
		}
		refusedPage(t, "auditor /role-requests", aud.c.Do("GET", "/role-requests", nil), http.StatusForbidden, pageDenied)
		if after := state(); after != before {
			t.Errorf("refused requests changed accounts: %v → %v", before, after)
		}
		// A leader creates staff at home: the one-time password page.
		r = lead.c.Do("POST", "/users", url.Values{"username": {"daoli.clerk2"}, "display_name": {"新同事"}, "org": {"230102"}, "role": {"staff"}})
		if r.Status != http.StatusOK || tempPasswordRE.FindStringSubmatch(r.Body) == nil {
			t.Fatalf("leader creates staff: %d\n%s", r.Status, excerpt(r.Body))
		}
		// A reset shows a new one-time password.
		r = lead.c.Do("POST", "/users/"+userID(t, app, "daoli.staff")+"/reset-password", url.Values{})
		if r.Status != http.StatusOK || tempPasswordRE.FindStringSubmatch(r.Body) == nil || !strings.Contains(r.Body, "密码已重置") {
			t.Fatalf("reset: %d\n%s", r.Status, excerpt(r.Body))
		}
	})
}

// TestAdminRoleRequestPages: one administrator asks, the other approves on
// the 角色审批 page; the requester cannot.
func TestAdminRoleRequestPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		admin, sec := signInAdmin(t, app, "admin"), signInAdmin(t, app, "secadmin")
		target := userID(t, app, "city.office")
		for _, role := range []string{"", "leader"} {
			body := admin.post("/users/"+target+"/role-request", url.Values{"role": {role}}, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `id="f-admin-role-error"`) || strings.Contains(body, `id="f-role-error"`) {
				t.Fatalf("request for %q: the error is not beside the request's field:\n%s", role, excerpt(body))
			}
		}
		body := admin.post("/users/"+target+"/role-request", url.Values{"role": {"secadmin"}}, http.StatusSeeOther)
		if !strings.Contains(body, "已提交角色申请") || !strings.Contains(body, `id="pending-request"`) {
			t.Fatalf("after the request:\n%s", excerpt(body))
		}
		var rid string
		if err := d.QueryRow(context.Background(), `SELECT CAST(id AS TEXT) FROM role_requests WHERE status = 'pending'`).Scan(&rid); err != nil {
			t.Fatal(err)
		}
		// The requester sees no approve button, and is refused.
		if page := admin.get("/role-requests", http.StatusOK); strings.Contains(page, "/role-requests/"+rid+"/approve") {
			t.Error("the requester is offered approval")
		}
		body = admin.post("/role-requests/"+rid+"/approve", nil, http.StatusSeeOther)
		if !strings.Contains(body, "不能由同一账号") {
			t.Errorf("requester's approval:\n%s", excerpt(body))
		}
		page := sec.get("/role-requests", http.StatusOK)
		if !strings.Contains(page, "/role-requests/"+rid+"/approve") || !strings.Contains(page, "安全管理员") {
			t.Fatalf("approver's list:\n%s", excerpt(page))
		}
		body = sec.post("/role-requests/"+rid+"/approve", nil, http.StatusSeeOther)
		if !strings.Contains(body, "已批准") {
			t.Errorf("approval:\n%s", excerpt(body))
		}
		var role string
		if err := d.QueryRow(context.Background(), `SELECT role FROM users WHERE username = 'city.office'`).Scan(&role); err != nil || role != "secadmin" {
			t.Fatalf("role %q %v", role, err)
		}
		if !strings.Contains(app.Client(t).Do("GET", "/role-requests", nil).Header.Get("Location"), "/login") {
			t.Error("/role-requests open to anyone")
		}
	})
}

// TestSecondFactorPages: a leader in grace is told the date on the desk;
// past it the password leads to enrolment, which shows the recovery codes
// once; a recovery code signs in once on the OTP page.
func TestSecondFactorPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		ctx := context.Background()
		lead := signIn(t, app, "daoli.leader")
		home := lead.get("/", http.StatusOK)
		u, _ := app.Server.Deps.Auth.UserByUsername(ctx, "daoli.leader")
		day := u.TOTPDueAt.In(db.Shanghai).Format("1月2日")
		if !strings.Contains(home, `id="totp-grace"`) || !strings.Contains(home, "请在 "+day+" 前绑定动态验证码") || !strings.Contains(home, `href="/totp/setup"`) {
			t.Fatalf("leader's desk in grace:\n%s", excerpt(home))
		}
		if staff := signIn(t, app, "daoli.staff").get("/", http.StatusOK); strings.Contains(staff, `id="totp-grace"`) {
			t.Error("staff are told to enrol by a date")
		}
		// Past the grace period.
		if _, err := d.Exec(ctx, `UPDATE users SET totp_due_at = ? WHERE id = ?`, time.Now().Add(-time.Second).UnixMilli(), u.ID); err != nil {
			t.Fatal(err)
		}
		c := &ui{t: t, app: app, c: app.Client(t)}
		if loc := c.postLocation("/login", url.Values{"username": {"daoli.leader"}, "password": {testapp.Password}}); loc != "/totp/setup" {
			t.Fatalf("past grace, sign-in goes to %s", loc)
		}
		if r := c.c.Do("GET", "/docs", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/totp/setup" {
			t.Fatalf("/docs before enrolment: %d %s", r.Status, r.Header.Get("Location"))
		}
		setup := c.get("/totp/setup", http.StatusOK)
		secret := strings.ReplaceAll(regexp.MustCompile(`id="totp-secret">([^<]+)<`).FindStringSubmatch(setup)[1], " ", "")
		code, _ := auth.TOTPCode(secret, time.Now())
		r := c.c.Do("POST", "/totp/setup", url.Values{"otp": {code}})
		codes := regexp.MustCompile(`<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>`).FindAllStringSubmatch(r.Body, -1)
		if r.Status != http.StatusOK || len(codes) != 10 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("enrolment: %d, %d codes\n%s", r.Status, len(codes), excerpt(r.Body))
		}
		// The OTP page takes a recovery code, once.
		for i := 0; i < 2; i++ {
			x := &ui{t: t, app: app, c: app.Client(t)}
			if loc := x.postLocation("/login", url.Values{"username": {"daoli.leader"}, "password": {testapp.Password}}); !strings.HasPrefix(loc, "/login/otp") {
				t.Fatalf("sign-in goes to %s", loc)
			}
			if page := x.get("/login/otp", http.StatusOK); !strings.Contains(page, `name="recovery_code"`) {
				t.Fatal("no recovery code field on the OTP page")
			}
			r := x.c.Do("POST", "/login/otp", url.Values{"recovery_code": {codes[0][1]}})
			if i == 0 {
				if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
					t.Fatalf("recovery sign-in: %d %s", r.Status, r.Header.Get("Location"))
				}
				if body := x.get("/", http.StatusOK); !strings.Contains(body, "还剩 9 个") {
					t.Errorf("the use is not shown:\n%s", excerpt(body))
				}
				if body := x.get("/profile", http.StatusOK); !strings.Contains(body, "剩余 9 个") || strings.Contains(body, "关闭动态验证码") {
					t.Errorf("profile:\n%s", excerpt(body))
				}
			} else if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "恢复码不正确或已用过") {
				t.Fatalf("second use: %d\n%s", r.Status, excerpt(r.Body))
			}
		}
		// A new set from the profile, with the password and a code.
		p := signInAdmin(t, app, "daoli.leader")
		r = p.c.Do("POST", "/profile/recovery-codes", url.Values{"current": {"wrong password"}, "otp": {"000000"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-rc-current-error"`) || !strings.Contains(r.Body, `id="f-rc-otp-error"`) {
			t.Fatalf("bad regeneration: %d\n%s", r.Status, excerpt(r.Body))
		}
		code, _ = auth.TOTPCode("JBSWY3DPEHPK3PXP", time.Now().Add(30*time.Second))
		r = p.c.Do("POST", "/profile/recovery-codes", url.Values{"current": {testapp.Password}, "otp": {code}})
		if fresh := regexp.MustCompile(`<li>([a-z2-9-]{14})</li>`).FindAllString(r.Body, -1); r.Status != http.StatusOK || len(fresh) != 10 {
			t.Fatalf("regeneration: %d, %d codes", r.Status, len(fresh))
		}
	})
}
