package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
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
