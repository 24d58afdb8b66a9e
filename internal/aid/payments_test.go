package aid_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/apperr"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
	"halfsky/internal/vault"
)

// The canary account: 19 digits, a UnionPay card.
var canaryAccount = aid.CompleteCard("621799123456789012")

func TestCheckAccount(t *testing.T) {
	good := aid.CompleteCard("622202123456789")
	for _, c := range []struct {
		bank, account, field, want string
	}{
		{"中国工商银行哈尔滨道里支行", good, "", good},
		{" 中国工商银行 ", good[:4] + " " + good[4:8] + " " + good[8:12] + " " + good[12:], "", good},
		{"中国农业银行", "６２２２" + good[4:], "", good},
		{"中国农业银行", canaryAccount, "", canaryAccount},
		{"哈尔滨银行", "4367421234567890", "", "4367421234567890"}, // not UnionPay-coded: length only
		{"哈尔滨银行", "1234567890123456789", "", "1234567890123456789"},
		{"", good, "bank_name", ""},
		{"中国银行", "", "account", ""},
		{"中国银行", "622202123456", "account", ""},                              // too short
		{"中国银行", good + "12345", "account", ""},                              // too long
		{"中国银行", "6222-0212-3456-7890", "account", ""},                       // not only digits and spaces
		{"中国银行", good[:15] + string('0'+(good[15]-'0'+1)%10), "account", ""}, // check digit off
	} {
		bank, acc, e := aid.CheckAccount(c.bank, c.account)
		switch {
		case c.field == "" && (len(e) > 0 || acc != c.want || bank != strings.TrimSpace(c.bank)):
			t.Errorf("%q %q: %q %q %v", c.bank, c.account, bank, acc, e)
		case c.field != "" && e[c.field] == "":
			t.Errorf("%q %q: want an error on %s, got %v", c.bank, c.account, c.field, e)
		}
	}
	if _, _, e := aid.CheckAccount("中国银行", good[:15]+string('0'+(good[15]-'0'+1)%10)); e["account"] != aid.ErrAccountCheck {
		t.Errorf("Luhn message: %v", e)
	}
}

var payTables = append(append([]string(nil), aidTables...), "aid_accounts", "aid_batches", "aid_payment_lines")

// payPrint is every row of the aid and payment tables, as text.
func (f *fx) payPrint() string {
	f.t.Helper()
	var b strings.Builder
	for _, t := range payTables {
		b.WriteString(t + ":\n")
		f.eachRow(`SELECT * FROM `+t+` ORDER BY 1, 2`, func(vals []string) { b.WriteString(strings.Join(vals, "|") + "\n") })
	}
	return b.String()
}

// unchanged runs fn, which must fail, and checks it changed nothing.
func (f *fx) unchanged(fn func() error) error {
	f.t.Helper()
	before := f.payPrint()
	err := fn()
	if err == nil {
		f.t.Fatal("accepted")
	}
	if f.payPrint() != before {
		f.t.Fatalf("a refused call changed the tables: %v", err)
	}
	return err
}

// approved enters an application at the collecting actor and passes it
// up to the city leader's approval.
func (f *fx) approved(collect, street, district access.Actor, name, id string) aid.Application {
	f.t.Helper()
	x, err := f.svc.Create(context.Background(), collect, cancerInput(name, id))
	if err != nil {
		f.t.Fatal(err)
	}
	x = f.submit(collect, x)
	x = f.decide(street, x, aid.Pass, "")
	x = f.decide(district, x, aid.Pass, "")
	return f.decide(f.Actor("city.leader"), x, aid.Pass, "")
}

// nangangStreet makes a staff user at the street above nangang.village.
func (f *fx) nangangStreet() access.Actor {
	ctx := context.Background()
	v := f.Actor("nangang.village")
	var code string
	if err := f.d.QueryRow(ctx, `SELECT p.code FROM orgs o JOIN orgs p ON p.id = o.parent_id WHERE o.id = ?`, v.OrgID).Scan(&code); err != nil {
		f.t.Fatal(err)
	}
	// Of the test's cast: her account predates the applications she decides.
	return f.Colleague("nangang.street", "孙丽", code, access.Staff)
}

// TestPayments is the "it is paid in a batch" with its bad input:
// an account that fails its format, paying an unapproved application or
// one without an account, batching one twice — each refused with nothing
// changed; a failed line corrected and paid in a new batch; the ledger
// balancing to the budget at each step; scope for every read; and no
// account number in the clear anywhere in the database.
func TestPayments(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, daoli := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff")
		city, cityStaff, nangang, daoliLeader := f.Actor("city.leader"), f.Actor("city.staff"), f.Actor("nangang.leader"), f.Actor("daoli.leader")
		nvillage, nstreet := f.Actor("nangang.village"), f.nangangStreet()
		cyc := f.cycle("cancer", 2026, 5_000_000, nil) // five grants

		a := f.approved(village, street, daoli, canaryName, canaryID)
		b := f.approved(village, street, daoli, "王秀兰", makeID("23010219800101004"))
		c := f.approved(nvillage, nstreet, nangang, "李淑珍", makeID("23010319820202006"))
		// One still under review.
		u, err := f.svc.Create(ctx, village, cancerInput("张玉梅", makeID("23010219850303008")))
		if err != nil {
			t.Fatal(err)
		}
		u = f.submit(village, u)
		f.ledger(city, "start", aid.Figures{Budget: 5_000_000, Remaining: 2_000_000, Approved: 3_000_000, ApprovedCount: 3,
			Unbatched: 3_000_000, UnbatchedCount: 3})

		// A bad account is refused with the field named; nothing changes.
		err = f.unchanged(func() error {
			_, err := f.svc.SetAccount(ctx, village, a.ID, "中国农业银行", "6217 9912 3456")
			return err
		})
		field(t, err, "account", aid.ErrAccountFormat)
		bad := canaryAccount[:18] + string('0'+(canaryAccount[18]-'0'+1)%10)
		err = f.unchanged(func() error { _, err := f.svc.SetAccount(ctx, village, a.ID, "中国农业银行", bad); return err })
		field(t, err, "account", aid.ErrAccountCheck)
		err = f.unchanged(func() error { _, err := f.svc.SetAccount(ctx, village, a.ID, " ", canaryAccount); return err })
		field(t, err, "bank_name", aid.ErrBankName)
		// Not approved yet: no account; outside the subtree: not there.
		err = f.unchanged(func() error {
			_, err := f.svc.SetAccount(ctx, village, u.ID, "中国农业银行", canaryAccount)
			return err
		})
		code(t, err, "state")
		f.unchanged(func() error {
			_, err := f.svc.SetAccount(ctx, nangang, a.ID, "中国农业银行", canaryAccount)
			if !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("南岗 set 道里's account: %v", err)
			}
			return err
		})
		_, err = f.svc.Account(ctx, village, a.ID)
		code(t, err, "no_account")

		spaced := canaryAccount[:4] + " " + canaryAccount[4:8] + " " + canaryAccount[8:12] + " " + canaryAccount[12:]
		acc, err := f.svc.SetAccount(ctx, village, a.ID, "中国农业银行哈尔滨道里支行", spaced)
		if err != nil {
			t.Fatal(err)
		}
		if acc.Account != "**** **** "+canaryAccount[15:] || acc.BankName != "中国农业银行哈尔滨道里支行" || acc.SetOrgName == "" {
			t.Fatalf("account: %+v", acc)
		}
		if _, err := f.svc.SetAccount(ctx, daoli, b.ID, "中国建设银行", aid.CompleteCard("622700111122223")); err != nil {
			t.Fatal(err)
		}
		if f.audited("aid.account.set") != 2 {
			t.Fatal("accounts not audited")
		}
		payable, err := f.svc.Payable(ctx, city, cyc.ID)
		if err != nil || len(payable) != 3 || !payable[0].HasAccount || payable[0].Name != "金**" || payable[2].HasAccount {
			t.Fatalf("payable: %+v %v", payable, err)
		}
		if p, _ := f.svc.Payable(ctx, nangang, cyc.ID); len(p) != 1 || p[0].ID != c.ID {
			t.Fatalf("南岗 payable: %+v", p)
		}

		// Batches: only the city's leader; only approved, with an account, once.
		if _, err := f.svc.CreateBatch(ctx, cityStaff, cyc.ID, []int64{a.ID}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("city staff batched: %v", err)
		}
		if _, err := f.svc.CreateBatch(ctx, daoliLeader, cyc.ID, []int64{a.ID}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("district leader batched: %v", err)
		}
		err = f.unchanged(func() error { _, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{a.ID, u.ID}); return err })
		field(t, err, "applications", "申请 "+strconv.FormatInt(u.ID, 10)+" 尚未批准，不能付款")
		err = f.unchanged(func() error { _, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{c.ID}); return err })
		field(t, err, "applications", "申请 "+strconv.FormatInt(c.ID, 10)+" 尚未登记收款账户（不发放现金）")
		err = f.unchanged(func() error { _, err := f.svc.CreateBatch(ctx, city, cyc.ID, nil); return err })
		field(t, err, "applications", "")

		b1, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{b.ID, a.ID, a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if b1.Seq != 1 || b1.Lines != 2 || b1.Amount != 2_000_000 || b1.Status != aid.BatchOpen || b1.Pending != 2 ||
			b1.Title() != "2026年两癌救助第1批" {
			t.Fatalf("batch 1: %+v", b1)
		}
		err = f.unchanged(func() error { _, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{a.ID}); return err })
		field(t, err, "applications", "申请 "+strconv.FormatInt(a.ID, 10)+" 已在付款批次中或已付款")
		err = f.unchanged(func() error {
			_, err := f.svc.SetAccount(ctx, village, a.ID, "中国银行", aid.CompleteCard("622202123456789"))
			return err
		})
		code(t, err, "in_batch")
		f.ledger(city, "batched", aid.Figures{Budget: 5_000_000, Remaining: 2_000_000, Approved: 3_000_000, ApprovedCount: 3,
			Pending: 2_000_000, PendingCount: 2, Unbatched: 1_000_000, UnbatchedCount: 1})

		lines, err := f.svc.BatchLines(ctx, city, b1.ID)
		if err != nil || len(lines) != 2 || lines[0].ApplicationID != a.ID || lines[0].Name != "金**" ||
			lines[0].Account != "**** **** "+canaryAccount[15:] || lines[0].Status != aid.Pending || lines[0].Seq != 1 {
			t.Fatalf("lines: %+v %v", lines, err)
		}
		// 南岗 sees none of batch 1.
		if _, err := f.svc.Batch(ctx, nangang, b1.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads batch 1: %v", err)
		}
		if _, err := f.svc.BatchLines(ctx, nangang, b1.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads batch 1's lines: %v", err)
		}
		if list, total, err := f.svc.Batches(ctx, nangang, aid.BatchFilter{}); err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("南岗 batches: %d %v", total, err)
		}

		// The bank's file: only through an export request from the city,
		// approved by a leader, downloaded once and audited with its line count.
		if _, err := f.svc.RequestExport(ctx, daoliLeader, aid.ExportBank, aid.ExportParams{Batch: b1.ID}, "交银行代发"); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("district leader asked for the bank file: %v", err)
		}
		file := f.bankFile(cityStaff, city, b1.ID)
		rows := file.Bank
		if len(rows) != 2 || rows[0].Name != canaryName || rows[0].Account != canaryAccount || rows[0].Amount != 1_000_000 ||
			rows[0].BankName != "中国农业银行哈尔滨道里支行" || rows[1].Name != "王秀兰" || file.Batch.ID != b1.ID {
			t.Fatalf("bank rows: %+v", rows)
		}
		var detail string
		if err := d.QueryRow(ctx, `SELECT detail FROM audit_events WHERE action = 'aid.export.download' AND object_id = ?`,
			strconv.FormatInt(file.Export.ID, 10)).Scan(&detail); err != nil || detail != "kind=bank rows=2" {
			t.Fatalf("export audit: %q %v", detail, err)
		}

		// The bank answers: a paid, b failed; the batch closes.
		if _, err := f.svc.RecordResult(ctx, cityStaff, b1.ID, lines[0].ID, aid.Paid, ""); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("city staff recorded: %v", err)
		}
		err = f.unchanged(func() error { _, err := f.svc.RecordResult(ctx, city, b1.ID, lines[1].ID, aid.Failed, " "); return err })
		field(t, err, "note", "")
		err = f.unchanged(func() error { _, err := f.svc.RecordResult(ctx, city, b1.ID, lines[1].ID, "cash", ""); return err })
		field(t, err, "result", "")
		x, err := f.svc.RecordResult(ctx, city, b1.ID, lines[0].ID, aid.Paid, "")
		if err != nil || x.Status != aid.BatchOpen || x.Paid != 1 || x.PaidAmount != 1_000_000 {
			t.Fatalf("after paid: %+v %v", x, err)
		}
		err = f.unchanged(func() error {
			_, err := f.svc.RecordResult(ctx, city, b1.ID, lines[0].ID, aid.Failed, "重复")
			return err
		})
		code(t, err, "state")
		x, err = f.svc.RecordResult(ctx, city, b1.ID, lines[1].ID, aid.Failed, "户名与账号不符")
		if err != nil || x.Status != aid.BatchClosed || x.ClosedAt.IsZero() || x.Failed != 1 || x.FailedAmount != 1_000_000 {
			t.Fatalf("after failed: %+v %v", x, err)
		}
		if f.audited("aid.pay.paid") != 1 || f.audited("aid.pay.failed") != 1 {
			t.Fatal("results not audited")
		}
		f.ledger(city, "answered", aid.Figures{Budget: 5_000_000, Remaining: 2_000_000, Approved: 3_000_000, ApprovedCount: 3,
			Paid: 1_000_000, PaidCount: 1, Failed: 1_000_000, FailedCount: 1, Unbatched: 1_000_000, UnbatchedCount: 1, FailedAttempts: 1})
		// Paid is paid for good.
		err = f.unchanged(func() error { _, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{a.ID}); return err })
		field(t, err, "applications", "申请 "+strconv.FormatInt(a.ID, 10)+" 已在付款批次中或已付款")

		// b's account is corrected; b and c go into batch 2; b is paid.
		payable, _ = f.svc.Payable(ctx, city, cyc.ID)
		if len(payable) != 2 || payable[0].ID != b.ID || payable[0].Failed != 1 || payable[0].LastNote != "户名与账号不符" {
			t.Fatalf("payable after failure: %+v", payable)
		}
		// The district set b's account: the village below it may not
		// redirect the payment (writes follow the owner), audited; the
		// district corrects it.
		denials := f.audited(audit.ActionDenied)
		err = f.unchanged(func() error {
			_, err := f.svc.SetAccount(ctx, village, b.ID, "中国建设银行哈尔滨分行", aid.CompleteCard("621700555566667"))
			return err
		})
		if !errors.Is(err, access.ErrNotOwner) || f.audited(audit.ActionDenied) != denials+1 {
			t.Fatalf("village overwrote the district's account: %v", err)
		}
		if _, err := f.svc.SetAccount(ctx, daoli, b.ID, "中国建设银行哈尔滨分行", aid.CompleteCard("621700555566667")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetAccount(ctx, nvillage, c.ID, "哈尔滨银行", "1234 5678 9012 3456"); err != nil {
			t.Fatal(err)
		}
		b2, err := f.svc.CreateBatch(ctx, city, cyc.ID, []int64{c.ID, b.ID})
		if err != nil || b2.Seq != 2 || b2.Lines != 2 {
			t.Fatalf("batch 2: %+v %v", b2, err)
		}
		l2, _ := f.svc.BatchLines(ctx, city, b2.ID)
		if _, err := f.svc.RecordResult(ctx, city, b2.ID, l2[0].ID, aid.Paid, ""); err != nil {
			t.Fatal(err)
		}
		// A line of another batch is not found in this one.
		f.unchanged(func() error {
			_, err := f.svc.RecordResult(ctx, city, b1.ID, l2[1].ID, aid.Paid, "")
			if !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("line of batch 2 answered in batch 1: %v", err)
			}
			return err
		})
		f.ledger(city, "repaid", aid.Figures{Budget: 5_000_000, Remaining: 2_000_000, Approved: 3_000_000, ApprovedCount: 3,
			Paid: 2_000_000, PaidCount: 2, Pending: 1_000_000, PendingCount: 1, FailedAttempts: 1})

		// Scoped views of batch 2: 道里 sees b only, 南岗 c only.
		if bb, err := f.svc.Batch(ctx, daoli, b2.ID); err != nil || bb.Lines != 1 || bb.Paid != 1 {
			t.Fatalf("道里's batch 2: %+v %v", bb, err)
		}
		if ls, err := f.svc.BatchLines(ctx, nangang, b2.ID); err != nil || len(ls) != 1 || ls[0].ApplicationID != c.ID {
			t.Fatalf("南岗's lines: %+v %v", ls, err)
		}
		if list, total, err := f.svc.Batches(ctx, city, aid.BatchFilter{Year: 2026}); err != nil || total != 2 || list[0].ID != b2.ID {
			t.Fatalf("city batches: %d %v", total, err)
		}
		if _, total, _ := f.svc.Batches(ctx, city, aid.BatchFilter{Status: aid.BatchOpen}); total != 1 {
			t.Fatalf("open batches: %d", total)
		}
		if _, total, _ := f.svc.Batches(ctx, daoli, aid.BatchFilter{}); total != 2 {
			t.Fatalf("道里 batches: %d", total)
		}

		// Per district: 道里 paid in full, 南岗 waiting at the bank; 南岗
		// sees only her own row and no budget.
		l := f.ledger(city, "", aid.Figures{})
		if len(l.Districts) != 2 || l.Districts[0].Org.Code != "230102" || l.Districts[0].Paid != 2_000_000 ||
			l.Districts[1].Org.Code != "230103" || l.Districts[1].Pending != 1_000_000 || len(l.Programmes[0].Districts) != 2 {
			t.Fatalf("districts: %+v", l.Districts)
		}
		nl, err := f.svc.Ledger(ctx, nangang, 2026)
		if err != nil || nl.Whole || len(nl.Districts) != 1 || nl.Districts[0].Org.Code != "230103" || nl.Total.Budget != 0 ||
			nl.Total.Approved != 1_000_000 || !nl.Total.Balanced(false) {
			t.Fatalf("南岗 ledger: %+v %v", nl, err)
		}
		if _, err := f.svc.RecordResult(ctx, city, b2.ID, l2[1].ID, aid.Failed, "账户已销户"); err != nil {
			t.Fatal(err)
		}
		f.ledger(city, "c failed", aid.Figures{Budget: 5_000_000, Remaining: 2_000_000, Approved: 3_000_000, ApprovedCount: 3,
			Paid: 2_000_000, PaidCount: 2, Failed: 1_000_000, FailedCount: 1, FailedAttempts: 2})

		// Canary: the account number is nowhere in the clear — no column of
		// any table, no audit detail, not the SQLite file.
		f.noAccountInClear([]string{canaryAccount, spaced, aid.CompleteCard("622700111122223"), aid.CompleteCard("621700555566667")})
	})
}

// ledger reads the city's 2026 ledger, checks it balances and that the
// first programme's figures (两癌救助) are want, unless want is zero.
func (f *fx) ledger(a access.Actor, step string, want aid.Figures) aid.Ledger {
	f.t.Helper()
	l, err := f.svc.Ledger(context.Background(), a, 2026)
	if err != nil {
		f.t.Fatal(err)
	}
	if !l.Whole || len(l.Programmes) != 1 || l.Programmes[0].Programme.Code != "cancer" {
		f.t.Fatalf("%s: ledger %+v", step, l)
	}
	p := l.Programmes[0]
	if want != (aid.Figures{}) && p.Figures != want {
		f.t.Fatalf("%s: ledger\n got %+v\nwant %+v", step, p.Figures, want)
	}
	if !p.Balanced(true) || !l.Total.Balanced(true) || p.Paid > p.Approved || p.Approved > p.Budget || l.Total != p.Figures {
		f.t.Fatalf("%s: the ledger does not balance: %+v", step, p.Figures)
	}
	var sum aid.Figures
	for _, d := range p.Districts {
		if !d.Balanced(false) {
			f.t.Fatalf("%s: %s does not balance: %+v", step, d.Org.Code, d.Figures)
		}
		sum.Approved += d.Approved
		sum.Paid += d.Paid
		sum.Pending += d.Pending
		sum.Failed += d.Failed
	}
	if sum.Approved != p.Approved || sum.Paid != p.Paid || sum.Pending != p.Pending || sum.Failed != p.Failed {
		f.t.Fatalf("%s: districts sum to %+v, programme %+v", step, sum, p.Figures)
	}
	return l
}

func (f *fx) noAccountInClear(canaries []string) {
	f.t.Helper()
	f.noneInTables(append(payTables, "audit_events"), canaries...)
	var raw string
	if err := f.d.QueryRow(context.Background(), `SELECT account FROM aid_payment_lines ORDER BY id LIMIT 1`).Scan(&raw); err != nil || !strings.HasPrefix(raw, "hs1.") {
		f.t.Fatalf("line account stored as %q", raw)
	}
	f.noneInFile("中国农业银行哈尔滨道里支行", canaries...)
}

// TestPaymentRotation: the account columns are registered, so key
// rotation re-seals them and they still open.
func TestPaymentRotation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		path := filepath.Join(t.TempDir(), "keys.txt")
		k1, _, err := vault.Load(path, "")
		if err != nil {
			t.Fatal(err)
		}
		f.svc.Vault = k1
		cyc := f.cycle("cancer", 2026, 5_000_000, nil)
		a := f.approved(f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), canaryName, canaryID)
		if _, err := f.svc.SetAccount(ctx, f.Actor("village.staff"), a.ID, "中国农业银行", canaryAccount); err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.CreateBatch(ctx, f.Actor("city.leader"), cyc.ID, []int64{a.ID})
		if err != nil {
			t.Fatal(err)
		}
		k2, err := vault.AddKey(path, f.clock)
		if err != nil {
			t.Fatal(err)
		}
		done, err := vault.Rotate(ctx, d, k2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if done[vault.Column{Table: "aid_accounts", Key: "application_id", Name: "account"}] != 1 ||
			done[vault.Column{Table: "aid_payment_lines", Key: "id", Name: "account"}] != 1 {
			t.Fatalf("rotated %v", done)
		}
		f.svc.Vault = k2
		rows := f.bankFile(f.Actor("city.staff"), f.Actor("city.leader"), b.ID).Bank
		if len(rows) != 1 || rows[0].Account != canaryAccount {
			t.Fatalf("after rotation: %+v", rows)
		}
		if acc, err := f.svc.Account(ctx, f.Actor("daoli.leader"), a.ID); err != nil || acc.Account != "**** **** "+canaryAccount[15:] {
			t.Fatalf("account after rotation: %+v %v", acc, err)
		}
	})
}

// TestBatchRace: two batches made at once with the same application: one
// gets it, the other is refused and makes nothing.
func TestBatchRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		cyc := f.cycle("cancer", 2026, 5_000_000, nil)
		village := f.Actor("village.staff")
		a := f.approved(village, f.Actor("street.staff"), f.Actor("daoli.staff"), canaryName, canaryID)
		if _, err := f.svc.SetAccount(ctx, village, a.ID, "中国农业银行", canaryAccount); err != nil {
			t.Fatal(err)
		}
		city := f.Actor("city.leader")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = f.svc.CreateBatch(ctx, city, cyc.ID, []int64{a.ID})
			}(i)
		}
		wg.Wait()
		ok := 0
		inBatch := "申请 " + strconv.FormatInt(a.ID, 10) + " 已在付款批次中或已付款"
		for _, err := range errs {
			var e *apperr.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &e) && e.Code == "invalid" && e.Fields["applications"] == inBatch:
			default:
				t.Fatalf("concurrent batch: %v, want the already-in-a-batch refusal", err)
			}
		}
		var batches, lines int
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_batches`).Scan(&batches)
		_ = d.QueryRow(ctx, `SELECT COUNT(*) FROM aid_payment_lines`).Scan(&lines)
		if ok != 1 || batches != 1 || lines != 1 {
			t.Fatalf("%d batches made (%d rows, %d lines): %v", ok, batches, lines, errs)
		}
	})
}
