package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

func beijingDay(n int) string {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Now().In(loc).AddDate(0, 0, n).Format("2006-01-02")
}

// id reads obj.id from a response.
func id(t *testing.T, r testapp.Response, obj string) int64 {
	t.Helper()
	m, ok := r.JSON(t)[obj].(map[string]any)
	if !ok {
		t.Fatalf("no %s in %s", obj, r.Body)
	}
	return int64(m["id"].(float64))
}

// TestVisitsAPI is the scenario through the JSON API, with the
// bad inputs and the scope checks.
func TestVisitsAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		f := start(t, d)
		f.user("sofia.staff", "赵敏", "230102001002", access.Staff)
		street, village, daoli, admin := f.as("street.staff"), f.as("village.staff"), f.as("daoli.staff"), f.as("auditor")

		r := street.Do("POST", "/api/v1/visits", map[string]any{"org_code": "230102001002", "visited_on": beijingDay(1), "place": "索菲亚社区"})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "visited_on")
		r = street.Do("POST", "/api/v1/visits", map[string]any{"org_code": "230103", "visited_on": beijingDay(0), "place": "南岗"})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "org_code")
		r = street.Do("POST", "/api/v1/visits", map[string]any{"org_code": "230102001002", "visited_on": beijingDay(0), "place": "索菲亚社区",
			"households": 6, "women": 9})
		expect(t, r, http.StatusCreated, "")
		vid := id(t, r, "visit")

		r = street.Do("POST", "/api/v1/needs", map[string]any{"visit_id": vid, "category": "employment", "summary": "想学家政", "person_name": "王秀兰"})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "person_name")
		r = street.Do("POST", "/api/v1/needs", map[string]any{"visit_id": vid, "category": "employment", "urgency": "urgent",
			"summary": "想学家政技能再就业", "consent": true, "person_name": "王秀兰", "contact": "13800000000"})
		expect(t, r, http.StatusCreated, "")
		n1 := id(t, r, "need")
		r = street.Do("POST", "/api/v1/needs", map[string]any{"visit_id": vid, "category": "children", "summary": "留守儿童无人看护"})
		expect(t, r, http.StatusCreated, "")
		n2 := id(t, r, "need")

		r = street.Do("GET", "/api/v1/needs", nil)
		expect(t, r, http.StatusOK, "")
		if !strings.Contains(r.Body, `"王**"`) || strings.Contains(r.Body, "王秀兰") || strings.Contains(r.Body, "13800000000") {
			t.Fatalf("list reveals: %s", r.Body)
		}
		r = daoli.Do("GET", fmt.Sprintf("/api/v1/needs/%d", n1), nil)
		expect(t, r, http.StatusOK, "")
		if strings.Contains(r.Body, "王秀兰") || !strings.Contains(r.Body, `"revealed":false`) {
			t.Fatalf("district sees: %s", r.Body)
		}

		r = street.Do("POST", fmt.Sprintf("/api/v1/needs/%d/task", n1), map[string]any{"title": "推荐参加家政培训", "owner_name": "张秀英",
			"starts_on": beijingDay(0), "due_on": beijingDay(-1)})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "due_on")
		r = street.Do("POST", fmt.Sprintf("/api/v1/needs/%d/task", n1), map[string]any{"title": "推荐参加家政培训", "owner_id": f.userID("street.staff"),
			"starts_on": beijingDay(0), "due_on": beijingDay(10)})
		expect(t, r, http.StatusCreated, "")
		tid := id(t, r, "task")
		tp := fmt.Sprintf("/api/v1/tasks/%d", tid)
		expect(t, street.Do("POST", tp+"/start", nil), http.StatusOK, "")
		r = street.Do("POST", tp+"/close", map[string]any{"outcome": "done", "feedback": "satisfied"})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "result")
		r = street.Do("POST", tp+"/close", map[string]any{"outcome": "done", "result": "已上岗", "feedback": "satisfied"})
		expect(t, r, http.StatusOK, "")
		if !strings.Contains(r.Body, `"feedback_label":"满意"`) {
			t.Fatalf("closed: %s", r.Body)
		}
		r = street.Do("GET", fmt.Sprintf("/api/v1/needs/%d", n1), nil)
		if !strings.Contains(r.Body, `"status":"resolved"`) || !strings.Contains(r.Body, "13800000000") {
			t.Fatalf("need after: %s", r.Body)
		}

		// Scope: the neighbouring village and an administrator see nothing.
		for _, p := range []string{fmt.Sprintf("/api/v1/needs/%d", n2), fmt.Sprintf("/api/v1/visits/%d", vid), tp} {
			expect(t, village.Do("GET", p, nil), http.StatusNotFound, "not_found")
		}
		r = village.Do("GET", "/api/v1/needs", nil)
		if !strings.Contains(r.Body, `"total":0`) {
			t.Fatalf("village list: %s", r.Body)
		}
		expect(t, admin.Do("GET", "/api/v1/needs", nil), http.StatusForbidden, "forbidden")
		expect(t, village.Do("POST", tp+"/close", map[string]any{"outcome": "unable", "result": "x"}), http.StatusNotFound, "not_found")

		// Hand-over up to the district.
		r = street.Do("POST", "/api/v1/needs", map[string]any{"category": "rights", "urgency": "critical", "summary": "劳动纠纷需法律援助"})
		n3 := id(t, r, "need")
		hp := fmt.Sprintf("/api/v1/needs/%d/handover", n3)
		expect(t, street.Do("POST", hp, map[string]any{"to_org_code": "230102002", "reason": "x"}), http.StatusUnprocessableEntity, "invalid", "to_org_code")
		expect(t, street.Do("POST", hp, map[string]any{"to_org_code": "230102", "reason": "需区妇联协调"}), http.StatusCreated, "")
		expect(t, street.Do("POST", hp+"/accept", nil), http.StatusForbidden, "forbidden")
		expect(t, daoli.Do("POST", hp+"/refuse", nil), http.StatusUnprocessableEntity, "invalid", "reply")
		expect(t, daoli.Do("POST", hp+"/accept", nil), http.StatusOK, "")
		r = street.Do("GET", hp, nil)
		if !strings.Contains(r.Body, `"status":"accepted"`) {
			t.Fatalf("timeline: %s", r.Body)
		}

		// Quotas and statistics.
		r = daoli.Do("POST", "/api/v1/visits/quotas", map[string]any{"org_code": "230103", "metric": "women", "target": 10,
			"starts_on": beijingDay(-5), "ends_on": beijingDay(20)})
		expect(t, r, http.StatusUnprocessableEntity, "invalid", "org_code")
		r = daoli.Do("POST", "/api/v1/visits/quotas", map[string]any{"metric": "women", "target": 10, "starts_on": beijingDay(-5), "ends_on": beijingDay(20)})
		expect(t, r, http.StatusCreated, "")
		qid := id(t, r, "quota")
		r = daoli.Do("GET", fmt.Sprintf("/api/v1/visits/quotas/%d", qid), nil)
		if !strings.Contains(r.Body, `"sum":9`) {
			t.Fatalf("progress: %s", r.Body)
		}
		r = street.Do("GET", "/api/v1/visits/quotas", nil)
		if !strings.Contains(r.Body, `"value":9`) {
			t.Fatalf("mine: %s", r.Body)
		}
		r = daoli.Do("GET", "/api/v1/visits/stats?year="+beijingDay(0)[:4], nil)
		expect(t, r, http.StatusOK, "")
		if !strings.Contains(r.Body, `"needs":3`) || !strings.Contains(r.Body, `"org_code":"230102001"`) {
			t.Fatalf("stats: %s", r.Body)
		}
		expect(t, daoli.Do("GET", "/api/v1/visits/stats?under=230103", nil), http.StatusNotFound, "not_found")
		expect(t, daoli.Do("DELETE", "/api/v1/visits/stats", nil), http.StatusMethodNotAllowed, "method_not_allowed")
	})
}
