package api_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
)

// may is the policy this test expects, written out independently of
// package access so that a change there has to change it here too.
var may = map[string][]access.Role{
	"view users":   {access.Sysadmin, access.Secadmin, access.Leader},
	"manage users": {access.Sysadmin, access.Leader},
	"secure users": {access.Secadmin},
	"grant roles":  {access.Secadmin, access.Leader},
	"admin roles":  {access.Sysadmin, access.Secadmin},
	"end sessions": {access.Sysadmin, access.Secadmin},
	"read audit":   {access.Auditor},
}

func allowed(what string, r access.Role) bool { return slices.Contains(may[what], r) }

// matrixLevel is one level of the tree with what lies outside it.
type matrixLevel struct {
	key, code string
	// Units and users outside the level's subtree: a sibling and the
	// parent, plus everything outside the levels above.
	foreignUnits []string
	foreignUsers []string
	// Strings no response to an actor at this level may contain.
	foreign []string
	target  auth.User // an account in scope to act on
}

// TestAccessMatrix tries every API endpoint as every role at city,
// district, street and village level: on units and accounts outside the
// role's scope it must refuse (404 for objects, 403 for actions the role
// may not take) without any foreign data in the body; in scope it must
// allow exactly what the role may do.
func TestAccessMatrix(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		levels := matrixFixture(t, f)
		roles := []access.Role{access.Sysadmin, access.Secadmin, access.Leader, access.Staff, access.Auditor}
		for _, lv := range levels {
			for _, role := range roles {
				username := "m." + string(role) + "." + lv.key
				if _, err := f.svc().CreateUserAsOperator(ctx, auth.NewUser{Username: username, DisplayName: "矩阵" + role.Label() + lv.key,
					Password: testapp.Password, OrgCode: lv.code, Role: role}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Auditors go last, so the log they read holds every other actor's
		// attempts.
		for _, role := range roles {
			for _, lv := range levels {
				t.Run(string(role)+"@"+lv.key, func(t *testing.T) {
					m := &matrixRun{t: t, f: f, lv: lv, role: role, c: f.as("m." + string(role) + "." + lv.key)}
					m.outside()
					m.inside()
				})
			}
		}
	})
}

// matrixFixture builds the levels: a second city-level root beside
// Harbin (so the city itself has an outside), and an account at each
// sibling unit.
func matrixFixture(t *testing.T, f *fixture) []*matrixLevel {
	ctx := context.Background()
	// 齐齐哈尔市妇联 as a root of its own, with an account created by its
	// own administrator (so even the audit event is 2302's).
	id, err := db.InsertID(ctx, f.app.DB.Q(), `INSERT INTO orgs (code, name, kind, sector, parent_id, path, depth, sort_key, created_at, updated_at)
		VALUES ('2302', '齐齐哈尔市妇联', 'city', '', NULL, 'pending:2302', 0, '02302', 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE orgs SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", id), id)
	qqhr := access.Actor{Username: "qqhr.admin", Role: access.Sysadmin, OrgID: id, OrgCode: "2302", OrgPath: fmt.Sprintf("/%d/", id)}
	if _, _, err := f.svc().CreateUser(ctx, qqhr, auth.NewUser{Username: "other.city", DisplayName: "外市用户甲", OrgCode: "2302"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc().SetRoleAsOperator(ctx, "other.city", access.Leader); err != nil {
		t.Fatal(err)
	}
	f.user("other.street", "外街道用户乙", "230102002", access.Staff)
	f.user("other.village", "外村用户丙", "230102001002", access.Staff)

	levels := []*matrixLevel{
		{key: "city", code: "2301", foreignUnits: []string{"2302"}, foreignUsers: []string{"other.city"}},
		{key: "district", code: "230102", foreignUnits: []string{"230103", "2301"}, foreignUsers: []string{"nangang.leader", "city.leader"}},
		{key: "street", code: "230102001", foreignUnits: []string{"230102002", "230102"}, foreignUsers: []string{"other.street", "daoli.staff"}},
		{key: "village", code: "230102001001", foreignUnits: []string{"230102001002", "230102001"}, foreignUsers: []string{"other.village", "street.staff"}},
	}
	for i, lv := range levels {
		if i > 0 {
			// Whatever is outside a level is outside the levels below it.
			up := levels[i-1]
			lv.foreignUnits = append(lv.foreignUnits, up.foreignUnits...)
			lv.foreignUsers = append(lv.foreignUsers, up.foreignUsers...)
		}
		for _, code := range lv.foreignUnits {
			lv.foreign = append(lv.foreign, f.orgName(code), `"code":"`+code+`"`, `"org_code":"`+code+`"`)
		}
		for _, name := range lv.foreignUsers {
			u, err := f.svc().UserByUsername(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			lv.foreign = append(lv.foreign, u.Username, u.DisplayName, fmt.Sprintf(`"id":%d,`, u.ID))
		}
		lv.target = f.user("t."+lv.key, "本级对象"+lv.key, lv.code, access.Staff)
	}
	return levels
}

type matrixRun struct {
	t    *testing.T
	f    *fixture
	lv   *matrixLevel
	role access.Role
	c    *testapp.Client
}

// do sends a request, checks the status (and error code) and that the
// body holds no foreign data.
func (m *matrixRun) do(method, path string, body any, status int, code string) testapp.Response {
	m.t.Helper()
	r := m.c.Do(method, path, body)
	if r.Status != status {
		m.t.Errorf("%s %s: status %d, want %d: %.300s", method, path, r.Status, status, r.Body)
		return r
	}
	if status >= 400 {
		if e, _ := r.JSON(m.t)["error"].(map[string]any); e == nil || (code != "" && e["code"] != code) {
			m.t.Errorf("%s %s: error %v, want %s", method, path, e, code)
		}
	}
	for _, s := range m.lv.foreign {
		if strings.Contains(r.Body, s) {
			m.t.Errorf("%s %s: body holds foreign %q: %.300s", method, path, s, r.Body)
		}
	}
	return r
}

// expectIf is status ok when the role may, else 403.
func (m *matrixRun) expectIf(what string, ok int) (int, string) {
	if allowed(what, m.role) {
		return ok, ""
	}
	return 403, "forbidden"
}

// outside tries everything on units and accounts outside the scope: all
// refused, nothing changed, nothing foreign shown.
func (m *matrixRun) outside() {
	f := m.f
	before := f.state()
	for _, code := range m.lv.foreignUnits {
		m.do("GET", "/api/v1/orgs/"+code, nil, 404, "not_found")
		m.do("GET", "/api/v1/orgs?under="+code, nil, 404, "not_found")
		st, ec := 404, "not_found"
		if !allowed("view users", m.role) {
			st, ec = 403, "forbidden"
		}
		m.do("GET", "/api/v1/users?under="+code, nil, st, ec)
		st, ec = 422, "invalid"
		if !allowed("manage users", m.role) {
			st, ec = 403, "forbidden"
		}
		r := m.do("POST", "/api/v1/users", map[string]any{"username": "x." + string(m.role) + "." + m.lv.key, "display_name": "越权",
			"org_code": code, "role": m.createRole()}, st, ec)
		if st == 422 && !strings.Contains(r.Body, `"org"`) {
			m.t.Errorf("create at %s: %s", code, r.Body)
		}
	}
	for _, name := range m.lv.foreignUsers {
		id := itoa(f.userID(name))
		st, ec := 404, "not_found"
		if !allowed("view users", m.role) {
			st, ec = 403, "forbidden"
		}
		m.do("GET", "/api/v1/users/"+id, nil, st, ec)
		// Out of reach: 404, as for no account at all — unless the role
		// may never take the action, which is refused before the lookup.
		for _, a := range []struct {
			name, what string
			body       any
		}{
			{"disable", "manage users", nil}, {"enable", "manage users", nil}, {"reset-password", "manage users", nil},
			{"role", "grant roles", map[string]string{"role": "leader"}}, {"unlock", "secure users", nil},
			{"reset-totp", "secure users", nil}, {"revoke-sessions", "end sessions", nil},
			{"role-requests", "admin roles", map[string]string{"role": "auditor"}},
		} {
			st, ec := 404, "not_found"
			if !allowed(a.what, m.role) {
				st, ec = 403, "forbidden"
			}
			m.do("POST", "/api/v1/users/"+id+"/"+a.name, a.body, st, ec)
		}
		st, _ = m.expectIf("view users", 200)
		if r := m.do("GET", "/api/v1/users?q="+url.QueryEscape(name), nil, st, ""); st == 200 && total(m.t, r) != 0 {
			m.t.Errorf("user search for %s found %d", name, total(m.t, r))
		}
		st, _ = m.expectIf("read audit", 200)
		m.do("GET", "/api/v1/audit?q="+url.QueryEscape(name), nil, st, "")
		m.do("GET", "/api/v1/audit?username="+url.QueryEscape(name), nil, st, "")
	}
	// A name fragment shared by a foreign unit and the own subtree finds
	// only the own subtree.
	for _, code := range m.lv.foreignUnits[:1] {
		frag := string([]rune(f.orgName(code))[len([]rune(f.orgName(code)))-3:])
		r := m.do("GET", "/api/v1/orgs?per_page=500&q="+url.QueryEscape(frag), nil, 200, "")
		want := f.count(`SELECT COUNT(*) FROM orgs WHERE code LIKE ? AND name LIKE ?`, m.lv.code+"%", "%"+frag+"%")
		if want == 0 {
			m.t.Fatalf("fragment %q matches nothing in scope", frag)
		}
		if n := total(m.t, r); n != want {
			m.t.Errorf("search %q: total %d, want %d", frag, n, want)
		}
		for _, it := range items(m.t, r) {
			if !strings.HasPrefix(it["code"].(string), m.lv.code) {
				m.t.Errorf("search %q found foreign %v", frag, it)
			}
		}
	}
	if after := f.state(); after != before {
		m.t.Errorf("refused requests changed state:\n before %s\n after  %s", before, after)
	}
}

// inside tries everything in scope: allowed exactly where the role may.
func (m *matrixRun) inside() {
	f, lv := m.f, m.lv
	m.do("GET", "/api/v1/session", nil, 200, "")
	r := m.do("GET", "/api/v1/orgs/"+lv.code, nil, 200, "")
	if !strings.Contains(r.Body, f.orgName(lv.code)) {
		m.t.Errorf("own unit: %s", r.Body)
	}
	r = m.do("GET", "/api/v1/orgs?per_page=5", nil, 200, "")
	if want := f.count(`SELECT COUNT(*) FROM orgs WHERE code LIKE ?`, lv.code+"%"); total(m.t, r) != want {
		m.t.Errorf("own subtree: total %d, want %d", total(m.t, r), want)
	}

	st, ec := m.expectIf("view users", 200)
	r = m.do("GET", "/api/v1/users?per_page=200", nil, st, ec)
	if st == 200 {
		want := f.count(`SELECT COUNT(*) FROM users u JOIN orgs o ON o.id = u.org_id WHERE o.code LIKE ?`, lv.code+"%")
		if total(m.t, r) != want || !strings.Contains(r.Body, lv.target.Username) {
			m.t.Errorf("users: total %d, want %d: %.300s", total(m.t, r), want, r.Body)
		}
		for _, it := range items(m.t, r) {
			if !strings.HasPrefix(it["org_code"].(string), lv.code) {
				m.t.Errorf("foreign user listed: %v", it)
			}
		}
	}
	id := itoa(lv.target.ID)
	m.do("GET", "/api/v1/users/"+id, nil, st, ec)

	st, ec = m.expectIf("manage users", 201)
	m.do("POST", "/api/v1/users", map[string]any{"username": "n." + string(m.role) + "." + lv.key, "display_name": "新建",
		"org_code": lv.code, "role": m.createRole()}, st, ec)
	st, ec = m.expectIf("admin roles", 200)
	m.do("GET", "/api/v1/role-requests", nil, st, ec)
	for _, a := range []struct {
		name, what string
		body       any
	}{
		{"disable", "manage users", nil},
		{"enable", "manage users", nil},
		{"reset-password", "manage users", nil},
		{"role", "grant roles", map[string]string{"role": "staff"}},
		{"unlock", "secure users", nil},
		{"reset-totp", "secure users", nil},
		{"revoke-sessions", "end sessions", nil},
	} {
		st, ec := m.expectIf(a.what, 200)
		m.do("POST", "/api/v1/users/"+id+"/"+a.name, a.body, st, ec)
	}

	st, ec = m.expectIf("read audit", 200)
	r = m.do("GET", "/api/v1/audit?per_page=200", nil, st, ec)
	if st == 200 {
		list := items(m.t, r)
		if len(list) == 0 {
			m.t.Errorf("auditor sees no events")
		}
		for _, it := range list {
			oc := it["org_code"].(string)
			if !strings.HasPrefix(oc, lv.code) && !(lv.key == "city" && oc == "") {
				m.t.Errorf("event outside the scope: %v", it)
			}
		}
	}
}

// createRole is the role an account opened by this role gets: none from
// the system administrator (the security administrator grants one), staff
// from a leader.
func (m *matrixRun) createRole() string {
	if m.role == access.Sysadmin {
		return ""
	}
	return "staff"
}
