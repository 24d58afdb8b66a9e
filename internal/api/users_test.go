package api_test

import (
	"strings"
	"testing"

	"halfsky/internal/testapp"
)

func TestUserScenarios(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		newUser := func(username, org, role string) map[string]any {
			return map[string]any{"username": username, "display_name": "新同事", "org_code": org, "role": role}
		}
		with := func(m map[string]any, k string, v any) map[string]any {
			m[k] = v
			return m
		}
		without := func(m map[string]any, k string) map[string]any {
			delete(m, k)
			return m
		}
		nangangLeader := itoa(f.userID("nangang.leader"))
		daoliStaff := itoa(f.userID("daoli.staff"))
		usersCount := func(want int) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				if n := f.count(`SELECT COUNT(*) FROM users`); n != want {
					t.Errorf("%d users, want %d", n, want)
				}
			}
		}
		n := f.count(`SELECT COUNT(*) FROM users`)
		f.run(t, []scenario{
			// Lists.
			{name: "list anonymous", method: "GET", path: "/api/v1/users", status: 401, code: "unauthenticated"},
			{name: "list: district leader sees own subtree", as: "daoli.leader", method: "GET", path: "/api/v1/users", status: 200,
				has: []string{"daoli.staff", "street.staff", "village.staff"}, hasNot: []string{"nangang.leader", "李红梅", "city.leader", "admin"},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					for _, it := range items(t, r) {
						if !strings.HasPrefix(it["org_code"].(string), "230102") {
							t.Errorf("foreign user %v", it)
						}
					}
					if total(t, r) != 4 {
						t.Errorf("total %d", total(t, r))
					}
				}},
			{name: "list: filters", as: "admin", method: "GET", path: "/api/v1/users?under=230102&role=staff&q=street", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if list := items(t, r); len(list) != 1 || list[0]["username"] != "street.staff" || list[0]["role_label"] != "工作人员" {
						t.Errorf("items %v", list)
					}
				}},
			{name: "list: paging", as: "admin", method: "GET", path: "/api/v1/users?per_page=3&page=2", status: 200, has: []string{`"page":2`, `"per_page":3`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if len(items(t, r)) != 3 || total(t, r) < 10 {
						t.Errorf("%d items of %d", len(items(t, r)), total(t, r))
					}
				}},
			{name: "list: staff may not", as: "daoli.staff", method: "GET", path: "/api/v1/users", status: 403, code: "forbidden"},
			{name: "list: auditor may not", as: "auditor", method: "GET", path: "/api/v1/users", status: 403, code: "forbidden"},
			{name: "list: under out of scope", as: "daoli.leader", method: "GET", path: "/api/v1/users?under=230103", status: 404, code: "not_found", hasNot: []string{"nangang"}},
			{name: "list: bad role", as: "daoli.leader", method: "GET", path: "/api/v1/users?role=king", status: 422, code: "invalid", fields: []string{"role"}},
			{name: "list: bad page", as: "daoli.leader", method: "GET", path: "/api/v1/users?page=1.5", status: 422, code: "invalid", fields: []string{"page"}},
			{name: "list: bad text", as: "daoli.leader", method: "GET", path: "/api/v1/users?q=%00&under=%FF", status: 422, code: "invalid", fields: []string{"q", "under"}},

			// Create: the system generates the first password, shown once.
			{name: "create", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("new.colleague", "230102001", "staff"), status: 201,
				has: []string{`"username":"new.colleague"`, `"org_code":"230102001"`, `"must_change_password":true`, `"temporary_password":"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					usersCount(n+1)(t, f, r)
					temp := r.JSON(t)["temporary_password"].(string)
					c := f.app.Client(t)
					expect(t, c.Do("POST", "/api/v1/session", map[string]string{"username": "new.colleague", "password": temp}), 200, "")
					expect(t, c.Do("GET", "/api/v1/docs", nil), 403, "password_change_required")
				}},
			{name: "create: a chosen password is refused", as: "daoli.leader", method: "POST", path: "/api/v1/users",
				body: with(newUser("chosen.pw", "230102001", "staff"), "password", "a-long-password-1"), status: 422, code: "invalid", fields: []string{"password"},
				check: usersCount(n + 1)},
			{name: "create: without forced change is refused", as: "admin", method: "POST", path: "/api/v1/users",
				body: with(newUser("no.change", "2301", ""), "must_change_password", false), status: 422, code: "invalid", fields: []string{"must_change_password"},
				check: usersCount(n + 1)},
			{name: "create: duplicate username", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("daoli.staff", "230102", "staff"),
				status: 422, code: "invalid", fields: []string{"username"}, check: usersCount(n + 1)},
			{name: "create: duplicate differing in case", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser(" Daoli.Staff ", "230102", "staff"),
				status: 422, code: "invalid", fields: []string{"username"}},
			{name: "create: everything missing", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: map[string]any{},
				status: 422, code: "invalid", fields: []string{"username", "display_name", "org", "role"}, check: usersCount(n + 1)},
			{name: "create: bad username", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("张三", "230102", "staff"),
				status: 422, code: "invalid", fields: []string{"username"}},
			{name: "create: long name", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: with(newUser("long.name", "230102", "staff"), "display_name", strings.Repeat("长", 41)),
				status: 422, code: "invalid", fields: []string{"display_name"}},
			{name: "create: NUL in name", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: with(newUser("nul.name", "230102", "staff"), "display_name", "a\u0000b"),
				status: 422, code: "invalid", fields: []string{"display_name"}},
			{name: "create: unknown org", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("no.org", "999999", "staff"),
				status: 422, code: "invalid", fields: []string{"org"}},
			{name: "create: org out of scope", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("foreign.org", "230103", "staff"),
				status: 422, code: "invalid", fields: []string{"org"}, hasNot: []string{"南岗"}},
			{name: "create: missing org", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: without(newUser("no.org2", "", "staff"), "org_code"),
				status: 422, code: "invalid", fields: []string{"org"}},
			{name: "create: bad role", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("bad.role", "230102", "king"),
				status: 422, code: "invalid", fields: []string{"role"}},
			{name: "create: role the leader may not grant", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: newUser("want.admin", "230102", "sysadmin"),
				status: 422, code: "invalid", fields: []string{"role"}},
			{name: "create: staff may not", as: "daoli.staff", method: "POST", path: "/api/v1/users", body: newUser("by.staff", "230102", "staff"),
				status: 403, code: "forbidden"},
			{name: "create: secadmin may not", as: "secadmin", method: "POST", path: "/api/v1/users", body: newUser("by.sec", "230102", ""),
				status: 403, code: "forbidden", check: usersCount(n + 1)},
			{name: "create: wrong type", as: "daoli.leader", method: "POST", path: "/api/v1/users", body: with(newUser("typed", "230102", "staff"), "must_change_password", "yes"),
				status: 422, code: "invalid", fields: []string{"must_change_password"}},

			// One account.
			{name: "show", as: "daoli.leader", method: "GET", path: "/api/v1/users/" + daoliStaff, status: 200, has: []string{`"display_name":"陈静"`}},
			{name: "show: own account without user rights", as: "daoli.staff", method: "GET", path: "/api/v1/users/" + daoliStaff, status: 200},
			{name: "show: staff may not view others", as: "daoli.staff", method: "GET", path: "/api/v1/users/" + itoa(f.userID("street.staff")), status: 403, code: "forbidden"},
			{name: "show: out of scope", as: "daoli.leader", method: "GET", path: "/api/v1/users/" + nangangLeader, status: 404, code: "not_found", hasNot: []string{"nangang", "李红梅"}},
			{name: "show: unknown", as: "daoli.leader", method: "GET", path: "/api/v1/users/999999", status: 404, code: "not_found"},
			{name: "show: not a number", as: "daoli.leader", method: "GET", path: "/api/v1/users/abc", status: 404, code: "not_found"},
			{name: "show: overflow", as: "daoli.leader", method: "GET", path: "/api/v1/users/99999999999999999999999", status: 404, code: "not_found"},
			{name: "show: negative", as: "daoli.leader", method: "GET", path: "/api/v1/users/-1", status: 404, code: "not_found"},
			{name: "show: wrong method", as: "daoli.leader", method: "DELETE", path: "/api/v1/users/" + daoliStaff, status: 405, code: "method_not_allowed"},
			{name: "action: wrong method", as: "daoli.leader", method: "GET", path: "/api/v1/users/" + daoliStaff + "/disable", status: 405, code: "method_not_allowed"},
			{name: "action: unknown", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + daoliStaff + "/promote", status: 404, code: "no_route"},
		})
	})
}

func TestUserActions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		target := f.user("act.target", "操作对象", "230102001", "staff")
		id := itoa(target.ID)
		p := func(action string) string { return "/api/v1/users/" + id + "/" + action }
		signedIn := func(want bool) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				n := f.count(`SELECT COUNT(*) FROM sessions WHERE user_id = ?`, target.ID)
				if (n > 0) != want {
					t.Errorf("%d sessions of the target", n)
				}
			}
		}
		column := func(col string, want int) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				if n := f.count(`SELECT `+col+` FROM users WHERE id = ?`, target.ID); n != want {
					t.Errorf("%s = %d, want %d", col, n, want)
				}
			}
		}
		audited := func(action string) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND object_id = 'act.target' AND outcome = 'ok'`, action) == 0 {
					t.Errorf("no audit event %s", action)
				}
			}
		}
		all := func(fns ...func(t *testing.T, f *fixture, r testapp.Response)) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				for _, fn := range fns {
					fn(t, f, r)
				}
			}
		}
		f.as("act.target")
		var temp string
		f.run(t, []scenario{
			{name: "disable", as: "daoli.leader", method: "POST", path: p("disable"), status: 200, has: []string{`"disabled":true`},
				check: all(signedIn(false), column("disabled", 1), audited("user.disable"))},
			{name: "disabled account cannot sign in", method: "POST", path: "/api/v1/session",
				body: map[string]string{"username": "act.target", "password": testapp.Password}, status: 403, code: "account_disabled"},
			{name: "enable with {}", as: "daoli.leader", method: "POST", path: p("enable"), body: map[string]any{}, status: 200, has: []string{`"disabled":false`},
				check: all(column("disabled", 0), audited("user.enable"))},
			{name: "disable self refused", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + itoa(f.userID("daoli.leader")) + "/disable", status: 422, code: "self"},
			{name: "reset password: a chosen one is refused", as: "daoli.leader", method: "POST", path: p("reset-password"), body: map[string]string{"password": "another-long-password"},
				status: 422, code: "invalid", fields: []string{"password"}},
			{name: "reset password", as: "daoli.leader", method: "POST", path: p("reset-password"),
				status: 200, has: []string{`"must_change_password":true`, `"temporary_password":"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					all(column("must_change_password", 1), audited("user.reset_password"))(t, f, r)
					temp = r.JSON(t)["temporary_password"].(string)
					if temp == "" || temp == testapp.Password {
						t.Fatalf("temporary password %q", temp)
					}
				}},
			{name: "the old password is dead", method: "POST", path: "/api/v1/session",
				body: map[string]string{"username": "act.target", "password": testapp.Password}, status: 401, code: "bad_credentials", changes: true},
		})
		t.Run("the one-time password signs in, once changed it is the user's", func(t *testing.T) {
			c := f.app.Client(t)
			r := c.Do("POST", "/api/v1/session", map[string]string{"username": "act.target", "password": temp})
			expect(t, r, 200, "")
			ps := r.JSON(t)["password_set"].(map[string]any)
			if ps["by"] != "daoli.leader" || ps["kind"] != "reset" || ps["by_name"] != "王丽华" {
				t.Errorf("password_set %v", ps)
			}
			expect(t, c.Do("POST", "/api/v1/session/password", map[string]string{"current": temp, "password": "my-very-own-password"}), 204, "")
			f.clients["act.target"] = c
		})
		f.run(t, []scenario{
			{name: "revoke sessions: leader may not", as: "daoli.leader", method: "POST", path: p("revoke-sessions"), status: 403, code: "forbidden"},
			{name: "revoke sessions", as: "admin", method: "POST", path: p("revoke-sessions"), status: 200, has: []string{`"revoked":1`},
				check: all(signedIn(false), audited("user.revoke_sessions"))},
			{name: "role: the system administrator may not", as: "admin", method: "POST", path: p("role"), body: map[string]string{"role": "leader"}, status: 403, code: "forbidden"},
			{name: "role: a leader gives no administrator role", as: "daoli.leader", method: "POST", path: p("role"), body: map[string]string{"role": "sysadmin"},
				status: 403, code: "needs_approval"},
			{name: "role: missing", as: "secadmin", method: "POST", path: p("role"), status: 422, code: "invalid", fields: []string{"role"}},
			{name: "role: unknown", as: "secadmin", method: "POST", path: p("role"), body: map[string]string{"role": "king"}, status: 422, code: "invalid", fields: []string{"role"}},
			{name: "role: no administrator role alone", as: "secadmin", method: "POST", path: p("role"), body: map[string]string{"role": "auditor"}, status: 403, code: "needs_approval"},
			{name: "role", as: "secadmin", method: "POST", path: p("role"), body: map[string]string{"role": "leader"}, status: 200, has: []string{`"role":"leader"`, `"totp_due_at":"`},
				check: audited("user.set_role")},
			{name: "role: never one's own", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + itoa(f.userID("daoli.leader")) + "/role",
				body: map[string]string{"role": "staff"}, status: 422, code: "self"},
			{name: "unlock: sysadmin may not", as: "admin", method: "POST", path: p("unlock"), status: 403, code: "forbidden"},
			{name: "unlock", as: "secadmin", method: "POST", path: p("unlock"), status: 200, check: audited("user.unlock")},
			{name: "reset TOTP: leader may not", as: "daoli.leader", method: "POST", path: p("reset-totp"), status: 403, code: "forbidden"},
			{name: "reset TOTP", as: "secadmin", method: "POST", path: p("reset-totp"), status: 200, has: []string{`"totp_enabled":false`}, check: audited("user.reset_totp")},
			{name: "out of scope is not found", as: "nangang.leader", method: "POST", path: p("disable"), status: 404, code: "not_found", hasNot: []string{"act.target", "操作对象"}},
			{name: "unknown id", as: "admin", method: "POST", path: "/api/v1/users/999999/disable", status: 404, code: "not_found"},
			{name: "anonymous", method: "POST", path: p("disable"), status: 401, code: "unauthenticated"},
		})
		t.Run("revoking one's own sessions ends this one", func(t *testing.T) {
			c := f.fresh("admin")
			r := c.Do("POST", "/api/v1/users/"+itoa(f.userID("admin"))+"/revoke-sessions", nil)
			expect(t, r, 200, "")
			if !strings.Contains(r.Header.Get("Set-Cookie"), "Max-Age=0") {
				t.Errorf("cookie not cleared: %q", r.Header.Get("Set-Cookie"))
			}
			expect(t, c.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
			delete(f.clients, "admin")
		})
		t.Run("denials are audited", func(t *testing.T) {
			if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND username = 'daoli.leader' AND outcome = 'denied'`); n < 3 {
				t.Errorf("%d denials of daoli.leader audited", n)
			}
		})
	})
}
