package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"halfsky/internal/server"
)

// TestGate: while the start waits for its database the process is alive
// (/healthz 200: no supervisor restarts it), not ready (/readyz 503 with
// the reason), and every other request is answered at once with 503, its
// message and Retry-After — JSON under /api/, a page elsewhere; once
// open, every request goes to the server's handler.
func TestGate(t *testing.T) {
	g := server.NewGate()
	g.Wait(server.WaitDatabase, "database unreachable")
	get := func(path string) (*http.Response, string) {
		w := httptest.NewRecorder()
		g.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		b, _ := io.ReadAll(w.Result().Body)
		return w.Result(), string(b)
	}
	if res, body := get("/healthz"); res.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("healthz while waiting: %d %q", res.StatusCode, body)
	}
	if res, body := get("/readyz"); res.StatusCode != 503 || body != "not ready: database unreachable\n" {
		t.Fatalf("readyz while waiting: %d %q", res.StatusCode, body)
	}
	res, body := get("/api/v1/visits")
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || res.StatusCode != 503 || e.Error.Code != "not_ready" ||
		e.Error.Message != server.WaitDatabase || res.Header.Get("Retry-After") == "" {
		t.Fatalf("the API while waiting: %d %v %s", res.StatusCode, res.Header, body)
	}
	res, body = get("/visits")
	if res.StatusCode != 503 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, server.WaitDatabase) {
		t.Fatalf("a page while waiting: %d %s", res.StatusCode, body)
	}
	g.Open(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served "+r.URL.Path) }))
	for _, p := range []string{"/readyz", "/visits"} {
		if res, body := get(p); res.StatusCode != 200 || body != "served "+p {
			t.Fatalf("%s once open: %d %q", p, res.StatusCode, body)
		}
	}
}
