package api_test

import (
	"context"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/testapp"
)

// TestAccountAttacks: what an attacker inside the federation tried
// (issue 10) is refused with the exact status and code, audited, and
// changes nothing.
func TestAccountAttacks(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user("daoli.peer", "道里另一位负责人", "230102", access.Leader)
		peer := itoa(f.userID("daoli.peer"))
		daoli := itoa(f.userID("daoli.leader"))
		admin := itoa(f.userID("admin"))
		staff := itoa(f.userID("daoli.staff"))
		account := func(username, org, role string) map[string]any {
			return map[string]any{"username": username, "display_name": "攻击者", "org_code": org, "role": role}
		}
		f.run(t, []scenario{
			// 三权分立: the system administrator opens accounts, grants nothing.
			{name: "admin creates a leader", as: "admin", method: "POST", path: "/api/v1/users",
				body:   map[string]any{"username": "admin.leader", "display_name": "X", "org_code": "2301", "role": "leader", "must_change_password": false},
				status: 422, code: "invalid", fields: []string{"must_change_password"}},
			{name: "admin creates a leader, forced change left alone", as: "admin", method: "POST", path: "/api/v1/users",
				body: account("admin.leader", "2301", "leader"), status: 422, code: "invalid", fields: []string{"role"}},
			{name: "admin creates an auditor", as: "admin", method: "POST", path: "/api/v1/users",
				body: account("admin.auditor", "2301", "auditor"), status: 422, code: "invalid", fields: []string{"role"}},
			{name: "admin creates staff", as: "admin", method: "POST", path: "/api/v1/users",
				body: account("admin.staff", "230102", "staff"), status: 422, code: "invalid", fields: []string{"role"}},
			{name: "admin grants a role", as: "admin", method: "POST", path: "/api/v1/users/" + staff + "/role",
				body: map[string]string{"role": "leader"}, status: 403, code: "forbidden"},
			{name: "admin grants itself a role", as: "admin", method: "POST", path: "/api/v1/users/" + admin + "/role",
				body: map[string]string{"role": "secadmin"}, status: 403, code: "forbidden"},
			{name: "admin asks an administrator role for itself", as: "admin", method: "POST", path: "/api/v1/users/" + admin + "/role-requests",
				body: map[string]string{"role": "secadmin"}, status: 422, code: "self"},
			{name: "secadmin grants an administrator role alone", as: "secadmin", method: "POST", path: "/api/v1/users/" + staff + "/role",
				body: map[string]string{"role": "auditor"}, status: 403, code: "needs_approval"},
			{name: "secadmin grants itself a role", as: "secadmin", method: "POST", path: "/api/v1/users/" + itoa(f.userID("secadmin")) + "/role",
				body: map[string]string{"role": "sysadmin"}, status: 422, code: "self"},
			{name: "a reset to a known password", as: "admin", method: "POST", path: "/api/v1/users/" + daoli + "/reset-password",
				body: map[string]string{"password": "i-know-this-one-1"}, status: 422, code: "invalid", fields: []string{"password"}},
			// Delegation only downward.
			{name: "leader creates a puppet leader at his own unit", as: "city.leader", method: "POST", path: "/api/v1/users",
				body: account("city.puppet", "2301", "leader"), status: 422, code: "invalid", fields: []string{"role"}},
			{name: "leader resets a peer leader", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + peer + "/reset-password",
				status: 403, code: "forbidden"},
			{name: "leader disables a peer leader", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + peer + "/disable",
				status: 403, code: "forbidden"},
			{name: "leader resets a higher leader", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + itoa(f.userID("city.leader")) + "/reset-password",
				status: 404, code: "not_found"},
			{name: "leader resets own password", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + daoli + "/reset-password",
				status: 422, code: "self"},
			{name: "leader changes own password without the current one", as: "daoli.leader", method: "POST", path: "/api/v1/session/password",
				body: map[string]string{"current": "not-my-password", "password": "a-new-long-password"}, status: 422, code: "invalid", fields: []string{"current"}},
			{name: "leader changes own role", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + daoli + "/role",
				body: map[string]string{"role": "staff"}, status: 422, code: "self"},
			{name: "leader makes a peer leader by promotion", as: "daoli.leader", method: "POST", path: "/api/v1/users/" + staff + "/role",
				body: map[string]string{"role": "leader"}, status: 422, code: "invalid", fields: []string{"role"}},
			// The auditor changes no account.
			{name: "auditor disables", as: "auditor", method: "POST", path: "/api/v1/users/" + staff + "/disable", status: 403, code: "forbidden"},
			{name: "auditor resets a password", as: "auditor", method: "POST", path: "/api/v1/users/" + staff + "/reset-password", status: 403, code: "forbidden"},
			{name: "auditor sets a role", as: "auditor", method: "POST", path: "/api/v1/users/" + staff + "/role", body: map[string]string{"role": "leader"},
				status: 403, code: "forbidden"},
			{name: "auditor resets a second factor", as: "auditor", method: "POST", path: "/api/v1/users/" + staff + "/reset-totp", status: 403, code: "forbidden"},
			{name: "auditor asks for a role", as: "auditor", method: "POST", path: "/api/v1/users/" + staff + "/role-requests",
				body: map[string]string{"role": "auditor"}, status: 403, code: "forbidden"},
			{name: "auditor creates", as: "auditor", method: "POST", path: "/api/v1/users", body: account("by.auditor", "2301", ""), status: 403, code: "forbidden"},
			{name: "auditor lists role requests", as: "auditor", method: "GET", path: "/api/v1/role-requests", status: 403, code: "forbidden"},
		})
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied' AND username IN ('admin', 'secadmin', 'auditor', 'daoli.leader', 'city.leader')`); n < 15 {
			t.Errorf("%d refusals audited", n)
		}
	})
}

// TestLeaderSecondFactorOverHTTP: a leader past the grace period must
// enrol first; a recovery code works once; a security administrator's
// reset forces enrolment at once.
func TestLeaderSecondFactorOverHTTP(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		login := func(extra map[string]string) map[string]string {
			m := map[string]string{"username": "daoli.leader", "password": testapp.Password}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		// Within the grace period: signed in, told the date.
		c := f.app.Client(t)
		r := c.Do("POST", "/api/v1/session", login(nil))
		expect(t, r, 200, "")
		if u := r.JSON(t)["user"].(map[string]any); u["totp_due_at"] == nil {
			t.Errorf("no totp_due_at for a leader in grace: %v", u)
		}
		// Past it: no session without a second factor.
		f.exec(`UPDATE users SET totp_due_at = ? WHERE username = 'daoli.leader'`, time.Now().Add(-time.Minute).UnixMilli())
		r = f.app.Client(t).Do("POST", "/api/v1/session", login(nil))
		expect(t, r, 403, "totp_enrollment_required")
		if r.Header.Get("Set-Cookie") != "" && !containsMaxAge0(r.Header.Get("Set-Cookie")) {
			t.Errorf("a cookie was set: %q", r.Header.Get("Set-Cookie"))
		}
		expect(t, c.Do("GET", "/api/v1/session", nil), 200, "") // a session from before keeps its time

		// Enrolled, with recovery codes: each works once.
		u, _ := f.svc().UserByUsername(ctx, "daoli.leader")
		enr, err := f.svc().BeginTOTP(ctx, u.Actor(""), true)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.TOTPCode(enr.Secret, time.Now())
		codes, err := f.svc().ConfirmTOTP(ctx, u.Actor(""), "", code)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, f.app.Client(t).Do("POST", "/api/v1/session", login(nil)), 401, "otp_required")
		rc := f.app.Client(t)
		r = rc.Do("POST", "/api/v1/session", login(map[string]string{"recovery_code": codes[0]}))
		expect(t, r, 200, "")
		if m := r.JSON(t); m["recovery_code_used"] != true || m["recovery_codes_left"] != float64(9) {
			t.Errorf("recovery sign-in: %s", r.Body)
		}
		if m := rc.Do("GET", "/api/v1/session", nil).JSON(t); m["recovery_codes_left"] != float64(9) || m["recovery_code_last_used"] == nil {
			t.Errorf("whoami: %v", m)
		}
		expect(t, f.app.Client(t).Do("POST", "/api/v1/session", login(map[string]string{"recovery_code": codes[0]})), 401, "bad_otp", "recovery_code")
		expect(t, f.app.Client(t).Do("POST", "/api/v1/session", login(map[string]string{"recovery_code": codes[1], "otp": "123456"})),
			422, "invalid", "recovery_code")
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'auth.recovery_code' AND username = 'daoli.leader'`); n != 1 {
			t.Errorf("%d recovery uses audited", n)
		}

		// The security administrator resets it: sessions end, enrolment
		// is due at once.
		sec := f.as("secadmin")
		expect(t, sec.Do("POST", "/api/v1/users/"+itoa(u.ID)+"/reset-totp", nil), 200, "")
		expect(t, rc.Do("GET", "/api/v1/session", nil), 401, "unauthenticated")
		expect(t, f.app.Client(t).Do("POST", "/api/v1/session", login(map[string]string{"recovery_code": codes[1]})), 403, "totp_enrollment_required")
	})
}

func containsMaxAge0(s string) bool {
	for i := 0; i+9 <= len(s); i++ {
		if s[i:i+9] == "Max-Age=0" {
			return true
		}
	}
	return false
}

// TestAccountLifecycle: the system administrator opens an account, the
// security administrator grants it staff, the user signs in with the
// one-time password and sees who set it; an administrator role is asked
// by one administrator and approved by the other; a leader opens staff
// below.
func TestAccountLifecycle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		admin, sec := f.as("admin"), f.as("secadmin")
		r := admin.Do("POST", "/api/v1/users", map[string]any{"username": "new.clerk", "display_name": "新来的同志", "org_code": "230102"})
		expect(t, r, 201, "")
		m := r.JSON(t)
		temp := m["temporary_password"].(string)
		id := itoa(int64(m["user"].(map[string]any)["id"].(float64)))
		if m["user"].(map[string]any)["role"] != "" {
			t.Fatalf("created with a role: %s", r.Body)
		}
		// Before a role: it signs in, changes its password, sees nothing.
		u := f.app.Client(t)
		r = u.Do("POST", "/api/v1/session", map[string]string{"username": "new.clerk", "password": temp})
		expect(t, r, 200, "")
		ps := r.JSON(t)["password_set"].(map[string]any)
		if ps["by"] != "admin" || ps["kind"] != "create" || ps["must_change"] != true {
			t.Errorf("password_set at sign-in: %v", ps)
		}
		expect(t, u.Do("POST", "/api/v1/session/password", map[string]string{"current": temp, "password": "new-clerk-own-password"}), 204, "")
		who := u.Do("GET", "/api/v1/session", nil)
		expect(t, who, 200, "")
		if ps := who.JSON(t)["password_set"].(map[string]any); ps["by"] != "admin" || ps["must_change"] != false {
			t.Errorf("password_set after the change: %v", ps)
		}
		expect(t, u.Do("GET", "/api/v1/orgs", nil), 403, "no_role")
		expect(t, u.Do("GET", "/api/v1/docs", nil), 403, "no_role")
		// The security administrator finds it waiting and grants staff.
		r = sec.Do("GET", "/api/v1/users?role=none", nil)
		expect(t, r, 200, "")
		if list := items(t, r); len(list) != 1 || list[0]["username"] != "new.clerk" || list[0]["role_label"] != "待授予角色" {
			t.Errorf("waiting accounts: %v", list)
		}
		expect(t, sec.Do("POST", "/api/v1/users/"+id+"/role", map[string]string{"role": "staff"}), 200, "")
		expect(t, u.Do("GET", "/api/v1/session", nil), 401, "unauthenticated") // the role change ended it
		expect(t, u.Do("POST", "/api/v1/session", map[string]string{"username": "new.clerk", "password": "new-clerk-own-password"}), 200, "")
		expect(t, u.Do("GET", "/api/v1/docs", nil), 200, "")

		// An administrator role: the system administrator asks, the
		// security administrator (tied to neither) approves.
		r = admin.Do("POST", "/api/v1/users/"+itoa(f.userID("city.office"))+"/role-requests", map[string]string{"role": "auditor"})
		expect(t, r, 201, "")
		rid := itoa(int64(r.JSON(t)["request"].(map[string]any)["id"].(float64)))
		expect(t, admin.Do("POST", "/api/v1/role-requests/"+rid+"/approve", nil), 403, "same_person")
		expect(t, f.as("city.leader").Do("POST", "/api/v1/role-requests/"+rid+"/approve", nil), 403, "forbidden")
		r = sec.Do("GET", "/api/v1/role-requests?status=pending", nil)
		expect(t, r, 200, "")
		r = sec.Do("POST", "/api/v1/role-requests/"+rid+"/approve", nil)
		expect(t, r, 200, "")
		if q := r.JSON(t)["request"].(map[string]any); q["status"] != "approved" || q["decided_by"] != "secadmin" || q["to_role"] != "auditor" {
			t.Errorf("approved request: %v", q)
		}
		if n := f.count(`SELECT COUNT(*) FROM users WHERE username = 'city.office' AND role = 'auditor'`); n != 1 {
			t.Error("the approved role did not take effect")
		}
		if n := f.count(`SELECT COUNT(*) FROM account_links WHERE target_user = ? AND kind = 'set_role'`, f.userID("city.office")); n != 2 {
			t.Errorf("%d set_role links, want the requester's and the approver's", n)
		}
		expect(t, sec.Do("POST", "/api/v1/role-requests/"+rid+"/reject", nil), 409, "request_decided")
		expect(t, sec.Do("POST", "/api/v1/role-requests/999999/approve", nil), 404, "not_found")

		// A leader opens staff below and a leader further below.
		d := f.as("daoli.leader")
		expect(t, d.Do("POST", "/api/v1/users", map[string]any{"username": "street.clerk", "display_name": "街道新人", "org_code": "230102001", "role": "staff"}), 201, "")
		expect(t, d.Do("POST", "/api/v1/users", map[string]any{"username": "street.head", "display_name": "街道负责人", "org_code": "230102001", "role": "leader"}), 201, "")
	})
}
