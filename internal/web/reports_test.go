package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// reportOf finds a unit's report under the document: on its to-do page,
// the row that links to the document, and on the document page.
func reportOf(t *testing.T, u *ui, docID string) string {
	t.Helper()
	todo := u.get("/reports/todo", http.StatusOK)
	m := regexp.MustCompile(`href="/reports/(\d+)">学习贯彻情况</a></td>\s*<td data-label="公文"><span><a href="/docs/` + docID + `"`).FindStringSubmatch(todo)
	if m == nil {
		t.Fatalf("no report on the to-do page\n%s", excerpt(todo))
	}
	page := u.get("/docs/"+docID, http.StatusOK)
	must(t, page, `id="my-reports"`, `href="/reports/`+m[1]+`"`)
	return "/reports/" + m[1]
}

func stat(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"><span class="stat-value">([^<]*)</span>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no stat %s\n%s", id, excerpt(page))
	}
	return m[1]
}

func wantStats(t *testing.T, page string, want map[string]string) {
	t.Helper()
	for id, v := range want {
		if got := stat(t, page, id); got != v {
			t.Errorf("%s = %s, want %s", id, got, v)
		}
	}
}

// TestReportLoop is the 督办/报送 half of the loop through the forms:
// three districts sign for the notice and report; the city returns one
// with a reason and it is resubmitted; the dashboard shows the counts, 催办
// reaches the rest, the Excel export has a row per district; a district
// sees neither another district's report nor the dashboard; reporting
// after acceptance is refused.
func TestReportLoop(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		l := issueNotice(t, app, false)
		addUser(t, app, "daowai.staff", "周丽", "230104", access.Staff)
		addUser(t, app, "xiangfang.staff", "吴敏", "230110", access.Staff)
		dash := l.docPath + "/requirements/" + l.reqID

		daoli, nangang, daowai := signIn(t, app, "daoli.staff"), signIn(t, app, "nangang.leader"), signIn(t, app, "daowai.staff")
		reports := map[*ui]string{}
		for _, u := range []*ui{daoli, nangang, daowai} {
			home := u.get("/", http.StatusOK)
			must(t, home, "待报送", "学习贯彻情况")
			u.post(l.docPath+"/receive", nil, http.StatusSeeOther)
			reports[u] = reportOf(t, u, l.docID)
		}

		// Bad input beside the fields, nothing stored.
		body := daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {""}, "n.n1": {"3"}}, http.StatusUnprocessableEntity)
		must(t, body, "请填写报送内容")
		body = daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {"已组织学习"}, "n.n1": {"三场"}, "n.n2": {"-5"}}, http.StatusUnprocessableEntity)
		must(t, body, "请填写数字", `value="三场"`, "已组织学习")
		body = daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {"已组织学习"}, "n.n1": {"3"}, "n.n2": {"-5"}}, http.StatusUnprocessableEntity)
		must(t, body, "参加人数应为不小于 0 的整数")
		if n := count(t, d, `SELECT COUNT(*) FROM reports WHERE requirement_id = ? AND status <> 'pending'`, l.reqID); n != 0 {
			t.Fatalf("refused reports stored: %d", n)
		}
		// A draft, then the report with an attachment.
		page := daoli.post(reports[daoli], url.Values{"action": {"save"}, "body": {"道里区妇联召开专题学习会"}, "n.n1": {"2"}}, http.StatusSeeOther)
		must(t, page, "草稿已保存", "道里区妇联召开专题学习会", `value="2"`)
		if r := daoli.upload(reports[daoli]+"/files", "file", "tool.exe", []byte("MZ"), nil); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "不接受该类型") {
			t.Fatalf("report .exe: %d", r.Status)
		}
		if r := daoli.upload(reports[daoli]+"/files", "file", "学习记录.txt", []byte("会议记录"), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("report attachment: %d", r.Status)
		}
		page = daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {"道里区妇联召开专题学习会 2 场。"}, "n.n1": {"2"}, "n.n2": {"150"}}, http.StatusSeeOther)
		must(t, page, "已报送", "学习记录.txt")
		page = nangang.post(reports[nangang], url.Values{"action": {"submit"}, "body": {"南岗区妇联组织专题研讨。"}, "n.n1": {"4"}, "n.n2": {"260"}}, http.StatusSeeOther)
		must(t, page, "已报送")
		daowai.post(reports[daowai], url.Values{"action": {"submit"}, "body": {"道外区妇联开展专题培训。"}, "n.n1": {"1"}, "n.n2": {"80"}}, http.StatusSeeOther)

		// The dashboard.
		page = l.staff.get(dash, http.StatusOK)
		wantStats(t, page, map[string]string{"stat-total": "18", "stat-submitted": "3", "stat-accepted": "0", "stat-unsigned": "15", "stat-complete": "16.7%", "stat-timely": "100.0%"})
		if n := strings.Count(page, `<tr id="unit-`); n != 18 {
			t.Fatalf("%d unit rows, want 18", n)
		}
		must(t, page, `id="groups"`, "道里区妇联", `badge badge-green`, `id="export"`, `id="urge"`)

		// Returning without a reason: the message beside that row's field.
		daoliID := strings.TrimPrefix(reports[daoli], "/reports/")
		body = l.staff.post(dash+"/reports/"+daoliID+"/return?state=submitted", url.Values{"reason": {""}}, http.StatusUnprocessableEntity)
		must(t, body, "请写明退回理由", `id="reason-`+daoliID+`-error"`)
		page = l.staff.post(dash+"/reports/"+daoliID+"/return?state=submitted", url.Values{"reason": {"请补充参加人员构成"}}, http.StatusSeeOther)
		must(t, page, "道里区妇联：已退回", `<option value="submitted" selected>`)
		for _, u := range []*ui{nangang, daowai} {
			id := strings.TrimPrefix(reports[u], "/reports/")
			l.staff.post(dash+"/reports/"+id+"/accept", nil, http.StatusSeeOther)
		}
		page = l.staff.get(dash, http.StatusOK)
		wantStats(t, page, map[string]string{"stat-total": "18", "stat-submitted": "0", "stat-accepted": "2", "stat-returned": "1"})

		// The unit sees the reason (and a notification) and resubmits.
		page = daoli.get(reports[daoli], http.StatusOK)
		must(t, page, "报送已被退回", "请补充参加人员构成", `id="submit-report"`)
		must(t, daoli.get("/notices", http.StatusOK), "报送被退回：学习贯彻情况", "全部标为已读")
		daoli.post("/notices/read", nil, http.StatusSeeOther)
		mustNot(t, daoli.get("/notices", http.StatusOK), `badge-red">未读`)
		page = daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {"道里区妇联召开专题学习会 2 场，机关干部和社区妇联主席参加。"}, "n.n1": {"2"}, "n.n2": {"150"}}, http.StatusSeeOther)
		must(t, page, "已报送")
		page = l.staff.get("/reports/"+daoliID, http.StatusOK)
		must(t, page, "机关干部和社区妇联主席参加", `id="accept"`)
		page = l.staff.post("/reports/"+daoliID+"/accept", nil, http.StatusSeeOther)
		must(t, page, "已采纳")

		// Reporting after acceptance is refused, nothing changes.
		page = daoli.post(reports[daoli], url.Values{"action": {"submit"}, "body": {"再报一次"}, "n.n1": {"9"}, "n.n2": {"9"}}, http.StatusSeeOther)
		must(t, page, "flash flash-error", "报送已被采纳，不能再修改或重报")
		if n := count(t, d, `SELECT COUNT(*) FROM reports WHERE id = ? AND status = 'accepted' AND body NOT LIKE '%再报一次%'`, daoliID); n != 1 {
			t.Fatal("a report changed after acceptance")
		}
		// Deciding twice is refused too.
		page = l.staff.post("/reports/"+daoliID+"/accept", nil, http.StatusSeeOther)
		must(t, page, "只有已报送的报告可以采纳")

		// An extension: asked for, refused field by field, then granted.
		xf := signIn(t, app, "xiangfang.staff")
		xfReport := reportOf(t, xf, l.docID)
		body = xf.post(xfReport+"/extension", url.Values{"until": {shanghaiDay(5)}, "reason": {""}}, http.StatusUnprocessableEntity)
		must(t, body, "延期后的日期须晚于当前截止日期", "请说明延期理由")
		page = xf.post(xfReport+"/extension", url.Values{"until": {shanghaiDay(20)}, "reason": {"区妇联换届，学习安排在下旬"}}, http.StatusSeeOther)
		must(t, page, "延期申请已提交", "延期申请审批中")
		page = l.staff.get(dash+"?state=unsigned", http.StatusOK)
		must(t, page, "区妇联换届，学习安排在下旬")
		xfID := strings.TrimPrefix(xfReport, "/reports/")
		body = l.staff.post(dash+"/reports/"+xfID+"/refuse", url.Values{"reply": {""}}, http.StatusUnprocessableEntity)
		must(t, body, "不同意延期时请说明理由")
		page = l.staff.post(dash+"/reports/"+xfID+"/grant", url.Values{"reply": {"同意"}}, http.StatusSeeOther)
		must(t, page, "香坊区妇联：已同意延期")
		must(t, xf.get(xfReport, http.StatusOK), "已同意延期", shanghaiDay(20)[:4]+"年")

		// The dashboard after it all; the roll-up drills down to a district.
		page = l.staff.get(dash, http.StatusOK)
		wantStats(t, page, map[string]string{"stat-total": "18", "stat-submitted": "0", "stat-accepted": "3", "stat-returned": "0",
			"stat-overdue": "0", "stat-complete": "16.7%", "stat-timely": "100.0%"})
		page = l.staff.get(dash+"?under=230102", http.StatusOK)
		wantStats(t, page, map[string]string{"stat-total": "1", "stat-accepted": "1", "stat-complete": "100.0%"})
		must(t, page, "当前：道里区妇联")
		page = l.staff.get(dash+"?state=accepted", http.StatusOK)
		if n := strings.Count(page, `<tr id="unit-`); n != 3 {
			t.Fatalf("%d accepted rows, want 3", n)
		}

		// 催办 reaches every unit still missing.
		page = l.staff.post(dash+"/urge", nil, http.StatusSeeOther)
		must(t, page, "已向 15 个单位催办")
		must(t, xf.get("/notices", http.StatusOK), "催办：请报送学习贯彻情况")
		mustNot(t, nangang.get("/notices", http.StatusOK), "催办：")

		// The Excel export: a header and one row per district.
		r := l.staff.c.Do("GET", dash+"/export.xlsx", nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		xl, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := xl.GetRows("报送情况")
		xl.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != 18 {
			t.Fatalf("export has %d data rows, want 18", len(rows)-1)
		}
		head := strings.Join(rows[0], "|")
		if head != "单位代码|单位名称|状态|签收时间|报送时间|截止日期|延期|专题学习场次（场）|参加人数（人）|退回理由" {
			t.Fatalf("export header: %s", head)
		}
		var daoliRow []string
		for _, row := range rows[1:] {
			if row[0] == "230102" {
				daoliRow = row
			}
		}
		if daoliRow == nil || daoliRow[1] != "道里区妇联" || daoliRow[2] != "已采纳" || daoliRow[7] != "2" || daoliRow[8] != "150" || len(daoliRow) > 9 && daoliRow[9] != "" {
			// the resubmission answered the return: its reason is cleared
			t.Fatalf("道里 row: %q", daoliRow)
		}

		// Scope: a district sees neither another district's report, nor the
		// dashboard, nor its export; it cannot decide anything.
		nangangID := strings.TrimPrefix(reports[nangang], "/reports/")
		daoli.get("/reports/"+nangangID, http.StatusNotFound)
		daoli.get(dash, http.StatusNotFound)
		daoli.get(dash+"/export.xlsx", http.StatusNotFound)
		daoli.post("/reports/"+nangangID+"/return", url.Values{"reason": {"x"}}, http.StatusNotFound)
		daoli.post(dash+"/urge", nil, http.StatusNotFound)
		daoli.post(reports[nangang], url.Values{"action": {"submit"}, "body": {"冒名报送"}}, http.StatusNotFound)
		mustNot(t, daoli.get("/reports/todo", http.StatusOK), "南岗", "道外")
		// The unit cannot decide on its own report.
		daoli.refused("POST", "/reports/"+daoliID+"/return", url.Values{"reason": {"x"}}, http.StatusForbidden, actionDenied)
		// The issuing unit's leader sees every report; a street sees none of them.
		signIn(t, app, "city.leader").get("/reports/"+nangangID, http.StatusOK)
		street := signIn(t, app, "street.staff")
		street.get("/reports/"+nangangID, http.StatusNotFound)
		must(t, street.get("/reports/todo", http.StatusOK), "没有待报送的事项")
	})
}
