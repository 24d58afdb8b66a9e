package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/division"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// level is a place in the tree with a unit and an account outside it.
type level struct {
	key, code   string
	foreignUnit string // a unit outside the level's subtree
	foreignName string // its name, which no response may show
	foreignUser string // an account outside the subtree
	inUnit      string // a unit inside the subtree (for the allowed cases)
}

var levels = []level{
	{"city", "2301", "2302", "齐齐哈尔市妇联", "qqhr.staff", "230102"},
	{"district", "230102", "230103", "南岗区妇联", "nangang.leader", "230102001"},
	{"street", "230102001", "230102002", "新阳路街道妇联", "xinyang.staff", "230102001001"},
	{"village", "230102001001", "230102001002", "索菲亚社区妇联", "sofia.staff", "230102001001"},
}

var roles = []access.Role{access.Sysadmin, access.Secadmin, access.Auditor, access.Leader, access.Staff}

// TestHTMLAccessMatrix signs in as every role at city, district, street and
// village level and tries every HTML route on a unit and an account outside
// the role's scope: each is refused (404 for objects outside the scope, 403
// for pages the role may not use), nothing changes, and no response carries
// the foreign unit's or account's name. In-scope requests the role may make
// succeed, so the test fails if the policy is too strict as well.
func TestHTMLAccessMatrix(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		ctx := context.Background()
		svc := app.Server.Deps.Auth
		// A second city beside Harbin, so city-level roles have an outside.
		im, err := svc.Orgs.NewImporter(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := im.Add(ctx, division.Division{Code: "2302", Name: "齐齐哈尔市"}); err != nil {
			t.Fatal(err)
		}
		if err := im.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		mk := func(username, code string, role access.Role) auth.User {
			u, err := svc.CreateUserAsOperator(ctx, auth.NewUser{Username: username, DisplayName: "外部" + username,
				Password: testapp.Password, OrgCode: code, Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		mk("qqhr.staff", "2302", access.Staff)
		mk("xinyang.staff", "230102002", access.Staff)
		mk("sofia.staff", "230102001002", access.Staff)
		for _, lv := range levels {
			foreign, err := svc.UserByUsername(ctx, lv.foreignUser)
			if err != nil {
				t.Fatal(err)
			}
			for _, role := range roles {
				username := "m." + string(role) + "." + lv.key
				mk(username, lv.code, role)
				t.Run(lv.key+"/"+string(role), func(t *testing.T) {
					c := app.Client(t)
					if role.Admin() {
						c.LoginAdmin(username)
					} else {
						c.Login(username)
					}
					checkMatrix(t, app, c, lv, role, foreign)
				})
			}
		}
	})
}

func checkMatrix(t *testing.T, app *testapp.App, c *testapp.Client, lv level, role access.Role, foreign auth.User) {
	a := access.Actor{Role: role}
	fid := strconv.FormatInt(foreign.ID, 10)
	clean := func(r testapp.Response, what string) {
		t.Helper()
		for _, s := range []string{lv.foreignName, foreign.DisplayName, foreign.Username} {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s: response shows foreign data %q", what, s)
			}
		}
	}
	expect := func(method, path string, body url.Values, want int) testapp.Response {
		t.Helper()
		var r testapp.Response
		if body == nil {
			r = c.Do(method, path, nil)
		} else {
			r = c.Do(method, path, body)
		}
		if msg, ok := genericPage[want]; ok {
			refusedPage(t, method+" "+path, r, want, msg)
		} else if r.Status != want {
			t.Errorf("%s %s: status %d, want %d", method, path, r.Status, want)
		}
		clean(r, method+" "+path)
		return r
	}
	// Pages the role may not use at all are 403 wherever they point.
	denied := func(act access.Action, outside int) int {
		if !a.Can(act) {
			return http.StatusForbidden
		}
		return outside
	}
	// Outside the scope.
	expect("GET", "/org/"+lv.foreignUnit, nil, http.StatusNotFound)
	expect("GET", "/org/search?under="+lv.foreignUnit, nil, http.StatusNotFound)
	expect("GET", "/org/search?q="+url.QueryEscape(strings.TrimSuffix(lv.foreignName, "妇联")), nil, http.StatusOK)
	expect("GET", "/users?under="+lv.foreignUnit, nil, denied(access.ViewUsers, http.StatusNotFound))
	expect("GET", "/users/"+fid, nil, denied(access.ViewUsers, http.StatusNotFound))
	for action, act := range map[string]access.Action{"disable": access.ManageUsers, "enable": access.ManageUsers,
		"reset-password": access.ManageUsers, "email": access.ManageUsers, "role": access.GrantRoles, "unlock": access.SecureUsers,
		"reset-totp": access.SecureUsers, "revoke-sessions": access.RevokeSessions, "role-request": access.RequestAdminRoles} {
		// The account service refuses a role that may never take the
		// action before it looks the account up (its own message).
		path := "/users/" + fid + "/" + action
		r := c.Do("POST", path, url.Values{"role": {"staff"}, "email": {"x@example.org"}})
		if a.Can(act) {
			refusedPage(t, "POST "+path, r, http.StatusNotFound, pageNotFound)
		} else {
			refusedPage(t, "POST "+path, r, http.StatusForbidden, actionDenied)
		}
		clean(r, "POST "+path)
	}
	form := url.Values{"username": {"intruder." + lv.key + "." + string(role)}, "display_name": {"入侵"}, "password": {"another long password"},
		"org": {lv.foreignUnit}, "role": {"staff"}}
	expect("POST", "/users", form, denied(access.ManageUsers, http.StatusUnprocessableEntity))
	if _, err := app.Server.Deps.Auth.UserByUsername(context.Background(), form.Get("username")); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a user was created at %s (%v)", lv.foreignUnit, err)
	}
	after, err := app.Server.Deps.Auth.UserByUsername(context.Background(), foreign.Username)
	if err != nil || after.Disabled != foreign.Disabled || after.Role != foreign.Role || after.UpdatedAt != foreign.UpdatedAt {
		t.Errorf("the foreign account changed: %+v", after)
	}
	// 区划调整 of a unit outside: 403 for roles that never may, else 404;
	// the unit stays where and what it was.
	for _, action := range []string{"move", "merge", "rename", "recode", "deactivate", "split"} {
		expect("POST", "/org/"+lv.foreignUnit+"/"+action, url.Values{"under": {lv.code}, "into": {lv.code}, "name": {"越权"}, "new_code": {"999999"}},
			denied(access.ReshapeTree, http.StatusNotFound))
	}
	if o, err := app.Server.Deps.Orgs.ByCodeUnscoped(context.Background(), app.DB.Q(), lv.foreignUnit); err != nil || o.Name != lv.foreignName || !o.Active {
		t.Errorf("the foreign unit changed: %+v %v", o, err)
	}
	expect("GET", "/audit", nil, denied(access.ReadAudit, http.StatusOK))
	// The auditor's search for a foreign account finds nothing (the form
	// echoes the typed name, so look for the results table instead).
	if r := c.Do("GET", "/audit?username="+foreign.Username, nil); a.Can(access.ReadAudit) {
		if r.Status != http.StatusOK || strings.Contains(r.Body, `id="audit-events"`) {
			t.Errorf("auditor finds events of %s outside the scope (%d)", foreign.Username, r.Status)
		}
	} else {
		refusedPage(t, "GET /audit as "+string(role), r, http.StatusForbidden, pageDenied)
	}

	// Inside the scope: what the role may do works.
	r := c.Do("GET", "/org/"+lv.inUnit, nil)
	if r.Status != http.StatusOK {
		t.Errorf("GET /org/%s in scope: %d", lv.inUnit, r.Status)
	}
	expect("GET", "/users", nil, denied(access.ViewUsers, http.StatusOK))
	expect("GET", "/users/new", nil, denied(access.ManageUsers, http.StatusOK))
	for _, p := range []string{"/", "/profile", "/org", "/org/search?q=" + url.QueryEscape("妇联")} {
		if r := c.Do("GET", p, nil); r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.Status)
		} else {
			clean(r, "GET "+p)
		}
	}
}

// TestLoginPageFlow covers the form: field errors, a wrong password, the
// redirect after success and the logout.
func TestLoginPageFlow(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		c := app.Client(t)
		if r := c.Do("GET", "/org", nil); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Fatalf("signed-out /org: %d %s", r.Status, r.Header.Get("Location"))
		}
		r := c.Do("POST", "/login", url.Values{"username": {""}, "password": {""}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "请输入用户名") || !strings.Contains(r.Body, `aria-invalid="true"`) {
			t.Fatalf("empty login form: %d", r.Status)
		}
		r = c.Do("POST", "/login", url.Values{"username": {"daoli.leader"}, "password": {"wrong password"}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "用户名或密码不正确") || !strings.Contains(r.Body, "daoli.leader") {
			t.Fatalf("wrong password: %d", r.Status)
		}
		r = c.Do("POST", "/login", url.Values{"username": {"daoli.leader"}, "password": {testapp.Password}, "next": {"/org/230102001"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/org/230102001" {
			t.Fatalf("login: %d %s", r.Status, r.Header.Get("Location"))
		}
		// An off-site next is ignored.
		c2 := app.Client(t)
		r = c2.Do("POST", "/login", url.Values{"username": {"daoli.staff"}, "password": {testapp.Password}, "next": {"//evil.example/"}})
		if r.Header.Get("Location") != "/" {
			t.Fatalf("off-site next followed: %s", r.Header.Get("Location"))
		}
		r = c.Do("GET", "/org/230102001", nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "兆麟街道妇联") {
			t.Fatalf("street page: %d", r.Status)
		}
		// A cross-site form post is refused and changes nothing.
		req, _ := http.NewRequest("POST", app.URL+"/logout/all", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || string(body) != "拒绝跨站请求\n" {
			t.Fatalf("cross-site POST: %d %q, want 403 and the cross-site refusal", res.StatusCode, body)
		}
		if r := c.Do("GET", "/", nil); r.Status != http.StatusOK {
			t.Fatalf("session ended by a cross-site POST: %d", r.Status)
		}
		if r := c.Do("POST", "/logout", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := c.Do("GET", "/", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("still signed in after logout: %d", r.Status)
		}
	})
}
