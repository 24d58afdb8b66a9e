package e2e

import (
	"context"
	"strconv"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/demo"
	"halfsky/internal/idcard"
	"halfsky/internal/testapp"
	"halfsky/internal/testdb"
)

// payBatch approves two applications of 道里区 through the domain, records
// the first one's account and puts it into a batch; it returns the
// batch's id, the line's, the cycle's and the second application's.
func payBatch(t *testing.T, app *testapp.App) (batch, line, cycle, other int64) {
	t.Helper()
	ctx, svc := context.Background(), app.Server.Deps.Aid
	actor := func(name string) access.Actor { return app.Actor(t, name) }
	year := svc.Year()
	aidOpenYear(t, app, year)
	village := actor("village.staff")
	approve := func(name, first17 string) aid.Application {
		x, err := svc.Create(ctx, village, aid.Input{Programme: "cancer", Name: name, IDNumber: first17 + string(idcard.CheckChar(first17)),
			Phone: "13812345678", Address: "道里区安静街 12 号", Household: "dibao", MedicalConsent: true,
			Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIA", "hospital": "哈尔滨医科大学附属肿瘤医院"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.AttachSamples(ctx, svc, village, x.ID); err != nil {
			t.Fatal(err)
		}
		if x, err = svc.Submit(ctx, village, x.ID, x.Version); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"street.staff", "daoli.staff", "city.leader"} {
			if x, err = svc.Decide(ctx, actor(who), x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); err != nil {
				t.Fatal(err)
			}
		}
		return x
	}
	x := approve("林秀芳", "23010219790822004")
	y := approve("赵桂兰", "23010219830114006")
	// A UnionPay card number with a good Luhn check digit.
	if _, err := svc.SetAccount(ctx, village, x.ID, "中国农业银行哈尔滨道里支行", "6228480402564890018"); err != nil {
		t.Fatal(err)
	}
	cycles, err := svc.Cycles(ctx, actor("city.leader"), "cancer")
	if err != nil || len(cycles) == 0 {
		t.Fatalf("cycles: %v", err)
	}
	b, err := svc.CreateBatch(ctx, actor("city.leader"), cycles[0].ID, []int64{x.ID})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := svc.BatchLines(ctx, actor("city.leader"), b.ID)
	if err != nil || len(lines) != 1 {
		t.Fatalf("lines: %v", err)
	}
	return b.ID, lines[0].ID, cycles[0].ID, y.ID
}

// TestAidPayInBrowser: at each width the city leader opens the ledger
// (chart drawn beside its table), finds the batch on the 发放 tab, marks
// its line paid and sees the batch closed and the ledger move; then she
// records the other approved application's account, a wrong check digit
// refused beside the field first. No page scrolls sideways on a phone and
// the console stays clean.
func TestAidPayInBrowser(t *testing.T) {
	t.Parallel()
	ForEachViewport(t, func(t *testing.T, vp Viewport) { aidPayFlow(t, sqliteApp(t), vp) })
}

// TestPostgresAidPay is the same over PostgreSQL, at the desktop viewport
// (OnDesktop; skipped without a test cluster unless the run requires
// every database).
func TestPostgresAidPay(t *testing.T) {
	t.Parallel()
	OnDesktop(t, func(t *testing.T, vp Viewport) { aidPayFlow(t, testapp.Start(t, testdb.Postgres(t)), vp) })
}

func aidPayFlow(t *testing.T, app *testapp.App, vp Viewport) {
	t.Helper()
	batch, line, cycle, other := payBatch(t, app)
	id, ln := strconv.FormatInt(batch, 10), strconv.FormatInt(line, 10)
	p := NewPage(t, app.URL, vp)
	signIn(t, p, "city.leader")

	if st := p.Open("/aid/pay/ledger"); st != 200 {
		p.fatal("台账: status %d", st)
	}
	homeChartsReady(p)
	wantContains(t, p, "pending tile", p.Text("#stat-pending"), "10,000.00")
	wantContains(t, p, "balanced", p.Text("#ledger-balanced"), "账目平衡")
	noSideScroll(p, "the ledger")
	p.Screenshot("ledger")

	if st := p.Open("/aid/pay"); st != 200 {
		p.fatal("发放: status %d", st)
	}
	noSideScroll(p, "the batch list")
	p.Screenshot("list")
	if st := p.ClickNav(`#batch-` + id + ` a`); st != 200 {
		p.fatal("open the batch: status %d", st)
	}
	wantContains(t, p, "payee", p.Text("#line-"+ln), "林**")
	wantContains(t, p, "account", p.Text("#line-"+ln), "**** **** 0018")
	noSideScroll(p, "the batch")
	p.Screenshot("batch")
	aidStep(p, "#paid-"+ln, "已记录：已付款")
	wantContains(t, p, "line status", p.Text("#line-status-"+ln), "已付款")
	wantContains(t, p, "batch status", p.Text("#batch-status"), "已完成")
	noSideScroll(p, "the closed batch")

	if st := p.Open("/aid/pay/ledger"); st != 200 {
		p.fatal("台账: status %d", st)
	}
	homeChartsReady(p)
	wantContains(t, p, "paid tile", p.Text("#stat-paid"), "10,000.00")

	// The second application waits for its account; the leader records it.
	if st := p.Open("/aid/pay/new?cycle=" + strconv.FormatInt(cycle, 10)); st != 200 {
		p.fatal("新建批次: status %d", st)
	}
	wantContains(t, p, "no account", p.Text("#payee-"+strconv.FormatInt(other, 10)), "未登记银行账户")
	noSideScroll(p, "the new batch form")
	p.Screenshot("new")
	if st := p.ClickNav(`#payee-` + strconv.FormatInt(other, 10) + ` a[href$="/account"]`); st != 200 {
		p.fatal("登记账户: status %d", st)
	}
	p.Fill("#f-bank_name", "中国工商银行哈尔滨道里支行")
	p.Fill("#f-account", "6228 4804 0256 4890 017")
	if st := p.ClickNav("#save-account"); st != 422 {
		p.fatal("a wrong check digit: status %d, want 422", st)
	}
	wantContains(t, p, "account error", p.Text("#f-account-error"), "校验不通过")
	noSideScroll(p, "the account form")
	p.Screenshot("account")
	p.Fill("#f-account", "6228 4804 0256 4890 018")
	aidStep(p, "#save-account", "已保存收款账户")
	wantContains(t, p, "masked account", p.Text("#account-number"), "**** **** 0018")
	p.Logout()
}
