package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"halfsky/internal/app"
	"halfsky/internal/httpx"
	"halfsky/internal/publicweb"
)

// TestPublicOpenAPIRoutes: the public document describes every route of
// the public API and nothing else — no cadre operation, no session — and
// every entry is a route.
func TestPublicOpenAPIRoutes(t *testing.T) {
	routes := httpx.NewRouteTable()
	Register(routes, app.Services{})
	if _, err := publicweb.Register(routes, publicweb.Deps{}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range routes.Patterns {
		_, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/public/") {
			continue
		}
		if _, ok := publicSpec[p]; !ok {
			t.Errorf("public route %q has no entry in publicSpec", p)
		}
		seen[p] = true
	}
	for p := range publicSpec {
		if !seen[p] {
			t.Errorf("publicSpec entry %q names no route", p)
		}
	}
	w := httptest.NewRecorder()
	routes.ServeHTTP(w, httptest.NewRequest("GET", "/api/public/v1/openapi.json", nil))
	var doc struct {
		Paths      map[string]map[string]map[string]any
		Components map[string]any
	}
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &doc) != nil {
		t.Fatalf("the document: %d %.300s", w.Code, w.Body)
	}
	n := 0
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/public/v1/") {
			t.Errorf("the public document describes %s", path)
		}
		for m, o := range ops {
			n++
			if sec, ok := o["security"].([]any); !ok || len(sec) != 0 {
				t.Errorf("%s %s asks for a session: %v", m, path, o["security"])
			}
		}
	}
	if n != len(publicSpec) {
		t.Errorf("the document has %d operations, publicSpec %d", n, len(publicSpec))
	}
	if _, ok := doc.Components["securitySchemes"]; ok || strings.Contains(w.Body.String(), httpx.SessionCookie) {
		t.Error("the public document speaks of the session cookie")
	}
	if !strings.Contains(w.Body.String(), `"status_label"`) {
		t.Errorf("the lookup's answer is not described: %.500s", w.Body)
	}
}
