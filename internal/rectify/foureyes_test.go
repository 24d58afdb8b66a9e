package rectify_test

import (
	"context"
	"fmt"
	"testing"

	"halfsky/internal/access"
	"halfsky/internal/db"
	"halfsky/internal/duty"
	"halfsky/internal/testdb"
	"halfsky/internal/testfx"
)

// TestCloseFourEyes: the 销号 — or 退回 — of an applied item is taken by
// an account of a unit above that is independent of the cadre who
// recorded it and of the one who applied: not the same account, not one
// tied to either (either way), not one made after the application.
// Every refusal is audited with its code and changes nothing.
func TestCloseFourEyes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		street, daoli, daoliLeader := f.Actor("street.staff"), f.Actor("daoli.staff"), f.Actor("daoli.leader")
		applied := func(recorder, applicant access.Actor) int64 {
			t.Helper()
			id, err := f.svc.Create(ctx, recorder, deadlineInput())
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Apply(ctx, applicant, id, "已完成整改"); err != nil {
				t.Fatal(err)
			}
			return id
		}
		row := func(id int64) string {
			var status string
			var version, updated int64
			if err := d.QueryRow(ctx, `SELECT status, version, updated_at FROM problems WHERE id = ?`, id).Scan(&status, &version, &updated); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(status, version, updated)
		}
		refused := func(verifier access.Actor, id int64, code string) {
			t.Helper()
			before := row(id)
			closes, returns := f.Refusals("problem.close", "problem", id, code), f.Refusals("problem.return", "problem", id, code)
			testfx.FourEyes(t, f.svc.Close(ctx, verifier, id, ""), code)
			testfx.FourEyes(t, f.svc.Return(ctx, verifier, id, "佐证不足"), code)
			if f.Refusals("problem.close", "problem", id, code) != closes+1 || f.Refusals("problem.return", "problem", id, code) != returns+1 {
				t.Fatalf("%s: refusals not audited", verifier.Username)
			}
			if row(id) != before {
				t.Fatalf("a refused 销号 changed the item: %s → %s", before, row(id))
			}
		}

		// The puppet: 道里's leader makes an account at the street below,
		// which records the street's problem and applies; she may not
		// close it — nor when the puppet only applied for the street's
		// cadre.
		puppet := f.Newcomer("street.puppet", "傀儡", street.OrgCode, access.Staff)
		f.Tie(daoliLeader, puppet, duty.Created)
		p := applied(puppet, puppet)
		refused(daoliLeader, p, duty.CodeLinked)
		q := applied(street, puppet)
		refused(daoliLeader, q, duty.CodeLinked)
		// Whichever way the tie goes: the street's cadre reset the
		// password of a district account, which may not verify her item.
		clerk := f.Colleague("daoli.clerk", "文书", daoli.OrgCode, access.Staff)
		f.Tie(street, clerk, duty.ResetPassword)
		r := applied(street, street)
		refused(clerk, r, duty.CodeLinked)
		// A district account made after the application.
		refused(f.Newcomer("daoli.late", "新同志", daoli.OrgCode, access.Staff), r, duty.CodeNewer)
		// The same account: the street's cadre, since moved to the
		// district federation, may not close what she recorded.
		if _, err := d.Exec(ctx, `UPDATE users SET org_id = ? WHERE id = ?`, daoli.OrgID, street.UserID); err != nil {
			t.Fatal(err)
		}
		refused(f.Actor("street.staff"), r, duty.CodeSame)

		// 道里's staff — tied to nobody here — returns one and closes the others.
		if err := f.svc.Return(ctx, daoli, p, "请补充佐证"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{q, r} {
			if err := f.svc.Close(ctx, daoli, id, ""); err != nil {
				t.Fatalf("close %d: %v", id, err)
			}
		}
	})
}
