package publicweb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"halfsky/internal/apperr"
	"halfsky/internal/config"
	"halfsky/internal/db"
	"halfsky/internal/httpx"
	"halfsky/internal/org"
	"halfsky/internal/publicweb"
	"halfsky/internal/testapp"
)

// memRights is the rights service's public side held in memory, for the
// door's own tests: the limits, the CAPTCHA, the form's round trips. The
// real service's tests (and TestHelpThroughTheServer, once it is wired)
// run against the database.
type memRights struct {
	mu   sync.Mutex
	reqs map[string]publicweb.HelpRequest
	ips  []string
}

var cats = []publicweb.Category{
	{Code: "family", Label: "婚姻家庭纠纷"}, {Code: "divorce", Label: "离婚", Parent: "family"},
	{Code: "dv", Label: "家庭暴力"}, {Code: "other", Label: "其他"},
}

func (m *memRights) SubmitHelp(_ context.Context, in publicweb.HelpRequest, ip string) (string, error) {
	bad := map[string]string{}
	known := false
	for _, c := range cats {
		known = known || c.Code == in.Category
	}
	if !known {
		bad["category"] = "请选择遇到了什么事"
	}
	if strings.TrimSpace(in.Text) == "" {
		bad["text"] = "请写一写发生了什么"
	}
	if in.OrgCode == "" {
		bad["org_code"] = "请选择您所在的区县"
	}
	if !in.Consent {
		bad["consent"] = "请勾选同意后再提交"
	}
	if len(bad) > 0 {
		return "", apperr.Invalid(bad)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.reqs == nil {
		m.reqs = map[string]publicweb.HelpRequest{}
	}
	code := fmt.Sprintf("HK%08dQ", len(m.reqs)+1)
	m.reqs[code] = in
	m.ips = append(m.ips, ip)
	return code, nil
}

func (m *memRights) LookupHelp(_ context.Context, code string) (publicweb.HelpStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.reqs[strings.ToUpper(strings.ReplaceAll(code, "-", ""))]; !ok {
		return publicweb.HelpStatus{}, publicweb.ErrNoSuchCode
	}
	return publicweb.HelpStatus{Status: "received", StatusLabel: "已受理", NextStep: "工作人员会在 1 个工作日内联系您"}, nil
}

func (m *memRights) PublicCategories(context.Context) ([]publicweb.Category, error) { return cats, nil }

// clock is a settable time for the limits.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// door is the public door alone over d (the Harbin tree seeded), with
// rights behind it; a request's X-Test-IP header is its client address.
type door struct {
	t      *testing.T
	door   *publicweb.Door
	url    string
	rights *memRights
	clock  *clock
}

func newDoor(t *testing.T, d *db.DB, limits config.PublicLimits) *door {
	t.Helper()
	testapp.Start(t, d) // seeds the tree and the demo accounts
	mux := httpx.NewRouteTable()
	m := &memRights{}
	c := &clock{t: time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)}
	dr, err := publicweb.Register(mux, publicweb.Deps{Orgs: &org.Store{DB: d}, TopUnit: "2301", Limits: limits, Rights: m, Now: c.now,
		ClientIP: func(r *http.Request) string {
			if ip := r.Header.Get("X-Test-IP"); ip != "" {
				return ip
			}
			return "192.0.2.1"
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &door{t: t, door: dr, url: hs.URL, rights: m, clock: c}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(a.body), &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return m
}

func (d *door) do(method, path, ip string, body any) answer {
	d.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	default:
		js, _ := json.Marshal(b)
		rd, ctype = strings.NewReader(string(js)), "application/json"
	}
	req, err := http.NewRequest(method, d.url+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if ip != "" {
		req.Header.Set("X-Test-IP", ip)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}
}

var (
	captchaID = regexp.MustCompile(`name="captcha_id" value="([a-z0-9]+)"`)
	codeShown = regexp.MustCompile(`id="tracking-code" class="code">([A-Z0-9-]+)<`)
)

// field is the message the page shows beside the field id ("" if none).
func fieldError(body, id string) string {
	m := regexp.MustCompile(`<p class="error" id="e-` + id + `"[^>]*>([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func helpForm(kv ...string) url.Values {
	v := url.Values{"category": {"divorce"}, "text": {"他把我锁在门外"}, "district": {"230102"}, "street": {"230102001"},
		"community": {""}, "phone": {"13800000000"}, "contact_time": {"中午"}, "consent": {"1"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func defaults() config.PublicLimits { return config.Default().Public }
