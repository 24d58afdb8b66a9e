package api_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/testapp"
)

// TestCasesAPI: a 12338 call through /api/v1/cases — bad input refused
// field by field, the case in full for its handler and as a line for the
// district, a referral without consent refused, the glass broken with a
// reason, the case closed; a sibling district and an administrator see
// nothing.
func TestCasesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		body := map[string]any{"channel": "hotline", "category": "dv", "narrative": "丈夫酒后殴打，掐过脖子", "take": true,
			"phone": "13900001234", "parties": []map[string]any{{"role": "complainant", "name": "刘某华"}}}
		r := f.as("village.staff").Do("POST", "/api/v1/cases", body)
		expect(t, r, http.StatusCreated, "")
		c := r.JSON(t)["case"].(map[string]any)
		id := itoa(int64(c["id"].(float64)))
		base := "/api/v1/cases/" + id
		huge := map[string]any{"channel": "hotline", "category": "dv", "narrative": strings.Repeat("字", 5001)}
		f.run(t, []scenario{
			{name: "anonymous", method: "GET", path: "/api/v1/cases", status: 401, code: "unauthenticated"},
			{name: "admin refused", as: "admin", method: "GET", path: base, status: 403, code: "forbidden"},
			{name: "a narrative too long", as: "village.staff", method: "POST", path: "/api/v1/cases", body: huge, status: 422, code: "invalid", fields: []string{"narrative"}},
			{name: "no category", as: "village.staff", method: "POST", path: "/api/v1/cases", body: map[string]any{"channel": "letter", "narrative": "来信"},
				status: 422, code: "invalid", fields: []string{"category"}},
			{name: "in full for the handler", as: "village.staff", method: "GET", path: base, status: 200,
				has: []string{`"sight":"full"`, "掐过脖子", "刘某华", "13900001234"}},
			{name: "a line for the district", as: "daoli.leader", method: "GET", path: base, status: 200,
				has: []string{`"sight":"line"`, `"category_label":"家庭暴力"`}, hasNot: []string{"掐过", "刘某华", "1390000"}},
			{name: "the list has no names", as: "city.leader", method: "GET", path: "/api/v1/cases?box=", status: 200,
				has: []string{`"total":1`}, hasNot: []string{"掐过", "刘某华"}},
			{name: "sibling district", as: "nangang.leader", method: "GET", path: base, status: 404, code: "not_found"},
			{name: "the district may not act", as: "daoli.leader", method: "POST", path: base + "/note", body: map[string]any{"kind": "note", "note": "越级"},
				status: 403, code: "forbidden"},
			{name: "refer without consent", as: "village.staff", method: "POST", path: base + "/refer", body: map[string]any{"agency": "police"},
				status: 409, code: "no_consent", fields: []string{"agency"}},
			{name: "consent", as: "village.staff", method: "POST", path: base + "/consent", body: map[string]any{"services": true, "refer": []string{"police"}}, status: 204},
			{name: "refer", as: "village.staff", method: "POST", path: base + "/refer", body: map[string]any{"agency": "police"}, status: 201, has: []string{`"id"`}},
			{name: "assess", as: "village.staff", method: "POST", path: base + "/assess", body: map[string]any{"items": []string{"weapon"}}, status: 200,
				has: []string{`"risk":"high"`}},
			{name: "close with a referral open", as: "village.staff", method: "POST", path: base + "/close",
				body: map[string]any{"outcome": "resolved", "satisfaction": "satisfied"}, status: 409, code: "open_referrals", fields: []string{"outcome"}},
			{name: "a glass without a reason", as: "daoli.leader", method: "POST", path: base + "/break-glass", body: map[string]any{"reason": ""},
				status: 422, code: "invalid", fields: []string{"reason"}},
			{name: "break the glass", as: "daoli.leader", method: "POST", path: base + "/break-glass", body: map[string]any{"reason": "督办高危家暴案件"}, status: 204},
			{name: "in full through the glass", as: "daoli.leader", method: "GET", path: base, status: 200, has: []string{`"glass":true`, "掐过脖子"},
				check: func(t *testing.T, f *fixture, _ testapp.Response) {
					if n := f.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'case.glass_read'`); n != 1 {
						t.Fatalf("%d audited reads through the glass", n)
					}
				}},
		})
	})
}

// TestCaseStatsAPI: the statistics through /api/v1/cases/stats count the
// case at the district and the city and nowhere else.
func TestCaseStatsAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		r := f.as("village.staff").Do("POST", "/api/v1/cases", map[string]any{"channel": "letter", "category": "labour.maternity", "narrative": "来信"})
		expect(t, r, http.StatusCreated, "")
		f.run(t, []scenario{
			{name: "the city", as: "city.leader", method: "GET", path: "/api/v1/cases/stats", status: 200,
				has: []string{`"total":1`, `"label":"劳动和社会保障权益","n":1`, `"label":"来信","n":1`}},
			{name: "another district", as: "nangang.leader", method: "GET", path: "/api/v1/cases/stats", status: 200, has: []string{`"total":0`}},
			{name: "another district's unit", as: "nangang.leader", method: "GET", path: "/api/v1/cases/stats?under=230102", status: 404, code: "not_found"},
			{name: "a bad year", as: "city.leader", method: "GET", path: "/api/v1/cases/stats?year=abc", status: 422, code: "invalid", fields: []string{"year"}},
		})
	})
}

// TestCaseFilesAPI: a phone photo uploaded through the API comes back
// without its GPS or camera, listed in the case with a URL; a file that
// is not a photo is refused beside "files"; the district (a line) is
// refused it and a sibling does not find it; remove-file wants a reason.
func TestCaseFilesAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		r := f.as("village.staff").Do("POST", "/api/v1/cases", map[string]any{"channel": "walkin", "category": "dv", "narrative": "来访，手臂有淤青", "take": true})
		expect(t, r, http.StatusCreated, "")
		base := "/api/v1/cases/" + itoa(int64(r.JSON(t)["case"].(map[string]any)["id"].(float64)))
		photo, err := os.ReadFile("../files/testdata/photos/phone-gps.jpg")
		if err != nil {
			t.Fatal(err)
		}
		expect(t, upload(t, f, "village.staff", base+"/files", "files", "伤情.jpg", []byte("\xFF\xD8\xFF\xE0 broken")), 422, "invalid", "files")
		r = upload(t, f, "village.staff", base+"/files", "files", "伤情.jpg", photo)
		expect(t, r, http.StatusCreated, "")
		list := r.JSON(t)["files"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["photo"] != true {
			t.Fatalf("files after the upload: %v", list)
		}
		url := list[0].(map[string]any)["url"].(string)
		fid := url[strings.LastIndex(url, "/")+1:]
		f.run(t, []scenario{
			{name: "in the case", as: "village.staff", method: "GET", path: base, status: 200, has: []string{`"files":[`, "伤情.jpg", url}},
			{name: "the photo, scrubbed", as: "village.staff", method: "GET", path: url, status: 200, hasNot: []string{"HUAWEI", "HS123456", "2026:11:30"},
				check: func(t *testing.T, _ *fixture, r testapp.Response) {
					if !strings.HasPrefix(r.Body, "\xFF\xD8") || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
						t.Fatalf("served as %v", r.Header)
					}
				}},
			{name: "a line above is refused", as: "daoli.leader", method: "GET", path: url, status: 403, code: "forbidden"},
			{name: "a sibling finds nothing", as: "nangang.leader", method: "GET", path: url, status: 404, code: "not_found"},
			{name: "no case's name in the line", as: "daoli.leader", method: "GET", path: base, status: 200, hasNot: []string{"伤情.jpg", `"files"`}},
			{name: "removal wants a reason", as: "village.staff", method: "POST", path: base + "/remove-file", body: map[string]any{"file": atoi(t, fid)},
				status: 422, code: "invalid", fields: []string{"reason"}},
			{name: "removed", as: "village.staff", method: "POST", path: base + "/remove-file", body: map[string]any{"file": atoi(t, fid), "reason": "传错了"}, status: 204},
			{name: "no longer served", as: "village.staff", method: "GET", path: url, status: 404, code: "not_found"},
		})
	})
}

func atoi(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
