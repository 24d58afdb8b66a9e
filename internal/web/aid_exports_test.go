package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// exportActor is a demo account as the domain sees it.
func exportActor(t *testing.T, app *testapp.App, username string) access.Actor {
	t.Helper()
	return app.Actor(t, username)
}

// exportBatch pays the demo's approved application (冯桂香) in a batch of
// its own and returns the batch id.
func exportBatch(t *testing.T, app *testapp.App, d *db.DB, account string) int64 {
	t.Helper()
	ctx := context.Background()
	var appID, cycleID int64
	if err := d.QueryRow(ctx, `SELECT id, cycle_id FROM aid_applications WHERE status = 'approved' ORDER BY id LIMIT 1`).Scan(&appID, &cycleID); err != nil {
		t.Fatal(err)
	}
	svc := app.Server.Deps.Aid
	if _, err := svc.SetAccount(ctx, exportActor(t, app, "village.staff"), appID, "中国农业银行哈尔滨道里支行", account); err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateBatch(ctx, exportActor(t, app, "city.leader"), cycleID, []int64{appID})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// TestAidExportPages: the unmasked export through the pages. The list
// links to the request with its filters; a request without a reason is
// refused beside the field; staff cannot decide, 南岗's leader gets 404,
// a rejection needs a note; the approved file is downloaded once by the
// requester (no-store) with the real ID numbers; expired and rejected
// ones are refused; the bank file goes the same way at the city.
func TestAidExportPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		app := testapp.Start(t, d)
		if err := demo.SeedWork(ctx, app.Server.Deps.Auth, app.Server.Deps.Vault, time.Now()); err != nil {
			t.Fatal(err)
		}
		staff, leader := signIn(t, app, "daoli.staff"), signIn(t, app, "daoli.leader")
		city, cityStaff, nangang := signIn(t, app, "city.leader"), signIn(t, app, "city.staff"), signIn(t, app, "nangang.leader")
		first := "230102" + "19750618" + "962" // the demo's approved 冯桂香
		demoID := first + string(idcard.CheckChar(first))
		seeded := count(t, d, `SELECT COUNT(*) FROM aid_exports`) // the demo's request waiting for 道里's leader

		must(t, staff.get("/aid?programme=cancer", http.StatusOK), `id="export-full"`,
			`href="/aid/exports/new?kind=applications&amp;programme=cancer"`, "申请导出完整信息（需领导审批）")
		form := staff.get("/aid/exports/new?kind=applications&programme=cancer", http.StatusOK)
		must(t, form, `id="export-form"`, "两癌救助", "共 4 条", `name="programme" value="cancer"`)
		mustNot(t, form, demoID, "冯桂香")
		visitPageClean(t, form)
		must(t, staff.get("/aid/exports/new?kind=applications&status=paid", http.StatusUnprocessableEntity), "状态不对")
		staff.get("/aid/exports/new?kind=applications&under=230103", http.StatusNotFound)
		staff.refused("GET", "/aid/exports/new?kind=bank&batch=1", nil, http.StatusForbidden, actionDenied)

		// No reason: refused beside the field, nothing stored.
		req := url.Values{"kind": {"applications"}, "programme": {"cancer"}, "reason": {" "}}
		must(t, staff.post("/aid/exports", req, http.StatusUnprocessableEntity), `id="f-reason-error"`, aid.ErrExportReason)
		if n := count(t, d, `SELECT COUNT(*) FROM aid_exports`); n != seeded {
			t.Fatalf("%d requests after a refusal", n)
		}
		req.Set("reason", "交区财政局核对发放名单")
		if loc := staff.postLocation("/aid/exports", req); loc != "/aid/exports" {
			t.Fatalf("after request: %s", loc)
		}
		id := strconv.Itoa(count(t, d, `SELECT MAX(id) FROM aid_exports`))
		mine := staff.get("/aid/exports", http.StatusOK)
		must(t, mine, `id="export-`+id+`"`, "待审批", "交区财政局核对发放名单")
		mustNot(t, mine, `id="download-`+id+`"`, `id="waiting-`+id+`"`)
		visitPageClean(t, mine)

		// Not approved yet; staff cannot decide; 南岗 sees nothing.
		staff.get("/aid/exports/"+id+"/download.xlsx", http.StatusConflict)
		staff.post("/aid/exports/"+id+"/decide", url.Values{"decision": {"approve"}}, http.StatusForbidden)
		nangang.post("/aid/exports/"+id+"/decide", url.Values{"decision": {"approve"}}, http.StatusNotFound)
		mustNot(t, nangang.get("/aid/exports", http.StatusOK), `id="waiting-`+id+`"`)
		nangang.get("/aid/exports/"+id+"/download.xlsx", http.StatusNotFound)

		// The leader: a rejection needs a note; she approves.
		waiting := leader.get("/aid/exports", http.StatusOK)
		must(t, waiting, `id="waiting-`+id+`"`, "交区财政局核对发放名单", "陈静")
		visitPageClean(t, waiting)
		must(t, leader.post("/aid/exports/"+id+"/decide", url.Values{"decision": {"reject"}}, http.StatusUnprocessableEntity),
			`id="f-note-`+id+`-error"`, "请填写不予批准的理由")
		must(t, leader.post("/aid/exports/"+id+"/decide", url.Values{"decision": {"approve"}, "note": {"同意"}}, http.StatusSeeOther))
		must(t, leader.post("/aid/exports/"+id+"/decide", url.Values{"decision": {"approve"}}, http.StatusSeeOther))
		leader.refused("GET", "/aid/exports/"+id+"/download.xlsx", nil, http.StatusForbidden, "只有申请人本人可以下载该导出")

		// Downloaded once, by the requester, not cached.
		must(t, staff.get("/aid/exports", http.StatusOK), `id="download-`+id+`"`)
		r := staff.c.Do("GET", "/aid/exports/"+id+"/download.xlsx", nil)
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
			t.Fatalf("download: %d %q", r.Status, r.Header.Get("Cache-Control"))
		}
		rows := xlsxBody(t, r.Body)
		if len(rows) != 5 || !strings.Contains(strings.Join(flatten(rows), "|"), demoID) ||
			!strings.Contains(strings.Join(flatten(rows), "|"), "冯桂香") {
			t.Fatalf("file rows: %v", rows)
		}
		must(t, staff.get("/aid/exports/"+id+"/download.xlsx", http.StatusGone), "只能下载一次")
		must(t, staff.get("/aid/exports", http.StatusOK), "已下载 4 条")

		// Rejected, then expired.
		req.Set("reason", "再次核对发放名单")
		staff.postLocation("/aid/exports", req)
		rej := strconv.Itoa(count(t, d, `SELECT MAX(id) FROM aid_exports`))
		leader.post("/aid/exports/"+rej+"/decide", url.Values{"decision": {"reject"}, "note": {"用脱敏名单即可"}}, http.StatusSeeOther)
		must(t, staff.get("/aid/exports", http.StatusOK), "用脱敏名单即可", "未批准")
		staff.get("/aid/exports/"+rej+"/download.xlsx", http.StatusConflict)
		staff.postLocation("/aid/exports", req)
		exp := strconv.Itoa(count(t, d, `SELECT MAX(id) FROM aid_exports`))
		leader.post("/aid/exports/"+exp+"/decide", url.Values{"decision": {"approve"}}, http.StatusSeeOther)
		// The domain test moves the clock; here the approval is moved back.
		if _, err := d.Exec(ctx, `UPDATE aid_exports SET expires_at = ? WHERE id = ?`, db.Millis(time.Now().Add(-time.Minute)), exp); err != nil {
			t.Fatal(err)
		}
		must(t, staff.get("/aid/exports/"+exp+"/download.xlsx", http.StatusGone), "24 小时")

		// The bank file: asked for at the city, approved by its leader.
		account := aid.CompleteCard("621799876543210123")
		batch := strconv.FormatInt(exportBatch(t, app, d, account), 10)
		must(t, cityStaff.get("/aid/exports/new?kind=bank&batch="+batch, http.StatusOK), "银行代发文件", "第1批")
		staff.refused("GET", "/aid/exports/new?kind=bank&batch="+batch, nil, http.StatusForbidden, actionDenied)
		cityStaff.postLocation("/aid/exports", url.Values{"kind": {"bank"}, "batch": {batch}, "reason": {"交农业银行代发"}})
		bank := strconv.Itoa(count(t, d, `SELECT MAX(id) FROM aid_exports`))
		cityStaff.post("/aid/exports/"+bank+"/decide", url.Values{"decision": {"approve"}}, http.StatusForbidden)
		city.post("/aid/exports/"+bank+"/decide", url.Values{"decision": {"approve"}}, http.StatusSeeOther)
		r = cityStaff.c.Do("GET", "/aid/exports/"+bank+"/download.xlsx", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("bank download: %d", r.Status)
		}
		if rows := xlsxBody(t, r.Body); len(rows) != 2 || rows[1][1] != "冯桂香" || rows[1][4] != account {
			t.Fatalf("bank rows: %v", rows)
		}

		// Every step audited, with the kind and the count only.
		for action, want := range map[string]int{"aid.export.request": 4, "aid.export.approve": 3, "aid.export.reject": 1,
			"aid.export.download": 2, "aid.export.expire": 1} {
			if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = 'ok'`, action); n != want {
				t.Errorf("%s audited %d times, want %d", action, n, want)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'aid.export%' AND (detail LIKE ? OR detail LIKE ?)`,
			"%"+demoID+"%", "%"+account+"%"); n != 0 {
			t.Fatalf("%d audit details hold personal data", n)
		}
	})
}

// xlsxBody opens a downloaded workbook and returns its first sheet's rows.
func xlsxBody(t *testing.T, body string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
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

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
