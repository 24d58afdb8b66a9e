package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// visitPageClean checks a page of the module carries nothing the CSP blocks.
func visitPageClean(t *testing.T, body string) {
	t.Helper()
	if regexp.MustCompile(`(?i)\sstyle=|<style|\son[a-z]+=|<script>`).MatchString(body) {
		t.Fatalf("page has inline style or script\n%s", excerpt(body))
	}
}

// xlsxRows opens an export and returns its first sheet's rows.
func xlsxRows(t *testing.T, u *ui, path string) [][]string {
	t.Helper()
	r := u.c.Do("GET", path, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestVisitScenario is the test through the HTML forms: a street
// cadre records a visit, two needs, turns one into a task and closes it
// with feedback; a village user cannot see a neighbouring village's needs.
func TestVisitScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		addUser(t, app, "sofia.staff", "赵敏", "230102001002", access.Staff)
		street, village := signIn(t, app, "street.staff"), signIn(t, app, "village.staff")
		today := shanghaiDay(0)

		form := street.get("/visits/new", http.StatusOK)
		must(t, form, `id="visit-form"`, `name="women"`)
		visitPageClean(t, form)
		// A visit in the future is refused beside the field, nothing stored.
		body := street.post("/visits", url.Values{"org_code": {"230102001002"}, "visited_on": {shanghaiDay(1)}, "place": {"索菲亚社区"}}, http.StatusUnprocessableEntity)
		must(t, body, "走访日期不能晚于今天", `value="索菲亚社区"`)
		if count(t, d, `SELECT COUNT(*) FROM visits`) != 0 {
			t.Fatal("bad visit stored")
		}
		// A photo that is not an image.
		r := street.upload("/visits", "photos", "scan.jpg", []byte("%PDF-1.4 not a photo"), url.Values{"org_code": {"230102001002"},
			"visited_on": {today}, "place": {"索菲亚社区"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "scan.jpg") {
			t.Fatalf("bad photo: %d\n%s", r.Status, excerpt(r.Body))
		}
		png := testfx.Photo
		r = street.upload("/visits", "photos", "现场.png", png, url.Values{"org_code": {"230102001002"}, "visited_on": {today},
			"place": {"索菲亚社区 3 号楼"}, "households": {"6"}, "women": {"9"}, "notes": {"入户了解妇女就业情况"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("visit: %d\n%s", r.Status, excerpt(r.Body))
		}
		visitPath := r.Header.Get("Location")
		vid := idAfter(t, visitPath, "/visits/")
		page := street.get(visitPath, http.StatusOK)
		must(t, page, "索菲亚社区 3 号楼", "9 人", `/visits/`+vid+`/photos/`, "记录妇情")

		// Two needs from the visit; personal details only with consent.
		body = street.post("/needs", url.Values{"visit_id": {vid}, "category": {"employment"}, "urgency": {"urgent"},
			"summary": {"下岗后想学家政技能再就业"}, "person_name": {"王秀兰"}}, http.StatusUnprocessableEntity)
		must(t, body, "未经本人同意，不能记录姓名和联系方式")
		street.post("/needs", url.Values{"visit_id": {vid}, "category": {"employment"}, "urgency": {"urgent"},
			"summary": {"下岗后想学家政技能再就业"}, "consent": {"1"}, "person_name": {"王秀兰"}, "contact": {"13800000000"}}, http.StatusSeeOther)
		page = street.post("/needs", url.Values{"visit_id": {vid}, "category": {"children"}, "urgency": {"normal"},
			"summary": {"留守儿童放学后无人看护"}}, http.StatusSeeOther)
		must(t, page, "妇情已记录", "下岗后想学家政技能再就业", "留守儿童放学后无人看护")
		list := street.get("/needs", http.StatusOK)
		must(t, list, "王**")
		mustNot(t, list, "王秀兰", "13800000000")
		visitPageClean(t, list)
		ids := regexp.MustCompile(`id="need-(\d+)"`).FindAllStringSubmatch(list, -1)
		if len(ids) != 2 {
			t.Fatalf("needs listed: %d", len(ids))
		}
		n1, n2 := "/needs/"+ids[1][1], "/needs/"+ids[0][1] // newest first
		detail := street.get(n1, http.StatusOK)
		must(t, detail, "王秀兰", "13800000000", `id="task-form"`, `id="handover-form"`)
		if count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'need.read'`) != 1 {
			t.Fatal("reading the contact was not audited")
		}

		// The task: a deadline before the start is refused, then made.
		body = street.post(n1+"/task", url.Values{"title": {"推荐参加家政培训"}, "owner_name": {"张秀英"}, "starts_on": {today},
			"due_on": {shanghaiDay(-1)}}, http.StatusUnprocessableEntity)
		must(t, body, "截止日期不能早于开始日期")
		loc := street.postLocation(n1+"/task", url.Values{"title": {"推荐参加家政培训"}, "owner_name": {"张秀英"}, "starts_on": {today},
			"due_on": {shanghaiDay(2)}})
		taskPath := "/tasks/" + idAfter(t, loc, "/tasks/")
		page = street.get(taskPath, http.StatusOK)
		must(t, page, "推荐参加家政培训", "待办", "3 天内到期", `id="start-task"`)
		page = street.post(taskPath+"/start", nil, http.StatusSeeOther)
		must(t, page, "办理中")
		body = street.post(taskPath+"/close", url.Values{"outcome": {"done"}, "feedback": {"satisfied"}}, http.StatusUnprocessableEntity)
		must(t, body, "请填写办理结果")
		page = street.post(taskPath+"/close", url.Values{"outcome": {"done"}, "result": {"已参加区妇联家政培训并上岗"}, "feedback": {"satisfied"}}, http.StatusSeeOther)
		must(t, page, "已办结", "满意", "已参加区妇联家政培训并上岗")
		must(t, street.get(n1, http.StatusOK), "已解决")
		tasks := street.get("/tasks", http.StatusOK)
		must(t, tasks, "推荐参加家政培训", "满意")
		must(t, street.get("/visits?q="+url.QueryEscape("3 号楼"), http.StatusOK), `id="visit-`+vid+`"`)
		mustNot(t, street.get("/visits?q="+url.QueryEscape("50%_"), http.StatusOK), `id="visit-`+vid+`"`)
		must(t, street.get("/tasks?q="+url.QueryEscape("家政")+"&status=done", http.StatusOK), "推荐参加家政培训")

		// The village next door sees none of it.
		for _, p := range []string{n1, n2, visitPath, taskPath} {
			village.get(p, http.StatusNotFound)
		}
		mustNot(t, village.get("/needs", http.StatusOK), "留守儿童", "下岗")
		rows := xlsxRows(t, village, "/needs/export.xlsx")
		if len(rows) != 1 {
			t.Fatalf("village export has %d rows", len(rows))
		}
		rows = xlsxRows(t, street, "/needs/export.xlsx")
		if len(rows) != 3 || strings.Contains(strings.Join(rows[1], " ")+strings.Join(rows[2], " "), "王秀兰") {
			t.Fatalf("street export: %v", rows)
		}
		if len(xlsxRows(t, street, "/visits/export.xlsx")) != 2 || len(xlsxRows(t, street, "/tasks/export.xlsx")) != 2 {
			t.Fatal("exports")
		}
		if count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action IN ('need.export', 'visit.export', 'task.export')`) != 4 {
			t.Fatal("exports not audited")
		}

		// Statistics roll up to the district.
		daoli := signIn(t, app, "daoli.staff")
		stats := daoli.get("/visits/stats", http.StatusOK)
		must(t, stats, `id="unit-230102001"`, "data-chart=", "就业创业")
		visitPageClean(t, stats)
		if got := regexp.MustCompile(`id="stat-needs"><span class="stat-value">(\d+)<`).FindStringSubmatch(stats); got == nil || got[1] != "2" {
			t.Fatalf("needs stat: %v", got)
		}
		daoli.get("/visits/stats?under=230103", http.StatusNotFound)
		if len(xlsxRows(t, daoli, "/visits/stats/export.xlsx?under=230102001")) < 3 {
			t.Fatal("stats export")
		}
	})
}

// TestVisitHandoverAndQuota: the street hands a need up to 道里区, which
// accepts it; a quota outside the scope is refused; progress shows.
func TestVisitHandoverAndQuota(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		street, daoli, city := signIn(t, app, "street.staff"), signIn(t, app, "daoli.staff"), signIn(t, app, "city.leader")
		loc := street.postLocation("/needs", url.Values{"category": {"rights"}, "urgency": {"critical"}, "summary": {"劳动合同纠纷需法律援助"}})
		np := "/needs/" + idAfter(t, loc, "/needs/")
		body := street.post(np+"/handover", url.Values{"to_org_code": {"230102"}}, http.StatusUnprocessableEntity)
		must(t, body, "请填写移交原因")
		page := street.post(np+"/handover", url.Values{"to_org_code": {"230102"}, "reason": {"需区妇联协调法律援助"}}, http.StatusSeeOther)
		must(t, page, "移交中", "需区妇联协调法律援助", "待接收")
		mustNot(t, page, `id="decide-form"`)
		must(t, daoli.get("/needs?incoming=1", http.StatusOK), "劳动合同纠纷")
		body = daoli.post(np+"/refuse", url.Values{}, http.StatusUnprocessableEntity)
		must(t, body, "请填写不接收的理由")
		page = daoli.post(np+"/accept", url.Values{}, http.StatusSeeOther)
		must(t, page, "已接收", "道里区妇联")

		body = daoli.post("/visits/quotas", url.Values{"org_code": {"230103"}, "metric": {"women"}, "target": {"10"},
			"starts_on": {shanghaiDay(-10)}, "ends_on": {shanghaiDay(20)}}, http.StatusUnprocessableEntity)
		must(t, body, "只能为本单位及下级单位设置任务指标")
		if count(t, d, `SELECT COUNT(*) FROM quotas`) != 0 {
			t.Fatal("bad quota stored")
		}
		loc = city.postLocation("/visits/quotas", url.Values{"title": {"1+10+N 联系妇女"}, "org_code": {"2301"}, "metric": {"women"},
			"target": {"10"}, "starts_on": {shanghaiDay(-10)}, "ends_on": {shanghaiDay(20)}})
		street.post("/visits", url.Values{"visited_on": {shanghaiDay(0)}, "place": {"兆麟街道"}, "women": {"12"}}, http.StatusSeeOther)
		page = city.get(loc, http.StatusOK)
		must(t, page, `id="cadres"`, "张秀英", "12 / 10", "已达标")
		visitPageClean(t, page)
		must(t, street.get("/visits/quotas", http.StatusOK), `id="my-quotas"`, "12 / 10")
		mustNot(t, street.get("/visits/quotas", http.StatusOK), `id="quota-form"`+"x")
	})
}

// TestVisitPagesWithDemo opens every page of the module over the demo
// work data, as the city and as a village cadre: all render, none breaks
// the CSP, and the overdue and due-soon rows are coloured.
func TestVisitPagesWithDemo(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		if err := demo.SeedWork(context.Background(), app.Server.Deps.Auth, app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		city, village := signIn(t, app, "city.staff"), signIn(t, app, "village.staff")
		for _, p := range []string{"/visits", "/visits?mine=1", "/needs", "/needs?category=rights", "/tasks", "/tasks?overdue=1",
			"/visits/quotas", "/visits/stats", "/visits/stats?under=230102&year=" + thisYear(), "/tasks/new", "/needs/new", "/visits/new"} {
			visitPageClean(t, city.get(p, http.StatusOK))
		}
		tasks := city.get("/tasks", http.StatusOK)
		must(t, tasks, `class="row-red"`, "逾期", "满意")
		quotas := city.get("/visits/quotas", http.StatusOK)
		m := regexp.MustCompile(`href="(/visits/quotas/\d+)"`).FindStringSubmatch(quotas)
		if m == nil {
			t.Fatalf("no quota\n%s", excerpt(quotas))
		}
		must(t, city.get(m[1], http.StatusOK), "每名执委联系妇女不少于 10 人", `id="cadres"`, "张秀英")
		rows := xlsxRows(t, city, strings.Replace(m[1], "/quotas/", "/quotas/export/", 1))
		if len(rows) < 2 || rows[0][0] != "干部" || !strings.Contains(fmt.Sprint(rows), "张秀英") {
			t.Fatalf("quota export: %v", rows)
		}
		must(t, village.get("/visits/quotas", http.StatusOK), `id="my-quotas"`)
		for _, id := range regexp.MustCompile(`href="(/(?:needs|tasks|visits)/\d+)"`).FindAllStringSubmatch(city.get("/needs", http.StatusOK)+tasks+city.get("/visits", http.StatusOK), -1) {
			visitPageClean(t, city.get(id[1], http.StatusOK))
		}
		must(t, signIn(t, app, "daoli.staff").get("/needs?incoming=1", http.StatusOK), "孕期被调岗降薪")
	})
}
