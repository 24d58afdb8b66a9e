package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/doc"
	"halfsky/internal/org"
	"halfsky/internal/report"
	"halfsky/internal/testapp"
)

// issueNotice has the city draft the notice with its requirement, review,
// sign and issue it to all 18 districts, over the API; it returns the
// document's and the requirement's ids.
func issueNotice(t *testing.T, f *fixture, now time.Time) (docID, reqID string) {
	t.Helper()
	must := func(r testapp.Response, status int) testapp.Response {
		t.Helper()
		expect(t, r, status, "")
		return r
	}
	staff := f.as("city.staff")
	docID = itoa(idIn(t, must(staff.Do("POST", "/api/v1/docs", notice(noticeTitle)), 201), "document"))
	d := "/api/v1/docs/" + docID
	reqID = itoa(idIn(t, must(staff.Do("POST", d+"/requirements", requirement(now)), 201), "requirement"))
	must(staff.Do("POST", d+"/submit", nil), 200)
	must(f.as("city.reviewer").Do("POST", d+"/review", map[string]any{"pass": true}), 200)
	must(f.as("city.leader").Do("POST", d+"/sign", map[string]any{"opinion": "同意"}), 200)
	must(staff.Do("POST", d+"/issue", nil), 200)
	return docID, reqID
}

// counts checks the status endpoint's totals.
func counts(want map[string]any) func(t *testing.T, f *fixture, r testapp.Response) {
	return func(t *testing.T, f *fixture, r testapp.Response) {
		t.Helper()
		got := obj(t, r, "counts")
		for k, v := range want {
			if fmt.Sprint(got[k]) != fmt.Sprint(v) {
				t.Errorf("counts[%s] = %v, want %v (all: %v)", k, got[k], v, got)
			}
		}
	}
}

// unitRows returns the status endpoint's per-unit rows by unit code.
func unitRows(t *testing.T, r testapp.Response) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, u := range r.JSON(t)["units"].([]any) {
		u := u.(map[string]any)
		out[u["org_code"].(string)] = u
	}
	return out
}

// TestReportLoop is the whole 督办/报送 loop over the API: the city issues
// the notice to all 18 districts; three districts sign for it and report;
// one report is returned and resubmitted, one gets an extension, one is
// accepted; the status endpoint shows the counts, colours and per-group
// rows as the deadline nears and passes; 催办 reaches everyone still
// missing; a district sees neither another district's report nor its
// to-do, nor the status.
func TestReportLoop(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		clk := f.useClock(time.Now().UTC().Truncate(time.Second))
		start := clk.now()
		f.user("city.reviewer", "赵敏（办公室）", "2301", access.Staff)
		f.user("staff.230103", "南岗区妇联工作人员", "230103", access.Staff)
		f.user("staff.230104", "道外区妇联工作人员", "230104", access.Staff)
		docID, reqID := issueNotice(t, f, start)
		nangang, daowai := f.orgName("230103"), f.orgName("230104")
		d := "/api/v1/docs/" + docID
		status := d + "/requirements/" + reqID + "/status"
		dueDate := start.In(shanghaiTZ).AddDate(0, 0, 7)
		dueAt := time.Date(dueDate.Year(), dueDate.Month(), dueDate.Day()+1, 0, 0, 0, 0, shanghaiTZ).Add(-time.Millisecond)
		until := dueDate.AddDate(0, 0, 3).Format(time.DateOnly)

		// mine is the to-do items under this test's notice (the demo's seed
		// notice has its own).
		mine := func(t *testing.T, r testapp.Response) []map[string]any {
			var out []map[string]any
			for _, it := range items(t, r) {
				if itoa(int64(it["doc_id"].(float64))) == docID {
					out = append(out, it)
				}
			}
			return out
		}
		rid := map[string]string{}
		todoOf := func(code string) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				for _, it := range items(t, r) {
					if it["org_code"] != code {
						t.Errorf("todo of %s holds %v", code, it)
					}
				}
				list := mine(t, r)
				if len(list) != 1 || list[0]["requirement_title"] != "学习贯彻情况" {
					t.Fatalf("todo of %s: %s", code, r.Body)
				}
				rid[code] = itoa(int64(list[0]["id"].(float64)))
			}
		}
		todoHas := func(n int, has string) func(t *testing.T, f *fixture, r testapp.Response) {
			return func(t *testing.T, f *fixture, r testapp.Response) {
				list := mine(t, r)
				if len(list) != n || n > 0 && list[0]["state"] != has {
					t.Errorf("todo: %v", list)
				}
			}
		}
		f.runDocs(t, []scenario{
			{name: "issued with its number", as: "city.staff", method: "GET", path: d, status: 200,
				has: []string{fmt.Sprintf(`"number":"哈妇发〔%d〕1号"`, start.In(shanghaiTZ).Year()), `"status":"issued"`}},
			{name: "18 receipts", as: "city.staff", method: "GET", path: d + "/receipts", status: 200, has: []string{`"total":18`, `"signed":0`}},
			{name: "sign for it: 道里", as: "daoli.staff", method: "POST", path: d + "/receipts", status: 201},
			{name: "sign for it: 南岗", as: "staff.230103", method: "POST", path: d + "/receipts", status: 201},
			{name: "sign for it: 道外", as: "staff.230104", method: "POST", path: d + "/receipts", status: 201},
			{name: "sign for it twice", as: "staff.230104", method: "POST", path: d + "/receipts", status: 409, code: "already_received"},
			{name: "status after signing", as: "city.staff", method: "GET", path: status, status: 200,
				check: counts(map[string]any{"total": 18, "unsigned": 15, "signed": 3, "submitted": 0, "colour": "green", "completeness": 0})},
			{name: "todo: 道里", as: "daoli.staff", method: "GET", path: "/api/v1/reports/todo", status: 200, hasNot: []string{nangang, daowai}, check: todoOf("230102")},
			{name: "todo: 南岗", as: "staff.230103", method: "GET", path: "/api/v1/reports/todo", status: 200, check: todoOf("230103")},
			{name: "todo: 道外", as: "staff.230104", method: "GET", path: "/api/v1/reports/todo", status: 200, check: todoOf("230104")},
			{name: "todo: the city has none", as: "city.staff", method: "GET", path: "/api/v1/reports/todo", status: 200, has: []string{`"total":0`}},
			{name: "todo: a street below has none", as: "street.staff", method: "GET", path: "/api/v1/reports/todo", status: 200, has: []string{`"total":0`}},
			{name: "todo: wrong method", as: "daoli.staff", method: "PUT", path: "/api/v1/reports/todo", body: map[string]any{}, status: 405, code: "method_not_allowed"},
		})
		rp := func(code, s string) string { return "/api/v1/reports/" + rid[code] + s }
		in := map[string]any{"body": "已组织专题学习 3 场，参加 120 人。", "numbers": map[string]any{"sessions": 3, "people": 120}}
		f.runDocs(t, []scenario{
			// Nobody sees or writes another district's report.
			{name: "another district's report", as: "daoli.staff", method: "GET", path: rp("230103", ""), status: 404, code: "not_found",
				hasNot: []string{nangang, "南岗区妇联工作人员"}},
			{name: "report for another district: save", as: "daoli.staff", method: "PUT", path: rp("230103", ""), body: in, status: 404, code: "not_found"},
			{name: "report for another district: submit", as: "daoli.leader", method: "POST", path: rp("230103", "/submit"), body: in, status: 404, code: "not_found"},
			{name: "another district's report files", as: "daoli.staff", method: "GET", path: rp("230103", "/files"), status: 404, code: "not_found"},
			{name: "the status is the sender's", as: "daoli.staff", method: "GET", path: status, status: 404, code: "not_found", hasNot: []string{nangang}},
			{name: "the status: a district leader", as: "daoli.leader", method: "GET", path: status, status: 404, code: "not_found"},
			{name: "a street does not see its district's report", as: "street.staff", method: "GET", path: rp("230102", ""), status: 404, code: "not_found"},
			{name: "administrators do not read reports", as: "admin", method: "GET", path: rp("230102", ""), status: 403, code: "forbidden"},
			{name: "the unit's leader sees it", as: "daoli.leader", method: "GET", path: rp("230102", ""), status: 200, has: []string{`"state":"signed"`, `"org_code":"230102"`}},
			{name: "the sender sees it", as: "city.staff", method: "GET", path: rp("230102", ""), status: 200,
				has: []string{`"requirement":{`, `"key":"sessions"`, `"files":[]`, `"state_label":"已签收"`, `"colour":"green"`}},
			{name: "unknown report", as: "city.staff", method: "GET", path: "/api/v1/reports/999999", status: 404, code: "not_found"},

			// Drafts and bad input.
			{name: "save a draft", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"body": "草稿", "numbers": map[string]any{"sessions": 1}},
				status: 200, has: []string{`"status":"draft"`, `"body":"草稿"`, `"sessions":1`}},
			{name: "save: negative number", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"numbers": map[string]any{"sessions": -1}},
				status: 422, code: "invalid", fields: []string{"numbers.sessions"}},
			{name: "save: fraction", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"numbers": map[string]any{"people": 1.5}},
				status: 422, code: "invalid", fields: []string{"numbers.people"}},
			{name: "save: unknown number", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"numbers": map[string]any{"hours": 2}},
				status: 422, code: "invalid", fields: []string{"numbers.hours"}},
			{name: "save: number as text", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: `{"numbers":{"sessions":"三"}}`,
				status: 422, code: "invalid", fields: []string{"numbers"}},
			{name: "save: NUL", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"body": "a\u0000"},
				status: 422, code: "invalid", fields: []string{"body"}},
			{name: "save: unknown field", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: map[string]any{"text": "x"}, status: 400, code: "invalid_json"},
			{name: "submit: nothing", as: "daoli.staff", method: "POST", path: rp("230102", "/submit"), body: map[string]any{},
				status: 422, code: "invalid", fields: []string{"body", "numbers.sessions", "numbers.people"}},
			{name: "submit: numbers missing", as: "daoli.staff", method: "POST", path: rp("230102", "/submit"), body: map[string]any{"body": "已组织"},
				status: 422, code: "invalid", fields: []string{"numbers.sessions", "numbers.people"}},
			{name: "submit: 道里", as: "daoli.staff", method: "POST", path: rp("230102", "/submit"), body: in, status: 200,
				has: []string{`"status":"submitted"`, `"state":"submitted"`, `"submitted_by":"陈静"`, `"people":120`}},
			{name: "submit twice", as: "daoli.staff", method: "POST", path: rp("230102", "/submit"), body: in, status: 409, code: "already_submitted"},
			{name: "submit: 南岗", as: "staff.230103", method: "POST", path: rp("230103", "/submit"), body: in, status: 200},

			// An extension for 道外.
			{name: "extension: earlier than the deadline", as: "staff.230104", method: "POST", path: rp("230104", "/extension"),
				body: map[string]any{"until": start.In(shanghaiTZ).Format(time.DateOnly), "reason": "下周集中学习"}, status: 422, code: "invalid", fields: []string{"until"}},
			{name: "extension: no reason, bad date", as: "staff.230104", method: "POST", path: rp("230104", "/extension"),
				body: map[string]any{"until": "下周"}, status: 422, code: "invalid", fields: []string{"until", "reason"}},
			{name: "extension: for another district", as: "daoli.staff", method: "POST", path: rp("230104", "/extension"),
				body: map[string]any{"until": until, "reason": "代为申请"}, status: 404, code: "not_found"},
			{name: "extension", as: "staff.230104", method: "POST", path: rp("230104", "/extension"), body: map[string]any{"until": until, "reason": "下周集中学习"},
				status: 200, has: []string{`"extension":{"status":"requested","status_label":"延期申请审批中","until":"` + until + `"`},
				check: counted(1, `SELECT COUNT(*) FROM notifications WHERE kind = 'report.extension' AND body = '下周集中学习'`)},
			{name: "extension twice", as: "staff.230104", method: "POST", path: rp("230104", "/extension"), body: map[string]any{"until": until, "reason": "再次"},
				status: 409, code: "extension_pending"},
			{name: "decide: the unit itself may not", as: "staff.230104", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"grant": true},
				status: 403, code: "forbidden"},
			{name: "decide: another district", as: "daoli.leader", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"grant": true},
				status: 404, code: "not_found"},
			{name: "decide: grant missing", as: "city.staff", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"reply": "好"},
				status: 422, code: "invalid", fields: []string{"grant"}},
			{name: "decide: refuse without a reason", as: "city.staff", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"grant": false},
				status: 422, code: "invalid", fields: []string{"reply"}},
			{name: "decide: grant", as: "city.staff", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"grant": true, "reply": "同意"},
				status: 200, has: []string{`"status":"granted"`, `"status_label":"已同意延期"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					due, err := time.Parse(time.RFC3339, obj(t, r, "report")["due_at"].(string))
					if err != nil || !due.After(dueAt.Add(71*time.Hour)) {
						t.Errorf("due_at %v after the extension (was %v)", due, dueAt)
					}
				}},
			{name: "decide twice", as: "city.staff", method: "POST", path: rp("230104", "/extension/decide"), body: map[string]any{"grant": true}, status: 409, code: "no_extension"},
		})

		// Attachments of a report.
		f.runUploads(t, []uploadCase{
			{name: "report attach", as: "staff.230104", path: rp("230104", "/files"), field: "file", file: "学习情况.docx", data: []byte("PK\x03\x04word"), status: 201},
			{name: "report attach: a program", as: "staff.230104", path: rp("230104", "/files"), field: "file", file: "tool.exe", data: []byte("MZ"), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "report attach: a disguised PDF", as: "staff.230104", path: rp("230104", "/files"), field: "file", file: "scan.pdf", data: []byte("MZ\x90\x00"), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "report attach: over 20 MiB", as: "staff.230104", path: rp("230104", "/files"), field: "file", file: "big.txt", data: []byte(strings.Repeat("a", 20<<20+1)), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "report attach: the sender may not", as: "city.staff", path: rp("230104", "/files"), field: "file", file: "a.pdf", data: pdfBytes, status: 403, code: "forbidden"},
			{name: "report attach: another district", as: "daoli.staff", path: rp("230104", "/files"), field: "file", file: "a.pdf", data: pdfBytes, status: 404, code: "not_found", hasNot: []string{daowai}},
			{name: "report attach: after submitting", as: "daoli.staff", path: rp("230102", "/files"), field: "file", file: "a.pdf", data: pdfBytes, status: 409, code: "already_submitted"},
		})
		fid := itoa(int64(f.count(`SELECT MAX(file_id) FROM report_files`)))
		f.runDocs(t, []scenario{
			{name: "report files", as: "city.staff", method: "GET", path: rp("230104", "/files"), status: 200, has: []string{`"total":1`, "学习情况.docx"}},
			{name: "report file: the sender downloads", as: "city.staff", method: "GET", path: rp("230104", "/files/"+fid), status: 200,
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if r.Body != "PK\x03\x04word" || !strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
						t.Errorf("download %q %v", r.Body, r.Header)
					}
				}},
			{name: "report file: another district", as: "daoli.staff", method: "GET", path: rp("230104", "/files/"+fid), status: 404, code: "not_found"},
			{name: "report file: under another report", as: "daoli.staff", method: "GET", path: rp("230102", "/files/"+fid), status: 404, code: "not_found"},
			{name: "submit: 道外", as: "staff.230104", method: "POST", path: rp("230104", "/submit"), body: in, status: 200, has: []string{"学习情况.docx"}},

			// The city decides.
			{name: "return: without a reason", as: "city.staff", method: "POST", path: rp("230103", "/return"), body: map[string]any{"reason": ""},
				status: 422, code: "invalid", fields: []string{"reason"}},
			{name: "return: by another district", as: "daoli.leader", method: "POST", path: rp("230103", "/return"), body: map[string]any{"reason": "x"},
				status: 404, code: "not_found"},
			{name: "return: 南岗", as: "city.staff", method: "POST", path: rp("230103", "/return"), body: map[string]any{"reason": "请补充参加人员范围"},
				status: 200, has: []string{`"state":"returned"`, `"return_reason":"请补充参加人员范围"`, `"decided_by":"刘洋（宣传部）"`},
				check: counted(1, `SELECT COUNT(*) FROM notifications WHERE kind = 'report.returned' AND body = '请补充参加人员范围'`)},
			{name: "accept: the reporting unit may not", as: "daoli.leader", method: "POST", path: rp("230102", "/accept"), status: 403, code: "forbidden"},
			{name: "accept: a returned report", as: "city.staff", method: "POST", path: rp("230103", "/accept"), status: 409, code: "wrong_status"},
			{name: "accept: 道里", as: "city.staff", method: "POST", path: rp("230102", "/accept"), status: 200, has: []string{`"state":"accepted"`, `"state_label":"已采纳"`}},
			{name: "accept twice", as: "city.staff", method: "POST", path: rp("230102", "/accept"), status: 409, code: "wrong_status"},
			{name: "report after acceptance", as: "daoli.staff", method: "POST", path: rp("230102", "/submit"), body: in, status: 409, code: "already_accepted"},
			{name: "save after acceptance", as: "daoli.staff", method: "PUT", path: rp("230102", ""), body: in, status: 409, code: "already_accepted"},
			{name: "todo: 道里 is done", as: "daoli.staff", method: "GET", path: "/api/v1/reports/todo", status: 200, check: todoHas(0, "")},
			{name: "todo: 南岗 again", as: "staff.230103", method: "GET", path: "/api/v1/reports/todo", status: 200, has: []string{"请补充参加人员范围"}, check: todoHas(1, "returned")},
			{name: "the document shows the unit's report", as: "staff.230103", method: "GET", path: d, status: 200, has: []string{`"my_reports":[{`, `"state":"returned"`}},

			// The sender's status.
			{name: "status", as: "city.staff", method: "GET", path: status, status: 200,
				has: []string{`"node":{"code":"2301"`, `"total_units":18`, `"crumbs":[]`},
				check: all(counts(map[string]any{"total": 18, "unsigned": 15, "signed": 0, "submitted": 1, "returned": 1, "accepted": 1,
					"overdue": 0, "on_time": 2, "due_soon": 0, "done": 2, "completeness": 11.1, "timeliness": 100, "colour": "green"}),
					func(t *testing.T, f *fixture, r testapp.Response) {
						groups := r.JSON(t)["groups"].([]any)
						if len(groups) != 18 {
							t.Fatalf("%d groups", len(groups))
						}
						for _, g := range groups {
							g := g.(map[string]any)
							if g["total"] != 1.0 || g["self"] != false || g["kind"] != "district" {
								t.Errorf("group %v", g)
							}
							if g["org_code"] == "230102" && (g["accepted"] != 1.0 || g["completeness"] != 100.0 || g["colour"] != "green") {
								t.Errorf("道里 group %v", g)
							}
						}
						units := unitRows(t, r)
						if len(units) != 18 {
							t.Fatalf("%d units", len(units))
						}
						want := map[string]string{"230102": "accepted", "230103": "returned", "230104": "submitted", "230108": "unsigned"}
						for code, st := range want {
							if u := units[code]; u == nil || u["state"] != st || u["colour"] != "green" {
								t.Errorf("unit %s: %v, want %s", code, u, st)
							}
						}
						if units["230103"]["return_reason"] != "请补充参加人员范围" || units["230104"]["extension"] == nil || units["230102"]["received_at"] == nil ||
							units["230108"]["received_at"] != nil || units["230108"]["state_label"] != "未签收" {
							t.Errorf("unit rows %v", units)
						}
					})},
			{name: "status: only the returned", as: "city.staff", method: "GET", path: status + "?state=returned", status: 200,
				has: []string{`"total_units":1`, `"org_code":"230103"`}},
			{name: "status: the missing", as: "city.staff", method: "GET", path: status + "?state=missing", status: 200, has: []string{`"total_units":16`}},
			{name: "status: paged", as: "city.staff", method: "GET", path: status + "?per_page=5&page=4", status: 200, has: []string{`"total_units":18`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if n := len(r.JSON(t)["units"].([]any)); n != 3 {
						t.Errorf("%d units on the last page", n)
					}
				}},
			{name: "status: drill down to 道里", as: "city.staff", method: "GET", path: status + "?under=230102", status: 200,
				has: []string{`"node":{"code":"230102"`, `"crumbs":[{"code":"2301"`, `"self":true`},
				check: all(counts(map[string]any{"total": 1, "accepted": 1, "completeness": 100}), func(t *testing.T, f *fixture, r testapp.Response) {
					if g := r.JSON(t)["groups"].([]any); len(g) != 1 {
						t.Errorf("groups %v", g)
					}
				})},
			{name: "status: a street with nothing to report", as: "city.staff", method: "GET", path: status + "?under=230102001", status: 200,
				check: counts(map[string]any{"total": 0, "completeness": 0, "colour": "green"})},
			{name: "status: under an unknown unit", as: "city.staff", method: "GET", path: status + "?under=999999", status: 404, code: "not_found"},
			{name: "status: bad state and page", as: "city.staff", method: "GET", path: status + "?state=lost&per_page=0", status: 422, code: "invalid", fields: []string{"state", "per_page"}},
			{name: "status: wrong document", as: "city.staff", method: "GET", path: "/api/v1/docs/999999/requirements/" + reqID + "/status", status: 404, code: "not_found"},

			// 南岗 resubmits; notifications.
			{name: "notifications: 南岗", as: "staff.230103", method: "GET", path: "/api/v1/notifications", status: 200,
				has: []string{"报送被退回：学习贯彻情况", "收到公文：", `"read":false`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					want := f.count(`SELECT COUNT(*) FROM notifications n JOIN orgs o ON o.id = n.org_id WHERE o.code = '230103'`)
					if n := r.JSON(t)["unread"].(float64); int(n) != want || want < 2 {
						t.Errorf("unread %v, want %d", n, want)
					}
				}},
			{name: "notifications: the sender hears of the extension", as: "city.staff", method: "GET", path: "/api/v1/notifications?limit=5", status: 200,
				has: []string{daowai + "申请延期报送"}},
			{name: "notifications: bad limit", as: "city.staff", method: "GET", path: "/api/v1/notifications?limit=1000", status: 422, code: "invalid", fields: []string{"limit"}},
			{name: "notifications: read all", as: "staff.230103", method: "POST", path: "/api/v1/notifications/read-all", status: 200, has: []string{`"unread":0`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					want := f.count(`SELECT COUNT(*) FROM notifications n JOIN orgs o ON o.id = n.org_id WHERE o.code = '230103'`)
					counted(want, `SELECT COUNT(*) FROM notification_reads r JOIN users u ON u.id = r.user_id WHERE u.username = 'staff.230103'`)(t, f, r)
				}},
			{name: "notifications: all read", as: "staff.230103", method: "GET", path: "/api/v1/notifications", status: 200, has: []string{`"unread":0`, `"read":true`}, hasNot: []string{`"read":false`}},
			{name: "resubmit: 南岗", as: "staff.230103", method: "POST", path: rp("230103", "/submit"),
				body: map[string]any{"body": "已补充：全区 22 个街道妇联主席参加。", "numbers": map[string]any{"sessions": 2, "people": 80}}, status: 200,
				has: []string{`"state":"submitted"`}},
			{name: "status after resubmitting", as: "city.staff", method: "GET", path: status, status: 200,
				check: counts(map[string]any{"submitted": 2, "returned": 0, "accepted": 1, "on_time": 3, "done": 3, "completeness": 16.7, "colour": "green"})},
		})

		// The deadline nears: yellow; then passes: red.
		clk.set(dueAt.Add(-2 * 24 * time.Hour))
		f.runDocs(t, []scenario{
			{name: "status: due within 3 days", as: "city.staff", method: "GET", path: status, status: 200,
				check: all(counts(map[string]any{"due_soon": 15, "unsigned": 15, "overdue": 0, "colour": "yellow"}), func(t *testing.T, f *fixture, r testapp.Response) {
					u := unitRows(t, r)
					if u["230108"]["colour"] != "yellow" || u["230102"]["colour"] != "green" {
						t.Errorf("colours %v %v", u["230108"], u["230102"])
					}
				})},
		})
		clk.set(dueAt.Add(time.Hour))
		f.runDocs(t, []scenario{
			{name: "status: overdue", as: "city.staff", method: "GET", path: status, status: 200,
				check: all(counts(map[string]any{"overdue": 15, "unsigned": 0, "due_soon": 0, "completeness": 16.7, "timeliness": 100, "colour": "red"}),
					func(t *testing.T, f *fixture, r testapp.Response) {
						u := unitRows(t, r)
						if u["230108"]["state"] != "overdue" || u["230108"]["state_label"] != "逾期" || u["230108"]["colour"] != "red" || u["230104"]["colour"] != "green" {
							t.Errorf("rows %v %v", u["230108"], u["230104"])
						}
						for _, g := range r.JSON(t)["groups"].([]any) {
							g := g.(map[string]any)
							if want := map[bool]string{true: "green", false: "red"}[g["done"] == 1.0]; g["colour"] != want {
								t.Errorf("group %v", g)
							}
						}
					})},
			{name: "status: the overdue", as: "city.staff", method: "GET", path: status + "?state=overdue", status: 200, has: []string{`"total_units":15`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					for code, u := range unitRows(t, r) {
						if u["state"] != "overdue" || code == "230102" || code == "230103" || code == "230104" {
							t.Errorf("overdue row %v", u)
						}
					}
				}},
			{name: "extension after the deadline", as: "daoli.staff", method: "POST", path: rp("230102", "/extension"), body: map[string]any{"until": until, "reason": "晚了"},
				status: 409, code: "already_accepted"},
			{name: "urge: a district may not", as: "daoli.staff", method: "POST", path: d + "/requirements/" + reqID + "/urge", status: 404, code: "not_found"},
			{name: "urge: the city's leader", as: "city.leader", method: "POST", path: d + "/requirements/" + reqID + "/urge", status: 200, has: []string{`"urged":15`},
				check: all(counted(15, `SELECT COUNT(*) FROM notifications WHERE kind = 'report.urge' AND body LIKE ?`, "%"+noticeTitle+"%"),
					counted(15, `SELECT COUNT(*) FROM reports WHERE requirement_id = ? AND last_urged_at IS NOT NULL`, reqID))},
			{name: "urged units see it", as: "city.staff", method: "GET", path: status + "?state=overdue&per_page=1", status: 200, hasNot: []string{`"last_urged_at":null`}},
		})
	})
}

// docLevel is a level of the tree for the documents access matrix, with
// the documents and reports outside it.
type docLevel struct {
	key, code string
	docs      []foreignDoc
	reports   []foreignReport
	foreign   []string
}

type foreignDoc struct{ id, req, file int64 }
type foreignReport struct{ id, file int64 }

// TestDocAccessMatrix tries every document, requirement and report
// endpoint as business and administrator roles at district, street and
// village level on the documents, requirements and reports of another
// unit: every one answers 404, changes nothing, and no body names a
// foreign unit, person or document. Lists, to-dos and notifications hold
// only what is in scope.
func TestDocAccessMatrix(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		clk := f.useClock(time.Now().UTC().Truncate(time.Second))
		docs, reps := f.app.Server.Deps.Docs, f.app.Server.Deps.Reports
		actor := func(username, name, code string, role access.Role) access.Actor {
			return f.user(username, name, code, role).Actor("127.0.0.1")
		}
		n := 0
		attach := func(do func() (int64, error)) int64 {
			t.Helper()
			id, err := do()
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		// send has the unit at code issue a document (with a requirement
		// and an attachment) to targets, or only draft it; recipients at
		// the listed codes attach a file to their reports.
		send := func(code, abbr, title string, targets []doc.Target, issue bool) (foreignDoc, map[string]foreignReport, []string) {
			t.Helper()
			n++
			staff := actor(fmt.Sprintf("fx%d.staff", n), fmt.Sprintf("外单位起草人%d", n), code, access.Staff)
			office := actor(fmt.Sprintf("fx%d.office", n), fmt.Sprintf("外单位审核人%d", n), code, access.Staff)
			leader := actor(fmt.Sprintf("fx%d.leader", n), fmt.Sprintf("外单位签发人%d", n), code, access.Leader)
			names := []string{title, staff.Name, office.Name, leader.Name, staff.Username}
			fl, err := docs.Defaults(ctx, staff)
			if err != nil {
				t.Fatal(err)
			}
			fl.Abbr, fl.Title, fl.RecipientSpec, fl.Body = abbr, title, targets, []string{"正文。"}
			d, err := docs.Create(ctx, staff, fl)
			if err != nil {
				t.Fatal(err)
			}
			q, err := reps.AddRequirement(ctx, staff, d.ID, report.RequirementInput{Title: "外单位报送要求", Department: "外单位部门",
				DueDate: clk.now().In(shanghaiTZ).AddDate(0, 0, 7).Format(time.DateOnly)})
			if err != nil {
				t.Fatal(err)
			}
			fd := foreignDoc{id: d.ID, req: q.ID}
			fd.file = attach(func() (int64, error) {
				fi, err := docs.Attach(ctx, staff, d.ID, "外单位附件.pdf", pdfBytes)
				return fi.ID, err
			})
			out := map[string]foreignReport{}
			if !issue {
				return fd, out, names
			}
			for _, err := range []error{docs.Submit(ctx, staff, d.ID), docs.Review(ctx, office, d.ID, true, ""), docs.Sign(ctx, leader, d.ID, "")} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if _, err := docs.Issue(ctx, staff, d.ID); err != nil {
				t.Fatal(err)
			}
			for _, tg := range targets {
				if tg.Unit == "" {
					continue
				}
				rec := actor("fx.rec."+tg.Unit, "收文人"+tg.Unit, tg.Unit, access.Staff)
				names = append(names, rec.Name)
				if err := docs.Receive(ctx, rec, d.ID); err != nil {
					t.Fatal(err)
				}
				mine, err := reps.ForDocument(ctx, rec, d.ID)
				if err != nil || len(mine) != 1 {
					t.Fatal(mine, err)
				}
				fr := foreignReport{id: mine[0].ID}
				fr.file = attach(func() (int64, error) {
					fi, err := reps.Attach(ctx, rec, fr.id, "外单位报送附件.pdf", pdfBytes)
					return fi.ID, err
				})
				out[tg.Unit] = fr
			}
			return fd, out, names
		}
		// 南岗 sends to one of its streets and keeps a draft; 道里 sends to
		// one street only; the street 兆麟 sends to one community only.
		nStreet := fmt.Sprint(f.count(`SELECT MIN(code) FROM orgs WHERE code LIKE '230103___'`))
		nDoc, nReps, nNames := send("230103", "南妇发", "南岗区妇联关于开展巾帼志愿服务的通知", []doc.Target{{Unit: nStreet}}, true)
		nDraft, _, nDraftNames := send("230103", "南妇发", "南岗区妇联尚未印发的通知稿", []doc.Target{{Group: org.KindStreet}}, false)
		dDoc, dReps, dNames := send("230102", "道妇发", "道里区妇联致新阳路街道的通知", []doc.Target{{Unit: "230102002"}}, true)
		sDoc, sReps, sNames := send("230102001", "兆妇发", "兆麟街道妇联致索菲亚社区的通知", []doc.Target{{Unit: "230102001002"}}, true)

		unitNames := func(codes ...string) []string {
			var out []string
			for _, c := range codes {
				out = append(out, f.orgName(c), `"org_code":"`+c+`"`)
			}
			return out
		}
		levels := []*docLevel{
			{key: "district", code: "230102", docs: []foreignDoc{nDoc, nDraft}, reports: []foreignReport{nReps[nStreet]},
				foreign: append(append(unitNames("230103", nStreet), nNames...), nDraftNames...)},
			{key: "street", code: "230102001", docs: []foreignDoc{dDoc}, reports: []foreignReport{dReps["230102002"]},
				foreign: append(unitNames("230102002"), dNames...)},
			{key: "village", code: "230102001001", docs: []foreignDoc{sDoc}, reports: []foreignReport{sReps["230102001002"]},
				foreign: append(unitNames("230102001002"), sNames...)},
		}
		for i, lv := range levels {
			if i > 0 {
				up := levels[i-1]
				lv.docs = append(lv.docs, up.docs...)
				lv.reports = append(lv.reports, up.reports...)
				lv.foreign = append(lv.foreign, up.foreign...)
			}
		}
		roles := []access.Role{access.Leader, access.Staff, access.Sysadmin, access.Auditor}
		for _, lv := range levels {
			for _, role := range roles {
				username := "dm." + string(role) + "." + lv.key
				f.user(username, "矩阵"+role.Label()+lv.key, lv.code, role)
				t.Run(string(role)+"@"+lv.key, func(t *testing.T) {
					m := &matrixRun{t: t, f: f, lv: &matrixLevel{key: lv.key, code: lv.code, foreign: lv.foreign}, role: role, c: f.as(username)}
					before := f.docState()
					for _, fd := range lv.docs {
						docOutside(m, username, fd)
					}
					for _, fr := range lv.reports {
						reportOutside(m, username, fr)
					}
					if f.docState() != before {
						t.Errorf("refused requests changed documents or reports")
					}
					business := role == access.Leader || role == access.Staff
					for _, box := range []string{"work", "issued", "received"} {
						st, code := 200, ""
						if !business {
							st, code = 403, "forbidden"
						}
						m.do("GET", "/api/v1/docs?per_page=200&box="+box, nil, st, code)
					}
					// 督办 and its notices are the business roles' too.
					if business {
						r := m.do("GET", "/api/v1/reports/todo", nil, 200, "")
						for _, it := range items(t, r) {
							if it["org_code"] != lv.code {
								t.Errorf("todo holds %v", it["org_code"])
							}
						}
						m.do("GET", "/api/v1/notifications", nil, 200, "")
					} else {
						m.do("GET", "/api/v1/reports/todo", nil, 403, "forbidden")
						m.do("GET", "/api/v1/notifications", nil, 403, "forbidden")
					}
					// In scope: the documents of the own unit (and, for
					// business roles, what they may see of them).
					own := map[string]foreignDoc{"district": dDoc, "street": sDoc}[lv.key]
					if own.id == 0 {
						return
					}
					// Administrators are refused the documents' routes whatever
					// the id: 403 before any record is looked up.
					st := 403
					if business {
						st = 200
					}
					path := "/api/v1/docs/" + itoa(own.id)
					r := m.c.Do("GET", path, nil)
					expect(t, r, st, "")
					r = m.c.Do("GET", path+"/requirements/"+itoa(own.req)+"/status", nil)
					expect(t, r, st, "")
					if business && !strings.Contains(r.Body, `"total":1`) {
						t.Errorf("status of the own document: %s", r.Body)
					}
				})
			}
		}
	})
}

// docOutside tries every document and requirement endpoint on a document
// outside the actor's scope.
func docOutside(m *matrixRun, username string, fd foreignDoc) {
	p := "/api/v1/docs/" + itoa(fd.id)
	rq := p + "/requirements/" + itoa(fd.req)
	fields := map[string]any{"version": 1, "fields": notice("越权修改")}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", p, nil}, {"PUT", p, fields}, {"GET", p + "/versions", nil}, {"GET", p + "/pdf", nil},
		{"POST", p + "/submit", nil}, {"POST", p + "/review", map[string]any{"pass": true}}, {"POST", p + "/sign", map[string]any{"opinion": "同意"}},
		{"POST", p + "/withdraw", map[string]any{"reason": "越权"}}, {"POST", p + "/issue", nil}, {"POST", p + "/correct", nil},
		{"GET", p + "/receipts", nil}, {"POST", p + "/receipts", nil},
		{"GET", p + "/files", nil}, {"GET", p + "/files/" + itoa(fd.file), nil}, {"DELETE", p + "/files/" + itoa(fd.file), nil},
		{"GET", p + "/requirements", nil}, {"POST", p + "/requirements", requirement(time.Now())},
		{"GET", rq, nil}, {"DELETE", rq, nil}, {"GET", rq + "/status", nil}, {"GET", rq + "/status?under=230103", nil}, {"POST", rq + "/urge", nil},
	} {
		st, code := outsideStatus(m.role, c.path)
		m.do(c.method, c.path, c.body, st, code)
	}
	r := upload(m.t, m.f, username, p+"/files", "file", "越权.pdf", pdfBytes)
	if st, _ := outsideStatus(m.role, p+"/files"); r.Status != st {
		m.t.Errorf("upload to foreign document: %d %s", r.Status, r.Body)
	}
}

// outsideStatus is the answer to a request on a 公文 or report outside the
// actor's scope: 404, as for one that does not exist — unless the role may
// never take the step, which is refused (403) before any record is read.
func outsideStatus(role access.Role, path string) (int, string) {
	switch {
	case !role.Business():
		return 403, "forbidden"
	case role != access.Leader && (strings.HasSuffix(path, "/sign") || strings.HasSuffix(path, "/withdraw")):
		return 403, "forbidden"
	}
	return 404, "not_found"
}

// reportOutside tries every report endpoint on a report outside the
// actor's scope.
func reportOutside(m *matrixRun, username string, fr foreignReport) {
	p := "/api/v1/reports/" + itoa(fr.id)
	in := map[string]any{"body": "越权报送"}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", p, nil}, {"PUT", p, in}, {"POST", p + "/submit", in}, {"POST", p + "/accept", nil},
		{"POST", p + "/return", map[string]any{"reason": "越权"}}, {"POST", p + "/extension", map[string]any{"until": "2099-01-01", "reason": "越权"}},
		{"POST", p + "/extension/decide", map[string]any{"grant": true}},
		{"GET", p + "/files", nil}, {"GET", p + "/files/" + itoa(fr.file), nil},
	} {
		st, code := outsideStatus(m.role, c.path)
		m.do(c.method, c.path, c.body, st, code)
	}
	r := upload(m.t, m.f, username, p+"/files", "file", "越权.pdf", pdfBytes)
	if st, _ := outsideStatus(m.role, p+"/files"); r.Status != st {
		m.t.Errorf("upload to foreign report: %d %s", r.Status, r.Body)
	}
}
