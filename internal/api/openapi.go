package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/httpx"
)

// The API describes itself: GET /api/v1/openapi.json is an OpenAPI 3.1
// document of every route the API registered. The route table gives the
// paths, methods and which routes take uploads; the table in
// openapi_spec.go gives each operation's summary, query parameters, and
// the Go types of its request and response bodies, whose JSON Schemas are
// made here by reflection, the way encoding/json reads them. A test fails
// when a route has no entry or an entry no route, so the two cannot drift.

// op is what the document says of one operation, keyed by its route
// pattern ("GET /api/v1/docs/{id}").
type op struct {
	summary string
	// public operations need no session.
	public bool
	// query names the query parameters, space-separated; "name:int" is a
	// whole number, the rest are strings.
	query string
	// in is the JSON request body: a value whose type (or a fields
	// literal) is its schema; nil when none. optional marks a body that
	// may be left out.
	in       any
	optional bool
	// form is the multipart form of an upload route: "file" parts are
	// file{} ([]file{} for several), the rest are text.
	form fields
	// out is the response body; nil for 204 No Content, a download for a
	// file.
	out any
	// status is the success status: 200 when 0, or 204 when out is nil.
	// also are further success statuses with the same body (204: none).
	status int
	also   []int
}

// fields is a JSON object literal: each key's value (a Go value, another
// fields, or optional) is its property's schema. Every property is
// present unless wrapped in optional.
type fields map[string]any

// optional is a property that may be absent.
type optional struct{ v any }

// download is a response that is a file of the media type ("" for any).
type download string

// file is one file part of a multipart upload.
type file struct{}

var (
	timeType = reflect.TypeFor[time.Time]()
	fileType = reflect.TypeFor[file]()
)

// openAPI serves the document of the API routes registered on mux. It is
// built on the first request, when every route is registered.
func openAPI(mux httpx.Mux) http.Handler { return serveDocument(mux, openAPISpec, openAPIDocument) }

// serveDocument serves the document build makes of the routes of mux
// that spec describes (or, on a mux that is not a route table, of spec).
func serveDocument(mux httpx.Mux, openAPISpec map[string]op, build func(patterns []string, uploads map[string]bool) map[string]any) http.Handler {
	doc := sync.OnceValue(func() []byte {
		var patterns []string
		var uploads map[string]bool
		if t, ok := mux.(*httpx.RouteTable); ok {
			patterns, uploads = t.Patterns, t.Uploads
		} else {
			for p, o := range openAPISpec {
				patterns = append(patterns, p)
				if o.form != nil {
					uploads = map[string]bool{p: true}
				}
			}
		}
		b, err := json.Marshal(build(patterns, uploads))
		if err != nil {
			panic(err) // the document is made of maps, strings and numbers
		}
		return b
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(doc())
	})
}

// openAPIDocument is the OpenAPI 3.1 document of the patterns that have an
// entry in openAPISpec (the others are the JSON 405 answers of paths with
// other methods).
func openAPIDocument(patterns []string, uploads map[string]bool) map[string]any {
	paths, g := documentPaths(openAPISpec, "/api/v1/", patterns, uploads)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "halfsky API",
			"version": "v1",
			"description": "半边天工作平台的 JSON 接口。登录（POST /api/v1/session）后，会话 Cookie " + httpx.SessionCookie +
				" 随每个请求发送；写操作须与本站同源。出错时返回 {\"error\":{\"code\",\"message\",\"fields\"}}，" +
				"fields 是逐字段的说明。时间为 UTC 的 RFC 3339，日期为上海时间的 2006-01-02。",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": httpx.SessionCookie,
					"description": "登录后设置的会话 Cookie（HttpOnly）"},
			},
			"responses": map[string]any{
				"Error": map[string]any{
					"description": "错误：code 是机器可读的错误码，message 是中文说明，fields 是逐字段的说明",
					"content":     jsonContent(map[string]any{"$ref": "#/components/schemas/Error"}),
				},
			},
		},
		"security": []any{map[string]any{"session": []any{}}},
	}
}

// documentPaths are the paths of the patterns spec describes, and the
// schemas they use (with Error, the one error shape); tags are the first
// segment after prefix.
func documentPaths(spec map[string]op, prefix string, patterns []string, uploads map[string]bool) (map[string]any, *schemas) {
	g := &schemas{defs: map[string]any{}, names: map[reflect.Type]string{}, prefix: prefix}
	paths := map[string]any{}
	for _, p := range patterns {
		o, ok := spec[p]
		if !ok {
			continue
		}
		method, path, _ := strings.Cut(p, " ")
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = g.operation(method, path, o, uploads[p])
	}
	g.defs["Error"] = g.of(fields{"error": apperr.Error{}})
	return paths, g
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// operation is one operation object.
func (g *schemas) operation(method, path string, o op, upload bool) map[string]any {
	rest := strings.TrimPrefix(path, g.prefix)
	tag, _, _ := strings.Cut(rest, "/")
	id := strings.ToLower(method)
	for _, s := range strings.Split(rest, "/") {
		s = strings.Trim(s, "{}")
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
			id += strings.ToUpper(w[:1]) + w[1:]
		}
	}
	out := map[string]any{"operationId": id, "summary": o.summary, "tags": []any{tag}}
	if o.public {
		out["security"] = []any{}
	}
	var params []any
	for _, name := range pathParams(path) {
		s := map[string]any{"type": "string"}
		if name != "code" && name != "district" {
			s = map[string]any{"type": "integer", "format": "int64", "minimum": 1}
		}
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": s})
	}
	for _, q := range strings.Fields(o.query) {
		name, kind, _ := strings.Cut(q, ":")
		s := map[string]any{"type": "string"}
		if kind == "int" {
			s = map[string]any{"type": "integer"}
		}
		params = append(params, map[string]any{"name": name, "in": "query", "schema": s})
	}
	if params != nil {
		out["parameters"] = params
	}
	content := map[string]any{}
	req := &schemas{defs: g.defs, names: g.names, request: true, prefix: g.prefix}
	if o.in != nil {
		content["application/json"] = map[string]any{"schema": req.of(o.in)}
	}
	if upload && o.form != nil {
		content["multipart/form-data"] = map[string]any{"schema": req.of(o.form)}
	}
	if len(content) > 0 {
		out["requestBody"] = map[string]any{"required": !o.optional, "content": content}
	}
	status := o.status
	if status == 0 {
		status = http.StatusOK
		if o.out == nil {
			status = http.StatusNoContent
		}
	}
	responses := map[string]any{"default": map[string]any{"$ref": "#/components/responses/Error"}}
	for _, st := range append([]int{status}, o.also...) {
		resp := map[string]any{"description": http.StatusText(st)}
		switch v := o.out.(type) {
		case nil:
		case download:
			mt := string(v)
			if mt == "" {
				mt = "*/*"
			}
			resp["content"] = map[string]any{mt: map[string]any{"schema": map[string]any{}}}
		default:
			if st != http.StatusNoContent {
				resp["content"] = jsonContent(g.of(v))
			}
		}
		responses[itoa(st)] = resp
	}
	out["responses"] = responses
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// pathParams are the names of a path's {wildcards}, in order.
func pathParams(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			out = append(out, strings.TrimSuffix(strings.Trim(s, "{}"), "..."))
		}
	}
	return out
}

// schemas makes JSON Schemas of Go values; named struct types become
// components (#/components/schemas/...). Request bodies are made inline
// and name no property of a Go type as required: the decoder takes any
// subset of the fields (and refuses others), and the domain answers a
// missing one with a field message.
type schemas struct {
	defs    map[string]any
	names   map[reflect.Type]string
	request bool
	prefix  string // of the paths, before an operation's tag
}

// of is the schema of v: a fields literal, optional, arrayOf, a schema
// (map[string]any) or any Go value (by its type).
func (g *schemas) of(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v // a schema already
	case fields:
		props := map[string]any{}
		required := []string{}
		for k, p := range v {
			if o, ok := p.(optional); ok {
				p = o.v
			} else {
				required = append(required, k)
			}
			props[k] = g.of(p)
		}
		slices.Sort(required)
		return object(props, required)
	case optional:
		return g.of(v.v)
	case arrayOf:
		return map[string]any{"type": "array", "items": g.of(v.v)}
	case nil:
		return map[string]any{}
	}
	return g.typ(reflect.TypeOf(v))
}

func object(props map[string]any, required []string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// orNull admits null beside s.
func orNull(s map[string]any) map[string]any {
	if t, ok := s["type"].(string); ok {
		out := map[string]any{}
		for k, v := range s {
			out[k] = v
		}
		out["type"] = []any{t, "null"}
		return out
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// typ is the schema of values of t as encoding/json writes and reads them.
func (g *schemas) typ(t reflect.Type) map[string]any {
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case fileType:
		return map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return orNull(g.typ(t.Elem()))
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer"}
	case reflect.Int64, reflect.Uint64:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return map[string]any{"type": "string", "contentEncoding": "base64"}
		}
		return map[string]any{"type": "array", "items": g.typ(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.typ(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if name == "" || g.request {
			return g.object(t)
		}
		if _, ok := g.names[t]; !ok {
			g.names[t] = name
			g.defs[name] = map[string]any{} // a placeholder while it is made: types may refer to themselves
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{} // interfaces: any JSON value
}

// schemaName names a struct type's component: "docJSON" for this
// package's, "doc.Fields" for another's; "" (inline) for anonymous and
// generic types.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if name == "" || strings.Contains(name, "[") {
		return ""
	}
	pkg := t.PkgPath()
	if pkg == reflect.TypeFor[op]().PkgPath() {
		return name
	}
	return pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
}

// object is the schema of a struct: its JSON properties, those of
// embedded structs promoted unless a shallower field has the name.
// Fields with omitempty may be absent; the rest are always written.
func (g *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.typ(ft)
		if strings.Contains(","+opts+",", ",string,") {
			s = map[string]any{"type": "string"}
		}
		props[name] = s
		if !g.request && !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,") {
			required = append(required, name)
		}
	}
	for _, et := range embedded {
		inner := g.object(et)
		for k, v := range inner["properties"].(map[string]any) {
			if _, ok := props[k]; ok {
				continue
			}
			props[k] = v
			if r, _ := inner["required"].([]string); slices.Contains(r, k) {
				required = append(required, k)
			}
		}
	}
	slices.Sort(required)
	return object(props, required)
}
