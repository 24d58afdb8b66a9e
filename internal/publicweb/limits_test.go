package publicweb_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"halfsky/internal/config"
	"halfsky/internal/testdb"
)

func apiHelp(extra ...any) map[string]any {
	b := map[string]any{"category": "dv", "text": "他打我", "org_code": "230102001", "phone": "", "contact_time": "", "no_call": true, "consent": true}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

// TestSubmitLimit: past the submissions one address may send in an hour
// the API answers 429 with Retry-After and a CAPTCHA, which answered lets
// the request through; the page asks the CAPTCHA on the form and keeps
// what she typed; another address is not affected; an hour later the
// allowance is back. Refused attempts count too, ten times as many.
func TestSubmitLimit(t *testing.T) {
	dr := newDoor(t, testdb.SQLite(t), config.PublicLimits{SubmitsPerHour: 2, LookupsPerHour: 10, CodeLookupsPerHour: 20})
	const ip = "198.51.100.7"
	for i := range 2 {
		if r := dr.do("POST", "/api/public/v1/help", ip, apiHelp()); r.status != 201 || !strings.Contains(r.body, `"code":"HK`) {
			t.Fatalf("submission %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := dr.do("POST", "/api/public/v1/help", ip, apiHelp())
	secs, _ := strconv.Atoi(r.header.Get("Retry-After"))
	if r.status != 429 || secs < 1 || secs > 3600 {
		t.Fatalf("the third submission: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	body := r.json(t)
	e := body["error"].(map[string]any)
	ch := body["captcha"].(map[string]any)
	if e["code"] != "rate_limited" || !strings.Contains(e["message"].(string), "验证码") || ch["image"] != "/captcha/"+ch["id"].(string)+".png" {
		t.Fatalf("429 body %s", r.body)
	}
	if img := dr.do("GET", ch["image"].(string), "", nil); img.status != 200 || img.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(img.body, "\x89PNG") {
		t.Fatalf("the CAPTCHA image: %d %s", img.status, img.header.Get("Content-Type"))
	}
	// A wrong answer: asked again, with a new CAPTCHA; the old one is spent.
	id := ch["id"].(string)
	answer := dr.door.CaptchaAnswer(id)
	wrong := "000000"
	if answer == wrong {
		wrong = "111111"
	}
	if r := dr.do("POST", "/api/public/v1/help", ip, apiHelp("captcha_id", id, "captcha_answer", wrong)); r.status != 429 {
		t.Fatalf("a wrong answer: %d %s", r.status, r.body)
	}
	if r := dr.do("POST", "/api/public/v1/help", ip, apiHelp("captcha_id", id, "captcha_answer", answer)); r.status != 429 {
		t.Fatalf("a spent CAPTCHA answered right: %d %s", r.status, r.body)
	}
	r = dr.do("POST", "/api/public/v1/help", ip, apiHelp())
	id = r.json(t)["captcha"].(map[string]any)["id"].(string)
	// Full-width digits with spaces, as an input method may type them.
	fw := strings.Map(func(c rune) rune { return c - '0' + '０' }, dr.door.CaptchaAnswer(id))
	if r := dr.do("POST", "/api/public/v1/help", ip, apiHelp("captcha_id", id, "captcha_answer", " "+fw+" ")); r.status != 201 {
		t.Fatalf("the right answer: %d %s", r.status, r.body)
	}
	// Another address is not asked.
	if r := dr.do("POST", "/api/public/v1/help", "198.51.100.8", apiHelp()); r.status != 201 {
		t.Fatalf("another address: %d %s", r.status, r.body)
	}

	// The page: the form asks the CAPTCHA before she writes; a submission
	// without it comes back with her text and a message.
	page := dr.do("GET", "/help", ip, nil)
	if !captchaID.MatchString(page.body) || !strings.Contains(page.body, `<img src="/captcha/`) {
		t.Fatalf("the form past the limit asks no CAPTCHA: %.300s", page.body)
	}
	r = dr.do("POST", "/help", ip, helpForm("text", "第二次来"))
	if r.status != 429 || !strings.Contains(r.body, "请输入图中的数字") || !strings.Contains(r.body, "第二次来") {
		t.Fatalf("no CAPTCHA: %d %.300s", r.status, r.body)
	}
	id = captchaID.FindStringSubmatch(r.body)[1]
	r = dr.do("POST", "/help", ip, helpForm("captcha_id", id, "captcha_answer", "x"))
	if r.status != 429 || fieldError(r.body, "captcha") == "" {
		t.Fatalf("a wrong CAPTCHA: %d, beside it %q", r.status, fieldError(r.body, "captcha"))
	}
	id = captchaID.FindStringSubmatch(r.body)[1]
	if r := dr.do("POST", "/help", ip, helpForm("captcha_id", id, "captcha_answer", dr.door.CaptchaAnswer(id))); r.status != 200 || !codeShown.MatchString(r.body) {
		t.Fatalf("the right CAPTCHA: %d %.300s", r.status, r.body)
	}

	// An hour on, the allowance is whole again.
	dr.clock.add(time.Hour)
	if r := dr.do("POST", "/api/public/v1/help", ip, apiHelp()); r.status != 201 {
		t.Fatalf("an hour later: %d %s", r.status, r.body)
	}

	// Refused attempts: 20 (ten times the limit) from one address, then
	// even a good request is asked the CAPTCHA.
	const noisy = "198.51.100.9"
	for range 20 {
		if r := dr.do("POST", "/api/public/v1/help", noisy, apiHelp("consent", false)); r.status != 422 {
			t.Fatalf("a refused attempt: %d %s", r.status, r.body)
		}
	}
	if r := dr.do("POST", "/api/public/v1/help", noisy, apiHelp()); r.status != 429 {
		t.Fatalf("after 20 refused attempts: %d %s", r.status, r.body)
	}
}

// TestLookupLimit: wrong codes from one address, and lookups of one code
// from anywhere, are limited; past either a CAPTCHA is asked.
func TestLookupLimit(t *testing.T) {
	dr := newDoor(t, testdb.SQLite(t), config.PublicLimits{SubmitsPerHour: 3, LookupsPerHour: 3, CodeLookupsPerHour: 4})
	const ip = "203.0.113.5"
	for i := range 3 {
		if r := dr.do("GET", "/api/public/v1/help/WRONG00000"+strconv.Itoa(i), ip, nil); r.status != 404 {
			t.Fatalf("wrong code %d: %d %s", i, r.status, r.body)
		}
	}
	r := dr.do("GET", "/api/public/v1/help/WRONG000009", ip, nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("the fourth wrong code: %d %s", r.status, r.body)
	}
	id := r.json(t)["captcha"].(map[string]any)["id"].(string)
	q := url.Values{"captcha_id": {id}, "captcha_answer": {dr.door.CaptchaAnswer(id)}}
	if r := dr.do("GET", "/api/public/v1/help/WRONG000009?"+q.Encode(), ip, nil); r.status != 404 {
		t.Fatalf("with the CAPTCHA: %d %s", r.status, r.body)
	}
	// The page asks it on the lookup form.
	if page := dr.do("GET", "/help/status", ip, nil); !captchaID.MatchString(page.body) {
		t.Fatal("the lookup form past the limit asks no CAPTCHA")
	}
	if r := dr.do("POST", "/help/status", ip, url.Values{"code": {"WRONG000010"}}); r.status != 429 || !strings.Contains(r.body, "请输入图中的数字") {
		t.Fatalf("a lookup without the CAPTCHA: %d", r.status)
	}
	// Right codes do not spend the address's allowance, but one code's
	// lookups are limited from every address.
	code, _ := dr.do("POST", "/api/public/v1/help", "", apiHelp()).json(t)["code"].(string)
	for i := range 4 {
		if r := dr.do("GET", "/api/public/v1/help/"+code, "203.0.113."+strconv.Itoa(10+i), nil); r.status != 200 || r.json(t)["status_label"] != "已受理" {
			t.Fatalf("lookup %d of a right code: %d %s", i, r.status, r.body)
		}
	}
	if r := dr.do("GET", "/api/public/v1/help/"+strings.ToLower(code), "203.0.113.99", nil); r.status != 429 {
		t.Fatalf("the fifth lookup of one code, in lower case, from a fifth address: %d %s", r.status, r.body)
	}
}

// TestCaptchaImage: an unknown or spent CAPTCHA has no image.
func TestCaptchaImage(t *testing.T) {
	dr := newDoor(t, testdb.SQLite(t), config.PublicLimits{SubmitsPerHour: 1, LookupsPerHour: 1, CodeLookupsPerHour: 1})
	for _, p := range []string{"/captcha/nosuch.png", "/captcha/nosuch", "/captcha/..%2f..%2fetc.png"} {
		if r := dr.do("GET", p, "", nil); r.status != 404 {
			t.Errorf("%s: %d", p, r.status)
		}
	}
	dr.do("GET", "/api/public/v1/help/NOSUCHCODE", "", nil)
	r := dr.do("GET", "/api/public/v1/help/NOSUCHCODE", "", nil)
	id := r.json(t)["captcha"].(map[string]any)["id"].(string)
	dr.clock.add(11 * time.Minute)
	if r := dr.do("GET", "/captcha/"+id+".png", "", nil); r.status != 404 {
		t.Errorf("an expired CAPTCHA's image: %d", r.status)
	}
}
