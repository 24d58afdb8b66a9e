package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// openAPI is the served document, for checking real answers against it.
type openAPI struct {
	t   *testing.T
	doc map[string]any
}

// schemaOf is the JSON schema the document gives an operation's answer
// with the status ("default" for errors).
func (o openAPI) schemaOf(pattern string, status int) map[string]any {
	method, path, _ := strings.Cut(pattern, " ")
	op := asObj(asObj(o.doc["paths"])[path])[strings.ToLower(method)]
	if op == nil {
		o.t.Fatalf("the document has no %s", pattern)
	}
	resps := asObj(asObj(op)["responses"])
	r := asObj(resps[fmt.Sprint(status)])
	if r == nil {
		r = o.resolve(asObj(resps["default"]))
	}
	s := asObj(asObj(asObj(r["content"])["application/json"])["schema"])
	if s == nil {
		o.t.Fatalf("%s: no JSON answer with status %d in the document", pattern, status)
	}
	return s
}

func asObj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func (o openAPI) resolve(s map[string]any) map[string]any {
	for s["$ref"] != nil {
		ref := s["$ref"].(string)
		s = o.doc
		for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			s = asObj(s[k])
		}
	}
	return s
}

// validate reports where v breaks schema s: types, required and unknown
// properties, array items, date-times.
func (o openAPI) validate(s map[string]any, v any, at string) []string {
	s = o.resolve(s)
	if any, ok := s["anyOf"].([]any); ok {
		var first []string
		for _, alt := range any {
			errs := o.validate(asObj(alt), v, at)
			if len(errs) == 0 {
				return nil
			}
			if first == nil {
				first = errs
			}
		}
		return first
	}
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, x.(string))
		}
	}
	kind := jsonKind(v)
	if len(types) > 0 && !slices.Contains(types, kind) && !(kind == "integer" && slices.Contains(types, "number")) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, kind, types)}
	}
	var errs []string
	switch v := v.(type) {
	case map[string]any:
		props := asObj(s["properties"])
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: %q missing", at, r))
			}
		}
		for k, x := range v {
			switch p, extra := props[k], s["additionalProperties"]; {
			case p != nil:
				errs = append(errs, o.validate(asObj(p), x, at+"."+k)...)
			case extra == false:
				errs = append(errs, fmt.Sprintf("%s: %q is not in the document", at, k))
			case asObj(extra) != nil:
				errs = append(errs, o.validate(asObj(extra), x, at+"."+k)...)
			}
		}
	case []any:
		if items := asObj(s["items"]); items != nil {
			for i, x := range v {
				errs = append(errs, o.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case string:
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				errs = append(errs, fmt.Sprintf("%s: %q is not a date-time", at, v))
			}
		}
	}
	return errs
}

func asStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == math.Trunc(v) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// TestOpenAPIAnswers checks real answers against the served document: the
// reads of every line of work as a city leader, following the ids the
// lists give, a draft created, and refusals against the error shape. A
// 公文's fields are exactly the document's properties.
func TestOpenAPIAnswers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := start(t, d)
		ctx, svc, keys := context.Background(), f.svc(), f.app.Server.Deps.Vault
		if err := demo.SeedDocuments(ctx, svc, testapp.Password, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedWork(ctx, svc, keys, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := demo.SeedAidPayments(ctx, svc, keys, time.Now()); err != nil {
			t.Fatal(err)
		}
		r := f.as("").Do("GET", "/api/v1/openapi.json", nil)
		if r.Status != 200 {
			t.Fatalf("GET /api/v1/openapi.json: %d %s", r.Status, r.Body)
		}
		o := openAPI{t: t, doc: r.JSON(t)}
		checked := 0
		// answer sends a request to the pattern with its wildcards
		// filled by args, and checks the answer has the status and the
		// document's shape of it.
		answer := func(user, pattern string, body any, status int, args ...string) map[string]any {
			t.Helper()
			method, path, _ := strings.Cut(pattern, " ")
			for _, a := range args {
				i, j := strings.Index(path, "{"), strings.Index(path, "}")
				path = path[:i] + url.PathEscape(a) + path[j+1:]
			}
			r := f.as(user).Do(method, path, body)
			if r.Status != status {
				t.Fatalf("%s %s as %s: %d %s, want %d", method, path, user, r.Status, r.Body, status)
			}
			var v any
			if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			key, _, _ := strings.Cut(pattern, "?")
			for _, e := range o.validate(o.schemaOf(key, status), v, "") {
				t.Errorf("%s %s: %s", method, path, e)
			}
			checked++
			return asObj(v)
		}
		get := func(user, pattern string, args ...string) map[string]any {
			t.Helper()
			return answer(user, pattern, nil, 200, args...)
		}
		// first is the id (or code) of a list's first item, "" when empty.
		first := func(v map[string]any, list, key string) string {
			items, _ := v[list].([]any)
			if len(items) == 0 {
				t.Logf("an empty list: %v", v)
				return ""
			}
			switch x := asObj(items[0])[key].(type) {
			case float64:
				return fmt.Sprint(int64(x))
			case string:
				return x
			}
			return ""
		}

		get("city.leader", "GET /api/v1/session")
		orgs := get("city.leader", "GET /api/v1/orgs")
		get("city.leader", "GET /api/v1/orgs/{code}", first(orgs, "items", "code"))
		get("city.leader", "GET /api/v1/notifications")

		// 公文: one drafted here, and the demo's.
		made := answer("city.staff", "POST /api/v1/docs", notice(noticeTitle), 201)
		id := fmt.Sprint(int64(asObj(made["document"])["id"].(float64)))
		shown := get("city.staff", "GET /api/v1/docs/{id}", id)
		props := asObj(o.resolve(asObj(asObj(o.schemaOf("GET /api/v1/docs/{id}", 200)["properties"])["document"]))["properties"])
		var have, want []string
		for k := range asObj(shown["document"]) {
			have = append(have, k)
		}
		for k := range props {
			want = append(want, k)
		}
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("GET /api/v1/docs/{id}: fields %v, document's properties %v", have, want)
		}
		get("city.staff", "GET /api/v1/docs/{id}/versions", id)
		for _, box := range []string{"work", "issued", "received"} {
			get("city.leader", "GET /api/v1/docs?box="+box)
		}
		issued := get("city.leader", "GET /api/v1/docs?box=issued")
		if id := first(issued, "items", "id"); id != "" {
			get("city.leader", "GET /api/v1/docs/{id}", id)
			get("city.leader", "GET /api/v1/docs/{id}/receipts", id)
			reqs := get("city.leader", "GET /api/v1/docs/{id}/requirements", id)
			if rid := first(reqs, "items", "id"); rid != "" {
				get("city.leader", "GET /api/v1/docs/{id}/requirements/{rid}", id, rid)
				get("city.leader", "GET /api/v1/docs/{id}/requirements/{rid}/status", id, rid)
			}
		}
		if id := first(issued, "items", "id"); id != "" {
			get("city.leader", "GET /api/v1/docs/{id}/files", id)
		}
		todo := get("daoli.staff", "GET /api/v1/reports/todo")
		if id := first(todo, "items", "id"); id != "" {
			get("daoli.staff", "GET /api/v1/reports/{id}", id)
			get("daoli.staff", "GET /api/v1/reports/{id}/files", id)
			get("daoli.staff", "GET /api/v1/reports/{id}/study", id)
		}
		answer("daoli.staff", "POST /api/v1/incoming", map[string]any{"from_unit": "全国妇联办公厅", "title": "关于做好宣传工作的通知",
			"received_on": time.Now().In(db.Shanghai).Format(time.DateOnly), "text": "各省妇联：\n请做好宣传工作。"}, 201)
		if id := first(get("daoli.staff", "GET /api/v1/incoming"), "items", "id"); id != "" {
			get("daoli.staff", "GET /api/v1/incoming/{id}", id)
			get("daoli.staff", "GET /api/v1/incoming/{id}/files", id)
		}

		// The work lines.
		for _, line := range []struct{ list, show, item string }{
			{"GET /api/v1/study", "GET /api/v1/study/{id}", ""},
			{"GET /api/v1/visits", "GET /api/v1/visits/{id}", ""},
			{"GET /api/v1/needs", "GET /api/v1/needs/{id}", ""},
			{"GET /api/v1/tasks", "GET /api/v1/tasks/{id}", ""},
			{"GET /api/v1/problems", "GET /api/v1/problems/{id}", ""},
			{"GET /api/v1/aid/applications", "GET /api/v1/aid/applications/{id}", ""},
			{"GET /api/v1/aid/cycles", "GET /api/v1/aid/cycles/{id}", ""},
			{"GET /api/v1/aid/batches", "GET /api/v1/aid/batches/{id}", ""},
			{"GET /api/v1/aid/exports", "GET /api/v1/aid/exports/{id}", ""},
		} {
			if id := first(get("city.leader", line.list), "items", "id"); id != "" {
				get("city.leader", line.show, id)
			}
		}
		for _, p := range []string{"GET /api/v1/study/stats", "GET /api/v1/study/docs", "GET /api/v1/visits/quotas",
			"GET /api/v1/visits/stats", "GET /api/v1/problems/stats", "GET /api/v1/aid/stats", "GET /api/v1/aid/ledger",
			"GET /api/v1/aid/followups/due"} {
			get("city.leader", p)
		}
		progs := get("city.leader", "GET /api/v1/aid/programmes")
		get("city.leader", "GET /api/v1/aid/programmes/{code}", first(progs, "items", "code"))
		if id := first(get("city.leader", "GET /api/v1/aid/applications"), "items", "id"); id != "" {
			for _, p := range []string{"steps", "documents", "followups"} {
				get("city.leader", "GET /api/v1/aid/applications/{id}/"+p, id)
			}
			answer("city.leader", "POST /api/v1/aid/applications/{id}/reveal", map[string]any{"reason": "核实身份信息"}, 200, id)
		}
		if id := first(get("city.leader", "GET /api/v1/needs"), "items", "id"); id != "" {
			get("city.leader", "GET /api/v1/needs/{id}/handover", id)
		}
		if id := first(get("city.leader", "GET /api/v1/aid/cycles"), "items", "id"); id != "" {
			get("city.leader", "GET /api/v1/aid/cycles/{id}/quotas", id)
			get("city.leader", "GET /api/v1/aid/cycles/{id}/payable", id)
		}
		if id := first(get("city.leader", "GET /api/v1/visits/quotas"), "items", "id"); id != "" {
			get("city.leader", "GET /api/v1/visits/quotas/{id}", id)
		}

		// Administrators' reads.
		get("admin", "GET /api/v1/users")
		get("admin", "GET /api/v1/role-requests")
		get("auditor", "GET /api/v1/audit")

		// Refusals have the error shape.
		answer("", "GET /api/v1/docs", nil, 401)
		answer("city.staff", "GET /api/v1/docs/{id}", nil, 404, "999999")
		answer("city.staff", "POST /api/v1/docs", map[string]any{"title": 1}, 422)
		answer("city.staff", "PUT /api/v1/docs/{id}", map[string]any{"fields": map[string]any{}}, 422, id)
		t.Logf("%d answers checked against the document", checked)
	})
}
