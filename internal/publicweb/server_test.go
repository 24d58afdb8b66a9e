package publicweb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"halfsky/internal/db"
	"halfsky/internal/server"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

type places struct {
	Items []map[string]string `json:"items"`
}

func placesOf(t *testing.T, r testapp.Response) places {
	t.Helper()
	var p places
	if r.Status != 200 || json.Unmarshal([]byte(r.Body), &p) != nil {
		t.Fatalf("places: %d %s", r.Status, r.Body)
	}
	return p
}

func codes(p places) []string {
	var out []string
	for _, x := range p.Items {
		out = append(out, x["code"])
	}
	return out
}

// TestPlacesAPI: the picker's lists are the tree's active division units
// under the installation's top unit, by code, name and level alone.
func TestPlacesAPI(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		c := app.Client(t)
		top := placesOf(t, c.Do("GET", "/api/public/v1/orgs", nil))
		if len(top.Items) != 18 || top.Items[0]["name"] != "道里区" || top.Items[0]["level"] != "district" {
			t.Fatalf("districts: %+v", top.Items)
		}
		for _, x := range top.Items {
			if len(x) != 3 || x["code"] == "" || strings.HasSuffix(x["name"], "妇联") {
				t.Errorf("a place shows %v", x)
			}
		}
		streets := placesOf(t, c.Do("GET", "/api/public/v1/orgs?parent=230102", nil))
		if !slices.Contains(codes(streets), "230102001") {
			t.Fatalf("道里区's streets: %v", codes(streets))
		}
		comm := placesOf(t, c.Do("GET", "/api/public/v1/orgs?parent=230102001", nil))
		if !slices.Contains(codes(comm), "230102001001") || comm.Items[0]["level"] != "community" {
			t.Fatalf("the street's communities: %+v", comm.Items)
		}
		if none := placesOf(t, c.Do("GET", "/api/public/v1/orgs?parent=230102001001", nil)); len(none.Items) != 0 {
			t.Errorf("below a community: %+v", none.Items)
		}
		// A deactivated street leaves its district's list and lists nothing.
		if _, err := d.Exec(context.Background(), `UPDATE orgs SET active = 0 WHERE code = '230102001'`); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(codes(placesOf(t, c.Do("GET", "/api/public/v1/orgs?parent=230102", nil))), "230102001") {
			t.Error("a deactivated street is listed")
		}
		var organ string
		if err := d.QueryRow(context.Background(), `SELECT code FROM orgs WHERE kind = 'organ' ORDER BY code LIMIT 1`).Scan(&organ); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"230102001", organ, "2302", "nosuch", "%27%20OR%201%3D1"} {
			r := c.Do("GET", "/api/public/v1/orgs?parent="+p, nil)
			if r.Status != 404 || !strings.Contains(r.Body, `"code":"not_found"`) {
				t.Errorf("parent %s: %d %s", p, r.Status, r.Body)
			}
		}
		if r := c.Do("POST", "/api/public/v1/orgs", obj{}); r.Status != 405 {
			t.Errorf("POST: %d", r.Status)
		}
	})
}

type obj = map[string]any

// publicPaths are the public door's pages and API reads that need no
// record.
var publicPaths = []string{"/help", "/help/status", "/n", "/api/public/v1/orgs", "/api/public/v1/orgs?parent=230102", "/api/public/v1/categories"}

// TestNoSession: the public door reads no session and sets no cookie: a
// signed-in cadre, a stale cookie and no cookie get the same answer, no
// answer sets or clears a cookie, none sends anyone to the sign-in page,
// and every page carries the cadre pages' security headers.
func TestNoSession(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	anon, cadre, stale := app.Client(t), app.Client(t), app.Client(t)
	cadre.Login("daoli.leader")
	u, _ := url.Parse(app.URL)
	stale.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "halfsky_session", Value: "stale-token"}})
	if r := stale.Do("GET", "/profile", nil); !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "halfsky_session=;") {
		t.Fatal("the cadre pages do not clear a stale cookie: the test below would prove nothing")
	}
	stale.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: "halfsky_session", Value: "stale-token"}})
	for _, p := range publicPaths {
		a := anon.Do("GET", p, nil)
		for who, c := range map[string]*testapp.Client{"a signed-in cadre": cadre, "a stale cookie": stale} {
			r := c.Do("GET", p, nil)
			if r.Status != a.Status || r.Body != a.Body {
				t.Errorf("%s as %s: %d, anonymous %d (or another body)", p, who, r.Status, a.Status)
			}
			if sc := r.Header.Values("Set-Cookie"); len(sc) > 0 {
				t.Errorf("%s as %s sets %v", p, who, sc)
			}
		}
		if a.Status/100 == 3 || len(a.Header.Values("Set-Cookie")) > 0 {
			t.Errorf("%s: %d, cookies %v", p, a.Status, a.Header.Values("Set-Cookie"))
		}
		if a.Header.Get("Content-Security-Policy") != server.ContentSecurityPolicy || a.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", p, a.Header)
		}
	}
}

var telLinks = regexp.MustCompile(`href="tel:(12338|110)"`)

// TestPublicPages: every public page shows 12338 and 110 as links to
// call and the quick exit; the neutral page shows none of it.
func TestPublicPages(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	c := app.Client(t)
	for _, p := range []string{"/help", "/help/status"} {
		r := c.Do("GET", p, nil)
		if len(telLinks.FindAllString(r.Body, -1)) < 2 || !strings.Contains(r.Body, `id="quick-exit" href="/n"`) || !strings.Contains(r.Body, "一键离开") {
			t.Errorf("%s (%d) lacks the hotlines or the quick exit", p, r.Status)
		}
		if strings.Contains(r.Body, "sidebar") || strings.Contains(r.Body, "/static/") {
			t.Errorf("%s uses the cadre layout", p)
		}
	}
	r := c.Do("GET", "/n", nil)
	if r.Status != 200 || !strings.Contains(r.Body, "<title>日历</title>") || !strings.Contains(r.Body, `aria-current="date"`) {
		t.Fatalf("/n: %d %.300s", r.Status, r.Body)
	}
	for _, word := range []string{"求助", "12338", "110", "妇", "help", "维权", "<script"} {
		if strings.Contains(r.Body, word) {
			t.Errorf("the neutral page says %q", word)
		}
	}
}

// helpWired reports whether the server has the rights service behind its
// public door; until internal/rights is wired (server.New) the help
// routes answer 503 and the tests of the whole flow skip.
func helpWired(t *testing.T, c *testapp.Client) bool {
	t.Helper()
	r := c.Do("GET", "/api/public/v1/categories", nil)
	switch r.Status {
	case 200:
		return true
	case 503:
		if !strings.Contains(r.Body, "12338") {
			t.Errorf("503 without the hotline: %s", r.Body)
		}
		return false
	}
	t.Fatalf("categories: %d %s", r.Status, r.Body)
	return false
}

// TestHelpThroughTheServer: the whole flow on the real server and the
// real rights service — the form, the code, the lookup showing nothing
// personal — and, until the service is wired, the pages' 503 with the
// hotlines.
func TestHelpThroughTheServer(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		c := app.Client(t)
		if !helpWired(t, c) {
			for _, p := range []string{"/help", "/help/status"} {
				if r := c.Do("GET", p, nil); r.Status != 503 || !strings.Contains(r.Body, "12338") {
					t.Errorf("%s without the rights service: %d", p, r.Status)
				}
			}
			t.Skip("internal/rights is not wired into server.New yet: the flow below runs once it is")
		}
		var cats struct{ Items []map[string]string }
		json.Unmarshal([]byte(c.Do("GET", "/api/public/v1/categories", nil).Body), &cats)
		leaf := ""
		for _, x := range cats.Items {
			if x["parent"] != "" {
				leaf = x["code"]
				break
			}
		}
		if leaf == "" {
			t.Fatalf("no subcategory in %v", cats.Items)
		}
		// The page: nothing filled is refused beside the fields, nothing kept.
		r := c.Do("POST", "/help", url.Values{"text": {"<b>字</b>"}})
		if r.Status != 422 || fieldError(r.Body, "consent") == "" || !strings.Contains(r.Body, "&lt;b&gt;字&lt;/b&gt;") {
			t.Fatalf("an empty form: %d consent %q", r.Status, fieldError(r.Body, "consent"))
		}
		r = c.Do("POST", "/help", url.Values{"category": {leaf}, "text": {"丈夫喝酒后打我，孩子很害怕"}, "district": {"230102"},
			"street": {"230102001"}, "community": {"230102001001"}, "phone": {"13912345678"}, "contact_time": {"晚上八点以后"}, "consent": {"1"}})
		m := codeShown.FindStringSubmatch(r.Body)
		if r.Status != 200 || m == nil || len(m[1]) < 10 {
			t.Fatalf("the request: %d %.500s", r.Status, r.Body)
		}
		st := c.Do("POST", "/help/status", url.Values{"code": {m[1]}})
		if st.Status != 200 || !strings.Contains(st.Body, `id="status-label">已受理<`) {
			t.Fatalf("the status: %d %.500s", st.Status, st.Body)
		}
		js := c.Do("GET", "/api/public/v1/help/"+m[1], nil)
		if js.Status != 200 || js.JSON(t)["status"] != "received" || js.JSON(t)["status_label"] != "已受理" || len(js.JSON(t)) != 3 {
			t.Fatalf("the status by API: %d %s", js.Status, js.Body)
		}
		for _, private := range []string{"13912345678", "喝酒", "晚上八点", "道里", "兆麟"} {
			if strings.Contains(st.Body, private) || strings.Contains(js.Body, private) {
				t.Errorf("the status shows %q", private)
			}
		}
		// The API.
		r2 := c.Do("POST", "/api/public/v1/help", obj{"category": leaf, "text": "邻居每晚听到打骂", "org_code": "230102", "phone": "",
			"contact_time": "", "no_call": true, "consent": true})
		if r2.Status != 201 || len(r2.JSON(t)["code"].(string)) < 10 {
			t.Fatalf("the API: %d %s", r2.Status, r2.Body)
		}
		bad := c.Do("POST", "/api/public/v1/help", obj{"category": leaf, "text": "x", "org_code": "230102", "consent": false})
		if bad.Status != 422 || bad.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)["consent"] == nil {
			t.Fatalf("without consent: %d %s", bad.Status, bad.Body)
		}
		w, f := c.Do("GET", "/api/public/v1/help/ZZZZZZZZZZZZ", nil), c.Do("GET", "/api/public/v1/help/%3Cscript%3E", nil)
		if w.Status != 404 || w.Body != f.Body {
			t.Errorf("a wrong code %d %s, a malformed one %d %s", w.Status, w.Body, f.Status, f.Body)
		}
	})
}

// TestPublicBodyLimit: the server takes at most 64 KB from the public
// door, and says so in the door's words (the page) or its error shape
// (the API), with no cadre link.
func TestPublicBodyLimit(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	c := app.Client(t)
	big := strings.Repeat("字", 30<<10) // 90 KB
	r := c.Do("POST", "/help", url.Values{"text": {big}})
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "5000 字以内") || !strings.Contains(r.Body, `href="/help"`) ||
		strings.Contains(r.Body, "工作台") || !strings.Contains(r.Body, "tel:12338") {
		t.Errorf("the page: %d %.300s", r.Status, r.Body)
	}
	r = c.Do("POST", "/api/public/v1/help", obj{"text": big})
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, `"code":"too_large"`) {
		t.Errorf("the API: %d %.300s", r.Status, r.Body)
	}
	// The cadre pages keep their 1 MB.
	if r := c.Do("POST", "/login", url.Values{"username": {big}}); r.Status == http.StatusRequestEntityTooLarge {
		t.Error("a 90 KB sign-in form is refused as too large")
	}
}
