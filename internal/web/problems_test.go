package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

func problemForm(found, due string) url.Values {
	return url.Values{"category": {"organ"}, "source": {"public"}, "description": {"街道妇联办公室坐班多、入户少，群众反映找不到人"},
		"measures": {"建立干部包片联系社区制度"}, "responsible": {"王丽华"}, "mode": {"deadline"},
		"plan": {"11月建立包片台账，12月起每月通报入户情况"}, "found_on": {found}, "due_on": {due}}
}

// TestProblemLoop: through the pages, a district records a 限期整改 problem
// (bad input first), adds progress with evidence, applies; the city
// returns it with a reason, the district applies again and the city closes
// it. The district never gets the close form and a forged close is
// refused; another district does not see it; the lists, stats and Excel
// exports show it.
func TestProblemLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		daoli, city, nangang := signIn(t, app, "daoli.staff"), signIn(t, app, "city.staff"), signIn(t, app, "nangang.leader")
		today, later := shanghaiDay(0), shanghaiDay(40)

		must(t, daoli.get("/problems/new", http.StatusOK), `id="problem-form"`)
		bad := problemForm(today, shanghaiDay(-3))
		bad.Set("plan", "")
		body := daoli.post("/problems", bad, http.StatusUnprocessableEntity)
		must(t, body, "限期整改须拿出整改计划", "整改期限不能早于发现日期", "街道妇联办公室坐班多")
		ongoing := problemForm(today, "")
		ongoing.Set("mode", "ongoing")
		must(t, daoli.post("/problems", ongoing, http.StatusUnprocessableEntity), "长期坚持须设定至少一个复查日期")
		if n := count(t, d, `SELECT COUNT(*) FROM problems`); n != 0 {
			t.Fatalf("%d problems after bad input", n)
		}

		loc := daoli.postLocation("/problems", problemForm(today, later))
		id := idAfter(t, loc, "/problems/")
		path := "/problems/" + id
		page := daoli.get(path, http.StatusOK)
		must(t, page, "整改中", `id="progress-form"`, `id="apply-form"`)
		mustNot(t, page, `id="close-form"`)

		// The record can be changed while it is being fixed; bad input changes nothing.
		must(t, daoli.get(path+"/edit", http.StatusOK), `value="王丽华"`)
		edit := problemForm(today, later)
		edit.Set("mode", "ongoing")
		must(t, daoli.post(path+"/edit", edit, http.StatusUnprocessableEntity), "长期坚持须设定至少一个复查日期")
		edit = problemForm(today, shanghaiDay(50))
		must(t, daoli.post(path+"/edit", edit, http.StatusSeeOther), "已保存修改", shanghaiDay(50)[:4])
		city.refused("POST", path+"/edit", edit, http.StatusForbidden, actionDenied)

		// Evidence of a wrong type is refused beside the field.
		r := daoli.upload(path+"/progress", "files", "x.exe", []byte("MZ\x90\x00"), url.Values{"note": {"已建台账"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "已建台账") {
			t.Fatalf("bad evidence: %d\n%s", r.Status, excerpt(r.Body))
		}
		png := []byte("\x89PNG\r\n\x1a\n0000000000000000")
		if r := daoli.upload(path+"/progress", "files", "台账.png", png, url.Values{"note": {"已建立包片台账"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("progress: %d\n%s", r.Status, excerpt(r.Body))
		}
		page = daoli.get(path, http.StatusOK)
		must(t, page, "已建立包片台账", "台账.png")
		must(t, daoli.post(path+"/apply", url.Values{"note": {""}}, http.StatusUnprocessableEntity), "请填写整改完成情况")
		must(t, daoli.post(path+"/apply", url.Values{"note": {"已完成包片"}}, http.StatusSeeOther), "已申请销号")

		// The district cannot close its own: no form, a forged POST refused.
		page = daoli.get(path, http.StatusOK)
		mustNot(t, page, `id="close-form"`, `id="apply-form"`)
		must(t, daoli.post(path+"/close", url.Values{"note": {"自己销号"}}, http.StatusSeeOther), "不能自行销号")
		if n := count(t, d, `SELECT COUNT(*) FROM problems WHERE status = 'applied'`); n != 1 {
			t.Fatal("forged close changed the item")
		}
		// Another district does not see it.
		nangang.get(path, http.StatusNotFound)
		nangang.post(path+"/close", url.Values{}, http.StatusNotFound)

		must(t, city.get("/problems/verify", http.StatusOK), "待我审核（1）", "街道妇联办公室坐班多")
		page = city.get(path, http.StatusOK)
		must(t, page, `id="close-form"`, `id="return-form"`, "台账.png")
		mustNot(t, page, `id="progress-form"`)
		must(t, city.post(path+"/return", url.Values{"reason": {" "}}, http.StatusUnprocessableEntity), "请写明退回理由")
		must(t, city.post(path+"/return", url.Values{"reason": {"缺少入户记录佐证"}}, http.StatusSeeOther), "已退回")
		must(t, daoli.get(path, http.StatusOK), "销号申请被退回：缺少入户记录佐证", `id="apply-form"`)
		must(t, daoli.post(path+"/apply", url.Values{"note": {"已补充入户记录"}}, http.StatusSeeOther), "已申请销号")
		must(t, city.post(path+"/close", url.Values{"note": {"同意销号"}}, http.StatusSeeOther), "已审核销号")
		must(t, daoli.get(path, http.StatusOK), "已销号", "审核销号", "同意销号")

		// Lists, roll-up and exports.
		must(t, city.get("/problems?status=closed", http.StatusOK), `id="problem-`+id+`"`)
		mustNot(t, city.get("/problems?status=open", http.StatusOK), `id="problem-`+id+`"`)
		mustNot(t, nangang.get("/problems", http.StatusOK), `id="problem-`+id+`"`)
		stats := city.get("/problems/stats", http.StatusOK)
		wantStats(t, stats, map[string]string{"stat-total": "1", "stat-closed": "1", "stat-red": "0"})
		must(t, stats, `data-chart="`, `id="unit-230102"`, `href="/problems/stats?under=230102"`)
		wantStats(t, city.get("/problems/stats?under=230102", http.StatusOK), map[string]string{"stat-total": "1"})
		nangang.get("/problems/stats?under=230102", http.StatusNotFound)
		for _, x := range []struct{ path, want string }{{"/problems/export.xlsx", "街道妇联办公室坐班多"}, {"/problems/stats.xlsx", "道里区妇联"}} {
			r := city.c.Do("GET", x.path, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", x.path, r.Status)
			}
			f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows(f.GetSheetName(0))
			if len(rows) < 2 || !strings.Contains(strings.Join(rows[1], "|"), x.want) {
				t.Fatalf("%s rows %v", x.path, rows)
			}
		}
		// The city has nobody above: no 申请销号 on its own item.
		own := idAfter(t, city.postLocation("/problems", problemForm(today, later)), "/problems/")
		page = city.get("/problems/"+own, http.StatusOK)
		must(t, page, "无需申请销号", `id="progress-form"`)
		mustNot(t, page, `id="apply-form"`, `id="close-form"`)

		r = nangang.c.Do("GET", "/problems/export.xlsx", nil)
		if f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body))); err != nil {
			t.Fatal(err)
		} else if rows, _ := f.GetRows(f.GetSheetName(0)); len(rows) != 1 {
			t.Fatalf("nangang exported %d rows", len(rows)-1)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action IN ('problem.export', 'problem.stats_export')`); n != 3 {
			t.Fatalf("%d export audit events", n)
		}
	})
}

// TestProblemPagesRefuseAdministrators: the ledger is the business roles'.
func TestProblemPagesRefuseAdministrators(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	c := app.Client(t)
	c.LoginAdmin("admin")
	for _, p := range []string{"/problems", "/problems/new", "/problems/stats", "/problems/export.xlsx"} {
		refusedPage(t, "GET "+p, c.Do("GET", p, nil), http.StatusForbidden, pageDenied)
	}
}
