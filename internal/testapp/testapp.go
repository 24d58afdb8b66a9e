// Package testapp starts a whole halfsky — real database, real handler,
// demo tree and accounts — on a loopback test server, for HTTP scenario and
// browser tests.
package testapp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/auth"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/org"
	"halfsky/internal/server"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// Password is every demo account's password in tests.
const Password = "test-password-2015"

// App is a running halfsky.
type App struct {
	DB     *db.DB
	Server *server.Server
	HTTP   *httptest.Server
	URL    string
}

func init() {
	// Cheap hashes keep scenario tests fast; production uses the defaults.
	auth.DefaultArgon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}
}

// Keys are the field-encryption keys of every test server in the process,
// so a database seeded by one opens in another.
var Keys = vault.NewFileText(time.Now())

// Config is the default configuration with the test keys (never a key
// file in the package directory).
func Config() config.Config {
	cfg := config.Default()
	cfg.Keys = Keys
	// Under the whole suite's load (two cores, Chromium printing for
	// several suites at once) a PDF can take longer than production's 30
	// seconds; a test that means to time out sets its own.
	cfg.RequestTimeout = testRequestTimeout
	return cfg
}

// The tests' time limits: a PDF's render (below the request's, so the
// printer answers first), a request's, and a client's wait (above both).
const (
	testPrintTimeout   = 90 * time.Second
	testRequestTimeout = 2 * time.Minute
	testClientTimeout  = 3 * time.Minute
)

// Start seeds d with the demo tree and accounts and serves it (a
// database with accounts is served as it is).
func Start(t testing.TB, d *db.DB) *App {
	t.Helper()
	testdb.Fill(t, d, "testapp.demo", seedDemo)
	return StartBare(t, d)
}

// seedDemo is the demo tree and its accounts (the seed's first steps),
// with the cheap password hashes this package's init sets.
func seedDemo(ctx context.Context, d *db.DB) error {
	_, err := demo.Seed(ctx, auth.NewService(d, &org.Store{DB: d}), Password, true)
	return err
}

// StartConfig is Start with a configuration of the test's own (made
// from Config).
func StartConfig(t testing.TB, d *db.DB, cfg config.Config) *App {
	t.Helper()
	testdb.Fill(t, d, "testapp.demo", seedDemo)
	return serve(t, d, cfg)
}

// StartBare serves d as it is, seeding nothing.
func StartBare(t testing.TB, d *db.DB) *App {
	t.Helper()
	return serve(t, d, Config())
}

func serve(t testing.TB, d *db.DB, cfg config.Config) *App {
	t.Helper()
	srv, err := server.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.Deps.Printer.Timeout = testPrintTimeout
	hs := httptest.NewServer(srv.Handler)
	t.Cleanup(hs.Close)
	return &App{DB: d, Server: srv, HTTP: hs, URL: hs.URL}
}

// Client is a cookie-keeping HTTP client for one user.
type Client struct {
	t    testing.TB
	app  *App
	HTTP *http.Client
}

// Client returns a client with its own cookie jar that does not follow
// redirects (tests look at them).
func (a *App) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, app: a, HTTP: &http.Client{Jar: jar, Timeout: testClientTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a finished response with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// Do sends a request; body may be nil, a string (sent as is), url.Values
// (a form) or anything else (sent as JSON). Same-origin headers are set
// as a browser would, so CSRF protection lets it through.
func (c *Client) Do(method, path string, body any) Response {
	c.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		js, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(js), "application/json"
	}
	req, err := http.NewRequest(method, c.app.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Login signs in through the JSON API and fails the test otherwise.
func (c *Client) Login(username string) {
	c.t.Helper()
	r := c.Do("POST", "/api/v1/session", map[string]string{"username": username, "password": Password})
	if r.Status != http.StatusOK {
		c.t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
}

// LoginAdmin signs in an account with a second factor: an administrator,
// or a leader past the grace period (Login suffices for a leader within
// it, as every demo leader is right after seeding). The second factor is
// set straight in the database (the enrolment flow has its own tests) and
// its replay guard reset, so tests can sign in as often as they need.
func (c *Client) LoginAdmin(username string) {
	c.t.Helper()
	ctx := context.Background()
	const secret = "JBSWY3DPEHPK3PXP"
	sealed, err := c.app.Server.Deps.Vault.Seal("users.totp_secret", secret)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.app.DB.Exec(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = 1, totp_last_step = 0 WHERE username = ?`, sealed, username); err != nil {
		c.t.Fatal(err)
	}
	code, _ := auth.TOTPCode(secret, time.Now())
	r := c.Do("POST", "/api/v1/session", map[string]string{"username": username, "password": Password, "otp": code})
	if r.Status != http.StatusOK {
		c.t.Fatalf("admin login %s: %d %s", username, r.Status, r.Body)
	}
}

// Actor is a demo account acting from 127.0.0.1, for setting records up
// through the domain services.
func (a *App) Actor(t testing.TB, username string) access.Actor {
	t.Helper()
	u, err := a.Server.Deps.Auth.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.Actor("127.0.0.1")
}
