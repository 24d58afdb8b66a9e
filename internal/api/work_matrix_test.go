package api_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/testapp"
)

// workLevel is a level of the tree for the work-lines matrix: the own
// unit, and a sibling unit whose records must stay invisible.
type workLevel struct {
	key, code, sibling string
	// ids of the sibling's records, by kind, and of the level's own
	ids, own map[string]string
	// marker is in every text of the sibling's records
	marker string
}

// TestWorkAccessMatrix tries every 学习, 访妇情办实事 and 整改台账 endpoint,
// as every role at district, street and village level, on the records of
// the sibling unit next door: a leader or staff member gets 404 for each
// record and each action on it, lists and statistics never show it, a
// drill-down into the sibling is refused; administrators get 403
// everywhere in the work lines; and nothing in the work tables changes.
func TestWorkAccessMatrix(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		levels := []*workLevel{
			{key: "district", code: "230102", sibling: "230103"},
			{key: "street", code: "230102001", sibling: "230102002"},
			{key: "village", code: "230102001001", sibling: "230102001002"},
		}
		day := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")
		for _, lv := range levels {
			lv.marker = "邻单位" + lv.key
			owner := "w.owner." + lv.key
			f.user(owner, "邻居"+lv.key, lv.sibling, access.Staff)
			lv.ids = recordWork(t, f.as(owner), lv.marker, day)
			f.user("w.self."+lv.key, "本级"+lv.key, lv.code, access.Staff)
			lv.own = recordWork(t, f.as("w.self."+lv.key), "本级记录", day)
			for _, role := range []access.Role{access.Leader, access.Staff, access.Sysadmin, access.Auditor} {
				f.user("w."+string(role)+"."+lv.key, "矩阵"+lv.key, lv.code, role)
			}
		}
		before := workState(t, f)
		for _, lv := range levels {
			for _, role := range []access.Role{access.Leader, access.Staff, access.Sysadmin, access.Auditor} {
				t.Run(string(role)+"@"+lv.key, func(t *testing.T) {
					c := f.as("w." + string(role) + "." + lv.key)
					status, code := 404, "not_found"
					if role.Admin() {
						status, code = 403, "forbidden"
					}
					probe := func(method, path string, body any, want int, wantCode string) {
						t.Helper()
						r := c.Do(method, path, body)
						if r.Status != want {
							t.Errorf("%s %s: %d, want %d: %.200s", method, path, r.Status, want, r.Body)
						} else if want >= 400 {
							if e, _ := r.JSON(t)["error"].(map[string]any); e == nil || e["code"] != wantCode {
								t.Errorf("%s %s: error %v, want %s", method, path, e, wantCode)
							}
						}
						if strings.Contains(r.Body, lv.marker) {
							t.Errorf("%s %s shows the sibling's record: %.200s", method, path, r.Body)
						}
					}
					for _, p := range workProbes(lv, day) {
						probe(p.method, p.path, p.body, status, code)
					}
					// A quota for the sibling is bad input beside the field.
					qs, qc := 422, "invalid"
					if role.Admin() {
						qs, qc = 403, "forbidden"
					}
					probe("POST", "/api/v1/visits/quotas", map[string]any{"org_code": lv.sibling, "metric": "women", "target": 10,
						"starts_on": day, "ends_on": day}, qs, qc)
					// Administrators do not read business records even in
					// their own subtree.
					if role.Admin() {
						for _, p := range workProbes(&workLevel{code: lv.code, sibling: lv.code, ids: lv.own}, day) {
							probe(p.method, p.path, p.body, 403, "forbidden")
						}
					}
					// Lists in scope answer (admins: refused) without the
					// sibling's records.
					listStatus := 200
					if role.Admin() {
						listStatus = 403
					}
					for _, p := range []string{"/api/v1/study", "/api/v1/visits", "/api/v1/needs", "/api/v1/tasks", "/api/v1/problems",
						"/api/v1/study/stats", "/api/v1/visits/stats", "/api/v1/problems/stats", "/api/v1/visits/quotas"} {
						probe("GET", p, nil, listStatus, "forbidden")
					}
				})
			}
		}
		if after := workState(t, f); after != before {
			t.Errorf("refused requests changed the work tables")
		}
	})
}

// recordWork has c (a staff member of the sibling unit) record one of
// everything through the API and returns the ids.
func recordWork(t *testing.T, c *testapp.Client, marker, day string) map[string]string {
	t.Helper()
	id := func(r testapp.Response) string {
		t.Helper()
		if r.Status != 201 && r.Status != 200 {
			t.Fatalf("recording the sibling's work: %d %s", r.Status, r.Body)
		}
		obj := r.JSON(t)
		v, ok := obj["id"].(float64)
		for _, x := range obj { // or {"visit": {"id": …}}
			if inner, isObj := x.(map[string]any); isObj && !ok {
				v, ok = inner["id"].(float64)
			}
		}
		if !ok {
			t.Fatalf("no id in %s", r.Body)
		}
		return fmt.Sprint(int64(v))
	}
	ids := map[string]string{}
	ids["study"] = id(c.Do("POST", "/api/v1/study", map[string]any{"kind": "study", "held_on": day, "topic": marker + "学习",
		"participants": 12}))
	ids["visit"] = id(c.Do("POST", "/api/v1/visits", map[string]any{"visited_on": day, "households": 3, "women": 4, "place": marker + "小区",
		"notes": marker + "走访"}))
	ids["need"] = id(c.Do("POST", "/api/v1/needs", map[string]any{"category": "employment", "urgency": "normal",
		"summary": marker + "妇情"}))
	ids["task"] = id(c.Do("POST", "/api/v1/needs/"+ids["need"]+"/task", map[string]any{"title": marker + "实事",
		"owner_name": "邻居", "starts_on": day, "due_on": day}))
	ids["problem"] = id(c.Do("POST", "/api/v1/problems", map[string]any{"category": "style", "source": "self",
		"description": marker + "问题", "measures": "立即整改", "responsible": "邻居", "mode": "now", "found_on": day}))
	return ids
}

type workProbe struct {
	method, path string
	body         any
}

// workProbes are every read and action on the sibling's records, and
// every drill-down into the sibling's subtree.
func workProbes(lv *workLevel, day string) []workProbe {
	s, v, n, k, p := lv.ids["study"], lv.ids["visit"], lv.ids["need"], lv.ids["task"], lv.ids["problem"]
	return []workProbe{
		{"GET", "/api/v1/study/" + s, nil},
		{"PUT", "/api/v1/study/" + s, map[string]any{"kind": "study", "held_on": day, "topic": "改", "participants": 1, "version": 1}},
		{"GET", "/api/v1/visits/" + v, nil},
		{"PUT", "/api/v1/visits/" + v, map[string]any{"visited_on": day, "households": 1, "women": 1, "place": "某地"}},
		{"GET", "/api/v1/needs/" + n, nil},
		{"GET", "/api/v1/needs/" + n + "/handover", nil},
		{"POST", "/api/v1/needs/" + n + "/handover", map[string]any{"to_org_code": lv.code, "reason": "越权移交"}},
		{"POST", "/api/v1/needs/" + n + "/task", map[string]any{"title": "越权", "owner_name": "某", "starts_on": day, "due_on": day}},
		{"GET", "/api/v1/tasks/" + k, nil},
		{"POST", "/api/v1/tasks/" + k + "/start", nil},
		{"POST", "/api/v1/tasks/" + k + "/close", map[string]any{"outcome": "done", "result": "越权办结", "feedback": "satisfied"}},
		{"GET", "/api/v1/problems/" + p, nil},
		{"PUT", "/api/v1/problems/" + p, map[string]any{"category": "style", "source": "self", "description": "改",
			"measures": "改", "responsible": "某", "mode": "now", "found_on": day}},
		{"POST", "/api/v1/problems/" + p + "/progress", map[string]any{"note": "越权进展"}},
		{"POST", "/api/v1/problems/" + p + "/apply", map[string]any{"note": "越权申请"}},
		{"POST", "/api/v1/problems/" + p + "/close", map[string]any{"note": "越权销号"}},
		{"POST", "/api/v1/problems/" + p + "/return", map[string]any{"reason": "越权退回"}},
		{"GET", "/api/v1/study?under=" + lv.sibling, nil},
		{"GET", "/api/v1/study/stats?under=" + lv.sibling, nil},
		{"GET", "/api/v1/visits?under=" + lv.sibling, nil},
		{"GET", "/api/v1/visits/stats?under=" + lv.sibling, nil},
		{"GET", "/api/v1/needs?under=" + lv.sibling, nil},
		{"GET", "/api/v1/tasks?under=" + lv.sibling, nil},
		{"GET", "/api/v1/problems?under=" + lv.sibling, nil},
		{"GET", "/api/v1/problems/stats?under=" + lv.sibling, nil},
	}
}

// workState fingerprints the work tables.
func workState(t *testing.T, f *fixture) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id, topic, participants, version FROM study_activities ORDER BY id`,
		`SELECT id, notes, women, version FROM visits ORDER BY id`,
		`SELECT id, org_id, status, summary, version FROM needs ORDER BY id`,
		`SELECT id, status FROM need_handovers ORDER BY id`,
		`SELECT id, status, result, version FROM tasks ORDER BY id`,
		`SELECT id, status, description, version FROM problems ORDER BY id`,
		`SELECT id, note FROM problem_updates ORDER BY id`,
		`SELECT id, org_id, target FROM quotas ORDER BY id`,
	} {
		rows, err := f.app.DB.Query(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
		}
		rows.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
