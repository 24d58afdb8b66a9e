package api_test

import (
	"net/url"
	"strings"
	"testing"

	"halfsky/internal/testapp"
)

func TestOrgScenarios(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		nangang := f.orgName("230103")
		f.run(t, []scenario{
			{name: "anonymous", method: "GET", path: "/api/v1/orgs/2301", status: 401, code: "unauthenticated"},
			{name: "the city", as: "city.staff", method: "GET", path: "/api/v1/orgs/2301", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					m := r.JSON(t)
					o := m["org"].(map[string]any)
					if o["code"] != "2301" || o["name"] != "哈尔滨市妇联" || o["kind"] != "city" || o["kind_label"] != "市级妇联" || o["parent_code"] != nil {
						t.Errorf("city: %v", o)
					}
					if p := o["path"].([]any); len(p) != 0 {
						t.Errorf("city path %v", p)
					}
					// 18 districts and the organs, group members and new-sector
					// organizations under the city.
					if n := m["children_count"].(float64); n != 18+11 {
						t.Errorf("children_count %v", n)
					}
					sub := m["subtree"].(map[string]any)
					levels := map[string]float64{}
					for _, l := range sub["levels"].([]any) {
						l := l.(map[string]any)
						levels[l["key"].(string)] = l["count"].(float64)
					}
					if levels["district"] != 18 || levels["street"] != 328 || levels["grassroots"] != 3158 || levels["organ"] != 5 || levels["member"] != 4 || levels["newsector"] != 5 {
						t.Errorf("subtree levels %v", levels)
					}
					if sub["total"].(float64) != 18+328+3158+5+4+5 {
						t.Errorf("subtree total %v", sub["total"])
					}
				}},
			{name: "a village from the city", as: "city.staff", method: "GET", path: "/api/v1/orgs/230102001001", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					o := r.JSON(t)["org"].(map[string]any)
					var codes []string
					for _, p := range o["path"].([]any) {
						codes = append(codes, p.(map[string]any)["code"].(string))
					}
					if strings.Join(codes, ",") != "2301,230102,230102001" || o["parent_code"] != "230102001" {
						t.Errorf("path %v parent %v", codes, o["parent_code"])
					}
				}},
			{name: "own unit: path stops at the scope", as: "street.staff", method: "GET", path: "/api/v1/orgs/230102001001", status: 200,
				hasNot: []string{f.orgName("230102"), "哈尔滨市妇联"},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					o := r.JSON(t)["org"].(map[string]any)
					if p := o["path"].([]any); len(p) != 1 || p[0].(map[string]any)["code"] != "230102001" {
						t.Errorf("path %v", p)
					}
				}},
			{name: "own unit has no parent in scope", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/230102", status: 200,
				hasNot: []string{"哈尔滨市妇联", `"2301"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if o := r.JSON(t)["org"].(map[string]any); o["parent_code"] != nil {
						t.Errorf("parent_code %v", o["parent_code"])
					}
				}},
			{name: "new-sector unit", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/230102XL01", status: 200,
				has: []string{`"sector":"enterprise"`, `"sector_label":"非公企业"`, `"kind":"newsector"`}},
			{name: "out of scope", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/230103", status: 404, code: "not_found", hasNot: []string{nangang}},
			{name: "unknown", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/999999", status: 404, code: "not_found"},
			{name: "above scope", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/2301", status: 404, code: "not_found"},
			{name: "garbage code", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/%FF%00", status: 404, code: "not_found"},
			{name: "long code", as: "daoli.staff", method: "GET", path: "/api/v1/orgs/" + strings.Repeat("9", 500), status: 404, code: "not_found"},
			{name: "wrong method", as: "daoli.staff", method: "DELETE", path: "/api/v1/orgs/230102", status: 405, code: "method_not_allowed"},
			{name: "list wrong method", as: "daoli.staff", method: "POST", path: "/api/v1/orgs", body: map[string]string{}, status: 405, code: "method_not_allowed"},

			{name: "list: own subtree by default", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?per_page=500", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					want := f.count(`SELECT COUNT(*) FROM orgs WHERE code LIKE '230102%'`)
					if n := total(t, r); n != want {
						t.Errorf("total %d, want %d", n, want)
					}
					for _, it := range items(t, r) {
						if !strings.HasPrefix(it["code"].(string), "230102") {
							t.Errorf("foreign unit %v", it)
						}
					}
					m := r.JSON(t)
					if m["page"].(float64) != 1 || m["per_page"].(float64) != 500 {
						t.Errorf("paging %v %v", m["page"], m["per_page"])
					}
				}},
			{name: "list: kind and paging", as: "city.staff", method: "GET", path: "/api/v1/orgs?kind=district&per_page=5&page=2", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					list := items(t, r)
					if total(t, r) != 18 || len(list) != 5 {
						t.Fatalf("total %d, %d items", total(t, r), len(list))
					}
					for _, it := range list {
						if it["kind"] != "district" {
							t.Errorf("kind %v", it)
						}
					}
				}},
			{name: "list: under a unit", as: "city.staff", method: "GET", path: "/api/v1/orgs?under=230102001&kind=community", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					want := f.count(`SELECT COUNT(*) FROM orgs WHERE code LIKE '230102001%' AND kind = 'community'`)
					if total(t, r) != want || want == 0 {
						t.Errorf("total %d, want %d", total(t, r), want)
					}
				}},
			{name: "list: name search", as: "city.staff", method: "GET", path: "/api/v1/orgs?q=" + url.QueryEscape("南岗区妇联"), status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if list := items(t, r); len(list) != 1 || list[0]["code"] != "230103" {
						t.Errorf("items %v", list)
					}
				}},
			{name: "list: code prefix", as: "city.staff", method: "GET", path: "/api/v1/orgs?q=2301030", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if total(t, r) == 0 {
						t.Errorf("no match")
					}
					for _, it := range items(t, r) {
						if !strings.HasPrefix(it["code"].(string), "2301030") {
							t.Errorf("item %v", it)
						}
					}
				}},
			{name: "list: LIKE wildcards are literal", as: "city.staff", method: "GET", path: "/api/v1/orgs?q=%25", status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if total(t, r) != 0 {
						t.Errorf("'%%' matched %d", total(t, r))
					}
				}},
			{name: "list: empty page", as: "city.staff", method: "GET", path: "/api/v1/orgs?kind=district&page=99", status: 200,
				has: []string{`"items":[]`, `"total":18`}},
			{name: "list: under out of scope", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?under=230103", status: 404, code: "not_found", hasNot: []string{nangang}},
			{name: "list: under unknown", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?under=nope", status: 404, code: "not_found"},
			{name: "list: bad kind", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?kind=planet", status: 422, code: "invalid", fields: []string{"kind"}},
			{name: "list: non-numeric page", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?page=two", status: 422, code: "invalid", fields: []string{"page"}},
			{name: "list: zero page", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?page=0", status: 422, code: "invalid", fields: []string{"page"}},
			{name: "list: huge page", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?page=9223372036854775807", status: 422, code: "invalid", fields: []string{"page"}},
			{name: "list: bad per_page", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?per_page=100000", status: 422, code: "invalid", fields: []string{"per_page"}},
			{name: "list: several bad", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?page=x&kind=y&per_page=-1", status: 422, code: "invalid", fields: []string{"page", "kind", "per_page"}},
			{name: "list: invalid UTF-8 query", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?q=%FF", status: 422, code: "invalid", fields: []string{"q"}},
			{name: "list: NUL in query", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?q=a%00b", status: 422, code: "invalid", fields: []string{"q"}},
			{name: "list: overlong query", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?q=" + strings.Repeat("a", 101), status: 422, code: "invalid", fields: []string{"q"}},
			{name: "list: malformed query string", as: "daoli.staff", method: "GET", path: "/api/v1/orgs?q=%zz", status: 422, code: "invalid", fields: []string{"query"}},
		})
	})
}
