package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"halfsky/internal/testapp"
)

func TestAuditScenarios(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Some history: a failed and a good sign-in, and a denial.
		expect(t, f.app.Client(t).Do("POST", "/api/v1/session", map[string]string{"username": "daoli.staff", "password": "wrong-password-1"}), 401, "bad_credentials")
		f.as("daoli.staff")
		before := f.count(`SELECT COUNT(*) FROM audit_events`)
		denied := func(who string) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND username = ? AND object_id = 'GET /api/v1/audit'`, who) == 0 {
					t.Errorf("denial of %s not audited", who)
				}
			}
		}
		// The history's first day, in Beijing, to today: a fixture set up
		// across Beijing's midnight (16:00 UTC) wrote events on the day
		// before, and a range of today alone missed them.
		cst := time.FixedZone("CST", 8*3600)
		first := time.UnixMilli(int64(f.count(`SELECT MIN(at) FROM audit_events`))).In(cst).Format(time.DateOnly)
		today := time.Now().In(cst).Format(time.DateOnly)
		f.run(t, []scenario{
			{name: "anonymous", method: "GET", path: "/api/v1/audit", status: 401, code: "unauthenticated"},
			{name: "staff refused and audited", as: "daoli.staff", method: "GET", path: "/api/v1/audit", status: 403, code: "forbidden", check: denied("daoli.staff")},
			{name: "leader refused", as: "city.leader", method: "GET", path: "/api/v1/audit", status: 403, code: "forbidden", check: denied("city.leader")},
			{name: "sysadmin refused", as: "admin", method: "GET", path: "/api/v1/audit", status: 403, code: "forbidden", check: denied("admin")},
			{name: "secadmin refused", as: "secadmin", method: "GET", path: "/api/v1/audit", status: 403, code: "forbidden", check: denied("secadmin")},
			{name: "refused even with bad input", as: "admin", method: "GET", path: "/api/v1/audit?page=x", status: 403, code: "forbidden"},
			{name: "auditor reads", as: "auditor", method: "GET", path: "/api/v1/audit", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					list := items(t, r)
					if total(t, r) < before || len(list) == 0 {
						t.Fatalf("total %d, %d items", total(t, r), len(list))
					}
					first := list[0]
					at, err := time.Parse(time.RFC3339, first["at"].(string))
					if err != nil || !strings.HasSuffix(first["at"].(string), "Z") || time.Since(at) > time.Hour {
						t.Errorf("at %v: %v", first["at"], err)
					}
					for i := 1; i < len(list); i++ {
						if list[i]["seq"].(float64) >= list[i-1]["seq"].(float64) {
							t.Fatalf("not newest first")
						}
					}
				}},
			{name: "filters", as: "auditor", method: "GET", path: "/api/v1/audit?username=daoli.staff&action=auth.&outcome=fail", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					list := items(t, r)
					if len(list) != 1 || list[0]["action"] != "auth.login_failed" || list[0]["outcome_label"] != "失败" {
						t.Errorf("items %v", list)
					}
				}},
			{name: "text search", as: "auditor", method: "GET", path: "/api/v1/audit?q=" + url.QueryEscape("密码错误"), status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if total(t, r) < 1 {
						t.Errorf("no match")
					}
				}},
			{name: "today by date", as: "auditor", method: "GET", path: "/api/v1/audit?from=" + first + "&to=" + today, status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if total(t, r) < before {
						t.Errorf("total %d", total(t, r))
					}
				}},
			{name: "RFC 3339 range in the past", as: "auditor", method: "GET", path: "/api/v1/audit?from=2015-08-11T00:00:00%2B08:00&to=2015-08-12T00:00:00Z", status: 200,
				has: []string{`"items":[]`, `"total":0`}},
			{name: "bad from", as: "auditor", method: "GET", path: "/api/v1/audit?from=yesterday", status: 422, code: "invalid", fields: []string{"from"}},
			{name: "bad to", as: "auditor", method: "GET", path: "/api/v1/audit?to=2015-13-01", status: 422, code: "invalid", fields: []string{"to"}},
			{name: "range backwards", as: "auditor", method: "GET", path: "/api/v1/audit?from=2016-01-01&to=2015-01-01", status: 422, code: "invalid", fields: []string{"to"}},
			{name: "bad outcome", as: "auditor", method: "GET", path: "/api/v1/audit?outcome=maybe", status: 422, code: "invalid", fields: []string{"outcome"}},
			{name: "bad page", as: "auditor", method: "GET", path: "/api/v1/audit?page=-3&per_page=1000", status: 422, code: "invalid", fields: []string{"page", "per_page"}},
			{name: "bad text", as: "auditor", method: "GET", path: "/api/v1/audit?username=%FF&q=%00", status: 422, code: "invalid", fields: []string{"username", "q"}},
			{name: "wrong method", as: "auditor", method: "DELETE", path: "/api/v1/audit", status: 405, code: "method_not_allowed"},
			{name: "auditor cannot manage users", as: "auditor", method: "POST", path: "/api/v1/users/" + itoa(f.userID("daoli.staff")) + "/disable", status: 403, code: "forbidden"},
		})
	})
}
