package httpx_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"halfsky/internal/httpx"
)

// TestRequestIDs: every request gets an id in its response and in the
// records logged with its context (JSON logs for a collector); a proxy's
// own id is kept only when the proxy is trusted and the id is plain.
func TestRequestIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(httpx.LogHandler{Handler: slog.NewJSONHandler(&buf, nil)}).With("app", "halfsky")
	h := func(trust bool) http.Handler {
		return httpx.RequestIDs(trust, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.InfoContext(r.Context(), "answered")
		}))
	}
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for _, c := range []struct {
		trust bool
		sent  string
		kept  bool
	}{
		{false, "", false},
		{false, "from-the-client", false},
		{true, "proxy-7f3a-42", true},
		{true, "bad id\nfake=1", false},
	} {
		buf.Reset()
		req := httptest.NewRequest("GET", "/", nil)
		if c.sent != "" {
			req.Header.Set("X-Request-Id", c.sent)
		}
		rec := httptest.NewRecorder()
		h(c.trust).ServeHTTP(rec, req)
		id := rec.Header().Get("X-Request-Id")
		if c.kept && id != c.sent || !c.kept && !hex16.MatchString(id) {
			t.Errorf("trust %v, sent %q: id %q", c.trust, c.sent, id)
		}
		var rec2 map[string]any
		if err := json.Unmarshal(buf.Bytes(), &rec2); err != nil || rec2["request_id"] != id || rec2["app"] != "halfsky" {
			t.Errorf("logged %s (%v), want request_id %q", buf.String(), err, id)
		}
	}
	a, b := httptest.NewRecorder(), httptest.NewRecorder()
	h(false).ServeHTTP(a, httptest.NewRequest("GET", "/", nil))
	h(false).ServeHTTP(b, httptest.NewRequest("GET", "/", nil))
	if a.Header().Get("X-Request-Id") == b.Header().Get("X-Request-Id") {
		t.Error("two requests share an id")
	}
}
