package aid_test

import (
	"context"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/aid"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestExportFourEyes is issue 10's attack on the export approval: a
// leader's second account — one she made, or one whose password she
// reset — neither asks for her nor approves for her; the requester never
// decides her own; an account made after the request cannot decide it.
// Every refusal, approve or reject, is audited with its code and leaves
// the request pending as it was; an independent leader decides it.
func TestExportFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		daoliLeader, city := f.Actor("daoli.leader"), f.Actor("city.leader")
		f.cycle("cancer", 2026, 5_000_000, nil)
		f.approved(f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff"), canaryName, canaryID)
		list := aid.ExportParams{Programme: "cancer", Year: 2026}
		request := func(a access.Actor) aid.Export {
			t.Helper()
			e, err := f.svc.RequestExport(ctx, a, aid.ExportApplications, list, "核对发放名单")
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		refused := func(decider access.Actor, e aid.Export, code string) {
			t.Helper()
			for _, approve := range []bool{true, false} {
				action := "aid.export.reject"
				if approve {
					action = "aid.export.approve"
				}
				before := f.Refusals(action, "aid_export", e.ID, code)
				_, err := f.svc.DecideExport(ctx, decider, e.ID, approve, "不同意")
				testfx.FourEyes(t, err, code)
				if n := f.Refusals(action, "aid_export", e.ID, code); n != before+1 {
					t.Fatalf("%s by %s: %d refusals audited, want %d", action, decider.Username, n, before+1)
				}
			}
			got, err := f.svc.ExportRequest(ctx, city, e.ID)
			if err != nil || got.Status != aid.ExportPending || got.Version != e.Version || got.DecidedBy != 0 {
				t.Fatalf("refused decision changed the request: %+v %v", got, err)
			}
		}

		// The puppet: 道里's leader makes an account at her unit; it asks
		// for the list in the clear; she may not approve it.
		puppet := f.Newcomer("daoli.puppet", "傀儡", "230102", access.Staff)
		f.Tie(daoliLeader, puppet, duty.Created)
		asked := request(puppet)
		refused(daoliLeader, asked, duty.CodeLinked)

		// The other way: she asks; a leader account of her unit whose
		// password she reset may not approve it.
		deputy := f.Colleague("daoli.deputy", "副主席", "230102", access.Leader)
		f.Tie(daoliLeader, deputy, duty.ResetPassword)
		own := request(daoliLeader)
		refused(deputy, own, duty.CodeLinked)
		// Nor she herself; nor a leader account made after she asked.
		refused(daoliLeader, own, duty.CodeSame)
		late := f.Newcomer("daoli.late", "新任副主席", "230102", access.Leader)
		refused(late, own, duty.CodeNewer)

		// An independent leader decides both: the city's.
		for _, e := range []aid.Export{asked, own} {
			got, err := f.svc.DecideExport(ctx, city, e.ID, true, "同意")
			if err != nil || got.Status != aid.ExportApproved || got.DecidedBy != city.UserID {
				t.Fatalf("the city leader approves: %+v %v", got, err)
			}
		}
		// The deputy is tied to 道里's leader, not to 陈静: she decides hers.
		e := request(f.Actor("daoli.staff"))
		if got, err := f.svc.DecideExport(ctx, deputy, e.ID, false, "用脱敏名单即可"); err != nil || got.Status != aid.ExportRejected {
			t.Fatalf("an untied leader rejects: %+v %v", got, err)
		}
	})
}

// TestDecideFourEyes: each level's decision on an application is taken by
// an account independent of the one that entered it and of those that
// submitted and decided it before in the same round.
func TestDecideFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		village, street, daoli := f.Actor("village.staff"), f.Actor("street.staff"), f.Actor("daoli.staff")
		daoliLeader, city := f.Actor("daoli.leader"), f.Actor("city.leader")
		f.cycle("cancer", 2026, 5_000_000, nil)
		seq := 0
		submitted := func(by access.Actor) aid.Application {
			t.Helper()
			seq += 2
			x, err := f.svc.Create(ctx, by, cancerInput("王桂兰", makeID("230102198001010"+string(rune('0'+seq/10))+string(rune('0'+seq%10)))))
			if err != nil {
				t.Fatal(err)
			}
			return f.submit(by, x)
		}
		refused := func(decider access.Actor, x aid.Application, code string) {
			t.Helper()
			before, fp := f.Refusals("aid.pass", "aid_application", x.ID, code), f.fingerprint()
			_, err := f.svc.Decide(ctx, decider, x.ID, aid.Decision{Decision: aid.Pass, Version: x.Version})
			testfx.FourEyes(t, err, code)
			_, err = f.svc.Decide(ctx, decider, x.ID, aid.Decision{Decision: aid.Return, Reason: "材料不全", Version: x.Version})
			testfx.FourEyes(t, err, code)
			if n := f.Refusals("aid.pass", "aid_application", x.ID, code); n != before+1 ||
				f.Refusals("aid.return", "aid_application", x.ID, code) == 0 {
				t.Fatalf("%s: refusals not audited (%d)", decider.Username, n)
			}
			if f.fingerprint() != fp {
				t.Fatal("a refused decision changed the aid tables")
			}
		}

		// Independent deciders pass each level. A return starts a new
		// round: the street cadre who passed it before passes it again.
		z := submitted(village)
		z = f.decide(street, z, aid.Pass, "")
		z = f.decide(daoli, z, aid.Return, "缺诊断证明")
		z = f.submit(village, z)
		z = f.decide(street, z, aid.Pass, "")
		z = f.decide(daoliLeader, z, aid.Pass, "")
		if z = f.decide(city, z, aid.Pass, ""); z.Status != aid.Approved {
			t.Fatalf("independent deciders: %s", z.Status)
		}

		// An account made after the submission cannot decide it.
		late := submitted(village)
		refused(f.Newcomer("street.late", "新来的", street.OrgCode, access.Staff), late, duty.CodeNewer)

		// The same account: the village cadre who entered it, since moved
		// to the street federation, cannot pass it there.
		w := submitted(village)
		move := func(a access.Actor, orgID int64) {
			if _, err := d.Exec(ctx, `UPDATE users SET org_id = ? WHERE id = ?`, orgID, a.UserID); err != nil {
				t.Fatal(err)
			}
		}
		move(village, street.OrgID)
		refused(f.Actor("village.staff"), w, duty.CodeSame)
		move(village, village.OrgID)

		// The puppet: 道里's leader makes a village account, which enters
		// and submits an application; the street passes it; she may not
		// decide it at the district — 道里's staff does.
		puppet := f.Newcomer("village.puppet", "傀儡", village.OrgCode, access.Staff)
		f.Tie(daoliLeader, puppet, duty.Created)
		x := submitted(puppet)
		x = f.decide(street, x, aid.Pass, "")
		refused(daoliLeader, x, duty.CodeLinked)
		x = f.decide(daoli, x, aid.Pass, "")
		// A decider tied to an earlier one of the round: the city leader
		// reset the password of 道里's staff, who passed it at the
		// district; the city may not approve it on her word.
		f.Tie(city, daoli, duty.ResetPassword)
		refused(city, x, duty.CodeLinked)

		// Whichever way the tie goes: the street cadre who passed it
		// enabled the account of the district's deciding leader.
		y := submitted(village)
		y = f.decide(street, y, aid.Pass, "")
		f.Tie(street, daoliLeader, duty.Enabled)
		refused(daoliLeader, y, duty.CodeLinked)
	})
}
