package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/db"
	"halfsky/internal/rights"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// TestCaseLoop: through the pages, the community takes a 12338 call
// (bad input first, each message beside its field, the typed text kept),
// assesses it 高, is refused a referral without consent, records consent
// and refers; the district leader sees a line without names until she
// breaks the glass with a reason (the handler told); another district
// sees nothing; closing with a referral open is refused.
func TestCaseLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, daoli, nangang := signIn(t, app, "village.staff"), signIn(t, app, "daoli.leader"), signIn(t, app, "nangang.leader")

		must(t, village.get("/cases/new", http.StatusOK), `id="case-form"`, "12338来电", "家庭暴力")
		bad := url.Values{"channel": {"hotline"}, "category": {""}, "narrative": {strings.Repeat("打", 5001)}, "take": {"1"},
			"parties.1.role": {"victim"}, "parties.1.name": {"刘某华"}, "parties.1.phone": {"打不通"}}
		body := village.post("/cases", bad, http.StatusUnprocessableEntity)
		must(t, body, "请选择案件类别", "情况说明不能超过 5000 字", `id="f-party-1-phone-error"`, `value="刘某华"`)
		if n := count(t, d, `SELECT COUNT(*) FROM cases`); n != 0 {
			t.Fatalf("%d cases after bad input", n)
		}
		good := url.Values{"channel": {"hotline"}, "category": {"dv"}, "narrative": {"丈夫酗酒后殴打她，掐过她的脖子"}, "take": {"1"},
			"phone": {"13900001234"}, "parties.0.role": {"complainant"}, "parties.0.name": {"刘某华"},
			"parties.3.role": {"child"}, "parties.3.age_group": {"minor"}}
		loc := village.postLocation("/cases", good)
		id := idAfter(t, loc, "/cases/")
		path := "/cases/" + id
		page := village.get(path, http.StatusOK)
		must(t, page, "掐过她的脖子", "刘某华", "须强制报告", `id="assess-form"`, `id="refer-form"`)

		v := func() string {
			return strings.TrimSpace(between(village.get(path, http.StatusOK), `name="version" value="`, `"`))
		}
		must(t, village.post(path+"/assess", url.Values{"version": {v()}, "items": {"strangle", "threat_kill"}}, http.StatusSeeOther), "评估结果：高危险")
		body = village.post(path+"/refer", url.Values{"version": {v()}, "agency": {"police"}}, http.StatusUnprocessableEntity)
		must(t, body, "求助人未同意向该机构转介")
		must(t, village.post(path+"/consent", url.Values{"version": {v()}, "services": {"1"}, "refer": {"police"}}, http.StatusSeeOther), "已记录知情同意")
		must(t, village.post(path+"/refer", url.Values{"version": {v()}, "agency": {"police"}}, http.StatusSeeOther), "已转介")
		must(t, village.post(path+"/close", url.Values{"version": {v()}, "outcome": {"resolved"}, "satisfaction": {"satisfied"}}, http.StatusUnprocessableEntity),
			`id="f-close-outcome-error"`, "还有转介尚未回复")

		// The district reads a line, then breaks the glass.
		line := daoli.get(path, http.StatusOK)
		must(t, line, "案件概要", `id="glass-form"`)
		mustNot(t, line, "掐过她的脖子", "刘某华", "13900001234")
		mustNot(t, daoli.get("/cases?box=", http.StatusOK), "掐过", "刘某华")
		must(t, daoli.post(path+"/glass", url.Values{"reason": {"看"}}, http.StatusUnprocessableEntity), "请写明查看的理由")
		must(t, daoli.post(path+"/glass", url.Values{"reason": {"督办高危家暴案件"}}, http.StatusSeeOther), "掐过她的脖子", "破窗仅限阅读", `id="glass-note"`)
		must(t, village.get("/notices", http.StatusOK), "维权案件被破窗查看")
		daoli.refused("POST", path+"/note", url.Values{"kind": {"note"}, "note": {"越级办理"}}, http.StatusSeeOther, "")

		// The statistics count it, with no name; the monthly report that
		// leaves the unit shows a count under 5 as "<5".
		stats := daoli.get("/cases/stats", http.StatusOK)
		must(t, stats, `id="stat-total">1<`, "家庭暴力")
		mustNot(t, stats, "刘某华", "掐过")
		r := daoli.c.Do("GET", "/cases/stats.xlsx", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("monthly report: %d", r.Status)
		}
		book, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		cells, err := book.GetRows(book.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		var sawSmall, sawTotal bool
		for _, row := range cells {
			joined := strings.Join(row, "|")
			for _, cell := range row[min(1, len(row)):] {
				if cell == "1" {
					t.Fatalf("the monthly report shows a 1: %v", row)
				}
			}
			sawSmall = sawSmall || strings.Contains(joined, "<5")
			sawTotal = sawTotal || strings.HasPrefix(joined, "合计|<5")
		}
		if !sawSmall || !sawTotal {
			t.Fatalf("the monthly report: %v", cells)
		}
		nangang.get("/cases/stats?under=230102", http.StatusNotFound)

		nangang.get(path, http.StatusNotFound)
		nangang.post(path+"/glass", url.Values{"reason": {"兄弟区县想看一下"}}, http.StatusNotFound)
	})
}

// between is the text of s after the first from, up to to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// TestCaseCategories: the city's leader adds a category under 家庭暴力,
// renames and retires it; the intake form offers it while it is in use;
// a district's leader may read the list but not change it.
func TestCaseCategories(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		city, daoli, village := signIn(t, app, "city.leader"), signIn(t, app, "daoli.leader"), signIn(t, app, "village.staff")
		must(t, city.get("/cases/categories", http.StatusOK), `id="category-form"`, "家庭暴力")
		must(t, city.post("/cases/categories", url.Values{"action": {"add"}, "parent": {"dv"}, "label": {""}}, http.StatusUnprocessableEntity), "请填写类别名称")
		must(t, city.post("/cases/categories", url.Values{"action": {"add"}, "parent": {"dv"}, "label": {"精神暴力"}}, http.StatusSeeOther), "已保存", "精神暴力")
		must(t, village.get("/cases/new", http.StatusOK), "精神暴力")
		code := count(t, d, `SELECT COUNT(*) FROM case_categories WHERE label = '精神暴力' AND parent = 'dv' AND active = 1`)
		if code != 1 {
			t.Fatalf("%d new categories", code)
		}
		var key string
		if err := d.QueryRow(context.Background(), `SELECT code FROM case_categories WHERE label = '精神暴力'`).Scan(&key); err != nil {
			t.Fatal(err)
		}
		must(t, city.post("/cases/categories", url.Values{"action": {"rename"}, "code": {key}, "label": {"精神暴力（冷暴力）"}}, http.StatusSeeOther), "精神暴力（冷暴力）")
		must(t, city.post("/cases/categories", url.Values{"action": {"retire"}, "code": {key}}, http.StatusSeeOther), "已停用")
		mustNot(t, village.get("/cases/new", http.StatusOK), "精神暴力")
		body := village.post("/cases", url.Values{"channel": {"hotline"}, "category": {key}, "narrative": {"来电"}}, http.StatusUnprocessableEntity)
		must(t, body, "请选择案件类别")
		mustNot(t, daoli.get("/cases/categories", http.StatusOK), `id="category-form"`)
		daoli.refused("POST", "/cases/categories", url.Values{"action": {"add"}, "label": {"区里想加"}}, http.StatusForbidden, actionDenied)
		if n := count(t, d, `SELECT COUNT(*) FROM case_categories WHERE label = '区里想加'`); n != 0 {
			t.Fatal("a district added a category")
		}
	})
}

// TestCaseFilesPage: a phone photo uploaded on a case's page is shown in
// it, served inline without its GPS or camera; something that is not a
// photo is refused beside the field; the district (a line) is refused the
// photo and a sibling district does not find it.
func TestCaseFilesPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, daoli, nangang := signIn(t, app, "village.staff"), signIn(t, app, "daoli.leader"), signIn(t, app, "nangang.leader")
		loc := village.postLocation("/cases", url.Values{"channel": {"walkin"}, "category": {"dv"}, "narrative": {"来访，手臂有淤青"}, "take": {"1"}})
		path := "/cases/" + idAfter(t, loc, "/cases/")
		v := func() string {
			return strings.TrimSpace(between(village.get(path, http.StatusOK), `name="version" value="`, `"`))
		}
		must(t, village.get(path, http.StatusOK), `id="files-form"`, "暂无照片和文件", "自动去除拍摄位置")

		r := village.upload(path+"/files", "files", "伤情.jpg", []byte("\xFF\xD8\xFF\xE0 not really"), url.Values{"version": {v()}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a broken photo: %d", r.Status)
		}
		must(t, r.Body, `id="f-files-error"`, "“伤情.jpg”不是能打开的照片")
		photo, err := os.ReadFile("../files/testdata/photos/phone-gps.jpg")
		if err != nil {
			t.Fatal(err)
		}
		r = village.upload(path+"/files", "files", "伤情.jpg", photo, url.Values{"version": {v()}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("the photo: %d\n%s", r.Status, excerpt(r.Body))
		}
		page := village.get(path, http.StatusOK)
		src := between(page, `<img src="`, `"`)
		must(t, page, "伤情.jpg", `alt="照片：伤情.jpg"`, "上传照片和文件")
		if !strings.HasPrefix(src, path+"/files/") {
			t.Fatalf("no photo shown: %q", src)
		}
		img := village.c.Do("GET", src, nil)
		if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" || img.Header.Get("Content-Disposition") != "inline" ||
			!strings.Contains(img.Header.Get("Cache-Control"), "no-store") {
			t.Fatalf("the photo served: %d %v", img.Status, img.Header)
		}
		if strings.Contains(img.Body, "HUAWEI") || strings.Contains(img.Body, "HS123456") || !strings.HasPrefix(img.Body, "\xFF\xD8") {
			t.Fatal("the photo served still carries its camera, or is not the photo")
		}
		if dl := village.c.Do("GET", src+"?download=1", nil); !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("the download: %v", dl.Header)
		}
		if r := daoli.c.Do("GET", src, nil); r.Status != http.StatusForbidden || strings.HasPrefix(r.Body, "\xFF\xD8") {
			t.Fatalf("the district (a line) reads the photo: %d", r.Status)
		}
		if r := nangang.c.Do("GET", src, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a sibling district: %d", r.Status)
		}
		fid := src[strings.LastIndex(src, "/")+1:]
		must(t, village.post(path+"/remove-file", url.Values{"version": {v()}, "file": {fid}, "reason": {""}}, http.StatusUnprocessableEntity), "请说明移除的原因")
		must(t, village.post(path+"/remove-file", url.Values{"version": {v()}, "file": {fid}, "reason": {"照片拍错了人"}}, http.StatusSeeOther), "已移除", "暂无照片和文件", "照片拍错了人")
		if r := village.c.Do("GET", src, nil); r.Status != http.StatusNotFound {
			t.Fatalf("a removed photo is served: %d", r.Status)
		}
	})
}

// TestCaseLimits: the city's leader sets the time limits (bad values
// refused beside their fields, nothing saved); a case taken in after
// that is due for its first contact and its route by them, and a
// referral's reply by the new days; a district's leader reads them and
// may not change them.
func TestCaseLimits(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		city, daoli, village := signIn(t, app, "city.leader"), signIn(t, app, "daoli.leader"), signIn(t, app, "village.staff")
		must(t, city.get("/cases/categories", http.StatusOK), `id="limits-form"`, `value="24"`, `value="7"`, `value="15"`)
		bad := url.Values{"action": {"limits"}, "first_contact_hours": {"0"}, "route_days": {"七"}, "referral_days": {"61"}}
		must(t, city.post("/cases/categories", bad, http.StatusUnprocessableEntity), `id="f-limit-contact-error"`, "首次联系时限（小时）应为 1–72 的整数",
			`id="f-limit-route-error"`, `id="f-limit-referral-error"`, `value="七"`)
		if n := count(t, d, `SELECT COUNT(*) FROM case_limits`); n != 0 {
			t.Fatalf("bad limits saved %d rows", n)
		}
		good := url.Values{"action": {"limits"}, "first_contact_hours": {"12"}, "route_days": {"5"}, "referral_days": {"10"}}
		must(t, city.post("/cases/categories", good, http.StatusSeeOther), "已保存办理时限", `value="12"`)
		must(t, daoli.get("/cases/categories", http.StatusOK), "12 小时内", "5 天内", "10 天")
		mustNot(t, daoli.get("/cases/categories", http.StatusOK), `id="limits-form"`)
		daoli.refused("POST", "/cases/categories", url.Values{"action": {"limits"}, "first_contact_hours": {"72"}, "route_days": {"30"}, "referral_days": {"60"}},
			http.StatusForbidden, actionDenied)

		loc := village.postLocation("/cases", url.Values{"channel": {"hotline"}, "category": {"dv"}, "narrative": {"来电求助"}, "take": {"1"}})
		id := idAfter(t, loc, "/cases/")
		var received, contact, route int64
		if err := d.QueryRow(context.Background(), `SELECT received_at, contact_due, route_due FROM cases WHERE id = ?`, id).Scan(&received, &contact, &route); err != nil {
			t.Fatal(err)
		}
		if contact-received != 12*3600_000 || route-received != 5*24*3600_000 {
			t.Fatalf("due %d h and %d h after intake, want 12 h and 120 h", (contact-received)/3600_000, (route-received)/3600_000)
		}
		must(t, village.get("/cases/"+id, http.StatusOK), "不填则为 10 日后")
	})
}

// TestCaseInboxTitle: the inbox's tab title counts the requests waiting
// to be taken, so a cadre who keeps the tab open sees a new one come in;
// the other lists and an empty inbox say 巾帼维权 alone.
func TestCaseInboxTitle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village := signIn(t, app, "village.staff")
		must(t, village.get("/cases", http.StatusOK), "<title>巾帼维权 · 半边天</title>")
		req := rights.HelpRequest{Category: "dv", Text: "他又打我了", OrgCode: "230102001001", NoCall: true, Consent: true}
		if _, err := app.Server.Deps.Rights.SubmitHelp(context.Background(), req, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		must(t, village.get("/cases", http.StatusOK), "<title>巾帼维权（待接案 1） · 半边天</title>")
		must(t, village.get("/cases?box=", http.StatusOK), "<title>巾帼维权 · 半边天</title>")
	})
}

// TestCaseDesk: the work desk shows 巾帼维权's numbers of the scope —
// what waits in the unit's inbox, this year's cases and those rated 高 —
// with the charts' data, never a name or her words; an administrator's
// desk has none of it.
func TestCaseDesk(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		village, daoli, admin := signIn(t, app, "village.staff"), signIn(t, app, "daoli.leader"), signInAdmin(t, app, "admin")
		must(t, village.get("/", http.StatusOK), `id="cases-desk"`, `id="stat-case-waiting"><span class="stat-value">0<`)
		mustNot(t, village.get("/", http.StatusOK), `id="chart-cases-months"`)
		req := rights.HelpRequest{Category: "dv", Text: "他又打我了，掐我脖子", OrgCode: "230102001001", Phone: "13900001234", Consent: true}
		if _, err := app.Server.Deps.Rights.SubmitHelp(context.Background(), req, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		loc := village.postLocation("/cases", url.Values{"channel": {"hotline"}, "category": {"dv"}, "narrative": {"被殴打，咨询离婚财产分割"}, "take": {"1"}})
		path := "/cases/" + idAfter(t, loc, "/cases/")
		v := strings.TrimSpace(between(village.get(path, http.StatusOK), `name="version" value="`, `"`))
		village.post(path+"/assess", url.Values{"version": {v}, "items": {"strangle", "threat_kill"}}, http.StatusSeeOther)

		home := village.get("/", http.StatusOK)
		must(t, home, `id="stat-case-waiting"><span class="stat-value">1<`, `id="stat-case-total"><span class="stat-value">2<`,
			`id="stat-case-high"><span class="stat-value">1<`, `id="chart-cases-months"`, `id="case-categories-table"`, "vendor/echarts.min.js")
		up := daoli.get("/", http.StatusOK)
		must(t, up, `id="stat-case-total"><span class="stat-value">2<`, `id="stat-case-waiting"><span class="stat-value">0<`, "家庭暴力")
		for _, page := range []string{home, up} {
			mustNot(t, page, "掐我脖子", "13900001234", "离婚财产")
		}
		mustNot(t, admin.get("/", http.StatusOK), `id="cases-desk"`)
	})
}
