package aid_test

import (
	"context"
	"errors"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/idcard"
	"halfsky/internal/testdb"
)

// TestBadInput: each bad entry is a clear error on its field, and the aid
// tables are exactly as before.
func TestBadInput(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village := f.Actor("village.staff")
		f.cycle("cancer", 2026, 10_000_000, nil)
		f.cycle("spring_bud", 2026, 0, nil)
		wrongCheck := canaryID[:17] + string("0123456789X"[(idx(canaryID[17])+1)%11])
		girl := makeID("23010220140601002") // 11 years old in 2026
		cases := []struct {
			name, field, msg string
			in               aid.Input
		}{
			{"wrong check digit", "id_number", idcard.ErrCheck.Error(), cancerInput("王秀兰", wrongCheck)},
			{"impossible birth date", "id_number", idcard.ErrBirth.Error(), cancerInput("王秀兰", makeID("23010219750230002"))},
			{"male applicant for 两癌", "id_number", "两癌救助仅限女性申请", cancerInput("王建国", makeID("23010219700101001"))},
			{"minor without guardian consent", "guardian_consent", aid.ErrGuardian, aid.Input{Programme: "spring_bud", Name: "李春蕾",
				IDNumber: girl, Household: "dibao", GuardianName: "李父", Facts: map[string]string{"school": "道里区实验小学", "grade": "五年级"}}},
			{"medical facts without consent", "medical_consent", "", func() aid.Input {
				in := cancerInput("王秀兰", makeID("23010219680705004"))
				in.MedicalConsent = false
				return in
			}()},
			{"household outside the rules", "household", "", func() aid.Input {
				in := cancerInput("王秀兰", makeID("23010219680705004"))
				in.Household = "other"
				return in
			}()},
			{"diagnosis outside the rules", "facts.diagnosis", "", func() aid.Input {
				in := cancerInput("王秀兰", makeID("23010219680705004"))
				in.Facts["diagnosis"] = "cervical_ia"
				return in
			}()},
			{"amount over the standard", "amount", "", func() aid.Input {
				in := cancerInput("王秀兰", makeID("23010219680705004"))
				in.Amount = 2_000_000
				return in
			}()},
			{"no name", "name", "请填写申请人姓名", cancerInput("", makeID("23010219680705004"))},
		}
		for _, c := range cases {
			before := f.fingerprint()
			_, err := f.svc.Create(ctx, village, c.in)
			field(t, err, c.field, c.msg)
			if f.fingerprint() != before {
				t.Fatalf("%s changed the aid tables", c.name)
			}
		}
		// With the guardian's consent the girl is entered.
		x, err := f.svc.Create(ctx, village, aid.Input{Programme: "spring_bud", Name: "李春蕾", IDNumber: girl, Household: "dibao",
			GuardianName: "李父", GuardianConsent: true, Facts: map[string]string{"school": "道里区实验小学", "grade": "五年级"}})
		if err != nil || !x.Minor || x.GuardianName != "李**" || x.Amount != 0 {
			t.Fatalf("minor: %+v %v", x, err)
		}
		// Outside the programme's year: refused.
		before := f.fingerprint()
		_, err = f.svc.Create(ctx, village, aid.Input{Programme: "talent", Name: "王优才", IDNumber: makeID("23010220000101002"), Household: "other"})
		field(t, err, "programme", "")
		if f.fingerprint() != before {
			t.Fatal("a closed programme changed the aid tables")
		}
	})
}

func idx(c byte) int {
	if c == 'X' {
		return 10
	}
	return int(c - '0')
}

// TestPermissions: configuration is the city leader's; administrators and
// other units are refused; a street collects and skips the village step.
func TestPermissions(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		cyc := f.cycle("cancer", 2026, 10_000_000, nil)
		in := aid.CycleInput{Programme: "cancer", Year: 2026, Budget: 1, OpensOn: "2026-01-01", ClosesOn: "2026-12-31"}
		for _, u := range []string{"city.staff", "daoli.leader", "admin"} {
			if _, err := f.svc.SaveCycle(ctx, f.Actor(u), in); !errors.Is(err, access.ErrDenied) {
				t.Fatalf("%s saved a cycle: %v", u, err)
			}
			if err := f.svc.SetQuota(ctx, f.Actor(u), cyc.ID, "230102", 3); !errors.Is(err, access.ErrDenied) {
				t.Fatalf("%s set a quota: %v", u, err)
			}
		}
		if _, _, err := f.svc.Applications(ctx, f.Actor("admin"), aid.Filter{}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("admin listed applications: %v", err)
		}
		_, err := f.svc.Create(ctx, f.Actor("daoli.staff"), cancerInput("王秀兰", canaryID))
		if e := code(t, err, "not_collecting"); e.Status != 403 {
			t.Fatalf("a district entered an application: %d %v", e.Status, err)
		}
		p, err := f.svc.Programme(ctx, f.Actor("city.leader"), "cancer")
		if err != nil || p.Amount != 1_000_000 || !p.OncePerLife || !p.Rules.FemaleOnly || len(p.Documents) != 3 {
			t.Fatalf("cancer: %+v %v", p, err)
		}
		_, err = f.svc.UpdateProgramme(ctx, f.Actor("city.leader"), "cancer", aid.ProgrammeInput{Name: "两癌救助", Amount: -1,
			RetentionDays: 1825, Version: p.Version})
		field(t, err, "amount", "金额应在 0 至 100 万元之间")
		p2, err := f.svc.UpdateProgramme(ctx, f.Actor("city.leader"), "cancer", aid.ProgrammeInput{Name: p.Name, Amount: 1_200_000,
			OncePerLife: true, Rules: p.Rules, Documents: p.Documents, RetentionDays: 1825, Active: true, Version: p.Version})
		if err != nil || p2.Amount != 1_200_000 || f.audited("aid.programme.update") != 1 {
			t.Fatalf("update: %+v %v", p2, err)
		}
		if q, err := f.svc.Quotas(ctx, f.Actor("daoli.leader"), cyc.ID); err != nil || len(q) != 1 || q[0].Org.Code != "230102" {
			t.Fatalf("district quotas: %+v %v", q, err)
		}

		// A street collects: submission goes straight to the district.
		street := f.Actor("street.staff")
		x, err := f.svc.Create(ctx, street, cancerInput("王秀兰", canaryID))
		if err != nil || x.Level != "street" || x.Amount != 1_200_000 {
			t.Fatalf("street entry: %+v %v", x, err)
		}
		x = f.submit(street, x)
		if x.Level != "district" {
			t.Fatalf("street submission at %s", x.Level)
		}
		// Rejected: the person may apply again.
		x = f.decide(f.Actor("daoli.staff"), x, aid.Reject, "不符合救助条件")
		if x.Status != aid.Rejected {
			t.Fatal(x.Status)
		}
		if _, err := f.svc.Create(ctx, f.Actor("village.staff"), cancerInput("王秀兰", canaryID)); err != nil {
			t.Fatalf("after rejection: %v", err)
		}
	})
}

// TestGrantDecidesAtApproval: a lifetime grant that appears while an
// application is under review (another approval, an import) stops its
// approval by the unique constraint, naming the holder; nothing changes.
func TestGrantDecidesAtApproval(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.cycle("cancer", 2026, 10_000_000, nil)
		village, street, district, city := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("city.leader")
		x, err := f.svc.Create(ctx, village, cancerInput(canaryName, canaryID))
		if err != nil {
			t.Fatal(err)
		}
		x = f.decide(district, f.decide(street, f.submit(village, x), aid.Pass, ""), aid.Pass, "")
		// Someone else's application holds the grant for the same hash.
		other, err := f.svc.Create(ctx, village, cancerInput("王秀兰", makeID("23010219680705004")))
		if err != nil {
			t.Fatal(err)
		}
		var hash string
		d.QueryRow(ctx, `SELECT id_hash FROM aid_applications WHERE id = ?`, x.ID).Scan(&hash)
		var nangang int64
		d.QueryRow(ctx, `SELECT id FROM orgs WHERE code = '230103'`).Scan(&nangang)
		if _, err := d.Exec(ctx, `INSERT INTO aid_grants (id_hash, programme_code, application_id, granted_year, org_id, created_at)
			VALUES (?, 'cancer', ?, 2019, ?, 0)`, hash, other.ID, nangang); err != nil {
			t.Fatal(err)
		}
		before := f.fingerprint()
		_, err = f.svc.Decide(ctx, city, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version})
		// Only the district federation to contact: no year, no programme, no unit.
		if e := code(t, err, "duplicate"); e.Message != "该身份证号已登记过同类救助，请联系"+f.orgName("230103")+"核实" {
			t.Fatal(e.Message)
		}
		if f.fingerprint() != before {
			t.Fatal("a refused approval changed the aid tables")
		}
	})
}

func TestCompleteCard(t *testing.T) {
	// 4539 1488 0343 6467 is a published Luhn example; UnionPay test card too.
	for _, c := range []struct{ digits, want string }{{"453914880343646", "4539148803436467"}, {"622848001234567890", "6228480012345678903"}} {
		got := aid.CompleteCard(c.digits)
		if got != c.want {
			t.Errorf("CompleteCard(%s) = %s, want %s", c.digits, got, c.want)
		}
		if _, _, bad := aid.CheckAccount("中国银行", got); len(bad) != 0 && got[:2] == "62" {
			t.Errorf("completed card %s refused: %v", got, bad)
		}
	}
}

func TestYuanGrouped(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 99999: "999.99", 100000: "1,000.00",
		1000000: "10,000.00", 123456789: "1,234,567.89", -100000: "-1,000.00"} {
		if got := aid.YuanGrouped(fen); got != want {
			t.Errorf("YuanGrouped(%d) = %q, want %q", fen, got, want)
		}
	}
}
