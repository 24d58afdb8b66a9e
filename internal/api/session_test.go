package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halfsky/internal/auth"
	"halfsky/internal/testapp"
)

func TestSessionScenarios(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		login := func(u, p string) map[string]string { return map[string]string{"username": u, "password": p} }
		f.run(t, []scenario{
			{name: "sign in", method: "POST", path: "/api/v1/session", body: login("daoli.staff", testapp.Password),
				status: 200, has: []string{`"username":"daoli.staff"`, `"org_code":"230102"`}, hasNot: []string{"password_hash", testapp.Password},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					ck := r.Header.Get("Set-Cookie")
					if !strings.Contains(ck, "halfsky_session=") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
						t.Errorf("session cookie %q", ck)
					}
				}},
			{name: "wrong password", method: "POST", path: "/api/v1/session", body: login("daoli.staff", "wrong-password-1"),
				status: 401, code: "bad_credentials", changes: true},
			{name: "unknown user reads the same", method: "POST", path: "/api/v1/session", body: login("nobody.here", "wrong-password-1"),
				status: 401, code: "bad_credentials"},
			{name: "missing fields", method: "POST", path: "/api/v1/session", body: map[string]string{},
				status: 422, code: "invalid", fields: []string{"username", "password"}},
			{name: "NUL in username", method: "POST", path: "/api/v1/session", body: login("daoli\u0000staff", "x"),
				status: 422, code: "invalid", fields: []string{"username"}},
			{name: "malformed JSON", method: "POST", path: "/api/v1/session", body: `{"username":`,
				status: 400, code: "invalid_json"},
			{name: "trailing data", method: "POST", path: "/api/v1/session", body: `{"username":"a","password":"b"} {}`,
				status: 400, code: "invalid_json"},
			{name: "not an object", method: "POST", path: "/api/v1/session", body: `["daoli.staff"]`,
				status: 400, code: "invalid_json"},
			{name: "unknown field refused", method: "POST", path: "/api/v1/session", body: `{"username":"daoli.staff","password":"x","remember":true}`,
				status: 400, code: "invalid_json"},
			{name: "wrong type", method: "POST", path: "/api/v1/session", body: `{"username":12,"password":"x"}`,
				status: 422, code: "invalid", fields: []string{"username"}},
			// The right password and the end of its half-open session are
			// audited (auth.password_ok, auth.logout); nothing else changes.
			{name: "admin without code", method: "POST", path: "/api/v1/session", body: login("admin", testapp.Password),
				status: 403, code: "totp_enrollment_required", changes: true, check: counted(2,
					`SELECT COUNT(*) FROM audit_events WHERE username = 'admin' AND action IN ('auth.password_ok', 'auth.logout')`)},
			{name: "whoami anonymous", method: "GET", path: "/api/v1/session", status: 401, code: "unauthenticated"},
			{name: "logout anonymous", method: "DELETE", path: "/api/v1/session", status: 401, code: "unauthenticated"},
			{name: "whoami", as: "street.staff", method: "GET", path: "/api/v1/session", status: 200,
				has: []string{`"username":"street.staff"`, `"display_name":"张秀英"`, `"role":"staff"`}},
			{name: "wrong method", as: "street.staff", method: "PUT", path: "/api/v1/session", status: 405, code: "method_not_allowed",
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if a := r.Header.Get("Allow"); a != "DELETE, GET, HEAD, POST" {
						t.Errorf("Allow: %q", a)
					}
				}},
			{name: "unknown route", as: "street.staff", method: "GET", path: "/api/v1/nothing", status: 404, code: "no_route"},
			{name: "unknown route anonymous", method: "POST", path: "/api/v2/session", status: 404, code: "no_route"},
		})
	})
}

func TestSessionOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		t.Run("logout invalidates the cookie", func(t *testing.T) {
			c := f.fresh("daoli.staff")
			expect(t, c.Do("GET", "/api/v1/session", nil), 200, "")
			expect(t, c.Do("DELETE", "/api/v1/session", nil), 204, "")
			expect(t, c.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
		})
		t.Run("old cookie replayed after logout", func(t *testing.T) {
			c := f.fresh("daoli.staff")
			u, _ := http.NewRequest("GET", f.app.URL, nil)
			old := c.HTTP.Jar.Cookies(u.URL)
			expect(t, c.Do("DELETE", "/api/v1/session", nil), 204, "")
			replay := f.app.Client(t)
			replay.HTTP.Jar.SetCookies(u.URL, old)
			expect(t, replay.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
		})
		t.Run("logout everywhere ends other clients", func(t *testing.T) {
			a, b := f.fresh("daoli.leader"), f.fresh("daoli.leader")
			expect(t, b.Do("GET", "/api/v1/session", nil), 200, "")
			expect(t, a.Do("DELETE", "/api/v1/session?all=1", nil), 204, "")
			expect(t, b.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
			expect(t, a.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
			if n := f.count(`SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'daoli.leader'`); n != 0 {
				t.Errorf("%d sessions left", n)
			}
		})
		t.Run("plain logout keeps other clients", func(t *testing.T) {
			a, b := f.fresh("daoli.leader"), f.fresh("daoli.leader")
			expect(t, a.Do("DELETE", "/api/v1/session", nil), 204, "")
			expect(t, b.Do("GET", "/api/v1/session", nil), 200, "")
		})
		t.Run("sign-in rotates the session", func(t *testing.T) {
			c := f.fresh("daoli.staff")
			u, _ := http.NewRequest("GET", f.app.URL, nil)
			first := c.HTTP.Jar.Cookies(u.URL)
			c.Login("daoli.staff")
			second := c.HTTP.Jar.Cookies(u.URL)
			if len(first) != 1 || len(second) != 1 || first[0].Value == second[0].Value {
				t.Fatalf("session not rotated: %v → %v", first, second)
			}
			replay := f.app.Client(t)
			replay.HTTP.Jar.SetCookies(u.URL, first)
			expect(t, replay.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
		})
		t.Run("forged cookies", func(t *testing.T) {
			for _, v := range []string{"forged", strings.Repeat("A", 43), strings.Repeat("x", 5000), "%00%ff"} {
				r := raw(t, f, f.app.Client(t), "GET", "/api/v1/session", "", map[string]string{"Cookie": "halfsky_session=" + v})
				expect(t, r, 401, "unauthenticated")
			}
		})
		t.Run("expired session", func(t *testing.T) {
			c := f.fresh("village.staff")
			f.exec(`UPDATE sessions SET last_seen_at = last_seen_at - ? WHERE user_id = ?`,
				(auth.IdleTimeout + time.Minute).Milliseconds(), f.userID("village.staff"))
			expect(t, c.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
		})
		t.Run("lockout after five wrong passwords", func(t *testing.T) {
			f.user("lock.me", "锁定测试", "230102", "staff")
			c := f.app.Client(t)
			for i := 1; i <= 4; i++ {
				expect(t, c.Do("POST", "/api/v1/session", map[string]string{"username": "lock.me", "password": "wrong-password-x"}), 401, "bad_credentials")
			}
			r := c.Do("POST", "/api/v1/session", map[string]string{"username": "lock.me", "password": "wrong-password-x"})
			expect(t, r, 423, "account_locked")
			if !strings.Contains(r.JSON(t)["error"].(map[string]any)["message"].(string), "锁定") {
				t.Errorf("lockout message: %s", r.Body)
			}
			// The right password does not open a locked account.
			r = c.Do("POST", "/api/v1/session", map[string]string{"username": "lock.me", "password": testapp.Password})
			expect(t, r, 423, "account_locked")
			if r.Header.Get("Set-Cookie") != "" {
				t.Errorf("locked sign-in set a cookie")
			}
			expect(t, c.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
			// The security administrator unlocks it.
			sec := f.as("secadmin")
			expect(t, sec.Do("POST", "/api/v1/users/"+itoa(f.userID("lock.me"))+"/unlock", nil), 200, "")
			expect(t, c.Do("POST", "/api/v1/session", map[string]string{"username": "lock.me", "password": testapp.Password}), 200, "")
		})
		t.Run("per-IP throttle", func(t *testing.T) {
			f.exec(`DELETE FROM login_attempts`)
			c := f.app.Client(t)
			var last testapp.Response
			for range auth.ThrottleLimit + 1 {
				last = c.Do("POST", "/api/v1/session", map[string]string{"username": "nobody.here", "password": "wrong-password-x"})
			}
			expect(t, last, 429, "too_many_attempts")
			f.exec(`DELETE FROM login_attempts`)
		})
		t.Run("cross-origin requests are refused", func(t *testing.T) {
			c := f.fresh("daoli.leader")
			before := f.state()
			body := `{"username":"csrf.victim","display_name":"跨站","org_code":"230102","role":"staff"}`
			for _, hdr := range []map[string]string{
				{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
				{"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"},
				{"Origin": "https://evil.example", "Content-Type": "application/json"},
				{"Origin": "https://evil.example", "Content-Type": "text/plain"},
			} {
				expect(t, raw(t, f, c, "POST", "/api/v1/users", body, hdr), 403, "cross_origin")
				expect(t, raw(t, f, c, "DELETE", "/api/v1/session?all=1", "", hdr), 403, "cross_origin")
				expect(t, raw(t, f, c, "POST", "/api/v1/session", `{"username":"daoli.staff","password":"`+testapp.Password+`"}`, hdr), 403, "cross_origin")
			}
			if after := f.state(); after != before {
				t.Errorf("cross-origin requests changed state:\n%s\n%s", before, after)
			}
			expect(t, c.Do("GET", "/api/v1/session", nil), 200, "")
			// Same-origin requests of a browser pass.
			r := raw(t, f, c, "GET", "/api/v1/session", "", map[string]string{"Sec-Fetch-Site": "cross-site"})
			expect(t, r, 200, "") // safe methods are not refused
			r = raw(t, f, c, "POST", "/api/v1/users", body, map[string]string{"Origin": f.app.URL, "Content-Type": "application/json"})
			expect(t, r, 201, "")
		})
	})
}

// TestBadBodies covers what every JSON endpoint refuses: malformed JSON,
// unknown fields, wrong content types and oversized bodies.
func TestBadBodies(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		c := f.as("daoli.leader")
		target := "/api/v1/users/" + itoa(f.userID("daoli.staff"))
		cases := []struct {
			name, path, ctype, body string
			status                  int
			code                    string
			fields                  []string
		}{
			{"malformed", "/api/v1/users", "application/json", `{"username":"x",`, 400, "invalid_json", nil},
			{"empty body", "/api/v1/users", "application/json", ``, 400, "invalid_json", nil},
			{"unknown field", "/api/v1/users", "application/json", `{"username":"unknown.field","admin":true}`, 400, "invalid_json", nil},
			{"form post", "/api/v1/users", "application/x-www-form-urlencoded", `username=x`, 415, "unsupported_media_type", nil},
			{"text post", "/api/v1/users", "text/plain", `{"username":"x"}`, 415, "unsupported_media_type", nil},
			{"action unknown field", target + "/disable", "application/json", `{"why":"x"}`, 400, "invalid_json", nil},
			{"action wrong field", target + "/reset-password", "application/json", `{"role":"staff"}`, 400, "invalid_json", nil},
			{"action malformed", target + "/reset-password", "application/json", `{"password":`, 400, "invalid_json", nil},
			{"action wrong type", target + "/reset-password", "application/json", `{"password":123456789}`, 422, "invalid", []string{"password"}},
			{"action text", target + "/disable", "text/plain", `{}`, 415, "unsupported_media_type", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := f.state()
				r := raw(t, f, c, "POST", tc.path, tc.body, map[string]string{"Content-Type": tc.ctype, "Sec-Fetch-Site": "same-origin"})
				expect(t, r, tc.status, tc.code, tc.fields...)
				if after := f.state(); after != before {
					t.Errorf("state changed")
				}
			})
		}
		t.Run("oversized body", func(t *testing.T) {
			before := f.state()
			big := `{"username":"big.body","display_name":"` + strings.Repeat("大", 400_000) + `","password":"a-long-password-1","org_code":"230102","role":"staff"}`
			// In process, so the refusal is seen whatever the connection does.
			req := httptest.NewRequest("POST", "/api/v1/users", strings.NewReader(big))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			u, _ := http.NewRequest("GET", f.app.URL, nil)
			for _, ck := range c.HTTP.Jar.Cookies(u.URL) {
				req.AddCookie(ck)
			}
			w := httptest.NewRecorder()
			f.app.Server.Handler.ServeHTTP(w, req)
			expect(t, testapp.Response{Status: w.Code, Header: w.Header(), Body: w.Body.String()}, 413, "too_large")
			// And over the wire.
			r := c.Do("POST", "/api/v1/users", big)
			expect(t, r, 413, "too_large")
			if after := f.state(); after != before {
				t.Errorf("state changed")
			}
		})
	})
}

// TestForcedPasswordChange: an account with a password set by an
// administrator can only change it over the API until it has.
func TestForcedPasswordChange(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.exec(`UPDATE users SET must_change_password = 1 WHERE username = 'daoli.staff'`)
		c := f.fresh("daoli.staff")
		expect(t, c.Do("GET", "/api/v1/orgs/230102", nil), 403, "password_change_required")
		expect(t, c.Do("POST", "/api/v1/session/password", map[string]string{"current": "wrong one!", "password": "a new long password"}), 422, "invalid", "current")
		expect(t, c.Do("POST", "/api/v1/session/password", map[string]string{"current": testapp.Password, "password": "12345678"}), 422, "invalid", "password")
		if r := c.Do("POST", "/api/v1/session/password", map[string]string{"current": testapp.Password, "password": "a new long password"}); r.Status != 204 {
			t.Fatalf("change: %d %s", r.Status, r.Body)
		}
		if r := c.Do("GET", "/api/v1/orgs/230102", nil); r.Status != 200 {
			t.Fatalf("after change: %d %s", r.Status, r.Body)
		}
	})
}
