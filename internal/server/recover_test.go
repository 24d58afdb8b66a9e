package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRecoverer: a panicking handler answers 500 without telling the
// client what panicked; http.ErrAbortHandler still aborts the response.
func TestRecoverer(t *testing.T) {
	w := httptest.NewRecorder()
	recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("secret_table is missing")
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret_table") || !strings.Contains(w.Body.String(), "服务器内部错误") {
		t.Errorf("a panic: %d %q", w.Code, w.Body)
	}
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("ErrAbortHandler: recovered %v", p)
		}
	}()
	recoverer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
