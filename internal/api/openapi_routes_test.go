package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"halfsky/internal/app"
	"halfsky/internal/httpx"
)

// apiRoutes is the API's route table, registered without services: enough
// for the routes' patterns, and for requests the handlers answer before
// touching a service (no session, another method).
func apiRoutes(t *testing.T) *httpx.RouteTable {
	t.Helper()
	routes := httpx.NewRouteTable()
	Register(routes, app.Services{})
	return routes
}

// samplePath fills a pattern's wildcards.
func samplePath(path string) string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if strings.HasPrefix(s, "{") {
			s = "1"
		}
		out = append(out, s)
	}
	return strings.Join(out, "/")
}

// answer is the status and error code of an anonymous request.
func answer(routes http.Handler, method, path string) (int, string) {
	w := httptest.NewRecorder()
	routes.ServeHTTP(w, httptest.NewRequest(method, samplePath(path), nil))
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body.Error.Code
}

// TestOpenAPIRoutes holds the document's table and the route table
// together: every API route has an entry and every entry a route, except
// the JSON 405 answers registered beside a path with other methods; upload
// routes and only they describe a multipart form; and an operation the
// document calls public is the one kind a request without a session is not
// refused (401) by.
func TestOpenAPIRoutes(t *testing.T) {
	routes := apiRoutes(t)
	for _, p := range routes.Patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		o, ok := openAPISpec[p]
		if !ok {
			if st, code := answer(routes, method, path); st != http.StatusMethodNotAllowed || code != "method_not_allowed" {
				t.Errorf("route %q has no entry in openAPISpec (and answers %d %q, not the JSON 405)", p, st, code)
			}
			continue
		}
		if routes.Uploads[p] != (o.form != nil) {
			t.Errorf("%s: the route takes uploads: %v; the entry describes a multipart form: %v", p, routes.Uploads[p], o.form != nil)
		}
		if o.summary == "" {
			t.Errorf("%s: no summary", p)
		}
		st, code := answer(routes, method, path)
		if o.public && st == http.StatusUnauthorized {
			t.Errorf("%s: documented as public, answers %d %q without a session", p, st, code)
		}
		if !o.public && (st != http.StatusUnauthorized || code != "unauthenticated") {
			t.Errorf("%s: documented as needing a session, answers %d %q without one", p, st, code)
		}
	}
	for p := range openAPISpec {
		if !slices.Contains(routes.Patterns, p) {
			t.Errorf("openAPISpec entry %q names no route", p)
		}
	}
}

// TestOpenAPIDocument checks the document's structure: OpenAPI 3.1.0,
// every operation of the table, every path parameter declared (and none
// that is not in the path), unique operation ids, a success response with
// a description, the session cookie as the security scheme, and every
// $ref resolving. The served document is the one made here.
func TestOpenAPIDocument(t *testing.T) {
	routes := apiRoutes(t)
	w := httptest.NewRecorder()
	routes.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	made, _ := json.Marshal(openAPIDocument(routes.Patterns, routes.Uploads))
	if string(made) != strings.TrimSpace(w.Body.String()) {
		t.Error("the served document is not the one the route table makes")
	}

	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info = %v", info)
	}
	comps, _ := doc["components"].(map[string]any)
	scheme := dig(comps, "securitySchemes", "session")
	if scheme["type"] != "apiKey" || scheme["in"] != "cookie" || scheme["name"] != httpx.SessionCookie {
		t.Errorf("security scheme = %v", scheme)
	}
	errSchema := dig(comps, "schemas", "Error", "properties", "error")
	if errSchema["$ref"] == nil {
		t.Errorf("Error schema = %v", dig(comps, "schemas", "Error"))
	}

	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	n := 0
	for path, item := range paths {
		want := pathParams(path)
		for method, o := range item.(map[string]any) {
			n++
			key := strings.ToUpper(method) + " " + path
			if _, ok := openAPISpec[key]; !ok {
				t.Errorf("document has %s, which the table has not", key)
			}
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if prev, ok := ids[id]; ok || id == "" {
				t.Errorf("%s: operationId %q (also %s)", key, id, prev)
			}
			ids[id] = key
			var got []string
			for _, p := range asList(op["parameters"]) {
				p := p.(map[string]any)
				if p["in"] == "path" {
					if p["required"] != true {
						t.Errorf("%s: path parameter %v not required", key, p["name"])
					}
					got = append(got, p["name"].(string))
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: path parameters %v, want %v", key, got, want)
			}
			resp, _ := op["responses"].(map[string]any)
			ok := false
			for code, r := range resp {
				if strings.HasPrefix(code, "2") {
					ok = true
				}
				if r, _ := r.(map[string]any); r["$ref"] == nil && r["description"] == nil {
					t.Errorf("%s: response %s has no description", key, code)
				}
			}
			if !ok || resp["default"] == nil {
				t.Errorf("%s: responses %v", key, resp)
			}
			if sec, ok := op["security"]; ok && len(asList(sec)) != 0 {
				t.Errorf("%s: security %v", key, sec)
			}
		}
	}
	if n != len(openAPISpec) {
		t.Errorf("document has %d operations, the table %d", n, len(openAPISpec))
	}

	// Every $ref resolves.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if resolve(doc, ref) == nil {
					t.Errorf("%s: $ref %q resolves to nothing", at, ref)
				}
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for _, x := range v {
				walk(x, at+"/[]")
			}
		}
	}
	walk(doc, "#")
	t.Logf("%d paths, %d operations, %d schemas", len(paths), n, len(dig(comps, "schemas")))
}

// TestOpenAPISchemas checks the reflection on a few shapes: omitempty is
// not required, pointers are nullable, times are date-times, bytes are
// base64, embedded structs are flattened (a shallower field wins), "-" is
// left out, and a request body names nothing required.
func TestOpenAPISchemas(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B string `json:"b"`
	}
	type outer struct {
		inner
		B  *int      `json:"b"`
		C  string    `json:"c,omitempty"`
		D  []byte    `json:"d"`
		E  string    `json:"-"`
		At time.Time `json:"at"`
		F  []orgRef  `json:"f"`
	}
	g := &schemas{defs: map[string]any{}, names: map[reflect.Type]string{}}
	if s := g.of(outer{}); s["$ref"] != "#/components/schemas/outer" {
		t.Errorf("outer: %v", s)
	}
	got, _ := json.Marshal(g.defs["outer"])
	want := `{"additionalProperties":false,"properties":{"a":{"type":"string"},"at":{"format":"date-time","type":"string"},` +
		`"b":{"type":["integer","null"]},"c":{"type":"string"},"d":{"contentEncoding":"base64","type":"string"},` +
		`"f":{"items":{"$ref":"#/components/schemas/orgRef"},"type":"array"}},"required":["a","at","b","d","f"],"type":"object"}`
	if string(got) != want {
		t.Errorf("schema:\n%s\nwant\n%s", got, want)
	}
	if _, ok := g.defs["orgRef"]; !ok {
		t.Errorf("components: %v", g.defs)
	}
	if s := g.of(docJSON{}); s["$ref"] != "#/components/schemas/docJSON" {
		t.Errorf("docJSON: %v", s)
	}
	if p := dig(g.defs, "docJSON", "properties"); p["title"] == nil || p["id"] == nil || p["Fields"] != nil {
		t.Errorf("docJSON does not flatten doc.Fields: %v", p)
	}
	req := &schemas{defs: g.defs, names: g.names, request: true}
	if s := req.of(outer{}); s["required"] != nil || s["additionalProperties"] != false {
		t.Errorf("request schema: %v", s)
	}
	if s := req.of(fields{"a": text, "b": optional{whole}}); !slices.Equal(s["required"].([]string), []string{"a"}) {
		t.Errorf("fields: %v", s)
	}
}

// dig follows keys through nested objects.
func dig(v map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		v, _ = v[k].(map[string]any)
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// resolve follows a local $ref ("#/components/schemas/x").
func resolve(doc map[string]any, ref string) map[string]any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	return dig(doc, strings.Split(ref[2:], "/")...)
}
