package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/testdb"
)

// tables fingerprints every table a refused request must leave alone —
// every row, every column — except the audit log (a refusal adds to it),
// sessions and sign-in attempts.
func (f *fixture) tables() string {
	f.t.Helper()
	return fmt.Sprint(testdb.TablePrints(f.t, f.app.DB, "audit_events", "audit_head", "sessions", "login_attempts"))
}

// refusedFromBelow sends a request that must be refused with status and
// code, audited as a denial, and that changes no table.
func (f *fixture) refusedFromBelow(t *testing.T, as, method, path string, body any, status int, code string) {
	t.Helper()
	before, denials := f.tables(), f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied'`)
	r := f.as(as).Do(method, path, body)
	expect(t, r, status, code)
	if status == http.StatusForbidden {
		if msg, _ := r.JSON(t)["error"].(map[string]any)["message"].(string); msg != access.NotOwnerMessage {
			t.Fatalf("%s %s: reason %q", method, path, msg)
		}
		if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied'`); n != denials+1 {
			t.Fatalf("%s %s by %s: %d denials audited, want 1", method, path, as, n-denials)
		}
	}
	if f.tables() != before {
		t.Fatalf("%s %s by %s, refused, changed the tables", method, path, as)
	}
}

// TestOwnerAPI is the issue's attack 3 and its variants through the JSON
// API, per module: a unit below the one that owns or recorded a record is
// refused every change of it — 403 not_owner with the reason where it
// may read the record (it is about that unit), 404 where it may not see it
// at all — audited, nothing changed; the owner's unit and the units above
// still change it.
func TestOwnerAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		street, village, daoli := f.as("street.staff"), f.as("village.staff"), f.as("daoli.staff")
		today := beijingDay(0)

		// 下基层: the street's visit to the village, with a need and a task.
		r := street.Do("POST", "/api/v1/visits", map[string]any{"org_code": "230102001001", "visited_on": today, "place": "村委会", "women": 3})
		expect(t, r, http.StatusCreated, "")
		vp := fmt.Sprintf("/api/v1/visits/%d", id(t, r, "visit"))
		expect(t, village.Do("GET", vp, nil), http.StatusOK, "") // about the village: it reads it
		f.refusedFromBelow(t, "village.staff", "PUT", vp, map[string]any{"org_code": "230102001001", "visited_on": today, "place": "村委会", "women": 500},
			http.StatusForbidden, "not_owner")
		r = daoli.Do("PUT", vp, map[string]any{"org_code": "230102001001", "visited_on": today, "place": "村委会", "women": 4})
		expect(t, r, http.StatusOK, "")
		if !strings.Contains(r.Body, `"women":4`) {
			t.Fatalf("district edit: %s", r.Body)
		}
		r = street.Do("POST", "/api/v1/needs", map[string]any{"visit_id": id(t, street.Do("GET", vp, nil), "visit"), "category": "hardship", "summary": "家庭困难"})
		expect(t, r, http.StatusCreated, "")
		np := fmt.Sprintf("/api/v1/needs/%d", id(t, r, "need"))
		expect(t, village.Do("GET", np, nil), http.StatusOK, "")
		f.refusedFromBelow(t, "village.staff", "POST", np+"/handover", map[string]any{"to_org_code": "230102", "reason": "越级"}, http.StatusForbidden, "not_owner")
		f.refusedFromBelow(t, "village.staff", "POST", np+"/task", map[string]any{"title": "帮扶", "owner_name": "村妇联", "due_on": beijingDay(10)},
			http.StatusForbidden, "not_owner")
		r = street.Do("POST", np+"/task", map[string]any{"title": "帮扶", "owner_name": "村妇联", "due_on": beijingDay(10)})
		expect(t, r, http.StatusCreated, "")
		tp := fmt.Sprintf("/api/v1/tasks/%d", id(t, r, "task"))
		expect(t, village.Do("GET", tp, nil), http.StatusOK, "")
		f.refusedFromBelow(t, "village.staff", "POST", tp+"/start", nil, http.StatusForbidden, "not_owner")
		f.refusedFromBelow(t, "village.staff", "POST", tp+"/close", map[string]any{"outcome": "done", "result": "已办", "feedback": "satisfied"},
			http.StatusForbidden, "not_owner")
		expect(t, street.Do("POST", tp+"/start", nil), http.StatusOK, "")

		// 公文 and 报送: the city's notice, received by 道里区 below it.
		f.user("city.reviewer", "赵敏（办公室）", "2301", access.Staff)
		docID, reqID := issueNotice(t, f, time.Now())
		dp := "/api/v1/docs/" + docID
		expect(t, daoli.Do("GET", dp, nil), http.StatusOK, "")
		f.refusedFromBelow(t, "daoli.staff", "PUT", dp, map[string]any{"version": 1, "fields": notice("改写")}, http.StatusForbidden, "not_owner")
		f.refusedFromBelow(t, "daoli.staff", "POST", dp+"/requirements", requirement(time.Now()), http.StatusForbidden, "not_owner")
		f.refusedFromBelow(t, "daoli.staff", "DELETE", dp+"/requirements/"+reqID, nil, http.StatusForbidden, "not_owner")
		// 道里区's report is its own: the street below neither sees nor writes it.
		var reportID int64
		if err := f.app.DB.QueryRow(context.Background(), `SELECT id FROM reports WHERE requirement_id = ? AND org_code = '230102'`, reqID).Scan(&reportID); err != nil {
			t.Fatal(err)
		}
		rp := fmt.Sprintf("/api/v1/reports/%d", reportID)
		f.refusedFromBelow(t, "street.staff", "PUT", rp, map[string]any{"body": "代报"}, http.StatusNotFound, "not_found")
		expect(t, daoli.Do("PUT", rp, map[string]any{"body": "学习情况"}), http.StatusOK, "")

		// 学习 and 整改台账: 道里区's own records, unseen below.
		r = daoli.Do("POST", "/api/v1/study", activity("区妇联专题学习", today, 12, nil))
		expect(t, r, http.StatusCreated, "")
		sp := "/api/v1/study/" + itoa(int64(r.JSON(t)["id"].(float64)))
		f.refusedFromBelow(t, "street.staff", "PUT", sp, with(activity("改写", today, 99, nil), "version", 1), http.StatusNotFound, "not_found")
		r = daoli.Do("POST", "/api/v1/problems", problemBody(day(-1), day(20)))
		expect(t, r, http.StatusCreated, "")
		pp := fmt.Sprintf("/api/v1/problems/%d", id(t, r, "problem"))
		f.refusedFromBelow(t, "street.staff", "PUT", pp, problemBody(day(-1), day(30)), http.StatusNotFound, "not_found")
		f.refusedFromBelow(t, "street.staff", "POST", pp+"/apply", map[string]any{"note": "已整改"}, http.StatusNotFound, "not_found")

		// 关爱救助: the account 道里区 set is not redirected by the village.
		a := &aidRun{t: t, f: f}
		year := f.app.Server.Deps.Aid.Year()
		a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")
		x := a.payApplication(aidCanaryName, "23010219750312002", "street.staff", "daoli.staff", "city.leader")
		ap := "/api/v1/aid/applications/" + itoa(x) + "/account"
		expect(t, daoli.Do("PUT", ap, map[string]any{"bank_name": "中国农业银行", "account": aid.CompleteCard("621799123456789012")}), http.StatusOK, "")
		f.refusedFromBelow(t, "village.staff", "PUT", ap, map[string]any{"bank_name": "中国建设银行", "account": aid.CompleteCard("622700111122223")},
			http.StatusForbidden, "not_owner")
		expect(t, f.as("city.leader").Do("PUT", ap, map[string]any{"bank_name": "中国建设银行", "account": aid.CompleteCard("622700111122223")}),
			http.StatusOK, "")
	})
}
