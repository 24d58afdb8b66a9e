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
)

// auditCanaries mark business content: none may reach the audit log.
var auditCanaries = []string{"CANARY", "金丝雀"}

// TestAuditHoldsNoBusinessContent drives a broad scenario through the API
// with canary text in every title, file name, free-text field, opinion,
// reason and personal field — a 公文 with an attachment and a requirement,
// its review, sign-off and issue, a report returned with a reason and an
// extension asked for, a visit, a need and a task closed with a result, a
// problem with evidence, an aid application revealed — and requires that
// no audit_events row holds any of it, in any column. A reveal's reason
// is kept (it is the accountability): the one typed here carries no canary.
func TestAuditHoldsNoBusinessContent(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.user("city.reviewer", "赵敏（办公室）", "2301", access.Staff)
		ok := func(as, method, path string, body any, status int) map[string]any {
			t.Helper()
			r := f.as(as).Do(method, path, body)
			expect(t, r, status, "")
			if status == http.StatusNoContent {
				return nil
			}
			return r.JSON(t)
		}
		now := time.Now()
		today := beijingDay(0)

		// 公文: canary title, body, attachment name, requirement title,
		// review note and sign-off opinion.
		doc := ok("city.staff", "POST", "/api/v1/docs", with(with(notice("金丝雀CANARY公文标题"), "body",
			[]string{"金丝雀CANARY正文。"}), "recipient_spec", []map[string]any{{"unit": "230102"}}), http.StatusCreated)
		docID := itoa(int64(doc["document"].(map[string]any)["id"].(float64)))
		dp := "/api/v1/docs/" + docID
		expect(t, upload(t, f, "city.staff", dp+"/files", "file", "金丝雀CANARY附件.pdf", []byte("%PDF-1.4\n金丝雀CANARY\n")), http.StatusCreated, "")
		req := ok("city.staff", "POST", dp+"/requirements", with(requirement(now), "title", "金丝雀CANARY报送要求"), http.StatusCreated)
		reqID := itoa(int64(req["requirement"].(map[string]any)["id"].(float64)))
		ok("city.staff", "POST", dp+"/submit", nil, http.StatusOK)
		ok("city.reviewer", "POST", dp+"/review", map[string]any{"pass": true, "note": "金丝雀CANARY审核意见"}, http.StatusOK)
		ok("city.leader", "POST", dp+"/sign", map[string]any{"opinion": "金丝雀CANARY签发意见"}, http.StatusOK)
		ok("city.staff", "POST", dp+"/issue", nil, http.StatusOK)
		ok("daoli.staff", "POST", dp+"/receipts", nil, http.StatusCreated)

		// 报送: a report with a canary body and attachment, returned with a
		// canary reason; an extension asked with a canary reason.
		var reportID int64
		if err := f.app.DB.QueryRow(context.Background(), `SELECT id FROM reports WHERE requirement_id = ? AND org_code = '230102'`, reqID).Scan(&reportID); err != nil {
			t.Fatal(err)
		}
		rp := fmt.Sprintf("/api/v1/reports/%d", reportID)
		ok("daoli.staff", "POST", rp+"/extension", map[string]any{"until": now.In(shanghaiTZ).AddDate(0, 0, 20).Format(time.DateOnly),
			"reason": "金丝雀CANARY延期理由"}, http.StatusOK)
		expect(t, upload(t, f, "daoli.staff", rp+"/files", "file", "金丝雀CANARY报送附件.pdf", []byte("%PDF-1.4\nx\n")), http.StatusCreated, "")
		ok("daoli.staff", "POST", rp+"/submit", map[string]any{"body": "金丝雀CANARY报送内容", "numbers": map[string]any{"sessions": 1, "people": 2}},
			http.StatusOK)
		ok("city.staff", "POST", rp+"/return", map[string]any{"reason": "金丝雀CANARY退回理由"}, http.StatusOK)

		// 下基层: a visit, a need with a person's name and contact, a task
		// closed with a result.
		v := ok("street.staff", "POST", "/api/v1/visits", map[string]any{"org_code": "230102001001", "visited_on": today,
			"place": "金丝雀CANARY村", "companions": "金丝雀CANARY同行", "notes": "金丝雀CANARY走访情况", "women": 3}, http.StatusCreated)
		vid := int64(v["visit"].(map[string]any)["id"].(float64))
		ok("street.staff", "PUT", fmt.Sprintf("/api/v1/visits/%d", vid), map[string]any{"org_code": "230102001001", "visited_on": today,
			"place": "金丝雀CANARY村二", "notes": "金丝雀CANARY补记", "women": 4}, http.StatusOK)
		n := ok("street.staff", "POST", "/api/v1/needs", map[string]any{"visit_id": vid, "category": "hardship", "summary": "金丝雀CANARY诉求",
			"consent": true, "person_name": "金丝雀", "contact": "CANARY-138"}, http.StatusCreated)
		np := fmt.Sprintf("/api/v1/needs/%d", int64(n["need"].(map[string]any)["id"].(float64)))
		ok("street.staff", "GET", np, nil, http.StatusOK)
		task := ok("street.staff", "POST", np+"/task", map[string]any{"title": "金丝雀CANARY实事", "detail": "金丝雀CANARY要求",
			"owner_name": "金丝雀CANARY责任人", "due_on": beijingDay(10)}, http.StatusCreated)
		tp := fmt.Sprintf("/api/v1/tasks/%d", int64(task["task"].(map[string]any)["id"].(float64)))
		ok("street.staff", "POST", tp+"/close", map[string]any{"outcome": "done", "result": "金丝雀CANARY办理结果", "feedback": "satisfied"}, http.StatusOK)

		// 整改台账: canary description, measures, responsible, progress
		// note and evidence file name, an application to close.
		p := ok("daoli.staff", "POST", "/api/v1/problems", with(with(problemBody(day(0), day(30)), "description", "金丝雀CANARY问题表现"),
			"responsible", "金丝雀CANARY"), http.StatusCreated)
		pp := fmt.Sprintf("/api/v1/problems/%d", int64(p["problem"].(map[string]any)["id"].(float64)))
		expect(t, uploadEvidence(t, f, pp, "金丝雀CANARY佐证.png", "\x89PNG\r\n\x1a\n0000000000000000"), http.StatusNoContent, "")
		ok("daoli.staff", "POST", pp+"/apply", map[string]any{"note": "金丝雀CANARY整改完成情况"}, http.StatusNoContent)
		ok("city.staff", "POST", pp+"/return", map[string]any{"reason": "金丝雀CANARY退回"}, http.StatusNoContent)

		// 关爱救助: the canary applicant, a duplicate refused, a reveal.
		year := f.app.Server.Deps.Aid.Year()
		ok("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, http.StatusCreated)
		x := ok("village.staff", "POST", "/api/v1/aid/applications", aidCancer(aidCanaryID), http.StatusCreated)
		ap := "/api/v1/aid/applications/" + itoa(int64(x["application"].(map[string]any)["id"].(float64)))
		expect(t, f.as("street.staff").Do("POST", "/api/v1/aid/applications", aidCancer(aidCanaryID)), http.StatusConflict, "duplicate", "id_number")
		r := f.as("daoli.leader").Do("POST", ap+"/reveal", map[string]any{"reason": "核实材料是否一致"})
		expect(t, r, http.StatusOK, "")

		// Not one canary in any column of any event.
		rows, err := f.app.DB.Query(context.Background(), `SELECT seq, username, org_code, action, object_type, object_id, ip, outcome, detail
			FROM audit_events ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var events int
		seen := map[string]bool{}
		for rows.Next() {
			var seq int64
			var cols [8]string
			if err := rows.Scan(&seq, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6], &cols[7]); err != nil {
				t.Fatal(err)
			}
			events++
			seen[cols[2]] = true
			line := strings.Join(cols[:], " ")
			for _, c := range append(auditCanaries, aidCanaries...) {
				if strings.Contains(line, c) {
					t.Errorf("audit event %d holds %q: %s", seq, c, line)
				}
			}
		}
		for _, want := range []string{"doc.create", "doc.attach", "report.requirement_add", "doc.review_pass", "doc.sign", "doc.issue",
			"report.extension_request", "report.attach", "report.submit", "report.return", "visit.create", "visit.update", "need.create",
			"need.read", "task.create", "task.close", "problem.create", "problem.progress", "problem.apply", "problem.return",
			"aid.create", "aid.duplicate", "aid.reveal"} {
			if !seen[want] {
				t.Errorf("the scenario left no %s event", want)
			}
		}
		// The reveal keeps its reason: the accountability.
		if f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'aid.reveal' AND detail = ?`, "reason: 核实材料是否一致") != 1 {
			t.Error("the reveal's reason is not in the log")
		}
		t.Logf("%d events, none with business content", events)
	})
}

// TestDuplicateProbeAlert: the auditor sees the alert raised by a user's
// duplicate probes — GET /api/v1/audit?alert=1 lists it flagged "alert",
// naming the user and the count, and /audit marks it 警报 — and the user's
// next entry is refused 429 through the API, unchecked.
func TestDuplicateProbeAlert(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		prober := f.user("nangang.village", "刘芳", "230103001001", access.Staff)
		year := f.app.Server.Deps.Aid.Year()
		expect(t, f.as("city.leader").Do("POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}), http.StatusCreated, "")
		expect(t, f.as("village.staff").Do("POST", "/api/v1/aid/applications", aidCancer(aidCanaryID)), http.StatusCreated, "")
		for i := 0; i < aid.DuplicateLimit; i++ {
			r := f.as(prober.Username).Do("POST", "/api/v1/aid/applications", with(aidCancer(aidCanaryID), "name", fmt.Sprintf("试探%d", i)))
			expect(t, r, http.StatusConflict, "duplicate", "id_number")
			if strings.Contains(r.Body, "两癌") || strings.Contains(r.Body, fmt.Sprint(year)) || !strings.Contains(r.Body, "请联系道里区妇联核实") {
				t.Fatalf("duplicate answer says too much: %s", r.Body)
			}
		}
		r := f.as(prober.Username).Do("POST", "/api/v1/aid/applications", aidCancer(aidID("23010319800101004")))
		expect(t, r, http.StatusTooManyRequests, "too_many_duplicates")

		auditor := f.as("auditor")
		r = auditor.Do("GET", "/api/v1/audit?alert=1", nil)
		expect(t, r, http.StatusOK, "")
		want := fmt.Sprintf(`"detail":"user=nangang.village probes=%d limit=%d"`, aid.DuplicateLimit, aid.DuplicateLimit)
		if !strings.Contains(r.Body, `"total":1`) || !strings.Contains(r.Body, `"alert":true`) || !strings.Contains(r.Body, want) ||
			!strings.Contains(r.Body, `"action":"`+aid.AlertDuplicateProbes+`"`) || strings.Contains(r.Body, aidCanaryID) {
			t.Fatalf("alerts: %s", r.Body)
		}
		expect(t, auditor.Do("GET", "/api/v1/audit?alert=maybe", nil), http.StatusUnprocessableEntity, "invalid", "alert")
		page := auditor.Do("GET", "/audit?action=alert.", nil)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "警报") || !strings.Contains(page.Body, aid.AlertDuplicateProbes) {
			t.Fatalf("/audit alerts: %d", page.Status)
		}
	})
}
