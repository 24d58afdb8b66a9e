package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// fixture is a running halfsky with the demo tree and accounts, and one
// signed-in client per user as tests need them.
type fixture struct {
	t       *testing.T
	app     *testapp.App
	clients map[string]*testapp.Client
}

func start(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	return &fixture{t: t, app: testapp.Start(t, d), clients: map[string]*testapp.Client{}}
}

func (f *fixture) svc() *auth.Service { return f.app.Server.Deps.Auth }

// as returns a signed-in client for username ("" = anonymous). Accounts
// with an administrator role sign in with their second factor.
func (f *fixture) as(username string) *testapp.Client {
	f.t.Helper()
	if c, ok := f.clients[username]; ok {
		return c
	}
	c := f.app.Client(f.t)
	if username != "" {
		u, err := f.svc().UserByUsername(context.Background(), username)
		if err != nil {
			f.t.Fatalf("user %s: %v", username, err)
		}
		// Many sign-ins from one test address would trip the per-IP
		// throttle, which has tests of its own.
		f.exec(`DELETE FROM login_attempts`)
		if u.Role.Admin() {
			c.LoginAdmin(username)
		} else {
			c.Login(username)
		}
	}
	f.clients[username] = c
	return c
}

// fresh is a new signed-in client for username, not cached.
func (f *fixture) fresh(username string) *testapp.Client {
	f.t.Helper()
	delete(f.clients, username)
	c := f.as(username)
	delete(f.clients, username)
	return c
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.app.DB.Exec(context.Background(), q, args...); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.app.DB.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// user creates an account as the operator, for the test's cast: dated
// from demo.Since like the demo's own accounts, so it may decide requests
// made at any time of the test (four eyes refuse an account newer than
// the request).
func (f *fixture) user(username, name, code string, role access.Role) auth.User {
	f.t.Helper()
	u, err := f.svc().CreateUserAsOperator(context.Background(), auth.NewUser{Username: username, DisplayName: name,
		Password: testapp.Password, OrgCode: code, Role: role})
	if err != nil {
		f.t.Fatalf("create %s: %v", username, err)
	}
	if err := demo.Backdate(context.Background(), f.app.DB, u.ID); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) userID(username string) int64 {
	f.t.Helper()
	u, err := f.svc().UserByUsername(context.Background(), username)
	if err != nil {
		f.t.Fatalf("user %s: %v", username, err)
	}
	return u.ID
}

func (f *fixture) orgName(code string) string {
	f.t.Helper()
	o, err := f.app.Server.Deps.Orgs.ByCodeUnscoped(context.Background(), f.app.DB.Q(), code)
	if err != nil {
		f.t.Fatalf("org %s: %v", code, err)
	}
	return o.Name
}

// state fingerprints everything a refused request must leave alone:
// accounts (every column that matters), units and live sessions.
func (f *fixture) state() string {
	f.t.Helper()
	// Whole rows: a refused enable, unlock, second-factor reset or
	// revocation shows in updated_at, the TOTP columns or the sessions.
	print := testdb.Fingerprint(f.t, f.app.DB, `SELECT * FROM users`, `SELECT * FROM orgs`,
		`SELECT token_hash, user_id, mfa_pending, created_at, expires_at, ip, user_agent FROM sessions`, `SELECT * FROM account_links`)
	ok := f.count(`SELECT COUNT(*) FROM audit_events WHERE outcome = 'ok'`)
	return fmt.Sprintf("ok-events=%d %s", ok, print)
}

// scenario is one API request and what must come back.
type scenario struct {
	name   string
	as     string // "" = anonymous
	method string
	path   string
	body   any // nil, a raw string (sent as JSON), or a value to encode
	status int
	code   string   // error code, for error statuses (empty: the generic code of the status)
	fields []string // error fields that must be present (and no others)
	has    []string // substrings the body must contain
	hasNot []string // substrings it must not contain
	// changes allows a refused request to change state (failed sign-ins
	// are counted); successful requests may always change it.
	changes bool
	check   func(t *testing.T, f *fixture, r testapp.Response)
}

func (f *fixture) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			c := f.app.Client(t)
			if s.as != "" {
				c = f.as(s.as)
			}
			before := f.state()
			r := c.Do(s.method, s.path, s.body)
			expect(t, r, s.status, s.code, s.fields...)
			for _, want := range s.has {
				if !strings.Contains(r.Body, want) {
					t.Errorf("body lacks %q: %s", want, r.Body)
				}
			}
			for _, bad := range s.hasNot {
				if strings.Contains(r.Body, bad) {
					t.Errorf("body contains %q: %s", bad, r.Body)
				}
			}
			if r.Status >= 400 && !s.changes {
				if after := f.state(); after != before {
					t.Errorf("refused request changed state:\n before %s\n after  %s", before, after)
				}
			}
			if s.check != nil {
				s.check(t, f, r)
			}
		})
	}
}

// expect checks the status and, for errors, the JSON error shape: the
// code, a Chinese message, and exactly the expected fields.
func expect(t *testing.T, r testapp.Response, status int, code string, fields ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if status < 400 {
		return
	}
	// Every refusal is checked by its code, so a refusal by another rule
	// (no_route for a mistyped path, not_owner for forbidden, …) does not
	// pass for it: an empty code stands for the generic one of the status.
	if code == "" {
		code = genericCode[status]
	}
	if code == "" {
		t.Fatalf("a %d refusal needs its error code", status)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error with Content-Type %q: %s", ct, r.Body)
	}
	m := r.JSON(t)
	e, ok := m["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", r.Body)
	}
	if e["code"] != code {
		t.Fatalf("error code %v, want %s: %s", e["code"], code, r.Body)
	}
	if msg, _ := e["message"].(string); !hasHan(msg) {
		t.Errorf("error message %q is not Chinese", msg)
	}
	got := []string{}
	if fs, ok := e["fields"].(map[string]any); ok {
		for k, v := range fs {
			got = append(got, k)
			if s, _ := v.(string); !hasHan(s) {
				t.Errorf("field %s message %q is not Chinese", k, s)
			}
		}
	}
	slices.Sort(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("error fields %v, want %v: %s", got, want, r.Body)
	}
}

// genericCode is the error code a refusal of the status has when nothing
// more particular is said (apperr's ErrUnauth, ErrForbidden, ErrNotFound,
// Invalid).
var genericCode = map[int]string{401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "invalid"}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// raw sends a request with exactly the given headers (no same-origin
// header added), with c's cookies.
func raw(t *testing.T, f *fixture, c *testapp.Client, method, path, body string, header map[string]string) testapp.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.app.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// items returns a list response's items.
func items(t *testing.T, r testapp.Response) []map[string]any {
	t.Helper()
	m := r.JSON(t)
	list, ok := m["items"].([]any)
	if !ok {
		t.Fatalf("no items: %s", r.Body)
	}
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		out = append(out, it.(map[string]any))
	}
	return out
}

func total(t *testing.T, r testapp.Response) int {
	t.Helper()
	n, ok := r.JSON(t)["total"].(float64)
	if !ok {
		t.Fatalf("no total: %s", r.Body)
	}
	return int(n)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// each runs fn on a fresh halfsky over SQLite and over PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	testdb.Each(t, func(t *testing.T, d *db.DB) { fn(t, start(t, d)) })
}
