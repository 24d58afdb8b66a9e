package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/demo"
)

func (a *aidRun) actor(username string) access.Actor {
	a.t.Helper()
	u, err := a.f.svc().UserByUsername(context.Background(), username)
	if err != nil {
		a.t.Fatal(err)
	}
	return u.Actor("127.0.0.1")
}

// payApplication enters an application at 道里区's village through the
// domain and passes it up through the levels given.
func (a *aidRun) payApplication(name, first17 string, levels ...string) int64 {
	a.t.Helper()
	ctx, svc := context.Background(), a.f.app.Server.Deps.Aid
	village := a.actor("village.staff")
	x, err := svc.Create(ctx, village, aid.Input{Programme: "cancer", Name: name, IDNumber: aidID(first17), Phone: aidCanaryPhone,
		Address: aidCanaryAddress, Household: "dibao", MedicalConsent: true,
		Facts: map[string]string{"diagnosis": "cervical_iib", "stage": "IIIB", "hospital": aidCanaryHospital}})
	if err != nil {
		a.t.Fatal(err)
	}
	if err := demo.AttachSamples(ctx, svc, village, x.ID); err != nil {
		a.t.Fatal(err)
	}
	if x, err = svc.Submit(ctx, village, x.ID, x.Version); err != nil {
		a.t.Fatal(err)
	}
	for _, who := range levels {
		if x, err = svc.Decide(ctx, a.actor(who), x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); err != nil {
			a.t.Fatalf("%s: %v", who, err)
		}
	}
	return x.ID
}

// payState counts what a refused disbursement request must leave alone.
func (a *aidRun) payState() string {
	return fmt.Sprintf("accounts=%d/%d batches=%d/%d lines=%d/%d", a.aidRows("aid_accounts"),
		a.f.count(`SELECT COALESCE(SUM(version), 0) FROM aid_accounts`), a.aidRows("aid_batches"),
		a.f.count(`SELECT COALESCE(SUM(version), 0) FROM aid_batches`), a.aidRows("aid_payment_lines"),
		a.f.count(`SELECT COUNT(*) FROM aid_payment_lines WHERE status = 'pending'`))
}

// refused sends a request that must fail and checks it changed nothing.
func (a *aidRun) refused(as, method, path string, body any, status int, code string, fields ...string) {
	a.t.Helper()
	before := a.payState()
	a.do(as, method, path, body, status, code, fields...)
	if after := a.payState(); after != before {
		a.t.Fatalf("%s %s as %s changed state: %s → %s", method, path, as, before, after)
	}
}

func lineIDs(t *testing.T, batch map[string]any) []string {
	t.Helper()
	var out []string
	for _, l := range batch["lines"].([]any) {
		out = append(out, itoa(int64(l.(map[string]any)["id"].(float64))))
	}
	return out
}

// TestAidPayAPI is disbursement through the JSON API on both databases:
// bad accounts are refused beside the field, nothing stored; a batch with
// an unapproved application is refused naming it; a batch is paid; a
// failed line's application is corrected and paid in a new batch; the
// ledger balances; staff and districts cannot make batches; 南岗 sees
// nothing of 道里's; administrators are refused; no answer holds a name or
// an account number in the clear.
func TestAidPayAPI(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		a := &aidRun{t: t, f: f}
		year := f.app.Server.Deps.Aid.Year()
		cyc := a.do("city.leader", "POST", "/api/v1/aid/cycles", map[string]any{"programme": "cancer", "year": year, "budget": 5_000_000,
			"opens_on": fmt.Sprintf("%d-01-01", year), "closes_on": fmt.Sprintf("%d-12-31", year)}, 201, "")["cycle"].(map[string]any)
		cycleID := int64(cyc["id"].(float64))
		chain := []string{"street.staff", "daoli.staff", "city.leader"}
		x := a.payApplication(aidCanaryName, "23010219750312002", chain...)
		y := a.payApplication("王秀兰", "23010219800101004", chain...)
		u := a.payApplication("张玉梅", "23010219850303008", "street.staff")
		accX, accY, accY2 := aid.CompleteCard("621799123456789012"), aid.CompleteCard("622700111122223"), aid.CompleteCard("621700555566667")
		account := func(id int64) string { return "/api/v1/aid/applications/" + itoa(id) + "/account" }

		// Accounts: bad input beside the field; not approved; out of scope.
		bad := accX[:18] + string('0'+(accX[18]-'0'+1)%10)
		a.refused("village.staff", "PUT", account(x), map[string]any{"bank_name": "中国农业银行", "account": bad}, 422, "invalid", "account")
		a.refused("village.staff", "PUT", account(x), map[string]any{"bank_name": " ", "account": "6217"}, 422, "invalid", "account", "bank_name")
		a.refused("village.staff", "PUT", account(x), map[string]any{"bank_name": "中国农业银行", "account": 6217}, 422, "invalid", "account")
		a.refused("village.staff", "PUT", account(u), map[string]any{"bank_name": "中国农业银行", "account": accX}, 409, "state")
		a.refused("nangang.leader", "PUT", account(x), map[string]any{"bank_name": "中国农业银行", "account": accX}, 404, "not_found")
		a.do("village.staff", "GET", account(x), nil, 404, "no_account")
		acc := a.do("village.staff", "PUT", account(x), map[string]any{"bank_name": "中国农业银行哈尔滨道里支行", "account": accX}, 200, "")["account"].(map[string]any)
		if acc["account_masked"] != "**** **** "+accX[15:] || acc["bank_name"] != "中国农业银行哈尔滨道里支行" || acc["application_id"] != float64(x) {
			t.Fatalf("account: %v", acc)
		}
		a.do("daoli.leader", "GET", account(x), nil, 200, "")
		a.do("nangang.leader", "GET", account(x), nil, 404, "not_found")

		// Payables: x with its account, y without.
		payable := a.do("city.leader", "GET", "/api/v1/aid/cycles/"+itoa(cycleID)+"/payable", nil, 200, "")
		if items := payable["items"].([]any); len(items) != 2 || items[0].(map[string]any)["account_masked"] != "**** **** "+accX[15:] ||
			items[1].(map[string]any)["account_masked"] != nil || items[0].(map[string]any)["name_masked"] != "金**" {
			t.Fatalf("payable: %v", payable)
		}
		if p := a.do("nangang.leader", "GET", "/api/v1/aid/cycles/"+itoa(cycleID)+"/payable", nil, 200, ""); p["total"] != 0.0 {
			t.Fatalf("南岗 payable: %v", p)
		}

		// Batches: the city leader's only; every application must be payable.
		batches := "/api/v1/aid/batches"
		a.refused("city.staff", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x}}, 403, "forbidden")
		a.refused("daoli.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x}}, 403, "forbidden")
		a.refused("city.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x, u}}, 422, "invalid",
			"application_ids")
		r := a.f.as("city.leader").Do("POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x, u, y}})
		if !strings.Contains(r.Body, "申请 "+itoa(u)+" 尚未批准，不能付款") || !strings.Contains(r.Body, "申请 "+itoa(y)+" 尚未登记收款账户") {
			t.Fatalf("refusal does not name each application: %s", r.Body)
		}
		a.refused("city.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{}}, 422, "invalid", "application_ids")
		a.refused("city.leader", "POST", batches, map[string]any{"cycle_id": 99999, "application_ids": []int64{x}}, 404, "not_found")

		a.do("village.staff", "PUT", account(y), map[string]any{"bank_name": "中国建设银行", "account": accY}, 200, "")
		b1 := a.do("city.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{y, x}}, 201, "")
		batch := b1["batch"].(map[string]any)
		bpath := batches + "/" + itoa(int64(batch["id"].(float64)))
		if batch["seq"] != 1.0 || batch["lines"] != 2.0 || batch["amount"] != 2_000_000.0 || batch["status"] != "open" {
			t.Fatalf("batch 1: %v", batch)
		}
		lines := lineIDs(t, b1)
		first := b1["lines"].([]any)[0].(map[string]any)
		if first["name_masked"] != "金**" || first["account_masked"] != "**** **** "+accX[15:] || first["status"] != "pending" {
			t.Fatalf("line 1: %v", first)
		}
		a.refused("village.staff", "PUT", account(x), map[string]any{"bank_name": "中国银行", "account": accY2}, 409, "in_batch")

		// Lists and scope.
		if l := a.do("city.staff", "GET", batches+"?year="+itoa(int64(year)), nil, 200, ""); l["total"] != 1.0 {
			t.Fatalf("city batches: %v", l)
		}
		a.do("daoli.staff", "GET", bpath, nil, 200, "")
		a.do("nangang.leader", "GET", bpath, nil, 404, "not_found")
		if l := a.do("nangang.leader", "GET", batches, nil, 200, ""); l["total"] != 0.0 {
			t.Fatalf("南岗 batches: %v", l)
		}
		a.do("city.leader", "GET", batches+"?status=nonsense", nil, 422, "invalid", "status")
		a.do("city.leader", "GET", batches+"?year=1", nil, 422, "invalid", "year")

		// The bank's answers: x paid, y failed; the batch closes.
		a.refused("city.staff", "POST", bpath+"/lines/"+lines[0], map[string]any{"result": "paid"}, 403, "forbidden")
		a.refused("nangang.leader", "POST", bpath+"/lines/"+lines[0], map[string]any{"result": "paid"}, 403, "forbidden")
		a.refused("city.leader", "POST", bpath+"/lines/"+lines[1], map[string]any{"result": "failed", "note": " "}, 422, "invalid", "note")
		a.refused("city.leader", "POST", bpath+"/lines/"+lines[1], map[string]any{"result": "cash"}, 422, "invalid", "result")
		a.refused("city.leader", "POST", bpath+"/lines/99999", map[string]any{"result": "paid"}, 404, "not_found")
		got := a.do("city.leader", "POST", bpath+"/lines/"+lines[0], map[string]any{"result": "paid"}, 200, "")["batch"].(map[string]any)
		if got["paid"] != 1.0 || got["status"] != "open" {
			t.Fatalf("after paid: %v", got)
		}
		a.refused("city.leader", "POST", bpath+"/lines/"+lines[0], map[string]any{"result": "failed", "note": "重复"}, 409, "state")
		got = a.do("city.leader", "POST", bpath+"/lines/"+lines[1], map[string]any{"result": "failed", "note": "户名与账号不符"}, 200, "")["batch"].(map[string]any)
		if got["status"] != "closed" || got["failed_amount"] != 1_000_000.0 || got["closed_at"] == nil {
			t.Fatalf("after failed: %v", got)
		}

		// y's account corrected; paid in batch 2.
		payable = a.do("city.leader", "GET", "/api/v1/aid/cycles/"+itoa(cycleID)+"/payable", nil, 200, "")
		if items := payable["items"].([]any); len(items) != 1 || items[0].(map[string]any)["failed_payments"] != 1.0 ||
			items[0].(map[string]any)["last_failure"] != "户名与账号不符" {
			t.Fatalf("payable after the failure: %v", payable)
		}
		a.do("village.staff", "PUT", account(y), map[string]any{"bank_name": "中国建设银行哈尔滨分行", "account": accY2}, 200, "")
		a.refused("city.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x}}, 422, "invalid", "application_ids")
		b2 := a.do("city.leader", "POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{y}}, 201, "")
		if b2["batch"].(map[string]any)["seq"] != 2.0 || b2["lines"].([]any)[0].(map[string]any)["account_masked"] != "**** **** "+accY2[12:] {
			t.Fatalf("batch 2: %v", b2)
		}
		b2path := batches + "/" + itoa(int64(b2["batch"].(map[string]any)["id"].(float64)))
		a.do("city.leader", "POST", b2path+"/lines/"+lineIDs(t, b2)[0], map[string]any{"result": "paid"}, 200, "")

		// The ledger balances: both paid, one failed attempt; 南岗 has none
		// of it and no budget.
		l := a.do("city.leader", "GET", "/api/v1/aid/ledger?year="+itoa(int64(year)), nil, 200, "")
		tot := l["total"].(map[string]any)
		if l["whole"] != true || tot["balanced"] != true || tot["budget"] != 5_000_000.0 || tot["remaining"] != 3_000_000.0 ||
			tot["paid"] != 2_000_000.0 || tot["paid_count"] != 2.0 || tot["failed"] != 0.0 || tot["failed_attempts"] != 1.0 {
			t.Fatalf("ledger total: %v", tot)
		}
		progs := l["programmes"].([]any)
		if len(progs) != 1 || progs[0].(map[string]any)["programme"] != "cancer" ||
			progs[0].(map[string]any)["districts"].([]any)[0].(map[string]any)["org_code"] != "230102" {
			t.Fatalf("ledger programmes: %v", progs)
		}
		a.do("daoli.staff", "GET", "/api/v1/aid/ledger", nil, 200, "")
		nl := a.do("nangang.leader", "GET", "/api/v1/aid/ledger", nil, 200, "")
		if nt := nl["total"].(map[string]any); nl["whole"] != false || nt["budget"] != nil || nt["approved"] != 0.0 || len(nl["districts"].([]any)) != 0 {
			t.Fatalf("南岗 ledger: %v", nl)
		}
		a.do("city.leader", "GET", "/api/v1/aid/ledger?year=abc", nil, 422, "invalid", "year")

		// Administrators: 403 everywhere, nothing changed.
		for _, admin := range []string{"admin", "secadmin", "auditor"} {
			for _, p := range []aidProbe{{"GET", account(x), nil}, {"PUT", account(x), map[string]any{"bank_name": "中国银行", "account": accY}},
				{"GET", "/api/v1/aid/cycles/" + itoa(cycleID) + "/payable", nil}, {"GET", batches, nil},
				{"POST", batches, map[string]any{"cycle_id": cycleID, "application_ids": []int64{x}}}, {"GET", bpath, nil},
				{"POST", bpath + "/lines/" + lines[0], map[string]any{"result": "paid"}}, {"GET", "/api/v1/aid/ledger", nil}} {
				a.refused(admin, p.method, p.path, p.body, 403, "forbidden")
			}
		}
		a.do("city.leader", "DELETE", bpath, nil, 405, "method_not_allowed")

		// No answer holds a name or an account number in the clear.
		for _, b := range a.bodies {
			for _, c := range append([]string{accX, accY, accY2, "王秀兰", "张玉梅"}, aidCanaries...) {
				if strings.Contains(b, c) {
					t.Errorf("response contains %q: %.300s", c, b)
				}
			}
		}
	})
}
