package web

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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

func TestLimitBody(t *testing.T) {
	var gotErr error
	h := LimitBody(16, 64)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotErr = r.ParseForm()
	}))
	post := func(body string) {
		req := httptest.NewRequest("POST", "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	post("a=1")
	if gotErr != nil {
		t.Fatalf("small body: %v", gotErr)
	}
	post("a=" + strings.Repeat("x", 100))
	var mbe *http.MaxBytesError
	if !errors.As(gotErr, &mbe) {
		t.Fatalf("large body: %v", gotErr)
	}
	// GET without a body passes through.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
