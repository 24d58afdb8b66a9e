package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"halfsky/internal/testapp"
)

func problemBody(found, due string) map[string]any {
	return map[string]any{"category": "organ", "source": "public", "description": "街道妇联办公室坐班多、入户少，群众反映找不到人",
		"measures": "建立干部包片联系社区制度", "responsible": "王丽华", "mode": "deadline",
		"plan": "11月建立包片台账，12月起每月通报入户情况", "found_on": found, "due_on": due}
}

func day(n int) string {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Now().In(loc).AddDate(0, 0, n).Format("2006-01-02")
}

// TestProblemsAPI: the scenario through /api/v1/problems — a
// district records a problem, applies to close it, the city returns it,
// then closes it — with the bad input and refusals on the way, each
// leaving the item as it was.
func TestProblemsAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		r := f.as("daoli.staff").Do("POST", "/api/v1/problems", problemBody(day(0), day(30)))
		expect(t, r, http.StatusCreated, "")
		p := r.JSON(t)["problem"].(map[string]any)
		id := itoa(int64(p["id"].(float64)))
		base := "/api/v1/problems/" + id
		status := func(want string) func(*testing.T, *fixture, testapp.Response) {
			return func(t *testing.T, f *fixture, _ testapp.Response) {
				if n := f.count(`SELECT COUNT(*) FROM problems WHERE id = ? AND status = ?`, id, want); n != 1 {
					t.Fatalf("status is not %s", want)
				}
			}
		}
		early := problemBody(day(0), day(-1))
		noPlan := problemBody(day(0), day(30))
		noPlan["plan"] = ""
		ongoing := problemBody(day(0), "")
		ongoing["mode"] = "ongoing"
		f.run(t, []scenario{
			{name: "anonymous", method: "GET", path: "/api/v1/problems", status: 401, code: "unauthenticated"},
			{name: "admin refused", as: "admin", method: "GET", path: "/api/v1/problems", status: 403, code: "forbidden"},
			{name: "due before found", as: "daoli.staff", method: "POST", path: "/api/v1/problems", body: early, status: 422, code: "invalid", fields: []string{"due_on"}},
			{name: "deadline without plan", as: "daoli.staff", method: "POST", path: "/api/v1/problems", body: noPlan, status: 422, code: "invalid", fields: []string{"plan"}},
			{name: "ongoing without reviews", as: "daoli.staff", method: "POST", path: "/api/v1/problems", body: ongoing, status: 422, code: "invalid", fields: []string{"reviews"},
				check: func(t *testing.T, f *fixture, _ testapp.Response) {
					if n := f.count(`SELECT COUNT(*) FROM problems`); n != 1 {
						t.Fatalf("%d problems", n)
					}
				}},
			{name: "list", as: "city.staff", method: "GET", path: "/api/v1/problems?colour=green", status: 200, has: []string{`"total":1`, `"category_label":"机关化"`}},
			{name: "other district", as: "nangang.leader", method: "GET", path: base, status: 404, code: "not_found"},
			{name: "other district list", as: "nangang.leader", method: "GET", path: "/api/v1/problems", status: 200, has: []string{`"total":0`}},
			{name: "progress", as: "daoli.staff", method: "POST", path: base + "/progress", body: map[string]any{"note": "已建立包片台账"}, status: 204},
			{name: "bad evidence", as: "daoli.staff", method: "GET", path: base, status: 200, check: func(t *testing.T, f *fixture, _ testapp.Response) {
				expect(t, uploadEvidence(t, f, base, "x.exe", "MZ\x90\x00"), 422, "", "files")
				expect(t, uploadEvidence(t, f, base, "台账.png", "\x89PNG\r\n\x1a\n0000000000000000"), 204, "")
				if n := f.count(`SELECT COUNT(*) FROM problem_files`); n != 1 {
					t.Fatalf("%d evidence files", n)
				}
			}},
			{name: "update", as: "daoli.staff", method: "PUT", path: base, body: problemBody(day(0), day(40)), status: 200, has: []string{`"due_on":"` + day(40) + `"`}},
			{name: "close before apply", as: "city.staff", method: "POST", path: base + "/close", body: map[string]any{}, status: 409, code: "not_applied"},
			{name: "apply without note", as: "daoli.staff", method: "POST", path: base + "/apply", body: map[string]any{"note": ""}, status: 422, fields: []string{"note"}, check: status("open")},
			{name: "apply", as: "daoli.staff", method: "POST", path: base + "/apply", body: map[string]any{"note": "已完成"}, status: 204, check: status("applied")},
			{name: "own close", as: "daoli.leader", method: "POST", path: base + "/close", body: map[string]any{}, status: 403, code: "own_problem", check: status("applied")},
			{name: "queue", as: "city.staff", method: "GET", path: "/api/v1/problems?verify=1", status: 200, has: []string{`"total":1`, `"status":"applied"`}},
			{name: "return without reason", as: "city.staff", method: "POST", path: base + "/return", body: map[string]any{"reason": ""}, status: 422, fields: []string{"reason"}, check: status("applied")},
			{name: "return", as: "city.staff", method: "POST", path: base + "/return", body: map[string]any{"reason": "缺少入户记录佐证"}, status: 204, check: status("returned")},
			{name: "apply again", as: "daoli.staff", method: "POST", path: base + "/apply", body: map[string]any{"note": "已补充"}, status: 204, check: status("applied")},
			{name: "close", as: "city.staff", method: "POST", path: base + "/close", body: map[string]any{"note": "同意销号"}, status: 204, check: status("closed")},
			{name: "show", as: "daoli.staff", method: "GET", path: base, status: 200,
				has: []string{`"status":"closed"`, `"colour":""`, `"kind":"return"`, `"note":"缺少入户记录佐证"`, `"kind":"close"`}},
			{name: "stats", as: "city.staff", method: "GET", path: "/api/v1/problems/stats", status: 200, has: []string{`"org_code":"230102"`, `"totals":[1,0,0,1,`}},
			{name: "evidence", as: "daoli.staff", method: "GET", path: base, status: 200, has: []string{`"name":"台账.png"`},
				check: func(t *testing.T, f *fixture, r testapp.Response) {
					m := r.JSON(t)["timeline"].([]any)[1].(map[string]any)["files"].([]any)[0].(map[string]any)
					file := base + "/files/" + itoa(int64(m["id"].(float64)))
					if g := f.as("city.staff").Do("GET", file, nil); g.Status != 200 || !strings.HasPrefix(g.Body, "\x89PNG") {
						t.Fatalf("city fetching evidence: %d", g.Status)
					}
					expect(t, f.as("nangang.leader").Do("GET", file, nil), 404, "not_found")
				}},
			{name: "stats out of scope", as: "nangang.leader", method: "GET", path: "/api/v1/problems/stats?under=230102", status: 404},
		})
	})
}

// uploadEvidence posts a progress update with one file as daoli.staff.
func uploadEvidence(t *testing.T, f *fixture, base, name, data string) testapp.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("note", "补充佐证材料")
	fw, _ := mw.CreateFormFile("files", name)
	fw.Write([]byte(data))
	mw.Close()
	return raw(t, f, f.as("daoli.staff"), "POST", base+"/progress", body.String(),
		map[string]string{"Content-Type": mw.FormDataContentType(), "Sec-Fetch-Site": "same-origin"})
}
