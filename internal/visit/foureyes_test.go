package visit_test

import (
	"context"
	"fmt"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
	"halfsky/internal/visit"
)

// TestHandoverFourEyes: a hand-over is answered by the receiving unit's
// own people — not the sender's account, not one tied to it either way,
// not one made after it was sent. Every refusal is audited with its code
// and leaves the need and the hand-over as they were.
func TestHandoverFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli, daoliLeader := f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("daoli.leader")
		sent := func(from access.Actor, to string) int64 {
			t.Helper()
			n, err := f.svc.CreateNeed(ctx, from, visit.NeedInput{Category: "rights", Urgency: "urgent", Summary: "劳动合同纠纷需法律援助"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.HandOver(ctx, from, n.ID, visit.HandoverInput{ToCode: to, Reason: "需协调处理"}); err != nil {
				t.Fatal(err)
			}
			return n.ID
		}
		row := func(id int64) string {
			var status, hand string
			var org, version int64
			if err := d.QueryRow(ctx, `SELECT n.status, n.org_id, n.version, h.status FROM needs n JOIN need_handovers h ON h.need_id = n.id
				WHERE n.id = ? ORDER BY h.id DESC LIMIT 1`, id).Scan(&status, &org, &version, &hand); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(status, org, version, hand)
		}
		refused := func(a access.Actor, id int64, code string) {
			t.Helper()
			before := row(id)
			accepts, refusals := f.Refusals("need.handover_accept", "need", id, code), f.Refusals("need.handover_refuse", "need", id, code)
			_, err := f.svc.Decide(ctx, a, id, true, "")
			testfx.FourEyes(t, err, code)
			_, err = f.svc.Decide(ctx, a, id, false, "不属于本单位")
			testfx.FourEyes(t, err, code)
			if f.Refusals("need.handover_accept", "need", id, code) != accepts+1 || f.Refusals("need.handover_refuse", "need", id, code) != refusals+1 {
				t.Fatalf("%s: refusals not audited", a.Username)
			}
			if row(id) != before {
				t.Fatalf("a refused answer changed the need: %s → %s", before, row(id))
			}
		}

		// The puppet: 道里's leader made an account at the street below
		// and hands a need down to it; the puppet may not take it on for
		// the street.
		puppet := f.Colleague("street.puppet", "傀儡", street.OrgCode, access.Staff)
		f.Tie(daoliLeader, puppet, duty.Created)
		down := sent(daoliLeader, street.OrgCode)
		refused(puppet, down, duty.CodeLinked)
		// Whichever way the tie goes: the street's cadre reset the
		// password of a district account, which may not accept for the
		// district what she sends up.
		clerk := f.Colleague("daoli.clerk", "文书", daoli.OrgCode, access.Staff)
		f.Tie(street, clerk, duty.ResetPassword)
		up := sent(street, daoli.OrgCode)
		refused(clerk, up, duty.CodeLinked)
		// A district account made after it was sent.
		refused(f.Newcomer("daoli.late", "新同志", daoli.OrgCode, access.Staff), up, duty.CodeNewer)
		// The sender herself, since moved to the district federation.
		if _, err := d.Exec(ctx, `UPDATE users SET org_id = ? WHERE id = ?`, daoli.OrgID, street.UserID); err != nil {
			t.Fatal(err)
		}
		refused(f.Actor("street.staff"), up, duty.CodeSame)

		// The receiving units' own cadres answer.
		if _, err := f.svc.Decide(ctx, daoli, up, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Decide(ctx, f.Colleague("street.clerk", "李梅", "230102001", access.Staff), down, false, "请区妇联协调"); err != nil {
			t.Fatal(err)
		}
	})
}
