package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/db"
	"halfsky/internal/demo"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// payFixture is this year's 两癌救助 opened by the domain, with
// applications entered at 道里区's village and passed up four levels.
type payFixture struct {
	t     *testing.T
	app   *testapp.App
	cycle aid.Cycle
}

func (f *payFixture) actor(username string) access.Actor {
	f.t.Helper()
	return f.app.Actor(f.t, username)
}

func newPayFixture(t *testing.T, app *testapp.App) *payFixture {
	t.Helper()
	f := &payFixture{t: t, app: app}
	svc := app.Server.Deps.Aid
	y := svc.Year()
	c, err := svc.SaveCycle(context.Background(), f.actor("city.leader"), aid.CycleInput{Programme: "cancer", Year: y, Budget: 5_000_000,
		OpensOn: fmt.Sprintf("%d-01-01", y), ClosesOn: fmt.Sprintf("%d-12-31", y)})
	if err != nil {
		t.Fatal(err)
	}
	f.cycle = c
	return f
}

// application enters one at the village and passes it through the levels
// named (street.staff, daoli.staff, city.leader), as far as given.
func (f *payFixture) application(name, first17 string, levels ...string) aid.Application {
	f.t.Helper()
	ctx, svc := context.Background(), f.app.Server.Deps.Aid
	village := f.actor("village.staff")
	x, err := svc.Create(ctx, village, aid.Input{Programme: "cancer", Name: name, IDNumber: aidID(first17), Phone: "13912345678",
		Address: "道里区安静街 8 号", Household: "dibao", MedicalConsent: true,
		Facts: map[string]string{"diagnosis": "breast_invasive", "stage": "II", "hospital": "哈医大二院"}})
	if err != nil {
		f.t.Fatalf("%s: %v %v", first17, err, apperr.From(err).Fields)
	}
	if err := demo.AttachSamples(ctx, svc, village, x.ID); err != nil {
		f.t.Fatal(err)
	}
	if x, err = svc.Submit(ctx, village, x.ID, x.Version); err != nil {
		f.t.Fatalf("submit: %v %v", err, apperr.From(err).Fields)
	}
	for _, who := range levels {
		if x, err = svc.Decide(ctx, f.actor(who), x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); err != nil {
			f.t.Fatalf("%s: %v %v", who, err, apperr.From(err).Fields)
		}
	}
	return x
}

var payChain = []string{"street.staff", "daoli.staff", "city.leader"}

// pendingLine is the id of an application's line waiting for the bank.
func pendingLine(t *testing.T, d *db.DB, appID int64) string {
	t.Helper()
	var id int64
	if err := d.QueryRow(context.Background(), `SELECT id FROM aid_payment_lines WHERE application_id = ? AND status = 'pending'`, appID).
		Scan(&id); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(id, 10)
}

// TestAidPayPages is disbursement through the pages on both databases: a
// bad account is refused beside its field with nothing stored; a batch
// with an unapproved application is refused naming it; the city leader
// makes a batch and records paid and failed; the failed application's
// account is corrected and it is paid in a second batch; the ledger
// balances and exports without personal data; city staff and districts
// cannot make batches; 南岗 sees nothing of 道里's.
func TestAidPayPages(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		app := testapp.Start(t, d)
		f := newPayFixture(t, app)
		village, city, cityStaff := signIn(t, app, "village.staff"), signIn(t, app, "city.leader"), signIn(t, app, "city.staff")
		daoliLeader, nangang := signIn(t, app, "daoli.leader"), signIn(t, app, "nangang.leader")
		a := f.application("白桦林秀兰", "23010219720509004", payChain...)
		b := f.application("王秀兰", "23010219800101004", payChain...)
		u := f.application("张玉梅", "23010219850303008", "street.staff")
		accA, accB := aid.CompleteCard("621799123456789012"), aid.CompleteCard("622700111122223")
		pathA, pathB := "/aid/"+strconv.FormatInt(a.ID, 10), "/aid/"+strconv.FormatInt(b.ID, 10)

		// The account: a wrong check digit and no bank are refused beside
		// their fields; nothing is stored.
		page := village.get(pathA+"/account", http.StatusOK)
		must(t, page, `id="account-none"`, `id="account-form"`, "白**")
		mustNot(t, page, "白桦林秀兰")
		visitPageClean(t, page)
		bad := accA[:18] + string('0'+(accA[18]-'0'+1)%10)
		must(t, village.post(pathA+"/account", url.Values{"bank_name": {"中国农业银行"}, "account": {bad}}, http.StatusUnprocessableEntity),
			`id="f-account-error"`, aid.ErrAccountCheck)
		must(t, village.post(pathA+"/account", url.Values{"bank_name": {" "}, "account": {"6217 99"}}, http.StatusUnprocessableEntity),
			`id="f-account-error"`, aid.ErrAccountFormat, `id="f-bank_name-error"`, aid.ErrBankName)
		if n := count(t, d, `SELECT COUNT(*) FROM aid_accounts`); n != 0 {
			t.Fatalf("%d accounts after bad input", n)
		}
		// Not approved: no form, and a forged post is refused.
		must(t, village.get("/aid/"+strconv.FormatInt(u.ID, 10)+"/account", http.StatusOK), `id="account-not-approved"`)
		must(t, village.post("/aid/"+strconv.FormatInt(u.ID, 10)+"/account", url.Values{"bank_name": {"中国农业银行"}, "account": {accA}},
			http.StatusUnprocessableEntity), `id="account-refused"`, "只有已批准的申请")
		nangang.get(pathA+"/account", http.StatusNotFound)
		nangang.post(pathA+"/account", url.Values{"bank_name": {"中国农业银行"}, "account": {accA}}, http.StatusNotFound)
		if n := count(t, d, `SELECT COUNT(*) FROM aid_accounts`); n != 0 {
			t.Fatalf("%d accounts after refusals", n)
		}
		spaced := accA[:4] + " " + accA[4:8] + " " + accA[8:12] + " " + accA[12:]
		page = village.post(pathA+"/account", url.Values{"bank_name": {"中国农业银行哈尔滨道里支行"}, "account": {spaced}}, http.StatusSeeOther)
		must(t, page, "已保存收款账户", "**** **** "+accA[15:], "中国农业银行哈尔滨道里支行")
		mustNot(t, page, accA, spaced)

		// Batches are the city leader's.
		list := city.get("/aid/pay", http.StatusOK)
		must(t, list, `id="new-batch-`+strconv.FormatInt(f.cycle.ID, 10)+`"`, "没有符合条件的付款批次")
		visitPageClean(t, list)
		mustNot(t, cityStaff.get("/aid/pay", http.StatusOK), `id="batch-new"`)
		newPath := "/aid/pay/new?cycle=" + strconv.FormatInt(f.cycle.ID, 10)
		cityStaff.get(newPath, http.StatusForbidden)
		daoliLeader.get(newPath, http.StatusForbidden)
		cycle := strconv.FormatInt(f.cycle.ID, 10)
		pick := func(ids ...int64) url.Values {
			v := url.Values{"cycle": {cycle}}
			for _, id := range ids {
				v.Add("application", strconv.FormatInt(id, 10))
			}
			return v
		}
		cityStaff.post("/aid/pay", pick(a.ID), http.StatusForbidden)
		daoliLeader.post("/aid/pay", pick(a.ID), http.StatusForbidden)

		// The payables: a with its masked account, b without one.
		page = city.get(newPath, http.StatusOK)
		must(t, page, `id="pick-`+strconv.FormatInt(a.ID, 10)+`"`, "**** **** "+accA[15:], `id="no-account-`+strconv.FormatInt(b.ID, 10)+`"`,
			"未登记银行账户", "道里区")
		mustNot(t, page, `id="payee-`+strconv.FormatInt(u.ID, 10)+`"`, accA, "白桦林秀兰", "王秀兰")
		visitPageClean(t, page)
		// An unapproved application and one without an account: refused, each named.
		page = city.post("/aid/pay", pick(a.ID, u.ID, b.ID), http.StatusUnprocessableEntity)
		must(t, page, `id="batch-errors"`, "申请 "+strconv.FormatInt(u.ID, 10)+" 尚未批准，不能付款",
			"申请 "+strconv.FormatInt(b.ID, 10)+" 尚未登记收款账户")
		must(t, city.post("/aid/pay", pick(), http.StatusUnprocessableEntity), "请选择要付款的申请")
		if n := count(t, d, `SELECT COUNT(*) FROM aid_batches`) + count(t, d, `SELECT COUNT(*) FROM aid_payment_lines`); n != 0 {
			t.Fatalf("refused batches left %d rows", n)
		}

		// b's account; the batch of both.
		village.post(pathB+"/account", url.Values{"bank_name": {"中国建设银行"}, "account": {accB}}, http.StatusSeeOther)
		loc := city.postLocation("/aid/pay", pick(a.ID, b.ID))
		batch := idAfter(t, loc, "/aid/pay/batches/")
		bpath := "/aid/pay/batches/" + batch
		page = city.get(bpath, http.StatusOK)
		must(t, page, `id="batch-status"`, "待银行回复", "白**", "**** **** "+accA[15:], `href="/aid/exports/new?kind=bank&amp;batch=`+batch+`"`,
			`id="stat-amount"><span class="stat-value">20,000.00<`)
		mustNot(t, page, accA, accB, "白桦林秀兰", "王秀兰")
		visitPageClean(t, page)
		// The account cannot change while the line waits.
		must(t, village.post(pathA+"/account", url.Values{"bank_name": {"中国银行"}, "account": {accB}}, http.StatusUnprocessableEntity),
			`id="account-refused"`, "已在付款批次中")

		// 南岗 sees nothing of it; staff cannot answer.
		nangang.get(bpath, http.StatusNotFound)
		mustNot(t, nangang.get("/aid/pay?year=all", http.StatusOK), `id="batch-`+batch+`"`)
		lineA, lineB := pendingLine(t, d, a.ID), pendingLine(t, d, b.ID)
		nangang.post(bpath+"/lines/"+lineA, url.Values{"result": {"paid"}}, http.StatusForbidden)
		cityStaff.post(bpath+"/lines/"+lineA, url.Values{"result": {"paid"}}, http.StatusForbidden)
		staffPage := cityStaff.get(bpath, http.StatusOK)
		must(t, staffPage, `id="bank-export"`)
		mustNot(t, staffPage, `id="answer-`+lineA+`"`)
		daoliPage := daoliLeader.get(bpath, http.StatusOK)
		must(t, daoliPage, `id="line-`+lineA+`"`)
		mustNot(t, daoliPage, `id="bank-export"`, `id="answer-`+lineA+`"`)

		// The bank's answers: a failure needs its reason.
		must(t, city.post(bpath+"/lines/"+lineB, url.Values{"result": {"failed"}, "note": {" "}}, http.StatusUnprocessableEntity),
			`id="f-note-`+lineB+`-error"`, "请填写付款失败的原因")
		if n := count(t, d, `SELECT COUNT(*) FROM aid_payment_lines WHERE status = 'pending'`); n != 2 {
			t.Fatalf("%d lines pending after a refused answer", n)
		}
		must(t, city.post(bpath+"/lines/"+lineA, url.Values{"result": {"paid"}}, http.StatusSeeOther), "已记录：已付款")
		must(t, city.post(bpath+"/lines/"+lineA, url.Values{"result": {"failed"}, "note": {"重复"}}, http.StatusUnprocessableEntity),
			`id="line-`+lineA+`-error"`, "已有银行回复")
		page = city.post(bpath+"/lines/"+lineB, url.Values{"result": {"failed"}, "note": {"户名与账号不符"}}, http.StatusSeeOther)
		must(t, page, "批次已完成", "户名与账号不符", `id="stat-paid"><span class="stat-value">10,000.00<`)
		mustNot(t, page, `id="answer-`)

		// b is corrected and paid in a second batch.
		page = city.get(newPath, http.StatusOK)
		must(t, page, "曾付款失败 1 次：户名与账号不符")
		mustNot(t, page, `id="payee-`+strconv.FormatInt(a.ID, 10)+`"`)
		accB2 := aid.CompleteCard("621700555566667")
		must(t, village.post(pathB+"/account", url.Values{"bank_name": {"中国建设银行哈尔滨分行"}, "account": {accB2}}, http.StatusSeeOther),
			"**** **** "+accB2[12:])
		batch2 := idAfter(t, city.postLocation("/aid/pay", pick(b.ID)), "/aid/pay/batches/")
		must(t, city.post("/aid/pay/batches/"+batch2+"/lines/"+pendingLine(t, d, b.ID), url.Values{"result": {"paid"}}, http.StatusSeeOther),
			"批次已完成")
		list = city.get("/aid/pay", http.StatusOK)
		must(t, list, `id="batch-`+batch+`"`, `id="batch-`+batch2+`"`, "第2批")
		must(t, city.get("/aid/pay?status=open", http.StatusOK), "没有符合条件的付款批次")

		// The ledger: 3 approved (a, b paid; u under review is not in it).
		ledger := city.get("/aid/pay/ledger", http.StatusOK)
		wantStats(t, ledger, map[string]string{"stat-budget": "50,000.00", "stat-approved": "20,000.00", "stat-paid": "20,000.00",
			"stat-failed": "0.00", "stat-remaining": "30,000.00"})
		must(t, ledger, `id="ledger-balanced"`, `data-chart="`, `id="district-230102"`, `id="programme-cancer-230102"`)
		visitPageClean(t, ledger)
		nl := nangang.get("/aid/pay/ledger", http.StatusOK)
		must(t, nl, `id="ledger-balanced"`, `id="stat-approved"><span class="stat-value">0.00<`)
		mustNot(t, nl, `id="district-230102"`, `id="stat-budget"`)
		exports := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.export'`)
		rows := xlsxRows(t, city, "/aid/pay/ledger.xlsx")
		all := fmt.Sprint(rows)
		if len(rows) != 4 || !strings.Contains(all, "两癌救助") || !strings.Contains(all, "20,000.00") || strings.Contains(all, "白") {
			t.Fatalf("ledger export: %v", rows)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_events WHERE action = 'aid.export' AND object_type = 'aid_ledger'`); n != exports+1 {
			t.Fatalf("ledger export audited %d times", n-exports)
		}
		if rows := xlsxRows(t, nangang, "/aid/pay/ledger.xlsx"); strings.Contains(fmt.Sprint(rows), "道里区") {
			t.Fatalf("南岗's export: %v", rows)
		}
	})
}

// TestAidPayPagesRefuseAdministrators: disbursement is the business roles'.
func TestAidPayPagesRefuseAdministrators(t *testing.T) {
	app := testapp.Start(t, testdb.SQLite(t))
	c := app.Client(t)
	c.LoginAdmin("admin")
	for _, p := range []string{"/aid/pay", "/aid/pay/new?cycle=1", "/aid/pay/batches/1", "/aid/pay/ledger", "/aid/pay/ledger.xlsx", "/aid/1/account"} {
		refusedPage(t, "GET "+p, c.Do("GET", p, nil), http.StatusForbidden, pageDenied)
	}
	for _, p := range []string{"/aid/pay", "/aid/pay/batches/1/lines/1", "/aid/1/account"} {
		refusedPage(t, "POST "+p, c.Do("POST", p, url.Values{}), http.StatusForbidden, pageDenied)
	}
}
