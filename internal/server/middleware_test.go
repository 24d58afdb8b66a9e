package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"halfsky/internal/httpx"
)

func TestSecurityHeaders(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	serve := func(h http.Handler, tlsOn bool, proto string) http.Header {
		req := httptest.NewRequest("GET", "/", nil)
		if tlsOn {
			req.TLS = &tls.ConnectionState{}
		}
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Header()
	}

	h := serve(SecurityHeaders(ok), false, "https")
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if p := h.Get("Permissions-Policy"); !strings.Contains(p, "camera=()") || !strings.Contains(p, "microphone=()") || !strings.Contains(p, "geolocation=()") {
		t.Errorf("Permissions-Policy %q", p)
	}
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on plain HTTP with an untrusted X-Forwarded-Proto")
	}
	if serve(SecurityHeaders(ok), true, "").Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS over TLS")
	}
	trusting := SecurityHeadersFor(true)(ok)
	if serve(trusting, false, "https").Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS with trusted X-Forwarded-Proto: https")
	}
	if serve(trusting, false, "https, http").Get("Strict-Transport-Security") != "" {
		t.Error("HSTS although the nearest proxy said http")
	}
	if serve(trusting, false, "").Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on plain HTTP")
	}
}

// TestLimitBody: the limit follows the route, not the Content-Type. A
// route registered as an upload takes a body up to its limit (read
// through a capped reader); any other refuses a body past the small limit
// with 413 before its handler runs — a JSON error under /api/, a Chinese
// page elsewhere — even one labelled multipart/form-data.
func TestLimitBody(t *testing.T) {
	routes := httpx.NewRouteTable()
	var ran int
	var gotErr error
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		_, gotErr = io.ReadAll(r.Body)
	})
	routes.Handle("POST /form", handler)
	routes.Handle("POST /api/v1/things", handler)
	routes.HandleUpload("POST /files", handler)
	h := LimitBody(routes, 16, 64)(routes)
	post := func(path, ct, body string, chunked bool) *httptest.ResponseRecorder {
		t.Helper()
		ran, gotErr = 0, nil
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		if chunked {
			req.ContentLength = -1 // the size is not announced
		}
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	const multipart = "multipart/form-data; boundary=x"
	if rec := post("/form", "application/x-www-form-urlencoded", "a=1", false); rec.Code != 200 || ran != 1 || gotErr != nil {
		t.Fatalf("small body: %d %d %v", rec.Code, ran, gotErr)
	}
	for _, chunked := range []bool{false, true} {
		for _, ct := range []string{"application/x-www-form-urlencoded", multipart, "application/json"} {
			rec := post("/form", ct, strings.Repeat("x", 17), chunked)
			if rec.Code != http.StatusRequestEntityTooLarge || ran != 0 || !strings.Contains(rec.Body.String(), "提交的内容过大") ||
				!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("large %s body (chunked %t) to a form: %d ran=%d %q", ct, chunked, rec.Code, ran, rec.Body.String())
			}
			rec = post("/api/v1/things", ct, strings.Repeat("x", 17), chunked)
			if rec.Code != http.StatusRequestEntityTooLarge || ran != 0 || !strings.Contains(rec.Body.String(), `"code":"too_large"`) {
				t.Fatalf("large %s body (chunked %t) to the API: %d ran=%d %q", ct, chunked, rec.Code, ran, rec.Body.String())
			}
		}
		// The upload route takes what the small limit refuses, up to its own.
		if rec := post("/files", multipart, strings.Repeat("x", 64), chunked); rec.Code != 200 || ran != 1 || gotErr != nil {
			t.Fatalf("upload within its limit (chunked %t): %d %d %v", chunked, rec.Code, ran, gotErr)
		}
	}
	// Past its limit an upload's handler cannot read it (and says so
	// beside its file field).
	for _, chunked := range []bool{false, true} {
		var mbe *http.MaxBytesError
		if post("/files", multipart, strings.Repeat("x", 65), chunked); ran != 1 || !errors.As(gotErr, &mbe) {
			t.Fatalf("upload past its limit (chunked %t): ran=%d %v", chunked, ran, gotErr)
		}
	}
	// GET without a body passes through.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/form", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", rec.Code)
	}
}

func TestSizeLabel(t *testing.T) {
	for n, want := range map[int64]string{512 << 10: "512 KB", 1 << 20: "1 MB", 21<<20 + 5: "21 MB", 1023: "0 KB"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestTimeout: the handler's context ends after the request timeout.
func TestTimeout(t *testing.T) {
	var deadline time.Time
	var ok bool
	h := timeout(time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, ok = r.Context().Deadline()
	}))
	before := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !ok || deadline.Before(before.Add(time.Minute)) || deadline.After(time.Now().Add(time.Minute)) {
		t.Fatalf("deadline %v (set %t), want a minute after %v", deadline, ok, before)
	}
	var ended error
	timeout(time.Millisecond, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		ended = r.Context().Err()
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(ended, context.DeadlineExceeded) {
		t.Fatalf("context ended with %v, want the deadline", ended)
	}
}

// TestRecoverer: a panic is a 500 with a Chinese message and no stack
// for the client; http.ErrAbortHandler goes on up (the server aborts the
// response without logging it); a handler that does not panic is served
// as it is.
func TestRecoverer(t *testing.T) {
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler)) // the logged stack is expected
	rec := httptest.NewRecorder()
	recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("secret detail")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "服务器内部错误") ||
		strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("panic: %d %q", rec.Code, rec.Body.String())
	}

	rec = httptest.NewRecorder()
	recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("no panic: %d", rec.Code)
	}

	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Fatalf("ErrAbortHandler: recovered %v", p)
		}
	}()
	recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	t.Fatal("ErrAbortHandler did not go on up")
}
