package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"halfsky/internal/access"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// shanghaiTZ is where due dates and document numbers are reckoned.
var shanghaiTZ = time.FixedZone("CST", 8*3600)

// clock is the document and reporting services' clock, under the test's
// control (sessions keep the real one).
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time  { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ms.Store(t.UnixMilli()) }

// useClock puts the services of documents and reports on a clock set to
// start; call it before the test's first request.
func (f *fixture) useClock(start time.Time) *clock {
	c := &clock{}
	c.set(start)
	f.app.Server.Deps.Docs.Now = c.now
	f.app.Server.Deps.Reports.Now = c.now
	return c
}

// docState fingerprints everything of documents and reports that a
// refused request must leave alone.
func (f *fixture) docState() string {
	f.t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT * FROM documents ORDER BY id`,
		`SELECT * FROM document_versions ORDER BY doc_id, version`,
		`SELECT * FROM document_recipients ORDER BY doc_id, org_id`,
		`SELECT * FROM document_files ORDER BY doc_id, file_id`,
		`SELECT * FROM doc_numbers ORDER BY abbr, year`,
		`SELECT * FROM requirements ORDER BY id`,
		`SELECT * FROM reports ORDER BY id`,
		`SELECT * FROM report_files ORDER BY report_id, file_id`,
		`SELECT id, org_id, name, content_type, size, sha256 FROM files ORDER BY id`,
		`SELECT * FROM notifications ORDER BY id`,
		`SELECT * FROM notification_reads ORDER BY notification_id, user_id`,
		`SELECT * FROM mail_outbox ORDER BY id`,
	} {
		rows, err := f.app.DB.Query(context.Background(), q)
		if err != nil {
			f.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				f.t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
			n++
		}
		rows.Close()
		fmt.Fprintf(h, "-- %d rows\n", n)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// runDocs is run with the documents and reports fingerprint checked too:
// a refused request changes nothing there either.
func (f *fixture) runDocs(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, s := range scenarios {
		before := f.docState()
		inner := s.check
		s.check = func(t *testing.T, f *fixture, r testapp.Response) {
			if r.Status >= 400 && !s.changes {
				if after := f.docState(); after != before {
					t.Errorf("refused request changed documents or reports")
				}
			}
			if inner != nil {
				inner(t, f, r)
			}
		}
		f.run(t, []scenario{s})
	}
}

// upload sends a multipart/form-data body with one file part.
func upload(t *testing.T, f *fixture, as, path, field, name string, data []byte) testapp.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if field != "" {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	} else {
		mw.WriteField("note", "没有文件")
	}
	mw.Close()
	return send(t, f, as, "POST", path, mw.FormDataContentType(), buf.Bytes())
}

// send sends a raw body as a same-origin browser would.
func send(t *testing.T, f *fixture, as, method, path, ctype string, body []byte) testapp.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.app.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := f.as(as).HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return testapp.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// uploadCase is an upload and what must come back.
type uploadCase struct {
	name, as, path     string
	field, file, ctype string // ctype overrides the multipart body
	data               []byte
	status             int
	code               string
	fields             []string
	hasNot             []string
}

func (f *fixture) runUploads(t *testing.T, cases []uploadCase) {
	t.Helper()
	for _, u := range cases {
		t.Run(u.name, func(t *testing.T) {
			before := f.docState()
			var r testapp.Response
			if u.ctype != "" {
				r = send(t, f, u.as, "POST", u.path, u.ctype, u.data)
			} else {
				r = upload(t, f, u.as, u.path, u.field, u.file, u.data)
			}
			expect(t, r, u.status, u.code, u.fields...)
			for _, bad := range u.hasNot {
				if strings.Contains(r.Body, bad) {
					t.Errorf("body contains %q: %s", bad, r.Body)
				}
			}
			if r.Status >= 400 && f.docState() != before {
				t.Errorf("refused upload changed documents or reports")
			}
		})
	}
}

// obj is a JSON object inside a response.
func obj(t *testing.T, r testapp.Response, key string) map[string]any {
	t.Helper()
	m, ok := r.JSON(t)[key].(map[string]any)
	if !ok {
		t.Fatalf("no %s in %s", key, r.Body)
	}
	return m
}

func idIn(t *testing.T, r testapp.Response, key string) int64 {
	t.Helper()
	return int64(obj(t, r, key)["id"].(float64))
}

// notice is the city's notice as drafting fields, without the header
// elements the unit's defaults supply.
func notice(title string) map[string]any {
	return map[string]any{
		"type": "通知", "abbr": "哈妇发", "title": title,
		"recipient_spec": []map[string]any{{"group": "district"}},
		"body": []string{"各级妇联组织要把认真学习贯彻习近平总书记重要讲话精神作为首要政治任务。",
			"请各地妇联将学习贯彻情况及时报市妇联宣传部。"},
	}
}

// noticeTitle is the test's notice; unlike the demo's seed notice, which
// the fixture also holds, it is issued in the current year.
const noticeTitle = "哈尔滨市妇联关于深入学习贯彻群团工作会议精神的通知"

// requirement is the notice's reporting requirement, due a week after now.
func requirement(now time.Time) map[string]any {
	return map[string]any{"title": "学习贯彻情况", "department": "市妇联宣传部", "detail": "报送专题学习、研讨、培训情况",
		"due_date": now.In(shanghaiTZ).AddDate(0, 0, 7).Format(time.DateOnly),
		"fields":   []map[string]string{{"key": "sessions", "label": "专题学习场次", "unit": "场"}, {"key": "people", "label": "参加人数", "unit": "人"}}}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// all runs several checks.
func all(fns ...func(t *testing.T, f *fixture, r testapp.Response)) func(t *testing.T, f *fixture, r testapp.Response) {
	return func(t *testing.T, f *fixture, r testapp.Response) {
		for _, fn := range fns {
			fn(t, f, r)
		}
	}
}

// counted checks a count in the database.
func counted(want int, q string, args ...any) func(t *testing.T, f *fixture, r testapp.Response) {
	return func(t *testing.T, f *fixture, r testapp.Response) {
		t.Helper()
		if n := f.count(q, args...); n != want {
			t.Errorf("%s: %d, want %d", q, n, want)
		}
	}
}

var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// TestDocWorkflow: the city drafts a notice over the API, edits it,
// attaches a file, adds a reporting requirement, has it reviewed (returned
// once), signed and issued to all 18 districts; districts sign for it. Every
// refusal on the way is a clear error that changes nothing.
func TestDocWorkflow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		clk := f.useClock(time.Now().UTC().Truncate(time.Second))
		year := clk.now().In(shanghaiTZ).Year()
		f.user("city.reviewer", "赵敏（办公室）", "2301", access.Staff)
		nangang := f.orgName("230103")
		var id string
		p := func(s string) string { return "/api/v1/docs/" + id + s }
		f.runDocs(t, []scenario{
			{name: "create: anonymous", method: "POST", path: "/api/v1/docs", body: notice(noticeTitle), status: 401, code: "unauthenticated"},
			{name: "create: system administrator may not", as: "admin", method: "POST", path: "/api/v1/docs", body: notice(noticeTitle), status: 403, code: "forbidden"},
			{name: "create: auditor may not", as: "auditor", method: "POST", path: "/api/v1/docs", body: notice(noticeTitle), status: 403, code: "forbidden"},
			{name: "create: body of the wrong type", as: "city.staff", method: "POST", path: "/api/v1/docs", body: with(notice(noticeTitle), "body", "一段"),
				status: 422, code: "invalid", fields: []string{"body"}},
			{name: "create: unknown field", as: "city.staff", method: "POST", path: "/api/v1/docs", body: with(notice(noticeTitle), "colour", "red"),
				status: 400, code: "invalid_json"},
			{name: "create: not JSON", as: "city.staff", method: "POST", path: "/api/v1/docs", body: `{"title":`, status: 400, code: "invalid_json"},
			{name: "create: everything wrong", as: "city.staff", method: "POST", path: "/api/v1/docs",
				body:   map[string]any{"type": "便条", "title": "", "abbr": "HF", "body": []string{" "}, "secret": "内部", "urgency": "急", "doc_date": "2015-13-45", "issuer_mark": ""},
				status: 422, code: "invalid", fields: []string{"type", "title", "abbr", "body", "secret", "copy_no", "urgency", "doc_date", "issuer_mark"}},
			{name: "create: NUL in the title", as: "city.staff", method: "POST", path: "/api/v1/docs", body: with(notice(noticeTitle), "title", "通\u0000知"),
				status: 422, code: "invalid", fields: []string{"title"}},
			{name: "create: unknown recipient group", as: "city.staff", method: "POST", path: "/api/v1/docs",
				body: with(notice(noticeTitle), "recipient_spec", []map[string]any{{"group": "kingdom"}}), status: 422, code: "invalid", fields: []string{"recipients"}},
			{name: "create: unknown recipient unit", as: "city.staff", method: "POST", path: "/api/v1/docs",
				body: with(notice(noticeTitle), "recipient_spec", []map[string]any{{"unit": "999999"}}), status: 422, code: "invalid", fields: []string{"recipients"}},
			{name: "create: a secret document needs its copy number", as: "city.staff", method: "POST", path: "/api/v1/docs",
				body: with(notice(noticeTitle), "secret", "秘密"), status: 422, code: "invalid", fields: []string{"copy_no"}},
			{name: "create", as: "city.staff", method: "POST", path: "/api/v1/docs", body: notice(noticeTitle), status: 201,
				has: []string{`"status":"draft"`, `"status_label":"起草中"`, `"recipients":"各区县（市）妇联"`, `"version":1`, `"number":""`,
					`"issuer_mark":"哈尔滨市妇女联合会文件"`, `"signature":"哈尔滨市妇女联合会"`, `"drafter":"刘洋（宣传部）"`, `"editable":true`, `"my_receipt":null`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					id = itoa(idIn(t, r, "document"))
					if f.count(`SELECT COUNT(*) FROM document_versions WHERE doc_id = ?`, idIn(t, r, "document")) != 1 {
						t.Error("no first version")
					}
				}},
		})

		f.runDocs(t, []scenario{
			{name: "show", as: "city.staff", method: "GET", path: p(""), status: 200, has: []string{noticeTitle, `"org_code":"2301"`, `"reviewed_at":null`}},
			{name: "show: the unit's leader", as: "city.leader", method: "GET", path: p(""), status: 200},
			{name: "show: a district does not see the city's draft", as: "daoli.staff", method: "GET", path: p(""), status: 404, code: "not_found", hasNot: []string{noticeTitle}},
			{name: "show: administrators do not read documents", as: "admin", method: "GET", path: p(""), status: 403, code: "forbidden"},
			{name: "show: unknown", as: "city.staff", method: "GET", path: "/api/v1/docs/999999", status: 404, code: "not_found"},
			{name: "show: not a number", as: "city.staff", method: "GET", path: "/api/v1/docs/abc", status: 404, code: "not_found"},
			{name: "show: wrong method", as: "city.staff", method: "DELETE", path: p(""), status: 405, code: "method_not_allowed"},
			{name: "list: work box", as: "city.staff", method: "GET", path: "/api/v1/docs", status: 200, has: []string{noticeTitle, `"page":1`, `"per_page":30`}},
			{name: "list: search", as: "city.staff", method: "GET", path: "/api/v1/docs?q=" + "%E7%BE%A4%E5%9B%A2", status: 200, has: []string{`"total":1`}},
			{name: "list: search misses", as: "city.staff", method: "GET", path: "/api/v1/docs?q=nothing", status: 200, has: []string{`"total":0`, `"items":[]`}},
			{name: "list: another unit's work box", as: "daoli.staff", method: "GET", path: "/api/v1/docs?box=work", status: 200, hasNot: []string{noticeTitle}},
			{name: "list: bad box", as: "city.staff", method: "GET", path: "/api/v1/docs?box=trash&page=0", status: 422, code: "invalid", fields: []string{"box", "page"}},
			{name: "list: administrators may not", as: "admin", method: "GET", path: "/api/v1/docs", status: 403, code: "forbidden"},

			// Editing.
			{name: "update", as: "city.staff", method: "PUT", path: p(""),
				body:   map[string]any{"version": 1, "fields": with(with(notice(noticeTitle), "issuer_mark", "哈尔滨市妇女联合会文件"), "body", []string{"第一段。", "请各地妇联将学习贯彻情况及时报市妇联宣传部。"})},
				status: 200, has: []string{`"version":2`, "第一段。"}, check: counted(2, `SELECT COUNT(*) FROM document_versions WHERE doc_id = ?`, id)},
			{name: "update: stale version", as: "city.staff", method: "PUT", path: p(""),
				body: map[string]any{"version": 1, "fields": with(notice(noticeTitle), "issuer_mark", "哈尔滨市妇女联合会文件")}, status: 409, code: "stale_version"},
			{name: "update: no version", as: "city.staff", method: "PUT", path: p(""), body: map[string]any{"fields": notice(noticeTitle)},
				status: 422, code: "invalid", fields: []string{"version"}},
			{name: "update: no fields", as: "city.staff", method: "PUT", path: p(""), body: map[string]any{"version": 2},
				status: 422, code: "invalid", fields: []string{"fields"}},
			{name: "update: field of the wrong type", as: "city.staff", method: "PUT", path: p(""),
				body: map[string]any{"version": 2, "fields": with(notice(noticeTitle), "seal", "yes")}, status: 422, code: "invalid", fields: []string{"seal"}},
			{name: "update: invalid fields", as: "city.staff", method: "PUT", path: p(""),
				body: map[string]any{"version": 2, "fields": with(notice(""), "printed_date", "昨天")}, status: 422, code: "invalid", fields: []string{"title", "issuer_mark", "printed_date"}},
			{name: "update: another district", as: "daoli.staff", method: "PUT", path: p(""),
				body: map[string]any{"version": 2, "fields": notice(noticeTitle)}, status: 404, code: "not_found"},
			{name: "versions", as: "city.staff", method: "GET", path: p("/versions"), status: 200, has: []string{`"total":2`, `"edited_by":"刘洋（宣传部）"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					if v := items(t, r)[0]["version"]; v != 2.0 {
						t.Errorf("newest version first: %v", v)
					}
				}},
			{name: "versions: another district", as: "daoli.staff", method: "GET", path: p("/versions"), status: 404, code: "not_found"},

			// Reporting requirements.
			{name: "requirement: in the past", as: "city.staff", method: "POST", path: p("/requirements"),
				body: with(requirement(clk.now()), "due_date", "2015-08-31"), status: 422, code: "invalid", fields: []string{"due_date"}},
			{name: "requirement: empty", as: "city.staff", method: "POST", path: p("/requirements"), body: map[string]any{},
				status: 422, code: "invalid", fields: []string{"title", "department", "due_date"}},
			{name: "requirement: duplicate field keys", as: "city.staff", method: "POST", path: p("/requirements"),
				body:   with(requirement(clk.now()), "fields", []map[string]string{{"key": "n", "label": "场次"}, {"key": "n", "label": "人数"}}),
				status: 422, code: "invalid", fields: []string{"fields"}},
			{name: "requirement: NUL", as: "city.staff", method: "POST", path: p("/requirements"),
				body: with(requirement(clk.now()), "department", "宣传部\u0000"), status: 422, code: "invalid", fields: []string{"department"}},
			{name: "requirement: another district", as: "daoli.staff", method: "POST", path: p("/requirements"), body: requirement(clk.now()),
				status: 404, code: "not_found"},
			{name: "requirement", as: "city.staff", method: "POST", path: p("/requirements"), body: requirement(clk.now()), status: 201,
				has: []string{`"title":"学习贯彻情况"`, `"department":"市妇联宣传部"`, `"key":"sessions"`}},
			{name: "requirement: a second one", as: "city.staff", method: "POST", path: p("/requirements"), body: with(requirement(clk.now()), "title", "多余的要求"),
				status: 201},
			{name: "requirements", as: "city.staff", method: "GET", path: p("/requirements"), status: 200, has: []string{`"total":2`, "学习贯彻情况"}},
		})
		extra := f.count(`SELECT MAX(id) FROM requirements`)
		first := f.count(`SELECT MIN(id) FROM requirements WHERE doc_id = ?`, id)
		otherDoc := f.count(`SELECT COUNT(*) FROM documents`) + 1000
		f.runDocs(t, []scenario{
			{name: "requirement: remove under the wrong document", as: "city.staff", method: "DELETE", path: "/api/v1/docs/" + itoa(int64(otherDoc)) + "/requirements/" + itoa(int64(extra)),
				status: 404, code: "not_found"},
			{name: "requirement: a district may not remove", as: "daoli.leader", method: "DELETE", path: p("/requirements/" + itoa(int64(extra))),
				status: 404, code: "not_found"},
			{name: "requirement: remove", as: "city.staff", method: "DELETE", path: p("/requirements/" + itoa(int64(extra))), status: 204,
				check: counted(1, `SELECT COUNT(*) FROM requirements WHERE doc_id = ?`, id)},
			{name: "requirement: remove again", as: "city.staff", method: "DELETE", path: p("/requirements/" + itoa(int64(extra))), status: 404, code: "not_found"},
			{name: "requirement: show", as: "city.staff", method: "GET", path: p("/requirements/" + itoa(int64(first))), status: 200, has: []string{"学习贯彻情况", `"due_at":"`}},
		})

		// Attachments.
		big := bytes.Repeat([]byte("a"), 20<<20+1)
		f.runUploads(t, []uploadCase{
			{name: "attach", as: "city.staff", path: p("/files"), field: "file", file: "学习资料.pdf", data: pdfBytes, status: 201},
			{name: "attach: a program", as: "city.staff", path: p("/files"), field: "file", file: "setup.exe", data: []byte("MZ\x90\x00"), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "attach: a PDF that is not one", as: "city.staff", path: p("/files"), field: "file", file: "假文件.pdf", data: []byte("<html>not a pdf</html>"), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "attach: over 20 MiB", as: "city.staff", path: p("/files"), field: "file", file: "big.txt", data: big, status: 422, code: "invalid", fields: []string{"file"}},
			{name: "attach: empty", as: "city.staff", path: p("/files"), field: "file", file: "empty.txt", data: nil, status: 422, code: "invalid", fields: []string{"file"}},
			{name: "attach: no file part", as: "city.staff", path: p("/files"), status: 422, code: "invalid", fields: []string{"file"}},
			{name: "attach: not multipart", as: "city.staff", path: p("/files"), ctype: "application/json", data: []byte(`{"file":"x"}`), status: 415, code: "unsupported_media_type"},
			{name: "attach: broken multipart", as: "city.staff", path: p("/files"), ctype: "multipart/form-data; boundary=xyz", data: []byte("--xyz\r\nbroken"), status: 400, code: "invalid_multipart"},
			{name: "attach: another district", as: "daoli.staff", path: p("/files"), field: "file", file: "a.pdf", data: pdfBytes, status: 404, code: "not_found"},
		})
		t.Run("attach: far over the request limit", func(t *testing.T) {
			before := f.docState()
			r := upload(t, f, "city.staff", p("/files"), "file", "huge.txt", bytes.Repeat([]byte("a"), 30<<20))
			switch r.Status {
			case 413:
				expect(t, r, 413, "too_large")
			case 422:
				expect(t, r, 422, "invalid", "file")
			default:
				t.Fatalf("status %d: %.300s", r.Status, r.Body)
			}
			if f.docState() != before {
				t.Error("refused upload changed documents")
			}
		})
		fid := itoa(int64(f.count(`SELECT MAX(file_id) FROM document_files`)))
		f.runDocs(t, []scenario{
			{name: "files", as: "city.staff", method: "GET", path: p("/files"), status: 200, has: []string{`"total":1`, "学习资料.pdf", `"content_type":"application/pdf"`}},
			{name: "file", as: "city.staff", method: "GET", path: p("/files/" + fid), status: 200, check: func(t *testing.T, f *fixture, r testapp.Response) {
				if r.Body != string(pdfBytes) || r.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
					t.Errorf("download: %q %v", r.Body, r.Header)
				}
			}},
			{name: "file: another district", as: "daoli.staff", method: "GET", path: p("/files/" + fid), status: 404, code: "not_found"},
			{name: "file: unknown", as: "city.staff", method: "GET", path: p("/files/999999"), status: 404, code: "not_found"},

			// The workflow, with its refusals.
			{name: "issue an unsigned draft", as: "city.staff", method: "POST", path: p("/issue"), status: 409, code: "wrong_status"},
			{name: "sign an unreviewed draft", as: "city.leader", method: "POST", path: p("/sign"), body: map[string]string{"opinion": "同意"}, status: 409, code: "wrong_status"},
			{name: "review a draft not submitted", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"pass": true}, status: 409, code: "wrong_status"},
			{name: "submit: a district", as: "daoli.staff", method: "POST", path: p("/submit"), status: 404, code: "not_found"},
			{name: "submit: unknown field", as: "city.staff", method: "POST", path: p("/submit"), body: map[string]any{"now": true}, status: 400, code: "invalid_json"},
			{name: "submit", as: "city.staff", method: "POST", path: p("/submit"), status: 200, has: []string{`"status":"reviewing"`, `"status_label":"待审核"`, `"editable":false`}},
			{name: "submit again", as: "city.staff", method: "POST", path: p("/submit"), body: map[string]any{}, status: 409, code: "wrong_status"},
			{name: "update while in review", as: "city.staff", method: "PUT", path: p(""), body: map[string]any{"version": 2, "fields": notice(noticeTitle)},
				status: 409, code: "wrong_status"},
			{name: "review one's own draft", as: "city.staff", method: "POST", path: p("/review"), body: map[string]any{"pass": true}, status: 403, code: "same_person"},
			{name: "review: pass missing", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"note": "好"}, status: 422, code: "invalid", fields: []string{"pass"}},
			{name: "review: pass of the wrong type", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"pass": "yes"}, status: 422, code: "invalid", fields: []string{"pass"}},
			{name: "review: a district", as: "daoli.leader", method: "POST", path: p("/review"), body: map[string]any{"pass": true}, status: 404, code: "not_found"},
			{name: "review: return without a reason", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"pass": false}, status: 422, code: "invalid", fields: []string{"note"}},
			{name: "review: return", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"pass": false, "note": "请核对主送机关"}, status: 200,
				has: []string{`"status":"returned"`, `"review_note":"请核对主送机关"`, `"reviewer":"赵敏（办公室）"`, `"editable":true`}},
			{name: "resubmit", as: "city.staff", method: "POST", path: p("/submit"), status: 200, has: []string{`"status":"reviewing"`}},
			{name: "review: pass", as: "city.reviewer", method: "POST", path: p("/review"), body: map[string]any{"pass": true, "note": "文字已核"}, status: 200,
				has: []string{`"status":"reviewed"`, `"status_label":"待签发"`, `"review_note":"文字已核"`}},
			{name: "sign: staff may not", as: "city.staff", method: "POST", path: p("/sign"), body: map[string]string{"opinion": "同意"}, status: 403, code: "forbidden"},
			{name: "sign: a district leader", as: "daoli.leader", method: "POST", path: p("/sign"), body: map[string]string{"opinion": "同意"}, status: 404, code: "not_found"},
			{name: "withdraw: without a reason", as: "city.leader", method: "POST", path: p("/withdraw"), body: map[string]string{"reason": " "}, status: 422, code: "invalid", fields: []string{"reason"}},
			{name: "sign: opinion of the wrong type", as: "city.leader", method: "POST", path: p("/sign"), body: map[string]any{"opinion": 1}, status: 422, code: "invalid", fields: []string{"opinion"}},
			{name: "sign", as: "city.leader", method: "POST", path: p("/sign"), body: map[string]string{"opinion": "同意印发"}, status: 200,
				has: []string{`"status":"signed"`, `"signer":"杨杰"`, `"sign_opinion":"同意印发"`, `"signers":["杨杰"]`, `"doc_date":"` + clk.now().In(shanghaiTZ).Format(time.DateOnly) + `"`}},
			{name: "sign twice", as: "city.leader", method: "POST", path: p("/sign"), body: map[string]string{"opinion": "同意"}, status: 409, code: "already_signed"},
			{name: "withdraw after signing", as: "city.leader", method: "POST", path: p("/withdraw"), body: map[string]string{"reason": "再议"}, status: 409, code: "wrong_status"},
			{name: "update a signed document", as: "city.staff", method: "PUT", path: p(""), body: map[string]any{"version": 2, "fields": notice(noticeTitle)},
				status: 409, code: "wrong_status"},
			{name: "issue: a district", as: "daoli.staff", method: "POST", path: p("/issue"), status: 404, code: "not_found"},
			{name: "issue", as: "city.staff", method: "POST", path: p("/issue"), status: 200,
				has: []string{`"status":"issued"`, `"status_label":"已印发"`, fmt.Sprintf(`"number":"哈妇发〔%d〕1号"`, year)},
				check: all(counted(18, `SELECT COUNT(*) FROM document_recipients WHERE doc_id = ?`, id),
					counted(18, `SELECT COUNT(*) FROM reports r JOIN requirements q ON q.id = r.requirement_id WHERE q.doc_id = ?`, id),
					counted(18, `SELECT COUNT(*) FROM notifications WHERE kind = 'doc.received' AND link = ?`, "/docs/"+id))},
			{name: "issue twice", as: "city.staff", method: "POST", path: p("/issue"), status: 409, code: "already_issued"},
			{name: "detach from an issued document", as: "city.staff", method: "DELETE", path: p("/files/" + fid), status: 409, code: "wrong_status"},
			{name: "requirement after issue", as: "city.staff", method: "POST", path: p("/requirements"), body: requirement(clk.now()), status: 409, code: "wrong_status"},

			// Receipts (签收).
			{name: "receipts", as: "city.staff", method: "GET", path: p("/receipts"), status: 200, has: []string{`"total":18`, `"signed":0`, nangang, `"kind_label":"主送"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					for _, it := range items(t, r) {
						if it["signed_at"] != nil || !strings.HasPrefix(it["org_code"].(string), "2301") {
							t.Errorf("receipt %v", it)
						}
					}
				}},
			{name: "received: the district sees it", as: "daoli.staff", method: "GET", path: p(""), status: 200,
				has: []string{`"my_receipt":{"org_code":"230102"`, `"signed_at":null`, `"requirement_title":"学习贯彻情况"`, `"state":"unsigned"`}},
			{name: "received: the district's list", as: "daoli.staff", method: "GET", path: "/api/v1/docs?box=received", status: 200,
				has: []string{noticeTitle, `"receipt":{"org_code":"230102"`}, hasNot: []string{nangang}},
			{name: "receive", as: "daoli.staff", method: "POST", path: p("/receipts"), status: 201, has: []string{`"org_code":"230102"`, `"signer":"陈静"`},
				check: counted(1, `SELECT COUNT(*) FROM document_recipients WHERE doc_id = ? AND signed_at IS NOT NULL`, id)},
			{name: "receive twice", as: "daoli.staff", method: "POST", path: p("/receipts"), status: 409, code: "already_received"},
			{name: "receive twice: the same unit's leader", as: "daoli.leader", method: "POST", path: p("/receipts"), status: 409, code: "already_received"},
			{name: "receive: the sender is not a recipient", as: "city.staff", method: "POST", path: p("/receipts"), status: 403, code: "not_recipient"},
			{name: "receive: a street below the district", as: "street.staff", method: "POST", path: p("/receipts"), status: 404, code: "not_found"},
			{name: "receive: an administrator", as: "admin", method: "POST", path: p("/receipts"), status: 403, code: "forbidden"},
			{name: "receipts: a district sees its own", as: "daoli.staff", method: "GET", path: p("/receipts"), status: 200,
				has: []string{`"total":1`, `"signed":1`}, hasNot: []string{nangang}},
			{name: "receipts: the sender sees who has", as: "city.staff", method: "GET", path: p("/receipts"), status: 200, has: []string{`"signed":1`, `"unsigned":17`}},
			{name: "issued box", as: "city.leader", method: "GET", path: "/api/v1/docs?box=issued", status: 200, has: []string{noticeTitle, fmt.Sprintf("哈妇发〔%d〕1号", year)}},
			{name: "work box: not once issued", as: "city.staff", method: "GET", path: "/api/v1/docs?box=work", status: 200, hasNot: []string{noticeTitle}},

			// A correction is a new document.
			// A recipient below the issuing unit is told why (writes follow the owner).
			{name: "correct: a recipient may not", as: "daoli.staff", method: "POST", path: p("/correct"), status: 403, code: "not_owner"},
			{name: "correct", as: "city.staff", method: "POST", path: p("/correct"), status: 201,
				has:   []string{`"status":"draft"`, `"corrects_id":` + id, `"number":""`, "关于更正《" + noticeTitle + "》的通知"},
				check: counted(1, `SELECT COUNT(*) FROM documents WHERE corrects_id = ?`, id)},
		})
		t.Run("no route", func(t *testing.T) {
			expect(t, f.as("city.staff").Do("POST", p("/publish"), nil), 404, "no_route")
			expect(t, f.as("city.staff").Do("GET", p("/issue"), nil), 405, "method_not_allowed")
		})
		t.Run("denials are audited", func(t *testing.T) {
			if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND username = 'city.staff'`); n < 1 {
				t.Errorf("%d denials of city.staff audited", n)
			}
		})
		t.Run("pdf", func(t *testing.T) {
			t.Run("no chromium", func(t *testing.T) {
				// A server without a browser: the process's printer points nowhere.
				saved := f.app.Server.Deps.Printer.Chromium
				f.app.Server.Deps.Printer.Chromium = "/nonexistent/chromium"
				defer func() { f.app.Server.Deps.Printer.Chromium = saved }()
				r := f.as("city.staff").Do("GET", p("/pdf"), nil)
				expect(t, r, 503, "pdf_unavailable")
			})
			expect(t, f.as("daoli.staff").Do("GET", "/api/v1/docs/999999/pdf", nil), 404, "not_found")
			// The layout is docprint's to test; here the endpoint serves one.
			if _, err := f.app.Server.Deps.Printer.ChromiumPath(); err != nil {
				if testdb.Required() {
					t.Fatal("no chromium: run the suite with `make test`")
				}
				t.Skip("no chromium")
			}
			r := f.as("daoli.staff").Do("GET", p("/pdf"), nil)
			if r.Status != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF-") {
				t.Fatalf("pdf: %d %v %.200q", r.Status, r.Header, r.Body)
			}
			if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, ".pdf") {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	})
}
