package publicweb_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestHelpForm: the form a woman fills — the lists from the tree and the
// categories, the place picker's steps without script, her input kept
// with a message beside each field it lacks, markup she typed shown as
// text, sizes refused with a clear message, and her code once it is sent.
func TestHelpForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		dr := newDoor(t, d, defaults())

		r := dr.do("GET", "/help", "", nil)
		if r.status != 200 || !strings.Contains(r.body, `<optgroup label="婚姻家庭纠纷">`) || !strings.Contains(r.body, `<option value="230102">道里区</option>`) {
			i := strings.Index(r.body, "<main")
			t.Fatalf("the form: %d %.2500s", r.status, r.body[i:])
		}
		if strings.Count(r.body, `<option value="2301`) != 18 {
			t.Errorf("the form lists %d districts, want Harbin's 18", strings.Count(r.body, `<option value="2301`))
		}
		for _, want := range []string{`href="tel:12338"`, `href="tel:110"`, `id="quick-exit" href="/n"`, `name="consent" type="checkbox" value="1" required`, "请不要给我打电话，我会上网查看"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
		if strings.Contains(r.body, "captcha") {
			t.Error("a CAPTCHA is asked before any limit is reached")
		}

		// Without script: a district chosen, the step lists its streets
		// and keeps what she typed.
		r = dr.do("POST", "/help", "", helpForm("step", "place", "street", "", "text", "经过<b>很长</b>"))
		if r.status != 200 || !strings.Contains(r.body, `<option value="230102001">`) || !strings.Contains(r.body, "经过&lt;b&gt;很长&lt;/b&gt;") {
			t.Fatalf("the place step: %d %.300s", r.status, r.body)
		}
		if len(dr.rights.reqs) != 0 {
			t.Fatal("a step of the picker was sent as a request")
		}
		// A street not in the chosen district is dropped, not sent.
		r = dr.do("POST", "/help", "", helpForm("step", "place", "district", "230103"))
		if strings.Contains(r.body, `<option value="230102001" selected`) {
			t.Error("a street of another district stays chosen")
		}

		// Nothing filled: 422, each message beside its field.
		r = dr.do("POST", "/help", "", helpForm("category", "", "text", "  <script>alert(1)</script>", "district", "", "street", "", "consent", ""))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("an empty form: %d", r.status)
		}
		for id, want := range map[string]string{"category": "请选择遇到了什么事", "district": "请选择您所在的区县", "consent": "请勾选同意后再提交"} {
			if got := fieldError(r.body, id); got != want {
				t.Errorf("beside %s: %q, want %q", id, got, want)
			}
		}
		if strings.Contains(r.body, "<script>alert") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("the text she typed is not kept as text")
		}

		// Too long: refused beside the field; too large: refused whole.
		r = dr.do("POST", "/help", "", helpForm("text", strings.Repeat("字", 5001)))
		if r.status != 422 || fieldError(r.body, "text") != "请把经过写在 5000 字以内" {
			t.Errorf("5001 characters: %d %q", r.status, fieldError(r.body, "text"))
		}
		r = dr.do("POST", "/help", "", helpForm("text", strings.Repeat("a", 70<<10)))
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "5000 字以内") {
			t.Errorf("70 KB: %d %.200s", r.status, r.body)
		}
		// A place outside the tree's division units.
		r = dr.do("POST", "/help", "", helpForm("district", "230102", "street", "230102001", "community", "999999999999"))
		if r.status != 200 {
			t.Errorf("an unknown community is dropped from the form and the street sent: %d", r.status)
		}
		if len(dr.rights.reqs) != 1 {
			t.Fatalf("%d requests recorded", len(dr.rights.reqs))
		}
		code := codeShown.FindStringSubmatch(r.body)
		if code != nil {
			code[1] = strings.ReplaceAll(code[1], "-", "") // shown in groups of four
		}
		if code == nil || dr.rights.reqs[code[1]].OrgCode != "230102001" || dr.rights.ips[0] != "192.0.2.1" {
			t.Fatalf("the code page: %.400s; recorded %+v from %v", r.body, dr.rights.reqs, dr.rights.ips)
		}
		req := dr.rights.reqs[code[1]]
		if req.Category != "divorce" || req.Phone != "13800000000" || !req.Consent || req.NoCall {
			t.Errorf("recorded %+v", req)
		}
		for _, want := range []string{"接下来会怎样", `value="HK00-0000-01Q"`, `href="tel:12338"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the code page lacks %s", want)
			}
		}

		// Her status by code: the status and the next step, nothing of hers.
		r = dr.do("POST", "/help/status", "", url.Values{"code": {code[1]}})
		if r.status != 200 || !strings.Contains(r.body, `id="status-label">已受理<`) || !strings.Contains(r.body, "1 个工作日内联系您") {
			t.Fatalf("the status: %d %.500s", r.status, r.body)
		}
		for _, private := range []string{"13800000000", "锁在门外", "道里", "兆麟", "中午"} {
			if strings.Contains(r.body, private) {
				t.Errorf("the status page shows %q", private)
			}
		}
	})
}

// TestLookupSameAnswer: a wrong code, a malformed one and an empty one
// say nothing about which codes exist; the JSON API the same.
func TestLookupSameAnswer(t *testing.T) {
	dr := newDoor(t, testdb.SQLite(t), defaults())
	wrong := dr.do("POST", "/help/status", "", url.Values{"code": {"HK99999999Q"}})
	malformed := dr.do("POST", "/help/status", "", url.Values{"code": {"<'; DROP"}})
	if wrong.status != 404 || malformed.status != 404 || fieldError(wrong.body, "code") != fieldError(malformed.body, "code") || fieldError(wrong.body, "code") == "" {
		t.Errorf("wrong %d %q, malformed %d %q", wrong.status, fieldError(wrong.body, "code"), malformed.status, fieldError(malformed.body, "code"))
	}
	a, b := dr.do("GET", "/api/public/v1/help/HK99999999Q", "", nil), dr.do("GET", "/api/public/v1/help/%3Cx%3E", "", nil)
	if a.status != 404 || a.body != b.body || b.status != 404 {
		t.Errorf("API: wrong %d %s, malformed %d %s", a.status, a.body, b.status, b.body)
	}
	if e := a.json(t)["error"].(map[string]any); e["code"] != "not_found" {
		t.Errorf("API error %v", e)
	}
	if r := dr.do("POST", "/help/status", "", url.Values{"code": {""}}); r.status != 422 || fieldError(r.body, "code") != "请输入查询编号" {
		t.Errorf("no code: %d %q", r.status, fieldError(r.body, "code"))
	}
}
