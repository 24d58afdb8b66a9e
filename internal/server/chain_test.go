package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/server"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// serve starts server.New's handler with cfg changed by set.
func serve(t *testing.T, d *db.DB, set func(*config.Config)) string {
	t.Helper()
	cfg := testapp.Config()
	set(&cfg)
	srv, err := server.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler)
	t.Cleanup(hs.Close)
	return hs.URL
}

type answer struct {
	status int
	header http.Header
	body   string
}

// fetch makes one request without following redirects.
func fetch(t *testing.T, method, url string, body []byte, header map[string]string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

// secured checks the security headers are on an answer.
func secured(t *testing.T, what string, a answer) {
	t.Helper()
	if a.header.Get("Content-Security-Policy") != server.ContentSecurityPolicy || a.header.Get("X-Content-Type-Options") != "nosniff" ||
		a.header.Get("X-Frame-Options") != "DENY" || a.header.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("%s: security headers missing: %v", what, a.header)
	}
}

// TestChain: the handler server.New assembles — security headers on
// every answer, refusals included; request bodies bounded by the
// configured limit except on upload routes; cross-origin writes refused
// (JSON under /api/); a stale session cookie cleared; the configured
// request timeout reaching the handlers' database calls; HSTS behind a
// proxy only when the proxy is trusted.
func TestChain(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		base := serve(t, d, func(c *config.Config) { c.MaxBody = 4 << 10 })

		a := fetch(t, "GET", base+"/healthz", nil, nil)
		if a.status != 200 || a.body != "ok\n" {
			t.Fatalf("healthz: %d %q", a.status, a.body)
		}
		secured(t, "healthz", a)
		a = fetch(t, "GET", base+"/no/such/page", nil, nil)
		if a.status != 404 {
			t.Errorf("an unknown page: %d", a.status)
		}
		secured(t, "not found", a)

		// Bodies: past the configured limit a route refuses before its
		// handler (JSON under /api/, a page elsewhere); an upload route
		// takes more.
		big := []byte(`{"username":"` + strings.Repeat("a", 5<<10) + `"}`)
		a = fetch(t, "POST", base+"/api/v1/session", big, map[string]string{"Content-Type": "application/json"})
		if a.status != 413 || !strings.Contains(a.body, `"code":"too_large"`) || !strings.Contains(a.body, "最多 4 KB") {
			t.Errorf("a large JSON body: %d %s", a.status, a.body)
		}
		secured(t, "too large", a)
		form := []byte("username=" + strings.Repeat("a", 5<<10))
		a = fetch(t, "POST", base+"/login", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if a.status != 413 || !strings.Contains(a.body, "提交的内容过大") {
			t.Errorf("a large form: %d %.200s", a.status, a.body)
		}
		a = fetch(t, "POST", base+"/login", []byte("username=x&password=y"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if a.status == 413 || a.status >= 500 {
			t.Errorf("a small form: %d", a.status)
		}
		a = fetch(t, "POST", base+"/docs/import", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if a.status == 413 || a.status >= 500 {
			t.Errorf("an upload route refused a body past the small limit: %d", a.status)
		}

		// Cross-origin writes are refused; reads are not.
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "http://evil.example"},
		} {
			h["Content-Type"] = "application/json"
			a = fetch(t, "POST", base+"/api/v1/session", []byte(`{}`), h)
			if a.status != 403 || !strings.Contains(a.body, `"code":"cross_origin"`) {
				t.Errorf("a cross-origin API write %v: %d %s", h, a.status, a.body)
			}
			secured(t, "cross-origin", a)
			h["Content-Type"] = "application/x-www-form-urlencoded"
			a = fetch(t, "POST", base+"/login", []byte("username=x"), h)
			if a.status != 403 || !strings.Contains(a.body, "拒绝跨站请求") {
				t.Errorf("a cross-origin form %v: %d %s", h, a.status, a.body)
			}
		}
		a = fetch(t, "POST", base+"/api/v1/session", []byte(`{}`), map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"})
		if a.status == 403 {
			t.Errorf("a same-origin write refused: %s", a.body)
		}
		if a = fetch(t, "GET", base+"/healthz", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); a.status != 200 {
			t.Errorf("a cross-site read: %d", a.status)
		}

		// A cookie naming no session is cleared.
		a = fetch(t, "GET", base+"/healthz", nil, map[string]string{"Cookie": "halfsky_session=stale"})
		if sc := a.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "halfsky_session=;") || !strings.Contains(sc, "Max-Age=0") {
			t.Errorf("a stale session cookie: %q", sc)
		}

		// No HSTS on plain HTTP, even when the client claims HTTPS.
		if a = fetch(t, "GET", base+"/healthz", nil, map[string]string{"X-Forwarded-Proto": "https"}); a.header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS for an untrusted X-Forwarded-Proto")
		}
		proxied := serve(t, d, func(c *config.Config) { c.TrustProxy = true })
		if a = fetch(t, "GET", proxied+"/healthz", nil, map[string]string{"X-Forwarded-Proto": "https"}); a.header.Get("Strict-Transport-Security") == "" {
			t.Error("no HSTS behind a trusted proxy over HTTPS")
		}

		// The request timeout bounds the handlers' database calls: with
		// none left, the readiness check cannot reach the database.
		hurried := serve(t, d, func(c *config.Config) { c.RequestTimeout = time.Nanosecond })
		if a = fetch(t, "GET", hurried+"/readyz", nil, nil); a.status != 503 {
			t.Errorf("readyz past the request timeout: %d %q", a.status, a.body)
		}
	})
}
