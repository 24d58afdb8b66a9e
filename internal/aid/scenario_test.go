package aid_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/audit"
	"halfsky/internal/db"
	"halfsky/internal/testdb"
)

// TestCancerScenario is the scenario at domain level: a village
// staffer enters a 两癌 application; it goes up four levels with one
// return; the city approves it within quota and budget while a second one
// over quota, then over budget, is refused and changes nothing; the same
// person entered again in another district the next year is stopped as a
// duplicate naming only the district federation to contact; a district outside the
// subtree sees none of it.
func TestCancerScenario(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, district := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff")
		city, cityStaff, nangang := f.Actor("city.leader"), f.Actor("city.staff"), f.Actor("nangang.leader")
		// Budget for one grant; 道里区 may have one approved.
		cyc := f.cycle("cancer", 2026, 1_000_000, map[string]int{"230102": 1})

		x, err := f.svc.Create(ctx, village, cancerInput(canaryName, canaryID))
		if err != nil {
			t.Fatal(err)
		}
		if x.Status != aid.Draft || x.Level != "village" || x.Amount != 1_000_000 || x.CycleID != cyc.ID || x.Year != 2026 {
			t.Fatalf("created: %+v", x)
		}
		if x.Name != "金**" || x.IDNumber != canaryID[:6]+"********"+canaryID[14:] || x.Phone != "139****5678" ||
			strings.Contains(x.Address, "CANARY") || x.Address == "" || !x.HasFacts || x.Sex != "F" || x.BirthYear != 1975 || x.Minor {
			t.Fatalf("masked: %+v", x)
		}
		// The same person cannot be entered twice while the first is open.
		_, err = f.svc.Create(ctx, f.Actor("street.staff"), cancerInput("金丝雀", canaryID))
		code(t, err, "duplicate")

		// Up: village → street → district, which returns it.
		x = f.submit(village, x)
		if x.Status != aid.Reviewing || x.Level != "street" {
			t.Fatalf("submitted: %s %s", x.Status, x.Level)
		}
		// Not the street's turn for the district, nor the city's.
		if _, err := f.svc.Decide(ctx, district, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("district decided at street level: %v", err)
		}
		x = f.decide(street, x, aid.Pass, "")
		if x.Level != "district" {
			t.Fatalf("after street: %s", x.Level)
		}
		_, err = f.svc.Decide(ctx, district, x.ID, aid.Decision{Decision: aid.Return, Version: x.Version})
		field(t, err, "reason", "")
		x = f.decide(district, x, aid.Return, "诊断证明不清晰，请补充")
		if x.Status != aid.Returned || x.Level != "village" {
			t.Fatalf("returned: %s %s", x.Status, x.Level)
		}
		// The collecting unit edits (empty personal fields keep their values) and resubmits.
		x, err = f.svc.Update(ctx, village, x.ID, aid.Input{Household: "dibao", Phone: "13812345678", MedicalConsent: true, Version: x.Version})
		if err != nil {
			t.Fatal(err)
		}
		if x.Phone != "138****5678" || x.Name != "金**" {
			t.Fatalf("updated: %+v", x)
		}
		x = f.submit(village, x)
		x = f.decide(street, x, aid.Pass, "")
		x = f.decide(district, x, aid.Pass, "")
		if x.Level != "city" || x.Status != aid.Reviewing {
			t.Fatalf("at city: %s %s", x.Level, x.Status)
		}
		// City staff cannot approve; the city leader can.
		if _, err := f.svc.Decide(ctx, cityStaff, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version}); !errors.Is(err, access.ErrDenied) {
			t.Fatalf("city staff approved: %v", err)
		}
		x = f.decide(city, x, aid.Pass, "")
		if x.Status != aid.Approved || x.ClosedAt.IsZero() {
			t.Fatalf("approved: %+v", x)
		}
		steps, err := f.svc.Steps(ctx, village, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.Level+":"+s.Decision)
		}
		want := "village:submit street:pass district:return village:submit street:pass district:pass city:approve"
		if strings.Join(got, " ") != want {
			t.Fatalf("steps: %v", got)
		}
		if f.audited("aid.approve") != 1 || f.audited("aid.return") != 1 || f.audited("aid.submit") != 2 {
			t.Fatal("steps not audited")
		}

		// A second woman of 道里区 reaches the city: over quota, then over budget.
		y, err := f.svc.Create(ctx, village, cancerInput("王秀兰", makeID("23010219680705004")))
		if err != nil {
			t.Fatal(err)
		}
		y = f.submit(village, y)
		y = f.decide(street, y, aid.Pass, "")
		y = f.decide(district, y, aid.Pass, "")
		before := f.fingerprint()
		_, err = f.svc.Decide(ctx, city, y.ID, aid.Decision{Decision: aid.Pass, Version: y.Version})
		if e := code(t, err, "over_quota"); e.Message != "超出本区年度名额" {
			t.Fatal(e.Message)
		}
		if f.fingerprint() != before {
			t.Fatal("a refused approval changed the aid tables")
		}
		if err := f.svc.SetQuota(ctx, city, cyc.ID, "230102", 2); err != nil {
			t.Fatal(err)
		}
		before = f.fingerprint()
		_, err = f.svc.Decide(ctx, city, y.ID, aid.Decision{Decision: aid.Pass, Version: y.Version})
		if e := code(t, err, "over_budget"); e.Message != "超出年度预算" {
			t.Fatal(e.Message)
		}
		if f.fingerprint() != before {
			t.Fatal("a refused approval changed the aid tables")
		}
		if c, _ := f.svc.Cycle(ctx, city, cyc.ID); c.Approved != 1 || c.ApprovedAmount != 1_000_000 || c.Remaining() != 0 {
			t.Fatalf("cycle: %+v", c)
		}

		// Outside the subtree: nothing at all.
		if _, err := f.svc.Application(ctx, nangang, x.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads 道里's application: %v", err)
		}
		if _, err := f.svc.Reveal(ctx, nangang, x.ID, "核实身份信息"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reveals 道里's application: %v", err)
		}
		if _, err := f.svc.Steps(ctx, nangang, x.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 reads the steps: %v", err)
		}
		if list, total, err := f.svc.Applications(ctx, nangang, aid.Filter{}); err != nil || total != 0 || len(list) != 0 {
			t.Fatalf("南岗 lists %d: %v", total, err)
		}
		if _, _, err := f.svc.Applications(ctx, nangang, aid.Filter{Under: "230102"}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 lists under 道里: %v", err)
		}
		if st, err := f.svc.Stats(ctx, nangang, "", 0); err != nil || st.Total.All.Total != 0 {
			t.Fatalf("南岗 stats: %+v %v", st.Total, err)
		}
		if _, err := f.svc.Stats(ctx, nangang, "230102", 0); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("南岗 stats under 道里: %v", err)
		}

		// The city's statistics: 道里区 has one approved (RMB 10,000) and one under review.
		st, err := f.svc.Stats(ctx, city, "", 2026)
		if err != nil {
			t.Fatal(err)
		}
		var daoli *aid.StatsRow
		for i := range st.Rows {
			if st.Rows[i].Org.Code == "230102" {
				daoli = &st.Rows[i]
			}
			if st.Rows[i].Org.Code == "230103" && st.Rows[i].All.Total != 0 {
				t.Fatalf("南岗 row: %+v", st.Rows[i])
			}
		}
		if daoli == nil || st.Programmes[0].Code != "cancer" || daoli.Cells[0].Count(string(aid.Approved)) != 1 ||
			daoli.Cells[0].Count(string(aid.Reviewing)) != 1 || daoli.Cells[0].ApprovedAmount != 1_000_000 || st.Total.All.Total != 2 {
			t.Fatalf("stats: %+v", daoli)
		}
		list, total, err := f.svc.Applications(ctx, city, aid.Filter{Programme: "cancer", Status: aid.Approved, Year: 2026})
		if err != nil || total != 1 || list[0].ID != x.ID || list[0].Name != "金**" {
			t.Fatalf("city list: %d %+v %v", total, list, err)
		}
		if _, total, _ := f.svc.Applications(ctx, city, aid.Filter{Todo: true}); total != 1 {
			t.Fatalf("city to-do: %d", total)
		}
		if _, total, _ := f.svc.Applications(ctx, street, aid.Filter{Todo: true}); total != 0 {
			t.Fatalf("street to-do: %d", total)
		}

		// Next year, another district: the same person is stopped.
		f.clock = beijing(2027, 2, 1)
		f.cycle("cancer", 2027, 5_000_000, nil)
		before = f.fingerprint()
		probes := f.audited("aid.duplicate")
		_, err = f.svc.Create(ctx, f.Actor("nangang.village"), cancerInput("金丝雀桂芝", canaryID))
		e := code(t, err, "duplicate")
		// It names the district federation to contact, and nothing else:
		// not the year, the programme or the community where she applied.
		if e.Message != "该身份证号已登记过同类救助，请联系"+f.orgName("230102")+"核实" || e.Fields["id_number"] != e.Message {
			t.Fatalf("duplicate message: %s", e.Message)
		}
		for _, leak := range []string{"金", canaryID, "2026", "两癌", strings.TrimSuffix(f.orgName("230102001001"), "妇联")} {
			if strings.Contains(e.Message, leak) {
				t.Fatalf("duplicate message reveals %q: %s", leak, e.Message)
			}
		}
		// The refusal tells where the number was used; the log shows who asked.
		var outcome, detail string
		if err := d.QueryRow(ctx, `SELECT outcome, detail FROM audit_events WHERE action = 'aid.duplicate' ORDER BY seq DESC LIMIT 1`).Scan(&outcome, &detail); err != nil ||
			f.audited("aid.duplicate") != probes+1 || outcome != audit.Denied || detail != "cancer" {
			t.Fatalf("aid.duplicate not audited: %d → %d, %q %q %v", probes, f.audited("aid.duplicate"), outcome, detail, err)
		}
		if f.fingerprint() != before {
			t.Fatal("a refused duplicate changed the aid tables")
		}
		t.Logf("duplicate: %s", e.Message)
	})
}

func (f *fx) orgName(code string) string {
	var n string
	if err := f.d.QueryRow(context.Background(), `SELECT name FROM orgs WHERE code = ?`, code).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fx) submit(a access.Actor, x aid.Application) aid.Application {
	f.t.Helper()
	f.attach(a, x)
	y, err := f.svc.Submit(context.Background(), a, x.ID, x.Version)
	if err != nil {
		f.t.Fatal(err)
	}
	return y
}

func (f *fx) decide(a access.Actor, x aid.Application, decision, reason string) aid.Application {
	f.t.Helper()
	y, err := f.svc.Decide(context.Background(), a, x.ID, aid.Decision{Decision: decision, Reason: reason, Version: x.Version})
	if err != nil {
		f.t.Fatalf("%s by %s: %v", decision, a.Username, err)
	}
	return y
}
